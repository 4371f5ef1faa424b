"""业主表决事项: owner motions of a compound and unit consent for elevator retrofits (加装电梯), through the vote
engine (pm.services.votes).

- rules: the rule of each kind (Civil Code art. 278) and who files (the owners' committee, else the community or
  the street office);
- drafts: create a motion, its cost-sharing table and the affected households;
- costs: the cost split by floor coefficient (× area by county setting) to the fen, largest remainder;
- workflow: publicity → voting → closed (the result published), cancel, ballots, tally with the consent rule;
- policy: the county's settings; reads: the lists and the owner's dwellings.
"""
from pm.services.motions.costs import CostRow, cost_table, my_rows, parse_coefficients, unit_households  # noqa: F401,E501
from pm.services.motions.drafts import create_motion, load, set_affected, set_costs  # noqa: F401
from pm.services.motions.policy import county_of, policy_for, set_policy  # noqa: F401
from pm.services.motions.reads import (  # noqa: F401
    motions_stmt,
    my_ballots,
    my_households,
    paper_voters,
    units_of,
)
from pm.services.motions.rules import RULES, check_filer, may_file, rule_for  # noqa: F401
from pm.services.motions.workflow import (  # noqa: F401
    SUBJECT,
    TARGETS,
    cancel,
    cast_ballot,
    close,
    consent,
    decision_of,
    electorate_stmt,
    open_voting,
    passes,
    publish,
    tally,
    tally_dict,
    transition,
)
