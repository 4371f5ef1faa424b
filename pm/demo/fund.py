"""Demo maintenance fund: policy, deposit standards, sub-accounts and deposits, returns, three use plans."""
from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.demo.names import ago
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    EntryKind,
    FundPolicy,
    Household,
    Ownership,
    Person,
    Role,
    StreetOffice,
    SubAccount,
    station_compounds,
)
from pm.services import audit
from pm.services.fund import deposits, ledger, rates, returns
from pm.services.fund import plans as fund_plans
from pm.timeutil import local_today

logger = logging.getLogger(__name__)


DEPOSIT_STANDARDS = (  # 首期交存标准 (fen per m² of floor area): multi-storey without a lift, with a lift
    ("多层住宅（无电梯）", False, 4000),
    ("高层住宅（有电梯）", True, 8000),
)


def owners_of(household_ids: list[int]) -> dict[int, int]:
    """household id → one current owner's person id (the lowest)."""
    rows = db.session.execute(
        select(Ownership.household_id, func.min(Ownership.person_id))
        .where(Ownership.household_id.in_(household_ids), Ownership.ended_on.is_(None))
        .group_by(Ownership.household_id)
    ).all()
    return dict(rows)


def populate(county, station, compound, users, rng, now) -> dict[str, int]:
    """Policy, deposit standards, accounts and first deposits, returns, and three use plans in the anchor compound."""

    admin, manager, committee, owner_user = (users[r] for r in (
        Role.COUNTY_ADMIN, Role.STATION_MANAGER, Role.COMMITTEE_MEMBER, Role.OWNER))
    today = local_today(now)
    policy = FundPolicy(county_id=county.id, approver="housing_department", publicity_days=7, vote_days=15,
                        returns_key="balance")
    db.session.add(policy)
    db.session.flush()
    audit.record("fund.policy.create", policy, actor=admin, changes={
        "approver": "housing_department", "publicity_days": 7, "vote_days": 15, "returns_key": "balance"})
    admin_scope = scope_for(admin)
    for name, elevator, fen in DEPOSIT_STANDARDS:
        rates.create_rate({"name": name, "has_elevator": elevator, "fen_per_m2": fen, "effective_on": date(2019, 1, 1)},
                          actor=admin, scope=SYSTEM)

    # Sub-accounts for every compound with a station (sold public housing waits for its terms: the 未开户 list).
    station_compound_ids = db.session.scalars(
        select(station_compounds.c.compound_id)
        .join(Compound, Compound.id == station_compounds.c.compound_id)
        .join(Community, Community.id == Compound.community_id)
        .join(StreetOffice, StreetOffice.id == Community.street_id)
        .where(StreetOffice.county_id == county.id).order_by(station_compounds.c.compound_id)
    ).all()
    opened = 0
    for compound_id in station_compound_ids:
        opened += len(deposits.open_subaccounts(db.session.get(Compound, compound_id), on=today, actor=admin,
                                                scope=SYSTEM).opened)
    owner_households = set(db.session.scalars(scope_for(owner_user).household_ids))
    accounts = db.session.execute(
        select(SubAccount.id, SubAccount.household_id, SubAccount.first_deposit_due_fen)
        .where(SubAccount.compound_id.in_(station_compound_ids)).order_by(SubAccount.id)
    ).all()
    # First deposits over the last two years: most paid in full, some part-paid, a few not at all (追缴).
    full, part = {}, []
    for account_id, household_id, due in accounts:
        draw = rng.random()
        if household_id in owner_households or draw >= 0.10:
            month = rng.randrange(6)
            full.setdefault(month, []).append((account_id, due, f"demo:first:{account_id}"))
        elif draw >= 0.04:
            part.append((account_id, due * rng.choice((3, 4, 5)) // 10, f"demo:first:{account_id}"))
    entries = 0
    for month, postings in sorted(full.items()):
        entries += ledger.post_batch(postings, EntryKind.FIRST_DEPOSIT, actor=admin, source_type="demo",
                                     value_on=today - timedelta(days=700 - 60 * month), memo="首期交存（银行代收）")
    entries += ledger.post_batch(part, EntryKind.FIRST_DEPOSIT, actor=admin, source_type="demo",
                                 value_on=today - timedelta(days=400), memo="首期交存（部分）")
    audit.record("fund.demo_deposits", county, actor=admin, changes={"accounts": len(accounts), "entries": entries})

    # Last year's returns (增值收益) in the anchor compound and one other.
    other = next((c for c in station_compound_ids if c != compound.id), None)
    returns_on = min(date(today.year, 1, 20), today)
    period = str(today.year - 1)
    distributions = 0
    for compound_id in (compound.id, other):
        if compound_id is not None:
            # About 1.75% a year on what the compound holds (time deposits), to the fen.
            held = db.session.scalar(select(func.coalesce(func.sum(SubAccount.balance_fen), 0))
                                     .where(SubAccount.compound_id == compound_id))
            amount = int(held) * 175 // 10_000  # PostgreSQL's SUM of BIGINT is a Decimal
            if amount <= 0:
                continue
            returns.distribute_returns(db.session.get(Compound, compound_id), period=period, amount_fen=amount,
                                       actor=admin, scope=SYSTEM, memo=f"{period} 年度定期存款利息",
                                       value_on=returns_on)
            distributions += 1

    # Plans in the anchor compound: charged (the owner's building), in voting, and an emergency one approved.
    manager_scope, committee_scope = scope_for(manager), scope_for(committee)
    owner_household = db.session.get(Household, min(owner_households))
    confirmed = {name: True for name in fund_plans.CONFIRMATIONS}
    building_ids = [owner_household.building_id]
    building_total = db.session.scalar(
        select(func.coalesce(func.sum(SubAccount.balance_fen), 0))
        .join(Household, Household.id == SubAccount.household_id)
        .where(Household.building_id.in_(building_ids))
    )
    cost = max(100_00, int(building_total) * 3 // 4)  # leaves most accounts of the building below 30%: 续交
    charged = fund_plans.create_plan(
        compound, actor=manager, scope=manager_scope, title=f"{owner_household.building.name}屋面防水层翻修",
        shared_part="屋面及防水层", reason="屋面防水层老化开裂，顶层多户雨季渗漏，已过保修期。",
        budget_fen=cost + cost // 10, contractor="沛泽县建工防水工程有限公司",
        targets=fund_plans.Targets(whole=False, buildings=building_ids), confirmations=confirmed,
    )
    fund_plans.transition(charged, "publicised", actor=manager, scope=manager_scope, now=ago(now, 150))
    fund_plans.transition(charged, "voting", actor=manager, scope=manager_scope, now=ago(now, 142))
    electorate = sorted(fund_plans.scope_household_ids(charged))
    owners = owners_of(electorate)
    ballots = 0
    for household_id in electorate:
        if household_id == owner_household.id:
            fund_plans.cast_ballot(charged, owner_household, "yes", actor=owner_user, scope=scope_for(owner_user),
                                   now=ago(now, 140))
        elif household_id in owners and rng.random() < 0.88:
            fund_plans.cast_ballot(charged, db.session.get(Household, household_id),
                                   "yes" if rng.random() < 0.9 else rng.choice(("no", "abstain")),
                                   actor=committee, scope=committee_scope,
                                   person=db.session.get(Person, owners[household_id]), paper=True, now=ago(now, 139))
        else:
            continue
        ballots += 1
    fund_plans.transition(charged, "close_vote", actor=manager, scope=manager_scope, now=ago(now, 126))
    fund_plans.transition(charged, "works_done", actor=manager, scope=manager_scope, now=ago(now, 90))
    fund_plans.transition(charged, "settled", actor=manager, scope=manager_scope, now=ago(now, 80),
                          actual_cost_fen=cost)
    fund_plans.transition(charged, "payment_approved", actor=admin, scope=admin_scope, now=ago(now, 75))
    fund_plans.transition(charged, "charged", actor=admin, scope=admin_scope, now=ago(now, 70))

    voting = fund_plans.create_plan(
        compound, actor=committee, scope=committee_scope, title="小区雨污管网疏通及破损井盖更换",
        shared_part="室外排水管网、检查井", reason="雨季多处检查井冒溢，井盖破损 11 处，影响通行安全。",
        budget_fen=18_640_000, contractor="沛泽县市政养护工程有限公司", confirmations=confirmed,
    )
    fund_plans.transition(voting, "publicised", actor=committee, scope=committee_scope, now=ago(now, 10))
    fund_plans.transition(voting, "voting", actor=committee, scope=committee_scope, now=ago(now, 2))
    electorate = sorted(fund_plans.scope_household_ids(voting))
    owners = owners_of(electorate)
    for household_id in electorate:
        if household_id not in owner_households and household_id in owners and rng.random() < 0.4:
            fund_plans.cast_ballot(voting, db.session.get(Household, household_id),
                                   "yes" if rng.random() < 0.8 else rng.choice(("no", "abstain")), actor=committee,
                                   scope=committee_scope, person=db.session.get(Person, owners[household_id]),
                                   paper=True, now=ago(now, 1))
            ballots += 1

    buildings = db.session.scalars(select(Building.id).where(Building.compound_id == compound.id)
                                   .order_by(Building.id)).all()
    emergency = fund_plans.create_plan(
        compound, actor=manager, scope=manager_scope, title="外墙空鼓脱落应急抢修",
        shared_part="外墙面", reason="外墙饰面砖大面积空鼓，已有脱落，危及行人安全，需立即排危修复。",
        budget_fen=4_250_000, contractor="沛泽县建工防水工程有限公司", confirmations=confirmed,
        targets=fund_plans.Targets(whole=False, buildings=[buildings[-1]]), is_emergency=True,
        emergency_reason="facade_risk",
    )
    fund_plans.transition(emergency, "passed", actor=admin, scope=admin_scope, now=ago(now, 5))
    return {"fund_accounts": len(accounts), "fund_accounts_opened": opened, "ledger_entries": entries,
            "returns_distributions": distributions, "use_plans": 3, "ballots": ballots}
