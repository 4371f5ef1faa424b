"""表决的表格: the list of dwellings that have not voted (for collecting ballots door to door) and the tally with
its exact fractions, as xlsx files."""
from __future__ import annotations

from fractions import Fraction

from pm.models.votes import VoteChoice
from pm.services.spreadsheets import Sheet, write_xlsx
from pm.services.votes.canvass import Unvoted
from pm.services.votes.tally import Tally

UNVOTED_HEADER = ("楼栋", "单元", "房号", "建筑面积（㎡）", "业主", "联系电话")
TALLY_HEADER = ("项目", "面积（㎡）", "面积占比（分数）", "人数", "人数占比（分数）")
CHOICE_WORDS = {VoteChoice.YES: "同意", VoteChoice.NO: "反对", VoteChoice.ABSTAIN: "弃权"}


def unvoted_workbook(title: str, rows: list[Unvoted]) -> bytes:
    """One row per dwelling without a ballot: door, area, its owners' names and phones (blank: none registered)."""
    body = [[r.household.building.name, r.household.unit.name, r.household.room_no, str(r.household.area_m2),
             "、".join(p.name for p in r.owners), "、".join(p.phone for p in r.owners if p.phone)] for r in rows]
    return write_xlsx(Sheet("未投票住户", header=UNVOTED_HEADER, rows=body, title_line=f"{title}：未投票住户",
                            widths={0: 12, 1: 10, 2: 10, 3: 14, 4: 24, 5: 28}))


def _exact(f: Fraction | None) -> str:
    return "—" if f is None else f"{f.numerator}/{f.denominator}"


def tally_workbook(title: str, t: Tally) -> bytes:
    """The tally with every figure and its exact fraction (participation over the totals; each choice over the
    participation), the rule and the result by the current ballots."""
    f = t.fractions()
    body = [["总计（列支范围内业主）", str(t.total_area), "", t.total_heads, ""],
            ["参与表决", str(t.part_area), _exact(f["part_area"]), t.part_heads, _exact(f["part_heads"])]]
    for choice in VoteChoice:
        body.append([CHOICE_WORDS[choice], str(t.area[choice]), _exact(f[f"{choice.value}_area"]), t.heads[choice],
                     _exact(f[f"{choice.value}_heads"])])
    body += [[], ["规则", t.rule.name], ["参与门槛（面积、人数）", f"≥ {t.rule.quorum_area}", "", f"≥ {t.rule.quorum_heads}"],
             ["同意门槛", t.threshold], ["户数", t.dwellings], ["已投票", t.ballots], ["纸质票", t.paper_ballots],
             ["未登记业主（不计入）", t.without_owner], ["参与达到法定比例", "是" if t.quorum_met else "否"],
             ["同意达到门槛", "是" if t.majority_met else "否"], ["按当前票数通过", "是" if t.passes else "否"]]
    return write_xlsx(Sheet("计票", header=TALLY_HEADER, rows=body, title_line=f"{title}：计票",
                            widths={0: 24, 1: 14, 2: 22, 3: 10, 4: 22}))
