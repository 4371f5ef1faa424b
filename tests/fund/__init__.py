"""Tests of fund."""
