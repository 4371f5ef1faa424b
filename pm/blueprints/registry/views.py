"""台账页面: browse the tree, search households, create and edit compounds, households, owners, residents."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import can, current_scope, require
from pm.blueprints.registry.forms import (
    CompoundForm,
    EndResidencyForm,
    HouseholdEditForm,
    HouseholdForm,
    NodeForm,
    PersonForm,
    RenovationItemForm,
    ResidentForm,
    StationForm,
    TransferForm,
)
from pm.blueprints.webutil import paginate, submit_form
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Community, Compound, County, Household, Residency, StreetOffice
from pm.services import dashboard
from pm.services.governance import bodies as governance_bodies
from pm.services.registry import buildings, compounds, households, people
from pm.services.registry import search as registry_search
from pm.services.registry import tree as org
from pm.timeutil import local_today

bp = Blueprint("registry", __name__, url_prefix="/registry")


@bp.route("/")
@login_required
def tree():
    """The tree of streets, communities and compounds in scope, with household counts."""
    no_committee = request.args.get("no_committee") == "1"
    result = org.tree(current_scope(), actor=current_user, without_committee=no_committee)
    return render_template(
        "registry/tree.html", streets=result.streets, by_street=result.by_street, by_community=result.by_community,
        counts=result.counts, no_committee=no_committee,
    )


@bp.route("/compounds/<int:compound_id>")
@login_required
def compound(compound_id: int):
    page = compounds.overview(current_scope(), compound_id, actor=current_user)
    return render_template(
        "registry/compound.html", c=page.compound, buildings=page.buildings, stats=page.stats, stations=page.stations,
        registered=page.registered,
        item_form=RenovationItemForm(),
        panel=governance_bodies.compound_panel(page.compound, current_scope(), day=local_today()),
    )


@bp.route("/compounds/new", methods=["GET", "POST"])
@login_required
def compound_new():
    require(current_user, "compound.edit")
    scope = current_scope()
    communities = org.administered_communities(scope)
    try:
        community_id = int(request.values.get("community_id", communities[0].id if communities else 0))
    except ValueError:
        abort(400)
    community = scope.get(Community, community_id)
    form = CompoundForm()
    return submit_form(
        form, lambda: compounds.create_compound(community, form.values(), scope=scope, actor=current_user),
        done=_("小区已创建"), redirect_to=lambda c: url_for("registry.compound", compound_id=c.id),
        template="registry/compound_form.html", community=community, communities=communities, c=None,
    )


@bp.route("/compounds/<int:compound_id>/edit", methods=["GET", "POST"])
@login_required
def compound_edit(compound_id: int):
    require(current_user, "compound.edit")
    scope = current_scope()
    c = scope.get(Compound, compound_id)
    form = CompoundForm(obj=c)
    if request.method == "GET":
        form.renovation_class.data = c.renovation_class.value if c.renovation_class else ""
        form.management_mode.data = c.management_mode.value
        form.floor_area_m2.data = str(c.floor_area_m2) if c.floor_area_m2 is not None else ""
    return submit_form(
        form, lambda: compounds.update_compound(c, form.values(), scope=scope, actor=current_user),
        done=_("已保存"), redirect_to=url_for("registry.compound", compound_id=c.id),
        template="registry/compound_form.html", c=c, community=c.community, communities=[],
    )


@bp.route("/compounds/<int:compound_id>/renovation", methods=["POST"])
@login_required
def renovation_item(compound_id: int):
    require(current_user, "compound.edit")
    scope = current_scope()
    c = scope.get(Compound, compound_id)
    form = RenovationItemForm()
    if not form.validate_on_submit():
        flash(_("改造内容填写有误：") + "; ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("registry.compound", compound_id=c.id)), 303
    try:
        compounds.set_renovation_item(
            c, name=form.name.data, is_completed=form.is_completed.data, completed_on=form.completed_on.data,
            warranty_until=form.warranty_until.data, scope=scope, actor=current_user,
        )
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        flash(_("改造内容已保存"), "success")
    return redirect(url_for("registry.compound", compound_id=c.id))


@bp.route("/buildings/<int:building_id>")
@login_required
def building(building_id: int):
    page = buildings.building_page(current_scope(), building_id, actor=current_user)
    return render_template("registry/building.html", b=page.building, households=page.households, owners=page.owners)


@bp.route("/compounds/<int:compound_id>/households/new", methods=["GET", "POST"])
@login_required
def household_new(compound_id: int):
    require(current_user, "household.edit")
    scope = current_scope()
    c = scope.get(Compound, compound_id)
    form = HouseholdForm()
    if request.method == "GET" and request.args.get("building"):
        form.building.data = request.args["building"]

    def create():
        b = buildings.get_or_create_building(c, form.building.data, scope=scope, actor=current_user)
        u = buildings.get_or_create_unit(b, form.unit.data, scope=scope, actor=current_user)
        return households.create_household(u, _household_values(form), scope=scope, actor=current_user)

    return submit_form(
        form, create, done=_("房屋已登记"), redirect_to=lambda h: url_for("registry.household", household_id=h.id),
        template="registry/household_form.html", c=c, h=None,
    )


def _household_values(form) -> dict:
    return {
        "room_no": form.room_no.data, "floor": form.floor.data, "area_m2": form.area_m2.data,
        "is_sold_public_housing": form.is_sold_public_housing.data, "note": form.note.data,
    }


@bp.route("/households/<int:household_id>")
@login_required
def household(household_id: int):
    """A household with its owners (current and past) and residents; owners see only their own."""
    scope = current_scope()
    found = households.detail(scope, household_id)
    editable = can(current_user, "household.edit")
    today = local_today()
    return render_template(
        "registry/household.html", h=found.household, ownerships=found.ownerships, residencies=found.residencies,
        editable=editable,
        owner_form=PersonForm(formdata=None, started_on=today) if editable else None,
        transfer_form=TransferForm(formdata=None, on=today) if editable else None,
        resident_form=ResidentForm(formdata=None, started_on=today) if editable else None,
        end_form=EndResidencyForm(formdata=None, on=today) if editable else None,
        phone_of=lambda person: people.shown_phone(scope, person),
    )


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def household_edit(household_id: int):
    require(current_user, "household.edit")
    scope = current_scope()
    h = households.get_household(scope, household_id)
    form = HouseholdEditForm(obj=h)
    if request.method == "GET":
        form.area_m2.data = str(h.area_m2)
    return submit_form(
        form, lambda: households.update_household(h, _household_values(form), scope=scope, actor=current_user),
        done=_("已保存"), redirect_to=url_for("registry.household", household_id=h.id),
        template="registry/household_form.html", c=h.compound, h=h,
    )


def _household_action(household_id: int, form_cls, action, message: str):
    """Shared POST flow for owner/resident actions: validate, call the service, or show the errors."""
    require(current_user, "household.edit")
    scope = current_scope()
    h = scope.get(Household, household_id)
    form = form_cls()
    if form.validate_on_submit():
        try:
            action(scope, h, form)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(message, "success")
            return redirect(url_for("registry.household", household_id=h.id))
    else:
        flash("; ".join(f"{getattr(form, k).label.text}: {e}" for k, errs in form.errors.items() for e in errs), "error")
    return redirect(url_for("registry.household", household_id=h.id)), 303


def _person(scope, name: str, phone: str | None):
    return people.find_or_create_person(name, phone, scope=scope, actor=current_user)


@bp.route("/households/<int:household_id>/owners", methods=["POST"])
@login_required
def owner_add(household_id: int):
    def action(scope, h, form):
        person = _person(scope, form.name.data, form.phone.data)
        people.add_owner(h, person, started_on=form.started_on.data, scope=scope, actor=current_user)

    return _household_action(household_id, PersonForm, action, _("业主已登记"))


@bp.route("/households/<int:household_id>/transfer", methods=["POST"])
@login_required
def transfer(household_id: int):
    def action(scope, h, form):
        buyers = [_person(scope, form.name.data, form.phone.data)]
        if form.co_name.data:
            buyers.append(_person(scope, form.co_name.data, form.co_phone.data))
        people.transfer_ownership(h, buyers, on=form.on.data, scope=scope, actor=current_user)

    return _household_action(household_id, TransferForm, action, _("过户已办理，产权历史已保留"))


@bp.route("/households/<int:household_id>/residents", methods=["POST"])
@login_required
def resident_add(household_id: int):
    def action(scope, h, form):
        person = _person(scope, form.name.data, form.phone.data)
        people.add_resident(h, person, relation=form.relation.data, started_on=form.started_on.data,
                            scope=scope, actor=current_user)

    return _household_action(household_id, ResidentForm, action, _("住户已登记"))


@bp.route("/households/<int:household_id>/residents/<int:residency_id>/end", methods=["POST"])
@login_required
def resident_end(household_id: int, residency_id: int):
    def action(scope, h, form):
        residency = scope.get(Residency, residency_id)
        if residency.household_id != h.id:
            abort(404)
        people.end_residency(residency, on=form.on.data, scope=scope, actor=current_user)

    return _household_action(household_id, EndResidencyForm, action, _("住户已迁出"))


@bp.route("/search")
@login_required
def search():
    """Find households by compound/building/room, or by an owner's name or phone."""
    require(current_user, "registry.view")
    scope = current_scope()
    args = request.args
    try:
        compound_id = int(args["compound_id"]) if args.get("compound_id") else None
    except ValueError:
        compound_id = None
    searched = any(args.get(k) for k in ("q", "compound_id", "building", "room", "no_owner"))
    page = paginate(registry_search.search_households(
        scope, q=args.get("q"), compound_id=compound_id, building=args.get("building"), room=args.get("room"),
        without_owner=args.get("no_owner") == "1",
    )) if searched else None
    owners = people.owners_by_household(scope, [h.id for h in page.items]) if page else {}
    query_args = {k: v for k, v in args.items() if k != "page" and v}
    return render_template(
        "registry/search.html", compounds=compounds.compounds_in(scope), page=page, owners=owners, args=args,
        query_args=query_args, compound_id=compound_id,
    )


