"""网格与志愿者 pages: the register (residents join from the phone), a volunteer's hours, grids and the tally."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from wtforms.fields.choices import SelectChoice
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from pm.access import can, current_scope, require
from pm.blueprints.volunteers.forms import GridForm, HoursForm, JoinForm
from pm.blueprints.webutil import options, paginate, submit_form
from pm.extensions import db
from pm.models import Building, Community, Compound
from pm.services.labels import label
from pm.services.volunteers import volunteers
from pm.timeutil import local_today

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")


@bp.context_processor
def _helpers():
    return {"label": label}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The register: a resident sees and joins their own activities; officials see their area's volunteers."""
    require(current_user, "volunteers.view")
    scope = current_scope()
    form = JoinForm()
    page = paginate(volunteers.volunteers_stmt(scope))
    if request.method == "POST":
        require(current_user, "volunteers.join")
    return submit_form(form, lambda: volunteers.join(current_user, scope=scope, activity=form.activity.data),
                       done=_("报名成功，社区将与您联系"), redirect_to=url_for("volunteers.index"),
                       template="volunteers/index.html", page=page, may_join=can(current_user, "volunteers.join"))


@bp.route("/<int:volunteer_id>", methods=["GET", "POST"])
@login_required
def detail(volunteer_id: int):
    """A volunteer's hours; the community logs new hours here."""
    require(current_user, "volunteers.view")
    scope = current_scope()
    volunteer = volunteers.load_volunteer(scope, volunteer_id)
    form = HoursForm()
    if request.method == "GET":
        form.served_on.data = local_today()
    if request.method == "POST":
        require(current_user, "volunteers.manage")
    return submit_form(form, lambda: volunteers.log_hours(
        volunteer, current_user, scope=scope, served_on=form.served_on.data, hours=form.hours.data,
        note=form.note.data), done=_("服务时长已登记"), redirect_to=url_for("volunteers.detail", volunteer_id=volunteer_id),
        template="volunteers/detail.html", volunteer=volunteer,
        hours=paginate(volunteers.hours_stmt(scope, volunteer_id)), may_log=can(current_user, "volunteers.manage"))


@bp.route("/grids/", methods=["GET", "POST"])
@login_required
def grids():
    """The grids of the area; the community adds one with the compounds it covers."""
    require(current_user, "volunteers.manage")
    scope = current_scope()
    form = GridForm()
    form.community_id.choices = options(
        (c.id, c.name) for c in db.session.scalars(scope.select(Community).order_by(Community.name)))
    form.compound_ids.choices = options(
        (c.id, c.name) for c in db.session.scalars(scope.select(Compound).order_by(Compound.name)))
    form.building_ids.choices = _building_choices(scope)

    def action():
        return volunteers.create_grid(current_user, scope=scope, community_id=form.community_id.data,
                                      name=form.name.data, worker_name=form.worker_name.data,
                                      worker_phone=form.worker_phone.data, party_group=form.party_group.data,
                                      compound_ids=form.compound_ids.data or [],
                                      building_ids=form.building_ids.data or [])

    return submit_form(form, action, done=_("网格已保存"), redirect_to=url_for("volunteers.grids"),
                       template="volunteers/grids.html", page=paginate(volunteers.grids_stmt(scope)))


def _building_choices(scope) -> list[SelectChoice]:
    """The buildings of the area grouped by compound (and community when the area has several), one query;
    each option names its compound too, so that typing a compound's name finds its buildings."""
    rows = db.session.execute(
        scope.filter(select(Building.id, Building.name, Compound.name, Community.name)
                     .join(Compound, Compound.id == Building.compound_id)
                     .join(Community, Community.id == Compound.community_id), Building)
        .order_by(Community.name, Compound.name, Building.id)).all()
    several = len({row[3] for row in rows}) > 1
    return [SelectChoice(building_id, f"{compound} {building}",
                         optgroup=f"{community} · {compound}" if several else compound)
            for building_id, building, compound, community in rows]


@bp.route("/tally")
@login_required
def tally():
    """The yearly tally of hours per grid and per person."""
    require(current_user, "volunteers.manage")
    year = request.args.get("year", type=int) or local_today().year
    year = year if 2000 <= year <= 2100 else local_today().year
    per_grid, per_person = volunteers.tally(current_scope(), year)
    return render_template("volunteers/tally.html", year=year, per_grid=per_grid, per_person=per_person)
