"""No 500 from bad input (issue 8, item 6): huge numbers, NUL bytes, long request ids — a field error, nothing
changed, nothing revealed; and responses to signed-in users are never cached."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_wtf import FlaskForm
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from wtforms import DecimalField, FloatField, IntegerField

import pm.blueprints
from pm.access import scope_for
from pm.blueprints.webutil import BoundedIntegerField
from pm.models import AuditLog, Compound, DeadlineRule, Finding, Household, LedgerEntry, Role
from pm.services.fund import ledger, rates
from pm.services.inspections import inspections
from pm.services.imports import cells
from pm.services.imports import messages as import_messages
from pm.services.imports.messages import CellError
from pm.services.numbers import INT32_MAX, INT32_MIN, NumberError, bounded_decimal
from pm.services.registry.areas import AreaError, exact_area
from pm.timeutil import local_today
from tests.asserts import assert_error
from tests.factories import make_team

V1 = "/api/v1"
HUGE = ["1e99", "1E+99", "9" * 40, "1234567890123456789012345678901234567890.5", "1e-99", "1" * 5000]


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- the one bounded reading of numbers ------------------------------------------------------------------
@pytest.mark.parametrize("raw, kind", [
    ("1e99", "too_large"), ("9" * 40, "too_large"), ("-1e99", "positive"), ("1e-99", "decimals"),
    ("65.555", "decimals"), ("NaN", "not_number"), ("Infinity", "not_number"), ("abc", "not_number"),
    ("1" * 5000, "too_large"), (Decimal("1E+99"), "too_large"), (float("inf"), "not_number"), (True, "not_number"),
])
def test_bounded_decimal_refuses_without_reaching_decimal_precision(raw, kind):
    """Exponents, 40 digits, NaN and the like are a NumberError of the right kind, never InvalidOperation."""
    with pytest.raises(NumberError) as err:
        bounded_decimal(raw, places=2, maximum=Decimal("99999999.99"))
    assert err.value.kind == kind


@pytest.mark.parametrize("raw, value", [("65.5", "65.50"), ("12.300", "12.30"), (65.32, "65.32"), ("1e2", "100.00")])
def test_bounded_decimal_keeps_exact_values(raw, value):
    assert bounded_decimal(raw, places=2, maximum=Decimal("99999999.99")) == Decimal(value)


@pytest.mark.parametrize("raw", HUGE)
def test_area_rule_refuses_huge_numbers(raw):
    """The registry's one area rule (API, pages and import cells) refuses them with its own message."""
    with pytest.raises(AreaError):
        exact_area(raw)


@pytest.mark.parametrize("raw", ["1e99", "9" * 40, 1e99, "1" * 5000])
def test_import_cell_with_a_huge_area_is_a_row_error(raw):
    """A spreadsheet cell of "1e99" (or 40 digits, or Excel's 1e+99) is the row error "面积过大", not a crash."""
    with pytest.raises(CellError) as err:
        cells.area(raw)
    assert err.value.message == import_messages.E_AREA_TOO_LARGE


# -- API: 422 naming the field, nothing written -----------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize("raw", ["1e99", "9" * 40, "1234567890123456789012345678901234567890.12"])
def test_api_huge_household_area_is_a_422(api, world, db, raw):
    """PATCH /households/<id> with area "1e99" or 40 digits: 422 on area_m2, the area unchanged."""
    household = world.households["a"][0]
    before = household.area_m2
    resp = api(world.users[Role.COMMUNITY_WORKER]).patch(f"{V1}/households/{household.id}", json={"area_m2": raw})
    assert_error(resp, 422, "area_m2")
    db.session.expire_all()
    assert db.session.get(Household, household.id).area_m2 == before


@pytest.mark.postgres
@pytest.mark.parametrize("raw", ["1e99", "9" * 40, 1e99])
def test_api_huge_compound_floor_area_is_a_422(api, world, db, raw):
    """POST /compounds with floor_area_m2 of 40 digits: 422 on floor_area_m2, no compound."""
    before = _count(db, Compound)
    resp = api(world.users[Role.COMMUNITY_WORKER]).post(f"{V1}/compounds", json={
        "community_id": world.communities["a"].id, "name": "大面积", "management_mode": "committee",
        "floor_area_m2": raw})
    assert_error(resp, 422, "floor_area_m2")
    assert _count(db, Compound) == before


