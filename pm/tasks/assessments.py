"""月度考核 job: compute last month's scores for every county on the 1st at 02:00 and tell the reviewers."""
# A system job. The run's key is the assessed month (run on 2026-12-01 → "2026-11"), and the scores are written in
# the same transaction as the run record, so two schedulers, a rerun or a run killed half-way leave one score set.
from __future__ import annotations

import logging
from datetime import datetime

from pm.services.assessments import compute

logger = logging.getLogger(__name__)


def compute_last_month(now: datetime) -> dict[str, int]:
    """Compute last month's draft scores of every county (periods already under review are left alone)."""
    counts = compute.compute_last_month(now)
    logger.info("assessments computed as of %s: %r", now.isoformat(), counts)
    return counts
