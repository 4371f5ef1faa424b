"""读取台账文件: an uploaded .xlsx or .csv through the shared reader, then each sheet's header and data rows."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pm.services.imports.layout import (
    BUILDING_COLUMNS,
    EXAMPLE_COLUMN,
    EXAMPLE_KEYS,
    HOUSEHOLD_COLUMNS,
    SHEET_BUILDINGS,
    SHEET_HOUSEHOLDS,
    is_example_content,
)
from pm.services.imports.messages import (
    E_DUP_HEADER,
    E_MISSING_HEADER,
    E_TOO_MANY_ROWS,
    ImportRejected,
    error,
)
from pm.services.spreadsheets import SpreadsheetError, cell_text, read_sheets

HEADER_SCAN_ROWS = 10  # a title line or two above the header row is tolerated
MAX_COLUMNS = 100  # cells further right are ignored


@dataclass
class Table:
    """The data rows of one sheet, with the position and written header of each known column."""

    sheet: str
    columns: dict[str, tuple[int, str]]
    rows: list[tuple[int, tuple]] = field(default_factory=list)
    examples: list[int] = field(default_factory=list)  # rows skipped as the template's examples

    def header(self, key: str) -> str:
        """The column's header as the file wrote it (errors name it so)."""
        return self.columns[key][1]

    def value(self, values: tuple, key: str) -> Any:
        """The cell of a row in that column (None past the row's end)."""
        index = self.columns[key][0]
        return values[index] if index < len(values) else None

    def is_example(self, values: tuple) -> bool:
        """Marked in the 示例 column, or (房屋) the template's example row itself."""
        if EXAMPLE_COLUMN[0] in self.columns and not is_blank(self.value(values, EXAMPLE_COLUMN[0])):
            return True
        if self.sheet != SHEET_HOUSEHOLDS:
            return False
        return is_example_content({key: cell_text(self.value(values, key)) for key in EXAMPLE_KEYS})


def _norm_header(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value)) if value is not None else ""
    return re.sub(r"[（(].*$", "", text)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_table(sheet: str, rows: Iterable[tuple], columns: list[tuple[str, str]], max_rows: int,
               problems: list[dict]) -> Table | None:
    """Find the header row, map the columns, collect the non-blank data rows (numbered as Excel shows them)."""
    wanted = {_norm_header(header): (key, header) for key, header in [*columns, EXAMPLE_COLUMN]}
    markers = {_norm_header(columns[0][1]), _norm_header(columns[1][1])}
    iterator = iter(rows)
    scanned: list[tuple] = []
    header_row = None
    for number, values in enumerate(iterator, start=1):
        values = tuple(values)
        scanned.append(values)
        if markers <= {_norm_header(v) for v in values}:
            header_row = number
            break
        if number >= HEADER_SCAN_ROWS:
            break
    if header_row is None:
        found = {_norm_header(v) for v in scanned[0]} if scanned else set()
        for _key, header in columns:
            if _norm_header(header) not in found:
                problems.append(error(sheet, 1, header, E_MISSING_HEADER, column=header))
        return None
    mapping: dict[str, tuple[int, str]] = {}
    bad = False
    for index, raw in enumerate(scanned[header_row - 1]):
        norm = _norm_header(raw)
        if norm not in wanted:
            continue  # extra columns of the user's own are ignored
        key, _header = wanted[norm]
        if key in mapping:
            problems.append(error(sheet, header_row, str(raw).strip(), E_DUP_HEADER, column=str(raw).strip()))
            bad = True
            continue
        mapping[key] = (index, str(raw).strip())
    for key, header in columns:  # (the 示例 column is optional)
        if key not in mapping:
            problems.append(error(sheet, header_row, header, E_MISSING_HEADER, column=header))
            bad = True
    if bad:
        return None
    table = Table(sheet=sheet, columns=mapping)
    width = max(index for index, _header in mapping.values()) + 1
    for number, values in enumerate(iterator, start=header_row + 1):
        values = tuple(values)[:width]
        if all(is_blank(v) for v in values):
            continue
        if table.is_example(values):
            table.examples.append(number)
            continue
        if len(table.rows) >= max_rows:
            problems.append(error(sheet, number, None, E_TOO_MANY_ROWS, max=max_rows))
            return None
        table.rows.append((number, values))
    return table


def read_file(path: str, *, max_rows: int, max_bytes: int) -> dict[str, Table]:
    """Read a stored upload (.xlsx or .csv, by its content) into tables by sheet name; ImportRejected if unusable.

    The shared reader refuses what cannot be read at all (type, size, zip bomb, encoding); its row limit is
    a safety net above ours, so that too many rows are reported at the row where the limit is passed."""
    try:
        sheets = read_sheets(path, path, sheets=[SHEET_HOUSEHOLDS, SHEET_BUILDINGS], required=[SHEET_HOUSEHOLDS],
                             max_bytes=max_bytes, max_rows=max_rows + HEADER_SCAN_ROWS, max_columns=MAX_COLUMNS)
    except SpreadsheetError as err:
        sheet = SHEET_HOUSEHOLDS if "sheet" in err.params else None
        params = {"max": max_rows} if err.msgid == E_TOO_MANY_ROWS else err.params  # our limit, not the net's
        raise ImportRejected([error(sheet, None, None, err.msgid, **params)]) from None
    problems: list[dict] = []
    tables: dict[str, Table] = {}
    for sheet, columns in ((SHEET_BUILDINGS, BUILDING_COLUMNS), (SHEET_HOUSEHOLDS, HOUSEHOLD_COLUMNS)):
        if sheet in sheets:
            table = find_table(sheet, sheets[sheet], columns, max_rows, problems)
            if table is not None:
                tables[sheet] = table
    if problems:
        raise ImportRejected(problems)
    return tables
