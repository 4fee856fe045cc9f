"""`hotline demo-history`, and the demo's first start: a past for the demo city."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

import typer

from hotline.config import Settings
from hotline.db.engine import Database
from hotline.demo import history
from hotline.demo import service as demo
from hotline.domain.errors import DomainError, message
from hotline.sla.service import DeadlineSource


def demo_history(
    days: Annotated[float | None, typer.Option(help="历史天数 (days of history, ending now)")] = None,
    per_day: Annotated[float | None, typer.Option(help="每天工单量 (tickets a day, on average)")] = None,
    seed: Annotated[
        int, typer.Option(help="随机种子：同一种子写出同样的历史 (same seed, same history)")
    ] = 12345,
    scale: Annotated[
        str,
        typer.Option(help="small（小城市一个月，默认）或 haikou-year（海口一年，约190万件，用于基准测试）"),
    ] = "small",
    append: Annotated[
        bool, typer.Option("--append", help="数据库已有工单时追加 (add to a database that holds tickets)")
    ] = False,
    train: Annotated[
        bool, typer.Option("--train/--no-train", help="随后用已办结工单重训分拨模型 (retrain routing after)")
    ] = True,
) -> None:
    """写入演示城市的历史工单（经真实写入路径）(write the demo city's past through the real write path).

    Refuses a database that already holds tickets unless --append. docs/demo-city.md."""
    from hotline.bootstrap import prepare, wire

    if scale not in history.SCALES:
        raise typer.BadParameter(f"--scale: {' | '.join(history.SCALES)}")
    plan = history.SCALES[scale]
    plan = replace(plan, seed=seed, days=plan.days if days is None else days)
    plan = replace(plan, per_day=plan.per_day if per_day is None else per_day)
    settings = Settings()
    prepare(settings, demo=False)
    wiring = wire(settings)
    db = wiring.db
    try:
        bulk = scale != "small"  # the benchmark scale takes the bulk route (docs/demo-city.md)
        data_dir = settings.data_dir if train and not bulk else None
        written = demo.write(db, plan, datetime.now(UTC), data_dir, wiring.deadlines, append, bulk)
    except DomainError as exc:
        typer.echo(message(exc.code), err=True)
        typer.echo(message(exc.code, "en"), err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    typer.echo(json.dumps(written.summary(), ensure_ascii=False))


def first_start(settings: Settings) -> None:
    """The demo city was just loaded into an empty database: give it its past, and routing a model."""
    from hotline.bootstrap import wire

    days = settings.demo_history_days
    if days <= 0:
        return
    wiring = wire(settings)
    try:
        _first_start(wiring.db, settings, wiring.deadlines, days)
    finally:
        wiring.db.dispose()


def _first_start(db: Database, settings: Settings, deadlines: DeadlineSource, days: float) -> None:
    plan = replace(history.SCALES["small"], days=days)
    typer.echo(
        f"正在生成演示历史：{days:g} 天的工单，并训练分拨模型（约一分钟）… (writing {days:g} days of demo history)"
    )
    written = demo.write(db, plan, datetime.now(UTC), settings.data_dir, deadlines)
    s = written.summary()
    typer.echo(
        f"演示历史已写入 demo history written: {s['tickets']} tickets in {s['history_seconds']} s; "
        f"routing model from {s['model'].get('examples', 0)} closed tickets in {s['train_seconds']} s"
    )
