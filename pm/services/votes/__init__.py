"""业主表决: one vote engine for every decision put to owners — fund plans today, committee elections and owner
motions next. It knows nothing of what is decided: a Decision names its subject, its electorate (households),
its rule (pm.services.votes.rules) and its dates; ballots belong to it; the tally counts area and heads exactly.

- rules: Rule (a value), the named rules of Civil Code art. 278, Counts, quorum_met/majority_met/decide;
- tally: the count by area and by heads (heads by union-find over shared owners), stored or live;
- decisions: open (electorate snapshot), close (outcome and figures stored), cancel;
- ballots: cast (online by an owner, or on paper by an authorised clerk) and the reads around ballots;
- receipts: a ballot's receipt and its number; progress: the tally as bars against the rule with what is
  still needed; canvass: who has not voted yet and the paper ballots with who entered them.
"""
from pm.services.votes.ballots import (  # noqa: F401
    awaiting_ballot,
    ballots_by_household,
    cast_ballot,
    my_households,
    owners_without_ballot,
)
from pm.services.votes.consent import Consent, consent  # noqa: F401
from pm.services.votes.canvass import PaperEntry, Unvoted, paper_entries, unvoted  # noqa: F401
from pm.services.votes.decisions import cancel_decision, close_decision, open_decision  # noqa: F401
from pm.services.votes.progress import Bar, bars  # noqa: F401
from pm.services.votes.receipts import Receipt, receipt, receipt_number  # noqa: F401
from pm.services.votes.sheets import tally_workbook, unvoted_workbook  # noqa: F401
from pm.services.votes.rules import (  # noqa: F401
    RULES,
    STATUTORY_QUORUM,
    Counts,
    Rule,
    as_rule,
    decide,
    majority_met,
    quorum_met,
)
from pm.services.votes.tally import (  # noqa: F401
    ORGANISATIONS,
    Tally,
    live_tally,
    preview,
    rule_of,
    stored_tally,
    tally,
)
