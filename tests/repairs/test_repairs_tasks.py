"""报修 jobs: the 15-minute escalation slot, recorded runs, idempotent reruns, auto-close by the CLI."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import JobRun, Notification, RepairRequest, RepairStatus, Role
from pm.services.repairs import filing, workflow
from pm.tasks import EveryMinutes, find_job
from pm.tasks import scheduler as sched
from tests.factories.repairs import NOW, repair_world


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


@pytest.fixture
def w(app, db):
    return repair_world()


def _file(w, db, now=NOW):
    owner = w.users[Role.OWNER]
    req = filing.file_request(w.compounds["a"][0], **by(owner), category="road",
                              urgency="normal", description="路面破损严重", now=now)
    db.session.commit()
    return req


def test_every_minutes_periods():
    """The escalation job's period is the Beijing 15-minute slot; recent slots are those already due."""
    cadence = EveryMinutes(15)
    at = datetime(2026, 3, 2, 2, 7, tzinfo=timezone.utc)  # 10:07 Beijing
    assert cadence.period(at) == "2026-03-02T10:00"
    assert [p for p, _ in cadence.recent(at, 2)] == ["2026-03-02T09:45", "2026-03-02T10:00"]
    with pytest.raises(ValueError):
        EveryMinutes(7)


@pytest.mark.postgres
def test_escalation_job_runs_once_per_slot(w, db):
    """Run through the job runner: one run per slot, the community notified once even across slots."""
    _file(w, db)
    spec = find_job("repairs.escalate_overdue")
    at = NOW + timedelta(hours=25)
    first = sched.run_job(spec, at)
    assert first.ran and first.run.status.value == "done"
    assert not sched.run_job(spec, at + timedelta(minutes=1)).ran
    sched.run_job(spec, at + timedelta(minutes=15))
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "repair.overdue")) == 1
    assert db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == spec.id)) == 2


def test_auto_close_via_cli(w, db, runner):
    """`flask pm jobs run repairs.auto_close --at ...` closes a request completed 4 days earlier."""
    req = _file(w, db)
    staff = w.users[Role.STATION_STAFF]
    scope = scope_for(staff)
    workflow.dispatch(req, actor=staff, scope=scope, team_id=w.team.id, assignee_id=staff.id, now=NOW)
    workflow.start(req, actor=staff, scope=scope, now=NOW)
    workflow.complete(req, actor=staff, scope=scope, note="已修补", now=NOW)
    db.session.commit()
    rid = req.id
    result = runner.invoke(args=["pm", "jobs", "run", "repairs.auto_close", "--at",
                                 (NOW + timedelta(days=4)).isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(RepairRequest, rid).status == RepairStatus.CLOSED
