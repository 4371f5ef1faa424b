"""Tests of the shared basics modules (money, labels, text, periods, storage, spreadsheets, pdf, recipients)."""
