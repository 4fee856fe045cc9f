"""`hotline`: serve the platform, migrate the database, load a city."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hotline.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(help="Hotline 12345 政务服务便民热线 platform.", no_args_is_help=True)


def prepare(settings: Settings, demo: bool) -> None:
    """Migrate the schema; load the demo city into an empty database when asked to."""
    from hotline.db.engine import Database
    from hotline.db.migrate import upgrade
    from hotline.directory import service

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    if not demo:
        return
    db = Database(settings.resolved_database_url)
    try:
        with db.write() as s:
            loaded = service.is_empty(s)
            if loaded:
                counts = service.load_city(s, service.demo_city(), datetime.now(UTC))
                counts.update(_load_demo_open311(s))
                typer.echo(f"演示城市已载入 demo city loaded: {counts}")
        if loaded:  # a city with a past (docs/demo-city.md "History")
            from hotline.demo.cli import first_start

            first_start(db, settings)
    finally:
        db.dispose()


def _load_demo_open311(session: Session) -> dict[str, int]:
    """The demo city's Open311 services and its documented demo key (docs/open311.md)."""
    from hotline.open311.service import load_demo

    counts = load_demo(session, datetime.now(UTC))
    return {"open311_services": counts["services"], "open311_keys": counts["keys"]}


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on (default from HOTLINE_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default from HOTLINE_PORT, 8000)."),
    demo: bool = typer.Option(None, "--demo/--no-demo", help="Load the demo city into an empty database."),
    workers: int = typer.Option(1, help="Worker processes."),
) -> None:
    """Migrate, (load the demo city), and serve the platform over HTTP."""
    import uvicorn

    settings = Settings()
    prepare(settings, settings.demo if demo is None else demo)
    host = host or settings.host
    port = port or settings.port
    typer.echo(f"Hotline: http://{host}:{port}/  (API docs /docs)")
    uvicorn.run("hotline.asgi:app", host=host, port=port, workers=workers, log_level="info")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    prepare(Settings(), demo=False)
    typer.echo("数据库已是最新 database is up to date")


@app.command("load-city")
def load_city(path: Path = typer.Argument(None, help="A city JSON file; the demo city if omitted.")) -> None:
    """Load a city's units, categories and users into an empty database."""
    from hotline.db.engine import Database
    from hotline.directory import service

    settings = Settings()
    prepare(settings, demo=False)
    db = Database(settings.resolved_database_url)
    try:
        with db.write() as s:
            if not service.is_empty(s):
                raise typer.BadParameter("the directory is not empty")
            city = service.read_city(path) if path else service.demo_city()
            counts = service.load_city(s, city, datetime.now(UTC))
            if not path:
                counts.update(_load_demo_open311(s))
            typer.echo(counts)
    finally:
        db.dispose()


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="One pass (sweep, fan out, deliver), then exit."),
    batch: int = typer.Option(200, min=1, help="Assignments claimed per sweep transaction."),
    deliveries: bool = typer.Option(True, "--deliveries/--no-deliveries", help="Send webhooks too."),
) -> None:
    """Run the deadline sweeper (warnings, overdue, urging, escalation), webhook deliveries and
    routing of new tickets (advice, dispatch at once when sure).

    Run as many as you like against one PostgreSQL: they share the work through row locks and never
    record or send the same thing twice. Stop with Ctrl-C or SIGTERM; a restarted worker catches up.
    """
    import json
    import logging
    import signal
    import threading

    from hotline.db.engine import Database
    from hotline.sla import calculator
    from hotline.worker import PassResult, Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings()
    db = Database(settings.resolved_database_url, pool_size=4)
    calculator.bind(db, calculator.sla_from_settings(settings))
    w = Worker(
        db,
        batch=batch,
        interval_s=settings.worker_interval_s,
        deliveries=deliveries,
        webhook_timeout_s=settings.webhook_timeout_s,
        webhook_max_attempts=settings.webhook_max_attempts,
    )

    def report(result: PassResult) -> None:
        line = {
            "warnings": result.sweep.warnings,
            "overdue": result.sweep.overdues,
            "escalations": result.sweep.escalations,
            "urges": result.sweep.overdues,
            "fanned_out": result.fanned_out,
            "sent": result.deliveries.sent,
            "delivered": result.deliveries.delivered,
        }
        typer.echo(json.dumps(line), nl=True)

    from datetime import UTC, datetime

    from hotline.routing import queue as routing_queue
    from hotline.routing import runtime as routing_runtime

    routing = routing_runtime.Runtime(settings.data_dir)
    routing_runtime.start(db, routing, datetime.now(UTC), settings.demo)
    router = routing_queue.Router(db, routing, settings, w.clock)
    try:
        if once:
            report(w.run_once())
            router.drain()
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        typer.echo("工作进程已启动 worker started", err=True)
        router.start()
        w.run(stop, on_pass=report)
        router.stop()
        typer.echo("工作进程已停止 worker stopped", err=True)
    finally:
        db.dispose()


def _mount_routing() -> None:
    """`hotline routing train|evaluate|crossval` (issue 4's classifier, see docs/routing.md)."""
    from hotline.routing.cli import routing_app

    app.add_typer(routing_app, name="routing", help="Train and score the text classifier 智能分拨模型.")


_mount_routing()


def _mount_demo() -> None:
    """`hotline demo-history` (docs/demo-city.md "History")."""
    from hotline.demo.cli import demo_history

    app.command("demo-history")(demo_history)


_mount_demo()
