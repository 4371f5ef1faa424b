"""Bulk rows for a computed month: on PostgreSQL one INSERT … SELECT FROM json_to_recordset per table (one
parameter, whatever the number of rows); elsewhere an executemany."""
from __future__ import annotations

import json
from decimal import Decimal
from enum import Enum

from sqlalchemy import Table, bindparam, insert, text

from pm.extensions import db


def _plain(value):
    if isinstance(value, (Decimal, Enum)):
        return str(value)
    raise TypeError(f"{type(value).__name__} in a bulk row")


def insert_rows(table: Table, rows: list[dict], *, returning: tuple[str, ...] = ()) -> list:
    """Insert `rows` (all with the same keys) into `table`; the `returning` columns of every row when asked."""
    if not rows:
        return []
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        stmt = insert(table)
        if returning:
            stmt = stmt.returning(*(table.c[c] for c in returning))
            return db.session.execute(stmt, rows).all()
        db.session.execute(stmt, rows)
        return []
    columns = list(rows[0])
    spec = ", ".join(f"{c} {table.c[c].type.compile(dialect=bind.dialect)}" for c in columns)
    names = ", ".join(columns)
    sql = f"INSERT INTO {table.name} ({names}) SELECT {names} FROM json_to_recordset(CAST(:rows AS json)) AS x({spec})"
    if returning:
        sql += " RETURNING " + ", ".join(returning)
    payload = json.dumps(rows, default=_plain, ensure_ascii=False)  # StrEnums are strings already; Decimal → "1.50"
    result = db.session.execute(text(sql).bindparams(bindparam("rows", payload)))
    return result.all() if returning else []
