"""Routing benchmark: the figures of docs/routing.md, from the shared data beside the repository.

    .venv/bin/python bench/routing.py            # Chinese 12345 messages + New York 311 (≈ 3 min)
    .venv/bin/python bench/routing.py --selftrain  # also self-training on unlabelled messages (≈ 12 min)

Each figure comes from `hotline routing crossval` (leak-free k-fold, see docs/routing.md); the JSON
reports are written to bench/results/. The New York 2020 extract has no agency column, so its
check routes each request's complaint type with a model trained on the full-schema sample and
compares with the agency that the sample gives that complaint type.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
RESULTS = ROOT / "bench" / "results"
TIPDM = DATA / "tipdm2020c_gov_messages"
NYC_SAMPLE = DATA / "nyc311_full_schema_sample" / "311_service_requests_sample.csv"
NYC_2020 = DATA / "nyc311_2020_complaints" / "nyc311_2020.csv"


def crossval(name: str, args: list[str]) -> dict[str, object]:
    """Run `hotline routing crossval ARGS`, keep its JSON, print one line of figures."""
    cmd = [sys.executable, "-m", "hotline.classifier.cli", "crossval", *args]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    (RESULTS / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    auto = report["auto_dispatch"]
    lat = report.get("latency_ms", {})
    print(
        f"{name:<22} n={report['n']:<5} macro_f1={report['macro_f1']:.4f} accuracy={report['accuracy']:.4f} "
        f"auto: threshold={auto['threshold']} share={auto['share']} accuracy={auto['accuracy']} "
        f"latency p50={lat.get('p50')}ms p99={lat.get('p99')}ms"
    )
    return report


def nyc_2020_check() -> None:
    """Route the 2020 extract's complaint types with a model trained on the full-schema sample."""
    import csv

    from hotline.classifier import model as clf
    from hotline.classifier.datasets import read_csvs
    from hotline.classifier.evaluation import auto_dispatch, classification_metrics

    sample = read_csvs([NYC_SAMPLE], "Complaint Type", "Agency", dedupe=False)
    agency_of: dict[str, Counter[str]] = defaultdict(Counter)
    for text, agency in zip(sample.texts, sample.labels, strict=True):
        agency_of[text][agency] += 1
    model = clf.train(sample.texts, sample.labels, threshold=0.5)
    with NYC_2020.open(encoding="utf-8") as handle:
        types = [row["Complaint Type"] for row in csv.DictReader(handle)]
    known = [t for t in types if t in agency_of]
    truth = [agency_of[t].most_common(1)[0][0] for t in known]
    predicted, confidence = model.predict_many(known)
    metrics = classification_metrics(truth, predicted)
    auto = auto_dispatch(truth, predicted, confidence, 0.5)
    unknown = [t for t in types if t not in agency_of]
    unknown_pred, _ = model.predict_many(unknown[:5])
    print(
        f"{'nyc311_2020 (by type)':<22} n={len(known)} of {len(types)} accuracy={metrics['accuracy']} "
        f"macro_f1={metrics['macro_f1']} auto@0.5: share={auto['share']} accuracy={auto['accuracy']}; "
        f"types unseen in the sample ({len(unknown)} requests), e.g. "
        + ", ".join(f"{t} → {p}" for t, p in zip(unknown[:5], unknown_pred, strict=True))
    )


def main() -> None:
    if not TIPDM.is_dir():
        sys.exit(f"shared data not found at {DATA.resolve()}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    zh = [
        "--data", str(TIPDM / "messages_labelled.csv"),
        "--train-only", str(TIPDM / "messages_labelled_more.csv"),
        "--text-columns", "留言主题,留言详情", "--label-column", "一级标签",
    ]  # fmt: skip
    crossval("zh_12345", zh)
    if "--selftrain" in sys.argv:
        unl = [
            "--unlabelled", str(TIPDM / "unlabelled_test_messages.csv"),
            "--unlabelled", str(TIPDM / "hot_issue_messages_attachment3.csv"),
            "--unlabelled", str(TIPDM / "replies_attachment4.csv"),
        ]  # fmt: skip
        crossval("zh_12345_selftrain", zh + unl)
    nyc = [
        "--data",
        str(NYC_SAMPLE),
        "--text-columns",
        "Complaint Type,Descriptor",
        "--label-column",
        "Agency",
    ]
    crossval("nyc311_per_request", [*nyc, "--keep-duplicates"])
    crossval("nyc311_unseen_pairs", [*nyc, "--drop-duplicates"])
    nyc_2020_check()


if __name__ == "__main__":
    main()
