"""逐户同意: an extra condition a subject may put on its decision — every one of a list of dwellings (e.g. the
households an elevator directly affects) votes yes. A dwelling that votes no, abstains or has not voted is
missing; the decision then does not pass whatever the tally (close_decision(consent=...)). Read from the ballots
in one query, so it is the same live and after closing."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from pm.extensions import db
from pm.models.votes import Ballot, Decision, VoteChoice


@dataclass(frozen=True)
class Consent:
    """Who of the required dwellings agreed, refused (no or abstain) and has not voted."""

    required: tuple[int, ...]
    agreed: frozenset[int]
    refused: frozenset[int]
    not_voted: frozenset[int]

    @property
    def met(self) -> bool:
        return not self.refused and not self.not_voted

    def as_dict(self) -> dict:
        return {"required": list(self.required), "agreed": sorted(self.agreed), "refused": sorted(self.refused),
                "not_voted": sorted(self.not_voted), "met": self.met}


def consent(decision: Decision, household_ids: Iterable[int]) -> Consent:
    """The consent of the given dwellings on the decision (an empty list is met)."""
    required = tuple(sorted(set(household_ids)))
    choices = dict(db.session.execute(
        select(Ballot.household_id, Ballot.choice)
        .where(Ballot.decision_id == decision.id, Ballot.household_id.in_(required))
    ).all()) if required else {}
    agreed = frozenset(h for h, c in choices.items() if VoteChoice(c) == VoteChoice.YES)
    refused = frozenset(h for h in choices if h not in agreed)
    return Consent(required, agreed, refused, frozenset(required) - agreed - refused)
