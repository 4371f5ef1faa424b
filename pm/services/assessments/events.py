"""加分与一票否决: inspectors record bonus and veto events against a unit, with evidence (a finding is no longer only
a deduction)."""
from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import joinedload, selectinload

from pm.access import OFFICIALS_ABOVE_STATION, Scope
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    AssessmentEvent,
    AssessmentEventPhoto,
    Community,
    County,
    ItemSource,
    Station,
    StreetOffice,
    UnitKind,
    User,
)
from pm.services import audit, storage
from pm.services.assessments import schemes
from pm.services.assessments.locks import county_of_street, refuse_if_locked
from pm.services.text import N_, check_text
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

UNIT_MODELS = {UnitKind.STATION: Station, UnitKind.COMMUNITY: Community, UnitKind.STREET: StreetOffice}


def _place(kind: UnitKind, unit) -> dict:
    if kind == UnitKind.STATION:
        community = db.session.get(Community, unit.community_id)
        return {"street_id": community.street_id, "community_id": community.id, "station_id": unit.id}
    if kind == UnitKind.COMMUNITY:
        return {"street_id": unit.street_id, "community_id": unit.id, "station_id": None}
    return {"street_id": unit.id, "community_id": None, "station_id": None}


def record_event(actor: User, *, scope: Scope, unit_kind: UnitKind | str, unit_id: int, item_code: str,
                 happened_on: date | None, note: str, points=None, photos: list | None = None,
                 now: datetime | None = None) -> AssessmentEvent:
    """A bonus (加分, at most the item's cap) or veto (一票否决) event for a unit in the inspector's area."""
    if actor.role not in OFFICIALS_ABOVE_STATION:
        raise Forbidden("只有检查人员可以登记加分或否决事项")
    try:
        unit_kind = UnitKind(unit_kind)
    except ValueError:
        raise DomainError("考核对象类型无效", field="unit_kind") from None
    model = UNIT_MODELS[unit_kind]
    if not isinstance(unit_id, int) or not scope.contains(model, unit_id):
        raise NotFound("考核对象不存在或不在您的管辖范围内", field="unit_id")
    if happened_on is None:
        raise DomainError("请填写日期", field="happened_on")
    if happened_on > local_today(now):
        raise DomainError("日期不能是未来日期", field="happened_on")
    place = _place(unit_kind, db.session.get(model, unit_id))
    county_id = county_of_street(place["street_id"])
    refuse_if_locked(county_id, happened_on, field="happened_on")
    scheme = schemes.in_force(county_id, unit_kind, happened_on)
    item = schemes.item_by_code(scheme, item_code)
    if item is None or item.source not in (ItemSource.BONUS, ItemSource.VETO):
        raise DomainError("请选择加分或一票否决项目", field="item_code")
    if item.source == ItemSource.BONUS:
        value = Decimal(str(points if points not in (None, "") else item.params.get("per_event") or 1))
        if not value.is_finite() or value <= 0 or value > item.cap or value.as_tuple().exponent < -2:
            raise DomainError("加分应大于 0 且不超过 %(cap)s 分", field="points", cap=item.cap)
    else:
        value = Decimal(0)
    note = check_text(note, field="note", label=N_("事由"), max_len=2000)
    now = now or utcnow()
    stored = storage.save_many(photos, f"assessments/events/{county_id}")
    event = AssessmentEvent(county_id=county_id, item_id=item.id, unit_kind=unit_kind, unit_id=unit_id,
                            happened_on=happened_on, points=value, note=note, recorded_by_id=actor.id,
                            created_at=now, **place)
    event.photos = [AssessmentEventPhoto(path=s.path, content_type=s.content_type, created_at=now) for s in stored]
    db.session.add(event)
    db.session.flush()
    audit.record("assessment.event", event, actor=actor,
                 changes={"item": [None, item.code], "unit": [None, f"{unit_kind}:{unit_id}"],
                          "points": [None, value], "photos": [None, len(stored)]},
                 place=db.session.get(County, county_id))
    return event


def events_stmt(scope: Scope, *, ids: list[int] | None = None):
    """Bonus and veto events in scope, newest first (only `ids`: the events behind a score line)."""
    stmt = (scope.select(AssessmentEvent)
            .options(joinedload(AssessmentEvent.item), joinedload(AssessmentEvent.recorded_by),
                     selectinload(AssessmentEvent.photos))
            .order_by(AssessmentEvent.happened_on.desc(), AssessmentEvent.id.desc()))
    return stmt.where(AssessmentEvent.id.in_(ids)) if ids is not None else stmt
