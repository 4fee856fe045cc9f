"""`hotline`: serve the platform, migrate the database, load a city, run the workers; and
`hotline routing …`: the classifier's commands (`routing.cli`) and the platform's routing commands."""

from __future__ import annotations

import json
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from hotline.bootstrap import Wiring, load_city, load_demo_open311, prepare, wire
from hotline.config import Settings
from hotline.routing.cli import (
    DEFAULT_LABEL_COLUMN,
    DEFAULT_TEXT_COLUMNS,
    DataDir,
    LabelColumn,
    TextColumns,
    routing_app,
)
from hotline.routing.runtime import settle

app = typer.Typer(help="Hotline 12345 政务服务便民热线 platform.", no_args_is_help=True)
app.add_typer(routing_app, name="routing", help="Train and score the text classifier 智能分拨模型.")


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str) -> None:
    typer.echo(f"错误 (error): {message}", err=True)
    raise typer.Exit(code=1)


def _print_json(obj: dict[str, Any]) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


def _prepare(settings: Settings, demo: bool) -> None:
    counts = prepare(settings, demo)
    if counts is not None:
        typer.echo(f"演示城市已载入 demo city loaded: {counts}")
        from hotline.demo.cli import first_start

        first_start(settings)  # a city with a past (docs/demo-city.md "History")


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on (default from HOTLINE_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default from HOTLINE_PORT, 8000)."),
    demo: bool = typer.Option(None, "--demo/--no-demo", help="Load the demo city into an empty database."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    healthcheck_timeout: int = typer.Option(
        None,
        min=1,
        help="Seconds a worker may take to answer uvicorn's health check before it is replaced "
        "(default from HOTLINE_SERVE_HEALTHCHECK_TIMEOUT_S, 30).",
    ),
) -> None:
    """Migrate, (load the demo city), and serve the platform over HTTP.

    With ``--workers`` above 1 this process becomes uvicorn's supervisor (``python -m uvicorn
    hotline.asgi:app``): each worker it spawns then imports the web app alone, not this command
    line with the classifier's lab (scikit-learn, scipy), and answers its health check at once.
    """
    import os
    import sys

    settings = Settings()
    demo = settings.demo if demo is None else demo
    _prepare(settings, demo)
    host = host or settings.host
    port = port or settings.port
    timeout = healthcheck_timeout or settings.serve_healthcheck_timeout_s
    os.environ["HOTLINE_DEMO"] = "true" if demo else "false"  # the app reads its settings anew
    typer.echo(f"Hotline: http://{host}:{port}/  (API docs /docs)")
    if workers == 1:
        import uvicorn

        uvicorn.run("hotline.asgi:app", host=host, port=port, log_level="info")
        return
    argv = [sys.executable, "-m", "uvicorn", "hotline.asgi:app", "--host", host, "--port", str(port)]
    argv += ["--workers", str(workers), "--timeout-worker-healthcheck", str(timeout), "--log-level", "info"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    _prepare(Settings(), demo=False)
    typer.echo("数据库已是最新 database is up to date")


@app.command()
def backup(
    file: Path = typer.Argument(
        ..., help="The backup file to write (SQLite: a database file; PostgreSQL: pg_dump's custom format)."
    ),
) -> None:
    """Write a consistent copy of the database while the platform runs (docs/operations.md)."""
    from hotline.db import backup as bk

    settings = Settings()
    try:
        bk.backup(settings.resolved_database_url, file)
    except bk.BackupError as exc:
        _fail(str(exc))
    typer.echo(f"备份已写入 backup written: {file} ({file.stat().st_size:,} bytes)")


@app.command()
def restore(
    file: Path = typer.Argument(..., help="A file `hotline backup` wrote."),
    yes: bool = typer.Option(False, "--yes", help="Replace the configured database without asking."),
) -> None:
    """Replace the configured database with a backup, then bring its schema up to date. Stop the
    servers and workers first."""
    from hotline.db import backup as bk
    from hotline.db.engine import Database
    from hotline.tickets import queries as tickets

    settings = Settings()
    url = settings.resolved_database_url
    if not yes:
        typer.confirm(f"替换数据库 replace the database {make_safe(url)} with {file}?", abort=True)
    try:
        bk.restore(url, file)
    except bk.BackupError as exc:
        _fail(str(exc))
    _prepare(settings, demo=False)  # a backup of an older version gets this version's schema
    db = Database(url)
    try:
        with db.read() as s:
            counts = tickets.count(s), tickets.count_events(s)
    finally:
        db.dispose()
    typer.echo(f"已恢复 restored: {counts[0]} tickets, {counts[1]} events")


def make_safe(url: str) -> str:
    """A database URL to show: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command("load-city")
def load_city_command(
    path: Path = typer.Argument(None, help="A city JSON file; the demo city if omitted."),
) -> None:
    """Load a city's units, categories and users into an empty database."""
    from hotline.audit.service import CLI
    from hotline.directory import service

    settings = Settings()
    _prepare(settings, demo=False)
    db = wire(settings).db
    try:
        with db.write() as s:
            if not service.is_empty(s):
                raise typer.BadParameter("the directory is not empty")
            now = datetime.now(UTC)
            city = service.read_city(path) if path else service.demo_city()
            counts = load_city(s, city, now, CLI)
            if not path:
                counts.update(load_demo_open311(s, now))
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
    import logging

    from hotline.worker import PassResult

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    wiring = wire(pool_size=4)
    w = wiring.worker(batch=batch, deliveries=deliveries)

    def report(result: PassResult) -> None:
        line = {
            "warnings": result.sweep.warnings,
            "overdue": result.sweep.overdues,
            "escalations": result.sweep.escalations,
            "urges": result.sweep.overdues,
            "fanned_out": result.fanned_out,
            "sent": result.deliveries.sent,
            "delivered": result.deliveries.delivered,
            "followup_tasks": result.followup.created,
            "followup_exempt": result.followup.exempt,
            "followup_sms": result.followup.sms_sent,
            "followup_calls": result.followup.calls_placed,
        }
        typer.echo(json.dumps(line), nl=True)

    routing = wiring.routing_runtime()
    wiring.start_routing(routing)
    router = wiring.router(routing)
    try:
        if once:
            report(w.run_once())
            router.drain()
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        settle(wiring.db, routing)
        typer.echo("工作进程已启动 worker started", err=True)
        router.start()
        w.run(stop, on_pass=report)
        router.stop()
        typer.echo("工作进程已停止 worker stopped", err=True)
    finally:
        wiring.db.dispose()


# --- the platform's side of routing: taxonomy, training from its own tickets, the index, the
# router (docs/routing-platform.md). These use the platform's database (HOTLINE_DATABASE_URL, or
# SQLite in HOTLINE_DATA_DIR), migrated first; the classifier's own commands are `routing.cli`'s.


def _platform() -> Wiring:
    settings = Settings()
    prepare(settings, demo=False)
    return wire(settings)


@routing_app.command("import-taxonomy")
def import_taxonomy(
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="三级分类 CSV (一级分类,二级分类,三级分类); default ../shared/data/…/label_taxonomy_attachment1.csv",
        ),
    ] = None,
    keep_built_in: Annotated[
        bool, typer.Option("--keep-built-in", help="保留内置分类 (keep the built-in categories active too)")
    ] = False,
) -> None:
    """导入三级分类（附件1）作为分类树 (import the three-level taxonomy as the category tree)."""
    from datetime import UTC, datetime

    from hotline.routing import taxonomy

    path = file or taxonomy.SHARED_FILE
    if not path.is_file():
        _fail(
            f"没有找到分类文件 {path}，内置分类保持不变。(No taxonomy file at {path}: the built-in tree stays.)"
        )
    try:
        rows = taxonomy.read(path)
    except taxonomy.TaxonomyError as exc:
        _fail(str(exc))
    db = _platform().db
    try:
        with db.write() as session:
            result = taxonomy.import_rows(session, rows, datetime.now(UTC), replace=not keep_built_in)
    finally:
        db.dispose()
    _print_json({"file": str(path), **result.__dict__})


