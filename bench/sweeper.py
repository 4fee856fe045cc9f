"""The deadline sweeper at scale: one sweep's cost, and how late each overdue is recorded.

    .venv/bin/python bench/sweeper.py                       # 1,000,000 open assignments, 1 % due
    .venv/bin/python bench/sweeper.py --assignments 100000  # a quicker run

1. Creates a fresh PostgreSQL database `hotline_bench_sweeper_<random>` on the server given by
   `--url` (default `HOTLINE_TEST_POSTGRES_URL`, else postgresql+psycopg://postgres@127.0.0.1:5432/test),
   runs the migrations and loads the demo city.
2. Bulk-loads `--assignments` open tickets, each with one assignment and its event log, server-side
   (INSERT … SELECT over generate_series, in chunks): received, dispatched (with the acknowledge,
   contact and reply deadlines in the event, as the platform writes them), acknowledged, contacted.
   99 % have their reply deadline days ahead. The other 1 % (`--due-share`) also carry a recorded
   reply warning and their reply deadline falls due at evenly spread instants over the minute
   (`--window`) that starts ~20 s after loading: 1 in 10 tickets is supervised, so those also escalate.
   The `assignments` projection (with `next_check_at`) is written to match the logs.
3. Measures `--idle-sweeps` sweeps while nothing is due yet (`idle_sweep_ms`: their median; also
   the maximum), and shows the claim query's plan.
4. Runs the worker's sweep loop in real time (sweep what is due; sleep until the next check, at most
   a second) until every due assignment has its overdue recorded. For each overdue, the lateness is
   measured twice: in the log (`occurred_at` − deadline: the sweep's "now") and at the commit of the
   transaction that recorded it (`max_lateness_s`, the honest one). `sweep_ms` is the median duration
   of the sweeps that recorded something; `sweep_ms_max` the longest.
5. Catch-up (`--catch-up N`, default = the due count): as many assignments whose deadlines passed
   ten minutes ago, as after a worker's downtime; one full `sweeper.sweep` is timed.
6. Checks every due assignment got exactly one overdue and one urge (and supervised ones one
   escalation), drops the database (unless `--keep`), and prints one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from hotline import bootstrap
from hotline.db.engine import Database
from hotline.db.migrate import upgrade
from hotline.directory import service as directory
from hotline.sla import sweeper

DEFAULT_PG = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHUNK = 100_000


def iso(expr: str) -> str:
    """An SQL expression giving the ISO 8601 text of a timestamptz, as the event payloads store it."""
    return f"(to_char(({expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00')"


# Per row g in [lo, hi]: the reply deadline spreads evenly over [base, base + spread_s); the
# dispatch was three days before base; acknowledged 10 minutes and contacted 20 minutes after it.
TIMES = """
    SELECT g,
           base + ((g - CAST(:lo AS bigint)) * CAST(:spread_s AS float8)
                   / (CAST(:hi AS bigint) - CAST(:lo AS bigint) + 1)) * interval '1 second' AS reply_due,
           base - interval '3 days' AS d
    FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g,
         (SELECT CAST(:base AS timestamptz) AS base) AS b
"""

TICKETS = f"""
INSERT INTO tickets (id, tracking_code, channel, kind, urgency, status, title, content, category_code,
    citizen_name, citizen_phone, address, latitude, longitude, lead_unit_id, supervised, complex,
    reopen_count, answer, merged_into_id, duplicate_ids, handed_off_to, followup_contacted,
    followup_solved, satisfaction, close_reason, received_at, updated_at, closed_at,
    created_by_user_id, version)
SELECT g, 'B' || lpad(to_hex(g), 12, '0'), 'phone', 'complaint', 'normal', 'in_progress', NULL,
    '金鱼路' || (g % 300) || '号附近路灯不亮，晚上出行不便', 'urban.streetlight', NULL,
    '138' || lpad((g % 100000000)::text, 8, '0'), NULL, NULL, NULL,
    (CAST(:units AS int[]))[1 + g % cardinality(CAST(:units AS int[]))], g % 10 = 0, false, 0, NULL, NULL,
    '[]'::json, NULL, NULL, NULL, NULL, NULL, d - interval '5 minutes',
    CASE WHEN CAST(:warned AS boolean) THEN reply_due - interval '12 hours' ELSE d + interval '20 minutes' END,
    NULL, NULL, CASE WHEN CAST(:warned AS boolean) THEN 5 ELSE 4 END + (g % 10 = 0)::int
