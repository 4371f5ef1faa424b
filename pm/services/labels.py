"""显示名称: the one registry of translatable labels of pm.models enums and of coded string vocabularies."""
# Shown in the UI, in exports and in messages; vocabularies are codes stored as plain strings (审核方, 应急情形 …).
from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from pm.models import (
    BodyType,
    ElectionKind,
    ElectionStatus,
    PartyLevel,
    Position,
    AppealStatus,
    CheckinStatus,
    ClaimMethod,
    ClaimPurpose,
    DecisionKind,
    DecisionOutcome,
    DecisionStatus,
    EntryKind,
    EventKind,
    Holder,
    HouseholdStatus,
    ImportStatus,
    InspectionLevel,
    ItemSource,
    ManagementMode,
    OrderSource,
    OrderStatus,
    OwnershipEnd,
    PeriodStatus,
    PhotoStage,
    PlanStatus,
    Relation,
    RenovationClass,
    RepairCategory,
    RepairStatus,
    ResponsibleKind,
    Role,
    RunStatus,
    SchemeStatus,
    Shift,
    SubAccountStatus,
    SurveyStatus,
    TargetKind,
    TeamKind,
    UnitKind,
    Urgency,
    VoteChoice,
)
from pm.models.motions import MotionKind, MotionStatus
from pm.services.labels_community import COMMUNITY_LABELS

