"""考核结果: the ladder applied on publishing (通报批评 → 黄牌警告, commended, notices, once), the bulletin on screen,
as xlsx and PDF, the unit trend, year-end results and what-if; bad input is a clear error and changes nothing."""
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from pm.extensions import db as _db
from pm.models import (
    AssessmentLadderStepRecord,
    AssessmentScore,
    AssessmentYearItem,
    LadderStep,
    Notification,
    Role,
    UnitKind,
)
from pm.services import notifications
from pm.services.assessments import ladder, periods, schemes
from pm.services.periods import Month
from tests.asserts import assert_error
from tests.factories import make_world
from tests.factories.assessments import MONTH, computed, station_finding

APRIL = Month(2026, 4)


def _publish(w, period, month: Month):
    admin = w.users[Role.COUNTY_ADMIN]
    start = datetime(month.next().year, month.next().month, 2, 2, tzinfo=UTC)
    periods.start_review(period, admin, now=start)
    periods.close_review(period, admin, now=datetime(month.next().year, month.next().month, 25, tzinfo=UTC))
    periods.publish(period, admin, now=datetime(month.next().year, month.next().month, 25, tzinfo=UTC))
    return period


def _two_months(w):
    """Station a has the month's only findings in March and April: last twice, b first twice."""
    station_finding(w, deduction="2")
    march = _publish(w, computed(w), MONTH)
    station_finding(w, deduction="3", day=date(2026, 4, 10), now=datetime(2026, 4, 10, 4, tzinfo=UTC))
    april = _publish(w, computed(w, APRIL, now=datetime(2026, 5, 2, tzinfo=UTC)), APRIL)
    _db.session.commit()
    return march, april


def _steps(period):
    return {(s.unit_kind, s.unit_name): s for s in _db.session.scalars(select(AssessmentLadderStepRecord).where(
        AssessmentLadderStepRecord.period_id == period.id))}


def test_the_ladder_goes_from_criticism_to_yellow_card_with_notices_once(db):
    w = make_world()
    march, april = _two_months(w)
    assert _steps(march)[(UnitKind.STATION, "a服务站")].step == LadderStep.CRITICISM
    assert _steps(march)[(UnitKind.STATION, "b服务站")].step == LadderStep.COMMENDED
    yellow = _steps(april)[(UnitKind.STATION, "a服务站")]
    assert (yellow.step, yellow.level) == (LadderStep.YELLOW_CARD, 2)
    told = set(yellow.notified)
    assert {w.users[Role.STATION_MANAGER].id, w.users[Role.COMMUNITY_WORKER].id,
            w.users[Role.STREET_OFFICER].id} <= told
    assert _db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "assessment.ladder", Notification.user_id == w.users[Role.STATION_MANAGER].id)) == 2
    before = _db.session.scalar(select(func.count()).select_from(AssessmentLadderStepRecord))
    assert ladder.apply(april) == []  # publishing is applied once
    assert _db.session.scalar(select(func.count()).select_from(AssessmentLadderStepRecord)) == before


def test_third_month_is_an_interview_and_flags_the_provider(db):
    w = make_world()
    _march, april = _two_months(w)
    may = Month(2026, 5)
    station_finding(w, deduction="1", day=date(2026, 5, 10), now=datetime(2026, 5, 10, 4, tzinfo=UTC))
    period = _publish(w, computed(w, may, now=datetime(2026, 6, 2, tzinfo=UTC)), may)
    step = _steps(period)[(UnitKind.STATION, "a服务站")]
    assert (step.step, step.replace_provider) == (LadderStep.INTERVIEW, True)


