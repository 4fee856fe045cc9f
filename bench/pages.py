"""Server time of the staff pages at scale: the workbench's caller history, the unit inbox, each
centre console queue and the console's searches (p50 / p99 over repeated requests, and the SQL
statements each request sends, which must not grow with the data).

    nice .venv/bin/python bench/pages.py --sizes 100000,1000000          # PostgreSQL, ~25 min
    .venv/bin/python bench/pages.py --database sqlite --days 10 --per-day 100 --sizes 0

Makes a fresh database (migrations + the demo city) and writes `--days` × `--per-day` tickets of
history through the real write path (`hotline.demo.service.write`, as `hotline demo-history`:
tickets, assignments, events and the text index). On PostgreSQL it then grows that history to
each of `--sizes` with SQL copies (`INSERT … SELECT` over `generate_series`): each copy takes the
base's **finished** tickets (closed, merged, withdrawn, handed off) with their assignments, events
and search-index documents and postings, gives them new ids and tracking codes and moves them
back in time by the base's span once per copy. So the history grows to a million tickets while the
open work (the queues, the inboxes) stays what the base's days leave open, as in a real centre:
years of closed tickets, a few thousand open. `--copy-open` copies open tickets too (queues then
grow with the data: the harder case). Other tables that point at tickets (notices, follow-ups,
media) are not copied; no page measured here reads them.

At each size the real app (Starlette's TestClient, in-process: the time is the server's, without
a network) is asked, logged in as the dispatcher, an operator and a district's handler, for each
page in PAGES. The last line printed is one JSON object
{"tickets": N, "database": …, "pages": {"<page>": {"p50_ms": …, "p99_ms": …, "statements": …}},
 "sizes": {"<N>": {…}, …}}.

PostgreSQL: a database `hotline_bench_<random>` on the server at `--url` (default
`HOTLINE_TEST_POSTGRES_URL` or postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped at the
end unless `--keep`; `--reuse URL` measures a kept database again (after `upgrade`, so a new
migration's indexes are measured on the same data), growing it further to `--sizes` (0: as it is).
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
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text

DEFAULT_PG = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

FINISHED = ("closed", "merged", "withdrawn", "handed_off")

# The pages measured: name -> (who asks, path). {phone}, {frequent}, {code}, {unit}, {since},
# {until} are filled from the data (a real caller, the commonest caller, a real tracking code …).
PAGES: dict[str, tuple[str, str]] = {
    "workbench_caller": ("operator1", "/workbench/caller?citizen_phone={phone}"),
    "workbench_caller_frequent": ("operator1", "/workbench/caller?citizen_phone={frequent}"),
    "inbox": ("handler.longwan", "/inbox"),
    "console_waiting": ("dispatcher", "/console?queue=waiting"),
    "console_decide": ("dispatcher", "/console?queue=decide"),
    "console_review": ("dispatcher", "/console?queue=review"),
    "console_overdue": ("dispatcher", "/console?queue=overdue"),
    "console_supervised": ("dispatcher", "/console?queue=supervised"),
    "console_closing": ("dispatcher", "/console?queue=closing"),
    "search_code": ("dispatcher", "/console/search?code={code}"),
    "search_phone": ("dispatcher", "/console/search?phone={frequent}"),
    "search_unit_days": ("dispatcher", "/console/search?unit={unit}&since={since}&until={until}"),
    "search_status": ("dispatcher", "/console/search?status=closed"),
    "search_channel_days": ("dispatcher", "/console/search?channel=web&since=2000-01-01"),
    "search_text": ("dispatcher", "/console/search?q=路灯不亮"),
    "search_text_rare": ("dispatcher", "/console/search?q={rare}"),
}
PASSWORDS = {u: f"Demo-{u}-2026" for u in {who for who, _ in PAGES.values()}}


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


def _columns(conn: Any, table: str) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in conn.execute(
            text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = :t AND table_schema = current_schema() ORDER BY ordinal_position"
            ),
            {"t": table},
        )
    ]


def _copy(conn: Any, table: str, source: str, special: dict[str, str], k0: int, k1: int) -> None:
    """INSERT copies k0..k1 of ``source`` (a FROM clause over ``table`` aliased x) into ``table``:
    timestamps moved back k × span, the columns in ``special`` computed (k is the copy's number)."""
    cols = [(c, t) for c, t in _columns(conn, table) if c in special or c != "id"]
    exprs = []
    for c, t in cols:
        if c in special:
            exprs.append(special[c])
        elif t.startswith("timestamp"):
            exprs.append(f"x.{c} - k * CAST(:span AS interval)")
        else:
            exprs.append(f"x.{c}")
    names = ", ".join(c for c, _ in cols)
    conn.execute(
        text(
            f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} "
            f"FROM {source} CROSS JOIN generate_series(CAST(:k0 AS integer), CAST(:k1 AS integer)) AS k"
        ),
        {"k0": k0, "k1": k1, "span": _SPAN[0]},
    )


