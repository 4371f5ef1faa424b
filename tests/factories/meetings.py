"""Factories of joint meetings and action items (through the services)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from pm.access import scope_for
from pm.models import BodyKind, Role
from pm.services.meetings import meetings


def make_meeting(world, *, compound=None, held_on: date | None = None, now: datetime | None = None, side="a"):
    """A meeting convened by side a's community worker (about `compound`, or the whole community)."""
    worker = world.users[Role.COMMUNITY_WORKER]
    return meetings.create_meeting(worker, scope=scope_for(worker), community_id=world.communities[side].id,
                                   compound_id=compound.id if compound else None, held_on=held_on,
                                   topics="停车秩序整治", now=now)


def make_item(world, meeting, *, kind=BodyKind.STATION, body_id=None, due_on: date, now: datetime | None = None):
    """An action item of `meeting` for a body of side a (default: its station)."""
    worker = world.users[Role.COMMUNITY_WORKER]
    body_id = body_id or {BodyKind.STATION: world.stations["a"].id,
                          BodyKind.OWNERS_COMMITTEE: world.compounds["a"][0].id}.get(kind, world.communities["a"].id)
    return meetings.add_item(meeting, worker, scope=scope_for(worker), decision="施划停车位", responsible_kind=kind,
                             responsible_id=body_id, person_name="张站长", due_on=due_on, now=now)


def days(n: int, base: date) -> date:
    return base + timedelta(days=n)
