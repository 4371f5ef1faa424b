"""Demo joint meeting: the community's meeting ten days ago with one action item overdue and one done."""
from __future__ import annotations

import logging
from datetime import timedelta

from pm.access import SYSTEM
from pm.demo.names import ago
from pm.models import BodyKind, Role
from pm.services.meetings import meetings
from pm.timeutil import local_today

logger = logging.getLogger(__name__)


def populate(station, compound, users, now) -> dict[str, int]:
    """A 联席会议 convened by the community worker about the station's compound: the station's item is overdue,
    the owners' committee's was reported, sent back once, reported again and confirmed."""
    worker = users[Role.COMMUNITY_WORKER]
    at = ago(now, 10)
    today = local_today(at)
    meeting = meetings.create_meeting(
        worker, scope=SYSTEM, community_id=compound.community_id, compound_id=compound.id, held_on=today,
        topics="一、小区停车秩序整治；二、楼道堆物清理；三、维修资金续筹宣传。",
        minutes="会议由社区党组织书记主持，四方共同研究了停车和楼道堆物问题，形成决定事项两项。",
        attendees=[{"body_kind": BodyKind.PARTY_BRANCH, "body_id": compound.community_id, "names": "社区书记"},
                   {"body_kind": BodyKind.RESIDENTS_COMMITTEE, "body_id": compound.community_id, "names": "居委会主任"},
                   {"body_kind": BodyKind.OWNERS_COMMITTEE, "body_id": compound.id, "names": "业委会主任"},
                   {"body_kind": BodyKind.STATION, "body_id": station.id, "names": "服务站站长"}], now=at)
    meetings.add_item(meeting, worker, scope=SYSTEM, decision="施划小区停车位并设置停车引导标识",
                      responsible_kind=BodyKind.STATION, responsible_id=station.id, person_name="服务站站长",
                      due_on=today + timedelta(days=5), now=at)
    done = meetings.add_item(meeting, worker, scope=SYSTEM, decision="发动业主清理各楼道堆物",
                             responsible_kind=BodyKind.OWNERS_COMMITTEE, responsible_id=compound.id,
                             person_name="业委会主任", due_on=today + timedelta(days=7), now=at)
    committee = users.get(Role.COMMITTEE_MEMBER)
    if committee is not None and committee.compound_id == compound.id:
        # first reported too early: the convener sends it back (the rejection is kept beside the typed report)
        meetings.report_item(done, committee, scope=SYSTEM, note="大部分楼道堆物已清理。", now=ago(now, 6))
        meetings.confirm_item(done, worker, scope=SYSTEM, passed=False, reason="3号楼楼道仍有堆物，请清理后再报。",
                              now=ago(now, 5))
        meetings.report_item(done, committee, scope=SYSTEM, note="各楼道堆物已清理完毕。", now=ago(now, 4))
        meetings.confirm_item(done, worker, scope=SYSTEM, now=ago(now, 3))
    return {"joint_meetings": 1, "action_items": 2}
