"""委员任期: a committee-member login tied to a term (pm.models.governance.Membership.user_id) works only while one
of its terms runs; logins not tied to any term are not affected."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from pm.extensions import db
from pm.models import Membership, Role, User


def term_ended_on(user: User, today: date) -> date | None:
    """The day the login's last term ended, when it is tied to terms and none runs on `today`; else None."""
    if user.role != Role.COMMITTEE_MEMBER:
        return None
    row = db.session.execute(select(
        func.count(Membership.id),
        func.count(Membership.id).filter(Membership.started_on <= today,
                                         or_(Membership.ends_on.is_(None), Membership.ends_on >= today)),
        func.max(Membership.ends_on),
    ).where(Membership.user_id == user.id)).one()
    tied, running, last = row
    if not tied or running:
        return None
    return last or today
