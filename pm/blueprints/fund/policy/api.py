"""本县资金使用规则 REST API: the county's fund policy in force, its versions, a new version; the emergency cases
(应急情形) a plan of a compound may name."""
from __future__ import annotations

from flask.views import MethodView

from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope, paginate
from pm.blueprints.fund.policy import schemas as s
from pm.models import Compound
from pm.services.fund import policy_versions
from pm.services.fund.access import APPROVER_ROLES
from pm.services.fund.policy import RETURNS_KEYS, Policy, policy_for

URL_PREFIX = ""
blp = api_blueprint("policy_api", __name__, description="本县资金使用规则：审核方、公示与表决天数、收益分配方式、应急情形（按生效日期分版本）")


def policy_out(county_id: int, row, policy: Policy) -> dict:
    return {"county_id": county_id, "effective_from": row.effective_from if row is not None else None,
            "approver": policy.approver, "approver_label": policy.approver_label,
            "publicity_days": policy.publicity_days, "vote_days": policy.vote_days, "returns_key": policy.returns_key,
            "emergency_reasons": [{"code": c, "label": t} for c, t in policy.emergency_reasons.items()],
            "approvers": list(APPROVER_ROLES), "returns_keys": list(RETURNS_KEYS)}


@blp.route("/counties/<int:county_id>/fund-policy")
class FundPolicyView(MethodView):
    @blp.arguments(s.PolicyArgs, location="query")
    @blp.response(200, s.PolicyOut)
    def get(self, args, county_id):
        """本县使用规则: the version in force today (or on `on`), with the valid choices of each field."""
        county, row, policy = policy_versions.county_policy(api_scope(), county_id, args.get("on"))
        return policy_out(county.id, row, policy)


@blp.route("/counties/<int:county_id>/fund-policy/versions")
class FundPolicyVersions(MethodView):
    @blp.arguments(s.VersionArgs, location="query")
    @blp.response(200, s.VersionPage)
    def get(self, args, county_id):
        """规则的历史版本, the newest date first."""
        return paginate(policy_versions.versions(api_scope(), county_id), args)

    @blp.arguments(s.VersionIn)
    @blp.response(201, s.VersionOut)
    def post(self, data, county_id):
        """新版本: the county's rules from a date (today or later); needs fund.rates (the county's admin)."""
        return policy_versions.set_policy(api_scope(), api_user(), county_id, **data)


@blp.route("/compounds/<int:compound_id>/emergency-reasons")
class EmergencyReasons(MethodView):
    @blp.response(200, s.ReasonsOut)
    def get(self, compound_id):
        """应急情形: the cases an emergency plan of this compound may name (its county's list in force today)."""
        compound = get_in_scope(Compound, compound_id)
        return {"emergency_reasons": [{"code": c, "label": t} for c, t in policy_for(compound.id).emergency_reasons.items()]}
