"""The security suite's world: the demo county plus a foreign county, one database per test module.

The demo county (`flask pm demo`) holds the nine demo roles (the eight logins and anonymous). A second county,
"外县", is added with the same modules filled by the demo's own populate step (fund, plans and votes, repairs,
station work, inspections), so every kind of object exists once inside the demo logins' part of the tree
(`inside`) and once where no demo login may see it (`outside`). Every name in the foreign county starts with
FOREIGN_MARK, so a page or list that leaks it is caught by a text search.

Building it costs ~3 s of CPU: it is built once per run into an SQLite file (the first xdist worker that needs it
builds, the others wait), and each test module works on a copy of its own (tests/security/conftest.py).
"""
from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from pm.access import scope_for
from pm.demo import DEMO_LOGINS, populate_modules
from pm.demo.logins import anchor
from pm.extensions import db
from pm.models import (
    AssessmentAppeal,
    AssessmentLine,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentScore,
    Building,
    County,
    Ownership,
    Residency,
    Role,
    Unit,
    User,
)
from pm.models.governance import Body, Election, Membership
from pm.models.fund import DepositRate, LedgerEntry, SubAccount, UsePlan
from pm.models.imports import ImportJob, ImportStatus
from pm.models.repairs import RepairImport
from pm.models.votes import Ballot, Decision
from pm.models.motions import Motion
from pm.models.inspections import Inspection, RectificationOrder
from pm.models.meetings import ActionItem, JointMeeting
from pm.models.notices import Notice
from pm.models.volunteers import Volunteer
from pm.models.notifications import Notification
from pm.models.repairs import PhotoStage, RepairPhoto, RepairRequest
from pm.models.stations import PatrolPoint, PatrolRoute, Team
from pm.models.surveys import Survey
from pm.services.accounts.tokens import create_api_token
from pm.services.repairs import portal
from pm.timeutil import local_today, utcnow
from tests.conftest import IsolatedClient
from tests.databases import testing_app
from tests.factories.accounts import issue_token
from tests.factories import (
    make_building,
    make_community,
    make_compound,
    make_county,
    make_household,
    make_owner,
    make_person,
    make_resident,
    make_station,
    make_street,
    make_unit,
    make_user,
)

FOREIGN_MARK = "外县"
FOREIGN_PHONE = "13912345678"
ANONYMOUS = "anonymous"
# The nine roles of the matrix: the eight demo logins and nobody logged in.
ROLES: tuple[str, ...] = tuple(login.username for login in DEMO_LOGINS) + (ANONYMOUS,)
PASSWORDS = {login.username: login.password for login in DEMO_LOGINS}
ROLE_OF = {login.username: login.role for login in DEMO_LOGINS}
# Columns every authenticated request may write, whatever it answers: when a login session was last seen (and its
# sliding expiry) and when a token was last used.
BOOKKEEPING = {"login_sessions": ("last_seen_at", "expires_at"), "api_tokens": ("last_used_at",)}
# An id no row has: an out-of-scope id must be answered exactly like this one.
MISSING_ID = 987654321


# The repair photo of each side: a file in the world's upload folder.
PHOTO_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _photo_file(upload_dir: Path, compound_id: int) -> Path:
    return upload_dir / f"security-{compound_id}.png"


@dataclass
class Side:
    """The ids of one object of every kind, all in one county's anchor compound and station."""

    ids: dict[str, object] = field(default_factory=dict)


