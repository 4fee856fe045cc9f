"""``hotline routing …``: the classifier's lab commands and the platform's routing commands.

The platform's CLI mounts :data:`routing_app` as its ``routing`` sub-command. ``train``,
``evaluate``, ``crossval`` and ``suggest`` are the classifier's own (:mod:`hotline.classifier.cli`),
registered here with the same options and output; the rest use the platform's database
(``HOTLINE_DATABASE_URL``, or SQLite in ``HOTLINE_DATA_DIR``), migrated first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hotline.classifier import cli as lab
from hotline.classifier.cli import (
    DEFAULT_LABEL_COLUMN,
    DEFAULT_TEXT_COLUMNS,
    DataDir,
    LabelColumn,
    TextColumns,
    fail,
    print_json,
    say,
)

routing_app = typer.Typer(
    help="智能分拨：训练、评估诉求文本分类模型。(Routing: train and evaluate the text classifier.)",
    no_args_is_help=True,
)
for _command in lab.COMMANDS:
    routing_app.command()(_command)


def _platform_db():  # type: ignore[no-untyped-def]
    from hotline.cli import prepare
    from hotline.config import Settings
    from hotline.db.engine import Database

    settings = Settings()
    prepare(settings, demo=False)
    return settings, Database(settings.resolved_database_url)


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
        fail(
            f"没有找到分类文件 {path}，内置分类保持不变。(No taxonomy file at {path}: the built-in tree stays.)"
        )
    try:
        rows = taxonomy.read(path)
    except taxonomy.TaxonomyError as exc:
        fail(str(exc))
    _settings, db = _platform_db()
    try:
        with db.write() as session:
            result = taxonomy.import_rows(session, rows, datetime.now(UTC), replace=not keep_built_in)
    finally:
        db.dispose()
    print_json({"file": str(path), **result.__dict__})


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

    _settings, db = _platform_db()
    try:
        with db.read() as session:
            rows = rt.examples(session, include_dispatched)
    finally:
        db.dispose()
    print_json({"file": str(out), "rows": rt.write_csv(rows, out)})


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
) -> None:
    """用平台自己的已办结工单（和给定的 CSV）重新训练分拨模型，存入数据目录 (retrain from the platform's own tickets)."""
    from hotline.routing import retrain as rt

    if label not in ("category", "unit"):
        fail("--label 只能是 category 或 unit (must be category or unit)")
    settings, db = _platform_db()
    try:
        with db.read() as session:
            rows = rt.examples(session, include_dispatched)
    finally:
        db.dispose()
    try:
        for path in data or []:
            rows += rt.read_csv(path, [c.strip() for c in text_columns.split(",")], label_column)
        _model, report = rt.train_and_save(rows, data_dir or settings.data_dir, label)
    except (OSError, ValueError) as exc:
        fail(str(exc))
    print_json(report)


@routing_app.command()
def reindex() -> None:
    """重建全文索引：职责清单与工单文本 (rebuild the kb duties from the directory and the ticket index)."""
    from datetime import UTC, datetime

    from hotline.kb import service as kb
    from hotline.routing import history

    _settings, db = _platform_db()
    now = datetime.now(UTC)
    try:
        with db.write() as session:
            duties = kb.sync_duties(session, now)
            tickets = history.reindex(session, now)
    finally:
        db.dispose()
    print_json({"duties": duties, "tickets": tickets})


@routing_app.command()
def work(
    once: bool = typer.Option(False, "--once", help="Route what waits now, then stop."),
) -> None:
    """智能分拨进程：为新受理的工单出建议、秒派 (route new tickets beside the web tier).

    Routing-only workers, beside `hotline worker` processes (which route too) or instead; they
    share the queue without taking a ticket twice. Stops on Ctrl-C (SIGINT) or SIGTERM."""
    import signal
    import threading
    from datetime import UTC, datetime

    from hotline.routing import auto, queue
    from hotline.routing.runtime import Runtime, start

    settings, db = _platform_db()
    runtime = Runtime(settings.data_dir)

    def clock() -> datetime:
        return datetime.now(UTC)

    start(db, runtime, clock(), settings.demo)
    try:
        if once:
            print_json({"routed": queue.drain(db, runtime, auto.Policy.of(settings), clock)})
            return
        router = queue.Router(db, runtime, settings, clock)
        stopped = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopped.set())
        router.start()
        say("智能分拨进程已启动 routing worker started")
        stopped.wait()
        router.stop()
    finally:
        db.dispose()


if __name__ == "__main__":  # pragma: no cover - `python -m hotline.routing.cli`
    sys.exit(routing_app())
