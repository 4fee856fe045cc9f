"""`hotline routing import-taxonomy | export-training | retrain | reindex` as an administrator
runs them on the platform's own data directory (SQLite here)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One platform data directory (SQLite, the demo city) for the module's commands, in order."""
    folder = tmp_path_factory.mktemp("cli") / "var"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOTLINE_DATA_DIR", str(folder))
        mp.delenv("HOTLINE_DATABASE_URL", raising=False)
        loaded = runner.invoke(app, ["load-city"])
        assert loaded.exit_code == 0, loaded.output
        yield folder


def last_json(output: str) -> dict[str, object]:
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_without_the_taxonomy_file_the_built_in_tree_stays(data_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["routing", "import-taxonomy", "--file", str(tmp_path / "none.csv")])
    assert result.exit_code == 1 and "内置分类保持不变" in result.output


def test_import_a_taxonomy_then_reindex_and_export(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["一级分类", "二级分类", "三级分类"], ["民政", "社会救助", "城镇低保"]])
    result = runner.invoke(app, ["routing", "import-taxonomy", "--file", str(path), "--keep-built-in"])
    assert result.exit_code == 0, result.output
    assert last_json(result.stdout) | {"file": ""} == {
        "file": "",
        "created": 3,
        "updated": 0,
        "retired": 0,
        "territorial": 0,
        "without_unit": 0,
    }
    result = runner.invoke(app, ["routing", "reindex"])
    assert result.exit_code == 0, result.output
    assert last_json(result.stdout)["tickets"] == 0
    out = tmp_path / "training.csv"
    result = runner.invoke(app, ["routing", "export-training", str(out)])
    assert result.exit_code == 0 and last_json(result.stdout)["rows"] == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["ticket_id,text,category,unit,source"]


def test_retraining_with_nothing_to_learn_from_says_so(data_dir: Path) -> None:
    result = runner.invoke(app, ["routing", "retrain"])
    assert result.exit_code == 1 and "至少需要两个类别" in result.output


def test_retraining_from_a_users_csv_saves_a_model_in_the_data_directory(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "mine.csv"
    rows = (
        [["text", "category"]]
        + [[f"{where}停电了，什么时候来电", "utilities.power"] for where in ("东门", "西门", "南门", "北门")]
        + [
            [f"{where}停水了，水龙头没水", "utilities.water_supply"]
            for where in ("东门", "西门", "南门", "北门")
        ]
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = runner.invoke(
        app,
        ["routing", "retrain", "--data", str(path), "--text-columns", "text", "--label-column", "category"],
    )
    assert result.exit_code == 0, result.output
    report = last_json(result.stdout)
    assert report["examples"] == 8 and report["by_source"] == {"file": 8}
    assert (data_dir / "routing" / "text_classifier.skops").is_file()


def test_a_routing_worker_process_routes_what_intake_left_waiting(data_dir: Path) -> None:
    from datetime import UTC, datetime

    from hotline.config import Settings
    from hotline.db.engine import Database
    from hotline.intake import service as intake
    from hotline.intake.schemas import TicketIn
    from hotline.routing.models import TicketRouting

    db = Database(Settings().resolved_database_url)
    try:
        body = TicketIn(channel="web", kind="complaint", content="望海社区门口那盏路灯闪个不停")
        done = intake.submit(db, body, datetime.now(UTC), lambda _s: None)
        result = runner.invoke(app, ["routing", "work", "--once"])
        assert result.exit_code == 0, result.output
        assert last_json(result.stdout) == {"routed": 1}
        with db.read() as s:
            advice = s.get(TicketRouting, done.ticket_id)
            assert advice is not None and advice.top_category_code == "urban.streetlight"
        again = runner.invoke(app, ["routing", "work", "--once"])
        assert last_json(again.stdout) == {"routed": 0}
    finally:
        db.dispose()
