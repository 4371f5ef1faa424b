"""通知服务: send in-app notifications (idempotent by key) to the users a caller chose; a user's inbox, grouped
by kind; to-dos (please rate, please re-check) marked done by the service that does the thing."""
# Who is told is decided by the caller, through pm.services.recipients (one query, never a disabled account).
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError

from pm.access import Scope
from pm.extensions import db
from pm.models import Notification, User
from pm.services.labels import label_of
from pm.services.messages import Message, platform_text, render, stored
from pm.services.notifications.kinds import (
    TO_RATE,
    TO_RECHECK,
    rectification_subject,
    repair_subject,
)
from pm.timeutil import utcnow

__all__ = ["TO_RATE", "TO_RECHECK", "rectification_subject", "repair_subject", "notify", "unread_count", "inbox",
           "mark_read", "mark_done", "title_of", "body_of", "open_note", "grouped_inbox", "KindGroup"]

GROUP_SIZE = 5  # notifications shown per kind on the grouped page (the rest behind "more")


def notify(user: User | int, kind: str, title: str | Message, *, body: str | Message | None = None,
           link: str | None = None, key: str | None = None, compound_id: int | None = None,
           subject: str | None = None) -> Notification | None:
    """Send one notification; with `key`, a second call with the same key sends nothing (returns None).
    `subject` names what a to-do is about, so that mark_done can clear it. A title or body the system writes is a
    Message (shown in each reader's language); text someone typed is passed as it is."""
    user_id = user if isinstance(user, int) else user.id
    if key and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
        return None
    message = {part: data for part, data in (("title", stored(title)), ("body", stored(body))) if data}
    note = Notification(user_id=user_id, kind=kind, title=platform_text(title)[:200], body=platform_text(body),
                        link=link, dedupe_key=key, compound_id=compound_id, subject=subject, created_at=utcnow(),
                        message=message or None)
    try:
        with db.session.begin_nested():
            db.session.add(note)
    except IntegrityError:  # the same key sent by a parallel run
        return None
    return note


def title_of(note: Notification) -> str:
    """A notification's title in the reader's language."""
    return render((note.message or {}).get("title"), note.title)


def body_of(note: Notification) -> str | None:
    """A notification's body in the reader's language."""
    return render((note.message or {}).get("body"), note.body)


def mark_done(kinds: Iterable[str], subjects: Iterable[str], *, now: datetime | None = None) -> int:
    """Mark every pending notification of these kinds about these subjects done (and read), for whoever received
    it, in one UPDATE; returns how many changed. Called by the service that did what they asked."""
    kinds, subjects = list(kinds), list(subjects)
    if not kinds or not subjects:
        return 0
    now = now or utcnow()
    stmt = (update(Notification)
            .where(Notification.kind.in_(kinds), Notification.subject.in_(subjects), Notification.done_at.is_(None))
            .values(done_at=now, read_at=func.coalesce(Notification.read_at, now))
            .execution_options(synchronize_session=False))
    return db.session.execute(stmt).rowcount


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def inbox(scope: Scope, *, unread_only: bool = False, kind: str | None = None) -> Select:
    """The scope's user's own notifications, newest first (only the unread ones, or one kind, if asked)."""
    stmt = scope.select(Notification).order_by(Notification.id.desc())
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return stmt.where(Notification.read_at.is_(None)) if unread_only else stmt


@dataclass
class KindGroup:
    """One kind in the bell: its label, how many there are (and unread), the newest few."""

    kind: str
    label: str
    total: int
    unread: int
    items: list[Notification] = field(default_factory=list)


def grouped_inbox(scope: Scope, *, unread_only: bool = False, per_kind: int = GROUP_SIZE) -> list[KindGroup]:
    """The user's notifications grouped by kind: counts per kind (one grouped query) and the newest `per_kind` of
    each (one windowed query), the groups with unread ones first, then by their newest notification."""
    base = inbox(scope, unread_only=unread_only).order_by(None).subquery()
    counts = db.session.execute(
        select(base.c.kind, func.count(), func.count().filter(base.c.read_at.is_(None)), func.max(base.c.id))
        .group_by(base.c.kind)
    ).all()
    if not counts:
        return []
    rank = func.row_number().over(partition_by=base.c.kind, order_by=base.c.id.desc()).label("rank")
    ranked = select(base.c.id, rank).subquery()
    ids = select(ranked.c.id).where(ranked.c.rank <= per_kind)
    notes = db.session.scalars(select(Notification).where(Notification.id.in_(ids))
                               .order_by(Notification.id.desc())).all()
    groups = {kind: KindGroup(kind, label_of("notification_kind", kind), total, unread)
              for kind, total, unread, _newest in counts}
    for note in notes:
        groups[note.kind].items.append(note)
    newest = {kind: top for kind, _t, _u, top in counts}
    return sorted(groups.values(), key=lambda g: (g.unread == 0, -newest[g.kind]))


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