@bp.route("/mine")
@login_required
def my_homes():
    """An owner's or resident's own homes."""
    homes = dashboard.my_households(current_scope())
    return render_template("dashboard/dashboard_resident.html", homes=homes, todo=None)


@bp.route("/persons/<int:person_id>")
@login_required
def person(person_id: int):
    page = people.person_page(current_scope(), person_id, actor=current_user)
    return render_template("registry/person.html", p=page.person, ownerships=page.ownerships)


def _new_node(model, parent_id: int, create, *, done: str, title: str):
    """The form of a new street (under the county) or community (under a street): name and phone."""
    require(current_user, "tree.edit")
    scope = current_scope()
    parent = scope.get(model, parent_id)
    form = NodeForm()
    return submit_form(
        form, lambda: create(parent, name=form.name.data, phone=form.phone.data or None, scope=scope,
                             actor=current_user),
        done=done, redirect_to=url_for("registry.tree"), template="registry/node_form.html", title=title,
        parent=parent.name,
    )


@bp.route("/streets/new", methods=["GET", "POST"])
@login_required
def street_new():
    """县级管理员新增街道."""
    return _new_node(County, current_user.county_id, org.create_street, done=_("街道已新增"), title=_("新增街道"))


@bp.route("/streets/<int:street_id>/communities/new", methods=["GET", "POST"])
@login_required
def community_new(street_id: int):
    return _new_node(StreetOffice, street_id, org.create_community, done=_("社区已新增"), title=_("新增社区"))


@bp.route("/communities/<int:community_id>/stations/new", methods=["GET", "POST"])
@login_required
def station_new(community_id: int):
    """A property service station and the compounds it serves."""
    require(current_user, "tree.edit")
    scope = current_scope()
    community = scope.get(Community, community_id)
    form = StationForm()
    form.compound_ids.choices = [(c.id, c.name) for c in compounds.compounds_in(scope)]
    return submit_form(
        form, lambda: org.create_station(
            community, name=form.name.data, compound_ids=form.compound_ids.data, operator=form.operator.data or None,
            phone=form.phone.data or None, scope=scope, actor=current_user,
        ),
        done=_("服务站已新增"), redirect_to=url_for("registry.tree"),
        template="registry/node_form.html", title=_("新增服务站"), parent=community.name,
    )
