"""One commit point: a request commits once, after its view, and only when it changed something and succeeded.

Services flush and never commit; views do not commit either. ``PMFlask.dispatch_request`` ends every
request's transaction:

- GET, HEAD and OPTIONS never commit. A safe request that wrote anyway is a bug: it is rolled back and
  logged, and under ``STRICT_SAFE_METHODS`` (tests) it raises so the test fails.
- Any other method commits when the view's response is below 400, and rolls back otherwise. A view whose
  error response must still keep its writes (a failed login is counted) says so with
  ``keep_changes_on_error()``.
- A commit that fails (a unique key lost a race) raises inside the request, so the app's error handlers
  answer it (IntegrityError → 409) instead of a 500 after the response was built.

Work that must be durable before the response (a background import reads the job row from another
thread) calls ``commit_now(reason)``: explicit, rare and greppable.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from pm.extensions import db

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WROTE = "pm_wrote"


@event.listens_for(Session, "after_flush")
def _mark_write(session, flush_context) -> None:
    """Remember that this transaction sent writes (read by the safe-method check)."""
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _clear_mark(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (commit or rollback)
        session.info.pop(_WROTE, None)


def wrote() -> bool:
    """Whether the current session has pending or flushed writes in its open transaction."""
    session = db.session()
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


def keep_changes_on_error() -> None:
    """Commit this request's writes even though it answers with an error status (e.g. a failed login)."""
    g._pm_keep_on_error = True


def commit_now(reason: str) -> None:
    """Commit before the end of the request; `reason` says why the boundary commit is not enough."""
    logger.debug("early commit on %s: %s", request.path, reason)
    db.session.commit()


def finish(app: Flask, rv):
    """End the request's transaction after the view returned `rv`; returns the response to send."""
    if request.method in SAFE_METHODS:
        if wrote():
            db.session.rollback()
            message = f"{request.method} {request.path} wrote to the database; safe requests never commit"
            if current_app.config.get("STRICT_SAFE_METHODS"):
                raise RuntimeError(message)
            logger.error(message)
        return rv
    response = app.make_response(rv)
    if response.status_code < 400 or g.get("_pm_keep_on_error"):
        db.session.commit()
    else:
        db.session.rollback()
    return response


class PMFlask(Flask):
    """Flask whose requests commit once at their boundary (see the module docstring)."""

    def dispatch_request(self):
        return finish(self, super().dispatch_request())
