"""Demo inspection: a street inspection with findings and rectification orders."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from pm.access import SYSTEM
from pm.demo.names import ago
from pm.extensions import db
from pm.models import (
    RectificationOrder,
    Role,
)
from pm.services.inspections import inspections, rectification
from pm.timeutil import local_today

logger = logging.getLogger(__name__)


def populate(station, users, now) -> dict[str, int]:
    """A street weekly inspection of the station a week ago: two findings, one order closed, one open."""

    officer, manager = users[Role.STREET_OFFICER], users[Role.STATION_MANAGER]
    today = local_today(now)
    at = ago(now, 7)
    inspection = inspections.create_inspection(
        officer, scope=SYSTEM, level="street_weekly", target_kind="station", target_id=station.id,
        inspected_on=today - timedelta(days=7), summary="整体保洁较好，楼道堆物和门禁维护需加强。", now=at)
    closed = inspections.add_finding(inspection, officer, scope=SYSTEM, item_code="environment", deduction="2",
                                     note="2号楼楼道堆放纸箱杂物，影响消防通道", measure="三日内清理楼道堆物并张贴告示",
                                     due_on=today - timedelta(days=4), now=at)
    inspections.add_finding(inspection, officer, scope=SYSTEM, item_code="facilities", deduction="3",
                            note="1号楼单元门禁闭门器损坏，门无法自动关闭", measure="更换闭门器，建立门禁巡检台账",
                            due_on=today + timedelta(days=3), now=at)
    order = db.session.scalar(select(RectificationOrder).where(RectificationOrder.finding_id == closed.id))
    rectification.report_done(order, manager, scope=SYSTEM, note="楼道杂物已全部清理，已张贴禁止堆物告示。", now=ago(now, 5))
    rectification.recheck(order, officer, scope=SYSTEM, passed=True, now=ago(now, 4))
    return {"inspections": 1, "rectification_orders": 2}
