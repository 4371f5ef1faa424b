"""Every demo role, in English, on the demo county: follow the same-site links from the home page (breadth first,
bounded) and find no Chinese on any page apart from what people typed or named (places, people, descriptions) —
read from the database, value by value, never ignored wholesale."""
from __future__ import annotations

import html as htmllib
import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select

from pm import demo
from pm.models import (
    Building,
    Community,
    Compound,
    County,
    DepositRate,
    Finding,
    Household,
    Inspection,
    PatrolCheckin,
    PatrolPoint,
    PatrolRoute,
    Person,
    PlanDocument,
    RectificationEvent,
    RectificationOrder,
    RenovationItem,
    RepairEvent,
    RepairRequest,
    Station,
    StreetOffice,
    Team,
    Unit,
    UsePlan,
    User,
    WorkLog,
)
from pm.models.assessments import AssessmentAdjustment, AssessmentAppeal, AssessmentEvent, AssessmentScore
from pm.models.commonincome import CommonIncomeEntry
from pm.models.fund import LedgerEntry
from pm.models.governance import Body, Candidate, PrepMember, PropertyFirm
from pm.models.meetings import ActionItem, ActionItemReturn, JointMeeting, MeetingAttachment, MeetingAttendee
from pm.models.motions import Motion
from pm.models.notices import Notice, NoticeAttachment
from pm.models.volunteers import Grid, VolunteerHours
from pm.services.fund import bank
from pm.services.repairs import import_rows
from tests.core.test_translations import TYPED_VALUES

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]+")
HREF = re.compile(r'href="([^"]+)"')
TAG = re.compile(r"<[^>]*>")
MAX_PAGES = 150  # per role
PER_PATTERN = 1  # URLs that differ only in their numbers and query values: the first one is enough
# Links that are not pages to read: downloads, the API, logging out, printing and the language switch.
SKIP = re.compile(r"^/(api/|files/|auth/logout|auth/lang)|/static/|\.(xlsx|pdf|png|jpe?g|svg|csv)(\?|$)|/export|/download"
                  r"|/template|/qr")

# What users typed or named, column by column: Chinese in these values is data, not UI text.
TYPED = (
    County.name, StreetOffice.name, Community.name, Compound.name, Compound.address, Compound.property_company,
    RenovationItem.name, RenovationItem.note, Building.name, Unit.name, Household.room_no, Household.note,
    Person.name, User.display_name, Station.name, Station.operator, Team.name, DepositRate.name,
    RepairRequest.description, RepairRequest.location_note, RepairRequest.completion_note,
    RepairRequest.reject_reason, RepairRequest.rating_comment, RepairRequest.followup_note, RepairRequest.filer_name,
    RepairEvent.note,
    WorkLog.content, PatrolRoute.name, PatrolPoint.name, PatrolCheckin.note,
    Inspection.target_name, Inspection.summary, Finding.note, RectificationOrder.responsible_name,
    RectificationOrder.problem, RectificationOrder.measure, RectificationEvent.note,
    UsePlan.title, UsePlan.shared_part, UsePlan.reason, UsePlan.contractor, UsePlan.rejected_reason,
    PlanDocument.filename,
    # Governance, joint meetings, motions, notices, volunteers, common-part income, assessments (round 10).
    PropertyFirm.name, Body.name, PrepMember.name, Candidate.statement, Candidate.nominated_by,
    JointMeeting.topics, JointMeeting.minutes, MeetingAttendee.names, MeetingAttachment.name,
    ActionItem.decision, ActionItem.responsible_name, ActionItem.person_name, ActionItem.report_note,
    ActionItemReturn.reason, ActionItemReturn.report_note,
    Motion.title, Motion.body, Notice.title, Notice.body, NoticeAttachment.name,
    Grid.name, Grid.worker_name, Grid.party_group, VolunteerHours.note, CommonIncomeEntry.note,
    AssessmentScore.unit_name, AssessmentEvent.note, AssessmentAppeal.reason, AssessmentAppeal.decision,
    AssessmentAdjustment.reason,
)
# Ledger memos people typed (the cashier, a bank statement's 备注, a reversal's reason, a demolition refund's note);
# the system's own postings (plan charges, returns) carry no words of the platform in theirs.
TYPED_MEMOS = ("manual", "bank_import", "reversal", "demolition", "demo")  # demo: what a cashier would type


