"""All models, imported here so Alembic and the app see one metadata."""
from pm.models.org import (  # noqa: F401
    Building,
    Community,
    Compound,
    County,
    Household,
    HouseholdStatus,
    ManagementMode,
    RenovationClass,
    RenovationItem,
    StreetOffice,
    Unit,
)
from pm.models.people import Ownership, OwnershipEnd, Person, Relation, Residency  # noqa: F401
from pm.models.stations import Station, Team, TeamKind, station_compounds, team_members  # noqa: F401
from pm.models.accounts import ApiToken, Role, User  # noqa: F401
from pm.models.audit import AuditLog  # noqa: F401
from pm.models.imports import ImportJob, ImportStatus  # noqa: F401
from pm.models.jobs import JobRun, RunStatus  # noqa: F401
from pm.models.funds import (  # noqa: F401
    AccountStatus,
    Ballot,
    BankImport,
    DecisionKind,
    DepositRate,
    EntryKind,
    FundAccount,
    FundPolicy,
    Holder,
    LedgerEntry,
    PlanDocument,
    PlanScope,
    PlanShare,
    PlanStatus,
    PublicHousingTerms,
    ReturnsDistribution,
    UsePlan,
    VoteChoice,
)
from pm.models.notifications import Notification  # noqa: F401
from pm.models.repairs import (  # noqa: F401
    DeadlineRule,
    PhotoStage,
    RepairCategory,
    RepairEvent,
    RepairPhoto,
    RepairPortal,
    RepairRequest,
    RepairStatus,
    Urgency,
    WorkCalendarDay,
)
from pm.models.inspections import (  # noqa: F401
    ASSESSMENT_ITEMS,
    AssessmentItem,
    CheckinStatus,
    EventKind,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionLevel,
    OrderSource,
    OrderStatus,
    PatrolCheckin,
    PatrolPoint,
    PatrolRoute,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    ResponsibleKind,
    Shift,
    TargetKind,
    WorkLog,
    WorkLogPhoto,
    inspection_inspectors,
)
