"""How fast the router drains a burst: tickets routed per second by one router process, and by
several at once (issue 16, defect 13: about 5 a second while intake took 40-90).

    nice .venv/bin/python bench/router_throughput.py [--database sqlite|postgresql] [--tickets 300]
        [--processes 1,2] [--history-days 7] [--profile DIR]

Prepares a platform as the demo's first start does (the demo city, the kb's answers, `--history-days`
of past tickets written through the real workflow, routing's index, and a model trained from the
closed ones), then, for each process count, takes in a burst of `--tickets` phone tickets (intake's
own service, so each waits in `routing_queue`) and starts that many router processes, each loading
its model and world first. Once all are ready they are told to go; the figure is the burst divided
by the wall time until the queue is empty. Each process routes as the real one does
(`queue.route_pending`, auto-dispatch on). `--profile DIR` writes each process's cProfile there.
Also counted, as figures the machine's load does not blur: SQL statements and commits per ticket.
Prints figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.intake import BODIES, DEFAULT_PG, add_texts_option, bench_database


def _settings(url: str, data_dir: Path) -> Any:
    from hotline.config import Settings

    return Settings(database_url=url, data_dir=data_dir, demo=False, throttle=False)


def prepare(url: str, data_dir: Path, history_days: float) -> dict[str, Any]:
    """The demo city with a past and a model, as at the demo's first start."""
    from dataclasses import replace

    from hotline import bootstrap
    from hotline.demo import history
    from hotline.demo import service as demo
    from hotline.directory import service as directory
    from hotline.kb import service as kb

    settings = _settings(url, data_dir)
    bootstrap.prepare(settings, demo=False)
    wiring = bootstrap.wire(settings)
    now = datetime.now(UTC)
    with wiring.db.write() as s:
        bootstrap.load_city(s, directory.demo_city(), now)
        bootstrap.load_demo_open311(s, now)
        kb.sync_duties(s, now)
        kb.load_answers(s, kb.demo_answers(), now)
    summary: dict[str, Any] = {}
    if history_days > 0:
        plan = replace(history.SCALES["small"], days=history_days)
        summary = demo.write(wiring.db, plan, now, data_dir, wiring.deadlines).summary()
    wiring.db.dispose()
    return summary


def burst(url: str, data_dir: Path, n: int, seed: int, body: Any) -> None:
    """``n`` phone tickets taken in, each waiting for the router; nothing else waits."""
    from sqlalchemy import delete

    from hotline import bootstrap
    from hotline.intake import service as intake
    from hotline.intake.schemas import TicketIn
    from hotline.routing.models import RoutingQueueRow

    wiring = bootstrap.wire(_settings(url, data_dir))
    with wiring.db.write() as s:
        s.execute(delete(RoutingQueueRow))
    rng = random.Random(seed)
    for _ in range(n):
        intake.submit(wiring.db, TicketIn(**body(rng)), datetime.now(UTC), lambda _s: None)
    wiring.db.dispose()


def decisions(url: str) -> dict[str, int]:
    """How the tickets routed so far were decided: auto_dispatched (秒派), below_threshold, …"""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT decision, count(*) FROM ticket_routing GROUP BY decision"))
        found = {str(d): int(n) for d, n in rows}
    engine.dispose()
    return found


def child(url: str, data_dir: Path, profile: str) -> None:
    """One router process: load, say ready, wait for go, route until the queue is empty."""
    from sqlalchemy import event

    from hotline import bootstrap
    from hotline.routing import queue
    from hotline.routing.runtime import settle

    wiring = bootstrap.wire(_settings(url, data_dir), pool_size=4)
    runtime = wiring.routing_runtime()
    wiring.start_routing(runtime)
    settle(wiring.db, runtime)  # as `hotline routing work` does before its first ticket
    counts = {"statements": 0, "commits": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(wiring.db.engine, "before_cursor_execute", statement)
    event.listen(wiring.db.engine, "commit", commit)
    print("ready", flush=True)
    sys.stdin.readline()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    routed = idle = 0
    while idle < 2:  # the queue looked empty twice (another process may hold the last leases)
        n = queue.route_pending(wiring.db, runtime, wiring.routing_policy, wiring.clock)
        routed += n
        idle = 0 if n else idle + 1
        if not n:
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    line = {"routed": routed, "seconds": seconds, "cpu_s": time.process_time() - cpu, **counts}
    print(json.dumps(line), flush=True)
    wiring.db.dispose()


def run_routers(url: str, data_dir: Path, processes: int, profile_dir: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", url, str(data_dir)]
    procs = []
    for i in range(processes):
        profile = str(Path(profile_dir) / f"router-{processes}-{i}.prof") if profile_dir else ""
        procs.append(
            subprocess.Popen([*cmd, profile], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        )
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    lines = [json.loads(p.communicate(timeout=1800)[0].strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - started
    routed = sum(x["routed"] for x in lines)
    return {
        "processes": processes,
        "routed": routed,
        "wall_s": round(wall, 2),
        "tickets_per_s": round(routed / wall, 1),
        "per_process": [x["routed"] for x in lines],
        "cpu_ms_per_ticket": round(1000 * sum(x["cpu_s"] for x in lines) / max(routed, 1), 1),
        "statements_per_ticket": round(sum(x["statements"] for x in lines) / max(routed, 1), 1),
        "commits_per_ticket": round(sum(x["commits"] for x in lines) / max(routed, 1), 2),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--url", default=DEFAULT_PG, help="PostgreSQL server (a database is made and dropped)"
    )
    parser.add_argument("--tickets", type=int, default=300, help="tickets in each burst")
    parser.add_argument("--processes", default="1,2", help="router processes, e.g. 1,2")
    parser.add_argument("--history-days", type=float, default=7, help="days of demo history (model, index)")
    parser.add_argument("--profile", default="", help="write each router's cProfile into this folder")
    add_texts_option(parser)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="router-bench-"))
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    results = []
    with bench_database(args.database, args.url, workdir) as url:
        started = time.perf_counter()
        summary = prepare(url, workdir, args.history_days)
        print(f"prepared in {time.perf_counter() - started:.0f} s: {summary.get('tickets')} past tickets")
        for i, n in enumerate(int(x) for x in args.processes.split(",")):
            burst(url, workdir, args.tickets, seed=i, body=BODIES[args.texts])
            before = decisions(url)
            result = run_routers(url, workdir, n, args.profile)
            after = decisions(url)
            result["decisions"] = {
                k: after[k] - before.get(k, 0) for k in after if after[k] > before.get(k, 0)
            }
            print(f"{n} router process(es): {result}")
            results.append(result)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    by_n = {r["processes"]: r for r in results}
    out: dict[str, Any] = {
        "database": args.database,
        "tickets": args.tickets,
        "texts": args.texts,
        "load_average_1m": round(load[0], 1),
        **{f"tickets_per_s_{n}": r["tickets_per_s"] for n, r in by_n.items()},
        **{f"cpu_ms_per_ticket_{n}": r["cpu_ms_per_ticket"] for n, r in by_n.items()},
        **{f"statements_per_ticket_{n}": r["statements_per_ticket"] for n, r in by_n.items()},
        **{f"commits_per_ticket_{n}": r["commits_per_ticket"] for n, r in by_n.items()},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
