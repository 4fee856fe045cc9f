"""The confidence rules compared for issue 17 (bench/routing_confidence.py) judge each fold blind.

A rule that is fitted (a stacked logistic regression, per-category thresholds) must decide a test
fold from the other folds alone, or its figures flatter it. The test changes the test fold's true
labels and checks that nothing it dispatches changes — while the other folds' labels do matter.
"""

from __future__ import annotations

import numpy as np
import pytest
from bench import routing_confidence as rc

CLASSES = np.array(["a", "b", "c"])


def _cache(seed: int, n: int = 800) -> dict[str, np.ndarray]:
    """A cache of ``n`` messages in 5 folds whose confidences say something about being right."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    right = rng.random(n) < 0.9
    predicted = np.where(right, truth, (truth + 1) % 3)
    arrays: dict[str, np.ndarray] = {
        "classes": CLASSES,
        "labels": CLASSES[truth],
        "predicted": CLASSES[predicted],
    }
    for model in ("ridge", "checker"):
        decision = rng.normal(0, 1, (n, 3))
        decision[np.arange(n), predicted] += 2 + right * (
            2 + rng.random(n) * 3
        )  # the label wins, surer when right
        arrays[f"{model}_decision"] = decision
        proba = np.exp(decision) / np.exp(decision).sum(axis=1, keepdims=True)
        arrays[f"{model}_proba"] = proba
        for part in ("char", "head", "word"):
            arrays[f"{model}_{part}_decision"] = decision / 3 + rng.normal(0, 0.3, (n, 3))
    arrays["confidence"] = arrays["checker_proba"][np.arange(n), predicted]
    arrays["length"] = rng.integers(10, 800, n)
    arrays["fold"] = np.arange(n) % 5 + 1
    return rc.derive(arrays)


@pytest.mark.parametrize(
    "name",
    [
        "(d) stacked logistic regression (6 signals)",
        "(d) stacked, + predicted category",
        "(d) stacked, + the parts' agreement",
        "(e) per-category thresholds on the checker's probability",
        "(a) checker's probability of the ridge's label (today)",
    ],
)
def test_a_rule_decides_a_fold_without_looking_at_its_labels(name: str) -> None:
    rule = rc.RULES[name]
    d = _cache(seed=1)
    test = np.flatnonzero(d["fold"] == 1)
    train = np.flatnonzero(d["fold"] != 1)
    before = rule(d, train, test)
    assert before.mean() > 0.3  # the rule dispatches a fair share: the comparisons below mean something

    # every test message's label flipped to another category: right ones become wrong and back
    blind = dict(d)
    labels = d["labels"].copy()
    labels[test] = np.where(
        labels[test] == d["predicted"][test], CLASSES[(d["pred"][test] + 1) % 3], d["predicted"][test]
    )
    blind["labels"] = labels
    blind = rc.derive(blind)
    assert np.array_equal(rule(blind, train, test), before)

    # the same change on the *training* folds does change what is dispatched
    taught = dict(d)
    labels = d["labels"].copy()
    labels[train] = np.where(
        labels[train] == d["predicted"][train], CLASSES[(d["pred"][train] + 1) % 3], d["predicted"][train]
    )
    taught["labels"] = labels
    assert not np.array_equal(rule(rc.derive(taught), train, test), before)
