"""数据权限: the one scoping mechanism. Every query for data goes through Scope.filter().

A user is bound to one node of the tree (county, street, community, station, compound) or, as an
owner or resident, to a person whose current households they may see. From that binding the Scope
derives, as SQL subqueries (never Python lists, so it stays cheap for a city of 400,000 households):

- ``compound_ids``: compounds whose records the user may see;
- ``household_ids``: None when every household of those compounds is visible, else the owner's own;
- ``within_*``: nodes at or below the user's binding (used for administering accounts and audit).

``Scope.filter(stmt, Model)`` applies the rule registered for that model; a model without a rule
raises, so a new model cannot be listed unscoped by accident.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import Integer, Select, false, literal, or_, select

from pm.errors import Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    AuditLog,
    Building,
    Community,
    Compound,
    County,
    Household,
    ImportJob,
    Ownership,
    Person,
    Residency,
    Role,
    Station,
    StreetOffice,
    Unit,
    User,
    station_compounds,
)
from pm.models.accounts import RANK


def _none() -> Select:
    """A subquery that yields no ids."""
    return select(literal(None, Integer)).where(false())


@dataclass
class Scope:
    """What one user may see. Build it with scope_for(user)."""

    user: User | None

    @property
    def role(self) -> Role | None:
        return self.user.role if self.user is not None else None

    # -- nodes at or below the binding -------------------------------------------------
    @cached_property
    def within_counties(self) -> Select:
        if self.role == Role.COUNTY_ADMIN:
            return select(literal(self.user.county_id))
        return _none()

    @cached_property
    def within_streets(self) -> Select:
        if self.role == Role.COUNTY_ADMIN:
            return select(StreetOffice.id).where(StreetOffice.county_id == self.user.county_id)
        if self.role == Role.STREET_OFFICER:
            return select(literal(self.user.street_id))
        return _none()

    @cached_property
    def within_communities(self) -> Select:
        if self.role in (Role.COUNTY_ADMIN, Role.STREET_OFFICER):
            return select(Community.id).where(Community.street_id.in_(self.within_streets))
        if self.role == Role.COMMUNITY_WORKER:
            return select(literal(self.user.community_id))
        return _none()

    @cached_property
    def within_stations(self) -> Select:
        if self.role in (Role.COUNTY_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_WORKER):
            return select(Station.id).where(Station.community_id.in_(self.within_communities))
        if self.role in (Role.STATION_MANAGER, Role.STATION_STAFF):
            return select(literal(self.user.station_id))
        return _none()

    @cached_property
    def compound_ids(self) -> Select:
        """Compounds the user may see (for owners: the compounds of their own households)."""
        role = self.role
        if role in (Role.COUNTY_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_WORKER):
            return select(Compound.id).where(Compound.community_id.in_(self.within_communities))
        if role in (Role.STATION_MANAGER, Role.STATION_STAFF):
            return select(station_compounds.c.compound_id).where(
                station_compounds.c.station_id == self.user.station_id
            )
        if role == Role.COMMITTEE_MEMBER:
            return select(literal(self.user.compound_id))
        if role in (Role.OWNER, Role.RESIDENT):
            return select(Household.compound_id).where(Household.id.in_(self.household_ids))
        return _none()

    @cached_property
    def household_ids(self) -> Select | None:
        """None: all households of compound_ids are visible. Else the user's own households."""
        if self.role == Role.OWNER:
            return select(Ownership.household_id).where(
                Ownership.person_id == self.user.person_id, Ownership.ended_on.is_(None)
            )
        if self.role == Role.RESIDENT:
            return select(Residency.household_id).where(
                Residency.person_id == self.user.person_id, Residency.ended_on.is_(None)
            ).union(
                select(Ownership.household_id).where(
                    Ownership.person_id == self.user.person_id, Ownership.ended_on.is_(None)
                )
            )
        if self.user is None:
            return _none()
        return None

    @property
    def is_household_bound(self) -> bool:
        return self.household_ids is not None

    # -- the filter ----------------------------------------------------------------------
    def filter(self, stmt: Select, model: Any) -> Select:
        """Restrict stmt (which selects from `model`) to what the user may see."""
        try:
            rule = RULES[model]
        except KeyError:  # pragma: no cover - a programming error caught by tests
            raise RuntimeError(f"no scope rule for {model!r}") from None
        return stmt.where(rule(self))

    def select(self, model: Any) -> Select:
        return self.filter(select(model), model)

    def get(self, model: Any, ident: int, *, options: tuple = ()) -> Any:
        """Load one row in scope, or raise NotFound (never reveal that another scope's row exists)."""
        stmt = self.filter(select(model).where(model.id == ident), model)
        if options:
            stmt = stmt.options(*options)
        obj = db.session.scalar(stmt)
        if obj is None:
            raise NotFound(f"{model.__name__} {ident} 不存在或不在您的权限范围内")
        return obj

    def contains(self, model: Any, ident: int | None) -> bool:
        if ident is None:
            return False
        stmt = self.filter(select(model.id).where(model.id == ident), model)
        return db.session.scalar(stmt) is not None


