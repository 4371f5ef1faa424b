"""Demo integrations: a bank's service account (接口账号) bound to the county, limited to fund reads and cashier
postings, so the county admin's page “接口账号” shows one (its first token is not kept: issue one on the page)."""
from __future__ import annotations

from pm.access import SYSTEM
from pm.models import County, Role, User
from pm.services.accounts import service


def populate(county: County, users: dict[Role, User]) -> dict[str, int]:
    service.create_service_account(scope=SYSTEM, actor=users[Role.COUNTY_ADMIN], name="示范银行（资金归集接口）",
                                   node="county_id", node_id=county.id, capabilities=["fund.cashier", "fund.view"],
                                   token_name="demo")
    return {"service_accounts": 1}
