"""报修二维码: a compound's public filing page (an unguessable token printed as a QR code on a poster)."""
from __future__ import annotations

import io
import logging
import secrets

import segno
from sqlalchemy import select

from pm.access import Scope, require
from pm.errors import NotFound
from pm.extensions import db
from pm.models import Compound, RepairPortal, Station, User
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)

MAX_TOKEN = 48


def poster_compound(compound_id: int, *, user: User, scope: Scope) -> Compound:
    """A compound whose poster the user may print (capability repair.portal, compound in scope)."""
    require(user, "repair.portal")
    return scope.get(Compound, compound_id)


def find_portal(compound: Compound) -> RepairPortal | None:
    """The compound's public filing page, if one was made."""
    return db.session.scalar(select(RepairPortal).where(RepairPortal.compound_id == compound.id))


def open_portal(compound: Compound, *, actor: User, scope: Scope) -> RepairPortal:
    """Make the compound's public filing page (once; an existing page is returned as it is)."""
    compound = poster_compound(compound.id, user=actor, scope=scope)
    portal = find_portal(compound)
    if portal is None:
        portal = RepairPortal(compound_id=compound.id, token=secrets.token_urlsafe(18), created_at=utcnow())
        db.session.add(portal)
        db.session.flush()
        logger.info("public repair page of %r opened by %r", compound, actor)
    return portal


def compound_for_token(token: str) -> Compound:
    """The compound of a public page token, or NotFound."""
    if not token or len(token) > MAX_TOKEN:
        raise NotFound("报修页面不存在")
    compound = db.session.scalar(
        select(Compound).join(RepairPortal, RepairPortal.compound_id == Compound.id).where(RepairPortal.token == token)
    )
    if compound is None:
        raise NotFound("报修页面不存在")
    return compound


def stations_of(compound: Compound) -> list[Station]:
    """The stations keeping a compound (their phone numbers are printed on the poster and the public page)."""
    return list(db.session.scalars(select(Station).where(Station.compounds.any(Compound.id == compound.id))
                                   .order_by(Station.id)))


def qr_svg(url: str) -> bytes:
    """The QR code of a URL as SVG (medium error correction, large modules for printing)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False)
    return out.getvalue()
