"""业主表决 pages of a motion (pm.blueprints.votepages): the owner's vote shows each dwelling's part of the costs
before voting; paper ballots are entered by whoever holds motions.ballot.paper. Registered on the motions blueprint
by pm.blueprints.motions.views."""
from __future__ import annotations

from flask_login import current_user

from pm.blueprints.motions.common import labels, load_motion
from pm.blueprints.votepages import VotePages
from pm.errors import DomainError
from pm.models.motions import Motion, MotionStatus
from pm.services import motions


class MotionVotePages(VotePages):
    endpoint, id_arg, templates, name, xlsx_prefix = "motions", "motion_id", "motions", "motion", "motion"
    paper_capability = "motions.ballot.paper"

    def load(self, subject_id):
        return load_motion(subject_id)

    def labels(self):
        return labels()

    def voting(self, subject: Motion):
        return subject.status == MotionStatus.VOTING

    def not_voting(self):
        return DomainError("该事项不在表决期", field="motion_id")

    def decision_of(self, subject):
        return motions.decision_of(subject)

    def my_households(self, subject):
        return motions.my_households(subject, current_user)

    def my_ballots(self, subject, households, scope):
        return motions.my_ballots(subject, households, scope)

    def cast(self, subject, household, choice, *, scope, **paper):
        return motions.cast_ballot(subject, household, choice, actor=current_user, scope=scope, **paper)

    def paper_voters(self, subject, scope):
        return motions.paper_voters(subject, scope)

    def _costs(self, subject) -> dict:
        return {r.household.id: r for r in motions.my_rows(motions.cost_table(subject), current_user)}

    def my_cost(self, subject, household):
        return self._costs(subject).get(household.id)

    def vote_context(self, subject, scope):
        decision = motions.decision_of(subject)
        return {"costs": self._costs(subject), "closes_on": decision.closes_on if decision is not None else None}


pages = MotionVotePages()
