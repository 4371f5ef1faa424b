"""量化考核办法: a county's versioned schemes — drafts, validation, activation from a date, the version in force."""
from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pm.access import Scope
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import (
    AssessmentCategory,
    AssessmentScheme,
    AssessmentSchemeItem,
    County,
    ItemSource,
    SchemeStatus,
    UnitKind,
    User,
)
from pm.services import audit
from pm.services.assessments.defaults import NAMES, default_structure
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

DEFAULT_FROM = date(2000, 1, 1)  # version 1 applies to every past month
MAX_POINTS = Decimal("1000")
# coverage (governance): the share of the unit's compounds meeting `criterion` (bodies: all four bodies in place
# with a joint meeting last quarter; committee: an owners' committee or stand-in), for street offices and
# communities; below `target` % loses `per_point` per percentage point.
COVERAGE_CRITERIA = ("bodies", "committee")
INDICATOR_KINDS = ("response_on_time", "completion_on_time", "average_rating", "reopen_rate", "log_missing_days",
                   "orders_overdue", "satisfaction", "coverage")
OPTIONS = (selectinload(AssessmentScheme.categories).selectinload(AssessmentCategory.items),)


def _points(value, field: str, *, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    try:
        number = Decimal(str(value)) if not isinstance(value, (bool, float)) and value is not None else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number.as_tuple().exponent < -2:
        raise DomainError("分值必须是数字，最多两位小数", field=field)
    if number < 0:
        raise DomainError("分值和上限不能为负数", field=field)
    if number > MAX_POINTS:
        raise DomainError("分值过大", field=field)
    return number


def _check_params(source: ItemSource, params: dict, field: str) -> dict:
    if not isinstance(params, dict):
        raise DomainError("规则参数无效", field=field)
    if source == ItemSource.INDICATOR and params.get("kind") == "coverage" \
            and params.get("criterion", "bodies") not in COVERAGE_CRITERIA:
        raise DomainError("覆盖率指标不正确", field=field)
    if source == ItemSource.INDICATOR and params.get("kind") not in INDICATOR_KINDS:
        raise DomainError("指标类型无效", field=field)
    for key, value in params.items():
        if key in ("target", "per_point", "per_unit", "per_day", "per_order", "per_event", "min", "max", "score"):
            _points(value, f"{field}.{key}")
    if source == ItemSource.FINDING and params.get("min") is not None and params.get("max") is not None \
            and Decimal(str(params["min"])) > Decimal(str(params["max"])):
        raise DomainError("每处扣分下限不能大于上限", field=field)
    return params


def build(scheme: AssessmentScheme, structure: list[dict]) -> None:
    """Replace a scheme's categories and items by `structure` (validated; see validate())."""
    if not isinstance(structure, list) or not structure:
        raise DomainError("考核办法至少需要一个类别", field="categories")
    scheme.categories = []
    db.session.flush()  # the scheme has its id, and the old categories and items are gone
    seen: set[str] = set()
    for c_pos, cat in enumerate(structure):
        field = f"categories.{c_pos}"
        category = AssessmentCategory(code=str(cat.get("code") or "").strip()[:32],
                                      name=str(cat.get("name") or "").strip()[:80],
                                      max_points=_points(cat.get("max_points"), f"{field}.max_points"),
                                      position=c_pos)
        if not category.code or not category.name:
            raise DomainError("类别需要代码和名称", field=field)
        for i_pos, it in enumerate(cat.get("items") or []):
            ifield = f"{field}.items.{i_pos}"
            try:
                source = ItemSource(it.get("source"))
            except ValueError:
                raise DomainError("项目来源无效", field=f"{ifield}.source") from None
            code = str(it.get("code") or "").strip()[:32]
            if not code or not str(it.get("name") or "").strip():
                raise DomainError("项目需要代码和名称", field=ifield)
            if code in seen:
                raise DomainError("项目代码 %(code)s 重复", field=f"{ifield}.code", code=code)
            seen.add(code)
            category.items.append(AssessmentSchemeItem(
                scheme_id=scheme.id, code=code, name=str(it["name"]).strip()[:120], source=source, position=i_pos,
                max_points=_points(it.get("max_points"), f"{ifield}.max_points"),
                monthly_cap=_points(it.get("monthly_cap"), f"{ifield}.monthly_cap", allow_none=True),
                params=_check_params(source, it.get("params") or {}, f"{ifield}.params")))
        scheme.categories.append(category)
    validate(scheme)
    db.session.flush()


def validate(scheme: AssessmentScheme) -> None:
    """Categories add up to at most full marks; a deduction item never exceeds its category's points."""
    total = sum((c.max_points for c in scheme.categories), start=Decimal(0))
    if total > scheme.full_marks:
        raise DomainError("各类别分值合计 %(total)s 分，超过满分 %(full)s 分", field="categories",
                          total=total, full=scheme.full_marks)
    for c_pos, category in enumerate(scheme.categories):
        for i_pos, item in enumerate(category.items):
            if item.source in (ItemSource.FINDING, ItemSource.INDICATOR) and item.max_points > category.max_points:
                raise DomainError("项目“%(item)s”分值 %(points)s 分，超过所属类别“%(category)s”的 %(max)s 分",
                                  field=f"categories.{c_pos}.items.{i_pos}.max_points", item=item.name,
                                  points=item.max_points, category=category.name, max=category.max_points)


def ensure_defaults(county_id: int, *, actor: User | None = None) -> list[AssessmentScheme]:
    """Version 1 of every kind for a county that has none yet (a new county, the demo). Audited when a user does
    it; the built-in version 1 given to a new county by the system is not a user's change."""
    have = set(db.session.scalars(select(AssessmentScheme.kind).where(AssessmentScheme.county_id == county_id)))
    made = []
    for kind in UnitKind:
        if kind in have:
            continue
        scheme = AssessmentScheme(county_id=county_id, kind=kind, version=1, name=NAMES[kind],
                                  status=SchemeStatus.ACTIVE, active_from=DEFAULT_FROM, full_marks=Decimal(100),
                                  log_delay_days=2)
        db.session.add(scheme)
        db.session.flush()
        build(scheme, default_structure(kind))
        made.append(scheme)
    if made and actor is not None:
        audit.record("assessment.scheme.defaults", db.session.get(County, county_id), actor=actor,
                     changes={"schemes": [None, [s.id for s in made]]})
    return made


def in_force(county_id: int, kind: UnitKind, day: date, *, create: bool = True) -> AssessmentScheme | None:
    """The active version of a county's scheme for a kind on a day (version 1 is created when there is none and
    `create`; else None)."""
    stmt = (select(AssessmentScheme).options(*OPTIONS)
            .where(AssessmentScheme.county_id == county_id, AssessmentScheme.kind == kind,
                   AssessmentScheme.status == SchemeStatus.ACTIVE, AssessmentScheme.active_from <= day)
            .order_by(AssessmentScheme.active_from.desc(), AssessmentScheme.version.desc()).limit(1))
    scheme = db.session.scalar(stmt)
    if scheme is None and not create:
        return None
    if scheme is None:
        ensure_defaults(county_id)
        scheme = db.session.scalar(stmt)
    if scheme is None:
        raise DomainError("本县没有适用于该日期的考核办法")
    return scheme


def item_by_code(scheme: AssessmentScheme, code: str | None) -> AssessmentSchemeItem | None:
    return next((i for c in scheme.categories for i in c.items if i.code == code), None)


def create_draft(county_id: int, kind: UnitKind | str, actor: User, *, now: datetime | None = None) -> AssessmentScheme:
    """A new draft version, copied from the version in force today."""
    try:
        kind = UnitKind(kind)
    except ValueError:
        raise DomainError("考核对象类型无效", field="kind") from None
    base = in_force(county_id, kind, local_today(now))
    version = (db.session.scalar(select(func.max(AssessmentScheme.version)).where(
        AssessmentScheme.county_id == county_id, AssessmentScheme.kind == kind)) or 0) + 1
    scheme = AssessmentScheme(county_id=county_id, kind=kind, version=version, name=base.name,
                              status=SchemeStatus.DRAFT, full_marks=base.full_marks, log_delay_days=base.log_delay_days)
    db.session.add(scheme)
    db.session.flush()
    build(scheme, structure_of(base))
    audit.record("assessment.scheme.draft", scheme, actor=actor, changes={"version": [None, version]},
                 place=db.session.get(County, county_id))
    return scheme


def structure_of(scheme: AssessmentScheme) -> list[dict]:
    """A scheme's categories and items as plain dicts (the form build() takes)."""
    return [{"code": c.code, "name": c.name, "max_points": c.max_points,
             "items": [{"code": i.code, "name": i.name, "max_points": i.max_points, "monthly_cap": i.monthly_cap,
                        "source": i.source, "params": dict(i.params or {})} for i in c.items]}
            for c in scheme.categories]


def update_draft(scheme: AssessmentScheme, actor: User, *, name: str | None = None, full_marks=None,
                 log_delay_days: int | None = None, categories: list[dict] | None = None) -> AssessmentScheme:
    """Change a draft (name, full marks, allowed log delay, categories with items); an active version is frozen."""
    if scheme.status != SchemeStatus.DRAFT:
        raise Conflict("只能修改草稿；已启用的版本不能修改，请新建草稿")
    before = {"name": scheme.name, "full_marks": scheme.full_marks, "log_delay_days": scheme.log_delay_days}
    if name is not None:
        if not name.strip():
            raise DomainError("请填写名称", field="name")
        scheme.name = name.strip()[:120]
    if full_marks is not None:
        scheme.full_marks = _points(full_marks, "full_marks")
        if scheme.full_marks <= 0:
            raise DomainError("满分必须大于 0", field="full_marks")
    if log_delay_days is not None:
        if isinstance(log_delay_days, bool) or not isinstance(log_delay_days, int) or not 0 <= log_delay_days <= 31:
            raise DomainError("日志补录天数应为 0 到 31", field="log_delay_days")
        scheme.log_delay_days = log_delay_days
    if categories is not None:
        build(scheme, categories)
    else:
        validate(scheme)
    db.session.flush()
    audit.record("assessment.scheme.update", scheme, actor=actor,
                 changes={k: [v, getattr(scheme, k)] for k, v in before.items()} | (
                     {"categories": [None, len(scheme.categories)]} if categories is not None else {}),
                 place=db.session.get(County, scheme.county_id))
    return scheme


def activate(scheme: AssessmentScheme, actor: User, *, active_from: date | None,
             now: datetime | None = None) -> AssessmentScheme:
    """Put a draft in force from the first day of a month not in the past (periods keep their version)."""
    if scheme.status != SchemeStatus.DRAFT:
        raise Conflict("该版本已经启用")
    if active_from is None:
        raise DomainError("请填写启用日期", field="active_from")
    if active_from.day != 1:
        raise DomainError("启用日期必须是某月 1 日", field="active_from")
    if active_from < local_today(now).replace(day=1):
        raise DomainError("启用日期不能早于本月", field="active_from")
    validate(scheme)
    scheme.status = SchemeStatus.ACTIVE
    scheme.active_from = active_from
    db.session.flush()
    audit.record("assessment.scheme.activate", scheme, actor=actor,
                 changes={"status": ["draft", "active"], "active_from": [None, active_from]},
                 place=db.session.get(County, scheme.county_id))
    return scheme


def schemes_stmt(scope: Scope):
    """Every version of the schemes the user may read (their county's), newest first."""
    return scope.select(AssessmentScheme).order_by(AssessmentScheme.kind, AssessmentScheme.version.desc())


def load(scope: Scope, scheme_id: int) -> AssessmentScheme:
    """One scheme version in scope with its categories and items (or NotFound)."""
    return scope.get(AssessmentScheme, scheme_id, options=OPTIONS)