def _foreign_county() -> County:
    county = make_county(name=f"{FOREIGN_MARK}县")
    street = make_street(county, name=f"{FOREIGN_MARK}街道")
    community = make_community(street, name=f"{FOREIGN_MARK}社区")
    compound = make_compound(community, name=f"{FOREIGN_MARK}小区", owners_committee_formed_on=date(2020, 1, 1))
    station = make_station(community, [compound], name=f"{FOREIGN_MARK}服务站")
    unit = make_unit(make_building(compound, name=f"{FOREIGN_MARK}1号楼"), name="1单元")
    homes = [make_household(unit, room_no=f"{i}01", floor=i) for i in range(1, 5)]
    owner = make_person(name=f"{FOREIGN_MARK}业主", phone=FOREIGN_PHONE)
    make_owner(homes[0], owner)
    make_resident(homes[1], make_person(name=f"{FOREIGN_MARK}租户", phone="13912345679"))
    for i, home in enumerate(homes[2:]):
        make_owner(home, make_person(name=f"{FOREIGN_MARK}业主{i}", phone=f"1391234568{i}"))
    tenant = db.session.scalar(select(Residency).where(Residency.household_id == homes[1].id)).person
    nodes = {Role.COUNTY_ADMIN: county, Role.STREET_OFFICER: street, Role.COMMUNITY_WORKER: community,
             Role.STATION_MANAGER: station, Role.STATION_STAFF: station, Role.COMMITTEE_MEMBER: compound,
             Role.OWNER: owner, Role.RESIDENT: tenant}
    users = {role: make_user(role, node, username=f"{FOREIGN_MARK}{role.value}", display_name=f"{FOREIGN_MARK}{role.value}")
             for role, node in nodes.items()}
    populate_modules(county, users, seed=8)
    return county


def _first(stmt):
    return db.session.scalar(stmt.limit(1))


