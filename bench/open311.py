"""Open311 latency: POST a request, and read a full page of 1,000 requests in JSON and XML.

    .venv/bin/python bench/open311.py --database sqlite --requests 2000
    .venv/bin/python bench/open311.py --database postgresql --requests 2000

Prepares a fresh database (migrations, the demo city, its Open311 services), then POSTs
`--requests` street-light reports through `/open311/v2/requests.json` in process (Starlette's
TestClient: the whole ASGI app, no network), half of them dispatched to a unit so that
`agency_responsible` and the timeline have something to show. Then it times, `--repeat` times
each: `GET requests.json` (the default page of up to 1,000, with and without `extensions=true`),
`GET requests.xml`, `GET requests/{id}.json` and `GET services.json`. Prints p50/p99 in
milliseconds; the last line is one JSON object.

PostgreSQL: a database `hotline_bench_<random>` on `--url` (default `HOTLINE_TEST_POSTGRES_URL`
or postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hotline import bootstrap
from hotline.app import create_app
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.db.migrate import upgrade
from hotline.directory import service as directory
from hotline.domain import commands as c
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import Role
from hotline.open311 import service as open311
from hotline.tickets import service as tickets

DEFAULT_PG = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PLACES = ["龙湾区中山路", "滨江区江东大道", "东海区灯塔路", "椰林区椰林街", "新城区学府路", "桂溪区凤翔镇"]


@contextmanager
def database(kind: str, url: str) -> Iterator[tuple[str, Path]]:
    with tempfile.TemporaryDirectory(prefix="hotline-bench-open311-") as tmp:
        if kind == "sqlite":
            yield f"sqlite:///{Path(tmp) / 'hotline.db'}", Path(tmp)
            return
        name = f"hotline_bench_{secrets.token_hex(4)}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False), Path(tmp)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))], 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--url", default=DEFAULT_PG)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()

    with database(args.database, args.url) as (url, data_dir):
        upgrade(url)
        db = Database(url, pool_size=5)
        now = datetime.now(UTC)
        with db.write() as s:
            bootstrap.load_city(s, directory.demo_city(), now)
            open311.load_demo(s, now)
        app = create_app(Settings(data_dir=data_dir, database_url=url, demo=False), db=db)
        deadlines = app.state.wiring.deadlines
        with TestClient(app) as client:
            unit = client.get("/open311/v2/services.json")  # warm up
            from sqlalchemy import select

            from hotline.directory.models import Unit

            with db.read() as s:
                urban = s.scalar(select(Unit.id).where(Unit.code == "dept-urban"))
            post_ms = []
            ids = []
            for i in range(args.requests):
                form = {
                    "api_key": "HOTLINE-DEMO-KEY",
                    "service_code": "101",
                    "lat": f"{20.0 + (i % 97) / 1000:.4f}",
                    "long": f"{110.3 + (i % 89) / 1000:.4f}",
                    "address_string": f"{PLACES[i % len(PLACES)]} {i % 300 + 1} 号",
                    "description": f"第 {i} 号路灯不亮，晚上很黑",
                    "attribute[pole_number]": f"HB-{i:05d}",
                    "attribute[problem]": "out",
                    "attribute[hazards][]": ["wires"] if i % 3 else [],
                }
                t0 = time.perf_counter()
                r = client.post("/open311/v2/requests.json", data=form)
                post_ms.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
                rid = int(r.json()[0]["service_request_id"])
                ids.append(rid)
                if i % 2 == 0:
                    tickets.execute(
                        db, rid, c.Dispatch(lead_unit=urban), Actor(role=Role.DISPATCHER), now, deadlines
                    )
            results: dict[str, list[float]] = {}

            def get(path: str, **params: str) -> Callable[[], Any]:
                def call() -> None:
                    r = client.get(path, params=params)
                    assert r.status_code == 200, r.text

                return call

            page = client.get("/open311/v2/requests.json").json()
            results["requests_json_page"] = timed(get("/open311/v2/requests.json"), args.repeat)
            results["requests_json_page_extensions"] = timed(
                get("/open311/v2/requests.json", extensions="true"), args.repeat
            )
            results["requests_xml_page"] = timed(get("/open311/v2/requests.xml"), args.repeat)
            # the extension lat/long/radius (the portal's "nearby" is the same query)
            results["requests_json_near_500m"] = timed(
                get("/open311/v2/requests.json", lat="20.05", long="110.34", radius="500"), args.repeat
            )
            results["request_by_id_json"] = timed(get(f"/open311/v2/requests/{ids[-1]}.json"), args.repeat)
            results["services_json"] = timed(get("/open311/v2/services.json"), args.repeat)
            del unit
        db.dispose()

    summary: dict[str, Any] = {
        "database": args.database,
        "requests_stored": args.requests,
        "page_items": len(page),
        "post_p50_ms": pct(post_ms, 50),
        "post_p99_ms": pct(post_ms, 99),
        "post_mean_ms": round(statistics.fmean(post_ms), 2),
    }
    print(f"{args.database}: {args.requests} Open311 requests stored; a page holds {len(page)}")
    print(
        f"  POST requests.json            p50 {summary['post_p50_ms']:8.2f} ms   p99 {summary['post_p99_ms']:8.2f} ms"
    )
    for name, values in results.items():
        summary[f"{name}_p50_ms"] = pct(values, 50)
        summary[f"{name}_p99_ms"] = pct(values, 99)
        print(f"  {name:30s}p50 {pct(values, 50):8.2f} ms   p99 {pct(values, 99):8.2f} ms")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
