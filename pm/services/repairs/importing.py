"""历史工单导入: a file of a compound's historical repair requests, checked (dry run), then committed by its id.

The dry run (`check_file`) reads the file (.xlsx behind the xlsx guard, or .csv), checks every row
(pm.services.repairs.import_rows) and, when none is bad, keeps the file as a RepairImport with the counts and a
preview of what would be created; with any bad row it raises RepairImportRejected listing them all and keeps
nothing. The commit (`commit`) checks the rows again, against the database as it is then, and creates every
request not imported yet, all or none: each keeps its original times (so metrics and assessments of past months
count it), its deadlines counted from its filing time, a timeline of its steps at those times, source "import"
and its number in the previous system, unique per station. A row whose number is already imported from the same
content is skipped, so the same file again (or in parallel: the commits of a station take turns) creates
nothing. One audit row per committed file, with its counts.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError, Forbidden, RowsRejected
from pm.extensions import db
from pm.models import Compound, RepairImport, RepairRequest, RepairStatus, User
from pm.services import audit, locks, tallies
from pm.services.labels import label
from pm.services.messages import Message
from pm.services.registry.tree import county_id_of
from pm.services.repairs.deadlines import compute_deadlines
from pm.services.repairs.filing import station_of
from pm.services.repairs.import_rows import COLUMNS, EXAMPLE, EXAMPLE_COLUMN, EXAMPLE_MARK, Row, parse_rows
from pm.services.repairs.workflow import record_event
from pm.services.spreadsheets import Sheet, read_table, write_xlsx
from pm.services.text import N_
from pm.timeutil import to_local, utcnow

logger = logging.getLogger(__name__)

MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
SOURCE = "import"
PREVIEW_ROWS = 200  # rows shown in a dry run's preview (the counts cover all)
PLANNED, DONE = "planned", "done"
KEPT_FOR = timedelta(hours=24)  # an uncommitted dry run (and its file) is kept this long, then refused and purged

E_REJECTED = N_("历史工单文件有 %(n)d 处错误，未导入")
E_EMPTY = N_("文件中没有工单")
E_NO_STATION = N_("该小区没有服务站，不能导入工单")
E_NOT_YOURS = N_("只有上传该文件的人可以确认导入")
E_EXPIRED = N_("该预览已超过 24 小时，没有导入任何工单。请重新上传文件。")
M_IMPORTED = N_("历史工单导入（原编号 %(external_id)s）")


class RepairImportRejected(RowsRejected):
    """The file has errors; nothing was imported."""

    message_id = E_REJECTED


@dataclass
class Outcome:
    """A dry run or a commit: the kept file, what each row is (preview) and the counts."""

    batch: RepairImport
    preview: list[dict]
    counts: dict

    @property
    def dry_run(self) -> bool:
        return self.batch.status == PLANNED


def _stamp(value: datetime | None) -> str | None:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else None


def _preview(rows: list[Row]) -> list[dict]:
    return [{"row": r.row, "external_id": r.external_id, "place": r.place_text, "category": r.category.value,
             "category_label": label(r.category), "status": r.status.value, "status_label": label(r.status),
             "submitted_at": r.times["报修时间"], "submitted": _stamp(r.times["报修时间"]),
             "already_imported": r.already_imported} for r in rows[:PREVIEW_ROWS]]


def _counts(rows: list[Row], created: int | None = None) -> dict:
    new = sum(not r.already_imported for r in rows)
    out = {"rows": len(rows), "new": new, "already_imported": len(rows) - new}
    if created is not None:
        out["created"] = created
    return out


def _parse(compound: Compound, station_id: int, filename: str, data: bytes, now: datetime) -> list[Row]:
    table = read_table(filename, data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=len(COLUMNS) + 4)
    parsed = parse_rows(compound, station_id, table, now)
    if parsed.problems:
        raise RepairImportRejected(parsed.problems)
    if not parsed.rows:
        raise DomainError(E_EMPTY, field="file")
    return parsed.rows


def _station(compound: Compound) -> int:
    station_id = station_of(compound.id)
    if station_id is None:
        raise DomainError(E_NO_STATION, field="compound_id")
    return station_id


def check_file(compound: Compound, filename: str, data: bytes, *, actor: User, scope: Scope,
               now: datetime | None = None) -> Outcome:
    """预演: check every row; keep the file for its commit when none is bad (else RepairImportRejected)."""
    authorise(scope, actor, "repair.import")
    compound = scope.get(Compound, compound.id)
    now = now or utcnow()
    station_id = _station(compound)
    rows = _parse(compound, station_id, filename, data, now)
    batch = RepairImport(compound_id=compound.id, station_id=station_id, user_id=actor.id,
                         filename=(filename or "upload")[-200:], sha256=hashlib.sha256(data).hexdigest(), data=data,
                         status=PLANNED, counts=_counts(rows), created_at=now)
    db.session.add(batch)
    db.session.flush()
    return Outcome(batch, _preview(rows), batch.counts)


def get_import(import_id: int, *, actor: User, scope: Scope) -> RepairImport:
    """A kept file in the user's scope (404 otherwise), for its uploader only (403)."""
    authorise(scope, actor, "repair.import")
    batch = scope.get(RepairImport, import_id)
    if batch.user_id != actor.id:
        raise Forbidden(E_NOT_YOURS)
    return batch