def _side(county: County, upload_dir: Path) -> Side:
    """One object of every kind around the county's anchor (the station and compound the demo logins use)."""
    station, compound, owner, tenant = anchor(county)
    users = {u.role: u for u in db.session.scalars(select(User).where(User.station_id == station.id))}
    manager, staff = users[Role.STATION_MANAGER], users[Role.STATION_STAFF]
    household_id = _first(select(Ownership.household_id).where(
        Ownership.person_id == owner.id, Ownership.ended_on.is_(None)).order_by(Ownership.household_id))
    residency = _first(select(Residency).where(Residency.person_id == tenant.id, Residency.ended_on.is_(None)))
    account = _first(select(SubAccount).where(SubAccount.household_id == household_id))
    route_id = _first(select(PatrolRoute.id).where(PatrolRoute.station_id == station.id).order_by(PatrolRoute.id))
    request_id = _first(select(RepairRequest.id).where(RepairRequest.compound_id == compound.id)
                        .order_by(RepairRequest.id))
    score_id = _first(select(AssessmentScore.id).where(AssessmentScore.station_id == station.id)
                      .order_by(AssessmentScore.id))
    photo_file = _photo_file(upload_dir, compound.id)
    photo_file.parent.mkdir(parents=True, exist_ok=True)
    photo_file.write_bytes(PHOTO_BYTES)
    photo = RepairPhoto(request_id=request_id, stage=PhotoStage.FILING, path=photo_file.name,
                        content_type="image/png", size_bytes=40, sha256="0" * 64, uploaded_by_id=staff.id)
    job = ImportJob(compound_id=compound.id, user_id=manager.id, filename=f"{compound.name}.xlsx",
                    status=ImportStatus.DONE, counts={})
    repair_import = RepairImport(compound_id=compound.id, station_id=station.id, user_id=manager.id,
                                 filename=f"{compound.name}.csv", sha256="0" * 64, data=b"", status="planned", counts={})
    note = Notification(user_id=manager.id, kind="security.test", title=f"{compound.name} 通知",
                        compound_id=compound.id)
    token, _raw = create_api_token(manager, f"security-{compound.id}", scope=scope_for(manager), actor=manager)
    db.session.add_all([photo, job, repair_import, note])
    db.session.flush()
    ids = {
        "county_id": county.id,
        "street_id": compound.community.street_id,
        "community_id": compound.community_id,
        "compound_id": compound.id,
        "station_id": station.id,
        "building_id": _first(select(Building.id).where(Building.compound_id == compound.id).order_by(Building.id)),
        "unit_id": _first(select(Unit.id).where(Unit.compound_id == compound.id).order_by(Unit.id)),
        "household_id": household_id,
        "tenant_household_id": residency.household_id,
        "residency_id": residency.id,
        "person_id": owner.id,
        "user_id": staff.id,
        "rate_id": _first(select(DepositRate.id).where(DepositRate.county_id == county.id).order_by(DepositRate.id)),
        "account_id": account.id,
        "entry_id": _first(select(LedgerEntry.id).where(LedgerEntry.account_id == account.id)
                           .order_by(LedgerEntry.id)),
        "plan_id": _first(select(UsePlan.id).where(UsePlan.compound_id == compound.id).order_by(UsePlan.id)),
        "ballot_id": _first(select(Ballot.id).join(Decision, Decision.id == Ballot.decision_id)
                            .where(Decision.compound_id == compound.id).order_by(Ballot.id)),
        "county_id": county.id,
        "motion_id": _first(select(Motion.id).where(Motion.compound_id == compound.id).order_by(Motion.id)),
        "motion_ballot_id": _first(select(Ballot.id).join(Motion, Motion.decision_id == Ballot.decision_id)
                                   .where(Motion.compound_id == compound.id).order_by(Ballot.id)),
        "inspection_id": _first(select(Inspection.id).where(Inspection.station_id == station.id)),
        "order_id": _first(select(RectificationOrder.id).where(RectificationOrder.station_id == station.id)
                           .order_by(RectificationOrder.id)),
        "request_id": request_id,
        "survey_id": _first(select(Survey.id).where(Survey.compound_id == compound.id).order_by(Survey.id)),
        "scheme_id": _first(select(AssessmentScheme.id).where(AssessmentScheme.county_id == county.id)
                            .order_by(AssessmentScheme.id)),
        "period_id": _first(select(AssessmentPeriod.id).where(AssessmentPeriod.county_id == county.id)
                            .order_by(AssessmentPeriod.id)),
        "score_id": score_id,
        "line_id": _first(select(AssessmentLine.id).where(AssessmentLine.score_id == score_id)
                          .order_by(AssessmentLine.id)),
        "appeal_id": _first(select(AssessmentAppeal.id).where(AssessmentAppeal.score_id == score_id)),
        "route_id": route_id,
        "point_id": _first(select(PatrolPoint.id).where(PatrolPoint.route_id == route_id).order_by(PatrolPoint.id)),
        "team_id": _first(select(Team.id).where(Team.station_id == station.id).order_by(Team.id)),
        "job_id": job.id,
        "import_id": repair_import.id,
        "meeting_id": _first(select(JointMeeting.id).where(JointMeeting.compound_id == compound.id)
                             .order_by(JointMeeting.id)),
        "notice_id": _first(select(Notice.id).where(Notice.compound_id == compound.id, Notice.building_id.is_(None))
                            .order_by(Notice.id)),
        "volunteer_id": _first(select(Volunteer.id).where(Volunteer.compound_id == compound.id)
                               .order_by(Volunteer.id)),
        "item_id": _first(select(ActionItem.id).where(ActionItem.compound_id == compound.id).order_by(ActionItem.id)),
        "note_id": note.id,
        "token_id": token.id,
        "file_id": photo.id,
        "body_id": _first(select(Body.id).where(Body.compound_id == compound.id)),
        "member_id": _first(select(Membership.id).join(Body, Body.id == Membership.body_id)
                            .where(Body.compound_id == compound.id).order_by(Membership.id)),
        "election_id": _first(select(Election.id).where(Election.compound_id == compound.id).order_by(Election.id)),
        "election_ballot_id": _first(select(Ballot.id).join(Election, Election.decision_id == Ballot.decision_id)
                                     .where(Election.compound_id == compound.id).order_by(Ballot.id)),
        "kind": "repair_photo",
        "token": portal.open_portal(compound, actor=manager, scope=scope_for(manager)).token,
    }
    missing = [name for name, value in ids.items() if value is None]
    assert not missing, f"the {county.name} side lacks {missing}"
    return Side(ids)