@routing_app.command("export-training")
def export_training(
    out: Annotated[Path, typer.Argument(help="输出 CSV (output CSV: ticket_id,text,category,unit,source)")],
    include_dispatched: Annotated[
        bool,
        typer.Option(
            "--include-dispatched", help="也导出人工派单的在办工单 (also tickets dispatched by hand)"
        ),
    ] = False,
) -> None:
    """导出已办结工单的文本和最终分类/承办单位 (export closed tickets as training data)."""
    from hotline.routing import retrain as rt

    db = _platform().db
    try:
        with db.read() as session:
            rows = rt.examples(session, include_dispatched)
    finally:
        db.dispose()
    _print_json({"file": str(out), "rows": rt.write_csv(rows, out)})


@routing_app.command()
def retrain(
    data_dir: DataDir = None,
    include_dispatched: Annotated[
        bool,
        typer.Option("--include-dispatched", help="也用人工派单的在办工单 (also tickets dispatched by hand)"),
    ] = False,
    label: Annotated[
        str, typer.Option("--label", help="category（分类代码）或 unit（承办单位代码）")
    ] = "category",
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="另加带标签的 CSV (extra labelled CSV), repeatable")
    ] = None,
    text_columns: TextColumns = DEFAULT_TEXT_COLUMNS,
    label_column: LabelColumn = DEFAULT_LABEL_COLUMN,
    folds: Annotated[
        int | None,
        typer.Option(
            "--folds",
            min=0,
            max=20,
            help="选阈值的交叉验证折数，0 = 不做 (folds choosing the threshold; 0 = the default 0.9); "
            "默认 HOTLINE_ROUTING_RETRAIN_FOLDS",
        ),
    ] = None,
    max_rows: Annotated[
        int | None,
        typer.Option(
            "--max-rows",
            min=50,
            help="交叉验证最多用多少条 (most examples cross-validated, a random sample); "
            "默认 HOTLINE_ROUTING_RETRAIN_MAX_ROWS",
        ),
    ] = None,
) -> None:
    """用平台自己的已办结工单（和给定的 CSV）重新训练分拨模型，存入数据目录 (retrain from the platform's own tickets)."""
    from hotline.routing import retrain as rt

    if label not in ("category", "unit"):
        _fail("--label 只能是 category 或 unit (must be category or unit)")
    wiring = _platform()
    settings, db = wiring.settings, wiring.db
    try:
        with db.read() as session:
            rows = rt.examples(session, include_dispatched)
    finally:
        db.dispose()
    try:
        for path in data or []:
            rows += rt.read_csv(path, [c.strip() for c in text_columns.split(",")], label_column)
        _model, report = rt.train_and_save(
            rows,
            data_dir or settings.data_dir,
            label,
            folds=settings.routing_retrain_folds if folds is None else folds,
            max_rows=max_rows or settings.routing_retrain_max_rows,
        )
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    _print_json(report)


