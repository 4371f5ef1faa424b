"""Fixtures of the API tests: the two-street world of tests.factories."""
from __future__ import annotations

import pytest

from tests.factories import make_world


@pytest.fixture
def world(app, db):
    """Two streets (a, b) with compounds, households, a station and one user per role on side a."""
    return make_world()
