"""Latency of routing one message at a time, beside scikit-learn's own per-message calls.

    .venv/bin/python bench/routing_latency.py --data-dir DIR [--rounds 7]

DIR holds a trained model (``hotline routing train --data-dir DIR …``, see docs/routing.md). The
1,097 raw messages of the shared 12345 data are routed one at a time, ``--rounds`` times over
(the baseline ``--baseline-rounds`` times);
each message keeps its fastest round (its cost on a quiet core) and its median round. Printed:
p50 / p90 / p99 / mean of both, for

* ``route``: what the platform calls (normalise, segment, features, both models, reasons for 3);
* ``sklearn``: the same model through scikit-learn's public calls, one message at a time
  (normalise, ``features.transform``, ``predict_proba`` of the model and of the checker), without
  reasons: the plain way to serve this pipeline, and the baseline of the ratio.

Then the stages of ``route`` for the 15 longest messages (best of 20 runs each).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hotline.classifier import model as clf  # noqa: E402
from hotline.classifier.text import NormalisedText, normalise  # noqa: E402

RAW = ROOT / ".." / "shared" / "data" / "tipdm2020c_gov_messages" / "messages_labelled.csv"


def messages() -> list[str]:
    with RAW.open(encoding="utf-8-sig") as handle:
        return [row["留言主题"] + "\n" + row["留言详情"] for row in csv.DictReader(handle)]


def sklearn_route(model: clf.TextClassifier) -> Callable[[str], object]:
    features = model.pipeline.named_steps["features"]
    labelling = model.pipeline.named_steps["clf"]

    def route(text: str) -> object:
        checked = normalise(text)
        if not isinstance(checked, NormalisedText):
            return None
        x = features.transform(clf.to_columns([checked.text]))
        proba = labelling.predict_proba(x)[0]
        checked_proba = model.checker.predict_proba(x)[0] if model.checker is not None else proba
        return proba, checked_proba

    return route


def rounds(route: Callable[[str], object], texts: list[str], n: int) -> np.ndarray:
    for text in texts:  # warm: caches, look-up tables
        route(text)
    times = np.empty((n, len(texts)))
    for r in range(n):
        for i, text in enumerate(texts):
            start = time.perf_counter()
            route(text)
            times[r, i] = (time.perf_counter() - start) * 1000
    return times


def summary(times: np.ndarray) -> dict[str, dict[str, float]]:
    out = {}
    for name, per_message in (("fastest", times.min(axis=0)), ("median", np.median(times, axis=0))):
        p50, p90, p99 = np.percentile(per_message, [50, 90, 99])
        out[name] = {
            "p50": round(float(p50), 3),
            "p90": round(float(p90), 3),
            "p99": round(float(p99), 3),
            "mean": round(float(per_message.mean()), 3),
        }
    return out


def _best(f: Callable[[], object]) -> float:
    """The fastest of 20 runs of ``f``, in ms."""
    fastest = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        f()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest * 1000


def _stages_of(model: clf.TextClassifier, text: str) -> dict[str, float]:
    checked = normalise(text)
    assert isinstance(checked, NormalisedText)
    words = clf.words_of(checked.text)
    x = model._features_one(checked.text, words)
    rows, checker_rows = model._rows(x)
    proba = model._proba_one(x, rows)
    order = np.argsort(-proba)[:3]
    contributions = model._contributions(x, rows, order)
    word_set = set(words)
    return {
        "normalise": _best(lambda: normalise(text)),
        "segment": _best(lambda: clf.words_of(checked.text)),
        "features": _best(lambda: model._features_one(checked.text, words)),
        "weights": _best(lambda: model._rows(x)),
        "scores": _best(lambda: (model._proba_one(x, rows), model._checked_proba_one(x, checker_rows))),
        "reasons": _best(lambda: [model._reasons(x, contributions[j], 5, word_set) for j in range(3)]),
        "route": _best(lambda: model.route(text)),
    }


def stages(model: clf.TextClassifier, texts: list[str]) -> dict[str, float]:
    """Mean over the 15 longest messages of each stage's best-of-20 time, in ms."""
    each = [_stages_of(model, text) for text in sorted(texts, key=len)[-15:]]
    return {name: round(float(np.mean([e[name] for e in each])), 3) for name in each[0]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--baseline-rounds", type=int, default=1, help="scikit-learn's path: ≈ 50 ms a message"
    )
    args = parser.parse_args()
    if not RAW.exists():
        sys.exit(f"no shared data at {RAW}")
    model = clf.load(args.data_dir)
    texts = messages()
    ours = summary(rounds(model.route, texts, args.rounds))
    base = summary(rounds(sklearn_route(model), texts, args.baseline_rounds))
    for name, figures in (("route", ours), ("sklearn", base)):
        for kind, f in figures.items():
            print(f"{name:<8} {kind:<8} " + " ".join(f"{k}={v:.3f}ms" for k, v in f.items()))
    for kind in ("fastest", "median"):
        ratio = {k: round(ours[kind][k] / base[kind][k], 3) for k in ours[kind]}
        print(f"ratio    {kind:<8} " + " ".join(f"{k}={v}" for k, v in ratio.items()))
    print("stages of route, 15 longest messages (ms):", stages(model, texts))


if __name__ == "__main__":
    main()