def _household_rule(s: Scope):
    cond = Household.compound_id.in_(s.compound_ids)
    if s.household_ids is not None:
        cond = Household.id.in_(s.household_ids)
    return cond


def _building_rule(s: Scope):
    if s.household_ids is not None:
        return Building.id.in_(select(Household.building_id).where(Household.id.in_(s.household_ids)))
    return Building.compound_id.in_(s.compound_ids)


def _unit_rule(s: Scope):
    if s.household_ids is not None:
        return Unit.id.in_(select(Household.unit_id).where(Household.id.in_(s.household_ids)))
    return Unit.compound_id.in_(s.compound_ids)


def _visible_households(s: Scope) -> Select:
    if s.household_ids is not None:
        return s.household_ids
    return select(Household.id).where(Household.compound_id.in_(s.compound_ids))


def _person_rule(s: Scope):
    households = _visible_households(s)
    return or_(
        Person.id.in_(select(Ownership.person_id).where(Ownership.household_id.in_(households))),
        Person.id.in_(select(Residency.person_id).where(Residency.household_id.in_(households))),
    )


def _street_rule(s: Scope):
    return or_(
        StreetOffice.id.in_(s.within_streets),
        StreetOffice.id.in_(
            select(Community.street_id).where(
                Community.id.in_(select(Compound.community_id).where(Compound.id.in_(s.compound_ids)))
            )
        ),
        StreetOffice.id == (s.user.street_id if s.user is not None and s.user.street_id else -1),
    )


def _community_rule(s: Scope):
    return or_(
        Community.id.in_(s.within_communities),
        Community.id.in_(select(Compound.community_id).where(Compound.id.in_(s.compound_ids))),
    )


def _county_rule(s: Scope):
    return or_(
        County.id.in_(s.within_counties),
        County.id.in_(select(StreetOffice.county_id).where(_street_rule(s))),
    )


def _user_rule(s: Scope):
    """Accounts bound at or below the user's node (for account administration)."""
    if s.user is None:
        return false()
    return or_(
        User.id == s.user.id,
        User.county_id.in_(s.within_counties),
        User.street_id.in_(s.within_streets),
        User.community_id.in_(s.within_communities),
        User.station_id.in_(s.within_stations),
        User.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
        User.person_id.in_(select(Person.id).where(_person_rule(s))) if not s.is_household_bound else false(),
    )


def _audit_rule(s: Scope):
    if s.is_household_bound or s.user is None:
        return false()
    return or_(
        AuditLog.compound_id.in_(s.compound_ids),
        AuditLog.community_id.in_(s.within_communities),
        AuditLog.street_id.in_(s.within_streets),
        AuditLog.county_id.in_(s.within_counties),
    )


RULES: dict[Any, Callable[[Scope], Any]] = {
    County: _county_rule,
    StreetOffice: _street_rule,
    Community: _community_rule,
    Compound: lambda s: Compound.id.in_(s.compound_ids),
    Station: lambda s: or_(
        Station.id.in_(s.within_stations),
        Station.id.in_(
            select(station_compounds.c.station_id).where(station_compounds.c.compound_id.in_(s.compound_ids))
        ),
    ),
    Building: _building_rule,
    Unit: _unit_rule,
    Household: _household_rule,
    Person: _person_rule,
    Ownership: lambda s: Ownership.household_id.in_(_visible_households(s)),
    Residency: lambda s: Residency.household_id.in_(_visible_households(s)),
    User: _user_rule,
    AuditLog: _audit_rule,
    ImportJob: lambda s: ImportJob.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
}