def test_bulletin_page_xlsx_and_pdf(client, auth, db, count_queries):
    w = make_world()
    _march, april = _two_months(w)
    auth.login("county")
    counter = count_queries()
    with counter:
        page = client.get(f"/assessments/periods/{april.id}/bulletin")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "红榜" in text and "黑榜" in text and "环境卫生/保洁" in text and "黄牌警告" in text
    assert "<svg" in text and "style=" not in text.split("<svg", 1)[1].split("</svg>")[0]
    assert counter.count <= 25, counter.count
    book = load_workbook(BytesIO(client.get(f"/assessments/periods/{april.id}/bulletin.xlsx").data))
    assert "主要问题" in book.sheetnames
    pdf = client.get(f"/assessments/periods/{april.id}/bulletin.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    printed = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages).replace(" ", "")
    assert "月度考核通报" in printed and "黑榜" in printed and "a服务站" in printed
    ranking = client.get(f"/assessments/periods/{april.id}/ranking?kind=station").get_data(as_text=True)
    assert ranking.index("b服务站") < ranking.index("a服务站")
    in_street = client.get(f"/assessments/periods/{april.id}/ranking?kind=station&street_id={w.streets['a'].id}")
    text = in_street.get_data(as_text=True)
    assert "街道内名次" in text and "a服务站" in text and "b服务站" not in text
    assert "<tr><td>1</td><td>2</td>" in text  # first in its street, second in the county
    trend = client.get(f"/assessments/trend?kind=station&id={w.stations['a'].id}").get_data(as_text=True)
    assert "2026-03" in trend and "2026-04" in trend and "<svg" in trend


def test_station_manager_sees_only_its_own_unit_in_the_bulletin(client, auth, db):
    w = make_world()
    _march, april = _two_months(w)
    auth.login("manager")
    text = client.get(f"/assessments/periods/{april.id}/bulletin").get_data(as_text=True)
    assert "a服务站" in text and "b服务站" not in text
    assert client.get(f"/assessments/trend?kind=station&id={w.stations['b'].id}").status_code == 404


def test_bulletin_api_and_refusals(api, db):
    w = make_world()
    station_finding(w, deduction="2")
    draft_month = computed(w)
    _db.session.commit()
    county = api(w.users[Role.COUNTY_ADMIN])
    assert_error(county.get(f"/api/v1/assessment-periods/{draft_month.id}/bulletin"), 409)
    _publish(w, draft_month, MONTH)
    _db.session.commit()
    body = county.get(f"/api/v1/assessment-periods/{draft_month.id}/bulletin").get_json()
    kinds = {k["kind"]: k for k in body["kinds"]}
    assert kinds["station"]["top"][0]["unit_name"] == "b服务站"
    problems = {p["category"]: p for p in body["problems"]}
    assert problems["环境卫生/保洁"]["points_lost"] == "2.00" and problems["环境卫生/保洁"]["units"] == 1
    steps = county.get("/api/v1/assessment-ladder-steps").get_json()["items"]
    assert [s["step"] for s in steps if s["unit_kind"] == "station"] == ["criticism"]
    assert county.get(f"/api/v1/assessment-periods/{draft_month.id}/bulletin.xlsx").status_code == 200


def test_ladder_settings_refuse_a_negative_group(api, client, auth, db):
    w = make_world()
    county = api(w.users[Role.COUNTY_ADMIN])
    assert_error(county.put("/api/v1/assessment-settings", json={"bottom_size": -1, "top_size": 1}), 422,
                 "bottom_size")
    resp = county.put("/api/v1/assessment-settings", json={"bottom_size": 2, "top_size": 0, "threshold": "80"})
    assert resp.status_code == 200 and resp.get_json()["threshold"] == "80.00"
    auth.login("county")
    resp = client.post("/assessments/ladder", data={"bottom_size": "-3", "top_size": "1"})
    assert resp.status_code == 400 and "负数" in resp.get_data(as_text=True)
    assert ladder.settings_of(w.county.id).bottom_size == 2
    street = api(w.users[Role.STREET_OFFICER])
    assert street.put("/api/v1/assessment-settings", json={"bottom_size": 1, "top_size": 1}).status_code == 403


def test_year_end_weights_items_and_ranking(api, client, auth, db):
    w = make_world()
    _two_months(w)
    county = api(w.users[Role.COUNTY_ADMIN])
    assert_error(county.put("/api/v1/assessment-settings/month-weights", json={"weights": {"03": "50", "04": "40"}}),
                 422, "weights")
    assert county.put("/api/v1/assessment-settings/month-weights",
                      json={"weights": {"03": "25", "04": "75"}}).status_code == 200
    assert_error(county.post("/api/v1/assessment-years/2026/items", json={
        "unit_kind": "station", "unit_id": w.stations["a"].id, "points": "5", "reason": " "}), 422, "reason")
    assert _db.session.scalar(select(func.count()).select_from(AssessmentYearItem)) == 0
    resp = county.post("/api/v1/assessment-years/2026/items", json={
        "unit_kind": "station", "unit_id": w.stations["a"].id, "points": "10", "reason": "全年创建示范"})
    assert resp.status_code == 201, resp.get_json()
    rows = county.get("/api/v1/assessment-years/2026?kind=station").get_json()["rows"]
    a = next(r for r in rows if r["unit_name"] == "a服务站")
    march, april = (Decimal(a["months"][m]) for m in ("2026-03", "2026-04"))
    assert Decimal(a["weighted"]) == ((march * 25 + april * 75) / 100).quantize(Decimal("0.01"))
    assert Decimal(a["final"]) == Decimal(a["weighted"]) + 10
    auth.login("county")
    resp = client.post("/assessments/year/2026/weights", data={"w01": "30"})
    assert resp.status_code == 400 and "100" in resp.get_data(as_text=True)
    assert client.get("/assessments/year/2026.xlsx").status_code == 200
    assert "a服务站" in client.get("/assessments/year/2026").get_data(as_text=True)


def test_what_if_ranks_under_a_draft_and_writes_nothing(api, db):
    w = make_world()
    march, _april = _two_months(w)
    admin = w.users[Role.COUNTY_ADMIN]
    active = schemes.in_force(w.county.id, UnitKind.STATION, MONTH.first_day)
    draft = schemes.create_draft(w.county.id, "station", admin)
    _db.session.commit()
    county = api(admin)
    assert_error(county.post(f"/api/v1/assessment-periods/{march.id}/what-if", json={"scheme_id": active.id}), 422,
                 "scheme_id")
    before = [(s.id, s.total) for s in _db.session.scalars(select(AssessmentScore).order_by(AssessmentScore.id))]
    resp = county.post(f"/api/v1/assessment-periods/{march.id}/what-if", json={"scheme_id": draft.id})
    assert resp.status_code == 200, resp.get_json()
    rows = resp.get_json()["rows"]
    assert [r["unit_name"] for r in rows] == ["b服务站", "a服务站"] and rows[0]["total"] == rows[0]["draft_total"]
    assert [(s.id, s.total) for s in _db.session.scalars(select(AssessmentScore).order_by(AssessmentScore.id))] == before


def test_home_card_compares_months_and_links_the_ladder(client, auth, db, count_queries):
    w = make_world()
    station_finding(w, deduction="2")
    march = _publish(w, computed(w), MONTH)
    _db.session.commit()
    auth.login("county")
    client.get("/dashboard")
    with count_queries() as one:
        page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-figure="assessment_ladder" data-value="1"' in page  # March: station a criticised
    station_finding(w, deduction="3", day=date(2026, 4, 10), now=datetime(2026, 4, 10, 4, tzinfo=UTC))
    april = _publish(w, computed(w, APRIL, now=datetime(2026, 5, 2, tzinfo=UTC)), APRIL)
    _db.session.commit()
    with count_queries() as two:
        page = client.get("/dashboard").get_data(as_text=True)
    assert two.count == one.count
    assert "2026-04" in page and "上月" in page and f"/assessments/periods/{april.id}/bulletin" in page
    ladder_page = client.get(f"/assessments/ladder?period_id={april.id}").get_data(as_text=True)
    assert ladder_page.count('id="step-') == 1 and "黄牌警告" in ladder_page
    assert march.id != april.id


def test_problem_totals_frozen_at_publishing_match_the_lines(db):
    """The county's and a street's 主要问题 read from the totals written at publishing equal a count of the lines."""
    from pm.access import scope_for
    from pm.services.assessments import bulletins, problems

    w = make_world()
    _march, april = _two_months(w)
    scope = scope_for(w.users[Role.COUNTY_ADMIN])
    for street in (None, w.streets["a"].id):
        scores = bulletins._scores(scope, april, street)
        frozen = problems.of(scope, april, scores, street_id=street)
        assert frozen and frozen == problems.live(scores)


def test_what_if_on_the_web(client, auth, db):
    w = make_world()
    march, _april = _two_months(w)
    admin = w.users[Role.COUNTY_ADMIN]
    active = schemes.in_force(w.county.id, UnitKind.STATION, MONTH.first_day)
    draft = schemes.create_draft(w.county.id, "station", admin)
    _db.session.commit()
    auth.login("county")
    resp = client.post(f"/assessments/periods/{march.id}/whatif", data={"scheme_id": str(active.id)})
    assert resp.status_code == 400 and "只能用草稿版本测算" in resp.get_data(as_text=True)
    resp = client.post(f"/assessments/periods/{march.id}/whatif", data={"scheme_id": str(draft.id)})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="whatif"' in text and text.index("b服务站") < text.index("a服务站")


def test_year_pdf_is_bounded_and_says_what_it_left_out(client, auth, db, monkeypatch):
    from pm.blueprints.assessment_results import views

    w = make_world()
    _two_months(w)
    monkeypatch.setattr(views, "PDF_ROWS", 1)
    auth.login("county")
    pdf = client.get("/assessments/year/2026.pdf?kind=station")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    printed = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages).replace(" ", "")
    assert "b服务站" in printed and "a服务站" not in printed and "另有1个单位未列出" in printed


def test_ladder_notices_are_shown_in_the_readers_language(db, app):
    w = make_world()
    _two_months(w)
    note = _db.session.scalars(select(Notification).where(
        Notification.kind == "assessment.ladder", Notification.user_id == w.users[Role.STATION_MANAGER].id)
        .order_by(Notification.id.desc())).first()
    assert "黄牌警告" in notifications.title_of(note)
    with force_locale("en"):
        english = notifications.title_of(note)
    assert "yellow card" in english and "a服务站" in english and "月度考核" not in english
