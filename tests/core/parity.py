"""Web ↔ API parity: every state-changing web endpoint names the API operation(s) that do the same, as
"METHOD /api/v1/path" exactly as in /api/v1/openapi.json — or a Reason why there is none.

tests/core/test_api_parity.py fails for a state-changing web endpoint (any method but GET/HEAD/OPTIONS on a rule
outside /api/) without an entry, for an entry whose operation is not in the OpenAPI document, and for an entry
of an endpoint that no longer exists.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """Why a web endpoint has no API operation (written for a reader, not a placeholder)."""

    why: str


PARITY: dict[str, str | tuple[str, ...] | Reason] = {
    # -- accounts, logins, tokens ------------------------------------------------------------------------------
    "POST accounts.new": "POST /api/v1/users",
    "POST accounts.edit": "PATCH /api/v1/users/{user_id}",
    "POST accounts.reset_password": "POST /api/v1/users/{user_id}/password",
    "POST accounts.invite": "POST /api/v1/persons/{person_id}/invitations",
    "POST accounts.reset_code": "POST /api/v1/users/{user_id}/reset-code",
    "POST accounts.services": "POST /api/v1/service-accounts",
    "POST accounts.service_token": "POST /api/v1/service-accounts/{account_id}/tokens",
    "POST accounts.service_token_revoke": "POST /api/v1/service-accounts/{account_id}/tokens/{token_id}/revoke",
    "POST accounts.service_disable": "POST /api/v1/service-accounts/{account_id}/disable",
    "POST auth.tokens": "POST /api/v1/tokens",
    "POST auth.revoke_token": "POST /api/v1/tokens/{token_id}/revoke",
    "POST auth.login": Reason("starts a browser session; every API call authenticates with its bearer token"),
    "POST auth.logout": Reason("ends the browser session; a token is ended with POST /api/v1/tokens/{token_id}/revoke"),
    "POST auth.password": Reason("one's own password is the browser login's secret and needs the current one: a "
                                 "token (which is not a login) must not be able to change it and take the account over"),
    "POST auth.set_language": Reason("a display setting kept in the browser's cookie (the API answers in the "
                                     "language of Accept-Language)"),
    "POST auth.set_text_size": Reason("a display setting kept in the browser's cookie"),
    "POST claims.claim": Reason("a person claims their account with a one-time code before they have any login or "
                                "token; the code is sent by POST /api/v1/persons/{person_id}/invitations"),
    "POST claims.reset": Reason("a person sets a new password with a one-time code, without a login; the code is "
                                "sent by POST /api/v1/users/{user_id}/reset-code"),
    # -- home page, notifications ----------------------------------------------------------------------------
    "POST dashboard.job_step": "POST /api/v1/repairs/{request_id}/transitions",
    "POST notifications.mark_all_read": "POST /api/v1/notifications/read",
    "POST notifications.open_one": "POST /api/v1/notifications/read",
    # -- registry ---------------------------------------------------------------------------------------------
    "POST registry.street_new": "POST /api/v1/counties/{county_id}/streets",
    "POST registry.community_new": "POST /api/v1/streets/{street_id}/communities",
    "POST registry.station_new": "POST /api/v1/communities/{community_id}/stations",
    "POST registry.compound_new": "POST /api/v1/compounds",
    "POST registry.compound_edit": "PATCH /api/v1/compounds/{compound_id}",
    "POST registry.renovation_item": "POST /api/v1/compounds/{compound_id}/renovation-items",
    "POST registry.household_new": "POST /api/v1/households",
    "POST registry.household_edit": "PATCH /api/v1/households/{household_id}",
    "POST registry.owner_add": "POST /api/v1/households/{household_id}/owners",
    "POST registry.transfer": "POST /api/v1/households/{household_id}/transfers",
    "POST registry.resident_add": "POST /api/v1/households/{household_id}/residents",
    "POST registry.resident_end": "POST /api/v1/households/{household_id}/residents/{residency_id}/end",
    "POST imports.index": "POST /api/v1/imports/dry-run",
    "POST imports.confirm": "POST /api/v1/imports/{job_id}/commit",
    # -- maintenance fund -------------------------------------------------------------------------------------
    "POST funds.pay": "POST /api/v1/fund-accounts/{account_id}/entries",
    "POST funds.reverse": "POST /api/v1/fund-entries/{entry_id}/reversal",
    "POST funds.rate_new": "POST /api/v1/deposit-rates",
    "POST funds.rate_edit": "PUT /api/v1/deposit-rates/{rate_id}",
    "POST funds.rate_delete": "DELETE /api/v1/deposit-rates/{rate_id}",
    "POST funds.public_housing": "PUT /api/v1/households/{household_id}/public-housing-terms",
    "POST funds.bank_import": "POST /api/v1/compounds/{compound_id}/bank-statements",
    "POST funds.open_subaccounts": "POST /api/v1/compounds/{compound_id}/fund-accounts",
    "POST funds.returns": "POST /api/v1/returns-distributions",
    "POST funds.demolish": "POST /api/v1/households/{household_id}/demolition",
    "POST fundpolicy.index": "POST /api/v1/counties/{county_id}/fund-policy/versions",
    "POST plans.new": "POST /api/v1/plans",
    "POST plans.transition": "POST /api/v1/plans/{plan_id}/transitions",
    "POST plans.upload": "POST /api/v1/plans/{plan_id}/documents",
    "POST plans.vote": "POST /api/v1/plans/{plan_id}/ballots",  # the page's choose → confirm is one call
    "POST plans.vote_confirm": "POST /api/v1/plans/{plan_id}/ballots",
    "POST plans.paper_ballots": "POST /api/v1/plans/{plan_id}/ballots",  # is_paper with person_id
    # -- repairs ----------------------------------------------------------------------------------------------
    "POST repairs.new": ("POST /api/v1/repairs", "POST /api/v1/repairs/with-photos"),
    "POST repairs.act": ("POST /api/v1/repairs/{request_id}/transitions", "POST /api/v1/repairs/{request_id}/completion"),
    "POST repairs.rules": "POST /api/v1/counties/{county_id}/repair-rules",
    "POST repairs.calendar_day": "POST /api/v1/counties/{county_id}/work-calendar",
    "POST repairs.poster": "POST /api/v1/compounds/{compound_id}/repair-portal",
    "POST repairs.public": Reason("the public QR page for people without a login (rate-limited per address); a "
                                  "caller with a token files with POST /api/v1/repairs"),
    # -- stations, inspections --------------------------------------------------------------------------------
    "POST stations.setup_teams": "POST /api/v1/teams/setup",
    "POST stations.add_member": "POST /api/v1/teams/{team_id}/members",
    "POST stations.remove_member": "POST /api/v1/teams/{team_id}/members/{user_id}/remove",
    "POST stations.new_log": ("POST /api/v1/work-logs", "POST /api/v1/work-logs/with-photos"),
    "POST stations.new_route": "POST /api/v1/patrol-routes",
    "POST stations.checkin": ("POST /api/v1/patrol-points/{point_id}/checkins",
                              "POST /api/v1/patrol-points/{point_id}/photo-checkins"),
    "POST inspections.new": "POST /api/v1/inspections",
    "POST inspections.detail": ("POST /api/v1/inspections/{inspection_id}/findings",
                                "POST /api/v1/inspections/{inspection_id}/findings/with-photos"),
    "POST inspections.report": ("POST /api/v1/rectifications/{order_id}/report",
                                "POST /api/v1/rectifications/{order_id}/evidence"),
    "POST inspections.recheck": "POST /api/v1/rectifications/{order_id}/recheck",
    # -- surveys, deadlines, motions, meetings, notices, volunteers, common-part income, governance ---------------
    "POST inspections.deadline": "POST /api/v1/rectifications/{order_id}/deadline",
    "POST surveys.new": "POST /api/v1/surveys",
    "POST surveys.respond": "POST /api/v1/surveys/{survey_id}/responses",
    "POST surveys.close": "POST /api/v1/surveys/{survey_id}/close",
    "POST motions.new": "POST /api/v1/motions",
    "POST motions.costs": "PUT /api/v1/motions/{motion_id}/costs",
    "POST motions.affected": "PUT /api/v1/motions/{motion_id}/affected",
    "POST motions.transition": "POST /api/v1/motions/{motion_id}/transitions",
    "POST motions.vote": "POST /api/v1/motions/{motion_id}/ballots",
    "POST motions.vote_confirm": "POST /api/v1/motions/{motion_id}/ballots",
    "POST motions.paper_ballots": "POST /api/v1/motions/{motion_id}/ballots",
    "POST motions.policy": "PUT /api/v1/counties/{county_id}/motion-policy",
    "POST meetings.new": ("POST /api/v1/meetings", "POST /api/v1/meetings/{meeting_id}/attachments"),
    "POST meetings.add_item": "POST /api/v1/meetings/{meeting_id}/items",
    "POST meetings.report": ("POST /api/v1/action-items/{item_id}/report",
                             "POST /api/v1/action-items/{item_id}/report-with-evidence"),
    "POST meetings.confirm": "POST /api/v1/action-items/{item_id}/confirm",
    "POST notices.new": ("POST /api/v1/notices", "POST /api/v1/notices/{notice_id}/attachments"),
    "POST statements.publish": "POST /api/v1/statements/compounds/{compound_id}/{year}/publication",
    "POST notices.mark_read": "POST /api/v1/notices/{notice_id}/read",
    "POST volunteers.index": "POST /api/v1/volunteers",
    "POST volunteers.detail": "POST /api/v1/volunteers/{volunteer_id}/hours",
    "POST volunteers.grids": "POST /api/v1/grids",
    "POST commonincome.new": "POST /api/v1/common-income",
    "POST commonincome.credit": "POST /api/v1/common-income/fund-credits",
    "POST governance.body_new": "POST /api/v1/governance/bodies",
    "POST governance.member_new": "POST /api/v1/governance/bodies/{body_id}/members",
    "POST governance.member_term": "PATCH /api/v1/governance/members/{member_id}",
    "POST governance.member_login": "POST /api/v1/governance/members/{member_id}/login",
    "POST elections.new": "POST /api/v1/elections",
    "POST elections.nominate": "POST /api/v1/elections/{election_id}/candidates",
    "POST elections.publicise": "POST /api/v1/elections/{election_id}/publicity",
    "POST elections.open_voting": "POST /api/v1/elections/{election_id}/voting",
    "POST elections.close": "POST /api/v1/elections/{election_id}/close",
    "POST elections.file": "POST /api/v1/elections/{election_id}/filing",
    "POST elections.cancel": "POST /api/v1/elections/{election_id}/cancel",
    "POST elections.ballot": "POST /api/v1/elections/{election_id}/ballots",
    "POST elections.paper": "POST /api/v1/elections/{election_id}/ballots",
    # -- monthly assessments ------------------------------------------------------------------------------------
    "POST assessments.index": "POST /api/v1/assessment-periods",
    "POST assessments.step": "POST /api/v1/assessment-periods/{period_id}/transitions",
    "POST assessments.score": "POST /api/v1/assessment-scores/{score_id}/adjustments",
    "POST assessments.appeal": "POST /api/v1/assessment-lines/{line_id}/appeals",
    "POST assessments.decide": "POST /api/v1/assessment-appeals/{appeal_id}/decision",
    "POST assessments.scheme_list": "POST /api/v1/assessment-schemes",
    "POST assessments.scheme": "PATCH /api/v1/assessment-schemes/{scheme_id}",
    "POST assessments.activate": "POST /api/v1/assessment-schemes/{scheme_id}/activate",
    "POST assessments.event_list": "POST /api/v1/assessment-events",
    "POST assessment_results.ladder_page": "PUT /api/v1/assessment-settings",
    "POST assessment_results.year": "POST /api/v1/assessment-years/{year}/items",
    "POST assessment_results.year_weights": "PUT /api/v1/assessment-settings/month-weights",
    "POST assessment_results.whatif_page": "POST /api/v1/assessment-periods/{period_id}/what-if",
    "POST imports.opening_balances": "POST /api/v1/compounds/{compound_id}/opening-balances",
    "POST repairimports.index": "POST /api/v1/compounds/{compound_id}/repair-imports",
    "POST repairimports.commit": "POST /api/v1/repair-imports/{import_id}/commit",
    "POST elections.ballot_confirm": "POST /api/v1/elections/{election_id}/ballots",
    "POST elections.choose_officers": "POST /api/v1/elections/{election_id}/officers",
}
