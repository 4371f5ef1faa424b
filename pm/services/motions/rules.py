"""What decides a motion and who may file it.

Rules (Civil Code art. 278; ../shared/domain.md), quorum ≥ 2/3 of the area and of the heads in every case:
- ordinary (一般事项): more than 1/2 of the participating area and heads;
- special (重大事项): at least 3/4 of the participating area and heads;
- property service (选聘、解聘物业服务企业): more than 1/2 (art. 278 names it with the ordinary matters);
- common-part income (利用共有部分从事经营活动及其收益): at least 3/4 (art. 278, "利用共有部分从事经营活动");
- elevator (加装电梯, 改建): the owners of the unit, at least 3/4 — plus, where the county says so, every
  directly affected household agrees (pm.services.votes.consent).

Filing: the owners' committee of the compound; where the compound has no owners' committee, the community (as its
stand-in) or the street office.
"""
from __future__ import annotations

from fractions import Fraction

from pm.access import Scope, authorise
from pm.errors import DomainError, Forbidden, NotFound
from pm.models import Compound, Role, User
from pm.models.motions import MotionKind
from pm.services import votes
from pm.services.motions.access import FILE
from pm.services.votes import STATUTORY_QUORUM, Rule

RULES: dict[MotionKind, Rule] = {
    MotionKind.ORDINARY: Rule("ordinary", STATUTORY_QUORUM, STATUTORY_QUORUM, Fraction(1, 2), strict=True),
    MotionKind.SPECIAL: Rule("special", STATUTORY_QUORUM, STATUTORY_QUORUM, Fraction(3, 4), strict=False),
    MotionKind.PROPERTY_SERVICE: votes.as_rule("hire_firm"),
    MotionKind.COMMON_INCOME: votes.as_rule("change_use"),
    MotionKind.ELEVATOR: votes.as_rule("rebuild"),
}


def rule_for(kind: MotionKind | str) -> Rule:
    try:
        return RULES[MotionKind(kind)]
    except ValueError:
        raise DomainError("表决事项类型无效", field="kind") from None


def check_filer(compound: Compound | None, *, actor: User | None, scope: Scope, field: str = "compound_id") -> None:
    """The actor may file and move on motions of the compound: in scope (else 404, as a missing one), with the
    capability, and a community or street official only where the compound has no owners' committee."""
    authorise(scope, actor, FILE)
    if compound is None or not scope.contains(Compound, compound.id):
        raise NotFound("小区不存在或不在您的权限范围内", field=field)
    if scope.is_system:
        return
    if actor.role != Role.COMMITTEE_MEMBER and compound.has_owners_committee:
        raise Forbidden("该小区已成立业主委员会，表决事项由业主委员会提出")


def may_file(compound: Compound, actor: User | None, scope: Scope) -> bool:
    try:
        check_filer(compound, actor=actor, scope=scope)
    except DomainError:
        return False
    return True
