"""维修资金对接 REST API: deposits by household or address (opening the account on first use), bank-statement upload
with a dry run, reconciliation reads by stable cursor, and the 追缴 / 续交 lists as JSON and xlsx."""
# Writes call pm.services.fund (capability and scope checked there too); the request commits once at its end.
from __future__ import annotations

from flask import Response, jsonify, request
from flask.views import MethodView
from sqlalchemy import func, select

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope, paginate
from pm.blueprints.fund.integration import schemas as s
from pm.blueprints.fund.integration.entry_json import entry_dict
from pm.blueprints.fund.ledger.api import IDEMPOTENCY_KEY
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Compound, SubAccount
from pm.services.fund import address_deposits, arrears, bank, ledger, opening, payments, reconcile, subaccounts

URL_PREFIX = ""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_TYPES = (".xlsx", ".csv")
blp = api_blueprint("fund_integration_api", __name__,
                    description="维修资金对接：按地址交存、银行流水上传、对账明细、追缴与续交清单")


def rejected(message: str, problems: list[dict]):
    """422 naming every bad row: errors.json.file as text lines, rows as records {row, column, message}."""
    lines = [f"{p['row']} {p.get('column') or ''}：{p['message']}" for p in problems]
    return jsonify({"code": 422, "status": "Unprocessable Entity", "message": message,
                    "errors": {"json": {"file": lines}}, "rows": problems}), 422


