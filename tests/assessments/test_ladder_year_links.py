"""The county sets the ladder's steps on a web form; year-end results by street (page, xlsx, PDF, API); every link
of a score line opens exactly the records behind it; publishing a month posts a street notice to the assessed
units' managers and officials that links to the bulletin."""
import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import (
    AssessmentEvent,
    AssessmentLadderStepRecord,
    AssessmentScore,
    AuditLog,
    LadderStep,
    Notice,
    Notification,
    Role,
    Shift,
    UnitKind,
    WorkLog,
)
from pm.services.assessments import ladder, schemes
from pm.services.inspections import inspections
from tests.factories import make_world
from tests.factories.assessments import IN_MONTH, MONTH, computed, full_logs, station_finding
from tests.factories.surveys import answer, open_survey
from tests.assessments.test_results import APRIL, _publish, _two_months

STEPS_FORM = {"bottom_size": "1", "top_size": "1", "threshold": "", "step1": "criticism", "step2": "interview"}


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


# -- 1. the ladder's steps on the web ------------------------------------------------------------------------
def test_county_sets_the_ladder_steps_on_the_web_and_they_drive_the_ladder(client, auth, db):
    """Two steps (通报批评, then 约谈): the second bottom month is 约谈 with the provider flagged; audited."""
    w = make_world()
    auth.login("county")
    page = client.get("/assessments/ladder").get_data(as_text=True)
    assert 'name="step1"' in page and 'selected value="criticism"' in page
    resp = client.post("/assessments/ladder", data=STEPS_FORM)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert ladder.settings_of(w.county.id).steps == ["criticism", "interview"]
    assert _db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "assessment.settings.ladder")) == 1
    page = client.get("/assessments/ladder").get_data(as_text=True)
    assert 'id="ladder-config"' in page and page.count("<li>", page.index('id="ladder-config"')) >= 2
    march, april = _two_months(w)
    steps = {(s.month, s.unit_name): s for s in _db.session.scalars(select(AssessmentLadderStepRecord))}
    assert steps[("2026-03", "a服务站")].step == LadderStep.CRITICISM
    april_a = steps[("2026-04", "a服务站")]
    assert april_a.step == LadderStep.INTERVIEW and april_a.replace_provider


def test_bad_ladder_steps_are_shown_under_their_field_and_change_nothing(client, auth, db):
    w = make_world()
    auth.login("county")
    cases = [({"step1": "criticism", "step2": "", "step3": "interview"}, 'name="step2"', "第 2 步未选择"),
             ({"step1": "fired"}, 'name="step1"', "只能是通报批评、黄牌警告或约谈"),
             ({"step1": ""}, 'name="step1"', "请至少设置一个处理步骤")]
    for steps, field, message in cases:
        resp = client.post("/assessments/ladder", data={**STEPS_FORM, "step2": "", **steps})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400 and message in body, body
        after = body[body.index(field):]
        assert after.index(message) < after.index("<select", 10)  # shown under that field, not another one
    assert ladder.settings_of(w.county.id).id is None  # nothing was saved
    auth.logout()
    auth.login("street")
    assert client.post("/assessments/ladder", data=STEPS_FORM).status_code == 403
    assert ladder.settings_of(w.county.id).id is None


def test_the_api_refuses_bad_steps_naming_the_step(api, db):
    w = make_world()
    county = api(w.users[Role.COUNTY_ADMIN])
    resp = county.put("/api/v1/assessment-settings", json={"bottom_size": 1, "top_size": 1,
                                                           "steps": ["criticism", "fired"]})
    assert resp.status_code == 422 and "steps.1" in str(resp.get_json()), resp.get_json()
    resp = county.put("/api/v1/assessment-settings", json={"bottom_size": 1, "top_size": 1, "steps": []})
    assert resp.status_code == 422 and "steps" in str(resp.get_json())
    assert ladder.settings_of(w.county.id).id is None