def _typed_runs(session) -> set[str]:
    """Every run of Chinese in a typed value, and its prefixes (lists shorten long text)."""
    runs: set[str] = set()
    for column in TYPED:
        for value in session.scalars(select(column).where(column.is_not(None)).distinct()):
            for run in HAN.findall(str(value)):
                runs.update(run[:n] for n in range(1, len(run) + 1))
    memos = select(LedgerEntry.memo).where(LedgerEntry.memo.is_not(None),
                                           LedgerEntry.source_type.in_(TYPED_MEMOS)).distinct()
    for value in session.scalars(memos):
        for run in HAN.findall(value):
            runs.update(run[:n] for n in range(1, len(run) + 1))
    # The bank statement's column names, which its file must carry as written (listed on the import page).
    quoted = {run for column in bank.BANK_COLUMNS for run in HAN.findall(column)}
    # The repair import's column names, listed on its page as the file must carry them ("编号、楼栋、…").
    quoted |= set(HAN.findall("、".join(import_rows.HEADERS)))
    return runs | TYPED_VALUES | quoted


def _visible(page: str) -> str:
    """The page's text and attribute values a reader meets (scripts' and styles' bodies are never Chinese here)."""
    page = page.replace(">中文</button>", "></button>")  # the language switch names the other language
    return htmllib.unescape(page)


def _pattern(link: str) -> str:
    """/repairs/12?status=open → /repairs/#?status: numbers and query values do not make another kind of page."""
    parts = urlsplit(link)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "#", parts.path) + "?" + "&".join(keys)


def _links(page: str, here: str) -> list[str]:
    out = []
    for href in HREF.findall(page):
        href = urldefrag(htmllib.unescape(href))[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(href):
            continue
        out.append(href)
    return out


def crawl(client, start: str = "/dashboard", limit: int = MAX_PAGES):
    """Breadth first over same-site GET links; yields (path, html) of each page that answered 200."""
    seen, per_pattern = {start}, Counter()
    todo = deque([start])
    visited = 0
    while todo and visited < limit:
        path = todo.popleft()
        resp = client.get(path)
        visited += 1
        html_page = resp.status_code == 200 and resp.content_type.startswith("text/html")
        page = resp.get_data(as_text=True) if html_page else ""
        resp.close()
        if not html_page:
            continue
        yield path, page
        for link in _links(page, path):
            if link in seen:
                continue
            seen.add(link)
            key = _pattern(link)
            if per_pattern[key] >= PER_PATTERN:
                continue
            per_pattern[key] += 1
            todo.append(link)


@pytest.mark.parametrize("login", demo.DEMO_LOGINS, ids=lambda login: login.username)
def test_every_page_of_each_demo_role_is_english(demo_db, app, login):
    """Logged in as the role and switched to English, no page reachable from the home page (≤ 150) shows Chinese
    that nobody typed."""
    typed = _typed_runs(demo_db.session)
    demo_db.session.rollback()
    client = app.test_client()
    assert client.post("/auth/login", data={"username": login.username, "password": login.password}).status_code == 302
    client.post("/auth/lang/en", data={"next": "/dashboard"})
    leaks: dict[str, set[str]] = {}
    pages = 0
    for path, page in crawl(client):
        pages += 1
        left = {run for run in HAN.findall(_visible(page)) if run not in typed}
        if left:
            leaks[path] = left
    assert pages > 5, pages
    report = "\n".join(f"{path}: {sorted(runs)[:12]}" for path, runs in sorted(leaks.items()))
    assert not leaks, f"{len(leaks)} of {pages} pages have Chinese UI text:\n{report}"
