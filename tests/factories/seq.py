"""One counter for the factories, so generated names and phones never collide within a test process."""
from __future__ import annotations

import itertools

_seq = itertools.count(1)


def n() -> int:
    """The next number of the process-wide sequence."""
    return next(_seq)
