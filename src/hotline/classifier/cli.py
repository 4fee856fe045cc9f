"""The classifier's lab commands: train, evaluate, cross-validate, suggest.

:data:`lab_app` runs them alone (``python -m hotline.classifier.cli``); the platform registers
the same commands under ``hotline routing`` (:mod:`hotline.routing.cli`). Progress goes to
stderr; the last line of ``evaluate``, ``crossval`` and ``suggest`` on stdout is one JSON object,
so scripts can read it with ``tail -n 1``.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from hotline.classifier import evaluation as ev
from hotline.classifier import leakage
from hotline.classifier import model as clf
from hotline.classifier.datasets import Dataset, DatasetError, read_csvs, repeats_by_design

lab_app = typer.Typer(
    help="智能分拨：训练、评估诉求文本分类模型。(Routing: train and evaluate the text classifier.)",
    no_args_is_help=True,
)

DEFAULT_TEXT_COLUMNS = "留言主题,留言详情"
DEFAULT_LABEL_COLUMN = "一级标签"


def default_data_dir() -> Path:
    """The platform's data directory: ``$HOTLINE_DATA_DIR`` or ``./var``."""
    return Path(os.environ.get("HOTLINE_DATA_DIR") or "var")


DataFiles = Annotated[
    list[Path], typer.Option("--data", help="带标签的 CSV 文件 (labelled CSV file), repeatable")
]
TextColumns = Annotated[
    str, typer.Option("--text-columns", help="文本列，逗号分隔 (text columns, comma-separated, joined)")
]
LabelColumn = Annotated[str, typer.Option("--label-column", help="标签列 (label column)")]
DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="平台数据目录 (data directory; default $HOTLINE_DATA_DIR or ./var)"),
]
Unlabelled = Annotated[
    list[Path] | None,
    typer.Option(
        "--unlabelled", help="无标签 CSV，用于自训练 (unlabelled CSV for self-training), repeatable"
    ),
]


def say(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str) -> None:
    typer.echo(f"错误 (error): {message}", err=True)
    raise typer.Exit(code=1)


def _load(data_dir: Path | None) -> clf.TextClassifier:
    """The model in the data directory, or a clear error and exit 1."""
    try:
        return clf.load(data_dir or default_data_dir())
    except clf.ModelError as exc:
        fail(str(exc))
        raise  # fail() always exits


KeepDuplicates = Annotated[
    bool | None,
    typer.Option(
        "--keep-duplicates/--drop-duplicates",
        help="保留重复文本，逐件打分（如 311 投诉类型：重复即另一件诉求）；默认按数据判断 (keep repeated "
        "texts and score per request, for categorical text such as 311 complaint types; by default "
        "decided from the --data rows: kept when they repeat by design)",
        show_default=False,
    ),
]


def _keeps_duplicates(keep: bool | None, paths: list[Path], text_columns: str, label_column: str) -> bool:
    """``keep`` if given, else whether the rows of ``paths`` repeat by design (categorical text)."""
    if keep is not None:
        return keep
    try:
        texts = read_csvs(paths, text_columns, label_column, dedupe=False).texts
    except DatasetError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits
    if repeats_by_design(texts):
        say(
            "文本为重复出现的类别（如投诉类型），逐件打分、不去重。"
            "(categorical text repeated by design: every row is scored, repeats are kept)"
        )
        return True
    return False


ConfidenceLevel = Annotated[
    float,
    typer.Option(
        min=0.5,
        max=0.9999,
        help="阈值的置信水平：交叉验证中派单准确率的 Wilson 下界须达到目标 (one-sided confidence that "
        "the auto-dispatched accuracy reaches the target: its lower Wilson bound must; 0.5 = the accuracy)",
    ),
]


def _read(
    paths: list[Path], text_columns: str, label_column: str | None, seen: set[str], dedupe: bool = True
) -> Dataset:
    try:
        data = read_csvs(paths, text_columns, label_column, seen=seen, dedupe=dedupe)
    except DatasetError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits
    r = data.report
    say(
        f"读取 {r.rows_read} 行，保留 {r.kept} 行；"
        f"去除空文本 {r.dropped_no_text}、无标签 {r.dropped_no_label}、"
        f"重复 {r.dropped_duplicate} 行；同文异标 {r.conflicting_labels} 行。"
        f"(read {r.rows_read} rows, kept {r.kept}; dropped {r.dropped_no_text} empty, "
        f"{r.dropped_no_label} unlabelled, {r.dropped_duplicate} duplicates; "
        f"{r.conflicting_labels} same text with another label)"
    )
    return data


def _trainer(c: float, self_training_confidence: float, checker: bool = True) -> ev.TrainFn:
    def train_fn(texts: list[str], labels: list[str], unlabelled: list[str]) -> clf.TextClassifier:
        return clf.train(
            texts,
            labels,
            unlabelled,
            c=c,
            self_training_confidence=self_training_confidence,
            checker_model=checker,
        )

    return train_fn


