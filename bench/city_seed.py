"""Benchmark: build the city-size data set (2,000 compounds, ~400,000 households) and time it.

Runs against DATABASE_URL (SQLite under instance/ by default), applies the migrations first, refuses a
database that already holds a county, and prints the elapsed time and the row count of every table.
Usage: see bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    """Generate, commit, count; return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=2000, help="number of compounds (default 2000)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: the fixed demo seed)")
    args = parser.parse_args(argv)
    if args.compounds < 5:
        parser.error("--compounds must be at least 5")

    from dataclasses import replace

    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from tqdm import tqdm

    from pm import create_app
    from pm.extensions import db
    from pm import demo

    app = create_app(os.environ.get("PM_CONFIG", "development"))
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=True)
        upgrade()
        if demo.has_county():
            print(f"{url} already holds a county; the benchmark needs an empty database.", file=sys.stderr)
            return 1
        spec = demo.city_spec(args.compounds)
        if args.seed is not None:
            spec = replace(spec, seed=args.seed)
        started = time.perf_counter()
        with tqdm(total=spec.compounds, unit="compound", desc="generating", file=sys.stderr) as bar:
            result = demo.build_data_set(spec, progress=bar.update)
        generated = time.perf_counter()
        db.session.commit()
        committed = time.perf_counter()
        print(f"database:   {db.engine.dialect.name} ({url})")
        print(f"generate:   {generated - started:8.1f} s")
        print(f"commit:     {committed - generated:8.1f} s")
        print(f"total:      {committed - started:8.1f} s")
        print("rows:")
        for table in db.metadata.sorted_tables:
            count = db.session.scalar(select(func.count()).select_from(table))
            if count:
                print(f"  {table.name:<20} {count:>10,}")
        print(f"households per second: {result.counts['households'] / (committed - started):,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
