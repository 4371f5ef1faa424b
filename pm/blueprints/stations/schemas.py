"""服务站日常 API schemas: teams, work logs, month gaps, patrol routes, runs and check-ins."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, PageFields, day, id_field, page_schema, text
from pm.models import CheckinStatus, Shift
from pm.services.stations.teams import team_name


class TeamMemberOut(BaseSchema):
    id = fields.Integer()
    display_name = fields.String()


class TeamOut(BaseSchema):
    """四支队伍之一 with its members."""

    id = fields.Integer()
    station_id = fields.Integer()
    kind = fields.String()
    name = fields.Function(team_name, metadata={"description": "队伍名称（未命名的队伍为其类别名称）"})
    members = fields.List(fields.Nested(TeamMemberOut))


class TeamsOut(PageFields):
    items = fields.List(fields.Nested(TeamOut))


class TeamArgs(PageArgs):
    station_id = id_field(strict=False)


class WorkLogPhotoOut(BaseSchema):
    id = fields.Integer()
    content_type = fields.String()


class WorkLogOut(BaseSchema):
    """工作日志."""

    id = fields.Integer()
    station_id = fields.Integer()
    team_id = fields.Integer()
    team_name = fields.Function(lambda obj: team_name(obj.team))
    log_on = fields.Date()
    shift = fields.String()
    content = fields.String()
    author_id = fields.Integer()
    author_name = fields.String(attribute="author.display_name")
    photos = fields.List(fields.Nested(WorkLogPhotoOut))
    created_at = fields.DateTime()


WorkLogPage = page_schema(WorkLogOut, "WorkLogPage")


class WorkLogArgs(PageArgs):
    station_id = id_field(strict=False)
    team_id = id_field(strict=False)
    date_from = day()
    date_to = day()


class WorkLogIn(BaseSchema):
    """A new work log (photos are uploaded on the web page)."""

    team_id = id_field(required=True)
    log_on = day(required=True)
    shift = fields.String(required=True, validate=validate.OneOf([s.value for s in Shift]))
    content = text(4000, required=True)


class WorkLogGapArgs(BaseSchema):
    station_id = id_field(strict=False)
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"), metadata={"example": "2026-03"})


class WorkLogTeamGapOut(BaseSchema):
    team_id = fields.Integer(attribute="team.id")
    team_name = fields.Function(lambda obj: team_name(obj.team))
    logged_days = fields.Integer(attribute="logged")
    missing = fields.List(fields.Date())


class WorkLogGapsOut(BaseSchema):
    month = fields.String()
    teams = fields.List(fields.Nested(WorkLogTeamGapOut))


class PatrolPointOut(BaseSchema):
    id = fields.Integer()
    position = fields.Integer()
    name = fields.String()


class PatrolRouteOut(BaseSchema):
    """巡查路线 with its ordered points."""

    id = fields.Integer()
    station_id = fields.Integer()
    name = fields.String()
    points = fields.List(fields.Nested(PatrolPointOut))


RoutePage = page_schema(PatrolRouteOut, "PatrolRoutePage")


class PatrolRouteArgs(PageArgs):
    station_id = id_field(strict=False)


class PatrolRouteIn(BaseSchema):
    name = text(80, required=True)
    points = fields.List(text(80), required=True, validate=validate.Length(min=1, max=50))


class PatrolCheckinOut(BaseSchema):
    id = fields.Integer()
    point_id = fields.Integer()
    user_id = fields.Integer()
    user_name = fields.String(attribute="user.display_name")
    checked_on = fields.Date()
    checked_at = fields.DateTime()
    status = fields.String()
    note = fields.String(allow_none=True)
    has_photo = fields.Function(lambda c: bool(c.photo_path))
    rectification_id = fields.Integer(allow_none=True)
    repair_request_id = fields.Integer(allow_none=True)


class PatrolPointRunOut(BaseSchema):
    point = fields.Nested(PatrolPointOut)
    missed = fields.Boolean()
    checkins = fields.List(fields.Nested(PatrolCheckinOut))


class PatrolRunArgs(BaseSchema):
    on = day()


class PatrolRunOut(BaseSchema):
    route_id = fields.Integer()
    on = fields.Date()
    missed = fields.Integer()
    points = fields.List(fields.Nested(PatrolPointRunOut))


class CheckinRectificationIn(BaseSchema):
    measure = text(4000, required=True)
    due_on = day(required=True)


class CheckinRepairIn(BaseSchema):
    """File a repair request for the problem (compound_id may be left out when the station keeps one compound)."""

    compound_id = id_field(allow_none=True)
    category = fields.String(required=True, validate=validate.Length(max=32))
    urgency = fields.String(allow_none=True, validate=validate.Length(max=32))


class CheckinIn(BaseSchema):
    """打卡 now at a point; with `rectification` or `repair`, a problem opens an order or a repair request at once."""

    status = fields.String(required=True, validate=validate.OneOf([s.value for s in CheckinStatus]))
    note = text(4000, allow_none=True)
    rectification = fields.Nested(CheckinRectificationIn, allow_none=True)
    repair = fields.Nested(CheckinRepairIn, allow_none=True)
