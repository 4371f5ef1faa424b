"""Tests of stations."""