def upload_bytes(upload, max_bytes: int) -> tuple[str, bytes]:
    """The uploaded file's name and bytes, refused (400 naming `file`) if of the wrong type or too large."""
    if upload is None:
        raise DomainError("请选择要上传的文件", field="file")
    name = (upload.filename or "").strip()
    if not name.lower().endswith(UPLOAD_TYPES):
        raise DomainError("只能上传 .xlsx 或 .csv 文件", field="file")
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError("文件过大（不超过 %(mb)s MB）", field="file", mb=max_bytes // (1024 * 1024))
    return name, data


@blp.route("/fund-deposits")
class Deposits(MethodView):
    @blp.arguments(s.DepositIn)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @blp.response(201, s.DepositOut)
    @blp.alt_response(200, schema=s.DepositOut, description="A replay of an earlier request with the same key")
    @blp.alt_response(404, description="地址不存在（errors 指明 compound_id / building / unit / room）")
    @blp.alt_response(409, description="同一幂等键用于另一笔交存")
    def post(self, data):
        """按户或按地址交存 (needs fund.cashier): opens the dwelling's account on first use when a deposit standard
        applies; refused naming why when none does; a room in several units needs `unit`."""
        user = api_user()
        require(user, "fund.cashier")
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 90:
            raise DomainError("请提供 Idempotency-Key 请求头（1–90 个字符）", field="Idempotency-Key")
        scope = api_scope()
        household = address_deposits.find_household(
            scope, household_id=data["household_id"], compound_id=data["compound_id"], building=data["building"],
            unit=data["unit"], room=data["room"])
        result = address_deposits.deposit_by_address(
            scope, user, household=household, holder=data["holder"], kind=data["kind"],
            amount_fen=data["amount_fen"], value_on=data["value_on"], memo=data.get("memo"),
            key=payments.caller_key(user, "deposit", key))
        subaccounts.mark_reversed([result.entry])
        db.session.refresh(result.subaccount)
        body = {"entry": result.entry, "account": result.subaccount, "opened": result.opened}
        return body, (200 if ledger.was_replayed(result.entry) else 201)


@blp.route("/compounds/<int:compound_id>/bank-statements")
class BankStatements(MethodView):
    @blp.arguments(s.StatementForm, location="form")
    @blp.arguments(s.StatementFile, location="files")
    @blp.response(201, s.StatementOut)
    @blp.alt_response(200, schema=s.StatementOut, description="预演（dry_run），或同一文件此前已导入")
    @blp.alt_response(422, description="有错误的行（逐条列出，rows），未入账")
    def post(self, form, files, compound_id):
        """银行流水导入 (needs fund.cashier): every row validated, then all posted or none; the same file twice
        posts once. `dry_run=true` returns the row errors or what would be posted, writing nothing."""
        user = api_user()
        require(user, "fund.cashier")
        compound = get_in_scope(Compound, compound_id)
        name, data = upload_bytes(files["file"], bank.MAX_BANK_BYTES)
        try:
            result = bank.import_bank_statement(compound, name, data, actor=user, scope=api_scope(),
                                                dry_run=form["dry_run"])
        except bank.BankImportRejected as err:
            db.session.rollback()
            return rejected(err.message, err.problems)
        record = result.bank_import
        rows = result.preview or []
        body = {"dry_run": form["dry_run"], "duplicate": result.duplicate, "import_id": record.id if record else None,
                "posted": result.posted, "already_posted": result.replayed, "rows": rows,
                "total_fen": record.total_fen if record else sum(r["amount_fen"] for r in rows)}
        return body, (201 if record is not None and not result.duplicate else 200)


@blp.route("/fund-entries")
class Entries(MethodView):
    @blp.arguments(s.EntryArgs, location="query")
    @blp.response(200, s.EntryPageOut)
    def get(self, args):
        """对账明细: entries across the accounts in your scope, by compound, 记账日期 range, kind and source,
        oldest first; pass `next_cursor` as `cursor` for the next page (stable while entries are posted)."""
        require(api_user(), "fund.view")
        page = reconcile.entries_page(api_scope(), compound_id=args.get("compound_id"),
                                      date_from=args.get("date_from"), date_to=args.get("date_to"),
                                      kinds=args.get("kind"), source_type=args.get("source_type"),
                                      cursor=args.get("cursor"), limit=args["limit"])
        # The EntryPageOut body, written directly (entry_json: the same JSON, without marshmallow per field).
        return jsonify({"items": [entry_dict(e) for e in page.items], "next_cursor": page.next_cursor,
                        "limit": page.limit})


def _where(args: dict) -> dict:
    return {"compound_id": args.get("compound_id"), "building_id": args.get("building_id")}


def _xlsx(data: bytes, name: str) -> Response:
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={name}"})


@blp.route("/fund-arrears")
class Arrears(MethodView):
    @blp.arguments(s.ListArgs, location="query")
    @blp.response(200, s.ArrearsPage)
    def get(self, args):
        """追缴清单: open accounts whose first deposit is unpaid or partly paid (due, paid, owed)."""
        require(api_user(), "fund.view")
        stmt = arrears.arrears_select(api_scope(), **_where(args))
        return _rows_page(stmt, args)


def _rows_page(stmt, args: dict) -> dict:
    total = db.session.scalar(select(func.count()).select_from(
        stmt.with_only_columns(SubAccount.id).order_by(None).subquery()))
    per_page = args["per_page"]
    rows = db.session.execute(stmt.limit(per_page).offset((args["page"] - 1) * per_page)).unique().all()
    items = [{"account": a, "paid_fen": int(paid or 0), "owed_fen": int(owed or 0)} for a, paid, owed in rows]
    return {"items": items, "page": args["page"], "per_page": per_page, "total": total}


@blp.route("/fund-arrears/xlsx")
class ArrearsXlsx(MethodView):
    @blp.arguments(s.ListXlsxArgs, location="query")
    @blp.response(200, description="追缴清单 (xlsx)", content_type=XLSX)
    def get(self, args):
        """追缴清单 as an xlsx file (the same rows as the web page's download)."""
        require(api_user(), "fund.view")
        return _xlsx(arrears.arrears_workbook(arrears.arrears_rows(api_scope(), **_where(args))), "arrears.xlsx")


@blp.route("/fund-replenishments")
class Replenishments(MethodView):
    @blp.arguments(s.ListArgs, location="query")
    @blp.response(200, s.ReplenishmentPage)
    def get(self, args):
        """续交清单: accounts that have received their first deposit and whose balance fell below 30% of it."""
        require(api_user(), "fund.view")
        return paginate(arrears.replenishment_select(api_scope(), **_where(args)), args)


@blp.route("/fund-replenishments/xlsx")
class ReplenishmentsXlsx(MethodView):
    @blp.arguments(s.ListXlsxArgs, location="query")
    @blp.response(200, description="续交清单 (xlsx)", content_type=XLSX)
    def get(self, args):
        """续交清单 as an xlsx file."""
        require(api_user(), "fund.view")
        stmt = arrears.replenishment_select(api_scope(), **_where(args)).limit(arrears.EXPORT_LIMIT)
        return _xlsx(reconcile.replenishment_workbook(list(db.session.scalars(stmt).unique())), "replenishment.xlsx")


@blp.route("/compounds/<int:compound_id>/opening-balances")
class OpeningBalances(MethodView):
    @blp.arguments(s.StatementForm, location="form")
    @blp.arguments(s.OpeningFile, location="files")
    @blp.response(201, s.OpeningOut)
    @blp.alt_response(200, schema=s.OpeningOut, description="预演（dry_run），或同一文件此前已导入（未重复入账）")
    @blp.alt_response(422, description="有错误的行（逐条列出，rows），未导入")
    def post(self, form, files, compound_id):
        """期初余额导入 from a previous system (needs fund.cashier): every row checked, then all posted or none,
        each once (idempotent per file and row; the same file again posts nothing); `dry_run=true` writes nothing."""
        user = api_user()
        require(user, "fund.cashier")
        compound = get_in_scope(Compound, compound_id)
        name, data = upload_bytes(files["file"], opening.MAX_BYTES)
        try:
            result = opening.import_opening_balances(compound, name, data, actor=user, scope=api_scope(),
                                                     dry_run=form["dry_run"])
        except opening.OpeningRejected as err:
            db.session.rollback()
            return rejected(err.message, err.problems)
        body = {"dry_run": result.dry_run, "posted": result.posted, "already_posted": result.replayed,
                "rows": result.rows}
        return body, (201 if result.posted and not result.dry_run else 200)
