"""Governance pages: a compound's four bodies and a community's bodies with their members and past terms; new
bodies, members' terms, ends of terms and committee logins; the coverage of the long-term mechanism."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import current_scope, require
from pm.blueprints.governance.forms import BodyForm, LoginForm, MemberForm, TermForm
from pm.blueprints.webutil import submit_form
from pm.errors import DomainError
from pm.models import Body, BodyType, Community, Compound, Membership, Station, StreetOffice, User
from pm.services.governance import bodies, coverage, coverage_sheets
from pm.services.labels import label
from pm.timeutil import local_today

bp = Blueprint("governance", __name__, url_prefix="/governance")


@bp.context_processor
def _helpers():
    return {"label": label}


@bp.route("/compounds/<int:compound_id>")
@login_required
def compound(compound_id: int):
    """The compound's four bodies and who is in them (current members first, then past terms)."""
    require(current_user, "governance.view")
    scope = current_scope()
    c = scope.get(Compound, compound_id)
    return render_template("governance/compound.html", c=c, panel=bodies.compound_panel(c, scope, day=local_today()))


@bp.route("/communities/<int:community_id>")
@login_required
def community(community_id: int):
    """The community's party organisation, residents' committee and stand-in, and its owners' committees."""
    require(current_user, "governance.view")
    scope = current_scope()
    c = scope.get(Community, community_id)
    return render_template("governance/community.html", c=c, panel=bodies.community_panel(c, scope, day=local_today()),
                           owners=bodies.owners_bodies(c, scope), today=local_today())


def _place_args() -> dict:
    return {k: request.args.get(k, type=int) for k in ("community_id", "compound_id", "station_id")
            if request.args.get(k)}


@bp.route("/bodies/new", methods=["GET", "POST"])
@login_required
def body_new():
    """Set up a body at a place (?community_id=, ?compound_id= or ?station_id=)."""
    require(current_user, "governance.manage")
    scope = current_scope()
    place = _place_args()
    if not place:
        abort(404)
    community = scope.get(Community, place["community_id"]) if "community_id" in place else None
    compound_ = scope.get(Compound, place["compound_id"]) if "compound_id" in place else None
    station = scope.get(Station, place["station_id"]) if "station_id" in place else None
    form = BodyForm()

    def action():
        kind = BodyType.OWNERS if compound_ else BodyType.STATION if station else form.kind.data
        if community is not None and kind in (BodyType.OWNERS, BodyType.STATION):
            raise DomainError("社区层面只能建立党组织、居委会或物业管理委员会", field="kind")
        return bodies.ensure_body(kind, community=community, compound=compound_, station=station, name=form.name.data,
                                  party_level=form.party_level.data, phone=form.phone.data, actor=current_user,
                                  scope=scope)

    return submit_form(form, action, done=_("组织已建立"), redirect_to=lambda b: _body_page(b),
                       template="governance/body_form.html", place=compound_ or station or community,
                       community_level=community is not None)


def _body_page(body: Body) -> str:
    if body.compound_id is not None:
        return url_for("governance.compound", compound_id=body.compound_id)
    return url_for("governance.community", community_id=body.community_id)


@bp.route("/bodies/<int:body_id>/members/new", methods=["GET", "POST"])
@login_required
def member_new(body_id: int):
    """A member's term on a seat of the body (overlapping terms on one seat are refused)."""
    require(current_user, "governance.manage")
    scope = current_scope()
    body = scope.get(Body, body_id)
    form = MemberForm()

    def action():
        return bodies.add_member(body, name=form.name.data, position=form.position.data,
                                 is_party_member=form.is_party_member.data, phone=form.phone.data,
                                 seat=form.seat.data, started_on=form.started_on.data, ends_on=form.ends_on.data,
                                 actor=current_user, scope=scope)

    return submit_form(form, action, done=_("成员已登记"), redirect_to=_body_page(body),
                       template="governance/member_form.html", body=body)


@bp.route("/members/<int:member_id>/term", methods=["GET", "POST"])
@login_required
def member_term(member_id: int):
    """End a term (or move its end)."""
    require(current_user, "governance.manage")
    scope = current_scope()
    member = scope.get(Membership, member_id)
    body = scope.get(Body, member.body_id)
    form = TermForm()
    return submit_form(form, lambda: bodies.end_term(member, ends_on=form.ends_on.data, actor=current_user, scope=scope),
                       done=_("任期已更新"), redirect_to=_body_page(body), template="governance/term_form.html",
                       member=member, body=body)


@bp.route("/members/<int:member_id>/login", methods=["GET", "POST"])
@login_required
def member_login(member_id: int):
    """Tie a committee-member login to this term (it stops working when the term ends)."""
    require(current_user, "governance.manage")
    scope = current_scope()
    member = scope.get(Membership, member_id)
    body = scope.get(Body, member.body_id)
    form = LoginForm()

    def action():
        user = scope.get(User, form.user_id.data) if form.user_id.data else None
        if user is None:
            raise DomainError("请填写委员账号编号", field="user_id")
        return bodies.link_login(member, user, actor=current_user, scope=scope)

    return submit_form(form, action, done=_("委员账号已绑定任期"), redirect_to=_body_page(body),
                       template="governance/login_form.html", member=member, body=body)


# -- coverage of the long-term mechanism ------------------------------------------------------------
@bp.route("/coverage")
@login_required
def coverage_page():
    """Per street and community: shares of compounds with property service, an owners' committee (or stand-in),
    the fund collected, and all four bodies with a joint meeting last quarter; a chart per street; xlsx."""
    require(current_user, "governance.coverage")
    scope = current_scope()
    street = scope.get(StreetOffice, request.args.get("street_id", type=int)) if request.args.get("street_id") else None
    report = coverage.coverage(scope, today=local_today(), street_id=street.id if street else None)
    if request.args.get("format") == "xlsx":
        return Response(coverage_sheets.workbook(report), mimetype=coverage_sheets.XLSX,
                        headers={"Content-Disposition": "attachment; filename=coverage.xlsx"})
    return render_template("governance/coverage.html", report=report, street=street,
                           charts=coverage_sheets.street_charts(report))


@bp.route("/coverage/compounds")
@login_required
def coverage_compounds():
    """The compounds behind a coverage figure (?criterion=…&missing=1 for those without it)."""
    require(current_user, "governance.coverage")
    scope = current_scope()
    criterion = request.args.get("criterion")
    if criterion not in coverage.CRITERIA:
        criterion = None
    rows = coverage.compounds(scope, today=local_today(), street_id=request.args.get("street_id", type=int),
                              community_id=request.args.get("community_id", type=int), criterion=criterion,
                              missing=request.args.get("missing") == "1")
    return render_template("governance/coverage_compounds.html", rows=rows, criterion=criterion,
                           missing=request.args.get("missing") == "1")
