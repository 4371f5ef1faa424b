"""本县使用规则的版本: a county admin changes the county's fund policy as a new version effective from a date.

Versions are never rewritten once in force: a change takes effect today or later (a version already planned for
that day is replaced); every version stays listed, and every change is audit-logged. The reader is
pm.services.fund.policy (the version in force on a day, defaults for what is unset).
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Select, select

from pm.access import Scope, authorise
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import County, FundPolicy, User
from pm.services import audit
from pm.services.fund.access import APPROVER_ROLES
from pm.services.fund.policy import (
    RETURNS_KEYS,
    Policy,
    default_emergency_reasons,
    policy_of,
    version_in_force,
)
from pm.timeutil import local_today

MAX_PUBLICITY_DAYS = 60
MAX_VOTE_DAYS = 90
MAX_REASONS = 40
CODE = re.compile(r"^[a-z0-9_]{1,64}$")


def county_policy(scope: Scope, county_id: int, on: date | None = None) -> tuple[County, FundPolicy | None, Policy]:
    """A county the caller may read (NotFound otherwise), its version in force on a day and the rules it sets."""
    county = scope.get(County, county_id)
    row = version_in_force(county.id, on)
    return county, row, policy_of(row)


def versions(scope: Scope, county_id: int) -> Select:
    """Every policy version of a county the caller may read, the newest date first."""
    county = scope.get(County, county_id)
    return scope.filter(select(FundPolicy), FundPolicy).where(FundPolicy.county_id == county.id).order_by(
        FundPolicy.effective_from.desc(), FundPolicy.id.desc())


def _reasons(items: list | None) -> list[dict[str, str]]:
    """Emergency cases as [{code, label}]: a default's code alone takes its standard text."""
    defaults = default_emergency_reasons()
    if not items:
        raise DomainError("请至少列出一种应急情形（默认可选：%(valid)s）", field="emergency_reasons",
                          valid="、".join(defaults))
    if len(items) > MAX_REASONS:
        raise DomainError("应急情形最多 %(max)s 种", field="emergency_reasons", max=MAX_REASONS)
    out: list[dict[str, str]] = []
    for item in items:
        code, text = (item.get("code"), item.get("label")) if isinstance(item, dict) else (item, None)
        code = str(code or "").strip()
        if not CODE.match(code):
            raise DomainError("应急情形代码“%(code)s”无效：只能用小写字母、数字和下划线", field="emergency_reasons",
                              code=code)
        text = str(text or "").strip() or defaults.get(code)
        if not text:
            raise DomainError("应急情形“%(code)s”需要说明文字（不是默认情形之一：%(valid)s）",
                              field="emergency_reasons", code=code, valid="、".join(defaults))
        if len(text) > 200:
            raise DomainError("应急情形说明不能超过 %(max)s 个字", field="emergency_reasons", max=200)
        if any(r["code"] == code for r in out):
            raise DomainError("应急情形代码“%(code)s”重复", field="emergency_reasons", code=code)
        out.append({"code": code, "label": text})
    return out


def _check(approver: str, publicity_days: int, vote_days: int, returns_key: str) -> None:
    if approver not in APPROVER_ROLES:
        raise DomainError("审核方“%(value)s”无效（可选：%(valid)s）", field="approver", value=approver,
                          valid="、".join(APPROVER_ROLES))
    if not isinstance(publicity_days, int) or not 1 <= publicity_days <= MAX_PUBLICITY_DAYS:
        raise DomainError("公示天数须在 1 到 %(max)s 天之间", field="publicity_days", max=MAX_PUBLICITY_DAYS)
    if not isinstance(vote_days, int) or not 1 <= vote_days <= MAX_VOTE_DAYS:
        raise DomainError("表决天数须在 1 到 %(max)s 天之间", field="vote_days", max=MAX_VOTE_DAYS)
    if returns_key not in RETURNS_KEYS:
        raise DomainError("收益分配方式“%(value)s”无效（可选：%(valid)s）", field="returns_key", value=returns_key,
                          valid="、".join(RETURNS_KEYS))


def set_policy(scope: Scope, actor: User | None, county_id: int, *, effective_from: date, approver: str,
               publicity_days: int, vote_days: int, returns_key: str, emergency_reasons: list) -> FundPolicy:
    """A new version of the county's policy from `effective_from` (today or later; a version already planned for
    that day is replaced). Audited with the values before and after."""
    authorise(scope, actor, "fund.rates")
    county = scope.get(County, county_id)
    if not scope.is_system and actor.county_id != county.id:
        raise Forbidden("只有本县的管理员可以修改本县的资金使用规则")
    if effective_from < local_today():
        raise DomainError("生效日期不能早于今天（%(today)s）：已生效的规则不能改写，请从今天或以后开始新版本",
                          field="effective_from", today=local_today().isoformat())
    _check(approver, publicity_days, vote_days, returns_key)
    values = {"approver": approver, "publicity_days": publicity_days, "vote_days": vote_days,
              "returns_key": returns_key, "emergency_reasons": _reasons(emergency_reasons)}
    before = policy_of(version_in_force(county.id, effective_from))
    row = db.session.scalar(select(FundPolicy).where(FundPolicy.county_id == county.id,
                                                     FundPolicy.effective_from == effective_from))
    if row is None:
        row = FundPolicy(county_id=county.id, effective_from=effective_from)
        db.session.add(row)
    changes = {key: [_value(before, key), values[key]] for key in values
               if _value(before, key) != values[key]}
    for key, value in values.items():
        setattr(row, key, value)
    row.created_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record("fund.policy.set", row, actor=actor, place=county,
                 changes={"effective_from": effective_from, **changes})
    return row


def _value(policy: Policy, key: str):
    if key == "emergency_reasons":
        return [{"code": c, "label": t} for c, t in policy.emergency_reasons.items()]
    return getattr(policy, key)