_SPAN: list[Any] = [None]


def grow(url: str, want: int, copy_open: bool) -> int:
    """Copy the base's tickets until the table holds about ``want``; the number it then holds."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_base (id integer PRIMARY KEY)"))
        if not conn.scalar(text("SELECT count(*) FROM bench_base")):
            where = "" if copy_open else "WHERE status IN :finished"
            conn.execute(
                text(f"INSERT INTO bench_base SELECT id FROM tickets {where}").bindparams(
                    *([] if copy_open else [_expanding("finished")])
                ),
                {} if copy_open else {"finished": list(FINISHED)},
            )
            conn.execute(
                text(
                    "CREATE TABLE bench_meta AS SELECT max(t.id) AS m, "
                    "(SELECT max(id) FROM search_documents) AS d, "
                    "max(t.received_at) - min(t.received_at) + interval '1 day' AS span, "
                    "0 AS copies FROM tickets t"
                )
            )
        m, d, span, copies = conn.execute(text("SELECT m, d, span, copies FROM bench_meta")).one()
        have = int(conn.scalar(text("SELECT count(*) FROM tickets")) or 0)
        per_copy = int(conn.scalar(text("SELECT count(*) FROM bench_base")) or 0)
    _SPAN[0] = span
    need = max(0, -(-(want - have) // max(per_copy, 1)))
    batch = max(1, 200_000 // max(per_copy, 1))
    k = copies + 1
    while k <= copies + need:
        k1 = min(copies + need, k + batch - 1)
        with engine.begin() as conn:
            base = "tickets x JOIN bench_base b ON b.id = x.id"
            merged = (
                f"CASE WHEN x.merged_into_id IN (SELECT id FROM bench_base) THEN x.merged_into_id + k * {m} "
                "ELSE x.merged_into_id END"
            )
            _copy(
                conn,
                "tickets",
                base,
                {
                    "id": f"x.id + k * {m}",
                    "tracking_code": f"'1' || upper(lpad(to_hex(x.id + k * {m}), 11, '0'))",
                    "merged_into_id": merged,
                },
                k,
                k1,
            )
            for table in ("assignments", "ticket_events"):
                _copy(
                    conn,
                    table,
                    f"{table} x JOIN bench_base b ON b.id = x.ticket_id",
                    {"ticket_id": f"x.ticket_id + k * {m}"},
                    k,
                    k1,
                )
            docs = "search_documents x JOIN bench_base b ON b.id = x.ref_id AND x.scope = 'ticket'"
            _copy(
                conn,
                "search_documents",
                docs,
                {"id": f"x.id + k * {d}", "ref_id": f"x.ref_id + k * {m}"},
                k,
                k1,
            )
            _copy(
                conn,
                "search_postings",
                "search_postings x JOIN search_documents sd ON sd.id = x.document_id "
                "JOIN bench_base b ON b.id = sd.ref_id AND sd.scope = 'ticket'",
                {"document_id": f"x.document_id + k * {d}"},
                k,
                k1,
            )
            conn.execute(text("UPDATE bench_meta SET copies = :k"), {"k": k1})
        print(f"    copies {k}..{k1} written", file=sys.stderr, flush=True)
        k = k1 + 1
    with engine.begin() as conn:
        for table in ("tickets", "search_documents"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
        have = int(conn.scalar(text("SELECT count(*) FROM tickets")) or 0)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return have


def _expanding(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


def facts(url: str) -> dict[str, str]:
    """What the pages' paths are filled with: an ordinary caller, the commonest one, a tracking
    code, the district the handler works in and the last 30 days, a rare word of a ticket."""
    engine = create_engine(url)
    with engine.connect() as conn:
        frequent = conn.scalar(
            text(
                "SELECT citizen_phone FROM tickets WHERE citizen_phone IS NOT NULL "
                "GROUP BY citizen_phone ORDER BY count(*) DESC LIMIT 1"
            )
        )
        phone = conn.scalar(
            text(
                "SELECT citizen_phone FROM tickets WHERE citizen_phone IS NOT NULL AND citizen_phone <> :f "
                "ORDER BY id DESC LIMIT 1"
            ),
            {"f": frequent},
        )
        code = conn.scalar(text("SELECT tracking_code FROM tickets ORDER BY id LIMIT 1 OFFSET 7"))
        unit = conn.scalar(
            text(
                "SELECT u.id FROM units u JOIN users p ON p.unit_id = u.id "
                "WHERE p.username = 'handler.longwan'"
            )
        )
        last = conn.scalar(text("SELECT max(received_at) FROM tickets"))
        rare = conn.scalar(
            text(
                "SELECT term FROM search_postings WHERE scope = 'ticket' AND length(term) >= 3 "
                "GROUP BY term HAVING count(*) BETWEEN 3 AND 50 ORDER BY term LIMIT 1"
            )
        )
    engine.dispose()
    from datetime import timedelta

    if isinstance(last, str):  # SQLite hands the text back
        last = datetime.fromisoformat(last)

    return {
        "phone": phone or "13800000000",
        "frequent": frequent or "13800000000",
        "code": code or "X",
        "unit": str(unit),
        "since": f"{(last - timedelta(days=30)):%Y-%m-%d}",
        "until": f"{last:%Y-%m-%d}",
        "rare": rare or "路灯",
    }


def measure(clients: dict[str, Any], counter: dict[str, int], url: str, repeat: int) -> dict[str, Any]:
    known = facts(url)
    results: dict[str, dict[str, float | int]] = {}
    pages = {name: (who, path.format(**known)) for name, (who, path) in PAGES.items()}
    first = clients["dispatcher"].get(pages["search_status"][1]).text
    after = re.search(r'rel="next" href="([^"]+)"', first)
    if after:
        pages["search_status_page2"] = ("dispatcher", after.group(1).replace("&amp;", "&"))
    for name, (who, path) in pages.items():
        times, counts = [], set()
        for i in range(repeat + 3):
            counter["n"] = 0
            t0 = time.perf_counter()
            r = clients[who].get(path)
            dt = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:300]}"
            if i >= 3:  # the first few warm the caches
                times.append(dt)
                counts.add(counter["n"])
        results[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
            "statements": max(counts),
        }
        print(
            f"    {name:26} p50 {results[name]['p50_ms']:7.1f} ms  p99 {results[name]['p99_ms']:7.1f} ms  "
            f"{results[name]['statements']} statements",
            flush=True,
        )
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    ap.add_argument("--url", default=DEFAULT_PG)
    ap.add_argument("--days", type=float, default=10, help="days of base history (real write path)")
    ap.add_argument("--per-day", type=float, default=200)
    ap.add_argument(
        "--sizes", default="100000,1000000", help="ticket counts to grow to and measure (0: the base)"
    )
    ap.add_argument("--copy-open", action="store_true", help="copy open tickets too (queues grow)")
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (its URL is printed)")
    ap.add_argument(
        "--no-migrate", action="store_true", help="with --reuse: measure older code on newer tables"
    )
    ap.add_argument("--reuse", help="measure this kept database again (grown to --sizes; 0: as it is)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.database == "sqlite" and any(sizes):
        ap.error("growing by SQL copies needs PostgreSQL: use --sizes 0 with sqlite")

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

    by_size: dict[str, Any] = {}
    tickets = 0
    with tempfile.TemporaryDirectory() as data_dir:
        if args.reuse:
            where: Any = nullcontext(args.reuse)
        elif args.keep:
            where = _kept(args.url)
        else:
            where = bench_database(args.database, args.url, Path(data_dir))
        with where as url:
            if not args.no_migrate:
                upgrade(url)
            db = Database(url, pool_size=4)
            end = datetime.now(UTC)
            settings = Settings(
                data_dir=Path(data_dir),
                database_url=url,
                demo=False,
                routing_auto_dispatch=False,
                throttle=False,
            )
            app = create_app(settings, clock=lambda: end, db=db)
            if not args.reuse:
                with db.write() as s:
                    bootstrap.load_city(s, directory.demo_city(), end)
                plan = replace(history.SCALES["small"], days=args.days, per_day=args.per_day)
                started = time.perf_counter()
                written = demo.write(db, plan, end, None, app.state.wiring.deadlines, False, False)
                print(
                    f"wrote {written.history.tickets} base tickets in {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
            counter = {"n": 0}

            def count(*_: Any) -> None:
                counter["n"] += 1

            event.listen(db.engine, "before_cursor_execute", count)
            with TestClient(app, follow_redirects=False) as anon:
                clients = {}
                for user, password in PASSWORDS.items():
                    client = TestClient(app, follow_redirects=False)
                    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
                    assert csrf
                    r = client.post(
                        "/login", data={"username": user, "password": password, "csrf": csrf.group(1)}
                    )
                    assert r.status_code == 303, (user, r.text[:300])
                    clients[user] = client
                del anon
                for size in sizes:
                    started = time.perf_counter()
                    if size:
                        tickets = grow(url, size, args.copy_open)
                    else:
                        with db.read() as s:
                            tickets = int(s.execute(text("SELECT count(*) FROM tickets")).scalar() or 0)
                    print(f"{tickets} tickets (grown in {time.perf_counter() - started:.0f} s)", flush=True)
                    by_size[str(tickets)] = measure(clients, counter, url, args.repeat)
            db.dispose()
            if args.keep:
                print(f"kept {url}", file=sys.stderr)
    print(
        json.dumps(
            {"tickets": tickets, "database": args.database, "pages": by_size[str(tickets)], "sizes": by_size},
            ensure_ascii=False,
        )
    )
    return 0


class _kept:
    """A new PostgreSQL database that is left for `--reuse` (drop it yourself afterwards)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def __enter__(self) -> str:
        import secrets

        from sqlalchemy.engine import make_url

        name = f"hotline_bench_{secrets.token_hex(4)}"
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def __exit__(self, *_: Any) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main())
