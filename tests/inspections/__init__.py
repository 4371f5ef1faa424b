"""Tests of inspections."""
