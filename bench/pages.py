"""Server time of the staff pages over the demo generator's history: the centre console's queues
and its search (p50 / p99 over repeated requests, and SQL statements per request).

    .venv/bin/python bench/pages.py --database sqlite --days 30 --per-day 45
    .venv/bin/python bench/pages.py --database postgresql --days 60 --per-day 200 --repeat 50

Makes a fresh database (migrations + the demo city), writes `--days` × `--per-day` tickets of
history through the real write path (`hotline.demo.service.write`, the same as
`hotline demo-history`; `--bulk` takes its benchmark route, whose texts are not indexed, so the
text search then finds nothing), logs in as the dispatcher and GETs each page in the process
(Starlette's TestClient: the time is the server's, without a network). A SQLAlchemy listener
counts the statements each request sends; the count must not grow with the data.

PostgreSQL: a database `hotline_bench_<random>` on the server at `--url` (default
`HOTLINE_TEST_POSTGRES_URL` or postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped at the
end. SQLite: a file in a temporary directory. The last line printed is one JSON object:
{"tickets": N, "database": …, "pages": {"<page>": {"p50_ms": …, "p99_ms": …, "statements": …}}}.

Not for a shared small machine at a million tickets: writing them takes hours there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

DEFAULT_PG = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# The pages measured: name -> path (the second search page is found from the first's "next" link).
PAGES: dict[str, str] = {
    "console_waiting": "/console?queue=waiting",
    "console_decide": "/console?queue=decide",
    "console_review": "/console?queue=review",
    "console_overdue": "/console?queue=overdue",
    "console_supervised": "/console?queue=supervised",
    "console_closing": "/console?queue=closing",
    "search_status": "/console/search?status=closed",
    "search_channel_days": "/console/search?channel=web&since=2000-01-01",
    "search_text": "/console/search?q=路灯不亮",
    "search_phone": "/console/search?phone=13800000000",
}


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--url", default=DEFAULT_PG)
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--per-day", type=float, default=45)
    ap.add_argument("--bulk", action="store_true", help="the generator's bulk route (no text index)")
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from hotline import bootstrap
    from hotline.app import create_app
    from hotline.config import Settings
    from hotline.db.engine import Database
    from hotline.db.migrate import upgrade
    from hotline.demo import history
    from hotline.demo import service as demo
    from hotline.directory import service as directory
    from intake import bench_database  # bench/ is this script's folder, first on sys.path

    with (
        tempfile.TemporaryDirectory() as data_dir,
        bench_database(args.database, args.url, Path(data_dir)) as url,
    ):
        upgrade(url)
        db = Database(url, pool_size=4)
        end = datetime.now(UTC)
        with db.write() as s:
            bootstrap.load_city(s, directory.demo_city(), end)
        settings = Settings(
            data_dir=Path(data_dir), database_url=url, demo=False, routing_auto_dispatch=False, throttle=False
        )
        app = create_app(settings, clock=lambda: end, db=db)
        plan = replace(history.SCALES["small"], days=args.days, per_day=args.per_day)
        started = time.perf_counter()
        written = demo.write(db, plan, end, None, app.state.wiring.deadlines, False, args.bulk)
        tickets = written.history.tickets
        print(f"wrote {tickets} tickets in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(db.engine, "before_cursor_execute", count)
        results: dict[str, dict[str, float | int]] = {}
        with TestClient(app, follow_redirects=False) as client:
            login = client.get("/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', login).group(1)  # type: ignore[union-attr]
            r = client.post(
                "/login", data={"username": "dispatcher", "password": "Demo-dispatcher-2026", "csrf": csrf}
            )
            assert r.status_code == 303, r.text
            pages = dict(PAGES)
            first = client.get(pages["search_status"]).text
            after = re.search(r'rel="next" href="([^"]+)"', first)
            if after:
                pages["search_status_page2"] = after.group(1).replace("&amp;", "&")
            for name, path in pages.items():
                times, counts = [], set()
                for i in range(args.repeat + 3):
                    statements = 0
                    t0 = time.perf_counter()
                    r = client.get(path)
                    dt = (time.perf_counter() - t0) * 1000
                    assert r.status_code == 200, f"{path}: {r.status_code}"
                    if i >= 3:  # the first few warm the caches
                        times.append(dt)
                        counts.add(statements)
                results[name] = {
                    "p50_ms": round(statistics.median(times), 1),
                    "p99_ms": round(percentile(times, 0.99), 1),
                    "statements": max(counts),
                }
                print(
                    f"{name:24} p50 {results[name]['p50_ms']:7.1f} ms  p99 {results[name]['p99_ms']:7.1f} ms  "
                    f"{results[name]['statements']} statements"
                )
        db.dispose()
    print(json.dumps({"tickets": tickets, "database": args.database, "pages": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
