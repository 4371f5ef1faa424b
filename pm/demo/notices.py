"""Demo notices: a compound-wide notice read by some households, and one to a single building."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from pm.access import SYSTEM
from pm.demo.names import ago
from pm.extensions import db
from pm.models import Building, Household, NoticeKind, NoticeRead, Role
from pm.services.fund.statement_notice import publish_statement
from pm.services.notices import post_notice
from pm.timeutil import local_today

logger = logging.getLogger(__name__)


def populate(compound, users, now) -> dict[str, int]:
    """Two notices from the station manager: a water cut to the whole compound (a third of the households have
    read it) and a publicity of one building's elevator inspection; and the street office's 资金公示 of last
    year's statement."""
    manager = users[Role.STATION_MANAGER]
    at = ago(now, 2)
    today = local_today(at)
    water = post_notice(manager, scope=SYSTEM, compound_id=compound.id, title="停水通知",
                        body="因供水管网维修，本周六 8:00—14:00 全小区停水，请提前储水。", starts_on=today,
                        ends_on=today + timedelta(days=5), now=at)
    homes = list(db.session.scalars(select(Household.id).where(Household.compound_id == compound.id)
                                    .order_by(Household.id)))
    db.session.add_all(NoticeRead(notice_id=water.id, household_id=h, read_at=now) for h in homes[::3])
    building = db.session.scalar(select(Building).where(Building.compound_id == compound.id).order_by(Building.id))
    post_notice(manager, scope=SYSTEM, compound_id=compound.id, building_id=building.id,
                kind=NoticeKind.PUBLICITY, title=f"{building.name}设施检查结果公示",
                body="消防设施与楼道照明检查合格。", starts_on=today, ends_on=today + timedelta(days=7), now=at)
    # 资金公示: the street office publishes last year's statement, a notice linking to the statement's page
    publish_statement(users[Role.STREET_OFFICER], scope=SYSTEM, compound_id=compound.id, year=today.year - 1, now=at)
    db.session.flush()
    return {"notices": 3, "notice_reads": len(homes[::3])}
