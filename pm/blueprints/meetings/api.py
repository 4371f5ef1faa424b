"""联席会议 REST API: meetings, their action items, reporting and confirming them."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, multipart, paginate
from pm.blueprints.meetings import schemas as s
from pm.services.meetings import meetings
from pm.timeutil import local_today

URL_PREFIX = ""
blp = api_blueprint("meetings_api", __name__, description="联席会议：会议记录、决定事项督办与确认")


def _meeting(meeting_id: int):
    require(api_user(), "meetings.view")
    return meetings.load_meeting(api_scope(), meeting_id)


def _item(item_id: int):
    require(api_user(), "meetings.view")
    return meetings.load_item(api_scope(), item_id)


@blp.route("/meetings")
class Meetings(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.MeetingPage)
    def get(self, args):
        """Joint meetings in your area, newest first."""
        require(api_user(), "meetings.view")
        return paginate(meetings.meetings_stmt(api_scope()), args)

    @blp.arguments(s.MeetingIn)
    @blp.response(201, s.MeetingOut)
    def post(self, data):
        """Record a joint meeting you convened (a community in your area, held today or before)."""
        user = api_user()
        require(user, "meetings.convene")
        meeting = meetings.create_meeting(user, scope=api_scope(), **data)
        return _meeting(meeting.id)


@blp.route("/meetings/<int:meeting_id>")
class MeetingDetail(MethodView):
    @blp.response(200, s.MeetingOut)
    def get(self, meeting_id):
        """One meeting with attendees, files and action items."""
        return _meeting(meeting_id)


@blp.route("/meetings/<int:meeting_id>/attachments")
class MeetingAttachments(MethodView):
    @blp.doc(**multipart(s.MeetingFiles))
    @blp.response(201, s.MeetingOut)
    def post(self, meeting_id):
        """The convener attaches files to the meeting (multipart `files`: minutes scans, sign-in sheets, photos),
        checked by content as on the page; a bad file is a 422 naming `files` and none is stored."""
        require(api_user(), "meetings.convene")
        meeting = _meeting(meeting_id)
        files = blp.ARGUMENTS_PARSER.parse(s.MeetingFiles(), location="files")  # after the scope check
        meetings.attach_files(meeting, api_user(), scope=api_scope(), files=files["files"])
        return _meeting(meeting_id)


@blp.route("/meetings/<int:meeting_id>/items")
class MeetingItems(MethodView):
    @blp.arguments(s.ActionItemIn)
    @blp.response(201, s.ActionItemOut)
    def post(self, data, meeting_id):
        """The convener turns a decision into an action item (deadline required, not in the past)."""
        require(api_user(), "meetings.convene")
        meeting = _meeting(meeting_id)
        return meetings.add_item(meeting, api_user(), scope=api_scope(), **data)


@blp.route("/action-items")
class Items(MethodView):
    @blp.arguments(s.ItemArgs, location="query")
    @blp.response(200, s.ActionItemPage)
    def get(self, args):
        """督办事项 in your area: open first (overdue leading); `mine` = your body's."""
        user = api_user()
        require(user, "meetings.view")
        stmt = meetings.items_stmt(api_scope(), overdue_on=local_today() if args.get("overdue") else None,
                                   mine=user if args.get("mine") else None, status=args.get("status"))
        return paginate(stmt, args)


@blp.route("/action-items/<int:item_id>")
class ItemDetail(MethodView):
    @blp.response(200, s.ActionItemOut)
    def get(self, item_id):
        """One action item."""
        return _item(item_id)


@blp.route("/action-items/<int:item_id>/report")
class ItemReport(MethodView):
    @blp.arguments(s.ReportIn)
    @blp.response(200, s.ActionItemOut)
    def post(self, data, item_id):
        """The responsible body reports the item done (with evidence files: POST
        /action-items/{item_id}/report-with-evidence, multipart)."""
        item = _item(item_id)
        return meetings.report_item(item, api_user(), scope=api_scope(), note=data["note"])


@blp.route("/action-items/<int:item_id>/report-with-evidence")
class ItemReportWithEvidence(MethodView):
    @blp.doc(**multipart(s.ReportIn, s.MeetingFiles))
    @blp.response(200, s.ActionItemOut)
    def post(self, item_id):
        """The responsible body reports the item done with evidence (multipart `note`, `files`: photos or PDFs
        checked by content, as on the page); a bad file is a 422 naming `files` and nothing changes."""
        item = _item(item_id)
        form = blp.ARGUMENTS_PARSER.parse(s.ReportIn(), location="form")  # after the scope check
        files = blp.ARGUMENTS_PARSER.parse(s.MeetingFiles(), location="files")
        return meetings.report_item(item, api_user(), scope=api_scope(), note=form["note"], files=files["files"])


@blp.route("/action-items/<int:item_id>/confirm")
class ItemConfirm(MethodView):
    @blp.arguments(s.ConfirmIn)
    @blp.response(200, s.ActionItemOut)
    def post(self, data, item_id):
        """The convener confirms the item done, or returns it with a reason."""
        item = _item(item_id)
        return meetings.confirm_item(item, api_user(), scope=api_scope(), passed=data["decision"] == "confirm",
                                     reason=data.get("reason"))
