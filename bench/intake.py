"""Intake throughput: tickets per second over HTTP, against a bare FastAPI baseline.

    .venv/bin/python bench/intake.py --database postgresql --concurrency 16 --seconds 20
    .venv/bin/python bench/intake.py --database sqlite

Prepares a fresh database (migrations + the demo city, like `hotline.bootstrap.prepare`), starts the
real server (`uvicorn hotline.asgi:app`, `--workers`, default 1) on a free loopback port, logs in as
`operator1`, and POSTs `/api/v1/tickets` with varied Chinese bodies and a unique
`Idempotency-Key` each, from N concurrent clients, for a warm-up then a measured time. Then it
does the same against `bench/_server.py` (a bare FastAPI endpoint inserting one row, no platform
logic) and prints our throughput as a ratio of that baseline. The load generator runs in its own
process and reports its CPU use; its client (`--client`) is the same for both targets: by default a
lean keep-alive HTTP/1.1 client on raw asyncio streams (uvloop), so that on a small machine it takes
little CPU from the servers it measures; `--client httpx2` is the httpx2.AsyncClient of earlier
sessions. After each run the number of rows stored is checked against the number of 201s. The
last line printed is one JSON object.

PostgreSQL: a database `hotline_bench_<random>` is created on the server (`--url`, default
`HOTLINE_TEST_POSTGRES_URL` or postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped at
the end. SQLite: files in a temporary directory, removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_PG = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_RATIO = 0.60
TARGET_P99_MS = 50.0

# ---------------------------------------------------------------------------------------------
# Realistic, varied request bodies
# ---------------------------------------------------------------------------------------------

PLACES = [
    "龙湾区金鱼路",
    "龙湾区海港大道",
    "美兰区和平北路",
    "美兰区白龙南路",
    "秀英区滨海大道",
    "秀英区长滨路",
    "琼山区府城大道",
    "琼山区凤翔路",
    "海滨市人民公园东门",
    "海滨市火车东站北广场",
]
PLACE_DETAIL = ["一带", "28号附近", "与国兴大道交叉口", "小区门口", "公交站旁", "菜市场后面", "3栋楼下"]
PROBLEMS = [
    ("complaint", "停电两个小时了，冰箱里的东西都要坏了，请供电公司尽快抢修"),
    ("complaint", "夜间施工噪音很大，凌晨一点还在打桩，严重影响休息"),
    ("complaint", "路灯坏了一个多星期，晚上出行很不安全"),
    ("complaint", "垃圾桶满了三天没人清运，气味很大"),
    ("complaint", "餐馆油烟直排，楼上住户窗户都不敢开"),
    ("help", "自来水发黄，家里有老人小孩，希望水务集团来检测一下"),
    ("help", "下水道堵塞，污水漫到人行道上了"),
    ("report", "人行道上有一个井盖缺失，已经有人差点掉下去"),
    ("report", "有人在绿化带里私搭乱建，占用公共空间"),
    ("consultation", "想咨询一下灵活就业人员怎么缴纳社保，需要带哪些材料"),
    ("consultation", "孩子明年上小学，户籍不在本区，入学需要办理哪些手续"),
    ("suggestion", "建议在这个路口增设红绿灯，早晚高峰行人过马路很危险"),
]
NAMES = ["王先生", "李女士", "张阿姨", "刘师傅", "陈同学", None, None]


def ticket_body(rng: random.Random) -> dict[str, Any]:
    kind, problem = rng.choice(PROBLEMS)
    place = rng.choice(PLACES) + rng.choice(PLACE_DETAIL)
    body: dict[str, Any] = {
        "channel": "phone",
        "kind": kind,
        "content": f"市民来电反映：{place}{problem}。来电时间{rng.randint(7, 22)}点{rng.randint(0, 59)}分。",
        "citizen_phone": f"13{rng.randint(5, 9)}{rng.randint(0, 99_999_999):08d}",
    }
    name = rng.choice(NAMES)
    if name:
        body["citizen_name"] = name
    return body


def demo_ticket_body(rng: random.Random) -> dict[str, Any]:
    """A phone request in the demo city's own words (`hotline.demo.texts`, what the demo's model
    is trained on), so that routing decides as in the demo, 秒派 included: one call in three is
    about one power cut on one road (a burst's calls), the rest are drawn by the categories'
    volumes. `ticket_body`'s dozen problems are not the demo's words: routing them dispatches
    none at once."""
    from hotline.demo import texts

    district = rng.choice(sorted(texts.ROADS))
    place = rng.choice(texts.ESTATES)
    if rng.random() < 1 / 3:
        phrase = rng.choice(texts.BURSTS[0][1]).replace("{road}", texts.ROADS["d-longwan"][0])
        kind, content = texts.request_text(rng, "h|" + phrase, place, "d-longwan")
    else:
        codes = sorted(texts.TEMPLATES)
        code = rng.choices(codes, [texts.TEMPLATES[c][0] for c in codes])[0]
        kind, content = texts.request_text(rng, rng.choice(texts.TEMPLATES[code][1]), place, district)
    return {
        "channel": "phone",
        "kind": kind.value,
        "content": content,
        "citizen_phone": f"13{rng.randint(5, 9)}{rng.randint(0, 99_999_999):08d}",
    }


BODIES = {"demo": demo_ticket_body, "fixed": ticket_body}


def add_texts_option(parser: argparse.ArgumentParser) -> None:
    """The router benches' ``--texts``: which words the burst's tickets say (`BODIES`)."""
    parser.add_argument(
        "--texts",
        choices=sorted(BODIES),
        default="demo",
        help="demo: the demo city's words (routed as in the demo); fixed: a dozen fixed problems",
    )


# ---------------------------------------------------------------------------------------------
# CPU accounting from /proc (Linux); None elsewhere
# ---------------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _children(pid: int) -> list[int]:
    out: list[int] = []
    with suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(OSError):
                out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _tree_cpu(pid: int) -> float | None:
    """CPU seconds of a process and its live descendants (uvicorn's worker processes)."""
    total = _proc_cpu(pid)
    if total is None:
        return None
    for child in _children(pid):
        total += _tree_cpu(child) or 0.0
    return total


def _postgres_cpu() -> float | None:
    """CPU seconds of all `postgres` processes on this machine (others' sessions included)."""
    total, seen = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            stat = (entry / "stat").read_text()
            if stat[stat.index("(") + 1 : stat.rindex(")")] == "postgres":
                fields = stat.rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / _TICK
                seen = True
    return total if seen else None


def _machine_busy() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot."""
    try:
        parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return (sum(parts) - idle) / _TICK, sum(parts) / _TICK


def _sample(server_pid: int) -> dict[str, Any]:
    return {
        "wall": time.perf_counter(),
        "loadgen": time.process_time(),
        "server": _tree_cpu(server_pid),
        "postgres": _postgres_cpu(),
        "machine": _machine_busy(),
    }


def _cpu_share(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float | None]:
    """CPU used during the window, in cores (1.0 = one core fully busy)."""
    wall = b["wall"] - a["wall"]

    def share(key: str) -> float | None:
        if a[key] is None or b[key] is None:
            return None
        return round((b[key] - a[key]) / wall, 2)

    machine = None
    if a["machine"] and b["machine"]:
        busy = b["machine"][0] - a["machine"][0]
        total = b["machine"][1] - a["machine"][1]
        machine = round(busy / total * (os.cpu_count() or 1), 2) if total else None
    return {
        "loadgen": share("loadgen"),
        "server": share("server"),
        "postgres": share("postgres"),
        "machine": machine,
    }


# ---------------------------------------------------------------------------------------------
# The load generator (runs in its own process)
# ---------------------------------------------------------------------------------------------


class _LeanConnection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams: the request is a prebuilt byte
    string, the answer is read as a status line, headers up to the blank line, and a body of
    `Content-Length` bytes. A few microseconds of client CPU per request instead of httpx2's
    several hundred, so that on a 2-core machine the load generator takes as little as possible
    from the server it measures. Enough for this bench (uvicorn answers with Content-Length); not a
    general HTTP client."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.body = b""  # the last answer's body

    async def request(self, data: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        try:
            self.writer.write(data)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            self.body = await self.reader.readexactly(length) if length else b""  # bench/burst.py reads it
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _request_bytes(host: str, token: str | None, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST /api/v1/tickets HTTP/1.1\r\nHost: {host}\r\n{auth}"
        f"Idempotency-Key: bench-{uuid.uuid4()}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def _generate(
    base_url: str,
    token: str | None,
    concurrency: int,
    warmup: float,
    seconds: float,
    server_pid: int,
    client: str = "lean",
) -> dict[str, Any]:
    t0 = time.perf_counter()
    start, end = t0 + warmup, t0 + warmup + seconds
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    created_total = 0
    samples: dict[str, dict[str, Any]] = {}
    hostport = base_url.split("://", 1)[1]
    host, port = hostport.rsplit(":", 1)

    def record(status: str, began: float) -> None:
        nonlocal created_total
        done = time.perf_counter()
        if status == "201":
            created_total += 1
        if start <= done <= end:
            statuses[status] += 1
            if status == "201":
                latencies.append(done - began)

    async def lean_worker(n: int) -> None:
        rng = random.Random(f"{n}-{secrets.token_hex(4)}")
        conn = _LeanConnection(host, int(port))
        try:
            while time.perf_counter() < end:
                data = _request_bytes(hostport, token, ticket_body(rng))
                began = time.perf_counter()
                try:
                    status = str(await asyncio.wait_for(conn.request(data), 30.0))
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError) as exc:
                    status = type(exc).__name__
                record(status, began)
        finally:
            conn.close()

    async def sampler() -> None:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        samples["start"] = _sample(server_pid)
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        samples["end"] = _sample(server_pid)

    if client == "lean":
        await asyncio.gather(sampler(), *(lean_worker(n) for n in range(concurrency)))
    else:
        import httpx2

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx2.AsyncClient(
            base_url=base_url, headers=headers, limits=limits, timeout=30.0
        ) as http:

            async def httpx_worker(n: int) -> None:
                rng = random.Random(f"{n}-{secrets.token_hex(4)}")
                while (began := time.perf_counter()) < end:
                    key = {"Idempotency-Key": f"bench-{uuid.uuid4()}"}
                    try:
                        r = await http.post("/api/v1/tickets", json=ticket_body(rng), headers=key)
                        status = str(r.status_code)
                    except httpx2.HTTPError as exc:
                        status = type(exc).__name__
                    record(status, began)

            await asyncio.gather(sampler(), *(httpx_worker(n) for n in range(concurrency)))

    return {
        "latencies": latencies,
        "statuses": dict(statuses),
        "created_total": created_total,
        "cpu": _cpu_share(samples["start"], samples["end"]),
    }


def _loadgen_main(conn: Any, *args: Any) -> None:
    loop_factory = None
    if args[-1] == "lean":  # the lean client on uvloop when there is one (uvicorn[standard] brings it)
        with suppress(ImportError):
            import uvloop

            loop_factory = uvloop.new_event_loop
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            conn.send(runner.run(_generate(*args)))
    except BaseException as exc:  # report, never hang the parent
        conn.send({"error": repr(exc)})
        raise
    finally:
        conn.close()


def run_load(
    base_url: str,
    token: str | None,
    concurrency: int,
    warmup: float,
    seconds: float,
    server_pid: int,
    client: str = "lean",
) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_loadgen_main, args=(child, base_url, token, concurrency, warmup, seconds, server_pid, client)
    )
    proc.start()
    child.close()
    if not parent.poll(warmup + seconds + 120):
        proc.kill()
        raise RuntimeError("load generator did not finish")
    result: dict[str, Any] = parent.recv()
    proc.join(10)
    if "error" in result:
        raise RuntimeError(f"load generator failed: {result['error']}")
    return result


# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def python_pid(self) -> int:
        """The server's own process: the child of the profiler when there is one."""
        with suppress(OSError, ValueError):
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            if children and Path(f"/proc/{self.proc.pid}/exe").resolve().name == "py-spy":
                return int(children[0])
        return self.proc.pid


@contextmanager
def serve(
    app: str,
    env: dict[str, str],
    log: Path,
    prefix: list[str],
    app_dir: Path | None = None,
    workers: int = 1,
) -> Iterator[Server]:
    import httpx2

    port = free_port()
    cmd = [*prefix, sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    if app_dir is not None:
        cmd += ["--app-dir", str(app_dir)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{app} exited ({proc.returncode}): {log.read_text()[-2000:]}")
            with suppress(httpx2.HTTPError):
                if httpx2.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app} not healthy after 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield server
    finally:
        proc.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly; py-spy writes its profile
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


@contextmanager
def bench_database(kind: str, admin_url: str, workdir: Path) -> Iterator[str]:
    """A fresh database for this run: a file in `workdir`, or a new PostgreSQL database (dropped)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'hotline.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"hotline_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        print(f"dropped database {name}")


def prepare(url: str) -> None:
    """Exactly what `hotline.bootstrap.prepare` does: migrate, then load the demo city."""
    from hotline import bootstrap
    from hotline.db.engine import Database
    from hotline.db.migrate import upgrade
    from hotline.directory import service

    upgrade(url)
    db = Database(url)
    try:
        with db.write() as s:
            bootstrap.load_city(s, service.demo_city(), datetime.now(UTC))
    finally:
        db.dispose()


def count_platform_tickets(url: str) -> int:
    from sqlalchemy import func, select

    from hotline.db.engine import Database
    from hotline.tickets.models import TicketRow

    db = Database(url)
    try:
        with db.read() as s:
            return int(s.scalar(select(func.count()).select_from(TicketRow)) or 0)
    finally:
        db.dispose()


def check_baseline_columns() -> None:
    sys.path.insert(0, str(BENCH_DIR))
    import _server  # type: ignore[import-not-found]
    from hotline.tickets.models import TicketRow

    ours, theirs = set(_server.tickets.c.keys()), set(TicketRow.__table__.c.keys())
    if ours != theirs:
        raise SystemExit(f"baseline table out of date with TicketRow: {sorted(ours ^ theirs)}")


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return round(sorted_values[rank - 1] * 1000, 1)


def summarise(label: str, result: dict[str, Any], seconds: float, postgres: bool) -> dict[str, Any]:
    lat = sorted(result["latencies"])
    statuses = result["statuses"]
    ok = statuses.get("201", 0)
    errors = {k: v for k, v in statuses.items() if k != "201"}
    out = {
        "tickets_per_s": round(ok / seconds, 1),
        "p50_ms": percentile(lat, 50),
        "p99_ms": percentile(lat, 99),
        "p90_ms": percentile(lat, 90),
        "max_ms": round(lat[-1] * 1000, 1) if lat else None,
        "errors": sum(errors.values()),
        "error_statuses": errors,
        "cpu": result["cpu"],
        "server_cpu_ms_per_ticket": (
            round(result["cpu"]["server"] * seconds / ok * 1000, 2)
            if ok and result["cpu"]["server"]
            else None
        ),
        "created_total": result["created_total"],
    }
    cpu = result["cpu"]
    if not postgres:
        cpu["postgres"] = None
    pg = f"postgres (all sessions on the machine) {cpu['postgres']}, " if postgres else ""
    print(
        f"  {label}: {out['tickets_per_s']} tickets/s, p50 {out['p50_ms']} ms, p90 {out['p90_ms']} ms, "
        f"p99 {out['p99_ms']} ms, max {out['max_ms']} ms, "
        f"{ok} created in the window, errors {out['errors']} {errors or ''}"
    )
    print(
        f"  {label} CPU (cores): server {cpu['server']} ({out['server_cpu_ms_per_ticket']} ms per ticket), "
        f"load generator {cpu['loadgen']}, {pg}whole machine {cpu['machine']} of {os.cpu_count()}"
    )
    return out


def login(base_url: str) -> str:
    import httpx2

    r = httpx2.post(
        f"{base_url}/api/v1/auth/login",
        json={"username": "operator1", "password": "Demo-operator1-2026"},
        timeout=30,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument(
        "--url",
        default=None,
        help=f"PostgreSQL server to create the bench database on (default {DEFAULT_PG}); "
        "for SQLite, an empty directory for the files (kept) instead of a temporary one",
    )
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20.0, help="measured time per target")
    p.add_argument("--warmup", type=float, default=3.0, help="warm-up time per target, not counted")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes, the same for the platform and the baseline (default 1: the "
        "cost of our code per request; production runs one per core)",
    )
    p.add_argument(
        "--worker-in-process",
        action="store_true",
        help="run the background worker (routing of each new ticket, the sweeper, webhooks) inside the "
        "server, as `hotline serve` does on SQLite, instead of in `hotline worker` processes (not started)",
    )
    p.add_argument(
        "--client",
        choices=["lean", "httpx2"],
        default="lean",
        help="the load generator's HTTP client, the same for both targets: 'lean' (default; raw asyncio "
        "streams on uvloop, keep-alive, a few µs per request) or 'httpx2' (httpx2.AsyncClient on "
        "asyncio, the client of sessions 1-2)",
    )
    p.add_argument("--skip-baseline", action="store_true", help="measure the platform only (no ratio)")
    p.add_argument(
        "--py-spy",
        metavar="DIR",
        default=None,
        help="profile both servers with py-spy (--gil, raw collapsed stacks) into DIR/{platform,baseline}.txt; "
        "the server CPU figures then include py-spy's own",
    )
    args = p.parse_args(argv)

    check_baseline_columns()
    keep_dir = args.database == "sqlite" and args.url
    workdir = Path(args.url) if keep_dir else Path(tempfile.mkdtemp(prefix="hotline_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    admin_url = (args.url if args.database == "postgresql" else None) or DEFAULT_PG
    print(
        f"intake bench: {args.database}, {args.concurrency} concurrent clients, warm-up {args.warmup:g} s, "
        f"measured {args.seconds:g} s per target; uvicorn, {args.workers} worker(s) each; load generator: 1 separate "
        f"process ({args.client} client); {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f})"
    )
    try:
        with bench_database(args.database, admin_url, workdir) as url:
            return run(args, url, workdir)
    finally:
        if not keep_dir:
            shutil.rmtree(workdir, ignore_errors=True)


def profiler(args: argparse.Namespace, name: str) -> list[str]:
    if not args.py_spy:
        return []
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = Path(args.py_spy).resolve()
    out.mkdir(parents=True, exist_ok=True)
    return [exe, "record", "--gil", "--rate", "200", "--format", "raw", "-o", str(out / f"{name}.txt"), "--"]


def run(args: argparse.Namespace, url: str, workdir: Path) -> int:
    sys.path.insert(0, str(BENCH_DIR))
    import _server

    t = time.perf_counter()
    prepare(url)
    print(f"prepared {url.split('@')[-1]} (migrations + demo city) in {time.perf_counter() - t:.1f} s")
    env = {
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": str(workdir),
        "HOTLINE_DEMO": "false",
        # The web tier only, as deployed beside `hotline worker` processes (the sweeper, webhooks,
        # and routing: ≈ 20 ms of CPU a ticket, off the intake request). --worker-in-process runs
        # them inside the server, as `hotline serve` does on SQLite.
        "HOTLINE_WORKER": "on" if args.worker_in_process else "off",
    }

    # the platform
    prefix = profiler(args, "platform")
    with serve("hotline.asgi:app", env, workdir / "platform.log", prefix, workers=args.workers) as server:
        token = login(server.url)
        print(f"platform at {server.url} (pid {server.python_pid}), logged in as operator1")
        ours_raw = run_load(
            server.url, token, args.concurrency, args.warmup, args.seconds, server.python_pid, args.client
        )
    ours = summarise("platform", ours_raw, args.seconds, args.database == "postgresql")
    stored = count_platform_tickets(url)
    lost_ok = stored == ours["created_total"]
    print(
        f"  check: {stored} tickets in the database, {ours['created_total']} acknowledged with 201 "
        f"(warm-up and drain included): {'OK' if lost_ok else 'MISMATCH'}"
    )

    # the baseline: same database server, its own table
    base: dict[str, Any] = {"tickets_per_s": None, "p50_ms": None, "p99_ms": None}
    base_ok = True
    if not args.skip_baseline:
        base_url = url if args.database == "postgresql" else f"sqlite:///{workdir / 'baseline.db'}"
        base_env = {"BENCH_BASELINE_URL": base_url}
        prefix = profiler(args, "baseline")
        with serve(
            "_server:app", base_env, workdir / "baseline.log", prefix, BENCH_DIR, args.workers
        ) as server:
            print(f"baseline at {server.url} (pid {server.python_pid}): bare FastAPI + one INSERT")
            base_raw = run_load(
                server.url, None, args.concurrency, args.warmup, args.seconds, server.python_pid, args.client
            )
        base = summarise("baseline", base_raw, args.seconds, args.database == "postgresql")
        stored = _server.count_rows(base_url)
        base_ok = stored == base["created_total"]
        print(
            f"  check: {stored} baseline rows, {base['created_total']} acknowledged with 201: "
            f"{'OK' if base_ok else 'MISMATCH'}"
        )

    ratio = round(ours["tickets_per_s"] / base["tickets_per_s"], 3) if base["tickets_per_s"] else None
    target_met = bool(
        ratio is not None
        and ratio >= TARGET_RATIO
        and ours["p99_ms"] <= TARGET_P99_MS
        and ours["errors"] == 0
        and lost_ok
    )
    print(
        f"ratio platform/baseline: {ratio}; target (PostgreSQL, {args.concurrency} clients): "
        f">= {TARGET_RATIO:.0%} of baseline and p99 <= {TARGET_P99_MS:g} ms, no errors: "
        f"{'met' if target_met else 'NOT met'}"
    )
    summary = {
        "database": args.database,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "workers": args.workers,
        "client": args.client,
        "worker_in_process": args.worker_in_process,
        "tickets_per_s": ours["tickets_per_s"],
        "p50_ms": ours["p50_ms"],
        "p99_ms": ours["p99_ms"],
        "p90_ms": ours["p90_ms"],
        "max_ms": ours["max_ms"],
        "errors": ours["errors"],
        "error_statuses": ours["error_statuses"],
        "stored_matches_201s": lost_ok and base_ok,
        "baseline_tickets_per_s": base["tickets_per_s"],
        "baseline_p50_ms": base["p50_ms"],
        "baseline_p99_ms": base["p99_ms"],
        "baseline_p90_ms": base.get("p90_ms"),
        "baseline_max_ms": base.get("max_ms"),
        "ratio": ratio,
        "target_met": target_met,
        "server_cpu_ms_per_ticket": ours["server_cpu_ms_per_ticket"],
        "baseline_server_cpu_ms_per_ticket": base.get("server_cpu_ms_per_ticket"),
        "cpu_cores": {"platform": ours["cpu"], "baseline": base.get("cpu")},
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if lost_ok and base_ok else 1


if __name__ == "__main__":
    sys.exit(main())
