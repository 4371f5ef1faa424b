"""公告 pages: the notices of the user's compounds (residents: on the phone, with a read receipt), posting one,
and the households that have not read it (door to door)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from pm.access import can, current_scope, require
from pm.blueprints.notices.forms import NoticeForm, ReadForm
from pm.blueprints.webutil import options, paginate, submit_form
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Building, Compound, NoticeRead, Unit
from pm.services.labels import label
from pm.services.notices import notices
from pm.timeutil import local_today

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.context_processor
def _helpers():
    return {"label": label}


@bp.route("/")
@login_required
def index():
    """Notices, newest first; posters also see how many households have read each."""
    require(current_user, "notices.view")
    page = paginate(notices.notices_stmt(current_scope(), today=local_today()), per_page=20)
    counts = notices.read_counts([n.id for n in page.items]) if can(current_user, "notices.post") else {}
    return render_template("notices/index.html", page=page, counts=counts)


def _place(form: NoticeForm, scope) -> dict:
    """The form's compound and optional building and unit names as ids (names are looked up in the compound)."""
    compound_id = form.compound_id.data
    building_id = unit_id = None
    if (form.building.data or "").strip():
        building_id = db.session.scalar(scope.filter(select(Building.id).where(
            Building.compound_id == compound_id, Building.name == form.building.data.strip()), Building))
        if building_id is None:
            raise DomainError("该小区没有这个楼栋", field="building")
        if (form.unit.data or "").strip():
            unit_id = db.session.scalar(select(Unit.id).where(Unit.building_id == building_id,
                                                              Unit.name == form.unit.data.strip()))
            if unit_id is None:
                raise DomainError("该楼栋没有这个单元", field="unit")
    elif (form.unit.data or "").strip():
        raise DomainError("请先填写楼栋", field="building")
    return {"compound_id": compound_id, "building_id": building_id, "unit_id": unit_id}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Post a notice to a compound (or one of its buildings or units) in the user's area."""
    require(current_user, "notices.post")
    scope = current_scope()
    form = NoticeForm()
    form.compound_id.choices = options(
        (c.id, c.name) for c in db.session.scalars(scope.select(Compound).order_by(Compound.name)))
    if request.method == "GET":
        form.starts_on.data = local_today()

    def action():
        return notices.post_notice(current_user, scope=scope, title=form.title.data, body=form.body.data,
                                   kind=form.kind.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                   files=request.files.getlist("files"), **_place(form, scope))

    return submit_form(form, action, done=_("公告已发布"), template="notices/form.html",
                       redirect_to=lambda n: url_for("notices.detail", notice_id=n.id),
                       aliases={"building_id": "building", "unit_id": "unit"})


@bp.route("/<int:notice_id>")
@login_required
def detail(notice_id: int):
    """One notice with its files and the link to its source page; a resident confirms having read it here."""
    require(current_user, "notices.view")
    scope = current_scope()
    notice = notices.load_notice(scope, notice_id, today=local_today())
    read = None
    if scope.is_household_bound:
        read = db.session.scalar(scope.filter(select(NoticeRead.id).where(NoticeRead.notice_id == notice.id),
                                              NoticeRead)) is not None
    counts = notices.read_counts([notice.id]).get(notice.id) if can(current_user, "notices.post") else None
    return render_template("notices/detail.html", notice=notice, read=read, counts=counts, form=ReadForm())


@bp.route("/<int:notice_id>/read", methods=["POST"])
@login_required
def mark_read(notice_id: int):
    """已阅回执: the owner or resident confirms having read the notice (counted for their household)."""
    require(current_user, "notices.view")
    scope = current_scope()
    notice = notices.load_notice(scope, notice_id, today=local_today())
    if ReadForm().validate_on_submit():
        notices.mark_read(notice, current_user, scope=scope)
        flash(_("已确认阅读"), "success")
    return redirect(url_for("notices.detail", notice_id=notice.id))


@bp.route("/<int:notice_id>/unread")
@login_required
def unread(notice_id: int):
    """The households that have not read the notice, by building and unit, with their owners (上门告知)."""
    require(current_user, "notices.post")
    notice = notices.load_notice(current_scope(), notice_id, today=local_today())
    page = paginate(notices.unread_households_stmt(notice), per_page=100)
    names = notices.owner_names([h.id for h in page.items])
    return render_template("notices/unread.html", notice=notice, page=page, names=names,
                           counts=notices.read_counts([notice.id]).get(notice.id, (0, 0)))