FROM ({TIMES}) AS t
"""

DEADLINES_JSON = f"""json_build_array(
    json_build_object('step', 'acknowledge', 'limit', '30m', 'due_at', {iso("d + interval '30 minutes'")},
                      'warn_at', {iso("d + interval '24 minutes'")}),
    json_build_object('step', 'contact', 'limit', '1wd', 'due_at', {iso("d + interval '1 day'")},
                      'warn_at', {iso("d + interval '20 hours'")}),
    json_build_object('step', 'reply', 'limit', '3wd', 'due_at', {iso("reply_due")},
                      'warn_at', {iso("reply_due - interval '12 hours'")}))"""

EVENTS = f"""
INSERT INTO ticket_events (ticket_id, seq, tag, occurred_at, actor_role, actor_user_id, actor_unit_id,
    from_status, to_status, assignment_no, payload)
SELECT g, 1, 'ticket.received', d - interval '5 minutes', 'operator', CAST(NULL AS int), CAST(:centre AS int),
    CAST(NULL AS text), 'received', CAST(NULL AS int),
    json_build_object('channel', 'phone', 'kind', 'complaint', 'urgency', 'normal',
        'content', '金鱼路' || (g % 300) || '号附近路灯不亮，晚上出行不便', 'tracking_code',
        'B' || lpad(to_hex(g), 12, '0'), 'title', NULL, 'category', 'urban.streetlight',
        'citizen_name', NULL, 'citizen_phone', '138' || lpad((g % 100000000)::text, 8, '0'),
        'address', NULL, 'latitude', NULL, 'longitude', NULL)
FROM ({TIMES}) AS t
UNION ALL
SELECT g, 2, 'ticket.dispatched', d, 'dispatcher', NULL, :centre, 'received', 'dispatched', NULL,
    json_build_object('assignments', json_build_array(json_build_object('no', 1,
        'unit', (CAST(:units AS int[]))[1 + g % cardinality(CAST(:units AS int[]))], 'role', 'lead',
        'parent_no', NULL, 'deadlines', {DEADLINES_JSON})),
        'category', NULL, 'note', NULL, 'complex', false)
FROM ({TIMES}) AS t
UNION ALL
SELECT g, 3, 'ticket.supervised', d + interval '1 minute', 'supervisor', NULL, :centre, 'dispatched', 'dispatched',
    NULL, json_build_object('note', NULL)
FROM ({TIMES}) AS t WHERE g % 10 = 0
UNION ALL
SELECT g, 3 + (g % 10 = 0)::int, 'assignment.acknowledged', d + interval '10 minutes', 'unit_handler', NULL,
    (CAST(:units AS int[]))[1 + g % cardinality(CAST(:units AS int[]))], 'dispatched', 'in_progress', 1,
    json_build_object('no', 1)
FROM ({TIMES}) AS t
UNION ALL
SELECT g, 4 + (g % 10 = 0)::int, 'assignment.contacted', d + interval '20 minutes', 'unit_handler', NULL,
    (CAST(:units AS int[]))[1 + g % cardinality(CAST(:units AS int[]))], 'in_progress', 'in_progress', 1,
    json_build_object('no', 1, 'note', NULL)
FROM ({TIMES}) AS t
UNION ALL
SELECT g, 5 + (g % 10 = 0)::int, 'assignment.deadline_warning', reply_due - interval '12 hours', 'system', NULL, NULL,
    'in_progress', 'in_progress', 1,
    json_build_object('no', 1, 'step', 'reply', 'due_at', {iso("reply_due")})
