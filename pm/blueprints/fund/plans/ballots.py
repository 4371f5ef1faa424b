"""业主表决 pages of a plan (pm.blueprints.votepages): the owner's vote shows what the plan costs each dwelling and
its documents; paper ballots are entered by whoever holds fund.ballot.paper. Registered on the plans blueprint by
pm.blueprints.fund.plans.views."""
from __future__ import annotations

from flask_login import current_user

from pm.access import current_scope
from pm.blueprints.fund.plans.common import labels, load_plan
from pm.blueprints.votepages import VotePages
from pm.errors import DomainError
from pm.models.fund import PlanStatus, UsePlan
from pm.services.fund import plans as fund_plans


class PlanVotePages(VotePages):
    endpoint, id_arg, templates, name, xlsx_prefix = "plans", "plan_id", "fund/plans", "plan", "plan"
    paper_capability = "fund.ballot.paper"

    def load(self, subject_id):
        return load_plan(subject_id)

    def labels(self):
        return labels()

    def voting(self, subject: UsePlan):
        return subject.status == PlanStatus.VOTING

    def not_voting(self):
        return DomainError("该方案不在表决期", field="plan")

    def decision_of(self, subject):
        return fund_plans.decision_of(subject)

    def my_households(self, subject):
        return fund_plans.my_households(subject, current_user)

    def my_ballots(self, subject, households, scope):
        return fund_plans.my_ballots(subject, households, scope)

    def cast(self, subject, household, choice, *, scope, **paper):
        return fund_plans.cast_ballot(subject, household, choice, actor=current_user, scope=scope, **paper)

    def paper_voters(self, subject, scope):
        return fund_plans.paper_ballot_voters(subject, scope)

    def my_cost(self, subject, household):
        costs = fund_plans.household_costs(subject, [household], current_scope())
        return costs[0] if costs else None

    def vote_context(self, subject, scope):
        return {"costs": fund_plans.my_costs(subject, current_user, scope),
                "documents": fund_plans.documents_of(subject, scope)}


pages = PlanVotePages()
