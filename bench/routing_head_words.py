"""Issue 17, a macro-F1 idea measured and not adopted: the head's *words* as a fourth part.

    nice .venv/bin/python bench/routing_head_words.py --seed 0 [--weight 1.0]   # ≈ 10 min a seed

The model reads the head (first 30 normalised characters: the title) as character n-grams only;
this adds the head's rjieba words and word pairs (TF-IDF like the words' part, ``--weight``) and
runs the same leak-free cross-validation as ``hotline routing crossval`` (5 folds). The pipeline
is changed here, for this run only, by wrapping ``model.build_pipeline`` and ``model.to_columns``;
routing one message would fall back to scikit-learn's ``transform`` (the one vocabulary table
follows three parts), so no latency is measured. Result in docs/routing.md: no gain.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from hotline.classifier import evaluation as ev
from hotline.classifier import model as clf
from hotline.classifier.datasets import read_csvs

TIPDM = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tipdm2020c_gov_messages"
COLUMNS, LABEL = "留言主题,留言详情", "一级标签"


def with_head_words(weight: float) -> None:
    """Make ``model.train`` build and feed pipelines with a fourth part: the head's words."""
    to_columns, build_pipeline = clf.to_columns, clf.build_pipeline

    def columns(texts: Sequence[str], head_chars: int = clf.HEAD_CHARS) -> np.ndarray:
        rows = np.empty((len(texts), 4), dtype=object)
        rows[:, :3] = to_columns(texts, head_chars)
        rows[:, 3] = [clf.segment(t[:head_chars]) for t in texts]
        return rows

    def pipeline(*args: Any, **kwargs: Any) -> Pipeline:
        built = build_pipeline(*args, **kwargs)
        features = built.named_steps["features"]
        words = TfidfVectorizer(
            token_pattern=r"\S+",
            ngram_range=(1, 2),
            min_df=features.transformers[2][1].min_df,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        built.steps[0] = (
            "features",
            ColumnTransformer(
                [*features.transformers, ("head_words", words, 3)],
                sparse_threshold=1.0,
                transformer_weights={**features.transformer_weights, "head_words": weight},
            ),
        )
        return built

    clf.to_columns = columns  # type: ignore[assignment]
    clf.build_pipeline = pipeline  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weight", type=float, default=1.0)
    args = parser.parse_args()
    with_head_words(args.weight)
    seen: set[str] = set()
    raw = read_csvs([TIPDM / "messages_labelled.csv"], COLUMNS, LABEL, seen=seen)
    more = read_csvs([TIPDM / "messages_labelled_more.csv"], COLUMNS, LABEL, seen=seen)
    cv = ev.cross_validate(
        lambda texts, labels, unlabelled: clf.train(texts, labels, unlabelled),
        raw.texts,
        raw.labels,
        train_only=(more.texts, more.labels),
        seed=args.seed,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )
    report = ev.crossval_report(cv)
    print(
        json.dumps(
            {
                "seed": args.seed,
                "head_words_weight": args.weight,
                "macro_f1": report["macro_f1"],
                "accuracy": report["accuracy"],
                "auto_dispatch": report["auto_dispatch"],
            }
        )
    )


if __name__ == "__main__":
    main()