def _fund_rules() -> None:
    """Maintenance-fund models: by compound for officials, by own household for owners and residents."""
    from pm.models import (
        Ballot, BankImport, DepositRate, FundAccount, FundPolicy, LedgerEntry, PlanDocument, PlanScope, PlanShare,
        PublicHousingTerms, ReturnsDistribution, UsePlan,
    )

    def account_rule(s: Scope):
        if s.household_ids is not None:
            return FundAccount.household_id.in_(s.household_ids)
        return FundAccount.compound_id.in_(s.compound_ids)

    def visible_accounts(s: Scope):
        return select(FundAccount.id).where(account_rule(s))

    def visible_plans(s: Scope):
        return select(UsePlan.id).where(UsePlan.compound_id.in_(s.compound_ids))

    def county_of_scope(s: Scope):
        return select(StreetOffice.county_id).where(_street_rule(s))

    RULES.update({
        FundAccount: account_rule,
        LedgerEntry: lambda s: LedgerEntry.account_id.in_(visible_accounts(s)),
        PublicHousingTerms: lambda s: PublicHousingTerms.household_id.in_(_visible_households(s)),
        # Plans, their scope, documents and apportionment are disclosed to the owners of the compound (公示).
        UsePlan: lambda s: UsePlan.compound_id.in_(s.compound_ids),
        PlanScope: lambda s: PlanScope.plan_id.in_(visible_plans(s)),
        PlanDocument: lambda s: PlanDocument.plan_id.in_(visible_plans(s)),
        PlanShare: lambda s: PlanShare.plan_id.in_(visible_plans(s)),
        # Owners see their own household's ballot; officials and the committee see the plan's ballots.
        Ballot: lambda s: Ballot.household_id.in_(s.household_ids) if s.household_ids is not None
        else Ballot.plan_id.in_(visible_plans(s)),
        ReturnsDistribution: lambda s: ReturnsDistribution.compound_id.in_(s.compound_ids),
        BankImport: lambda s: BankImport.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
        DepositRate: lambda s: or_(
            DepositRate.compound_id.in_(s.compound_ids),
            (DepositRate.compound_id.is_(None)) & DepositRate.county_id.in_(county_of_scope(s)),
        ),
        FundPolicy: lambda s: FundPolicy.county_id.in_(county_of_scope(s)),
    })


def _notification_rule() -> None:
    from pm.models import Notification

    # Notifications are personal: a user sees only their own.
    RULES[Notification] = lambda s: Notification.user_id == (s.user.id if s.user is not None else -1)


_notification_rule()


def _team_rule() -> None:
    from pm.models import Team

    RULES[Team] = lambda s: Team.station_id.in_(select(Station.id).where(RULES[Station](s)))


_team_rule()


_fund_rules()


def register_rule(model: Any, rule: Callable[[Scope], Any]) -> None:
    """Later domains (funds, repairs, ...) register the rule for their models here."""
    RULES[model] = rule


def scope_for(user: User | None) -> Scope:
    return Scope(user)


def current_scope() -> Scope:
    """The Scope of the logged-in user, cached for the request."""
    if has_request_context():
        scope = g.get("_pm_scope")
        user = current_user if current_user and current_user.is_authenticated else None
        if scope is None or scope.user is not user:
            scope = Scope(user)
            g._pm_scope = scope
        return scope
    return Scope(None)


# -- capabilities: what a role may do (the scope says where) ------------------------------
OFFICIALS_ABOVE_STATION = {Role.COUNTY_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_WORKER}
CAPABILITIES: dict[str, set[Role]] = {
    "tree.edit": {Role.COUNTY_ADMIN},  # streets, communities, stations
    "compound.edit": OFFICIALS_ABOVE_STATION,
    "household.edit": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
    "registry.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER},
    "registry.import": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
    "accounts.manage": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
    "audit.view": OFFICIALS_ABOVE_STATION,
    # 维修资金
    "fund.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER},
    "fund.cashier": {Role.COUNTY_ADMIN, Role.STREET_OFFICER},  # 资金归集/出纳 (housing fund centre, street office)
    "fund.rates": {Role.COUNTY_ADMIN},  # 交存标准, 本县使用规则
    "fund.returns": {Role.COUNTY_ADMIN},  # 增值收益分配
    "fund.plan.propose": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.COMMITTEE_MEMBER},
    "fund.ballot.paper": {Role.COMMITTEE_MEMBER, Role.COMMUNITY_WORKER},  # 录入纸质票
}

# Which role approves payments, by the county's FundPolicy.approver (domain.md: configurable).
APPROVER_ROLES: dict[str, Role] = {
    "housing_department": Role.COUNTY_ADMIN,
    "street_office": Role.STREET_OFFICER,
    "owners_committee": Role.COMMITTEE_MEMBER,
}