# One dict per enum class: members of different StrEnums with the same value compare and hash equal
# (RepairStatus.CLOSED == OrderStatus.CLOSED == "closed"), so they must never share one plain dict.
_BY_ENUM: dict[type[Enum], dict[Enum, object]] = {
    # -- accounts and the registry (台账) ----------------------------------------------------------
    Role: {Role.COUNTY_ADMIN: _l("县级管理员"), Role.STREET_OFFICER: _l("街道物业办"),
           Role.COMMUNITY_WORKER: _l("社区工作人员"), Role.STATION_MANAGER: _l("服务站站长"),
           Role.STATION_STAFF: _l("服务站工作人员"), Role.COMMITTEE_MEMBER: _l("业委会委员"), Role.OWNER: _l("业主"),
           Role.RESIDENT: _l("住户")},
    ClaimPurpose: {ClaimPurpose.CLAIM: _l("认领账号"), ClaimPurpose.RESET: _l("重设密码")},
    ClaimMethod: {ClaimMethod.LETTER: _l("邀请函"), ClaimMethod.SMS: _l("短信")},
    ManagementMode: {ManagementMode.PROFESSIONAL: _l("专业物业"), ManagementMode.QUASI: _l("准物业"),
                     ManagementMode.COMMITTEE: _l("居委会托管"), ManagementMode.SELF: _l("业主自治"),
                     ManagementMode.UNIT: _l("单位自管")},
    RenovationClass: {RenovationClass.BASIC: _l("基础类"), RenovationClass.IMPROVE: _l("完善类"),
                      RenovationClass.UPGRADE: _l("提升类")},
    HouseholdStatus: {HouseholdStatus.ACTIVE: _l("正常"), HouseholdStatus.DEMOLISHED: _l("已灭失")},
    OwnershipEnd: {OwnershipEnd.SALE: _l("转让"), OwnershipEnd.DEMOLITION: _l("灭失"),
                   OwnershipEnd.CORRECTION: _l("登记更正")},
    Relation: {Relation.FAMILY: _l("家庭成员"), Relation.TENANT: _l("租户"), Relation.OTHER: _l("其他")},
    ImportStatus: {ImportStatus.PENDING: _l("排队中"), ImportStatus.VALIDATING: _l("校验中"),
                   ImportStatus.WRITING: _l("写入中"), ImportStatus.DONE: _l("已完成"),
                   ImportStatus.REJECTED: _l("有错误，未导入"), ImportStatus.FAILED: _l("失败，未导入"),
                   ImportStatus.PLANNED: _l("待确认（预览）"), ImportStatus.CONFIRMED: _l("已确认，排队写入"),
                   ImportStatus.EXPIRED: _l("预览失效，未导入")},
    RunStatus: {RunStatus.RUNNING: _l("运行中"), RunStatus.DONE: _l("已完成"), RunStatus.FAILED: _l("失败")},
    # -- maintenance fund (维修资金) ------------------------------------------------------------------
    Holder: {Holder.OWNER: _l("业主交存部分"), Holder.WORK_UNIT: _l("售房单位交存部分")},
    SubAccountStatus: {SubAccountStatus.OPEN: _l("正常"), SubAccountStatus.CLOSED: _l("已销户")},
    EntryKind: {EntryKind.FIRST_DEPOSIT: _l("首期交存"), EntryKind.BACK_PAYMENT: _l("补交"),
                EntryKind.REPLENISHMENT: _l("续交"), EntryKind.RETURNS: _l("增值收益"),
                EntryKind.COMMON_INCOME: _l("共用部位经营收益"), EntryKind.CHARGE: _l("维修分摊列支"),
                EntryKind.REFUND: _l("退还"), EntryKind.REVERSAL: _l("冲正")},
    PlanStatus: {PlanStatus.DRAFT: _l("草拟"), PlanStatus.PUBLICISED: _l("公示中"), PlanStatus.VOTING: _l("业主表决中"),
                 PlanStatus.PASSED: _l("通过"), PlanStatus.WORKS_DONE: _l("施工完成"), PlanStatus.SETTLED: _l("已结算"),
                 PlanStatus.PAYMENT_APPROVED: _l("拨付已审核"), PlanStatus.CHARGED: _l("已分摊列支"),
                 PlanStatus.REJECTED: _l("未通过/驳回"), PlanStatus.CANCELLED: _l("已撤销")},
    DecisionKind: {DecisionKind.USE_FUND: _l("使用维修资金"), DecisionKind.RAISE_FUND: _l("筹集维修资金"),
                   DecisionKind.CHANGE_USE: _l("改变共有部分用途或经营")},
    # -- owners' votes (业主表决) -------------------------------------------------------------------------
    VoteChoice: {VoteChoice.YES: _l("同意"), VoteChoice.NO: _l("反对"), VoteChoice.ABSTAIN: _l("弃权")},
    DecisionStatus: {DecisionStatus.OPEN: _l("表决中"), DecisionStatus.CLOSED: _l("已计票"),
                     DecisionStatus.CANCELLED: _l("表决已撤销")},
    DecisionOutcome: {DecisionOutcome.PASSED: _l("通过"), DecisionOutcome.REJECTED: _l("未通过"),
                      DecisionOutcome.NO_QUORUM: _l("参与表决未达法定比例")},
    # -- repairs (报事报修) -------------------------------------------------------------------------------
    RepairCategory: {RepairCategory.WATER_SUPPLY: _l("供水"), RepairCategory.DRAINAGE: _l("排水"),
                     RepairCategory.POWER: _l("供电"), RepairCategory.LIGHTING: _l("照明"), RepairCategory.ROAD: _l("道路"),
                     RepairCategory.ELEVATOR: _l("电梯"), RepairCategory.DOOR_ACCESS: _l("门禁"),
                     RepairCategory.LEAK: _l("墙面屋面渗漏"), RepairCategory.GREENING: _l("绿化"),
                     RepairCategory.GARBAGE: _l("垃圾"), RepairCategory.ILLEGAL_BUILDING: _l("违章搭建"),
                     RepairCategory.PARKING: _l("停车"), RepairCategory.OTHER: _l("其他（含燃气、消防设施）")},
    Urgency: {Urgency.NORMAL: _l("一般"), Urgency.URGENT: _l("紧急"),
              Urgency.EMERGENCY: _l("特急（爆管、停电、燃气、电梯困人、消防）")},
    RepairStatus: {RepairStatus.SUBMITTED: _l("已提交"), RepairStatus.ACCEPTED: _l("已受理"),
                   RepairStatus.DISPATCHED: _l("已派单"), RepairStatus.IN_PROGRESS: _l("处理中"),
                   RepairStatus.COMPLETED: _l("已完工，待确认"), RepairStatus.CONFIRMED: _l("已确认"),
                   RepairStatus.CLOSED: _l("已关闭"), RepairStatus.REJECTED: _l("不予受理")},
    PhotoStage: {PhotoStage.FILING: _l("报修时"), PhotoStage.COMPLETION: _l("完工时")},
    # -- station work and inspections (服务站日常与督查) -----------------------------------------------
    TeamKind: {TeamKind.CLEANING: _l("保洁队"), TeamKind.SECURITY: _l("保安队"), TeamKind.MAINTENANCE: _l("运维队"),
               TeamKind.ORDER: _l("治安队")},
    Shift: {Shift.MORNING: _l("早班"), Shift.MIDDAY: _l("中班"), Shift.EVENING: _l("晚班"), Shift.FULL_DAY: _l("全天")},
    CheckinStatus: {CheckinStatus.OK: _l("正常"), CheckinStatus.PROBLEM: _l("有问题")},
    InspectionLevel: {InspectionLevel.COMMUNITY_DAILY: _l("社区每日巡查"), InspectionLevel.STREET_WEEKLY: _l("街道每周督查"),
                      InspectionLevel.COUNTY_MONTHLY: _l("县每月抽查")},
    TargetKind: {TargetKind.COMPOUND: _l("小区"), TargetKind.STATION: _l("服务站"), TargetKind.COMMUNITY: _l("社区"),
                 TargetKind.STREET: _l("街道办事处")},
    ResponsibleKind: {ResponsibleKind.STATION: _l("物业服务站"), ResponsibleKind.COMMUNITY: _l("社区居委会"),
                      ResponsibleKind.STREET: _l("街道办事处")},
    OrderSource: {OrderSource.INSPECTION: _l("督查检查"), OrderSource.PATROL: _l("日常巡查")},
    OrderStatus: {OrderStatus.OPEN: _l("待整改"), OrderStatus.REPORTED: _l("待复查"), OrderStatus.RETURNED: _l("退回重改"),
                  OrderStatus.CLOSED: _l("已闭合")},
    EventKind: {EventKind.OPENED: _l("下发"), EventKind.REPORTED: _l("报告整改完成"), EventKind.RETURNED: _l("复查退回"),
                EventKind.CLOSED: _l("复查合格，闭合"), EventKind.ESCALATED: _l("逾期督办")},
    SurveyStatus: {SurveyStatus.OPEN: _l("测评中"), SurveyStatus.CLOSED: _l("已结束")},
    # -- motions (业主表决事项) -------------------------------------------------------------------------
    MotionKind: {MotionKind.ORDINARY: _l("一般事项（过半数）"), MotionKind.SPECIAL: _l("重大事项（四分之三以上）"),
                 MotionKind.PROPERTY_SERVICE: _l("选聘或更换物业服务企业"),
                 MotionKind.COMMON_INCOME: _l("利用共有部分经营及其收益"), MotionKind.ELEVATOR: _l("加装电梯（单元表决）")},
    MotionStatus: {MotionStatus.DRAFT: _l("草稿"), MotionStatus.PUBLICITY: _l("公示中"),
                   MotionStatus.VOTING: _l("表决中"), MotionStatus.CLOSED: _l("结果已公布"),
                   MotionStatus.CANCELLED: _l("已撤销")},
    # -- governance (四位一体) -------------------------------------------------------------------------
    BodyType: {BodyType.PARTY: _l("社区党组织"), BodyType.RESIDENTS: _l("社区居民委员会"), BodyType.OWNERS: _l("业主委员会"),
               BodyType.STAND_IN: _l("物业管理委员会"), BodyType.STATION: _l("物业服务站")},
    PartyLevel: {PartyLevel.BRANCH: _l("党支部"), PartyLevel.GENERAL: _l("党总支"), PartyLevel.COMMITTEE: _l("党委")},
    Position: {Position.SECRETARY: _l("书记"), Position.DEPUTY_SECRETARY: _l("副书记"), Position.DIRECTOR: _l("主任"),
               Position.DEPUTY_DIRECTOR: _l("副主任"), Position.CHAIR: _l("主任委员"), Position.VICE_CHAIR: _l("副主任委员"),
               Position.MEMBER: _l("委员"), Position.GRID_WORKER: _l("网格员"), Position.STATION_HEAD: _l("站长"),
               Position.STAFF: _l("工作人员")},
    ElectionKind: {ElectionKind.FIRST: _l("首次成立"), ElectionKind.RE: _l("换届选举")},
    ElectionStatus: {ElectionStatus.PREPARING: _l("筹备中（提名）"), ElectionStatus.PUBLICITY: _l("候选人公示"),
                     ElectionStatus.VOTING: _l("投票中"), ElectionStatus.COUNTED: _l("已计票，结果公示"),
                     ElectionStatus.FILED: _l("已备案"), ElectionStatus.FAILED: _l("选举未成功"),
                     ElectionStatus.CANCELLED: _l("已撤销")},
    UnitKind: {UnitKind.STATION: _l("物业服务站"), UnitKind.COMMUNITY: _l("社区（无服务站小区）"),
               UnitKind.STREET: _l("街道办事处")},
    SchemeStatus: {SchemeStatus.DRAFT: _l("草稿"), SchemeStatus.ACTIVE: _l("已启用")},
    ItemSource: {ItemSource.FINDING: _l("检查扣分"), ItemSource.INDICATOR: _l("数据指标"), ItemSource.BONUS: _l("加分"),
                 ItemSource.VETO: _l("一票否决")},
    PeriodStatus: {PeriodStatus.OPEN: _l("未计算"), PeriodStatus.COMPUTED: _l("已计算（草稿）"),
                   PeriodStatus.REVIEW: _l("公示中"), PeriodStatus.DECIDED: _l("申诉已处理"),
                   PeriodStatus.PUBLISHED: _l("已发布"), PeriodStatus.LOCKED: _l("已锁定")},
    AppealStatus: {AppealStatus.OPEN: _l("待处理"), AppealStatus.UPHELD: _l("申诉成立"),
                   AppealStatus.REJECTED: _l("申诉不成立")},
}

