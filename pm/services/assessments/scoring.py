"""计分规则: a unit's lines and total from its scheme and its month's records (pure: no database)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from pm.models import AssessmentScheme, AssessmentSchemeItem, ItemSource, UnitKind
from pm.services.assessments.indicators import MonthData, Unit
from pm.services.messages import Message, Term, counted
from pm.services.text import N_

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def q(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def dec(value, default: str = "0") -> Decimal:
    return Decimal(str(value if value is not None else default))


@dataclass
class Line:
    item_id: int
    item_name: str
    category_code: str
    category_name: str
    position: int
    points: Decimal
    rule: Message  # stored as the platform's text in `rule` and as a message in refs["rule"]
    refs: dict = field(default_factory=dict)


@dataclass
class Result:
    unit: Unit
    scheme: AssessmentScheme
    lines: list[Line]
    total: Decimal
    is_vetoed: bool
    rank: int = 0


def _capped(item: AssessmentSchemeItem, amount: Decimal) -> Decimal:
    return min(q(amount), item.cap)


def _findings(item, rows) -> tuple[Decimal, str, dict]:
    weights = item.params.get("weights") or {}
    mine = [(fid, points, level, iid) for fid, code, points, level, iid in rows if code == item.code]
    raw = sum((dec(points) * dec(weights.get(str(level)), "1") for _, points, level, _ in mine), start=ZERO)
    capped = _capped(item, raw)
    rule = counted("检查发现问题 %(num)d 处，按检查层级加权扣 %(points)s 分", "检查发现问题 %(num)d 处，按检查层级加权扣 %(points)s 分",
                   len(mine), points=q(raw))
    if capped < q(raw):
        rule = Message(N_("%(rule)s，本项封顶 %(cap)s 分"), {"rule": rule, "cap": item.cap})
    return -capped, rule, {"findings": [m[0] for m in mine], "inspections": sorted({m[3] for m in mine})}


def _below(value: Fraction | None, target: Decimal, per: Decimal, unit_word: str, label: str):
    """label: an N_ msgid; unit_word: "%" or "分" (amounts in points are worded in the reader's language)."""
    name = Message(label)

    def amount(number):
        return f"{number}%" if unit_word == "%" else Message(N_("%(points)s 分"), {"points": number})

    if value is None:
        return ZERO, Message(N_("%(label)s：本月无可统计数据，不扣分"), {"label": name})
    shown = q(Decimal(value.numerator) / Decimal(value.denominator))
    gap = target - shown
    params = {"label": name, "value": amount(shown), "target": amount(target)}
    if gap <= 0:
        return ZERO, Message(N_("%(label)s %(value)s，达到目标 %(target)s"), params)
    return gap * per, Message(N_("%(label)s %(value)s，低于目标 %(target)s，每差 %(step)s扣 %(per)s 分"),
                              {**params, "step": amount(1), "per": per})


COVERAGE_WORDS = {"bodies": "四位一体全部到位的小区占比", "committee": "成立业主委员会（或物业管理委员会）的小区占比"}


def _coverage(p: dict, unit: Unit, data: MonthData) -> tuple[Decimal, str, dict]:
    """长效机制覆盖率 of a street office's or community's compounds (the governance coverage service, as of the
    month's last day); a station is not judged by it."""
    criterion = p.get("criterion") or "bodies"
    shares = data.coverage.get(criterion)
    bucket = None if shares is None else {UnitKind.STREET: shares.streets, UnitKind.COMMUNITY: shares.communities}.get(
        unit.kind)
    if bucket is None:
        return ZERO, "覆盖率指标不适用于该单位，不扣分", {}
    pair = bucket.get(unit.id, (0, 0))
    refs = {"coverage": {"criterion": criterion, "met": pair[0], "compounds": pair[1]}}
    amount, rule = _below(shares.rate(pair), dec(p.get("target")), dec(p.get("per_point")), "%",
                          COVERAGE_WORDS.get(criterion, criterion))
    return amount, rule, refs


def _indicator(item, unit: Unit, data: MonthData, month: str) -> tuple[Decimal, str, dict]:
    p = item.params
    kind = p.get("kind")
    key = (unit.kind, unit.id)
    metrics = data.repairs.get(unit.id) if unit.kind == UnitKind.STATION else None
    refs: dict = {}
    if kind in ("response_on_time", "completion_on_time", "average_rating", "reopen_rate"):
        refs = {"repairs": {"station_id": unit.id, "month": month}}
        if metrics is None:
            return ZERO, Message(N_("无报修数据，不扣分")), refs
        if kind == "response_on_time":
            rate = metrics.response_on_time_rate
            amount, rule = _below(rate * 100 if rate is not None else None, dec(p.get("target")),
                                  dec(p.get("per_point")), "%", N_("按时响应率"))
        elif kind == "completion_on_time":
            rate = metrics.completion_on_time_rate
            amount, rule = _below(rate * 100 if rate is not None else None, dec(p.get("target")),
                                  dec(p.get("per_point")), "%", N_("按时完成率"))
        elif kind == "average_rating":
            amount, rule = _below(metrics.average_rating, dec(p.get("target")), dec(p.get("per_unit")), "分", N_("平均评价"))
        else:
            rate = metrics.reopen_rate
            if rate is None:
                amount, rule = ZERO, Message(N_("返修率：本月无报修，不扣分"))
            else:
                shown = q(Decimal(rate.numerator * 100) / Decimal(rate.denominator))
                over = shown - dec(p.get("target"))
                amount = over * dec(p.get("per_point")) if over > 0 else ZERO
                rule = Message(N_("返修率 %(rate)s%%（目标不高于 %(target)s%%）"),
                               {"rate": shown, "target": dec(p.get("target"))})
    elif kind == "log_missing_days":
        days = data.missing_days.get(unit.id, 0)
        amount = days * dec(p.get("per_day"))
        rule = counted("工作日志缺失 %(num)d 个队伍日（逾期补录不计），每个扣 %(per)s 分",
                       "工作日志缺失 %(num)d 个队伍日（逾期补录不计），每个扣 %(per)s 分", days, per=dec(p.get("per_day")))
        refs = {"logs": {"station_id": unit.id, "month": month}, "missing": days}
    elif kind == "orders_overdue":
        orders = data.overdue.get(key, 0)
        amount = orders * dec(p.get("per_order"))
        rule = counted("本月逾期整改单 %(num)d 张（按整改期限记录），每张扣 %(per)s 分",
                       "本月逾期整改单 %(num)d 张（按整改期限记录），每张扣 %(per)s 分", orders, per=dec(p.get("per_order")))
        refs = {"orders": {"unit_kind": unit.kind.value, "unit_id": unit.id, "month": month}, "overdue": orders}
    elif kind == "satisfaction":
        found = data.satisfaction.get(key)
        if found is None or found[1] < int(p.get("min_responses") or 0):
            amount, rule = ZERO, counted("满意度测评有效答卷 %(num)d 份，不足 %(min)s 份，按办法不扣分",
                                         "满意度测评有效答卷 %(num)d 份，不足 %(min)s 份，按办法不扣分",
                                         found[1] if found else 0, min=p.get("min_responses"))
            refs = {"survey": {"responses": found[1] if found else 0}}
        else:
            amount, rule = _below(Fraction(str(found[0])), dec(p.get("target")), dec(p.get("per_point")), "分",
                                  N_("满意度得分"))
            refs = {"survey": {"responses": found[1], "average": str(found[0])}}
    elif kind == "coverage":
        amount, rule, refs = _coverage(p, unit, data)
    else:
        amount, rule = ZERO, Message(N_("未知指标"))
    capped = _capped(item, amount)
    if capped < q(amount):
        rule = Message(N_("%(rule)s；本项封顶 %(cap)s 分"), {"rule": rule, "cap": item.cap})
    return -capped, rule, refs


def score(unit: Unit, scheme: AssessmentScheme, data: MonthData, month: str) -> Result:
    """Every item of the scheme as a line; categories never lose more than their points; bonus never lifts the
    total above full marks; a veto sets the month to its score."""
    key = (unit.kind, unit.id)
    lines: list[Line] = []
    deducted = bonus = ZERO
    vetoed: Decimal | None = None
    position = 0
    for category in scheme.categories:
        cat_lines = []
        for item in category.items:
            if item.source == ItemSource.FINDING:
                points, rule, refs = _findings(item, data.findings.get(key, []))
            elif item.source == ItemSource.INDICATOR:
                points, rule, refs = _indicator(item, unit, data, month)
            else:
                events = [(eid, pts) for eid, code, pts in data.events.get(key, []) if code == item.code]
                refs = {"events": [eid for eid, _ in events]}
                if item.source == ItemSource.BONUS:
                    points = _capped(item, sum((dec(p) for _, p in events), start=ZERO))
                    rule = counted("加分事件 %(num)d 项，本项最多加 %(cap)s 分", "加分事件 %(num)d 项，本项最多加 %(cap)s 分",
                                   len(events), cap=item.cap)
                else:
                    points = ZERO
                    rule = (Message(N_("无一票否决事项")) if not events else
                            Message(N_("一票否决：本月得分为 %(score)s 分"), {"score": dec(item.params.get("score"))}))
                    if events:
                        vetoed = q(dec(item.params.get("score")))
            cat_lines.append(Line(item.id, item.name, category.code, category.name, position, q(points), rule, refs))
            position += 1
        lost = -sum((ln.points for ln in cat_lines if ln.points < 0), start=ZERO)
        if lost > category.max_points:
            for ln in cat_lines:
                if ln.points < 0:
                    ln.rule = Message(N_("%(rule)s（“%(category)s”类合计扣分 %(lost)s，按类别分值封顶 %(max)s 分）"),
                                      {"rule": ln.rule, "category": Term("assessment_names", category.name),
                                       "lost": lost, "max": category.max_points})
        deducted += min(lost, category.max_points)
        bonus += sum((ln.points for ln in cat_lines if ln.points > 0), start=ZERO)
        lines += cat_lines
    total = min(scheme.full_marks, max(ZERO, scheme.full_marks - deducted) + bonus)
    if vetoed is not None:
        total = vetoed
    return Result(unit, scheme, lines, q(total), vetoed is not None)


def total_of(scheme: AssessmentScheme, lines: list) -> Decimal:
    """A total from (category code, points) pairs as score() sums them (after an upheld appeal changes a line)."""
    maxima = {c.code: c.max_points for c in scheme.categories}
    lost: dict[str, Decimal] = {}
    bonus = ZERO
    for code, points in lines:
        if points < 0:
            lost[code] = lost.get(code, ZERO) - points
        else:
            bonus += points
    deducted = sum((min(v, maxima.get(c, v)) for c, v in lost.items()), start=ZERO)
    return q(min(scheme.full_marks, max(ZERO, scheme.full_marks - deducted) + bonus))


def rank(results: list[Result]) -> None:
    """Competition ranking per kind (1, 2, 2, 4), highest first; vetoed units rank last."""
    by_kind: dict[UnitKind, list[Result]] = {}
    for r in results:
        by_kind.setdefault(r.unit.kind, []).append(r)
    for group in by_kind.values():
        group.sort(key=lambda r: (r.is_vetoed, -r.total, r.unit.id))
        previous = None
        for n, r in enumerate(group, start=1):
            r.rank = previous.rank if previous and (previous.is_vetoed, previous.total) == (r.is_vetoed, r.total) else n
            previous = r
