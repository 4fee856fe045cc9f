"""Assessment at scale on PostgreSQL: the rates of every unit for one month, the monthly ranking of
every peer group, and the Excel monthly report, at 200k and at 2M tickets.

    nice .venv/bin/python bench/assessment.py                     # 200k, then 2M
    nice .venv/bin/python bench/assessment.py --sizes 200000     # one size

1. A fresh PostgreSQL database (dropped at the end): migrations, the demo city.
2. A seed: four weeks of the demo city's history written by the demo generator's bulk route
   (`demo.history.generate(bulk=True)`, the platform's own workflow and store).
3. Copies made in SQL (`INSERT … SELECT`) of the seed's tickets, their assignments and the log
   entries assessment reads (follow-up answers and reopens), each copy moved back in time by a
   whole number of four-week blocks within the year before the seed's end, with new ids and
   tracking codes, until the table holds the size asked; then ANALYZE.
4. For the month before the last (a whole calendar month inside the copies), ``--repeat`` runs of:
   rates (`analytics.queries.report`, by unit), ranking (the rankings' own, as the report prints
   it: `reports.queries.ranking` — the period and the two before it tallied for movement and the
   watchlist) and the Excel monthly report
   (`reports.queries.report` + `reports.workbook.workbook`), and the drill-down of the busiest
   lead unit's on-time closure and timely acknowledgement (`assessment.queries.behind`). The p50
   of each.
5. At the smallest size also the reference count in Python (`report_from_facts`), once, to show
   what the SQL tally replaced, and the load of the whole month's facts (what a drill-down read
   before it read only the unit's tickets).
Last line: one JSON object with tickets, rates_ms, ranking_ms, excel_ms per size and targets.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.intake import bench_database, prepare

DEFAULT_PG = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
END = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
BLOCK = 28  # days: the seed's span, and the step copies move back by
BLOCKS = 13  # 13 × 28 = 364 days: a year of copies
TARGETS = {"rates_ms": 300, "ranking_ms": 1000, "excel_ms": 10_000}
TAGS = ("ticket.followed_up", "ticket.reopened")


def seed(url: str, per_day: int) -> None:
    from hotline import bootstrap
    from hotline.config import Settings
    from hotline.db.engine import Database
    from hotline.demo import history
    from hotline.sla.service import DeadlineSource

    db = Database(url)
    try:
        plan = history.Plan(days=BLOCK, per_day=per_day, seed=2026, bursts=0)
        report = history.generate(
            db, plan, END, DeadlineSource(bootstrap.sla_settings(Settings())), bulk=True
        )
        return len(report.ids)
    finally:
        db.dispose()


def _select_list(table: Any, shifts: dict[str, str]) -> tuple[str, str]:
    """The column list and the SELECT expressions copying ``table`` with the given rewrites; every
    timestamp moves back by the copy's block."""
    from hotline.db.types import UTCDateTime

    names, exprs = [], []
    for c in table.columns:
        names.append(c.name)
        if c.name in shifts:
            exprs.append(shifts[c.name])
        elif isinstance(c.type, UTCDateTime):
            exprs.append(f"s.{c.name} - (k.k % {BLOCKS} + 1) * interval '{BLOCK} days'")
        else:
            exprs.append(f"s.{c.name}")
    return ", ".join(names), ", ".join(exprs)


