"""`hotline demo-history` as a user runs it: writes, then refuses a database that holds tickets,
then adds to it with --append."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli import app

runner = CliRunner()


def test_demo_history_writes_refuses_then_appends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["load-city"]).exit_code == 0
    args = ["demo-history", "--days", "0.5", "--per-day", "30", "--no-train"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    written = json.loads(first.stdout.strip().splitlines()[-1])
    assert written["tickets"] > 3 and written["model"] == {}
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "已有工单" in again.output and "--append" in again.output
    more = runner.invoke(app, [*args, "--append", "--seed", "2"])
    assert more.exit_code == 0, more.output
    assert json.loads(more.stdout.strip().splitlines()[-1])["tickets"] > 3
    bad = runner.invoke(app, ["demo-history", "--scale", "tokyo"])
    assert bad.exit_code == 2 and "haikou-year" in bad.output