def can(user: User | None, capability: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role in CAPABILITIES[capability]


def require(user: User | None, capability: str) -> None:
    """Raise Forbidden unless the user's role has the capability."""
    if not can(user, capability):
        raise Forbidden("您的角色无权进行此操作")


def assignable_roles(user: User) -> list[Role]:
    """Roles this user may give to accounts they administer (strictly below their own)."""
    if not can(user, "accounts.manage"):
        return []
    return [r for r in Role if RANK[r] < RANK[user.role]]


def _inspection_rules() -> None:
    """Station work (logs, patrols) by station; inspections and rectification orders by the place inspected.

    Owners, residents and committee members see none of these (all their `within_*` are empty).
    """
    from pm.models import (
        Finding, FindingPhoto, Inspection, PatrolCheckin, PatrolPoint, PatrolRoute, RectificationEvent,
        RectificationOrder, RectificationPhoto, WorkLog, WorkLogPhoto,
    )

    def placed(model):
        return lambda s: or_(
            model.street_id.in_(s.within_streets),
            model.community_id.in_(s.within_communities),
            model.station_id.in_(s.within_stations),
        )

    RULES.update({
        WorkLog: lambda s: WorkLog.station_id.in_(s.within_stations),
        WorkLogPhoto: lambda s: WorkLogPhoto.log_id.in_(select(WorkLog.id).where(RULES[WorkLog](s))),
        PatrolRoute: lambda s: PatrolRoute.station_id.in_(s.within_stations),
        PatrolPoint: lambda s: PatrolPoint.route_id.in_(
            select(PatrolRoute.id).where(PatrolRoute.station_id.in_(s.within_stations))),
        PatrolCheckin: lambda s: PatrolCheckin.station_id.in_(s.within_stations),
        Inspection: placed(Inspection),
        Finding: lambda s: Finding.inspection_id.in_(select(Inspection.id).where(RULES[Inspection](s))),
        FindingPhoto: lambda s: FindingPhoto.finding_id.in_(
            select(Finding.id).where(Finding.inspection_id.in_(select(Inspection.id).where(RULES[Inspection](s))))),
        RectificationOrder: placed(RectificationOrder),
        RectificationEvent: lambda s: RectificationEvent.order_id.in_(
            select(RectificationOrder.id).where(RULES[RectificationOrder](s))),
        RectificationPhoto: lambda s: RectificationPhoto.event_id.in_(
            select(RectificationEvent.id).where(RectificationEvent.order_id.in_(
                select(RectificationOrder.id).where(RULES[RectificationOrder](s))))),
    })
    CAPABILITIES.update({
        "stations.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF},
        "stations.log": {Role.STATION_MANAGER, Role.STATION_STAFF},  # 工作日志, 巡查打卡
        "stations.manage": {Role.STATION_MANAGER},  # 队伍成员, 巡查路线
        "inspection.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF},
        "inspection.create": OFFICIALS_ABOVE_STATION,
    })


_inspection_rules()


def _repair_rules() -> None:
    """报事报修: residents see their own requests (or their household's); others by compound in scope."""
    from pm.models import DeadlineRule, RepairEvent, RepairPhoto, RepairPortal, RepairRequest, WorkCalendarDay

    def request_rule(s: Scope):
        if s.user is None:
            return false()
        if s.household_ids is not None:
            return or_(RepairRequest.filer_user_id == s.user.id, RepairRequest.household_id.in_(s.household_ids))
        return RepairRequest.compound_id.in_(s.compound_ids)

    def visible_requests(s: Scope):
        return select(RepairRequest.id).where(request_rule(s))

    def county_of_scope(s: Scope):
        return select(StreetOffice.county_id).where(_street_rule(s))

    RULES.update({
        RepairRequest: request_rule,
        RepairEvent: lambda s: RepairEvent.request_id.in_(visible_requests(s)),
        RepairPhoto: lambda s: RepairPhoto.request_id.in_(visible_requests(s)),
        RepairPortal: lambda s: RepairPortal.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
        DeadlineRule: lambda s: DeadlineRule.county_id.in_(county_of_scope(s)),
        WorkCalendarDay: lambda s: WorkCalendarDay.county_id.in_(county_of_scope(s)),
    })
    CAPABILITIES.update({
        "repair.handle": {Role.STATION_MANAGER, Role.STATION_STAFF},  # 受理、派单、处理、回访
        "repair.rules": {Role.COUNTY_ADMIN},  # 处理时限、工作日历
        "repair.portal": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF},  # 打印报修二维码
        "repair.metrics": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
    })


_repair_rules()