FROM ({TIMES}) AS t WHERE CAST(:warned AS boolean)
"""


def _deadline_state(step: str, limit: str, due: str, warn: str, warned: str, is_open: str) -> str:
    return (
        f"json_build_object('step', '{step}', 'limit', '{limit}', 'due_at', {iso(due)}, 'warn_at', {iso(warn)}, "
        f"'warned', {warned}, 'overdue', false, 'open', {is_open})"
    )


ASSIGNMENTS = f"""
INSERT INTO assignments (ticket_id, no, unit_id, role, state, parent_no, dispatched_at, acknowledged_at,
    contacted_at, replied_at, reviewed_at, reply, send_back_reason, state_before_send_back,
    pending_extension_until, pending_extension_reason, reply_due_at, original_reply_due_at,
    extensions_approved, rejections, improper_send_backs, urges, escalations, acknowledge_due_at,
    contact_due_at, deadlines, next_check_at)
SELECT g, 1, (CAST(:units AS int[]))[1 + g % cardinality(CAST(:units AS int[]))], 'lead', 'contacted', NULL, d,
    d + interval '10 minutes', d + interval '20 minutes', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    reply_due, NULL, 0, 0, 0, 0, 0, d + interval '30 minutes', d + interval '1 day',
    json_build_array(
        {_deadline_state("acknowledge", "30m", "d + interval '30 minutes'", "d + interval '24 minutes'", "false", "false")},
        {_deadline_state("contact", "1wd", "d + interval '1 day'", "d + interval '20 hours'", "false", "false")},
        {_deadline_state("reply", "3wd", "reply_due", "reply_due - interval '12 hours'", "CAST(:warned AS boolean)", "true")}),
    CASE WHEN CAST(:warned AS boolean) THEN reply_due + interval '1 microsecond' ELSE reply_due - interval '12 hours' END
