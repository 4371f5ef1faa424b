"""使用方案 pages: list, draft, detail (timeline, scope, documents, tally, apportionment), transitions,
owners' phone voting, paper ballots and documents. Rules live in pm.services.fund.plans and votes."""
from __future__ import annotations

import os
from decimal import Decimal

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_fresh, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import can, current_scope
from pm.blueprints.fund.plans import bp
from pm.blueprints.fund.plans.forms import (
    BallotForm,
    DocumentForm,
    PaperBallotForm,
    PlanForm,
    TransitionForm,
    options,
)
from pm.blueprints.webutil import errors_to_form, paginate, submit_form
from pm.errors import DomainError, Forbidden
from pm.extensions import db, login_manager
from pm.services.labels import label
from pm.models import (
    AuditLog,
    Building,
    Compound,
    Household,
    Ownership,
    Person,
    Role,
    Unit,
)
from pm.models.fund import (
    Ballot,
    PlanDocument,
    PlanScope,
    PlanShare,
    PlanStatus,
    UsePlan,
)
from pm.services import votes
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import APPROVER_LABELS, STATUS_LABELS, Targets

# Transitions that move money or approve it need a fresh login (reliability.md: fresh_login_required).
FRESH = {"passed", "payment_approved", "charged"}
TRANSITION_LABELS = {
    "publicised": "开始公示", "voting": "开始业主表决", "close_vote": "结束表决并计票",
    "passed": "审核通过（应急使用）", "rejected": "驳回", "works_done": "登记施工完成", "settled": "按实结算",
    "payment_approved": "审核拨付", "charged": "分摊列支（从各户账户扣划）", "cancelled": "撤销方案",
}
DECISION_LABELS = {"use_fund": "使用维修资金", "raise_fund": "筹集维修资金", "change_use": "改变共有部分用途或经营"}
CHOICE_LABELS = {"yes": "同意", "no": "反对", "abstain": "弃权"}
PLAN_OPTIONS = (
    joinedload(UsePlan.compound),
    selectinload(UsePlan.scopes).joinedload(PlanScope.building),
    selectinload(UsePlan.scopes).joinedload(PlanScope.unit).joinedload(Unit.building),
    selectinload(UsePlan.scopes).joinedload(PlanScope.household).joinedload(Household.building),
    selectinload(UsePlan.scopes).joinedload(PlanScope.household).joinedload(Household.unit),
)


def _frac(f) -> str:
    """An exact fraction with its percentage for display: 2/3（66.67%）."""
    if f is None:
        return "—"
    percent = Decimal(f.numerator * 100) / Decimal(f.denominator)
    return f"{f.numerator}/{f.denominator}（{percent:.2f}%）"


def _labels() -> dict:
    return {"frac": _frac, "role_labels": {r.value: label(r) for r in Role},
            "status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
            "transition_labels": {k: _(v) for k, v in TRANSITION_LABELS.items()},
            "decision_labels": {k: _(v) for k, v in DECISION_LABELS.items()},
            "choice_labels": {k: _(v) for k, v in CHOICE_LABELS.items()},
            "approver_labels": {k: _(v) for k, v in APPROVER_LABELS.items()}}


def _plan(plan_id: int) -> UsePlan:
    return current_scope().get(UsePlan, plan_id, options=PLAN_OPTIONS)


@bp.route("/")
@login_required
def index():
    """Plans in the user's scope (owners: their compound's), newest first, paginated."""
    scope = current_scope()
    stmt = scope.select(UsePlan).options(joinedload(UsePlan.compound)).order_by(UsePlan.created_at.desc(),
                                                                                 UsePlan.id.desc())
    status = request.args.get("status")
    if status in STATUS_LABELS:
        stmt = stmt.where(UsePlan.status == status)
    return render_template("fund/plans/index.html", page=paginate(stmt), status=status, **_labels())


def _compounds(scope) -> list[Compound]:
    return list(db.session.scalars(scope.select(Compound).order_by(Compound.name, Compound.id)))