def _inspection_body(world, deduction):
    return {"level": "street_weekly", "target_kind": "compound", "target_id": world.compounds["a"][0].id,
            "inspected_on": local_today().isoformat(), "findings": [
                {"item_code": "environment", "deduction": deduction, "note": "楼道堆物", "measure": "清理",
                 "due_on": (local_today() + timedelta(days=3)).isoformat()}]}


@pytest.mark.postgres
@pytest.mark.parametrize("raw", ["1e99", "9" * 40, "1000", "1e-99"])
def test_api_huge_deduction_is_a_422(api, world, db, raw):
    """A finding's deduction "1e99" (or beyond the NUMERIC(5,2) column): 422 on the finding, nothing saved."""
    resp = api(world.users[Role.STREET_OFFICER]).post(f"{V1}/inspections", json=_inspection_body(world, raw))
    assert_error(resp, 422, "findings.0.deduction")
    assert _count(db, Finding) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("amount", [10**99, "1e99", 1e99])
def test_api_huge_money_is_a_422(api, world, db, amount):
    """A payment of 1e99 fen (as integer, string or exponent): 422 on amount_fen, nothing posted."""
    admin = world.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": local_today()}, actor=admin,
                      scope=scope_for(admin))
    account = ledger.get_or_open_subaccount(world.households["a"][0])
    db.session.commit()
    resp = api(world.users[Role.STREET_OFFICER]).post(
        f"{V1}/fund-accounts/{account.id}/entries", headers={"Idempotency-Key": "huge"},
        json={"kind": "first_deposit", "amount_fen": amount, "value_on": local_today().isoformat()})
    assert_error(resp, 422, "amount_fen")
    assert _count(db, LedgerEntry) == 0


# -- pages: the form comes back with the reason -----------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize("raw", ["1e99", "9" * 40])
def test_web_huge_household_area_reshows_the_form(client, auth, world, db, raw):
    household = world.households["a"][0]
    before = household.area_m2
    auth.login("community")
    resp = client.post(f"/registry/households/{household.id}/edit", data={
        "room_no": household.room_no, "floor": "1", "area_m2": raw})
    assert resp.status_code == 400 and "面积过大" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Household, household.id).area_m2 == before


@pytest.mark.postgres
@pytest.mark.parametrize("field, raw, message", [
    ("floor_area_m2", "9" * 40, "面积过大"),
    ("household_count", "9" * 30, "数字过大"),
    ("resident_count", "99999999999", "数字过大"),
    ("household_count", "1" * 5000, "必须是整数"),
])
def test_web_huge_compound_numbers_reshow_the_form(client, auth, world, db, field, raw, message):
    """A compound's floor area of 40 digits or a count beyond any integer column: the form with the reason."""
    compound = world.compounds["a"][0]
    auth.login("community")
    data = {"name": compound.name, "management_mode": "committee", "service_grade": "2", field: raw}
    audited = _count(db, AuditLog)
    resp = client.post(f"/registry/compounds/{compound.id}/edit", data=data)
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert _count(db, AuditLog) == audited


@pytest.mark.postgres
@pytest.mark.parametrize("raw", ["1e99", "9" * 10, "1000"])
def test_web_huge_deduction_reshows_the_form(client, auth, world, db, raw):
    """Deduction "1e99" on the inspection page: the form with the reason, no finding."""
    officer = world.users[Role.STREET_OFFICER]
    inspection = inspections.create_inspection(actor=officer, scope=scope_for(officer), level="street_weekly",
                                               target_kind="compound", target_id=world.compounds["a"][0].id,
                                               inspected_on=local_today())
    db.session.commit()
    auth.login("street")
    resp = client.post(f"/inspections/{inspection.id}", data={
        "item_code": "environment", "deduction": raw, "note": "n", "measure": "m",
        "due_on": local_today().isoformat()})
    assert resp.status_code == 400 and "扣分过大" in resp.get_data(as_text=True)
    assert _count(db, Finding) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("field, raw, message", [
    ("response_minutes", "99999999999999999999", "数字过大"), ("response_minutes", "2147483648", "数字过大"),
    ("response_minutes", "2147483647", "最多一年"), ("completion_workdays", "100000000", "最多一年"),
])
def test_web_huge_deadline_rule_reshows_the_form(client, auth, world, db, field, raw, message):
    """A deadline of 10^20 minutes (an integer overflow) or of a million workdays: the form with the reason."""
    auth.login("county")
    data = {"rule-category": "", "rule-urgency": "normal", "rule-response_minutes": "30", f"rule-{field}": raw}
    resp = client.post("/repairs/rules", data=data)
    assert resp.status_code in (400, 422) and message in resp.get_data(as_text=True)
    assert _count(db, DeadlineRule) == 0


