"""通知 REST API: one's notifications (a page, or grouped by kind as the bell shows them) and marking them read."""
from __future__ import annotations

from flask.views import MethodView

from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, paginate
from pm.blueprints.notifications import schemas as s
from pm.services import notifications

URL_PREFIX = ""
blp = api_blueprint("notifications_api", __name__, description="站内通知：按类别分组、未读、标为已读")


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.arguments(s.NotificationArgs, location="query")
    @blp.response(200, s.NotificationPage)
    def get(self, args):
        """My notifications, newest first (only unread, or one kind, if asked)."""
        return paginate(notifications.inbox(api_scope(), unread_only=args["unread"], kind=args.get("kind")), args)


@blp.route("/notifications/groups")
class NotificationGroups(MethodView):
    @blp.arguments(s.GroupsArgs, location="query")
    @blp.response(200, s.GroupsOut)
    def get(self, args):
        """The bell: counts per kind and the newest few of each kind (groups with unread ones first)."""
        return {"unread": notifications.unread_count(api_user()),
                "groups": notifications.grouped_inbox(api_scope(), unread_only=args["unread"])}


@blp.route("/notifications/read")
class NotificationsRead(MethodView):
    @blp.arguments(s.ReadIn)
    @blp.response(200, s.ReadOut)
    def post(self, data):
        """Mark my notifications read: the given ids (others' ids change nothing), or all."""
        return {"changed": notifications.mark_read(api_user(), data.get("ids"))}
