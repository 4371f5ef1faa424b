"""通知类别: the kinds of notification, labelled for the bell's groups (one vocabulary, translatable)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pm.services.labels import register_vocabulary

# The to-dos that clear themselves, and what they are about (subject prefix): see mark_done.
TO_RATE, TO_RECHECK = "repair.completed", "rectification.reported"

register_vocabulary("notification_kind", {
    "repair.new": _l("新报修"),
    "repair.dispatched": _l("派单"),
    "repair.completed": _l("请确认并评价"),
    "repair.rejected": _l("报修未予受理"),
    "repair.reopened": _l("工单返工"),
    "repair.overdue": _l("报修超时"),
    "rectification.new": _l("新整改单"),
    "rectification.reported": _l("整改单待复查"),
    "rectification.returned": _l("整改单被退回"),
    "rectification.overdue": _l("整改单逾期"),
    "rectification.overdue.own": _l("我的整改单逾期"),
    "fund.low_balance": _l("维修资金余额不足"),
    "fund.unpaid_first_deposit": _l("首期维修资金未交存"),
    "fund.plan.publicity_ended": _l("方案公示期满"),
    "plan.voting": _l("请投票"),
    "plan.emergency": _l("应急使用维修资金"),
    "plan.charged": _l("维修资金分摊列支"),
    "survey.open": _l("请参加满意度测评"),
    "inspection.weekly_missing": _l("上周未督查"),
    "meeting.item": _l("联席会议督办事项"),
    "meeting.item.reported": _l("督办事项待确认"),
    "meeting.item.returned": _l("督办事项被退回"),
    "meeting.item.overdue": _l("督办事项逾期"),
    "meeting.item.overdue.own": _l("我的督办事项逾期"),
    "notice.new": _l("新公告"),
    "assessment.computed": _l("月度考核待审核"),
    "assessment.review": _l("月度考核公示"),
    "assessment.appeal": _l("考核申诉"),
})


def repair_subject(request_id: int) -> str:
    return f"repair:{request_id}"


def rectification_subject(order_id: int) -> str:
    return f"rectification:{order_id}"
