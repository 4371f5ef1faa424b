"""资金公示 as a notice: publishing a compound's yearly statement posts a 公示 to the compound's households that
links to the statement's page (the figures stay there). Once per compound and year."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from pm.access import SYSTEM, Scope, authorise
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import Notice, NoticeKind, User
from pm.services.fund.policy import policy_for
from pm.services.fund.statements import compound_statement
from pm.services.locks import serialise
from pm.services.messages import Message
from pm.services.notices import post_notice
from pm.services.text import N_
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

SOURCE = "statement"  # Notice.source; Notice.source_id is the year, Notice.compound_id the compound


def statement_link(compound_id: int, year: int) -> str:
    return f"/statements/compounds/{compound_id}/{year}"


def published_notice(compound_id: int, year: int) -> Notice | None:
    """The notice that published the compound's statement of `year`, if any (one query)."""
    return db.session.scalar(select(Notice).where(Notice.source == SOURCE, Notice.source_id == year,
                                                  Notice.compound_id == compound_id).order_by(Notice.id).limit(1))


def publish_statement(actor: User | None, *, scope: Scope, compound_id: int, year: int,
                      now: datetime | None = None) -> Notice:
    """Publish the yearly statement of a compound in scope, for a year that has ended: a 公示 to the compound for
    the county's publicity days, linking to the statement. A second publication of the same year is refused."""
    authorise(scope, actor, "fund.statement.publish")
    now = now or utcnow()
    today = local_today(now)
    statement = compound_statement(scope, compound_id, year, now=now)  # a compound outside the scope is a 404
    if year >= today.year:
        raise DomainError("只能公示已结束年度的资金收支（%(year)s 年尚未结束）", field="year", year=year)
    serialise(f"statement-notice:{compound_id}:{year}")  # two clicks at once post one notice
    if published_notice(compound_id, year) is not None:
        raise Conflict("该小区 %(year)s 年度资金公示已发布", field="year", year=year)
    days = policy_for(compound_id).publicity_days
    notice = post_notice(  # posted for the publisher, whose right to publish was checked above
        actor, scope=SYSTEM, compound_id=compound_id, kind=NoticeKind.PUBLICITY,
        title=Message(N_("%(year)s 年度维修资金收支公示：%(compound)s"),
                      {"year": year, "compound": statement.compound.name[:150]}),
        body=Message(N_("请业主查看本小区 %(year)s 年度维修资金的交存、使用、增值收益和结存情况，如有疑问请向"
                        "街道或住房维修资金管理部门反映。"), {"year": year}),
        starts_on=today, ends_on=today + timedelta(days=days), link=statement_link(compound_id, year),
        source=SOURCE, source_id=year, now=now)
    logger.info("statement of compound %s for %s published as notice %r by %r", compound_id, year, notice, actor)
    return notice