# Coded vocabularies stored as plain strings (not enums): name → {code: label}.
_VOCABULARIES: dict[str, dict[str, object]] = {
    # FundPolicy.approver / UsePlan.approver: who approves payments (审核方).
    "fund_approver": {"housing_department": _l("县住房城乡建设主管部门"), "street_office": _l("街道办事处"),
                      "owners_committee": _l("业主委员会")},
    # UsePlan.emergency_reason: the typical 应急使用 cases (a county may configure its own list).
    "emergency_reason": {
        "roof_wall_leak": _l("屋面、外墙渗漏严重，经多次维修仍未解决"),
        "elevator_danger": _l("电梯故障危及人身安全（冲顶、蹲底等）或被责令停止使用"),
        "water_pipe_pump": _l("高层住宅给水总管渗漏或二次供水水泵损坏"),
        "facade_risk": _l("外墙墙面有脱落危险，面积达一面墙的五分之一以上"),
        "drains": _l("排水设施坍塌、堵塞、爆裂"),
        "fire_system": _l("消防系统出现功能障碍，消防部门责令整改"),
    },
    # The state changes a plan page offers (fund_plans.TRANSITION_TARGETS).
    "plan_transition": {"publicised": _l("开始公示"), "voting": _l("开始业主表决"), "close_vote": _l("结束表决并计票"),
                        "passed": _l("审核通过（应急使用）"), "rejected": _l("驳回"), "works_done": _l("登记施工完成"),
                        "settled": _l("按实结算"), "payment_approved": _l("审核拨付"),
                        "charged": _l("分摊列支（从各户账户扣划）"), "cancelled": _l("撤销方案")},
    # The plan form's 列支范围 choice.
    "plan_scope": {"whole": _l("整个小区"), "listed": _l("所选楼栋、单元或住户")},
    # FundPolicy.returns_key / ReturnsDistribution.key: how returns are shared out.
    "returns_key": {"balance": _l("按余额"), "area": _l("按面积")},
    # RepairEvent.kind: the steps of a repair request's timeline.
    "repair_event": {"submitted": _l("提交报修"), "accepted": _l("受理"), "dispatched": _l("派单"),
                     "transferred": _l("转派"), "started": _l("到场处理"), "completed": _l("完工"),
                     "confirmed": _l("确认并评价"), "closed": _l("关闭"), "auto_closed": _l("自动关闭"),
                     "rejected": _l("不予受理"), "reopened": _l("返工"), "followup": _l("回访"),
                     "agreed": _l("约定完成时间"), "fund": _l("申请维修资金"), "escalated": _l("超时督办")},
}


