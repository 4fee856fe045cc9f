"""Does routing keep up with a burst of intake? (issue 16, defect 13)

    nice .venv/bin/python bench/burst.py [--database sqlite|postgresql] [--rates 40,90] [--seconds 30]
        [--processes 1,2] [--history-days 2]

For each rate and each router process count, on a fresh platform prepared as
`bench/router_throughput.py` does (the demo city, `--history-days` of past tickets, the kb, a model
trained from them): the real server (`uvicorn hotline.asgi:app`, the web tier only, as deployed
beside routing workers) takes phone tickets over HTTP at `--rates` tickets a second (open loop: a
request is sent on schedule whether or not the last one was answered) for `--seconds`, while that
many router processes run the real router loop (`queue.Router`, as `hotline routing work` does:
it routes while tickets wait and polls every `queue.POLL_SECONDS` when none do).

Printed each second: tickets acknowledged so far and the queue's length (tickets waiting for their
advice). Then: the seconds until the queue is empty after the burst ends, and the time from a
ticket's acknowledgement (its 201 at the client) to its advice stored (the router's write
committed: 秒派 latency), p50 / p95 / max. CPU per ticket of the routers and of the server (which
the machine's load does not blur, unlike the rates). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.intake import (
    BODIES,
    DEFAULT_PG,
    _LeanConnection,
    _request_bytes,
    _tree_cpu,
    add_texts_option,
    bench_database,
    login,
    percentile,
    serve,
)
from bench.router_throughput import _settings, decisions, prepare

CONNECTIONS = 32  # enough that a slow answer does not hold back the schedule at 90/s


def child(url: str, data_dir: Path) -> None:
    """One router process, as `hotline routing work` runs one; records when each advice was stored."""
    from hotline import bootstrap
    from hotline.routing import queue
    from hotline.routing import runtime as routing_runtime

    wiring = bootstrap.wire(_settings(url, data_dir), pool_size=4)
    runtime = wiring.routing_runtime()
    wiring.start_routing(runtime)
    if hasattr(routing_runtime, "settle"):  # as `hotline routing work` does before its first ticket
        routing_runtime.settle(wiring.db, runtime)
    else:  # older code (PYTHONPATH=/work/main/src, to compare): the directory view only
        with wiring.db.read() as s:
            runtime.world(s)
    stored: dict[int, float] = {}
    store = queue._store

    def timed(*args: Any) -> list[Any]:  # the moment the batch's write committed
        done = store(*args)
        at = time.time()
        stored.update((a.ticket.id, at) for a in done)
        return done

    queue._store = timed  # type: ignore[assignment]
    router = wiring.router(runtime)
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    router.start()
    sys.stdin.readline()  # "stop": the queue is empty and the burst over
    router.stop(timeout=30)
    line = {"routed": len(stored), "cpu_s": time.process_time() - cpu, "stored": stored}
    print(json.dumps(line), flush=True)
    wiring.db.dispose()


def waiting(engine: Any) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM routing_queue")) or 0)


async def take_burst(
    base_url: str,
    token: str,
    rate: float,
    seconds: float,
    engine: Any,
    timeline: list[dict[str, Any]],
    body: Any,
) -> tuple[dict[int, float], float, float]:
    """Send ``rate × seconds`` tickets on schedule; sample the queue every second until it is
    empty after the burst. Returns each ticket's acknowledgement time, the burst's end and the
    moment the queue was seen empty."""
    hostport = base_url.split("://", 1)[1]
    host, port = hostport.rsplit(":", 1)
    pool: asyncio.Queue[_LeanConnection] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        pool.put_nowait(_LeanConnection(host, int(port)))
    acked: dict[int, float] = {}
    errors: list[str] = []
    rng = random.Random(7)
    total = int(rate * seconds)
    t0 = time.time()

    async def one(data: bytes) -> None:
        conn = await pool.get()
        try:
            status = await conn.request(data)
            if status == 201:
                acked[int(json.loads(conn.body)["id"])] = time.time()
            else:
                errors.append(str(status))
        except (OSError, asyncio.IncompleteReadError) as exc:
            errors.append(type(exc).__name__)
        finally:
            pool.put_nowait(conn)

    async def sampler(done: asyncio.Event) -> float:
        while True:
            await asyncio.sleep(1.0)
            n = await asyncio.to_thread(waiting, engine)
            t = time.time() - t0
            timeline.append({"t": round(t, 1), "acknowledged": len(acked), "queue": n})
            print(f"  t={t:5.1f} s  acknowledged {len(acked):5d}  queue {n:5d}", flush=True)
            if done.is_set() and n == 0:
                return time.time()

    done = asyncio.Event()
    watch = asyncio.create_task(sampler(done))
    tasks = []
    for i in range(total):
        await asyncio.sleep(max(0.0, t0 + i / rate - time.time()))
        tasks.append(asyncio.create_task(one(_request_bytes(hostport, token, body(rng)))))
    await asyncio.gather(*tasks)
    ended = time.time()
    done.set()
    empty = await asyncio.wait_for(watch, timeout=1800)
    for conn in list(pool._queue):  # type: ignore[attr-defined]
        conn.close()
    if errors:
        print(f"  {len(errors)} requests not acknowledged: {sorted(set(errors))}")
    return acked, ended, empty


def one_run(args: argparse.Namespace, rate: float, processes: int) -> dict[str, Any]:
    from sqlalchemy import create_engine

    workdir = Path(tempfile.mkdtemp(prefix="burst-bench-"))
    with bench_database(args.database, args.url, workdir) as url:
        summary = prepare(url, workdir, args.history_days)
        env = {
            "HOTLINE_DATABASE_URL": url,
            "HOTLINE_DATA_DIR": str(workdir),
            "HOTLINE_DEMO": "false",
            "HOTLINE_WORKER": "off",  # the web tier only: the routers below route
            "HOTLINE_THROTTLE": "false",
        }
        cmd = [sys.executable, __file__, "--child", url, str(workdir)]
        routers = [
            subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _ in range(processes)
        ]
        for p in routers:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        engine = create_engine(url)
        timeline: list[dict[str, Any]] = []
        with serve("hotline.asgi:app", env, workdir / "server.log", []) as server:
            token = login(server.url)
            print(
                f"{rate:g} tickets/s for {args.seconds:g} s, {processes} router process(es), "
                f"{summary.get('tickets')} past tickets:",
                flush=True,
            )
            for p in routers:
                assert p.stdin is not None
                p.stdin.write("go\n")
                p.stdin.flush()
            server_cpu = _tree_cpu(server.python_pid)
            started = time.time()
            acked, ended, empty = asyncio.run(
                take_burst(server.url, token, rate, args.seconds, engine, timeline, BODIES[args.texts])
            )
            server_cpu_end = _tree_cpu(server.python_pid)
        outs = []
        for p in routers:
            outs.append(json.loads(p.communicate("stop\n", timeout=120)[0].strip().splitlines()[-1]))
        decided = decisions(url)
        engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    stored = {int(k): v for out in outs for k, v in out["stored"].items()}
    delays = sorted(stored[i] - at for i, at in acked.items() if i in stored)
    routed = sum(out["routed"] for out in outs)
    server_cpu_s = None if server_cpu is None or server_cpu_end is None else server_cpu_end - server_cpu
    return {
        "rate": rate,
        "processes": processes,
        "acknowledged": len(acked),
        "intake_per_s": round(len(acked) / (ended - started), 1),
        "routed": routed,
        "not_advised": len(acked) - len(delays),
        "max_queue": max((x["queue"] for x in timeline), default=0),
        "drain_s": round(empty - ended, 1),
        "routed_per_s": round(routed / (empty - started), 1),
        "latency_p50_ms": percentile(delays, 50) if delays else None,
        "latency_p95_ms": percentile(delays, 95) if delays else None,
        "latency_max_ms": round(1000 * delays[-1], 1) if delays else None,
        "router_cpu_ms_per_ticket": round(1000 * sum(o["cpu_s"] for o in outs) / max(routed, 1), 1),
        "server_cpu_ms_per_ticket": None
        if server_cpu_s is None
        else round(1000 * server_cpu_s / max(len(acked), 1), 1),
        "decisions": decided,
        "load_average_1m": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--url", default=DEFAULT_PG, help="PostgreSQL server (a database is made and dropped)"
    )
    parser.add_argument("--rates", default="40,90", help="intake rates, tickets per second")
    parser.add_argument("--seconds", type=float, default=30, help="how long each burst lasts")
    parser.add_argument("--processes", default="1,2", help="router processes, e.g. 1,2")
    parser.add_argument("--history-days", type=float, default=2, help="days of demo history (model, index)")
    add_texts_option(parser)
    args = parser.parse_args()
    results = []
    for rate in (float(x) for x in args.rates.split(",")):
        for n in (int(x) for x in args.processes.split(",")):
            result = one_run(args, rate, n)
            print(
                f"  → queue empty {result['drain_s']} s after the burst; advice stored "
                f"p50 {result['latency_p50_ms']} ms, p95 {result['latency_p95_ms']} ms after the 201; "
                f"router CPU {result['router_cpu_ms_per_ticket']} ms/ticket, server CPU "
                f"{result['server_cpu_ms_per_ticket']} ms/ticket; decisions {result['decisions']}; load average {result['load_average_1m']}",
                flush=True,
            )
            results.append(result)
    print(
        json.dumps({"database": args.database, "seconds": args.seconds, "texts": args.texts, "runs": results})
    )


if __name__ == "__main__":
    main()
