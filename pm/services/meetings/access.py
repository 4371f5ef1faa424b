"""联席会议 access: scope rules and capabilities of joint meetings and action items, and their served files."""
# A meeting belongs to a community (and maybe one compound of it). Officials above the station see their
# communities' meetings; station users and committee members see those of their compounds and every meeting that
# gave their body an action item. Owners and residents have no meetings capability.
from __future__ import annotations

from sqlalchemy import and_, or_, select

from pm.access import OFFICIALS_ABOVE_STATION, Scope, register_capabilities, register_rules
from pm.models import ActionEvidence, ActionItem, BodyKind, JointMeeting, MeetingAttachment, MeetingAttendee, Role
from pm.services import storage


def _item_rule(s: Scope):
    return or_(
        ActionItem.community_id.in_(s.within_communities),
        ActionItem.compound_id.in_(s.compound_ids),
        and_(ActionItem.responsible_kind == BodyKind.STATION, ActionItem.responsible_id.in_(s.within_stations)),
        and_(ActionItem.responsible_kind == BodyKind.OWNERS_COMMITTEE, ActionItem.responsible_id.in_(s.compound_ids)),
    )


def _meeting_rule(s: Scope):
    return or_(
        JointMeeting.community_id.in_(s.within_communities),
        JointMeeting.compound_id.in_(s.compound_ids),
        JointMeeting.id.in_(select(ActionItem.meeting_id).where(_item_rule(s))),
    )


def _meetings(s: Scope):
    return select(JointMeeting.id).where(_meeting_rule(s))


register_rules({
    JointMeeting: _meeting_rule,
    MeetingAttendee: lambda s: MeetingAttendee.meeting_id.in_(_meetings(s)),
    MeetingAttachment: lambda s: MeetingAttachment.meeting_id.in_(_meetings(s)),
    ActionItem: _item_rule,
    ActionEvidence: lambda s: ActionEvidence.item_id.in_(select(ActionItem.id).where(_item_rule(s))),
})

register_capabilities({
    "meetings.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER},
    "meetings.convene": OFFICIALS_ABOVE_STATION,
})

storage.register_kind("meeting_file", MeetingAttachment, path_attr="path", type_attr="content_type",
                      name_attr="name", capability="meetings.view")
storage.register_kind("action_evidence", ActionEvidence, path_attr="path", type_attr="content_type",
                      name_attr="name", capability="meetings.view")