def print_json(obj: dict[str, Any]) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


@lab_app.command()
def train(
    data: DataFiles,
    unlabelled: Unlabelled = None,
    text_columns: TextColumns = DEFAULT_TEXT_COLUMNS,
    label_column: LabelColumn = DEFAULT_LABEL_COLUMN,
    data_dir: DataDir = None,
    threshold: Annotated[
        float | None, typer.Option(help="自动派单阈值；不给则交叉验证选取 (auto-dispatch threshold)")
    ] = None,
    threshold_on: Annotated[
        list[Path] | None,
        typer.Option(help="用这些 --data 文件的行选阈值 (rows of these --data files pick the threshold)"),
    ] = None,
    target_accuracy: Annotated[float, typer.Option(help="自动派单的目标准确率")] = ev.TARGET_ACCURACY,
    confidence_level: ConfidenceLevel = ev.CONFIDENCE_LEVEL,
    folds: Annotated[int, typer.Option(help="选阈值的交叉验证折数 (folds for choosing the threshold)")] = 5,
    c: Annotated[float, typer.Option(help="正则化 C (regularisation C; ridge alpha = 1/(2C))")] = 0.5,
    self_training_confidence: Annotated[
        float, typer.Option(help="自训练置信度下限 (self-training confidence)")
    ] = 0.95,
    keep_duplicates: KeepDuplicates = None,
) -> None:
    """训练并保存模型。(Train a model and save it in the data directory.)"""
    folder = data_dir or default_data_dir()
    seen: set[str] = set()
    scored_files = [p for p in data if threshold_on is None or p in threshold_on]
    rest_files = [p for p in data if p not in scored_files]
    dedupe = not _keeps_duplicates(keep_duplicates, scored_files, text_columns, label_column)
    scored = _read(scored_files, text_columns, label_column, seen, dedupe)
    rest = (
        _read(rest_files, text_columns, label_column, seen, dedupe)
        if rest_files
        else Dataset([], [], scored.report)
    )
    pool = _read(unlabelled or [], text_columns, None, seen).texts if unlabelled else []
    train_fn = _trainer(c, self_training_confidence)
    meta: dict[str, Any] = {"data": [str(p) for p in data], "unlabelled": [str(p) for p in unlabelled or []]}
    if threshold is None:
        say(f"{folds} 折交叉验证选取自动派单阈值… (choosing the threshold by {folds}-fold cross-validation)")
        cv = ev.cross_validate(
            train_fn,
            scored.texts,
            scored.labels,
            train_only=(rest.texts, rest.labels),
            unlabelled=pool,
            folds=folds,
            exclude_near_duplicates=dedupe,
            log=say,
        )
        # keep the checker only where it dispatches more than the model's own confidence would
        verdict = ev.checker_helps(cv, target_accuracy, confidence_level)
        meta["checker_crossval"] = verdict
        if not verdict["helps"]:
            say(
                "复核模型在交叉验证中没有帮助，不使用。(the checker did not help in cross-validation: left out)"
            )
            train_fn = _trainer(c, self_training_confidence, checker=False)
            cv.confidence = cv.own_confidence
        threshold = ev.choose_threshold(
            cv.labels, cv.predicted, cv.confidence, target_accuracy, confidence_level
        )
        meta["crossval"] = ev.summarise(cv, threshold)
        meta["crossval"].pop("per_label", None)
    say("训练最终模型… (training the final model)")
    model = train_fn(scored.texts + rest.texts, scored.labels + rest.labels, pool)
    model.auto_dispatch_threshold = threshold
    model.meta.update(meta)
    path = model.save(folder)
    say(f"模型已保存：{path}(model saved)；自动派单阈值 (threshold) = {threshold:.4f}")
    print_json({"model": str(path), "auto_dispatch_threshold": round(threshold, 4), **model.meta})


@lab_app.command()
def evaluate(
    data: DataFiles,
    text_columns: TextColumns = DEFAULT_TEXT_COLUMNS,
    label_column: LabelColumn = DEFAULT_LABEL_COLUMN,
    data_dir: DataDir = None,
    keep_duplicates: KeepDuplicates = None,
) -> None:
    """用当前模型给数据打分，不训练。(Score the current model on labelled data; trains nothing.)"""
    model = _load(data_dir)
    dedupe = not _keeps_duplicates(keep_duplicates, data, text_columns, label_column)
    dataset = _read(data, text_columns, label_column, set(), dedupe)
    if not dataset.texts:
        fail("没有可评估的行。(No rows to evaluate.)")
    report = ev.evaluate(model, dataset.texts, dataset.labels)
    say(_headline(report))
    print_json(report)