class EnumLabels(Mapping):
    """A read-only mapping enum member → lazy label, keyed by (enum class, value) so that equal StrEnum
    members of different classes keep their own labels. Plain strings are never keys."""

    def __init__(self, by_enum: dict[type[Enum], dict[Enum, object]]):
        self._labels: dict[tuple[type[Enum], str], tuple[Enum, object]] = {}
        for enum_cls, labels in by_enum.items():
            for member, text in labels.items():
                if type(member) is not enum_cls:
                    raise TypeError(f"{member!r} listed under {enum_cls.__name__}")
                self._labels[(enum_cls, member.value)] = (member, text)

    def __getitem__(self, member: Enum) -> object:
        if not isinstance(member, Enum):
            raise KeyError(member)
        return self._labels[(type(member), member.value)][1]

    def __iter__(self) -> Iterator[Enum]:
        return (member for member, _text in self._labels.values())

    def __len__(self) -> int:
        return len(self._labels)


_BY_ENUM.update(COMMUNITY_LABELS)  # joint meetings, notices, volunteers, common-part income
LABELS: Mapping[Enum, object] = EnumLabels(_BY_ENUM)


def label(value, enum_cls: type[Enum] | None = None) -> str:
    """The display label of an enum member ("" for None, the raw value if none is defined).

    A plain string is looked up only with its enum class (label("closed", RepairStatus)); without one it is
    returned unchanged, since "closed" is a value of several enums.
    """
    if value is None:
        return ""
    if not isinstance(value, Enum) and enum_cls is not None:
        try:
            value = enum_cls(value)
        except ValueError:
            return str(value)
    if isinstance(value, Enum):
        return str(LABELS.get(value, value.value))
    return str(value)


