"""审计 REST API: the audit log filtered by object, action, actor and local dates."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pm.models import Role
from pm.services import audit
from tests.asserts import assert_error, ids

V1 = "/api/v1"


def test_api_changes_appear_in_the_audit_log_with_their_values(world, api):
    """A change made through the API is listed with actor, object and old/new values."""
    household = world.households["a"][0]
    admin = world.users[Role.STREET_OFFICER]
    client = api(admin)
    assert client.patch(f"{V1}/households/{household.id}", json={"floor": 3}).status_code == 200
    body = client.get(f"{V1}/audit", query_string={"object_type": "Household", "object_id": household.id}).get_json()
    [row] = body["items"]
    assert row["action"] == "household.update" and row["changes"] == {"floor": [1, 3]}
    assert row["actor_id"] == admin.id and row["actor_username"] == "street" and row["actor_role"] == "street_officer"
    assert row["compound_id"] == household.compound_id and row["created_at"].endswith("+00:00")


@pytest.mark.postgres
def test_audit_filters_by_action_actor_and_local_dates(world, api, db):
    """Rows filter by action and actor, and date_from/date_to are whole days in Asia/Shanghai."""
    compound = world.compounds["a"][0]
    actor = world.users[Role.COMMUNITY_WORKER]
    early = audit.record("compound.update", compound, actor=actor, changes={"a": [1, 2]})
    late = audit.record("compound.update", compound, actor=None, changes={"a": [2, 3]})
    other = audit.record("renovation_item.set", compound, actor=actor, changes={"b": [1, 2]})
    # 2024-03-01 23:30 in Shanghai is 15:30 UTC; 2024-03-02 00:30 Shanghai is 2024-03-01 16:30 UTC.
    early.created_at = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)
    late.created_at = datetime(2024, 3, 1, 16, 30, tzinfo=timezone.utc)
    other.created_at = datetime(2024, 3, 2, 1, 0, tzinfo=timezone.utc)
    db.session.commit()
    client = api(world.users[Role.STREET_OFFICER])
    assert ids(client.get(f"{V1}/audit?action=compound.update")) == {early.id, late.id}
    assert ids(client.get(f"{V1}/audit?actor_id={actor.id}")) == {early.id, other.id}
    assert ids(client.get(f"{V1}/audit?object_type=Compound&date_from=2024-03-01&date_to=2024-03-01")) == {early.id}
    assert ids(client.get(f"{V1}/audit?object_type=Compound&date_from=2024-03-02")) == {late.id, other.id}
    listed = client.get(f"{V1}/audit?object_type=Compound").get_json()["items"]
    assert [r["id"] for r in listed] == [other.id, late.id, early.id]  # newest first


def test_bad_audit_filters_are_422(world, api):
    """A reversed date range, a malformed date or a non-numeric id is a 422 naming the parameter."""
    client = api(world.users[Role.COUNTY_ADMIN])
    assert_error(client.get(f"{V1}/audit?date_from=2024-03-02&date_to=2024-03-01"), 422, "date_to")
    assert_error(client.get(f"{V1}/audit?date_from=yesterday"), 422, "date_from")
    assert_error(client.get(f"{V1}/audit?date_to=0001-01-01"), 422, "date_to")
    assert_error(client.get(f"{V1}/audit?actor_id=me"), 422, "actor_id")