def build_world_db(demo_template: Path, path: Path, instance: Path) -> dict:
    """The demo county plus the foreign county, built into the SQLite file at `path`; returns what a SecurityWorld
    needs besides the file (both sides' ids and the raw API tokens of the demo logins), as JSON-able data."""
    shutil.copyfile(demo_template, path)
    app = testing_app(f"sqlite:///{path}", instance)
    upload_dir = Path(app.config["UPLOAD_DIR"])
    with app.app_context():
        demo_county = db.session.scalar(select(County).order_by(County.id))
        foreign = _foreign_county()
        inside = _side(demo_county, upload_dir)
        outside = _side(foreign, upload_dir)
        tokens = {}
        for username in PASSWORDS:
            user = db.session.scalar(select(User).where(User.username == username))
            token, tokens[username] = issue_token(user, "security")
            # "last used" is recorded at most once a minute: dated ahead, no request of the suite writes it,
            # so any commit during a sweep is the app's doing (see changed_tables).
            token.last_used_at = utcnow() + timedelta(days=1)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"inside": inside.ids, "outside": outside.ids, "tokens": tokens}


class SecurityWorld:
    """The app on a module's own copy of the world's database (build_world_db, built once per run: see
    tests/security/conftest.py), the two sides, and one client per role."""

    def __init__(self, world_template: Path, state: dict, base: Path) -> None:
        path = base / "security.sqlite3"
        shutil.copyfile(world_template, path)
        self.app = testing_app(f"sqlite:///{path}", base / "instance")
        self.app.test_client_class = IsolatedClient
        self.inside, self.outside = Side(dict(state["inside"])), Side(dict(state["outside"]))
        upload_dir = Path(self.app.config["UPLOAD_DIR"])
        for side in (self.inside, self.outside):  # the repair photo files the sides' photo rows point at
            photo = _photo_file(upload_dir, side.ids["compound_id"])
            photo.parent.mkdir(parents=True, exist_ok=True)
            photo.write_bytes(PHOTO_BYTES)
        self.year = local_today().year
        self.tokens = dict(state["tokens"])
        self.path = path
        self._web: dict[str, object] = {}

    def web(self, role: str):
        """A test client logged in through the login form as the demo `role` (anonymous: not logged in)."""
        if role not in self._web:
            client = self.app.test_client()
            if role != ANONYMOUS:
                resp = client.post("/auth/login", data={"username": role, "password": PASSWORDS[role]})
                assert resp.status_code == 302, f"demo login {role} failed"
            self._web[role] = client
        return self._web[role]

    def headers(self, role: str) -> dict[str, str]:
        """The API headers of `role`: its bearer token (none for anonymous)."""
        return {} if role == ANONYMOUS else {"Authorization": f"Bearer {self.tokens[role]}"}

    @contextlib.contextmanager
    def unchanged(self):
        """Yields a list that afterwards holds the tables whose rows changed inside the block (none: nothing was
        committed). SQLite's data_version, read on a connection of our own, moves when any other connection
        commits; only then are the tables compared row by row."""
        with contextlib.closing(sqlite3.connect(self.path)) as watch:
            version = watch.execute("PRAGMA data_version").fetchone()[0]
            before = self.fingerprint()
            changed: list[str] = []
            yield changed
            if watch.execute("PRAGMA data_version").fetchone()[0] != version:
                after = self.fingerprint()
                changed.extend(sorted(t for t in before if before[t] != after[t]))

    def fingerprint(self) -> dict[str, str]:
        """A digest of every table's rows (but for BOOKKEEPING): equal before and after means nothing was written."""
        digests = {}
        with self.app.app_context():
            for table in db.metadata.sorted_tables:
                columns = [c for c in table.columns if c.name not in BOOKKEEPING.get(table.name, ())]
                rows = db.session.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
                digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
            db.session.remove()
        return digests
