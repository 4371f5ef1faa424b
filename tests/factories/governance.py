"""Governance factories: bodies with members, an owners' committee with a login tied to its term."""
from __future__ import annotations

from datetime import date

from pm.access import SYSTEM
from pm.models import Body, BodyType, Compound, Membership, Position
from pm.services.governance import bodies
from tests.factories.registry import make_household, make_owner
from tests.factories.world import make_world


def make_body(kind: BodyType, *, community=None, compound: Compound | None = None, station=None, **kw) -> Body:
    return bodies.ensure_body(kind, community=community, compound=compound, station=station, actor=None,
                              scope=SYSTEM, **kw)


def make_member(body: Body, name: str = "张三", *, position: Position = Position.MEMBER,
                started_on: date = date(2024, 1, 1), ends_on: date | None = None, **kw) -> Membership:
    return bodies.add_member(body, name=name, position=position, started_on=started_on, ends_on=ends_on,
                             actor=None, scope=SYSTEM, **kw)


def four_bodies(community, compound, station, *, started_on: date = date(2024, 1, 1)) -> dict:
    """A party branch, residents' committee, owners' committee and a station body, each with one member."""
    out = {
        "party": make_body(BodyType.PARTY, community=community),
        "residents": make_body(BodyType.RESIDENTS, community=community),
        "owners": make_body(BodyType.OWNERS, compound=compound),
        "station": make_body(BodyType.STATION, station=station),
    }
    make_member(out["party"], "党书记", position=Position.SECRETARY, started_on=started_on, is_party_member=True)
    make_member(out["residents"], "居委主任", position=Position.DIRECTOR, started_on=started_on)
    make_member(out["owners"], "业委主任", position=Position.CHAIR, started_on=started_on,
                ends_on=date(started_on.year + 4, 12, 31))
    return out


def election_world():
    """The two-street world plus four more owned dwellings in compound a-one (five owned dwellings in all)."""
    w = make_world()
    compound = w.compounds["a"][0]
    unit = w.households["a"][0].unit
    w.owned = [w.households["a"][0]]
    for i in range(4):
        hh = make_household(unit, room_no=f"2{i}1", area_m2=80)
        make_owner(hh)
        w.owned.append(hh)
    w.compound = compound
    return w


def group() -> list[dict]:
    return [{"name": "王代表", "side": "owner"}, {"name": "街道李", "side": "street"}]
