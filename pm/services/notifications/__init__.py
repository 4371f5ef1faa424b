"""通知服务: send in-app notifications (idempotent by key) to the users a caller chose; a user's inbox."""
# Who is told is decided by the caller, through pm.services.recipients (one query, never a disabled account).
from __future__ import annotations

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from pm.access import Scope
from pm.extensions import db
from pm.models import Notification, User
from pm.timeutil import utcnow


def notify(user: User | int, kind: str, title: str, *, body: str | None = None, link: str | None = None,
           key: str | None = None, compound_id: int | None = None) -> Notification | None:
    """Send one notification; with `key`, a second call with the same key sends nothing (returns None)."""
    user_id = user if isinstance(user, int) else user.id
    if key and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
        return None
    note = Notification(user_id=user_id, kind=kind, title=title[:200], body=body, link=link, dedupe_key=key,
                        compound_id=compound_id, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(note)
    except IntegrityError:  # the same key sent by a parallel run
        return None
    return note


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def inbox(scope: Scope, *, unread_only: bool = False) -> Select:
    """The scope's user's own notifications, newest first (only the unread ones if asked)."""
    stmt = scope.select(Notification).order_by(Notification.id.desc())
    return stmt.where(Notification.read_at.is_(None)) if unread_only else stmt


def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications (all, or the given ids) read; returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def open_note(scope: Scope, note_id: int) -> str | None:
    """Mark one of the user's notifications read (NotFound if it is not theirs); its link if it stays in the app."""
    note = scope.get(Notification, note_id)
    mark_read(scope.user, [note.id])
    link = note.link
    return link if link and link.startswith("/") and not link.startswith("//") else None