def grow(url: str, seed_max: dict[str, int], first_copy: int, copies: int) -> None:
    """Copies first_copy … first_copy+copies-1 of the seed (rows with id ≤ the seed's maxima)."""
    from sqlalchemy import create_engine

    from hotline.tickets.models import AssignmentRow, TicketEventRow, TicketRow

    t_off, a_off, e_off = seed_max["tickets"], seed_max["assignments"], seed_max["events"]
    tickets = _select_list(
        TicketRow.__table__,
        {
            "id": f"s.id + k.k * {t_off}",
            "tracking_code": "left(s.tracking_code, 10) || lpad(k.k::text, 6, '0')",
            "merged_into_id": f"s.merged_into_id + k.k * {t_off}",
            "duplicate_ids": "'[]'::json",
        },
    )
    assignments = _select_list(
        AssignmentRow.__table__,
        {"id": f"s.id + k.k * {a_off}", "ticket_id": f"s.ticket_id + k.k * {t_off}", "next_check_at": "NULL"},
    )
    events = _select_list(
        TicketEventRow.__table__, {"id": f"s.id + k.k * {e_off}", "ticket_id": f"s.ticket_id + k.k * {t_off}"}
    )
    engine = create_engine(url)
    try:
        # Oldest block first, and within a block in the seed's order: the copies land in time order,
        # so a month is contiguous on disk as in production (where tickets arrive in time order).
        # Each growth appends its own run, so at 2M a month lies in two runs (the 200k one and the
        # rest), not spread over the whole heap as when each copy was written whole.
        last = first_copy + copies - 1
        for back in range(BLOCKS, 0, -1):
            with engine.begin() as conn:
                series = f"generate_series({first_copy}, {last}) AS k(k)"
                block = f"k.k % {BLOCKS} + 1 = {back}"
                conn.execute(
                    text(
                        f"INSERT INTO tickets ({tickets[0]}) SELECT {tickets[1]} FROM tickets s, {series}"
                        f" WHERE s.id <= {t_off} AND {block} ORDER BY s.received_at, k.k"
                    )
                )
                conn.execute(
                    text(
                        f"INSERT INTO assignments ({assignments[0]}) SELECT {assignments[1]}"
                        f" FROM assignments s, {series} WHERE s.id <= {a_off} AND {block}"
                        " ORDER BY s.ticket_id, k.k"
                    )
                )
                conn.execute(
                    text(
                        f"INSERT INTO ticket_events ({events[0]}) SELECT {events[1]} FROM ticket_events s, {series}"
                        f" WHERE s.id <= {e_off} AND s.tag IN {TAGS!r} AND {block} ORDER BY s.ticket_id, k.k"
                    )
                )
            print(f"  copies {first_copy}-{last}, {back * BLOCK} days back, written", flush=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # VACUUM too: the day tallies' freshness check is an index-only scan, which needs the
            # visibility map that autovacuum keeps in production.
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


ZONE_NAME = "Asia/Shanghai"


def tally(url: str) -> dict[str, Any]:
    """The worker's day-tally job as of the bench's END: every past day of the year (a first run),
    then one day counted again (what a stale day costs the worker)."""
    from zoneinfo import ZoneInfo

    from hotline.analytics import service as tallying
    from hotline.db.engine import Database

    zone = ZoneInfo(ZONE_NAME)
    db = Database(url)
    try:
        t0 = time.perf_counter()
        days = tallying.refresh_day_tallies(db, END, zone)
        year_s = time.perf_counter() - t0
        one = END.astimezone(zone).date() - timedelta(days=40)
        t0 = time.perf_counter()
        tallying.tally_day(db, one, zone, END)
        day_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        with db.read() as s:
            stale = tallying.stale_days(s, END, zone)
        check_ms = (time.perf_counter() - t0) * 1000
    finally:
        db.dispose()
    return {
        "tally_days": len(days),
        "tally_year_s": round(year_s, 1),
        "tally_one_day_ms": round(day_ms, 1),
        "stale_check_year_ms": round(check_ms, 1),
        "stale_after": len(stale),
    }


def touch(url: str, days: int) -> list[str]:
    """A write to one ticket of each of ``days`` days of the measured month (its version bumped, as
    every event does): those days go stale until the worker's next pass."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import create_engine

    from hotline.analytics.queries import day_bounds
    from hotline.reports import queries as reports

    zone = ZoneInfo(ZONE_NAME)
    today = END.astimezone(zone).date()
    period = reports.month(f"{(today.replace(day=1) - timedelta(days=32)):%Y-%m}", today)
    first = period.bounds(zone)[0].astimezone(zone).date()
    touched = [first + timedelta(days=d) for d in (3, 14, 25)[:days]]
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for day in touched:
                lo, hi = day_bounds(day, zone)
                conn.execute(
                    text(
                        "UPDATE tickets SET version = version + 1 WHERE id = (SELECT id FROM tickets"
                        " WHERE received_at >= :lo AND received_at < :hi ORDER BY received_at LIMIT 1)"
                    ),
                    {"lo": lo, "hi": hi},
                )
    finally:
        engine.dispose()
    return [d.isoformat() for d in touched]


def excel_parts(db: Any, period: Any, zone: Any, config: Any, whole: Any) -> dict[str, float]:
    """One more run of the Excel report's parts, each timed alone: where its time goes."""
    from hotline.analytics import queries as analytics
    from hotline.domain.assessment import RankingConfig
    from hotline.reports import queries as reports
    from hotline.reports import workbook
    from hotline.tickets import queries as tickets
    from hotline.web.catalogue import text as word

    start, end = period.bounds(zone)
    parts: dict[str, float] = {}

    def timed(name: str, run: Any) -> None:
        with db.read() as s:
            t0 = time.perf_counter()
            run(s)
            parts[name] = round((time.perf_counter() - t0) * 1000, 1)

    for group in analytics.GroupBy:
        if group is not analytics.GroupBy.CHANNEL:
            timed(
                f"rates_{group.value}",
                lambda s, g=group: analytics.report(s, start, end, g, config, END, "zh", zone=zone),
            )
    timed(
        "cases",
        lambda s: tickets.report_cases(
            s,
            start,
            end,
            by_closed=False,
            as_of=END,
            zone=zone,
            limit=reports.WORKBOOK_CASES,
            totals=analytics.case_totals(s, start, end, config, END, zone),
        ),
    )
    timed("ranking", lambda s: reports.ranking(s, period, zone, END, config, RankingConfig(), "zh"))
    t0 = time.perf_counter()
    workbook.workbook(whole, lambda key, default=None, **p: word(key, "zh", default, **p), "zh")
    parts["workbook"] = round((time.perf_counter() - t0) * 1000, 1)
    return parts


def measure(url: str, repeat: int, reference: bool) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from hotline.analytics import queries as analytics
    from hotline.assessment import queries as assessment
    from hotline.db.engine import Database
    from hotline.domain import assessment as a
    from hotline.domain import rates as r
    from hotline.domain.assessment import RankingConfig
    from hotline.reports import queries as reports
    from hotline.reports import workbook
    from hotline.web.catalogue import text as word

    zone = ZoneInfo(ZONE_NAME)
    today = END.astimezone(zone).date()
    period = reports.month(f"{(today.replace(day=1) - timedelta(days=32)):%Y-%m}", today)
    start, end = period.bounds(zone)
    config = r.AssessmentConfig()
    db = Database(url)
    times: dict[str, list[float]] = {
        "rates_ms": [],
        "ranking_ms": [],
        "excel_ms": [],
        "drill_ticket_rate_ms": [],
        "drill_assignment_rate_ms": [],
    }
    drilled = a.Period.parse(period.code)
    out: dict[str, Any] = {"month": period.code}
    try:
        with db.read() as s:
            out["tickets"] = s.execute(text("SELECT count(*) FROM tickets")).scalar_one()
            out["tickets_in_month"] = s.execute(
                text("SELECT count(*) FROM tickets WHERE received_at >= :a AND received_at < :b"),
                {"a": start, "b": end},
            ).scalar_one()
            busiest = s.execute(
                text(
                    "SELECT lead_unit_id FROM tickets WHERE received_at >= :a AND received_at < :b"
                    " AND lead_unit_id IS NOT NULL GROUP BY lead_unit_id ORDER BY count(*) DESC LIMIT 1"
                ),
                {"a": start, "b": end},
            ).scalar_one()
        out["drill_unit"] = busiest
        for _ in range(repeat):
            with db.read() as s:
                t0 = time.perf_counter()
                found = analytics.report(s, start, end, analytics.GroupBy.UNIT, config, END, "zh", zone=zone)
                times["rates_ms"].append((time.perf_counter() - t0) * 1000)
            with db.read() as s:
                t0 = time.perf_counter()
                groups, _ = reports.ranking(s, period, zone, END, config, RankingConfig(), "zh")
                times["ranking_ms"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            with db.read() as s:
                whole = reports.report(s, period, zone, config, END, "zh", cases=reports.WORKBOOK_CASES)
            body = workbook.workbook(
                whole, lambda key, default=None, **p: word(key, "zh", default, **p), "zh"
            )
            times["excel_ms"].append((time.perf_counter() - t0) * 1000)
            for key, code in (
                ("drill_ticket_rate_ms", r.RateCode.ON_TIME_CLOSURE),
                ("drill_assignment_rate_ms", r.RateCode.TIMELY_ACKNOWLEDGEMENT),
            ):
                with db.read() as s:
                    t0 = time.perf_counter()
                    down = assessment.behind(s, busiest, code, drilled, zone, END, config)
                    times[key].append((time.perf_counter() - t0) * 1000)
                out[f"{key[:-3]}_lines"] = len(down.lines)
        out.update({k: round(statistics.median(v), 1) for k, v in times.items()})
        out["runs"] = {k: [round(x, 1) for x in v] for k, v in times.items()}
        out["ranked_units"] = sum(1 for g in groups for x in g.standings if x.rank is not None)
        out["excel_bytes"] = len(body)
        out["composite_total"] = found.total.rates[r.RateCode.COMPOSITE].value if found.total else None
        out["excel_parts_ms"] = excel_parts(db, period, zone, config, whole)
        with db.read() as s:
            t0 = time.perf_counter()
            where = analytics.sources(s, start, end, zone, END)
            out["freshness_check_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            out["stored_days"], out["live_spans"] = len(where.stored), len(where.live)
        if reference:
            with db.read() as s:
                t0 = time.perf_counter()
                analytics.report_from_facts(s, start, end, analytics.GroupBy.UNIT, config, END, "zh")
                out["reference_python_rates_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            with db.read() as s:  # what a drill-down loaded before it read only the unit's tickets
                t0 = time.perf_counter()
                analytics.facts(s, start, end, config.basis)
                out["reference_whole_period_facts_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    finally:
        db.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=DEFAULT_PG, help="PostgreSQL server (a database is made and dropped)")
    ap.add_argument("--sizes", default="200000,2000000", help="ticket counts to measure at, ascending")
    ap.add_argument("--seed-per-day", type=int, default=50, help="the seed's tickets a day (4 weeks)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-reference", action="store_true", help="skip the old Python count at the first size")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, bench_database("postgresql", args.url, Path(tmp)) as url:
        prepare(url)
        t0 = time.perf_counter()
        seed(url, args.seed_per_day)
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.connect() as conn:
            seed_max = {
                name: conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {name}")).scalar_one()
                for name in ("tickets", "assignments", "ticket_events")
            }
            seed_count = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        engine.dispose()
        print(f"seed: {seed_count} tickets in {time.perf_counter() - t0:.0f} s", flush=True)
        seed_max = {
            "tickets": seed_max["tickets"],
            "assignments": seed_max["assignments"],
            "events": seed_max["ticket_events"],
        }
        made = 0  # copies so far
        for size in sizes:
            want = max(0, -(-size // seed_count) - 1)  # copies beyond the seed itself
            if want > made:
                t0 = time.perf_counter()
                grow(url, seed_max, made + 1, want - made)
                print(
                    f"grown to {(want + 1) * seed_count} tickets in {time.perf_counter() - t0:.0f} s",
                    flush=True,
                )
                made = want
            job = tally(url)
            job["load_average"] = [round(x, 2) for x in os.getloadavg()]
            print(json.dumps(job, ensure_ascii=False), flush=True)
            found = measure(url, args.repeat, reference=size == sizes[0] and not args.no_reference)
            found["tally_job"] = job
            found["load_average"] = [round(x, 2) for x in os.getloadavg()]
            print(json.dumps(found, ensure_ascii=False), flush=True)
            touched = touch(url, 3)
            churn = measure(url, args.repeat, reference=False)
            churn["touched_days"] = touched
            churn["load_average"] = [round(x, 2) for x in os.getloadavg()]
            found["three_days_stale"] = churn
            print(json.dumps({"three_days_stale": churn}, ensure_ascii=False), flush=True)
            results.append(found)
    summary = {
        "bench": "assessment",
        "database": "postgresql",
        "seed_tickets": seed_count,
        "sizes": results,
        "tickets": results[-1]["tickets"],
        "rates_ms": results[-1]["rates_ms"],
        "ranking_ms": results[-1]["ranking_ms"],
        "excel_ms": results[-1]["excel_ms"],
        "targets": TARGETS,
        "target_met": all(x[k] <= v for x in results for k, v in TARGETS.items()),
        "seconds": round(time.perf_counter() - started),
        "date": date.today().isoformat(),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