FROM ({TIMES}) AS t
"""


def load(
    engine: Engine,
    lo: int,
    hi: int,
    base: datetime,
    spread_s: float,
    warned: bool,
    units: list[int],
    centre: int,
) -> None:
    """Tickets lo..hi with their logs and assignments, in chunks (one transaction each)."""
    for start in range(lo, hi + 1, CHUNK):
        end = min(hi, start + CHUNK - 1)
        # Each chunk keeps the whole range's spread: its share of [base, base + spread_s).
        chunk_base = base + timedelta(seconds=(start - lo) * spread_s / (hi - lo + 1))
        chunk_spread = spread_s * (end - start + 1) / (hi - lo + 1)
        params = {
            "lo": start,
            "hi": end,
            "base": chunk_base,
            "spread_s": chunk_spread,
            "warned": warned,
            "units": units,
            "centre": centre,
        }
        with engine.begin() as conn:
            conn.execute(text(TICKETS), params)
            conn.execute(text(EVENTS), params)
            conn.execute(text(ASSIGNMENTS), params)


def _fix_sequences(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in ("tickets", "ticket_events", "assignments"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
        conn.execute(text("ANALYZE"))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--url", default=DEFAULT_PG, help="PostgreSQL server (any database on it) to create ours on"
    )
    ap.add_argument("--assignments", type=int, default=1_000_000)
    ap.add_argument("--due-share", type=float, default=0.01, help="share falling due within the window")
    ap.add_argument("--window", type=float, default=60.0, help="seconds over which they fall due")
    ap.add_argument(
        "--batch", type=int, default=sweeper.DEFAULT_BATCH, help="assignments per sweep transaction"
    )
    ap.add_argument("--idle-sweeps", type=int, default=30)
    ap.add_argument("--catch-up", type=int, default=None, help="overdue assignments for the catch-up sweep")
    ap.add_argument("--keep", action="store_true", help="keep the database")
    args = ap.parse_args(argv)

    name = f"hotline_bench_sweeper_{secrets.token_hex(4)}"
    admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    print(f"database {name}")
    try:
        return run(args, url)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped {name}")
        admin.dispose()


def run(args: argparse.Namespace, url: str) -> int:
    upgrade(url)
    db = Database(url, pool_size=4)
    engine = db.engine
    with db.write() as s:
        bootstrap.load_city(s, directory.demo_city(), datetime.now(UTC))
    with engine.connect() as conn:
        units = [
            r[0] for r in conn.execute(text("SELECT id FROM units WHERE level BETWEEN 2 AND 4 ORDER BY id"))
        ]
        centre = conn.execute(text("SELECT id FROM units WHERE kind = 'centre'")).scalar_one()

    n_due = round(args.assignments * args.due_share)
    n_far = args.assignments - n_due
    n_catch = n_due if args.catch_up is None else args.catch_up
    t_load = time.perf_counter()
    now = datetime.now(UTC)
    load(engine, 1, n_far, now + timedelta(days=2), 86400.0, False, units, centre)
    print(f"loaded {n_far:,} assignments due days ahead in {time.perf_counter() - t_load:.0f} s")
    window_start = datetime.now(UTC) + timedelta(seconds=20)
    t_due = time.perf_counter()
    load(engine, n_far + 1, args.assignments, window_start, args.window, True, units, centre)
    _fix_sequences(engine)
    print(
        f"loaded {n_due:,} assignments due between +{(window_start - datetime.now(UTC)).total_seconds():.1f} s "
        f"and +{(window_start - datetime.now(UTC)).total_seconds() + args.window:.1f} s "
        f"in {time.perf_counter() - t_due:.1f} s"
    )
    load_s = time.perf_counter() - t_load
    with engine.connect() as conn:
        open_assignments = conn.execute(
            text("SELECT count(*) FROM assignments WHERE next_check_at IS NOT NULL")
        ).scalar_one()
        size = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar_one()
    print(f"open assignments: {open_assignments:,}; database size {size}")

    # --- idle sweeps -------------------------------------------------------------------------
    idle: list[float] = []
    for _ in range(args.idle_sweeps):
        started = time.perf_counter()
        result = sweeper.sweep_once(db, datetime.now(UTC), args.batch)
        idle.append((time.perf_counter() - started) * 1000)
        assert result.claimed == 0, "something was due before the window"
        if datetime.now(UTC) > window_start - timedelta(seconds=2):
            break
        time.sleep(0.05)
    idle_ms = statistics.median(idle)
    print(f"idle sweep (nothing due, {len(idle)} sweeps): median {idle_ms:.2f} ms, max {max(idle):.2f} ms")
    with engine.connect() as conn:
        plan = conn.execute(
            text(
                "EXPLAIN SELECT a.ticket_id, a.no, a.unit_id FROM assignments a JOIN tickets t ON t.id = a.ticket_id "
                "WHERE a.next_check_at <= now() ORDER BY a.next_check_at LIMIT 200 FOR UPDATE OF t SKIP LOCKED"
            )
        ).all()
    print("claim query plan:\n  " + "\n  ".join(r[0] for r in plan))

    # --- the worker's loop, in real time ---------------------------------------------------
    sweeps: list[tuple[float, int]] = []  # (ms, overdue recorded)
    log_lateness: list[float] = []
    commit_lateness: list[float] = []
    recorded = 0
    give_up = window_start + timedelta(seconds=args.window + 120)
    while recorded < n_due and datetime.now(UTC) < give_up:
        now = datetime.now(UTC)
        started = time.perf_counter()
        result = sweeper.sweep_once(db, now, args.batch)
        elapsed = time.perf_counter() - started
        if result.claimed:
            sweeps.append((elapsed * 1000, result.overdues))
            recorded += result.overdues
            log_lateness += result.lateness_s
            commit_lateness += [late + elapsed for late in result.lateness_s]
        if result.claimed < args.batch:
            nxt = sweeper.next_check(db)
            wait = 1.0 if nxt is None else (nxt - datetime.now(UTC)).total_seconds()
            time.sleep(max(0.0, min(1.0, wait)))
    busy_ms = [ms for ms, _ in sweeps]
    print(
        f"window: {recorded:,} overdue recorded in {len(sweeps)} sweeps; sweep median "
        f"{statistics.median(busy_ms):.1f} ms, max {max(busy_ms):.1f} ms; per overdue "
        f"{sum(busy_ms) / max(1, recorded):.2f} ms"
    )
    print(
        f"lateness at commit: median {statistics.median(commit_lateness):.3f} s, p99 "
        f"{_percentile(commit_lateness, 99):.3f} s, max {max(commit_lateness):.3f} s "
        f"(in the log: max {max(log_lateness):.3f} s)"
    )

    # --- catch-up after downtime -----------------------------------------------------------
    catch_up_ms = None
    catch_up_per_s = None
    if n_catch:
        lo = args.assignments + 1
        load(
            engine, lo, lo + n_catch - 1, datetime.now(UTC) - timedelta(minutes=10), 60.0, True, units, centre
        )
        _fix_sequences(engine)
        started = time.perf_counter()
        caught = sweeper.sweep(db, datetime.now(UTC), args.batch)
        catch_up_ms = (time.perf_counter() - started) * 1000
        catch_up_per_s = caught.overdues / (catch_up_ms / 1000)
        print(
            f"catch-up: {caught.overdues:,} overdue (all due 10 min ago) in one sweep of "
            f"{caught.claimed // args.batch + 1} transactions: {catch_up_ms / 1000:.1f} s, {catch_up_per_s:.0f} per second"
        )
        assert caught.overdues == n_catch, caught

    # --- checks ---------------------------------------------------------------------------
    with engine.connect() as conn:
        dupes = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT ticket_id, tag, payload->>'step' FROM ticket_events "
                "WHERE tag IN ('assignment.overdue', 'assignment.urged', 'assignment.escalated') "
                "GROUP BY 1, 2, 3 HAVING count(*) > 1) x"
            )
        ).scalar_one()
        counts = dict(
            conn.execute(
                text(
                    "SELECT tag, count(*) FROM ticket_events WHERE tag IN "
                    "('assignment.overdue', 'assignment.urged', 'assignment.escalated') GROUP BY tag"
                )
            ).all()
        )
        notifications = conn.execute(
            text("SELECT count(*) FROM notifications WHERE kind <> 'assignment'")
        ).scalar_one()
    expected = n_due + n_catch
    supervised = sum(1 for g in range(n_far + 1, args.assignments + n_catch + 1) if g % 10 == 0)
    ok = (
        dupes == 0
        and counts.get("assignment.overdue") == expected
        and counts.get("assignment.urged") == expected
        and counts.get("assignment.escalated", 0) == supervised
        and recorded == n_due
    )
    print(
        f"checks: duplicates {dupes}, events {counts}, notifications {notifications}: {'ok' if ok else 'FAILED'}"
    )
    db.dispose()

    figures = {
        "database": "postgresql",
        "open_assignments": open_assignments,
        "due_in_window": n_due,
        "window_s": args.window,
        "batch": args.batch,
        "sweep_ms": round(statistics.median(busy_ms), 2),
        "sweep_ms_max": round(max(busy_ms), 2),
        "sweeps": len(sweeps),
        "ms_per_overdue": round(sum(busy_ms) / max(1, recorded), 3),
        "idle_sweep_ms": round(idle_ms, 2),
        "idle_sweep_ms_max": round(max(idle), 2),
        "max_lateness_s": round(max(commit_lateness), 3),
        "p99_lateness_s": round(_percentile(commit_lateness, 99), 3),
        "median_lateness_s": round(statistics.median(commit_lateness), 3),
        "max_lateness_in_log_s": round(max(log_lateness), 3),
        "catch_up_overdue": n_catch,
        "catch_up_ms": None if catch_up_ms is None else round(catch_up_ms),
        "catch_up_per_s": None if catch_up_per_s is None else round(catch_up_per_s),
        "load_s": round(load_s),
        "database_size": size,
        "duplicates": dupes,
        "checks_ok": ok,
        "target_met": ok and max(commit_lateness) <= 5.0 and idle_ms < 50.0,
    }
    print(json.dumps(figures))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
