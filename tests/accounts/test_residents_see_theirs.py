"""Residents see what is theirs (issue 8 item 5): a tenant sees the home's repairs and notices, not the owner's
maintenance-fund account, statements or phone — on the pages and through the API."""
from __future__ import annotations

from datetime import date

import pytest

from pm.access import scope_for
from pm.extensions import db
from pm.models import Role
from pm.services.notifications import notify
from pm.services.repairs.filing import file_request
from tests.factories import PASSWORD, make_owner, make_person, make_world
from tests.factories.fund import deposit, open_account

Y = 2025
V1 = "/api/v1"


@pytest.fixture
def home(app, db):
    """The tenant's home (household a[1]) has an owner with a phone and a fund account; a repair was filed."""
    w = make_world()
    hh = w.households["a"][1]
    landlord = make_person(name="房东", phone="13912345678")
    make_owner(hh, landlord)
    account = open_account(hh, 10_000)
    deposit(account, 10_000, date(Y, 3, 1))
    tenant_user = w.users[Role.RESIDENT]
    repair = file_request(hh.compound, actor=tenant_user, scope=scope_for(tenant_user), category="water_supply",
                          urgency="normal", description="厨房水管漏水", household_id=hh.id)
    notify(tenant_user, "repair", "您的报修已受理")
    db.session.commit()
    w.home, w.landlord, w.account, w.repair = hh, landlord, account, repair
    return w


def _login(app, username):
    client = app.test_client()
    assert client.post("/auth/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_tenant_pages_show_repairs_and_notices_not_the_owners_money_or_phone(app, home):
    tenant = _login(app, "resident")
    page = tenant.get(f"/registry/households/{home.home.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "房东" in html and "13912345678" not in html
    assert tenant.get(f"/repairs/{home.repair.id}").status_code == 200
    assert "您的报修已受理" in tenant.get("/notifications/").get_data(as_text=True)
    assert tenant.get(f"/statements/accounts/{home.account.id}").status_code == 404
    assert tenant.get(f"/statements/households/{home.home.id}/{Y}").status_code == 404
    assert tenant.get(f"/statements/households/{home.home.id}/{Y}.xlsx").status_code == 404
    assert "100.00" not in tenant.get("/statements/my").get_data(as_text=True)


def test_the_owner_still_sees_their_fund_account_and_the_phone(app, home, db):
    from tests.factories.accounts import make_user

    make_user(Role.OWNER, home.landlord, username="landlord")
    db.session.commit()
    owner = _login(app, "landlord")
    assert owner.get(f"/statements/accounts/{home.account.id}").status_code == 200
    assert owner.get(f"/statements/households/{home.home.id}/{Y}").status_code == 200
    assert "13912345678" in owner.get(f"/registry/households/{home.home.id}").get_data(as_text=True)


def test_tenant_api_shows_repairs_not_the_fund_or_the_owners_phone(home, api):
    client = api(home.users[Role.RESIDENT])
    household = client.get(f"{V1}/households/{home.home.id}").get_json()
    phones = [o["phone"] for o in household["owners"]]
    assert phones == [None]
    owners = client.get(f"{V1}/households/{home.home.id}/owners").get_json()
    assert all(o["person"]["phone"] is None for o in owners["current"] + owners.get("past", []))
    assert client.get(f"{V1}/my/fund-accounts").get_json()["items"] == []
    assert client.get(f"{V1}/fund-accounts/{home.account.id}").status_code in (403, 404)
    assert client.get(f"{V1}/statements/households/{home.home.id}/{Y}").status_code == 404
    assert client.get(f"{V1}/repairs/{home.repair.id}").status_code == 200
    me = home.persons["a"]["tenant"]
    residents = client.get(f"{V1}/households/{home.home.id}/residents").get_json()
    assert any(r["person"]["phone"] == me.phone for r in residents["current"])
