"""数据权限: the one scoping mechanism. Every query for data goes through Scope.filter().

A user is bound to one node of the tree (county, street, community, station, compound) or, as an
owner or resident, to a person whose current households they may see. From that binding the Scope
derives, as SQL subqueries (never Python lists, so it stays cheap for a city of 400,000 households):

- ``compound_ids``: compounds whose records the user may see;
- ``household_ids``: None when every household of those compounds is visible, else the owner's own;
- ``within_*``: nodes at or below the user's binding (used for administering accounts and audit).

``Scope.filter(stmt, Model)`` applies the rule registered for that model; a model without a rule
raises, so a new model cannot be listed unscoped by accident. This module is only the mechanism: each
domain registers the rules for its models and its capabilities from its own package
(``pm/services/<domain>/access.py``, loaded by ``load_domain_rules()`` when the app is created).

Scheduled jobs and operator commands act for nobody in particular: they pass ``SYSTEM``, the scope that
sees everything, explicitly — a service never skips its checks because no scope was given.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

from flask import g, has_request_context
from flask_babel import gettext
from flask_babel import lazy_pgettext as pgettext  # extracted with its context ("thing")
from flask_login import current_user
from sqlalchemy import Integer, Select, false, literal, or_, select

from pm.errors import Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    AccountGrant,
    Community,
    Compound,
    Household,
    Ownership,
    Residency,
    Role,
    Station,
    StreetOffice,
    User,
    station_compounds,
)


def _none() -> Select:
    """A subquery that yields no ids."""
    return select(literal(None, Integer)).where(false())


@dataclass
class Scope:
    """What one user may see. Build it with scope_for(user)."""

    user: User | None
    is_system: bool = False  # the scope of jobs and operator commands: sees everything

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
    def granted_compounds(self) -> list[int]:
        """Owners and residents: the compounds under the nodes their account was granted when the person claimed
        an invitation (the inviting official's scope). A person owning a home elsewhere does not see it through
        this account until an official there invites them too. Read once per scope into a list of ids: every
        household, fund and repair query of the person nests it, and as a subquery it made those statements
        deeper than SQLite's parser allows."""
        if self.user is None or self.role not in (Role.OWNER, Role.RESIDENT):
            return []

        def granted(column):
            return select(column).where(AccountGrant.user_id == self.user.id, column.is_not(None))

        return list(db.session.scalars(select(Compound.id).where(or_(
            Compound.id.in_(granted(AccountGrant.compound_id)),
            Compound.community_id.in_(granted(AccountGrant.community_id)),
            Compound.community_id.in_(select(Community.id).where(or_(
                Community.street_id.in_(granted(AccountGrant.street_id)),
                Community.street_id.in_(select(StreetOffice.id).where(
                    StreetOffice.county_id.in_(granted(AccountGrant.county_id)))),
            ))),
            Compound.id.in_(select(station_compounds.c.compound_id).where(
                station_compounds.c.station_id.in_(granted(AccountGrant.station_id)))),
        ))))

    def _owned(self) -> Select:
        return select(Ownership.household_id).join(Household, Household.id == Ownership.household_id).where(
            Ownership.person_id == self.user.person_id, Ownership.ended_on.is_(None),
            Household.compound_id.in_(self.granted_compounds))

    @cached_property
    def household_ids(self) -> Select | None:
        """None: all households of compound_ids are visible. Else the user's own households (those the person
        owns, or owns or lives in for a resident) in the compounds their account was granted."""
        if self.role == Role.OWNER:
            return self._owned()
        if self.role == Role.RESIDENT:
            return select(Residency.household_id).join(Household, Household.id == Residency.household_id).where(
                Residency.person_id == self.user.person_id, Residency.ended_on.is_(None),
                Household.compound_id.in_(self.granted_compounds),
            ).union(self._owned())
        if self.user is None:
            return _none()
        return None

    @cached_property
    def owned_household_ids(self) -> Select | None:
        """None for officials. For owners and residents: the visible households the person owns — whose
        maintenance-fund accounts, statements and owners' phones they may see (a tenant sees the home's
        repairs and notices, not the owner's money)."""
        if self.role in (Role.OWNER, Role.RESIDENT):
            return self._owned()
        if self.user is None:
            return _none()
        return None

    @property
    def is_household_bound(self) -> bool:
        return self.household_ids is not None

    @cached_property
    def visible_households(self) -> Select:
        """Ids of every household the user may see (their own, or all of compound_ids)."""
        if self.household_ids is not None:
            return self.household_ids
        return select(Household.id).where(Household.compound_id.in_(self.compound_ids))

    @cached_property
    def street_ids(self) -> Select:
        """Street offices at or below the binding, or above a visible compound, or the user's own."""
        own = self.user.street_id if self.user is not None and self.user.street_id else -1
        return select(StreetOffice.id).where(or_(
            StreetOffice.id.in_(self.within_streets),
            StreetOffice.id.in_(select(Community.street_id).where(
                Community.id.in_(select(Compound.community_id).where(Compound.id.in_(self.compound_ids))))),
            StreetOffice.id == own,
        ))

    @cached_property
    def county_ids(self) -> Select:
        """Counties whose county-wide settings (rates, rules, calendars) the user may read."""
        return select(StreetOffice.county_id).where(StreetOffice.id.in_(self.street_ids))

    # -- the filter ----------------------------------------------------------------------
    def filter(self, stmt: Select, model: Any) -> Select:
        """Restrict stmt (which selects from `model`) to what the user may see."""
        try:
            rule = RULES[model]
        except KeyError:  # pragma: no cover - a programming error caught by tests
            raise RuntimeError(f"no scope rule for {model!r}") from None
        if self.is_system:
            return stmt
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
            raise NotFound("%(what)s（编号 %(id)s）不存在或不在您的权限范围内", what=noun(model), id=ident)
        return obj

    def contains(self, model: Any, ident: int | None) -> bool:
        if ident is None:
            return False
        stmt = self.filter(select(model.id).where(model.id == ident), model)
        return db.session.scalar(stmt) is not None


RULES: dict[Any, Callable[[Scope], Any]] = {}

# The word a user knows for each model, for "not found" messages (never the class name).
NOUNS: dict[str, Any] = {
    "ApiToken": pgettext("thing", "接口令牌"), "AssessmentScheme": pgettext("thing", "考核办法"),
    "AssessmentPeriod": pgettext("thing", "考核期"), "AssessmentScore": pgettext("thing", "考核得分"),
    "AssessmentLine": pgettext("thing", "得分明细"), "AssessmentAppeal": pgettext("thing", "申诉"),
    "AssessmentEvent": pgettext("thing", "加分/否决事件"), "AuditLog": pgettext("thing", "操作记录"), "Ballot": pgettext("thing", "表决票"),
    "BankImport": pgettext("thing", "银行流水导入"), "Building": pgettext("thing", "楼栋"),
    "Community": pgettext("thing", "社区"), "Compound": pgettext("thing", "小区"), "County": pgettext("thing", "区县"),
    "DeadlineRule": pgettext("thing", "时限规则"), "Decision": pgettext("thing", "表决"),
    "DepositRate": pgettext("thing", "交存标准"), "ElectorateEntry": pgettext("thing", "表决名册条目"),
    "Finding": pgettext("thing", "检查问题"), "FindingPhoto": pgettext("thing", "照片"),
    "FundPolicy": pgettext("thing", "资金政策"), "Household": pgettext("thing", "房屋"),
    "ImportJob": pgettext("thing", "导入任务"), "Inspection": pgettext("thing", "检查记录"),
    "JobRun": pgettext("thing", "后台任务"), "LedgerEntry": pgettext("thing", "账目"),
    "LoginSession": pgettext("thing", "登录会话"), "LoginThrottle": pgettext("thing", "登录记录"),
    "Notification": pgettext("thing", "通知"), "Ownership": pgettext("thing", "产权登记"),
    "PatrolCheckin": pgettext("thing", "巡查打卡"), "PatrolPoint": pgettext("thing", "巡查点"),
    "PatrolRoute": pgettext("thing", "巡查路线"), "Person": pgettext("thing", "人员"),
    "PlanDocument": pgettext("thing", "方案文件"), "PlanScope": pgettext("thing", "方案范围"),
    "PlanShare": pgettext("thing", "分摊份额"), "PublicHousingTerms": pgettext("thing", "公房条款"),
    "RectificationEvent": pgettext("thing", "整改记录"), "RectificationOrder": pgettext("thing", "整改单"),
    "RectificationPhoto": pgettext("thing", "照片"), "RenovationItem": pgettext("thing", "改造项目"),
    "RepairEvent": pgettext("thing", "工单记录"), "RepairImport": pgettext("thing", "工单导入"),
    "RepairPhoto": pgettext("thing", "照片"),
    "RepairPortal": pgettext("thing", "报修页面"), "RepairRequest": pgettext("thing", "报修工单"),
    "Residency": pgettext("thing", "居住登记"), "ReturnsDistribution": pgettext("thing", "收益分配"),
    "Station": pgettext("thing", "服务站"), "Survey": pgettext("thing", "满意度测评"),
    "SurveyResponse": pgettext("thing", "测评答卷"), "StreetOffice": pgettext("thing", "街道"),
    "SubAccount": pgettext("thing", "维修资金账户"), "Team": pgettext("thing", "班组"), "Unit": pgettext("thing", "单元"),
    "UsePlan": pgettext("thing", "使用方案"), "User": pgettext("thing", "用户"),
    "WorkCalendarDay": pgettext("thing", "工作日历"), "WorkLog": pgettext("thing", "工作日志"),
    "WorkLogPhoto": pgettext("thing", "照片"),
    "Body": pgettext("thing", "组织"), "Membership": pgettext("thing", "任期"), "Election": pgettext("thing", "选举"),
    "Candidate": pgettext("thing", "候选人"), "PropertyFirm": pgettext("thing", "物业企业"),
}


def noun(model: Any) -> str:
    """The user's word for a model (in the request's language); "记录" for one not listed."""
    word = NOUNS.get(getattr(model, "__name__", ""))
    if word is None:
        return gettext("记录") if has_request_context() else "记录"
    return str(word)


def register_rules(rules: dict[Any, Callable[[Scope], Any]]) -> None:
    """A domain registers the scope rule of each of its models (from pm/services/<domain>/access.py)."""
    for model, rule in rules.items():
        if model in RULES and RULES[model] is not rule:
            raise RuntimeError(f"a scope rule for {model!r} is already registered")
        RULES[model] = rule


def rule_of(model: Any) -> Callable[[Scope], Any]:
    """The registered rule of a model, for rules that follow a parent's (a photo follows its record)."""
    return RULES[model]


def scope_for(user: User | None) -> Scope:
    return Scope(user)


SYSTEM = Scope(None, is_system=True)


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
OFFICIALS_ABOVE_STATION = frozenset({Role.COUNTY_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_WORKER})
CAPABILITIES: dict[str, frozenset[Role]] = {}


def register_capabilities(capabilities: dict[str, set[Role] | frozenset[Role]]) -> None:
    """A domain registers its capabilities (name → roles that have it)."""
    for name, roles in capabilities.items():
        if name in CAPABILITIES and CAPABILITIES[name] != frozenset(roles):
            raise RuntimeError(f"capability {name!r} is already registered with other roles")
        CAPABILITIES[name] = frozenset(roles)


def token_limit(user: User | None) -> frozenset[str] | None:
    """The capabilities the request's API token is limited to (a service account's token), for its own user;
    None when the request is not made with such a token."""
    if user is None or not has_request_context():
        return None
    limit = g.get("_pm_token_limit")
    if limit is None or limit[0] != getattr(user, "id", None):
        return None
    return limit[1]


def can(user: User | None, capability: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    limit = token_limit(user)
    if limit is not None and capability not in limit:
        return False
    return user.role in CAPABILITIES[capability]


def require(user: User | None, capability: str) -> None:
    """Raise Forbidden unless the user's role has the capability (and the request's token, if limited, too)."""
    if not can(user, capability):
        limit = token_limit(user)
        if limit is not None and capability not in limit:
            raise Forbidden("此令牌没有“%(capability)s”权限（它只有：%(allowed)s）", capability=capability,
                            allowed="、".join(sorted(limit)) or "—")
        raise Forbidden("您的角色无权进行此操作")


def authorise(scope: Scope, actor: User | None, capability: str | None = None) -> None:
    """The one check a service makes before it acts: SYSTEM (jobs, the CLI, the demo loader) passes; any other
    scope needs its own user acting, with the capability if one is named. Nothing is skipped because an actor
    or a scope is missing: a service called without a Scope is a programming error."""
    if not isinstance(scope, Scope):
        raise TypeError("a service needs the caller's Scope (jobs, the CLI and the demo pass pm.access.SYSTEM)")
    if scope.is_system:
        return
    if actor is None or scope.user is None or actor.id != scope.user.id:
        raise Forbidden("您的角色无权进行此操作")
    if capability is not None:
        require(actor, capability)


def authorise_in(scope: Scope, actor: User | None, capability: str, model: Any, ident: int | None,
                 message: str) -> None:
    """authorise(), and the row `model` #ident lies in the scope (Forbidden with `message` otherwise)."""
    authorise(scope, actor, capability)
    if not scope.is_system and not scope.contains(model, ident):
        raise Forbidden(message)


DOMAINS = ("registry", "accounts", "audit", "imports", "notifications", "fund", "votes", "repairs", "stations",
           "inspections", "surveys", "jobs", "motions", "meetings", "notices", "volunteers",
           "commonincome", "governance", "assessments")


def load_domain_rules() -> None:
    """Import every domain's access module, which registers its rules and capabilities (idempotent)."""
    for domain in DOMAINS:
        importlib.import_module(f"pm.services.{domain}.access")
