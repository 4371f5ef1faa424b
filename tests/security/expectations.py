"""What every role may do with every operation of the app: the registry the role × endpoint matrix checks.

Every (rule, method) of app.url_map needs an entry here, keyed "METHOD endpoint"; a new endpoint without one
fails tests/security/test_endpoint_matrix.py ("... has no scope test: add it to tests/security/expectations.py").

Roles are the demo logins' usernames (county, street, community, manager, staff, committee, owner, resident)
and "anonymous". The objects are those of tests/security/world.py: `inside` is the demo logins' station,
compound, the owner's household, ...; `outside` the same kinds in a foreign county no demo login may see.

- Get(ok, nf=..., status=...): a read. On the inside object the roles in `ok` get `status` (200), those in
  `nf` get 404 (the object exists but is not theirs to see), every other login 403, anonymous the login page
  (web: 302) or 401 (API). On the outside object (every object id replaced by the foreign one, path and query)
  every role gets 403/404, exactly as for an id that does not exist, and no page shows the foreign county.
- Write(...): a state-changing operation, never sent with an inside id. With object ids in its path it is sent
  by every role with the outside ids and must be refused (403/404) exactly like a missing id, changing nothing.
  Without object ids (a creation) `roles` may use it: the others get 403; `body`/`form` (with "{x_id}" filled
  from the outside side) is sent by every role and refused, changing nothing.
- Own(reason): acts only on the caller's own session (login, logout, language); covered by tests/accounts.
- Public(status): anyone, anonymous included.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ALL = frozenset({"county", "street", "community", "manager", "staff", "committee", "owner", "resident"})
ABOVE = frozenset({"county", "street", "community"})  # officials above the station
STATION = frozenset({"manager", "staff"})
OFFICIALS = ABOVE | STATION
VIEWERS = OFFICIALS | {"committee"}  # everyone who sees the whole compound
MANAGERS = ABOVE | {"manager"}  # who administers accounts and the registry
CASHIERS = frozenset({"county", "street"})
HOME = frozenset({"owner", "resident"})


@dataclass(frozen=True)
class Get:
    ok: frozenset
    nf: frozenset = frozenset()
    status: int = 200
    query: str = ""  # "station_id={station_id}": filled from the side's ids
    anonymous: int | None = None  # default: 302 (web) / 401 (API)
    kinds: dict = field(default_factory=dict)  # argument -> kind of id, e.g. {"household_id": "tenant_household_id"}


@dataclass(frozen=True)
class Write:
    roles: frozenset = frozenset()  # for creations (no object id in the path): who may create
    body: dict | None = None  # API: a body valid for the schema; "{x_id}" strings become the outside ids
    form: dict | None = None  # web: the form fields sent
    kinds: dict = field(default_factory=dict)
    denied: int = 403  # what the roles that may not create get (403/404 are always accepted)
    headers: dict = field(default_factory=dict)  # API: extra request headers


@dataclass(frozen=True)
class Own:
    reason: str


@dataclass(frozen=True)
class Public:
    status: int = 200


# Deviations found by this suite and not yet fixed (owned elsewhere): the write sweep expects them for every role
# that may administer accounts, and fails once they are gone so the entry is removed.
KNOWN_DEVIATIONS = {
    # none known: an entry here is an answer that differs from the rule above, recorded until it is fixed
}
KNOWN_ROLES = frozenset({"county", "street", "community", "manager"})

YEAR_ZERO = "2000-01-01"
COMMUNITY_WORK: dict[str, object] = {
    "GET meetings.index": Get(VIEWERS),
    "GET meetings.new": Get(ABOVE),
    "POST meetings.new": Write(roles=ABOVE, form={"community_id": "{community_id}", "compound_id": "0",
                                                  "held_on": YEAR_ZERO, "topics": "sec"}),
    "GET meetings.detail": Get(VIEWERS),
    "POST meetings.add_item": Write(),
    "POST meetings.report": Write(),
    "POST meetings.confirm": Write(),
    "GET meetings.items": Get(VIEWERS),
    "GET meetings_api.Meetings": Get(VIEWERS),
    "POST meetings_api.Meetings": Write(roles=ABOVE, body={"community_id": "{community_id}", "held_on": YEAR_ZERO,
                                                           "topics": "sec"}),
    "GET meetings_api.MeetingDetail": Get(VIEWERS),
    "POST meetings_api.MeetingItems": Write(body={"decision": "sec", "responsible_kind": "station",
                                                  "responsible_id": "{station_id}", "person_name": "sec",
                                                  "due_on": "2100-01-01"}),
    "GET meetings_api.Items": Get(VIEWERS),
    "GET meetings_api.ItemDetail": Get(VIEWERS),
    "POST meetings_api.ItemReport": Write(body={"note": "sec"}),
    "POST meetings_api.ItemConfirm": Write(body={"decision": "confirm"}),
    "GET notices.index": Get(ALL),
    "GET notices.new": Get(VIEWERS),
    "POST notices.new": Write(roles=VIEWERS, form={"kind": "notice", "compound_id": "{compound_id}", "title": "sec",
                                                   "starts_on": YEAR_ZERO}),
    "GET notices.detail": Get(ALL),
    "POST notices.mark_read": Write(),
    "GET notices.unread": Get(VIEWERS),
    "GET notices_api.Notices": Get(ALL),
    "POST notices_api.Notices": Write(roles=VIEWERS, body={"compound_id": "{compound_id}", "title": "sec"}),
    "GET notices_api.NoticeDetail": Get(ALL),
    "POST notices_api.NoticeRead": Write(),
    "GET notices_api.Unread": Get(VIEWERS),
    "GET volunteers.index": Get(OFFICIALS | HOME),
    "POST volunteers.index": Write(roles=HOME, form={"activity": "sec"}),
    "GET volunteers.detail": Get(OFFICIALS | {"owner"}, nf=frozenset({"resident"})),  # the owner's registration
    "POST volunteers.detail": Write(),
    "GET volunteers.grids": Get(ABOVE),
    "POST volunteers.grids": Write(roles=ABOVE, form={"community_id": "{community_id}", "name": "sec",
                                                      "worker_name": "sec"}),
    "GET volunteers.tally": Get(ABOVE),
    "GET volunteers_api.Grids": Get(ABOVE),
    "POST volunteers_api.Grids": Write(roles=ABOVE, body={"community_id": "{community_id}", "name": "sec",
                                                          "worker_name": "sec"}),
    "GET volunteers_api.Volunteers": Get(OFFICIALS | HOME),
    "POST volunteers_api.Volunteers": Write(roles=HOME, body={"activity": "other", "household_id": "{household_id}"}),
    "GET volunteers_api.Hours": Get(OFFICIALS | {"owner"}, nf=frozenset({"resident"})),
    "POST volunteers_api.Hours": Write(body={"served_on": YEAR_ZERO, "hours": "1"}),
    "GET volunteers_api.Tally": Get(ABOVE, query="year=2026"),
    "GET commonincome.index": Get(VIEWERS | {"owner"}),
    "GET commonincome.new": Get(MANAGERS),
    "POST commonincome.new": Write(roles=MANAGERS, form={"compound_id": "{compound_id}", "period": "2026",
                                                         "category": "parking", "amount": "1"}),
    "GET commonincome.credit": Get(frozenset({"county"})),
    "POST commonincome.credit": Write(roles=frozenset({"county"}), form={"compound_id": "{compound_id}",
                                                                         "period": "2026", "amount": "1"}),
    "GET commonincome_api.Entries": Get(VIEWERS | {"owner"}),
    "POST commonincome_api.Entries": Write(roles=MANAGERS, body={"compound_id": "{compound_id}", "period": "2026",
                                                                 "category": "parking", "amount_fen": 1}),
    "GET commonincome_api.Summary": Get(VIEWERS | {"owner"}),
    "POST commonincome_api.FundCredits": Write(roles=frozenset({"county"}), body={
        "compound_id": "{compound_id}", "period": "2026", "amount_fen": 1}),
}
EXPECTATIONS: dict[str, object] = {
    # -- accounts -------------------------------------------------------------------------------------------------
    "GET accounts.index": Get(MANAGERS),
    "GET accounts.edit": Get(MANAGERS),
    "POST accounts.edit": Write(),
    "POST accounts.reset_password": Write(),
    "GET accounts.new": Get(MANAGERS),
    "POST accounts.new": Write(roles=MANAGERS, form={"username": "sec-new", "role": "station_staff",
                                                     "binding_id": "{station_id}", "password": "x" * 14,
                                                     "display_name": "sec"}),
    "GET accounts_api.Me": Get(ALL),
    "GET accounts_api.Users": Get(MANAGERS),
    "POST accounts_api.Users": Write(roles=MANAGERS, body={"binding_id": "{person_id}", "password": "sec-password-1",
                                                          "role": "owner", "username": "sec-api-new"}),
    "GET accounts_api.UserDetail": Get(MANAGERS),
    "GET accounts.invite_find": Get(MANAGERS),
    "GET accounts.invite": Get(MANAGERS),
    "POST accounts.invite": Write(),
    "POST accounts.reset_code": Write(),
    "POST accounts_api.Invitations": Write(body={"method": "letter"}),
    "POST accounts_api.ResetCode": Write(),
    "PATCH accounts_api.UserDetail": Write(body={"display_name": "sec"}),
    "GET audit.index": Get(ABOVE),
    "GET audit_api.AuditLogs": Get(ABOVE),
    # -- auth -------------------------------------------------------------------------------------------------------
    "GET auth.login": Get(ALL, status=302, anonymous=200),
    "POST auth.login": Own("logs the caller in (tests/accounts)"),
    "POST auth.logout": Own("ends the caller's own session (tests/accounts)"),
    "POST auth.set_language": Own("the caller's language cookie"),
    "POST auth.set_text_size": Own("the caller's text-size cookie (tests/core/test_large_text.py)"),
    "GET claims.claim": Public(),
    "POST claims.claim": Own("claims an invitation by its code, no login (tests/accounts/test_claims*.py)"),
    "GET claims.reset": Public(),
    "POST claims.reset": Own("sets the password with a reset code, no login (tests/accounts/test_claims*.py)"),
    "GET auth.password": Get(ALL),
    "POST auth.password": Write(roles=ALL),
    "GET auth.tokens": Get(ALL - HOME),  # owners and residents never get API tokens
    "POST auth.tokens": Write(roles=ALL - HOME),
    "POST auth.revoke_token": Write(),
    # -- API documents and files -------------------------------------------------------------------------------------
    "GET api-docs.openapi_json": Public(),
    "GET apidocs.docs": Public(),
    "GET apidocs.asset": Public(),
    "GET static": Public(),
    "GET bootstrap.static": Public(),
    "GET files.download": Get(VIEWERS | {"resident"}, nf=frozenset({"owner"})),  # a photo of the tenant's repair
    # -- dashboard, notifications ------------------------------------------------------------------------------------
    "GET dashboard.index": Public(302),
    "GET dashboard.dashboard": Get(ALL),
    "GET dashboard.inspections_due": Get(OFFICIALS),
    "POST dashboard.job_step": Write(),
    "GET notifications.index": Get(ALL),
    "POST notifications.open_one": Write(),
    "GET notifications_api.Notifications": Get(ALL),
    "GET notifications_api.NotificationGroups": Get(ALL),
    "POST notifications_api.NotificationsRead": Own("marks the caller's own notifications read"),
    "POST notifications.mark_all_read": Own("marks the caller's own notifications read"),
    # -- registry ----------------------------------------------------------------------------------------------------
    "GET registry.tree": Get(VIEWERS),
    "GET registry.search": Get(VIEWERS, query="q=业主"),
    "GET registry.my_homes": Get(ALL),
    "GET registry.compound": Get(VIEWERS),
    "GET registry.building": Get(VIEWERS),
    "GET registry.person": Get(VIEWERS),
    "GET registry.household": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET registry.compound_new": Get(ABOVE),
    "POST registry.compound_new": Write(roles=ABOVE, form={"name": "sec", "community_id": "{community_id}",
                                                            "management_mode": "quasi"}),
    "GET registry.compound_edit": Get(ABOVE),
    "POST registry.compound_edit": Write(),
    "GET registry.household_new": Get(MANAGERS),
    "POST registry.household_new": Write(),
    "GET registry.household_edit": Get(MANAGERS),
    "POST registry.household_edit": Write(),
    "POST registry.owner_add": Write(),
    "POST registry.resident_add": Write(),
    "POST registry.resident_end": Write(kinds={"household_id": "tenant_household_id"}),
    "POST registry.transfer": Write(),
    "POST registry.renovation_item": Write(),
    "GET registry.street_new": Get(frozenset({"county"})),
    "POST registry.street_new": Write(roles=frozenset({"county"})),
    "GET registry.community_new": Get(frozenset({"county"})),
    "POST registry.community_new": Write(),
    "GET registry.station_new": Get(frozenset({"county"})),
    "POST registry.station_new": Write(),
    "GET tree_api.Streets": Get(ALL),
    "GET tree_api.StreetDetail": Get(ALL),
    "GET tree_api.Communities": Get(ALL),
    "GET tree_api.CommunityDetail": Get(ALL),
    "GET stations_api.Stations": Get(ALL),
    "GET stations_api.StationDetail": Get(ALL),
    "GET compounds_api.Compounds": Get(ALL),
    "POST compounds_api.Compounds": Write(roles=ABOVE, body={"community_id": "{community_id}",
                                                             "management_mode": "self", "name": "sec"}),
    "GET compounds_api.CompoundDetail": Get(ALL),
    "PATCH compounds_api.CompoundDetail": Write(body={"name": "sec"}),
    "GET compounds_api.Buildings": Get(ALL),
    "POST compounds_api.Buildings": Write(body={"name": "sec"}),
    "POST compounds_api.RenovationItems": Write(body={"is_completed": False, "name": "sec"}),
    "GET compounds_api.BuildingDetail": Get(ALL),
    "POST compounds_api.Units": Write(body={"name": "sec"}),
    "GET households_api.Households": Get(ALL),
    "POST households_api.Households": Write(roles=MANAGERS, body={"area_m2": "50.00", "floor": 1, "room_no": "sec",
                                                                  "unit_id": "{unit_id}"}),
    "GET households_api.HouseholdDetail": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "PATCH households_api.HouseholdDetail": Write(body={"note": "sec"}),
    "GET households_api.Owners": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "POST households_api.Owners": Write(body={"name": "sec", "started_on": YEAR_ZERO}),
    "GET households_api.Residents": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "POST households_api.Residents": Write(body={"name": "sec", "relation": "other", "started_on": YEAR_ZERO}),
    "POST households_api.ResidentEnd": Write(body={"on": YEAR_ZERO}, kinds={"household_id": "tenant_household_id"}),
    "POST households_api.Transfers": Write(body={"on": YEAR_ZERO, "owners": [{"name": "sec"}]}),
    # -- imports -----------------------------------------------------------------------------------------------------
    "GET imports.index": Get(MANAGERS),
    "POST imports.index": Write(roles=MANAGERS, form={"compound_id": "{compound_id}"}),
    "GET imports.show": Get(MANAGERS),
    "GET imports.status": Get(MANAGERS),
    "GET imports.template": Get(MANAGERS),
    "GET imports.export_choose": Get(ALL, query="compound_id={compound_id}", status=302),  # to imports.export
    "GET imports.export": Get(VIEWERS),
    "POST imports.confirm": Write(),
    "GET imports_api.ImportJobView": Get(MANAGERS),
    "POST imports_api.Commit": Write(),
    "POST imports_api.DryRun": Write(roles=MANAGERS, denied=422),  # a multipart upload: tests/imports
    # -- fund --------------------------------------------------------------------------------------------------------
    "GET funds.index": Get(VIEWERS),
    "GET funds.subaccount": Get(VIEWERS),
    "GET funds.pay": Get(CASHIERS),
    "POST funds.pay": Write(),
    "GET funds.payment_search": Get(CASHIERS),
    "GET funds.arrears": Get(VIEWERS),
    "GET funds.replenishment": Get(VIEWERS),
    "GET funds.unopened": Get(VIEWERS),
    "POST funds.open_subaccounts": Write(),
    "GET funds.bank_import": Get(CASHIERS),
    "POST funds.bank_import": Write(roles=CASHIERS),
    "GET funds.reverse": Get(CASHIERS),
    "POST funds.reverse": Write(),
    "GET funds.demolish": Get(CASHIERS),
    "POST funds.demolish": Write(),
    "GET funds.public_housing": Get(frozenset({"county"})),
    "POST funds.public_housing": Write(),
    "GET funds.rates": Get(VIEWERS),
    "GET funds.rate_new": Get(frozenset({"county"})),
    "POST funds.rate_new": Write(roles=frozenset({"county"})),
    "GET funds.rate_edit": Get(frozenset({"county"})),
    "POST funds.rate_edit": Write(),
    "POST funds.rate_delete": Write(),
    "GET funds.returns": Get(VIEWERS),
    # The form is checked before the role (a valid form from a viewer gets 403 from the service: tests/fund).
    "POST funds.returns": Write(roles=CASHIERS, form={"compound_id": "{compound_id}"}, denied=400),
    "GET funds_api.DepositRates": Get(ALL),
    "POST funds_api.DepositRates": Write(roles=frozenset({"county"}), body={
        "effective_on": YEAR_ZERO, "fen_per_m2": 1, "name": "sec", "compound_id": "{compound_id}"}),
    "GET funds_api.DepositRateDetail": Get(ALL),
    "PUT funds_api.DepositRateDetail": Write(body={"effective_on": YEAR_ZERO, "fen_per_m2": 1, "name": "sec"}),
    "DELETE funds_api.DepositRateDetail": Write(),
    "GET funds_api.FundAccounts": Get(ALL),
    "GET funds_api.FundAccountDetail": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET funds_api.FundAccountEntries": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "POST funds_api.FundAccountEntries": Write(body={"amount_fen": 100, "kind": "back_payment",
                                                                   "value_on": YEAR_ZERO},
                                               headers={"Idempotency-Key": "security-matrix"}),
    "POST funds_api.EntryReversal": Write(body={"memo": "sec"}),
    "PUT funds_api.PublicHousingTermsView": Write(body={"cost_price_fen_per_m2": 100, "sale_price_fen": 100}),
    "GET statements.index": Get(ALL),
    "GET statements.my_account": Get(HOME),
    "GET statements.subaccount": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET statements.compound": Get(ALL),
    "GET statements.compound_pdf": Get(ALL),
    "GET statements.compound_xlsx": Get(ALL),
    "GET statements.household": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET statements.household_pdf": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET statements.household_xlsx": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET statements_api.MyAccounts": Get(HOME),
    "GET statements_api.MyAccountEntries": Get(frozenset({"owner"}), nf=frozenset({"resident"})),
    "GET statements_api.CompoundStatement": Get(ALL),
    "GET statements_api.HouseholdStatement": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    # -- use plans and votes -----------------------------------------------------------------------------------------
    "GET plans.index": Get(ALL),
    "GET plans.show": Get(ALL),
    "GET plans.tally_page": Get(ALL),
    "GET plans.vote": Get(ALL),
    "POST plans.vote": Write(),
    "GET plans.new": Get(MANAGERS | {"committee"}),
    "POST plans.new": Write(roles=MANAGERS | {"committee"}, form={"compound_id": "{compound_id}", "title": "sec"}),
    "POST plans.upload": Write(),
    "GET plans.paper_ballots": Get(frozenset({"community", "committee"})),
    "POST plans.paper_ballots": Write(),
    "POST plans.vote_confirm": Write(),
    "GET plans.receipt": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET plans.unvoted": Get(frozenset({"community", "committee"})),
    "GET plans_api.BallotReceipt": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET plans_api.HouseholdCost": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"})),
    "GET plans_api.MyVote": Get(ALL),
    "GET plans_api.PaperBallots": Get(frozenset({"community", "committee"})),
    "GET plans_api.Unvoted": Get(frozenset({"community", "committee"})),
    "POST plans.transition": Write(),
    "GET plans_api.Plans": Get(ALL),
    "POST plans_api.Plans": Write(roles=MANAGERS | {"committee"}, body={
        "budget_fen": 100, "compound_id": "{compound_id}", "reason": "sec", "shared_part": "sec", "title": "sec"}),
    "GET plans_api.PlanDetail": Get(ALL),
    "PATCH plans_api.PlanDetail": Write(body={"title": "sec"}),
    "GET plans_api.Shares": Get(ALL),
    "GET plans_api.TallyView": Get(ALL),
    "POST plans_api.Ballots": Write(body={"choice": "no", "household_id": "{household_id}"}),
    "POST plans_api.Transitions": Write(body={"to": "rejected"}),
    # -- repairs -----------------------------------------------------------------------------------------------------
    "GET repairs.index": Get(ALL),
    "GET repairs.new": Get(ALL),
    "POST repairs.new": Write(roles=ALL, form={"compound_id": "{compound_id}", "category": "leak",
                                               "urgency": "normal", "description": "sec"}),
    "GET repairs.show": Get(VIEWERS | {"resident"}, nf=frozenset({"owner"})),  # the tenant's request
    "POST repairs.act": Write(),
    "GET repairs.work_order": Get(STATION),
    "GET repairs.metrics": Get(ABOVE | {"manager"}),
    "GET repairs.rules": Get(frozenset({"county"})),
    "POST repairs.rules": Write(roles=frozenset({"county"})),
    "POST repairs.calendar_day": Write(roles=frozenset({"county"})),
    "GET repairs.poster": Get(OFFICIALS),
    "POST repairs.poster": Write(),
    "GET repairs.qr": Get(OFFICIALS),
    "GET repairs.public": Public(),
    "POST repairs.public": Write(roles=ALL | {"anonymous"}),
    "GET repairs_api.Repairs": Get(ALL),
    "POST repairs_api.Repairs": Write(roles=ALL, body={"category": "leak", "compound_id": "{compound_id}",
                                                       "description": "sec"}),
    "GET repairs_api.RepairDetail": Get(VIEWERS | {"resident"}, nf=frozenset({"owner"})),
    "POST repairs_api.RepairTransition": Write(body={"action": "accept"}),
    "GET repairs_api.RepairMetrics": Get(ABOVE | {"manager"}, query="period=2026-01"),
    # -- station work ------------------------------------------------------------------------------------------------
    "GET stations.index": Get(OFFICIALS),
    "GET stations.month_calendar": Get(OFFICIALS, query="station_id={station_id}"),
    "GET stations.logs": Get(OFFICIALS, query="station_id={station_id}"),
    "GET stations.new_log": Get(STATION),
    "POST stations.new_log": Write(roles=STATION, form={"team_id": "{team_id}", "content": "sec",
                                                        "shift": "full_day", "log_on": YEAR_ZERO}),
    "GET stations.routes": Get(OFFICIALS, query="station_id={station_id}"),
    "GET stations.new_route": Get(frozenset({"manager"})),
    "POST stations.new_route": Write(roles=frozenset({"manager"})),
    "GET stations.run": Get(OFFICIALS),
    "GET stations.checkin": Get(STATION),
    "POST stations.checkin": Write(),
    "POST stations.setup_teams": Write(roles=frozenset({"manager"})),
    "POST stations.add_member": Write(),
    "POST stations.remove_member": Write(),
    "GET stationwork_api.Teams": Get(OFFICIALS, query="station_id={station_id}"),
    "GET stationwork_api.WorkLogs": Get(OFFICIALS, query="station_id={station_id}"),
    "POST stationwork_api.WorkLogs": Write(roles=STATION, body={"content": "sec", "log_on": YEAR_ZERO,
                                                                "shift": "midday", "team_id": "{team_id}"}),
    "GET stationwork_api.WorkLogGaps": Get(OFFICIALS, query="station_id={station_id}&month=2026-01"),
    "GET stationwork_api.Routes": Get(OFFICIALS, query="station_id={station_id}"),
    "POST stationwork_api.Routes": Write(roles=frozenset({"manager"}), body={"name": "sec", "points": ["sec"]}),
    "GET stationwork_api.RouteRun": Get(OFFICIALS),
    "POST stationwork_api.Checkins": Write(body={"status": "ok"}),
    # -- inspections -------------------------------------------------------------------------------------------------
    "GET inspections.index": Get(OFFICIALS),
    "GET inspections.new": Get(ABOVE),
    "POST inspections.new": Write(roles=ABOVE, form={"level": "street_weekly", "target_kind": "station",
                                                     "target_id": "{station_id}", "inspected_on": YEAR_ZERO}),
    "GET inspections.detail": Get(OFFICIALS),
    "POST inspections.detail": Write(),
    "GET inspections.orders": Get(OFFICIALS),
    "GET inspections.order_detail": Get(OFFICIALS),
    "POST inspections.recheck": Write(),
    "POST inspections.report": Write(),
    "POST inspections.deadline": Write(),
    "GET inspections_api.Items": Get(OFFICIALS),
    "GET inspections_api.Inspections": Get(OFFICIALS),
    "POST inspections_api.Inspections": Write(roles=ABOVE, body={
        "inspected_on": YEAR_ZERO, "level": "street_weekly", "target_id": "{station_id}", "target_kind": "station"}),
    "GET inspections_api.InspectionDetail": Get(OFFICIALS),
    "POST inspections_api.Findings": Write(body={"deduction": "1", "due_on": YEAR_ZERO, "item_code": "environment",
                                                 "measure": "sec", "note": "sec"}),
    "GET inspections_api.Orders": Get(OFFICIALS),
    "GET inspections_api.OrderDetail": Get(OFFICIALS),
    "POST inspections_api.OrderRecheck": Write(body={"decision": "close"}),
    "POST inspections_api.OrderReport": Write(body={"note": "sec"}),
    "POST inspections_api.OrderDeadline": Write(body={"due_on": YEAR_ZERO, "reason": "sec"}),
    # -- surveys (群众满意度测评) -------------------------------------------------------------------------------------
    "GET surveys.index": Get(ABOVE | STATION | HOME),
    "GET surveys.new": Get(frozenset({"community"})),
    "POST surveys.new": Write(roles=frozenset({"community"}), form={"compound_id": "{compound_id}", "month": "2026-01"}),
    "GET surveys.detail": Get(ABOVE | STATION | HOME),
    "POST surveys.respond": Write(),
    "POST surveys.close": Write(),
    "GET surveys_api.Surveys": Get(ABOVE | STATION | HOME),
    "POST surveys_api.Surveys": Write(roles=frozenset({"community"}), body={"compound_id": "{compound_id}",
                                                                            "month": "2026-01"}),
    "GET surveys_api.SurveyDetail": Get(ABOVE | STATION | HOME),
    "POST surveys_api.SurveyClose": Write(),
    "GET surveys_api.Responses": Get(ABOVE | STATION | HOME),
    "POST surveys_api.Responses": Write(body={"household_id": "{household_id}", "answers": [5]}),
    # -- job runs (定时任务运行记录) -----------------------------------------------------------------------------------
    "GET jobs.runs": Get(frozenset({"county"})),
    "GET jobs_api.JobRuns": Get(frozenset({"county"})),
    # -- motions (业主表决事项, 加装电梯) ----------------------------------------------------------------------
    "GET motions.index": Get(ALL),
    "GET motions.new": Get(frozenset({"street", "community", "committee"})),
    "POST motions.new": Write(roles=frozenset({"street", "community", "committee"}), form={
        "compound_id": "{compound_id}", "kind": "ordinary", "title": "sec", "body": "sec"}),
    "GET motions.show": Get(ALL),
    "POST motions.costs": Write(form={"total": "100", "coef_1": "1"}),
    "POST motions.affected": Write(form={"household_ids": "{household_id}"}),
    "POST motions.transition": Write(form={"to": "cancelled"}),
    "GET motions.tally_page": Get(ALL),
    "GET motions.vote": Get(ALL),
    "POST motions.vote": Write(form={"household_id": "{household_id}", "choice": "yes"}),
    "POST motions.vote_confirm": Write(form={"household_id": "{household_id}", "choice": "yes"}),
    "GET motions.receipt": Get(VIEWERS, nf=frozenset({"owner", "resident"}), kinds={"ballot_id": "motion_ballot_id"}),
    "GET motions.unvoted": Get(frozenset({"community", "committee"})),
    "GET motions.paper_ballots": Get(frozenset({"community", "committee"})),
    "POST motions.paper_ballots": Write(form={"voter": "1:1", "choice": "yes"}),
    "GET motions.policy": Get(frozenset({"county"})),
    "POST motions.policy": Write(roles=frozenset({"county"}), form={"affected_consent": "y"}),
    "GET motions_api.Motions": Get(ALL),
    "POST motions_api.Motions": Write(roles=frozenset({"street", "community", "committee"}), body={
        "compound_id": "{compound_id}", "kind": "ordinary", "title": "sec", "body": "sec"}),
    "GET motions_api.MotionDetail": Get(ALL),
    "PUT motions_api.Costs": Write(body={"total_cost_fen": 100, "coefficients": [{"floor": 1, "coefficient": "1"}]}),
    "PUT motions_api.Affected": Write(body={"household_ids": ["{household_id}"]}),
    "POST motions_api.MotionTransitions": Write(body={"to": "cancelled"}),
    "POST motions_api.MotionBallots": Write(body={"choice": "no", "household_id": "{household_id}"}),
    "GET motions_api.MotionReceipt": Get(VIEWERS, nf=frozenset({"owner", "resident"}),
                                         kinds={"ballot_id": "motion_ballot_id"}),
    "GET motions_api.MyMotionVote": Get(ALL),
    "GET motions_api.MotionTally": Get(ALL),
    "GET motions_api.MotionUnvoted": Get(frozenset({"community", "committee"})),
    "GET motions_api.MotionPaperBallots": Get(frozenset({"community", "committee"})),
    "GET motions_api.MotionPolicyView": Get(ALL),
    "PUT motions_api.MotionPolicyView": Write(body={"affected_consent": True, "cost_by_area": False}),
    # -- joint meetings, notices, volunteers, common-part income (issue 11) ---------------------------------------
    **COMMUNITY_WORK,
    # -- governance: bodies and members, coverage, owners' committee elections -------------------------------------
    "GET governance.compound": Get(ALL),
    "GET governance.community": Get(ALL),
    "GET governance.body_new": Get(ABOVE, query="community_id={community_id}"),
    "POST governance.body_new": Write(roles=ABOVE, form={"kind": "party"}, denied=403),
    "GET governance.member_new": Get(ABOVE),
    "POST governance.member_new": Write(),
    "GET governance.member_term": Get(ABOVE),
    "POST governance.member_term": Write(),
    "GET governance.member_login": Get(ABOVE),
    "POST governance.member_login": Write(),
    "GET governance.coverage_page": Get(ABOVE),
    "GET governance.coverage_compounds": Get(ABOVE),
    "GET governance_api.CompoundBodies": Get(ALL),
    "GET governance_api.CommunityBodies": Get(ALL),
    "POST governance_api.Bodies": Write(roles=ABOVE, body={"kind": "party", "community_id": "{community_id}"}),
    "GET governance_api.Members": Get(ALL),
    "POST governance_api.Members": Write(body={"name": "sec", "position": "member", "started_on": YEAR_ZERO}),
    "PATCH governance_api.Member": Write(body={"ends_on": YEAR_ZERO}),
    "POST governance_api.MemberLogin": Write(body={"user_id": "{user_id}"}),
    "GET governance_api.Coverage": Get(ABOVE),
    "GET governance_api.CoverageCompounds": Get(ABOVE),
    "GET elections.index": Get(ALL),
    "GET elections.new": Get(CASHIERS, query="compound_id={compound_id}"),
    "POST elections.new": Write(roles=CASHIERS, form={"kind": "first", "seats": "5", "group": "sec,owner"}),
    "GET elections.show": Get(ALL),
    "GET elections.nominate": Get(CASHIERS),
    "POST elections.nominate": Write(),
    "POST elections.publicise": Write(),
    "POST elections.open_voting": Write(),
    "POST elections.close": Write(),
    "POST elections.file": Write(),
    "POST elections.cancel": Write(),
    "GET elections.ballot": Get(frozenset({"owner"})),
    "POST elections.ballot": Write(),
    "GET elections.paper": Get(ABOVE),
    "POST elections.paper": Write(),
    "GET elections_api.Elections": Get(ALL),
    "POST elections_api.Elections": Write(roles=CASHIERS, body={"compound_id": "{compound_id}", "seats": 5,
                                                                "group": [{"name": "sec", "side": "owner"}]}),
    "GET elections_api.ElectionItem": Get(ALL),
    "POST elections_api.Candidates": Write(body={"person_id": "{person_id}", "household_id": "{household_id}"}),
    "POST elections_api.Publicity": Write(body={"starts_on": YEAR_ZERO}),
    "POST elections_api.Voting": Write(body={"opens_on": YEAR_ZERO, "closes_on": YEAR_ZERO}),
    "POST elections_api.Ballots": Write(body={"household_id": "{household_id}", "candidate_ids": []}),
    "POST elections_api.Close": Write(body={}),
    "POST elections_api.Filing": Write(body={"filed_on": YEAR_ZERO}),
    "POST elections_api.Cancel": Write(body={}),
    "POST elections.choose_officers": Write(),  # gov2: chair and vice-chairs (street office, county, committee)
    "POST elections_api.Officers": Write(body={"chair_person_id": "{person_id}"}),
    "POST elections.ballot_confirm": Write(),  # gov2: the owner's confirmed ballot, its receipt, the canvass
    "GET elections.receipt": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"}),
                                 kinds={"ballot_id": "election_ballot_id"}),
    "GET elections.unvoted": Get(frozenset({"community", "committee"})),
    "GET elections_api.ElectionReceipt": Get(VIEWERS | {"owner"}, nf=frozenset({"resident"}),
                                             kinds={"ballot_id": "election_ballot_id"}),
    "GET elections_api.ElectionUnvoted": Get(frozenset({"community", "committee"})),
}