def commit(import_id: int, *, actor: User, scope: Scope, now: datetime | None = None) -> Outcome:
    """确认导入: create the file's requests not imported yet, all or none (see the module's docstring)."""
    batch = get_import(import_id, actor=actor, scope=scope)
    compound = scope.get(Compound, batch.compound_id)
    now = now or utcnow()
    # The commits of a station take turns: the second of two parallel commits of one file sees the first's rows.
    locks.serialise(f"repair-import:{batch.station_id}")
    db.session.refresh(batch)
    if batch.status == DONE:  # committed before (by another request): nothing new
        return Outcome(batch, [], {**(batch.counts or {}), "created": 0})
    if batch.data is None or now - batch.created_at >= KEPT_FOR:
        raise Conflict(E_EXPIRED, field="import_id")
    if _station(compound) != batch.station_id:
        raise Conflict(E_NO_STATION, field="compound_id")
    rows = _parse(compound, batch.station_id, batch.filename, batch.data or b"", now)
    county_id = county_id_of(compound.id)
    created = 0
    for row in rows:
        if not row.already_imported:
            _create(compound, batch.station_id, row, county_id, now)
            created += 1
    batch.status, batch.committed_at, batch.data = DONE, now, None
    batch.counts = _counts(rows, created)
    db.session.flush()
    if created:  # the same file again changes nothing: nothing to audit
        audit.record("repair.import", batch, actor=actor, place=compound, changes={
            "filename": batch.filename, "sha256": batch.sha256, **batch.counts})
    logger.info("repair import %s: %d rows, %d created in %r", batch.id, len(rows), created, compound)
    return Outcome(batch, _preview(rows), batch.counts)


def purge_stale(now: datetime) -> int:
    """Delete the dry runs nobody committed within KEPT_FOR (their files with them); the daily housekeeping."""
    stale = db.session.scalars(select(RepairImport).where(RepairImport.status == PLANNED,
                                                          RepairImport.created_at < now - KEPT_FOR)).all()
    for batch in stale:
        db.session.delete(batch)
    db.session.flush()
    return len(stale)


def _create(compound: Compound, station_id: int, row: Row, county_id: int | None, now: datetime) -> RepairRequest:
    """One historical request with its original times and the timeline of its steps at those times."""
    t = row.times
    household_id, building_id, unit_id = row.place
    accepted = t.get("受理时间") or t.get("派单时间")
    dispatched = t.get("返工时间") or t.get("派单时间")
    confirmed = t.get("评价时间")
    closed = t.get("关闭时间") or confirmed
    req = RepairRequest(
        compound_id=compound.id, station_id=station_id, household_id=household_id, building_id=building_id,
        unit_id=unit_id, category=row.category, urgency=row.urgency, description=row.description,
        status=row.status, filer_name=row.filer_name, filer_phone=row.filer_phone, submitted_at=t["报修时间"],
        accepted_at=accepted, dispatched_at=dispatched, started_at=t.get("到场时间"),
        completed_at=t.get("完工时间"), confirmed_at=confirmed, closed_at=closed,
        rejected_at=t.get("不予受理时间"), reject_reason=row.reject_reason,
        team_id=row.team.id if row.team else None, assignee_id=row.assignee_id,
        completion_note=row.completion_note, rating=row.rating, rating_comment=row.rating_comment,
        reopen_count=1 if "返工时间" in t else 0, escalation_level=0, needs_fund=False, is_time_agreed=False,
        source=SOURCE, external_id=row.external_id, external_hash=row.external_hash, updated_at=now,
    )
    compute_deadlines(req, compound, county_id)
    db.session.add(req)
    db.session.flush()
    tallies.bump(compound.id, tallies.repair_flags(req.status))  # counted as filing and the workflow count
    for kind, at, before, after, note in _timeline(row, accepted):
        record_event(req, kind, before, after, None, at, note,
                     Message(M_IMPORTED, {"external_id": row.external_id}) if kind == "submitted" else None)
    return req


def _timeline(row: Row, accepted: datetime | None) -> list[tuple]:
    """(kind, at, from, to, note) of each step the row's times show, in the workflow's order."""
    t, s = row.times, RepairStatus
    steps: list[tuple] = [("submitted", t["报修时间"], None, s.SUBMITTED, row.description[:200])]
    if accepted is not None:
        steps.append(("accepted", accepted, s.SUBMITTED, s.ACCEPTED, None))
    if "不予受理时间" in t:
        before = s.ACCEPTED if accepted is not None else s.SUBMITTED
        steps.append(("rejected", t["不予受理时间"], before, s.REJECTED, row.reject_reason))
        return steps
    if "派单时间" in t:
        steps.append(("dispatched", t["派单时间"], s.ACCEPTED, s.DISPATCHED, None))
    if "返工时间" in t:
        steps.append(("reopened", t["返工时间"], s.COMPLETED, s.DISPATCHED, row.reopen_reason))
    if "到场时间" in t:
        steps.append(("started", t["到场时间"], s.DISPATCHED, s.IN_PROGRESS, None))
    if "完工时间" in t:
        steps.append(("completed", t["完工时间"], s.IN_PROGRESS, s.COMPLETED, row.completion_note))
    if "评价时间" in t:
        steps.append(("confirmed", t["评价时间"], s.COMPLETED, s.CONFIRMED, row.rating_comment))
        steps.append(("closed", t.get("关闭时间") or t["评价时间"], s.CONFIRMED, s.CLOSED, None))
    elif "关闭时间" in t:
        steps.append(("auto_closed", t["关闭时间"], s.COMPLETED, s.CLOSED, None))
    return steps


def template_workbook() -> bytes:
    """The import template: the columns (required ones marked *) and one example row marked 示例 (never imported)."""
    header = [f"{name}*" if required else name for name, required in COLUMNS] + [EXAMPLE_COLUMN]
    return write_xlsx(Sheet(title="历史工单", header=header, rows=[[*EXAMPLE, EXAMPLE_MARK]], muted_rows=1,
                            freeze_header=True, widths={i: 16 for i in range(len(header))}))
