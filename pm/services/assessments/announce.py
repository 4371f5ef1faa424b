"""考核通报公告: publishing a month posts, for each street office with assessed units, a street notice (公告) to the
managers of its assessed stations, the officials of its assessed communities and the street office's officers;
the notice links to the bulletin page (the bulletin stays there). Once per period and street."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from pm.access import SYSTEM
from pm.extensions import db
from pm.models import AssessmentPeriod, AssessmentScore, Notice, User
from pm.services import recipients
from pm.services.messages import Message
from pm.services.notices.notices import post_notice
from pm.services.text import N_

SOURCE = "assessment"
TITLE = N_("%(month)s 月度考核通报已发布")
BODY = N_("%(month)s 月度考核结果已发布，请查看本街道各单位的得分、排名和结果运用。")


def post_bulletin_notices(period: AssessmentPeriod, actor: User | None) -> list[Notice]:
    """One street notice per street of the period's scores (a fixed number of queries, plus one insert per street)."""
    units = db.session.execute(select(AssessmentScore.street_id, AssessmentScore.community_id, AssessmentScore.station_id)
                               .where(AssessmentScore.period_id == period.id)).all()
    done = set(db.session.scalars(select(Notice.street_id).where(Notice.source == SOURCE,
                                                                  Notice.source_id == period.id)))
    streets: dict[int, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for street_id, community_id, station_id in units:
        if community_id:
            streets[street_id][0].add(community_id)
        if station_id:
            streets[street_id][1].add(station_id)
    stations = recipients.station_managers({s for _c, st in streets.values() for s in st})
    communities = recipients.community_officials({c for cs, _s in streets.values() for c in cs})
    officers = recipients.street_officials(set(streets))
    posted = []
    for street_id in sorted(set(streets) - done):
        community_ids, station_ids = streets[street_id]
        staff = [u for s in sorted(station_ids) for u in stations.get(s, [])]
        staff += [u for c in sorted(community_ids) for u in communities.get(c, [])]
        staff += officers.get(street_id, [])
        posted.append(post_notice(
            actor, scope=SYSTEM, street_id=street_id, staff=staff,
            title=Message(TITLE, {"month": period.month}), body=Message(BODY, {"month": period.month}),
            link=f"/assessments/periods/{period.id}/bulletin?street_id={street_id}", source=SOURCE,
            source_id=period.id))
    return posted