# -- 2. year-end results by street ---------------------------------------------------------------------------
def test_year_end_by_street_on_the_page_xlsx_and_pdf(client, auth, db):
    """Station a is in street a, b in street b: the county filters one street; the street officer sees only its own."""
    w = make_world()
    _two_months(w)
    b_street = w.streets["b"].id
    auth.login("county")
    page = client.get(f"/assessments/year/2026?kind=station&street_id={b_street}").get_data(as_text=True)
    table = page[page.index('id="year-result"'):page.index("</table>")]
    assert "b服务站" in table and "a服务站" not in table and 'id="year-street"' in page
    assert f"street_id={b_street}" in page[page.index('id="year-xlsx"') - 200:page.index('id="year-xlsx"') + 200]
    everyone = client.get("/assessments/year/2026?kind=station").get_data(as_text=True)
    assert "a服务站" in everyone and "b服务站" in everyone
    sheet = load_workbook(BytesIO(client.get(f"/assessments/year/2026.xlsx?kind=station&street_id={b_street}")
                                  .data)).active
    names = [str(c.value) for c in sheet["B"]]
    assert "b服务站" in names and "a服务站" not in names
    pdf = client.get(f"/assessments/year/2026.pdf?kind=station&street_id={b_street}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data)
    assert "b服务站" in text and "a服务站" not in text
    assert client.get("/assessments/year/2026?street_id=abc").status_code == 404
    auth.logout()
    auth.login("street")
    mine = client.get("/assessments/year/2026?kind=station").get_data(as_text=True)
    assert "a服务站" in mine and "b服务站" not in mine
    assert client.get(f"/assessments/year/2026?kind=station&street_id={b_street}").status_code == 404
    assert client.get(f"/assessments/year/2026.pdf?kind=station&street_id={b_street}").status_code == 404


def test_year_end_by_street_and_as_pdf_over_the_api(api, db):
    w = make_world()
    _two_months(w)
    county, street = api(w.users[Role.COUNTY_ADMIN]), api(w.users[Role.STREET_OFFICER])
    b_street = w.streets["b"].id
    body = county.get(f"/api/v1/assessment-years/2026?kind=station&street_id={b_street}").get_json()
    assert [r["unit_name"] for r in body["rows"]] == ["b服务站"] and body["rows"][0]["rank"] == 1
    assert body["street_id"] == b_street
    pdf = county.get(f"/api/v1/assessment-years/2026.pdf?kind=station&street_id={b_street}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and "b服务站" in _pdf_text(pdf.data)
    whole = _pdf_text(county.get("/api/v1/assessment-years/2026.pdf?kind=station").data)
    assert "a服务站" in whole and "b服务站" in whole
    xlsx = county.get(f"/api/v1/assessment-years/2026.xlsx?street_id={b_street}")
    assert xlsx.status_code == 200
    assert street.get(f"/api/v1/assessment-years/2026?street_id={b_street}").status_code == 404
    assert street.get(f"/api/v1/assessment-years/2026.pdf?street_id={b_street}").status_code == 404
    assert county.get("/api/v1/assessment-years/2026?street_id=0").status_code == 422


# -- 3. every link of a score line opens exactly its records -------------------------------------------------
def _links(page: str) -> dict[str, str]:
    return {text: html.unescape(url) for url, text in re.findall(r'<a class="me-2" href="([^"]+)">([^<]+)</a>', page)}


def _line(score, code):
    return next(ln for ln in score.lines if ln.item.code == code)


def test_every_line_links_to_exactly_the_records_behind_it(client, auth, api, db):
    w = make_world()
    a, b = w.stations["a"], w.stations["b"]
    staff = w.users[Role.STATION_STAFF]
    march_finding = station_finding(w, deduction="2")
    march_order = march_finding.order  # due 13 March, never fixed: overdue in March
    late = station_finding(w, deduction="1", day=date(2026, 3, 30), now=datetime(2026, 3, 30, 4, tzinfo=UTC))
    teams = full_logs(a, author=staff, skip=2)
    _db.session.add(WorkLog(station_id=a.id, team_id=teams[0].id, log_on=MONTH.last_day, shift=Shift.FULL_DAY,
                            content="补录太晚", author_id=staff.id, created_at=datetime(2026, 4, 6, tzinfo=UTC)))
    march_survey = open_survey(w, month=MONTH, now=datetime(2026, 3, 20, tzinfo=UTC))
    answer(march_survey, w.households["a"][0] if isinstance(w.households["a"], list) else w.households["a"],
           [4] * len(march_survey.questions), user=w.users[Role.COMMUNITY_WORKER], paper=True,
           now=datetime(2026, 3, 21, tzinfo=UTC))
    open_survey(w, month=MONTH.prev(), now=datetime(2026, 2, 20, tzinfo=UTC))  # another month: not behind the line
    scheme = schemes.in_force(w.county.id, UnitKind.STATION, IN_MONTH)
    bonus = next(i for c in scheme.categories for i in c.items if i.source.value == "bonus")
    events = []
    for station in (a, b):
        events.append(AssessmentEvent(county_id=w.county.id, item_id=bonus.id, unit_kind=UnitKind.STATION,
                                      unit_id=station.id, street_id=w.streets["a"].id, community_id=station.community_id,
                                      station_id=station.id, happened_on=IN_MONTH, points=Decimal("1"),
                                      note=f"好人好事{station.name}", recorded_by_id=w.users[Role.COUNTY_ADMIN].id,
                                      created_at=datetime(2026, 3, 11, tzinfo=UTC)))
    _db.session.add_all(events)
    period = computed(w)
    score = _db.session.scalar(select(AssessmentScore).where(
        AssessmentScore.period_id == period.id, AssessmentScore.unit_kind == UnitKind.STATION,
        AssessmentScore.unit_id == a.id))
    overdue, logs = _line(score, "orders_overdue"), _line(score, "log_days")
    assert overdue.refs["overdue"] == 1 and logs.refs["missing"] == 8  # 4 teams × 2 days (the late entry not counted)
    _db.session.commit()
    auth.login("county")
    links = _links(client.get(f"/assessments/scores/{score.id}").get_data(as_text=True))

    orders = client.get(links["逾期整改单"]).get_data(as_text=True)
    assert f"#{march_order.id} " in orders and f"#{late.order.id} " not in orders and 'id="order-filter"' in orders
    everything = client.get("/inspections/rectifications/").get_data(as_text=True)
    assert f"#{march_order.id} " in everything and f"#{late.order.id} " in everything
    listed = api(w.users[Role.COUNTY_ADMIN]).get(
        f"/api/v1/rectifications?responsible_kind=station&responsible_id={a.id}&overdue_in=2026-03").get_json()
    assert [o["id"] for o in listed["items"]] == [march_order.id]
    assert api(w.users[Role.COUNTY_ADMIN]).get(
        f"/api/v1/rectifications?responsible_id={a.id}").status_code == 422  # the kind is missing
    assert client.get("/inspections/rectifications/?overdue_in=2026-13").status_code in (400, 422)

    gaps = client.get(links["缺失日志的日期"]).get_data(as_text=True)
    assert "缺失的队伍日共 8 个" in gaps
    plain = client.get(f"/stationwork/calendar?station_id={a.id}&month=2026-03").get_data(as_text=True)
    assert "缺失的队伍日共" not in plain and plain.count("badge bg-danger") == 7  # the late entry counts there
    assert client.get(links["缺失日志的日期"].replace("delay_days=", "delay_days=x")).status_code in (400, 422)

    surveys = client.get(links["满意度测评结果"]).get_data(as_text=True)
    assert surveys.count(f"{w.compounds['a'][0].name} · 2026-03") == 1 and "2026-02" not in surveys

    listed_events = client.get(links["加分或否决事项"]).get_data(as_text=True)
    assert "好人好事a服务站" in listed_events and "好人好事b服务站" not in listed_events

    for text in ("本月报修统计", "超时报修"):  # the late-repairs filter itself: test_late_repairs_link_lists_...
        assert client.get(links[text]).status_code == 200
        assert f"station_id={a.id}" in links[text] and "2026-03" in links[text]
    assert any(url.endswith(f"/inspections/{march_finding.inspection_id}") for url in links.values())


# -- 5. publishing posts a notice -----------------------------------------------------------------------------
def test_publishing_posts_a_street_notice_to_the_units_managers_and_officials(client, auth, db):
    """One notice per street with assessed units, linking to the bulletin; the station manager, the community
    worker and the street officer are told; residents neither see it nor are told; publishing once."""
    w = make_world()
    station_finding(w, deduction="2")
    period = _publish(w, computed(w), MONTH)
    _db.session.commit()
    notices = list(_db.session.scalars(select(Notice).where(Notice.source == "assessment")))
    assert sorted(n.street_id for n in notices) == sorted([w.streets["a"].id, w.streets["b"].id])
    mine = next(n for n in notices if n.street_id == w.streets["a"].id)
    assert mine.compound_id is None and mine.link == f"/assessments/periods/{period.id}/bulletin?street_id={mine.street_id}"
    told = set(_db.session.scalars(select(Notification.user_id).where(Notification.subject == f"notice:{mine.id}")))
    assert {w.users[r].id for r in (Role.STATION_MANAGER, Role.COMMUNITY_WORKER, Role.STREET_OFFICER)} <= told
    assert not told & {w.users[r].id for r in (Role.OWNER, Role.RESIDENT)}
    auth.login("manager")
    page = client.get(f"/notices/{mine.id}").get_data(as_text=True)
    assert "月度考核通报已发布" in page and mine.link.replace("&", "&amp;") in page
    assert client.get(mine.link).status_code == 200
    assert client.get("/notices/").get_data(as_text=True).count("月度考核通报已发布") == 1  # not street b's
    auth.logout()
    auth.login("owner")
    assert client.get(f"/notices/{mine.id}").status_code == 404
    assert "月度考核通报已发布" not in client.get("/notices/").get_data(as_text=True)
    from pm.services.assessments import announce
    assert announce.post_bulletin_notices(period, None) == []  # once per period and street
