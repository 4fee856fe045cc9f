"""The operator's workbench at scale: server time of its pages as the ticket table grows.

    .venv/bin/python bench/workbench.py                       # PostgreSQL, 10k / 100k / 1M tickets
    .venv/bin/python bench/workbench.py --sizes 10000,100000 --repeat 200

A fresh PostgreSQL database (`--url`, default `HOTLINE_TEST_POSTGRES_URL` or the local test
server) gets the migrations and the demo city, then tickets in bulk (one `INSERT … SELECT
generate_series`, straight into the projection: the pages only read it). Callers are drawn so that
one number has called a thousand times a year (the frequent caller every hotline has) and the rest
a few times each. At each size the real app (in-process, its own HTTP client, a logged-in
operator's session cookie) is asked repeatedly for:

- `caller`: `GET /workbench/caller?citizen_phone=…` — the caller's latest tickets, as the phone
  field is left, for the frequent caller and for ordinary ones;
- `workbench`: `GET /workbench` — the form;
- `city_map`: `GET /api/v1/public/city-map` — the map's GeoJSON (cached per directory version).

It prints p50 / p99 in milliseconds and the number of SQL statements per request (which must not
grow with the table); the last line is one JSON object
`{"tickets": N, "pages": {"<page>": {"p50_ms": …, "p99_ms": …, "statements": …}}, "sizes": {…}}`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

DEFAULT_PG = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FREQUENT = "13900000000"

_FILL = """
INSERT INTO tickets (tracking_code, channel, kind, urgency, status, title, content, citizen_phone,
                     supervised, complex, reopen_count, duplicate_ids, received_at, updated_at, version)
SELECT 'B' || lpad(to_hex(:start + g), 12, '0'), 'phone',
       (ARRAY['complaint','consultation','help','report'])[1 + g % 4], 'normal',
       (ARRAY['closed','dispatched','answered','closed','closed'])[1 + g % 5], NULL,
       '第 ' || (:start + g) || ' 件：路灯不亮，晚上很黑，请尽快修复',
       CASE WHEN g % 1000 = 0 THEN :frequent ELSE '138' || lpad(((:start + g) % 3000000)::text, 8, '0') END,
       false, false, 0, '[]', now() - ((:start + g) % 525600) * interval '1 minute',
       now() - ((:start + g) % 525600) * interval '1 minute', 1
FROM generate_series(1, :n) AS g
"""


def fill(url: str, have: int, want: int) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(_FILL), {"start": have, "n": want - have, "frequent": FREQUENT})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE tickets"))
    engine.dispose()


_HISTORY = """
EXPLAIN (ANALYZE, BUFFERS) SELECT id, received_at, kind, title, substr(content, 1, 60), status,
       lead_unit_id, substr(answer, 1, 60), satisfaction, handed_off_to, merged_into_id
FROM tickets WHERE citizen_phone = :phone ORDER BY received_at DESC, id DESC LIMIT 5
"""


def plan(url: str, phone: str) -> tuple[str, float]:
    """How PostgreSQL reads a caller's history (the query of `tickets.queries.caller_history`):
    the access path and the execution time in ms."""
    engine = create_engine(url)
    with engine.connect() as conn:
        lines = [r[0] for r in conn.execute(text(_HISTORY), {"phone": phone})]
    engine.dispose()
    access = next((ln.strip().lstrip("-> ") for ln in lines if "Scan" in ln), lines[0])
    ms = float(re.search(r"Execution Time: ([\d.]+)", lines[-1]).group(1))  # type: ignore[union-attr]
    return access.split("  (")[0], ms


def measure(client: Any, counter: dict[str, int], method: str, path: str, repeat: int) -> dict[str, Any]:
    times, statements = [], []
    for _ in range(repeat):
        counter["n"] = 0
        start = time.perf_counter()
        r = client.request(method, path)
        times.append((time.perf_counter() - start) * 1000)
        statements.append(counter["n"])
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "statements": max(statements),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_PG)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from fastapi.testclient import TestClient

    from hotline import bootstrap
    from hotline.app import create_app
    from hotline.config import Settings
    from hotline.db.engine import Database
    from hotline.db.migrate import upgrade
    from hotline.directory.service import demo_city

    results: dict[str, Any] = {}
    from intake import bench_database  # bench/ is this script's folder, first on sys.path

    with bench_database("postgresql", args.url, Path(".")) as url:
        upgrade(url)
        db = Database(url, pool_size=4)
        with db.write() as s:
            bootstrap.load_city(s, demo_city(), bootstrap.system_clock())
        counter = {"n": 0}

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_a: Any) -> None:
            counter["n"] += 1

        settings = Settings(database_url=url, demo=False, throttle=False, routing_auto_dispatch=False)
        app = create_app(settings, db=db)
        have = 0
        with TestClient(app, follow_redirects=False) as client:
            login = client.get("/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', login)
            assert token
            r = client.post(
                "/login",
                data={"username": "operator1", "password": "Demo-operator1-2026", "csrf": token.group(1)},
            )
            assert r.status_code == 303, r.text
            for size in sizes:
                started = time.perf_counter()
                fill(url, have, size)
                have = size
                print(f"{size:>9} tickets (filled in {time.perf_counter() - started:.1f} s)", flush=True)
                for who, number in (("the frequent caller", FREQUENT), ("an ordinary caller", "13800004321")):
                    access, ms = plan(url, number)
                    print(f"    history of {who}: {access}, {ms:.3f} ms in the database", flush=True)
                pages = {
                    "caller_frequent": ("GET", f"/workbench/caller?citizen_phone={FREQUENT}"),
                    "caller": ("GET", "/workbench/caller?citizen_phone=13800004321"),
                    "workbench": ("GET", "/workbench"),
                    "city_map": ("GET", "/api/v1/public/city-map"),
                }
                row = {}
                for name, (method, path) in pages.items():
                    measure(client, counter, method, path, 5)  # warm
                    row[name] = measure(client, counter, method, path, args.repeat)
                    print(
                        f"    {name:<16} p50 {row[name]['p50_ms']:>7.2f} ms   p99 {row[name]['p99_ms']:>7.2f} ms"
                        f"   statements {row[name]['statements']}",
                        flush=True,
                    )
                results[str(size)] = row
        db.dispose()
    biggest = str(sizes[-1])
    print(json.dumps({"tickets": sizes[-1], "pages": results[biggest], "sizes": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