def test_every_integer_form_field_is_bounded(app):
    """No form reads an unbounded number: integers are BoundedIntegerField, decimals are text parsed exactly."""
    forms = [cls for cls in _all_subclasses(FlaskForm) if cls.__module__.startswith("pm.blueprints.")]
    assert len(forms) > 20
    for form in forms:
        for name, unbound in inspect.getmembers(form, lambda m: hasattr(m, "field_class")):
            kind = unbound.field_class
            assert not issubclass(kind, (DecimalField, FloatField)), f"{form.__name__}.{name}: read it exactly"
            if issubclass(kind, IntegerField):
                assert issubclass(kind, BoundedIntegerField), f"{form.__name__}.{name} is unbounded"


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


@pytest.mark.postgres
def test_huge_ids_in_urls_are_404(client, auth, world, api):
    """An id beyond 32 bits in a URL does not match the route: 404, not an overflow."""
    auth.login("county")
    huge = "9" * 25
    assert client.get(f"/registry/households/{huge}").status_code == 404
    assert client.get(f"/statements/compounds/{huge}/2025").status_code == 404
    assert_error(api(world.users[Role.COUNTY_ADMIN]).get(f"{V1}/households/{huge}"), 404)


@pytest.mark.postgres
def test_a_huge_id_past_the_form_checks_is_still_not_a_500(client, auth, world, db):
    """The last net (pm/errors.py): a number the database cannot bind (SQLite) or hold is a 4xx, nothing changed."""
    team = make_team(world.stations["a"])
    db.session.commit()
    auth.login("manager")
    resp = client.post(f"/stationwork/teams/{team.id}/members", data={"user_id": "9" * 30})
    assert 400 <= resp.status_code < 500


def _input_schemas():
    for module in pkgutil.walk_packages(pm.blueprints.__path__, "pm.blueprints."):
        importlib.import_module(module.name)
    return [s for s in _all_subclasses(Schema) if s.__module__.startswith("pm.blueprints.")
            and s.__name__.endswith(("In", "Args", "Fields"))]


def _numbers(schema_class, path=""):
    """(path, field) of every number an input schema reads, nested schemas and lists included."""
    for name, field in schema_class().fields.items():
        while isinstance(field, fields.List):
            field = field.inner
        if isinstance(field, fields.Nested):
            yield from _numbers(type(field.schema), f"{path}{name}.")
        elif isinstance(field, fields.Number):
            yield f"{path}{name}", field


def test_every_api_input_number_is_bounded():
    """Every integer an API request may send has a Range within its column (fen: 64-bit, else 32-bit); no float or unbounded Decimal
    field reads input (areas and deductions are custom fields read by pm/services/numbers.py)."""
    schemas = _input_schemas()
    assert len(schemas) > 30
    checked = 0
    for schema in schemas:
        for path, field in _numbers(schema):
            where = f"{schema.__name__}.{path}"
            assert isinstance(field, fields.Integer), f"{where}: read decimals exactly (Area, DeductionPoints)"
            ceiling = 2**63 - 1 if path.endswith("_fen") else INT32_MAX  # money is BIGINT fen, the rest INTEGER
            ranges = [v for v in field.validators if isinstance(v, validate.Range) and v.max is not None]
            assert ranges and all(INT32_MIN <= (r.min or 0) and r.max <= ceiling for r in ranges), \
                f"{where} is unbounded"
            checked += 1
    assert checked > 20
