"""The ``hotline routing`` sub-app as a user runs it: train, evaluate, suggest, crossval."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.routing.cli import routing_app
from tests.classifier.conftest import TINY

runner = CliRunner()


@pytest.fixture()
def tiny_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言主题", "留言详情", "一级标签"])
        for text, label in TINY:
            writer.writerow([text[:6], text, label])
    return path


def last_json(output: str) -> dict[str, object]:
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_train_then_evaluate_prints_the_figures_as_the_last_line(tiny_csv: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    trained = runner.invoke(
        routing_app, ["train", "--data", str(tiny_csv), "--data-dir", str(data_dir), "--folds", "2"]
    )
    assert trained.exit_code == 0, trained.output
    assert (data_dir / "routing" / "text_classifier.skops").is_file()
    threshold = last_json(trained.stdout)["auto_dispatch_threshold"]
    assert isinstance(threshold, float)

    result = runner.invoke(
        routing_app,
        [
            "evaluate",
            "--data",
            str(tiny_csv),
            "--text-columns",
            "留言主题,留言详情",
            "--label-column",
            "一级标签",
            "--data-dir",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    report = last_json(result.stdout)
    assert report["n"] == len(TINY)
    assert set(report) >= {"n", "accuracy", "macro_f1", "per_label", "auto_dispatch", "latency_ms"}
    assert report["accuracy"] > 0.9  # it has seen these very rows
    assert report["auto_dispatch"]["threshold"] == threshold  # type: ignore[index]
    assert set(report["latency_ms"]) == {"p50", "p99"}  # type: ignore[arg-type]


def test_suggest_explains_itself(tiny_csv: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    runner.invoke(
        routing_app, ["train", "--data", str(tiny_csv), "--data-dir", str(data_dir), "--threshold", "0.5"]
    )
    result = runner.invoke(routing_app, ["suggest", "学校食堂饭菜太差", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    answer = last_json(result.stdout)
    top = answer["suggestions"][0]  # type: ignore[index]
    assert top["label"] == "教育文体"
    assert top["reasons"], "a suggestion must say why"
    assert "文中出现" in result.stdout

    empty = runner.invoke(routing_app, ["suggest", "！！！", "--data-dir", str(data_dir)])
    assert empty.exit_code == 0
    assert last_json(empty.stdout)["nothing"] == "no_words"


def test_evaluate_without_a_model_says_to_train_first(tiny_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(routing_app, ["evaluate", "--data", str(tiny_csv), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "routing train" in result.output


def test_wrong_column_is_a_clear_error_not_a_traceback(tiny_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        routing_app,
        ["train", "--data", str(tiny_csv), "--label-column", "Agency", "--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "Agency" in result.output
    assert "Traceback" not in result.output


def test_data_dir_defaults_to_the_environment(
    tiny_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "from-env"))
    result = runner.invoke(routing_app, ["train", "--data", str(tiny_csv), "--threshold", "0.6"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-env" / "routing" / "text_classifier.skops").is_file()


def test_crossval_prints_fold_figures(tiny_csv: Path) -> None:
    result = runner.invoke(routing_app, ["crossval", "--data", str(tiny_csv), "--folds", "2"])
    assert result.exit_code == 0, result.output
    report = last_json(result.stdout)
    assert report["n"] == len(TINY)
    assert len(report["folds"]) == 2  # type: ignore[arg-type]
    assert "latency_ms" in report


def test_threshold_is_chosen_on_the_named_rows_only(tiny_csv: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text("留言主题,留言详情,一级标签\n路灯,路灯 不亮 晚上 很 黑,城乡建设\n", encoding="utf-8")
    result = runner.invoke(
        routing_app,
        [
            "train",
            "--data", str(tiny_csv),
            "--data", str(extra),
            "--threshold-on", str(tiny_csv),
            "--folds", "2",
            "--data-dir", str(tmp_path / "var"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    meta = last_json(result.stdout)
    assert meta["crossval"]["n"] == len(TINY)  # type: ignore[index]
    assert meta["n_train"] == len(TINY) + 1


def test_train_keeps_the_checker_only_where_cross_validation_says_it_helps(
    tiny_csv: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "var"
    result = runner.invoke(
        routing_app, ["train", "--data", str(tiny_csv), "--data-dir", str(data_dir), "--folds", "2"]
    )
    assert result.exit_code == 0, result.output
    verdict = last_json(result.stdout)["checker_crossval"]
    assert set(verdict) == {"helps", "checker", "own"}  # type: ignore[arg-type]
    kept = (data_dir / "routing" / "text_classifier_checker.skops").is_file()
    assert kept == verdict["helps"]  # type: ignore[index]


def test_crossval_also_reports_the_model_s_own_confidence(tiny_csv: Path) -> None:
    result = runner.invoke(routing_app, ["crossval", "--data", str(tiny_csv), "--folds", "2"])
    assert result.exit_code == 0, result.output
    report = last_json(result.stdout)
    own = report["auto_dispatch_own_confidence"]
    assert set(own) >= {"threshold", "share", "accuracy"}  # type: ignore[arg-type]


def test_categorical_text_is_scored_per_request_and_free_text_once(tmp_path: Path) -> None:
    requests = [
        ("Noise - Residential", "Loud Music/Party", "NYPD"),
        ("Noise - Residential", "Banging/Pounding", "NYPD"),
        ("Illegal Parking", "Blocked Hydrant", "NYPD"),
        ("HEAT/HOT WATER", "ENTIRE BUILDING", "HPD"),
        ("HEAT/HOT WATER", "APARTMENT ONLY", "HPD"),
        ("PLUMBING", "WATER-LEAKS", "HPD"),
    ]
    path = tmp_path / "311.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Complaint Type", "Descriptor", "Agency"])
        writer.writerows(requests * 4)  # 24 requests, 6 distinct texts
    columns = ["--text-columns", "Complaint Type,Descriptor", "--label-column", "Agency"]
    data_dir = str(tmp_path / "var")
    trained = runner.invoke(
        routing_app, ["train", "--data", str(path), "--data-dir", data_dir, "--threshold", "0.5", *columns]
    )
    assert trained.exit_code == 0, trained.output

    def scored(*options: str) -> object:
        result = runner.invoke(
            routing_app, ["evaluate", "--data", str(path), "--data-dir", data_dir, *columns, *options]
        )
        assert result.exit_code == 0, result.output
        return last_json(result.stdout)["n"]

    assert scored() == 24  # repeated by design: every request counts
    assert scored("--drop-duplicates") == 6
    crossval = runner.invoke(routing_app, ["crossval", "--data", str(path), "--folds", "2", *columns])
    assert crossval.exit_code == 0, crossval.output
    assert last_json(crossval.stdout)["n"] == 24


def test_free_text_repeated_once_is_scored_once(tiny_csv: Path, tmp_path: Path) -> None:
    doubled = tmp_path / "doubled.csv"
    rows = tiny_csv.read_text(encoding="utf-8").splitlines()
    doubled.write_text("\n".join([*rows, rows[1]]) + "\n", encoding="utf-8")
    result = runner.invoke(routing_app, ["crossval", "--data", str(doubled), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert last_json(result.stdout)["n"] == len(TINY)