def _target_choices(scope, compound: Compound) -> list[tuple[str, str]]:
    """b:ID / u:ID / h:ID choices of one compound (three scoped queries)."""
    out = []
    buildings = db.session.scalars(scope.select(Building).where(Building.compound_id == compound.id)
                                   .order_by(Building.name, Building.id)).all()
    out += [(f"b:{b.id}", _("楼栋 · %(name)s", name=b.name)) for b in buildings]
    units = db.session.scalars(scope.select(Unit).options(joinedload(Unit.building)).where(Unit.compound_id == compound.id)
                               .order_by(Unit.building_id, Unit.name, Unit.id)).all()
    out += [(f"u:{u.id}", _("单元 · %(name)s", name=f"{u.building.name}{u.name}")) for u in units]
    households = db.session.scalars(
        scope.select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.compound_id == compound.id).order_by(Household.building_id, Household.unit_id,
                                                               Household.room_no)).all()
    out += [(f"h:{h.id}", _("住户 · %(name)s", name=h.label)) for h in households]
    return out


def _targets(form: PlanForm) -> Targets:
    if form.scope_kind.data == "whole":
        return Targets()
    t = Targets(whole=False)
    for value in form.targets.data or []:
        kind, _sep, raw = value.partition(":")
        {"b": t.buildings, "u": t.units, "h": t.households}[kind].append(int(raw))
    return t


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Draft a plan for one compound (chosen first when the user has several)."""
    if not can(current_user, "fund.plan.propose"):
        raise Forbidden(_("您的角色无权起草使用方案"))
    scope = current_scope()
    compounds = _compounds(scope)
    raw = request.args.get("compound_id", type=int)
    if raw is None and len(compounds) == 1:
        raw = compounds[0].id
    if raw is None:
        return render_template("fund/plans/pick_compound.html", compounds=compounds)
    compound = scope.get(Compound, raw)
    policy = fund_plans.policy_for(compound.id)
    form = PlanForm()
    form.targets.choices = options(_target_choices(scope, compound))
    form.emergency_reason.choices = options([("", "—")] + [(k, _(v)) for k, v in policy.emergency_reasons.items()])

    def create():
        return fund_plans.create_plan(
            compound, actor=current_user, scope=scope, title=form.title.data, shared_part=form.shared_part.data,
            reason=form.reason.data, budget_fen=fund_plans.parse_yuan(form.budget.data),
            contractor=form.contractor.data, decision_kind=form.decision_kind.data, targets=_targets(form),
            confirmations={name: getattr(form, name).data for name in fund_plans.CONFIRMATIONS},
            is_emergency=form.is_emergency.data, emergency_reason=form.emergency_reason.data or None,
        )

    return submit_form(
        form, create, done=_("方案草稿已保存"), redirect_to=lambda plan: url_for("plans.show", plan_id=plan.id),
        template="fund/plans/form.html", aliases={"budget_fen": "budget", "scope": "targets"}, compound=compound,
    )


def _timeline(plan: UsePlan) -> list[AuditLog]:
    """The plan's audited transitions (the plan itself was loaded through the user's scope)."""
    return list(db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "UsePlan", AuditLog.object_id == plan.id)
        .order_by(AuditLog.created_at, AuditLog.id)
    ))


def _shares(plan: UsePlan):
    if plan.status == PlanStatus.CHARGED:
        rows = db.session.scalars(
            current_scope().select(PlanShare)
            .options(joinedload(PlanShare.account),
                     joinedload(PlanShare.household).joinedload(Household.building),
                     joinedload(PlanShare.household).joinedload(Household.unit))
            .where(PlanShare.plan_id == plan.id).order_by(PlanShare.account_id)
        ).all()
        return {"preview": False, "rows": rows, "total": sum(r.share_fen for r in rows),
                "charged": sum(r.charged_fen for r in rows), "shortfall": sum(r.shortfall_fen for r in rows),
                "without_account": []}
    if plan.status in (PlanStatus.SETTLED, PlanStatus.PAYMENT_APPROVED):
        try:
            result = fund_plans.apportion(plan)
        except DomainError as err:
            return {"error": err.message}
        households = {h.id: h for h in db.session.scalars(
            select(Household).options(joinedload(Household.building), joinedload(Household.unit))
            .where(Household.id.in_({x.household_id for x in result.lines}))
        )}
        rows = [{"household": households[x.household_id], "account": x, "area_m2": x.area_m2,
                 "share_fen": x.share_fen, "charged_fen": x.charged_fen, "shortfall_fen": x.shortfall_fen}
                for x in result.lines]
        return {"preview": True, "rows": rows, "total": result.total_fen, "charged": result.charged_fen,
                "shortfall": result.shortfall_fen, "without_account": result.without_account}
    return None


def _voter_choices(plan: UsePlan) -> list[tuple[str, str]]:
    """Paper-ballot choices: every (dwelling, current owner) pair of the scope without a ballot yet."""
    voted = set(db.session.scalars(select(Ballot.household_id).where(Ballot.plan_id == plan.id)))
    hh_ids = fund_plans.scope_households_stmt(plan).with_only_columns(Household.id)
    rows = db.session.execute(
        current_scope().filter(select(Household, Person), Household)
        .join(Ownership, (Ownership.household_id == Household.id) & Ownership.ended_on.is_(None))
        .join(Person, Person.id == Ownership.person_id)
        .options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.id.in_(hh_ids)).order_by(Household.building_id, Household.unit_id, Household.room_no)
    ).all()
    return [(f"{h.id}:{p.id}", f"{h.label} · {p.name}") for h, p in rows if h.id not in voted]


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id: int):
    """One plan: facts, scope, timeline, documents, tally, apportionment and the forms this user may use."""
    plan = _plan(plan_id)
    scope = current_scope()
    allowed = fund_plans.allowed_transitions(plan, current_user, scope)
    documents = db.session.scalars(scope.select(PlanDocument).where(PlanDocument.plan_id == plan.id)
                                   .order_by(PlanDocument.id)).all()
    show_tally = plan.status not in (PlanStatus.DRAFT, PlanStatus.PUBLICISED, PlanStatus.CANCELLED) \
        and not plan.is_emergency
    tally = votes.tally(plan) if show_tally else None
    paper_form = None
    if plan.status == PlanStatus.VOTING and can(current_user, "fund.ballot.paper"):
        paper_form = PaperBallotForm()
        paper_form.voter.choices = options(_voter_choices(plan))
    can_vote = plan.status == PlanStatus.VOTING and bool(votes.my_households(plan, current_user))
    policy = fund_plans.policy_for(plan.compound_id)
    return render_template(
        "fund/plans/show.html", plan=plan, scope_words=fund_plans.describe_scope(plan), timeline=_timeline(plan),
        documents=documents, tally=tally, fractions=tally.fractions() if tally else {}, shares=_shares(plan),
        allowed=allowed, transition_form=TransitionForm(), paper_form=paper_form, can_vote=can_vote,
        document_form=DocumentForm() if can(current_user, "fund.plan.propose") and plan.status not in (
            PlanStatus.CHARGED, PlanStatus.CANCELLED, PlanStatus.REJECTED) else None,
        emergency_label=_(policy.emergency_reasons.get(plan.emergency_reason, plan.emergency_reason))
        if plan.emergency_reason else "",
        approver=policy.approver, **_labels(),
    )


@bp.route("/<int:plan_id>/tally")
@login_required
def tally_page(plan_id: int):
    """实时计票: every figure of the tally (reloads itself while the vote is open)."""
    plan = _plan(plan_id)
    if plan.is_emergency:
        abort(404)
    result = votes.tally(plan)
    return render_template("fund/plans/tally.html", plan=plan, tally=result, fractions=result.fractions(), **_labels())


@bp.route("/<int:plan_id>/transition", methods=["POST"])
@login_required
def transition(plan_id: int):
    """Apply one transition from the plan page; approvals and charging need a fresh login."""
    plan = _plan(plan_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("提交无效：%(errors)s", errors="；".join(m for ms in form.errors.values() for m in ms)), "danger")
        return redirect(url_for("plans.show", plan_id=plan.id))
    to = form.to.data
    if to in FRESH and not login_fresh():
        return login_manager.needs_refresh()
    try:
        cost = fund_plans.parse_yuan(form.actual_cost.data, field="actual_cost") if to == "settled" else None
        fund_plans.transition(plan, to, actor=current_user, scope=current_scope(), reason=form.reason.data or None,
                              actual_cost_fen=cost)
    except DomainError as err:
        db.session.rollback()
        detail = "；".join(m for ms in err.fields.values() for m in ms if m != err.message)
        flash(err.message + (f"（{detail}）" if detail else ""), "danger")
        return redirect(url_for("plans.show", plan_id=plan_id))
    flash(_("方案状态已更新：%(status)s", status=_(STATUS_LABELS[plan.status.value])), "success")
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/vote", methods=["GET", "POST"])
@login_required
def vote(plan_id: int):
    """业主手机投票: big buttons 同意/反对/弃权 for each of the owner's dwellings in the plan's scope."""
    plan = _plan(plan_id)
    scope = current_scope()
    form = BallotForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                household = scope.get(Household, int(form.household_id.data))
                votes.cast_ballot(plan, household, form.choice.data, actor=current_user, scope=scope)
            except (DomainError, ValueError) as err:
                db.session.rollback()
                flash(getattr(err, "message", _("提交无效")), "danger")
            else:
                flash(_("您的投票已记录"), "success")
            return redirect(url_for("plans.vote", plan_id=plan_id))
        flash(_("提交无效，请重试"), "danger")
    mine = votes.my_households(plan, current_user)
    ballots = {b.household_id: b for b in db.session.scalars(
        scope.select(Ballot).where(Ballot.plan_id == plan.id, Ballot.household_id.in_([h.id for h in mine]))
    )} if mine else {}
    return render_template("fund/plans/vote.html", plan=plan, households=mine, ballots=ballots, form=form, **_labels())


@bp.route("/<int:plan_id>/paper-ballots", methods=["POST"])
@login_required
def paper_ballot(plan_id: int):
    """业委会录入纸质票 for one (dwelling, owner) pair."""
    plan = _plan(plan_id)
    scope = current_scope()
    form = PaperBallotForm()
    form.voter.choices = options(_voter_choices(plan)) if can(current_user, "fund.ballot.paper") else []
    if not form.validate_on_submit():
        flash(_("请选择住户与投票业主"), "danger")
        return redirect(url_for("plans.show", plan_id=plan_id))
    hh_raw, _sep, person_raw = form.voter.data.partition(":")
    try:
        household = scope.get(Household, int(hh_raw))
        person = scope.get(Person, int(person_raw))
        votes.cast_ballot(plan, household, form.choice.data, actor=current_user, scope=scope, person=person,
                          paper=True)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "danger")
    else:
        flash(_("纸质票已录入"), "success")
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/documents", methods=["POST"])
@login_required
def upload(plan_id: int):
    """Upload a plan document (checked by content; stored under UPLOAD_DIR/plans/)."""
    plan = _plan(plan_id)
    form = DocumentForm()
    if form.validate_on_submit():
        storage = form.file.data
        data = storage.read(fund_plans.MAX_DOCUMENT_BYTES + 1)
        try:
            fund_plans.add_document(plan, filename=storage.filename, data=data, actor=current_user,
                                    scope=current_scope(), upload_dir=current_app.config["UPLOAD_DIR"])
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(_("材料已上传"), "success")
            return redirect(url_for("plans.show", plan_id=plan_id))
    for message in [m for ms in form.errors.values() for m in ms] + list(form.form_errors):
        flash(message, "danger")
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/documents/<int:document_id>")
@login_required
def document(plan_id: int, document_id: int):
    """Serve a document only to users who may see the plan (its compound's officials and owners)."""
    plan = _plan(plan_id)
    doc = current_scope().get(PlanDocument, document_id)
    if doc.plan_id != plan.id:
        abort(404)
    path = fund_plans.document_path(doc, current_app.config["UPLOAD_DIR"])
    if not os.path.isfile(path):
        abort(404)
    return send_file(path, mimetype=doc.content_type, download_name=doc.filename,
                     as_attachment=doc.content_type == "application/pdf")

