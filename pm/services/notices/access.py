"""公告 access: scope rules and capabilities of notices, their files and read records."""
# Officials and committee members see every notice of their compounds (officials and station staff also the
# street notices of their streets: assessment bulletins); an owner or resident sees those of their
# compounds aimed at the whole compound, or at the building or unit of one of their homes.
from __future__ import annotations

from sqlalchemy import and_, or_, select

from pm.access import OFFICIALS_ABOVE_STATION, Scope, register_capabilities, register_rules
from pm.models import Household, Notice, NoticeAttachment, NoticeRead, Role
from pm.services import storage

ALL_ROLES = frozenset(Role)
POSTERS = OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER}


STREET_READERS = frozenset({Role.COUNTY_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.STATION_MANAGER,
                            Role.STATION_STAFF})


def notice_rule(s: Scope):
    """The notices a scope may see (see the module comment)."""
    base = Notice.compound_id.in_(s.compound_ids)
    if s.role in STREET_READERS:  # and the street notices of their streets (an assessment bulletin)
        return or_(base, and_(Notice.compound_id.is_(None), Notice.street_id.in_(s.street_ids)))
    if s.household_ids is None:
        return base
    homes = select(Household.building_id, Household.unit_id).where(Household.id.in_(s.household_ids)).subquery()
    return and_(base,
                or_(Notice.building_id.is_(None), Notice.building_id.in_(select(homes.c.building_id))),
                or_(Notice.unit_id.is_(None), Notice.unit_id.in_(select(homes.c.unit_id))))


def _notices(s: Scope):
    return select(Notice.id).where(notice_rule(s))


register_rules({
    Notice: notice_rule,
    NoticeAttachment: lambda s: NoticeAttachment.notice_id.in_(_notices(s)),
    NoticeRead: lambda s: NoticeRead.notice_id.in_(_notices(s)) & (
        NoticeRead.household_id.in_(s.visible_households)),
})

register_capabilities({
    "notices.view": ALL_ROLES,
    "notices.post": POSTERS,  # and see read counts and the unread households
})

storage.register_kind("notice_file", NoticeAttachment, path_attr="path", type_attr="content_type",
                      name_attr="name", capability="notices.view")