def choices(enum_cls: type[Enum], *, lazy: bool = False) -> list[tuple[str, object]]:
    """(value, label) pairs for a select, in the enum's order; lazy=True for form classes built at import."""
    return [(m.value, LABELS.get(m, m.value) if lazy else label(m)) for m in enum_cls]


def label_of(vocabulary: str, code) -> str:
    """The label of a code of a registered vocabulary ("" for None, the code itself if it is unknown).

    An unknown vocabulary name is a programming error (KeyError)."""
    labels = _VOCABULARIES[vocabulary]
    if code is None:
        return ""
    return str(labels.get(str(code), code))


def vocabulary_choices(vocabulary: str, *, lazy: bool = False) -> list[tuple[str, object]]:
    """(code, label) pairs of a registered vocabulary, in their registered order."""
    return [(code, text if lazy else str(text)) for code, text in _VOCABULARIES[vocabulary].items()]


def vocabularies() -> list[str]:
    """The names of the registered vocabularies."""
    return list(_VOCABULARIES)


def register_vocabulary(name: str, labels: Mapping[str, object]) -> None:
    """Register a domain's coded vocabulary once (a second registration under the same name is refused)."""
    if name in _VOCABULARIES:
        raise ValueError(f"vocabulary {name!r} is already registered")
    _VOCABULARIES[name] = dict(labels)


def place_label(node) -> str:
    """A community or compound named so that two of the same name can be told apart: "育才社区（东城街道）",
    "幸福小区（育才社区，东城街道）" (in English "Xingfu (Yucai, Dongcheng)"). Names are data, never translated."""
    community = getattr(node, "community", None)
    if community is not None:  # a compound
        return gettext("%(name)s（%(community)s，%(street)s）", name=node.name, community=community.name,
                       street=community.street.name)
    street = getattr(node, "street", None)
    if street is not None:  # a community
        return gettext("%(name)s（%(street)s）", name=node.name, street=street.name)
    return node.name


def labelled_enum(enum_name: str, value: str) -> Enum | None:
    """The member of a labelled enum named by its class name (for messages stored as JSON); None if unknown."""
    for enum_cls in _BY_ENUM:
        if enum_cls.__name__ == enum_name:
            try:
                return enum_cls(value)
            except ValueError:
                return None
    return None
