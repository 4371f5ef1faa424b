"""服务站 factories: property service stations and their teams."""
from __future__ import annotations

from pm.extensions import db
from pm.models import Community, Compound, Station, Team, TeamKind, User
from tests.factories.seq import n as _n


def make_station(community: Community, compounds: list[Compound], **kw) -> Station:
    station = Station(community_id=community.id, name=kw.pop("name", f"服务站{_n()}"), compounds=list(compounds), **kw)
    db.session.add(station)
    db.session.flush()
    return station


def make_team(station: Station, kind: TeamKind = TeamKind.MAINTENANCE, members: list[User] = (), **kw) -> Team:
    """A team of `station` (maintenance unless told) with the given staff as members."""
    team = Team(station_id=station.id, kind=kind, name=kw.pop("name", f"{_n()}队"), members=list(members), **kw)
    db.session.add(team)
    db.session.flush()
    return team
