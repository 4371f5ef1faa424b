"""公告 REST API: notices of your compounds, posting one, the read receipt and the households that have not read."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import can, require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, multipart, paginate
from pm.blueprints.notices import schemas as s
from pm.services.notices import notices
from pm.timeutil import local_today

URL_PREFIX = ""
blp = api_blueprint("notices_api", __name__, description="公告公示：发布、住户阅读回执与未读住户")


def _with_counts(items: list) -> list:
    if can(api_user(), "notices.post"):
        counts = notices.read_counts([n.id for n in items])
        for n in items:
            n.read_households, n.households = counts.get(n.id, (None, None))
    return items


def _notice(notice_id: int):
    require(api_user(), "notices.view")
    return notices.load_notice(api_scope(), notice_id, today=local_today())


@blp.route("/notices")
class Notices(MethodView):
    @blp.arguments(s.NoticeArgs, location="query")
    @blp.response(200, s.NoticePage)
    def get(self, args):
        """Notices of your compounds, newest first (`current`: in their publicity period today)."""
        require(api_user(), "notices.view")
        page = paginate(notices.notices_stmt(api_scope(), today=local_today(), current_only=args["current"]), args)
        _with_counts(page["items"])
        return page

    @blp.arguments(s.NoticeIn)
    @blp.response(201, s.NoticeOut)
    def post(self, data):
        """Post a notice to a compound, building or unit in your area (outside: 403)."""
        user = api_user()
        require(user, "notices.post")
        notice = notices.post_notice(user, scope=api_scope(), **data)
        return _with_counts([_notice(notice.id)])[0]


@blp.route("/notices/<int:notice_id>")
class NoticeDetail(MethodView):
    @blp.response(200, s.NoticeOut)
    def get(self, notice_id):
        """One notice."""
        return _with_counts([_notice(notice_id)])[0]


@blp.route("/notices/<int:notice_id>/attachments")
class NoticeAttachments(MethodView):
    @blp.doc(**multipart(s.NoticeFiles))
    @blp.response(201, s.NoticeOut)
    def post(self, notice_id):
        """The author attaches files to their notice (multipart `files`), checked by content as on the page; a bad
        file is a 422 naming `files` and none is stored."""
        require(api_user(), "notices.post")
        notice = _notice(notice_id)
        files = blp.ARGUMENTS_PARSER.parse(s.NoticeFiles(), location="files")  # after the scope check
        notices.attach_files(notice, api_user(), scope=api_scope(), files=files["files"])
        return _with_counts([_notice(notice_id)])[0]


@blp.route("/notices/<int:notice_id>/read")
class NoticeRead(MethodView):
    @blp.response(200, s.NoticeReadOut)
    def post(self, notice_id):
        """已阅回执: record that your household(s) read the notice."""
        notice = _notice(notice_id)
        return {"households": notices.mark_read(notice, api_user(), scope=api_scope())}


@blp.route("/notices/<int:notice_id>/unread-households")
class Unread(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.UnreadPage)
    def get(self, args, notice_id):
        """Households aimed at that have not read the notice, with their owners (door-to-door follow-up)."""
        require(api_user(), "notices.post")
        notice = _notice(notice_id)
        page = paginate(notices.unread_households_stmt(notice), args)
        names = notices.owner_names([h.id for h in page["items"]])
        page["items"] = [{"id": h.id, "label": h.label, "owners": "、".join(names.get(h.id, []))} for h in page["items"]]
        return page
