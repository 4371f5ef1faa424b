"""Benchmark: time and memory of reading registry uploads (台账导入), hostile and legitimate.

Writes a few small hostile workbooks (a huge declared <dimension>, hundreds of thousands of styled empty rows, a
shared-strings bomb, a zip bomb, a row numbered 1,000,000) and a legitimate 50,000-row registry, then reads each
in a fresh child process through pm.services.imports.reading.read_file (then parse() for the legitimate one),
with IMPORT_MAX_ROWS = 50,000 as in production. Each child reports wall time, its peak resident set (getrusage
ru_maxrss, including the ~90 MB a child holds before reading: Python, Flask, openpyxl) and the outcome. Children run under an address
space limit (--limit-mb, default 2048) and a time limit (--timeout, default 120 s), so older code that would
take gigabytes is stopped instead of hurting the machine.

    .venv/bin/python bench/imports_memory.py                   # this checkout
    .venv/bin/python bench/imports_memory.py --code /tmp/old   # another checkout's pm/ (e.g. `git archive`)
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from tests.factories.imports import HEADERS, header_row_xml, raw_xlsx, styled_empty_rows  # noqa: E402

MAX_ROWS = 50_000
MAX_BYTES = 16 * 1024 * 1024

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
limit = int(sys.argv[3]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from datetime import date
from flask import Flask
from flask_babel import Babel
from pm.services.imports.reading import read_file
from pm.services.imports import messages as m
from pm.services.imports.validating import parse
app = Flask("bench")
Babel(app)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
with app.app_context():
    try:
        tables = read_file(sys.argv[2], max_rows=%d, max_bytes=%d)
        _parsed, errors = parse(tables, today=date(2026, 11, 29))
        outcome = "read %%d rows, %%d errors" %% (sum(len(t.rows) for t in tables.values()), len(errors))
    except m.ImportRejected as exc:
        outcome = "refused: " + exc.errors[0]["message"][:40]
    except MemoryError:
        outcome = "MemoryError at the address-space limit"
seconds = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": round(seconds, 2), "rss_mb": round(rss / 1024), "startup_mb": round(before / 1024),
                  "outcome": outcome}))
""" % (MAX_ROWS, MAX_BYTES)


def legitimate(rows: int) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "房屋"
    ws.append(HEADERS)
    for i in range(rows):
        ws.append([f"{i // 2000 + 1}号楼", f"{i % 4 + 1}单元", str(100 + i % 2000), 1 + i % 30, "65.50", "否",
                   f"业主{i}", f"139{i:08d}", "2010-05-01", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CASES = {
    "declared A1:XFD1048576": lambda: raw_xlsx(header_row_xml() + styled_empty_rows(20_000),
                                               dimension="A1:XFD1048576"),
    "400,000 styled empty rows": lambda: raw_xlsx(header_row_xml() + styled_empty_rows(400_000)),
    "3,000,000 shared strings": lambda: raw_xlsx(header_row_xml(), dimension="A1:J1",
                                                 shared_strings=b"<si><t>x</t></si>" * 3_000_000),
    "zip bomb (12,000,000 rows)": lambda: raw_xlsx(header_row_xml() + b"<row/>" * 12_000_000),
    "row 1,000,000 in a 2-row sheet": lambda: raw_xlsx(
        header_row_xml() + b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'),
    "legitimate 50,000 rows": lambda: legitimate(50_000),
}


def build(folder: str) -> None:
    """Write every case's file into folder (in a child, so the readers do not inherit this memory)."""
    for number, make in enumerate(CASES.values()):
        Path(folder, f"{number}.xlsx").write_bytes(make())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", default=str(ROOT), help="checkout whose pm/ reads the files")
    parser.add_argument("--limit-mb", type=int, default=2048)
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build)
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, __file__, "--build", tmp], check=True)
        print(f"{'case':34} {'file':>9} {'seconds':>8} {'peak RSS':>9}  outcome  (a child holds ~90 MB before reading)")
        for number, name in enumerate(CASES):
            if args.only and args.only not in name:
                continue
            path = os.path.join(tmp, f"{number}.xlsx")
            try:
                done = subprocess.run([sys.executable, "-c", CHILD, args.code, path, str(args.limit_mb)],
                                      capture_output=True, text=True, timeout=args.timeout, cwd=args.code)
                lines = done.stdout.strip().splitlines()
                result = json.loads(lines[-1]) if lines else {
                    "seconds": "-", "rss_mb": "-", "outcome": "crashed: " + done.stderr.strip()[-80:]}
            except subprocess.TimeoutExpired:
                result = {"seconds": f">{args.timeout}", "rss_mb": "-", "outcome": "stopped at the time limit"}
            print(f"{name:34} {os.path.getsize(path) // 1024:>6} KB {result['seconds']:>8} {result['rss_mb']:>6} MB"
                  f"  {result['outcome']}", flush=True)


if __name__ == "__main__":
    main()
