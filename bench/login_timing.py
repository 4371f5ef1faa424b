"""Login timing benchmark (not a test): does the time of a failed login tell a known username from an unknown one?

Builds a throw-away SQLite database (or uses DATABASE_URL) with the migrations, one account hashed with scrypt
(production's method), and posts the real login form through the Flask test client, interleaving
- a known username with a wrong password,
- an unknown username (same length) with a wrong password,
- the known username with its password (for reference),
each try from a new client address, and with the account's throttle row cleared outside the timed part, so
no try is throttled. Prints median, mean and p90 per kind and the difference of the medians.

Usage:
    .venv/bin/python bench/login_timing.py [--rounds 200]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from pm import create_app  # noqa: E402
from pm.access import SYSTEM  # noqa: E402
from pm.extensions import db  # noqa: E402
from pm.models import County, LoginSession, LoginThrottle, Role  # noqa: E402
from pm.services.accounts.users import create_user  # noqa: E402

PASSWORD = "a long benchmark password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="pm-login-bench-")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3", INSTANCE_DIR=tmp,
                     PASSWORD_HASH_METHOD="scrypt", STRICT_SAFE_METHODS=False)
    times: dict[str, list[float]] = {"known, wrong password": [], "unknown name": [], "known, right password": []}
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        county = County(name="基准县", code="BENCH")
        db.session.add(county)
        db.session.flush()
        create_user(scope=SYSTEM, actor=None, username="bench-admin", display_name="bench", password=PASSWORD,
                    role=Role.COUNTY_ADMIN, binding_id=county.id)
        db.session.commit()
        client = app.test_client()
        tries = [("known, wrong password", "bench-admin", "wrong password!"),
                 ("unknown name", "bench-nobody", "wrong password!"),
                 ("known, right password", "bench-admin", PASSWORD)]
        for i in range(args.rounds + 5):  # the first 5 rounds warm up and are not counted
            for kind, name, password in tries:
                db.session.execute(delete(LoginThrottle))
                db.session.execute(delete(LoginSession))
                db.session.commit()
                environ = {"REMOTE_ADDR": f"10.{i // 250}.{i % 250}.{len(kind)}"}
                start = time.perf_counter()
                resp = client.post("/auth/login", data={"username": name, "password": password},
                                   environ_base=environ)
                elapsed = time.perf_counter() - start
                expected = 302 if password == PASSWORD else 400
                assert resp.status_code == expected, (kind, resp.status_code)
                client.post("/auth/logout")
                if i >= 5:
                    times[kind].append(elapsed * 1000)
    print(f"{args.rounds} rounds, scrypt, SQLite, through the login form (ms):")
    for kind, values in times.items():
        values.sort()
        p90 = values[int(len(values) * 0.9)]
        print(f"  {kind:24s} median {statistics.median(values):7.2f}  mean {statistics.mean(values):7.2f}"
              f"  p90 {p90:7.2f}")
    known, unknown = (statistics.median(times[k]) for k in ("known, wrong password", "unknown name"))
    print(f"  median difference known - unknown: {known - unknown:+.2f} ms ({(known - unknown) / known:+.1%})")


if __name__ == "__main__":
    main()
