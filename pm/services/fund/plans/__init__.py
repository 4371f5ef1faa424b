"""使用方案: maintenance-fund use plans — drafting, publicity, the owners' vote (through pm.services.votes), works,
settlement, approval and apportionment of the actual cost among the households of the plan's scope (列支范围).

- policy: the county's rules (approver, days, emergency cases) and the shared checks;
- scope: the plan's scope and its households;
- drafts: create and change a draft;
- reads: plans in a user's scope, a plan's audited steps;
- voting: the plan's decision — opened, balloted, tallied, closed;
- transitions: the lifecycle, what a user may do now, the owners' notices;
- shares: the apportionment preview, the charge and the share table;
- documents: the plan's documents in the shared upload store;
- cost: what the plan costs one household (its part of the apportionment preview).
"""
from pm.services.fund.plans.cost import (  # noqa: F401
    HouseholdCost,
    household_costs,
    my_costs,
    own_households,
)
from pm.services.fund.plans.documents import KIND as DOCUMENT_KIND  # noqa: F401
from pm.services.fund.plans.documents import (  # noqa: F401
    MAX_DOCUMENT_BYTES,
    add_document,
    documents_of,
    may_add_document,
)
from pm.services.fund.plans.drafts import (  # noqa: F401
    EDITABLE,
    check_emergency,
    create_plan,
    update_plan,
)
from pm.services.fund.plans.policy import (  # noqa: F401
    CANCELLABLE,
    CONFIRMATIONS,
    ENDED,
    MAX_BUDGET_FEN,
    is_approver,
)
from pm.services.fund.plans.reads import plans_stmt, timeline  # noqa: F401
from pm.services.fund.plans.scope import (  # noqa: F401
    Targets,
    describe_scope,
    scope_household_ids,
    scope_household_ids_stmt,
    scope_households_stmt,
    targets_of,
)
from pm.services.fund.plans.shares import (  # noqa: F401
    PREVIEW_STATES,
    Apportionment,
    ShareLine,
    ShareRow,
    Shares,
    apportion,
    charge,
    plan_shares,
)
from pm.services.fund.plans.transitions import (  # noqa: F401
    TRANSITION_INPUTS,
    TRANSITION_TARGETS,
    PlanActions,
    allowed_actions,
    allowed_transitions,
    notify_owners,
    shows_tally,
    transition,
)
from pm.services.fund.plans.voting import (  # noqa: F401
    SUBJECT,
    cast_ballot,
    decision_of,
    my_ballots,
    my_households,
    open_vote,
    paper_ballot_voters,
    rule_for,
    tally,
    tally_dict,
)
from pm.services.fund.policy import (  # noqa: F401
    DEFAULT_PUBLICITY_DAYS,
    DEFAULT_VOTE_DAYS,
    Policy,
    county_id_of,
    default_emergency_reasons,
    policy_for,
)
