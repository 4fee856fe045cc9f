"""Routing in the platform: how fast a suggestion is, how often kb + keywords alone (no model, no
history: a fresh installation) put a real message in the right part of the category tree, how
often real (non-emergency) messages are wrongly flagged as emergencies, and what routing adds to
intake.

    .venv/bin/python bench/routing_platform.py [--limit N] [--url postgresql+psycopg://…/db]

Reads the 1,102 raw messages of ../shared/data/tipdm2020c_gov_messages/messages_labelled.csv
(first-level labels only: a suggestion is "right" when its category lies under a built-in
first-level category that taxonomy_map.json maps the label to). Without --url it uses a
temporary SQLite database. Prints figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline import bootstrap
from hotline.db.engine import Database
from hotline.db.migrate import upgrade
from hotline.directory import service as directory
from hotline.domain.ticket import Actor, Context
from hotline.domain.vocabulary import Role
from hotline.intake import service as intake
from hotline.intake.schemas import TicketIn
from hotline.kb import service as kb
from hotline.routing import auto
from hotline.routing.labels import taxonomy_map
from hotline.routing.runtime import Runtime
from hotline.routing.service import RouteRequest, advise

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = ROOT / ".." / "shared" / "data" / "tipdm2020c_gov_messages" / "messages_labelled.csv"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="only the first N messages")
    parser.add_argument("--url", default="", help="an empty PostgreSQL database (default: temporary SQLite)")
    args = parser.parse_args()
    with MESSAGES.open(encoding="utf-8-sig", newline="") as handle:
        rows = [(f"{r['留言主题']}\n{r['留言详情']}", r["一级标签"]) for r in csv.DictReader(handle)]
    if args.limit:
        rows = rows[: args.limit]
    folder = Path(tempfile.mkdtemp(prefix="routing-bench-"))
    url = args.url or f"sqlite:///{folder / 'hotline.db'}"
    upgrade(url)
    db = Database(url)
    now = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
    with db.write() as s:
        bootstrap.load_city(s, directory.demo_city(), now)
        kb.sync_duties(s, now)
        kb.load_answers(s, kb.demo_answers(), now)
    runtime = Runtime(folder)
    tops = taxonomy_map()["label_to_top"]

    timings, right1, right3, nothing, flagged = [], 0, 0, 0, 0
    with db.read() as s:
        runtime.world(s)  # built once, as in a running app
        for text, label in rows:
            started = time.perf_counter()
            advice = advise(s, runtime, RouteRequest(text=text), now)
            timings.append((time.perf_counter() - started) * 1000)
            wanted = set(tops.get(label, []))
            cats = [c.category.top_code for c in advice.suggestions if c.category is not None]
            right1 += (
                bool(advice.suggestions)
                and advice.suggestions[0].category is not None
                and cats[:1] == [advice.suggestions[0].category.top_code]
                and cats[0] in wanted
            )
            right3 += any(c in wanted for c in cats[:3])
            nothing += not advice.suggestions
            flagged += bool(advice.emergency)
    n = len(rows)
    suggest = {
        "messages": n,
        "top1_first_level_right": round(right1 / n, 3),
        "top3_first_level_right": round(right3 / n, 3),
        "no_suggestion": round(nothing / n, 3),
        "flagged_emergency": round(flagged / n, 3),
        "suggest_ms_p50": round(statistics.median(timings), 1),
        "suggest_ms_p99": round(pct(timings, 0.99), 1),
    }
    print(f"suggest on {n} raw messages: {suggest}")

    # intake: the ticket alone, then with routing (advice, index, stored advice; no dispatch)
    policy = auto.Policy(auto_dispatch=False)
    ctx = Context(actor=Actor(role=Role.OPERATOR), now=now)
    plain, routed = [], []
    sample = rows[:200]
    for i, (text, _label) in enumerate(sample):
        data = TicketIn(kind="complaint", content=text[:4000], citizen_phone="13800000000")
        started = time.perf_counter()
        done = intake.submit(db, data, ctx, created_by=None)
        middle = time.perf_counter()
        auto.after_intake(db, runtime, policy, done.ticket_id, now + timedelta(seconds=i))
        routed.append((time.perf_counter() - middle) * 1000)
        plain.append((middle - started) * 1000)
    intake_figures = {
        "tickets": len(sample),
        "submit_ms_p50": round(statistics.median(plain), 1),
        "routing_ms_p50": round(statistics.median(routed), 1),
        "routing_ms_p99": round(pct(routed, 0.99), 1),
    }
    print(f"intake: {intake_figures}")
    db.dispose()
    print(json.dumps({"database": "postgresql" if args.url else "sqlite", **suggest, **intake_figures}))


if __name__ == "__main__":
    main()