@routing_app.command()
def reindex() -> None:
    """重建全文索引：职责清单与工单文本 (rebuild the kb duties from the directory and the ticket index)."""
    from datetime import UTC, datetime

    from hotline.audit import service as audit
    from hotline.kb import service as kb
    from hotline.routing import history

    db = _platform().db
    now = datetime.now(UTC)
    try:
        with db.write() as session:
            duties = kb.sync_duties(session, now, audit.CLI)
            tickets = history.reindex(session, now)
    finally:
        db.dispose()
    _print_json({"duties": duties, "tickets": tickets})


@routing_app.command()
def work(
    once: bool = typer.Option(False, "--once", help="Route what waits now, then stop."),
) -> None:
    """智能分拨进程：为新受理的工单出建议、秒派 (route new tickets beside the web tier).

    Routing-only workers, beside `hotline worker` processes (which route too) or instead; they
    share the queue without taking a ticket twice. Stops on Ctrl-C (SIGINT) or SIGTERM."""
    wiring = _platform()
    db = wiring.db
    runtime = wiring.routing_runtime()
    wiring.start_routing(runtime)
    router = wiring.router(runtime)
    try:
        if once:
            _print_json({"routed": router.drain()})
            return
        stopped = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopped.set())
        settle(db, runtime)
        router.start()
        _say("智能分拨进程已启动 routing worker started")
        stopped.wait()
        router.stop()
    finally:
        db.dispose()


@app.command("routing-accuracy")
def routing_accuracy(
    start: Annotated[
        str | None, typer.Option("--from", help="开始日期 first day, YYYY-MM-DD (default: 30 days ago)")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="结束日期 last day, inclusive (default: today)")
    ] = None,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """秒派准确率：自动派单后被退单改派的比例，按分类和单位 (how often tickets dispatched at once
    were sent back and re-dispatched, per category and per unit; read-only)."""
    import unicodedata
    from datetime import date, time, timedelta

    from hotline.routing import accuracy

    settings = Settings()
    zone = settings.zone
    try:
        last = date.fromisoformat(end) if end else datetime.now(zone).date()
        first = date.fromisoformat(start) if start else last - timedelta(days=29)
    except ValueError as exc:
        _fail(f"日期格式应为 YYYY-MM-DD (dates are YYYY-MM-DD): {exc}")
    if last < first:
        _fail("结束日期早于开始日期 (--to is before --from)")
    db = _platform().db
    try:
        with db.read() as session:
            found = accuracy.report(
                session,
                datetime.combine(first, time(), tzinfo=zone),
                datetime.combine(last + timedelta(days=1), time(), tzinfo=zone),
                lang,
            )
    finally:
        db.dispose()

    def pad(text: str, width: int, right: bool = False) -> str:
        """Padded to ``width`` terminal columns (a Chinese character takes two)."""
        cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
        fill = " " * max(0, width - cols)
        return fill + text if right else text + fill

    def line(t: accuracy.Tally) -> str:
        share = "—" if t.accuracy is None else f"{t.accuracy:.1%}"
        counts = (t.auto_dispatched, t.sent_back, t.wrong, t.pending)
        return (
            f"  {pad(t.name[:22], 44)}" + "".join(pad(str(n), 7, True) for n in counts) + pad(share, 9, True)
        )

    header = (
        f"  {pad('', 44)}"
        + "".join(pad(h, 7, True) for h in ("秒派", "退单", "改派", "待定"))
        + pad("准确率", 9, True)
    )
    typer.echo(
        f"秒派准确率 {first} – {last}（秒派、退单、改派、待定、准确率 auto-dispatched, sent back, wrong, pending, right）"
    )
    typer.echo(header)
    typer.echo(line(found.total))
    for title, rows in (("按分类 by category", found.by_category), ("按单位 by unit", found.by_unit)):
        typer.echo(title)
        for t in rows:
            typer.echo(line(t))

    _print_json(
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "total": found.total.as_json(),
            "by_category": [t.as_json() for t in found.by_category],
            "by_unit": [t.as_json() for t in found.by_unit],
        }
    )


def _mount_demo() -> None:
    """`hotline demo-history` (docs/demo-city.md "History")."""
    from hotline.demo.cli import demo_history

    app.command("demo-history")(demo_history)


_mount_demo()
