"""All models, imported here so Alembic and the app see one metadata."""
from pm.models.accounts import (  # noqa: F401
    AccountGrant,
    ApiToken,
    ClaimCode,
    ClaimMethod,
    ClaimPurpose,
    LoginSession,
    LoginThrottle,
    Role,
    User,
)
from pm.models.assessments import (  # noqa: F401
    AppealStatus,
    AssessmentAdjustment,
    AssessmentAppeal,
    AssessmentAppealPhoto,
    AssessmentCategory,
    AssessmentEvent,
    AssessmentEventPhoto,
    AssessmentLine,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentSchemeItem,
    AssessmentScore,
    ItemSource,
    PeriodStatus,
    SchemeStatus,
    UnitKind,
)
from pm.models.audit import AuditLog  # noqa: F401
from pm.models.fund import (  # noqa: F401
    BankImport,
    DecisionKind,
    DepositRate,
    EntryKind,
    FundPolicy,
    Holder,
    LedgerEntry,
    PlanDocument,
    PlanScope,
    PlanShare,
    PlanStatus,
    PublicHousingTerms,
    ReturnsDistribution,
    SubAccount,
    SubAccountStatus,
    UsePlan,
)
from pm.models.governance import (  # noqa: F401
    Body,
    BodyType,
    Candidate,
    Election,
    ElectionChoice,
    ElectionKind,
    ElectionStatus,
    GovernancePolicy,
    Membership,
    PartyLevel,
    Position,
    PrepMember,
    PropertyFirm,
    TermReminder,
)
from pm.models.imports import ImportJob, ImportSlot, ImportStatus  # noqa: F401
from pm.models.inspections import (  # noqa: F401
    EventKind,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionLevel,
    OrderSource,
    OrderStatus,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    ResponsibleKind,
    TargetKind,
    inspection_inspectors,
)
from pm.models.jobs import JobRun, RunStatus  # noqa: F401
from pm.models.notifications import Notification  # noqa: F401
from pm.models.registry import (  # noqa: F401
    Building,
    Community,
    Compound,
    County,
    Household,
    HouseholdStatus,
    ManagementMode,
    Ownership,
    OwnershipEnd,
    Person,
    Relation,
    RenovationClass,
    RenovationItem,
    Residency,
    StreetOffice,
    Unit,
)
from pm.models.repairs import (  # noqa: F401
    DeadlineRule,
    PhotoStage,
    RepairCategory,
    RepairEvent,
    RepairImport,
    RepairPhoto,
    RepairPortal,
    RepairRequest,
    RepairStatus,
    Urgency,
    WorkCalendarDay,
)
from pm.models.stations import (  # noqa: F401
    CheckinStatus,
    PatrolCheckin,
    PatrolPoint,
    PatrolRoute,
    Shift,
    Station,
    Team,
    TeamKind,
    WorkLog,
    WorkLogPhoto,
    station_compounds,
    team_members,
)
from pm.models.votes import (  # noqa: F401
    Ballot,
    Decision,
    DecisionOutcome,
    DecisionStatus,
    ElectorateEntry,
    VoteChoice,
)
from pm.models.inspections import RectificationDeadline  # noqa: F401,E402
from pm.models.surveys import Survey, SurveyAnswer, SurveyResponse, SurveyStatus  # noqa: F401,E402
from pm.models.motions import (  # noqa: F401
    Motion,
    MotionAffected,
    MotionCoefficient,
    MotionKind,
    MotionPolicy,
    MotionShare,
    MotionStatus,
)
from pm.models.meetings import (  # noqa: F401,E402
    ActionEvidence,
    ActionItem,
    ActionItemReturn,
    BodyKind,
    ItemStatus,
    JointMeeting,
    MeetingAttachment,
    MeetingAttendee,
)
from pm.models.notices import Notice, NoticeAttachment, NoticeKind, NoticeRead  # noqa: F401,E402
from pm.models.volunteers import (  # noqa: F401,E402
    Grid,
    Volunteer,
    VolunteerActivity,
    VolunteerHours,
    grid_buildings,
    grid_compounds,
)
from pm.models.commonincome import (  # noqa: F401,E402
    INCOME_CATEGORIES,
    CommonIncomeEntry,
    IncomeCategory,
    IncomeDirection,
)
from pm.models.assessment_results import (  # noqa: F401,E402
    AssessmentLadderStepRecord,
    AssessmentProblemTotal,
    AssessmentSettings,
    AssessmentYearItem,
    LadderStep,
)
from pm.models.tallies import TALLY_COLUMNS, CompoundTally  # noqa: F401,E402
