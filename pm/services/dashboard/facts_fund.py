"""工作台数据 (资金与方案、住户): fund arrears and replenishment, plans in publicity or voting, and what an owner
or resident must do — each from the same SELECT as the list it links to."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from pm.access import can
from pm.extensions import db
from pm.models import PlanStatus, Role, SubAccount, SubAccountStatus, UsePlan
from pm.services import notifications, votes
from pm.services.dashboard.facts import count_of
from pm.services.dashboard.home import Home, fact
from pm.services.fund import arrears
from pm.services.fund import plans as fund_plans

NOTICES_SHOWN = 3
COVERAGE_ROLES = (Role.COUNTY_ADMIN, Role.STREET_OFFICER)  # officials whose home page shows the coverage card
PLAN_STATUSES = (PlanStatus.PUBLICISED, PlanStatus.VOTING)


@dataclass
class FundCounts:
    arrears: int = 0  # 追缴: first deposit unpaid or partly paid
    low: int = 0  # 续交: balance below 30% of the first deposit
    accounts: int = 0  # open sub-accounts with a first deposit due


@fact("fund")
def fund_counts(home: Home) -> FundCounts:
    """The 追缴 and 续交 lists' sizes, and the open sub-accounts with a first deposit due they are shares of. The
    county and street: the per-compound counts the coverage card reads (no statement of its own); the others: one
    statement of three counts, each read from its own partial index (追缴 compares the 首期已交 the ledger keeps on
    each sub-account: the ledger itself is not read)."""
    if home.user.role in COVERAGE_ROLES and can(home.user, "governance.coverage"):
        # The coverage card of the same page reads, per compound in scope, the counts of the same terms kept in
        # compound_tallies (pm.services.tallies; a sub-account's scope is its compound): no sub-account is read.
        report = home.fact("coverage")
        return FundCounts(arrears=report.fund_unpaid, low=report.fund_low, accounts=report.fund_due)
    return recount_fund(home)


def _count(home: Home, *terms):
    return home.scope.filter(select(func.count()).select_from(SubAccount), SubAccount).where(
        *terms).scalar_subquery()


def recount_fund(home: Home) -> FundCounts:
    """The three counts by themselves (one statement): every role's but the county's and street's, and what
    theirs must equal (tests/dashboard/test_home_cards.py)."""
    row = db.session.execute(select(_count(home, *arrears.unpaid_terms()), _count(home, *arrears.low_balance_terms()),
                                    _count(home, *arrears.open_with_due_terms()))).one()
    return FundCounts(arrears=int(row[0]), low=int(row[1]), accounts=int(row[2]))


@fact("plans")
def plan_counts(home: Home) -> dict:
    """Plans in scope in publicity and in voting, by status (one grouped statement)."""
    stmt = fund_plans.plans_stmt(home.scope, options=()).order_by(None).where(UsePlan.status.in_(PLAN_STATUSES))
    rows = db.session.execute(stmt.with_only_columns(UsePlan.status, func.count()).group_by(UsePlan.status)).all()
    counts = {status: 0 for status in PLAN_STATUSES}
    counts.update({PlanStatus(s): int(n) for s, n in rows})
    return counts


@fact("votes_due")
def votes_due(home: Home) -> list[UsePlan]:
    """Plans in voting where a dwelling the owner owns has not voted yet (owners only)."""
    if home.user.role != Role.OWNER:
        return []
    return list(db.session.scalars(home.scope.select(UsePlan).where(
        UsePlan.status == PlanStatus.VOTING, UsePlan.decision_id.in_(votes.awaiting_ballot(home.user))
    ).order_by(UsePlan.id)))


@fact("my_accounts")
def my_accounts(home: Home) -> list[SubAccount]:
    """The owner's open sub-accounts (分户账) with their households (owners only: residents see no fund data)."""
    if home.user.role != Role.OWNER:
        return []
    return list(db.session.scalars(home.scope.select(SubAccount).where(
        SubAccount.status == SubAccountStatus.OPEN).order_by(SubAccount.id)))


@dataclass
class Notices:
    unread: int = 0
    latest: list = field(default_factory=list)


@fact("notices")
def notices(home: Home) -> Notices:
    """The user's unread notifications: how many, and the newest few (two statements)."""
    stmt = notifications.inbox(home.scope, unread_only=True)
    return Notices(unread=count_of(stmt), latest=list(db.session.scalars(stmt.limit(NOTICES_SHOWN))))