@lab_app.command()
def crossval(
    data: DataFiles,
    train_only: Annotated[
        list[Path] | None,
        typer.Option("--train-only", help="只用于训练、不打分的 CSV (CSV used for training only)"),
    ] = None,
    unlabelled: Unlabelled = None,
    text_columns: TextColumns = DEFAULT_TEXT_COLUMNS,
    label_column: LabelColumn = DEFAULT_LABEL_COLUMN,
    folds: Annotated[int, typer.Option(help="折数 (number of folds)")] = 5,
    seed: Annotated[int, typer.Option(help="随机种子 (shuffle seed)")] = 0,
    target_accuracy: Annotated[float, typer.Option(help="自动派单的目标准确率")] = ev.TARGET_ACCURACY,
    confidence_level: ConfidenceLevel = ev.CONFIDENCE_LEVEL,
    c: Annotated[float, typer.Option(help="正则化 C (regularisation C; ridge alpha = 1/(2C))")] = 0.5,
    self_training_confidence: Annotated[
        float, typer.Option(help="自训练置信度下限 (self-training confidence)")
    ] = 0.95,
    keep_duplicates: KeepDuplicates = None,
    min_containment: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="近似重复的下限：二字组包含度 (near-copy cut-off: character-bigram containment, docs/routing.md)",
        ),
    ] = leakage.MIN_CONTAINMENT,
) -> None:
    """k 折交叉验证（无泄漏）。(Leak-free k-fold cross-validation on the --data rows.)

    Rows of --train-only files and near-duplicates of each fold's test rows never score; each fold's
    auto-dispatch threshold is chosen on the other folds' predictions, so the figures are honest.
    """
    seen: set[str] = set()
    dedupe = not _keeps_duplicates(keep_duplicates, data, text_columns, label_column)
    scored = _read(data, text_columns, label_column, seen, dedupe)
    extra = (
        _read(train_only, text_columns, label_column, seen, dedupe)
        if train_only
        else Dataset([], [], scored.report)
    )
    pool = _read(unlabelled, text_columns, None, seen).texts if unlabelled else []
    result = ev.cross_validate(
        _trainer(c, self_training_confidence),
        scored.texts,
        scored.labels,
        train_only=(extra.texts, extra.labels),
        unlabelled=pool,
        folds=folds,
        seed=seed,
        exclude_near_duplicates=dedupe,
        min_containment=min_containment,
        log=say,
    )
    # the rule before (the accuracy itself half a point above 97 %), on copies of the fold reports
    before = replace(result, folds=[dict(f) for f in result.folds])
    previous = ev.crossval_report(before, 0.975, 0.5)["auto_dispatch"]
    report = ev.crossval_report(result, target_accuracy, confidence_level)
    report["auto_dispatch_previous_rule"] = previous
    # what the labelling model's own confidence would dispatch (train keeps the better of the two)
    own = replace(result, confidence=result.own_confidence, folds=[dict(f) for f in result.folds])
    report["auto_dispatch_own_confidence"] = ev.crossval_report(own, target_accuracy, confidence_level)[
        "auto_dispatch"
    ]
    if result.last_model is not None:
        report["latency_ms"] = ev.latency_ms(result.last_model, scored.texts)
    say(_headline(report))
    print_json(report)


@lab_app.command()
def suggest(
    text: Annotated[str, typer.Argument(help="诉求文本 (message text)")],
    k: Annotated[int, typer.Option(help="建议个数 (number of suggestions)")] = 3,
    data_dir: DataDir = None,
) -> None:
    """对一条诉求给出分类建议和理由。(Suggest categories for one message, with reasons.)"""
    model = _load(data_dir)
    result = model.route(text, k=k)
    if result.nothing is not None:
        typer.echo(result.nothing.message)
    for s in result.suggestions:
        typer.echo(f"{s.confidence:.2f}  {s.explain()}")
    print_json(
        {
            "auto_dispatch": result.auto_dispatch,
            "threshold": result.threshold,
            "nothing": None if result.nothing is None else result.nothing.code,
            "suggestions": [
                {
                    "label": s.label,
                    "confidence": round(s.confidence, 4),
                    "reasons": [{"term": r.term, "weight": r.weight} for r in s.reasons],
                }
                for s in result.suggestions
            ],
        }
    )


def _headline(report: dict[str, Any]) -> str:
    auto = report.get("auto_dispatch", {})
    lat = report.get("latency_ms", {})
    return (
        f"n={report['n']} 准确率 accuracy={report['accuracy']} macro-F1={report['macro_f1']} "
        f"自动派单 auto-dispatch@{auto.get('threshold')}: share={auto.get('share')} "
        f"accuracy={auto.get('accuracy')} 时延 latency p50={lat.get('p50')}ms p99={lat.get('p99')}ms"
    )


#: The lab's commands, in the order ``--help`` shows them; the platform registers them too.
COMMANDS: Final = (train, evaluate, crossval, suggest)

if __name__ == "__main__":  # pragma: no cover - `python -m hotline.classifier.cli`
    sys.exit(lab_app())
