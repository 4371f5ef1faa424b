"""联席会议 pages: the meetings of the user's area, recording one, its action items (add, report, confirm)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from pm.access import current_scope, require
from pm.blueprints.meetings.forms import ConfirmForm, ItemForm, MeetingForm, ReportForm
from pm.blueprints.webutil import errors_to_form, options, paginate, submit_form
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import BodyKind, Community, Compound, ItemStatus, JointMeeting, Station
from pm.services.labels import label
from pm.services.meetings import meetings
from pm.timeutil import local_today

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.context_processor
def _helpers():
    return {"label": label}


@bp.route("/")
@login_required
def index():
    """Joint meetings in the user's area, newest first."""
    require(current_user, "meetings.view")
    return render_template("meetings/index.html", page=paginate(meetings.meetings_stmt(current_scope())))


def _attendees(form: MeetingForm) -> list[dict]:
    """The four name fields as attendee rows of the bodies of the chosen community and compound."""
    community_id, compound_id = form.community_id.data, form.compound_id.data or None
    station_id = db.session.scalar(select(Station.id).where(Station.community_id == community_id)
                                   .order_by(Station.id).limit(1))
    ids = {BodyKind.PARTY_BRANCH: community_id, BodyKind.RESIDENTS_COMMITTEE: community_id,
           BodyKind.OWNERS_COMMITTEE: compound_id, BodyKind.STATION: station_id}
    out = []
    for kind in BodyKind:
        names = (getattr(form, kind.value).data or "").strip()
        if names:
            if ids[kind] is None:
                raise DomainError("请先选择小区或社区的服务站", field=kind.value)
            out.append({"body_kind": kind.value, "body_id": ids[kind], "names": names})
    return out


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Record a joint meeting of a community in the user's area."""
    require(current_user, "meetings.convene")
    scope = current_scope()
    form = MeetingForm()
    form.community_id.choices = options(
        (c.id, c.name) for c in db.session.scalars(scope.select(Community).order_by(Community.name)))
    form.compound_id.choices = options([(0, _("（全社区）"))] + [
        (c.id, c.name) for c in db.session.scalars(scope.select(Compound).order_by(Compound.name))])
    if request.method == "GET":
        form.held_on.data = local_today()

    def action():
        return meetings.create_meeting(
            current_user, scope=scope, community_id=form.community_id.data, held_on=form.held_on.data,
            topics=form.topics.data, minutes=form.minutes.data, compound_id=form.compound_id.data or None,
            attendees=_attendees(form), files=request.files.getlist("files"))

    return submit_form(form, action, done=_("会议已保存，请登记决定事项"),
                       redirect_to=lambda m: url_for("meetings.detail", meeting_id=m.id),
                       template="meetings/form.html", aliases={"attendees": "topics"})


def _body_choices(meeting: JointMeeting):
    return options((f"{b.kind.value}:{b.id}", f"{label(b.kind)}{_('：')}{b.place or b.name}")
                   for b in meetings.bodies_of(db.session.get(Community, meeting.community_id)))


def _render(meeting: JointMeeting, *, item_form=None, report_form=None, confirm_form=None, status=200):
    user = current_user
    item_form = item_form or ItemForm()
    item_form.responsible.choices = _body_choices(meeting)
    return render_template(
        "meetings/detail.html", meeting=meeting, today=local_today(), item_form=item_form,
        report_form=report_form or ReportForm(), confirm_form=confirm_form or ConfirmForm(),
        is_convener=user.id == meeting.convener_id, may_report=lambda i: meetings.is_responsible(i, user)
        and i.status == ItemStatus.OPEN, ItemStatus=ItemStatus), status


@bp.route("/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    """A meeting with its attendees, minutes, files and action items."""
    require(current_user, "meetings.view")
    return _render(meetings.load_meeting(current_scope(), meeting_id))


def _post(meeting: JointMeeting, form, action, done: str, **forms):
    if form.validate_on_submit():
        try:
            action()
        except (Forbidden, NotFound):
            raise
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err, {"responsible_kind": "responsible", "responsible_id": "responsible"})
        else:
            flash(done, "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _render(meetings.load_meeting(current_scope(), meeting.id), status=400, **forms)


@bp.route("/<int:meeting_id>/items", methods=["POST"])
@login_required
def add_item(meeting_id: int):
    """The convener turns a decision into an action item."""
    require(current_user, "meetings.convene")
    meeting = meetings.load_meeting(current_scope(), meeting_id)
    form = ItemForm()
    form.responsible.choices = _body_choices(meeting)
    kind, _sep, ident = (form.responsible.data or "").partition(":")
    return _post(meeting, form, lambda: meetings.add_item(
        meeting, current_user, scope=current_scope(), decision=form.decision.data, responsible_kind=kind,
        responsible_id=int(ident) if ident.isdigit() else 0, person_name=form.person_name.data,
        due_on=form.due_on.data), _("决定事项已登记"), item_form=form)


@bp.route("/items/<int:item_id>/report", methods=["POST"])
@login_required
def report(item_id: int):
    """The responsible body reports the item done with evidence."""
    require(current_user, "meetings.view")
    item = meetings.load_item(current_scope(), item_id)
    form = ReportForm()
    return _post(item.meeting, form, lambda: meetings.report_item(
        item, current_user, scope=current_scope(), note=form.note.data, files=request.files.getlist("files")),
        _("已报告办结，等待召集人确认"), report_form=form)


@bp.route("/items/<int:item_id>/confirm", methods=["POST"])
@login_required
def confirm(item_id: int):
    """The convener confirms the item done or sends it back."""
    require(current_user, "meetings.convene")
    item = meetings.load_item(current_scope(), item_id)
    form = ConfirmForm()
    return _post(item.meeting, form, lambda: meetings.confirm_item(
        item, current_user, scope=current_scope(), passed=form.decision.data == "confirm", reason=form.reason.data),
        _("已保存"), confirm_form=form)


@bp.route("/items/")
@login_required
def items():
    """Action items in the user's area (open first, overdue leading); ?overdue=1, ?mine=1 (my body's)."""
    require(current_user, "meetings.view")
    today = local_today()
    stmt = meetings.items_stmt(current_scope(), overdue_on=today if request.args.get("overdue") == "1" else None,
                               mine=current_user if request.args.get("mine") == "1" else None)
    args = {k: v for k, v in request.args.items() if k in ("overdue", "mine")}
    return render_template("meetings/items.html", page=paginate(stmt), today=today, args=args)
