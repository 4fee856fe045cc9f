"""Issue 17: which confidence should decide 秒派 (auto-dispatch)? Measured leak-free, cheaply.

    nice .venv/bin/python bench/routing_confidence.py cache --seed 0    # ≈ 5 folds of training
    .venv/bin/python bench/routing_confidence.py compare --seeds 0 1 2  # seconds, on the caches
    .venv/bin/python bench/routing_confidence.py hindsight    # how well each score ranks, a ceiling
    .venv/bin/python bench/routing_confidence.py labels       # macro-F1 of labels combined from both

``cache`` runs the very cross-validation ``hotline routing crossval`` runs (same folds, same
near-copy exclusion, same models) once per seed and keeps, for every scored message, the signals a
confidence rule may use: both models' decision values and calibrated probabilities for all
categories, the text's length, the fold. ``compare`` then scores confidence rules on those caches
with the project's conservative threshold rule (each fold dispatched at the threshold chosen on the
other folds' out-of-fold predictions: lower 95 % Wilson bound of the accuracy ≥ 97 %). A rule that
is itself fitted (the stacked logistic regression, per-category thresholds) is fitted for each
outer fold on the other folds' rows only, and its threshold is chosen on its own inner
cross-validated scores of those rows: the test fold is never looked at.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hotline.classifier import evaluation as ev
from hotline.classifier import model as clf
from hotline.classifier.datasets import read_csvs
from hotline.classifier.text import NormalisedText, normalise

TIPDM = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tipdm2020c_gov_messages"
COLUMNS, LABEL = "留言主题,留言详情", "一级标签"
CACHE = Path("/work/tmp17")


def _signals(model: clf.TextClassifier, texts: list[str]) -> dict[str, np.ndarray]:
    """Both models' decision values and probabilities (all categories) and lengths, per text."""
    normalised = [normalise(t) for t in texts]
    assert all(isinstance(n, NormalisedText) for n in normalised)
    plain = [n.text for n in normalised]  # type: ignore[union-attr]
    x = model.pipeline.named_steps["features"].transform(clf.to_columns(plain, model.head_chars))
    ridge = model.pipeline.named_steps["clf"]
    assert model.checker is not None
    # each part's own decision values (whole text, head, words; no intercept), for both models:
    # whether the parts agree with the whole is a signal the two whole models do not give
    x = x.tocsr()
    blocks = {}
    features = model.pipeline.named_steps["features"]
    for name, part in (("ridge", ridge), ("checker", model.checker)):
        coef = np.atleast_2d(part.calibrated_classifiers_[0].estimator.coef_)
        for block, columns in features.output_indices_.items():
            if columns.stop > columns.start:
                blocks[f"{name}_{block}_decision"] = np.asarray(x[:, columns] @ coef[:, columns].T)
    return {
        **blocks,
        "ridge_decision": ridge.calibrated_classifiers_[0].estimator.decision_function(x),
        "ridge_proba": ridge.predict_proba(x),
        "checker_decision": model.checker.calibrated_classifiers_[0].estimator.decision_function(x),
        "checker_proba": model.checker.predict_proba(x),
        "length": np.array([len(p) for p in plain]),
        "raw_length": np.array([len(t) for t in texts]),
        "nnz": np.diff(x.tocsr().indptr),
    }


def cache(seed: int, folds: int = 5) -> Path:
    """Run the cross-validation for ``seed`` and write every scored message's signals."""
    seen: set[str] = set()
    raw = read_csvs([TIPDM / "messages_labelled.csv"], COLUMNS, LABEL, seen=seen)
    more = read_csvs([TIPDM / "messages_labelled_more.csv"], COLUMNS, LABEL, seen=seen)
    found: dict[str, dict[str, np.ndarray]] = {}
    classes: list[str] = []

    def train_fn(texts: list[str], labels: list[str], unlabelled: list[str]) -> clf.TextClassifier:
        model = clf.train(texts, labels, unlabelled)
        original = model.predict_many_both

        def recording(batch: Any) -> Any:
            signals = _signals(model, list(batch))
            for i, text in enumerate(batch):
                found[text] = {k: v[i] for k, v in signals.items()}
            classes[:] = model.labels
            return original(batch)

        model.predict_many_both = recording  # type: ignore[method-assign]
        return model

    cv = ev.cross_validate(
        train_fn,
        raw.texts,
        raw.labels,
        train_only=(more.texts, more.labels),
        folds=folds,
        seed=seed,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    # cross_validate may move rare categories to training only: its labels are the scored rows
    scored = [t for t, y in zip(raw.texts, raw.labels, strict=True) if y in set(cv.labels)]
    assert len(scored) == len(cv.labels)
    arrays = {k: np.stack([found[t][k] for t in scored]) for k in next(iter(found.values()))}
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"seed{seed}.npz"
    np.savez_compressed(
        path,
        classes=np.array(classes),
        labels=np.array(cv.labels),
        predicted=np.array([p or "" for p in cv.predicted]),
        confidence=np.array(cv.confidence),
        fold=np.array(cv.fold_of),
        **arrays,
    )
    report = ev.crossval_report(cv)
    print(json.dumps({"seed": seed, "macro_f1": report["macro_f1"], **report["auto_dispatch"]}))
    return path


def load_cache(seed: int) -> dict[str, np.ndarray]:
    """One seed's cached signals, with the derived columns the rules use."""
    with np.load(CACHE / f"seed{seed}.npz", allow_pickle=False) as stored:
        return derive({k: stored[k] for k in stored.files})


def derive(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``d`` (a cache's arrays) with the columns the rules use: the ridge's label, whether it is
    right, both models' probabilities of it, agreement, margins."""
    n = len(d["labels"])
    rows = np.arange(n)
    classes = d["classes"].tolist()
    pred = np.array([classes.index(p) for p in d["predicted"]])
    d["pred"] = pred
    d["correct"] = (d["labels"] == d["predicted"]).astype(float)
    d["ridge_p"] = d["ridge_proba"][rows, pred]
    d["checker_p"] = d["checker_proba"][rows, pred]
    assert np.allclose(d["checker_p"], d["confidence"])
    d["agree"] = (d["checker_proba"].argmax(axis=1) == pred).astype(float)

    def margin(scores: np.ndarray) -> np.ndarray:
        """Score of the ridge's label minus the best other category's."""
        other = scores.copy()
        other[rows, pred] = -np.inf
        return scores[rows, pred] - other.max(axis=1)

    d["ridge_margin"] = margin(d["ridge_decision"])
    d["checker_margin"] = margin(d["checker_decision"])
    parts = [k for k in d if k.endswith("_decision") and k.count("_") == 2]
    if parts:  # how many of the parts' own decisions (3 parts × 2 models) pick the ridge's label
        d["parts_agree"] = sum((d[k].argmax(axis=1) == pred).astype(float) for k in parts)
        d["parts_margin_min"] = np.min([margin(d[k]) for k in parts], axis=0)
    d["ridge_p_margin"] = margin(d["ridge_proba"])
    d["checker_p_margin"] = margin(d["checker_proba"])
    return d


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def stack_features(d: dict[str, np.ndarray], per_category: bool = False, parts: bool = False) -> np.ndarray:
    """The stacked rule's inputs: both models' probabilities and margins, agreement, length
    (and, with ``parts``, how many of the parts' own decisions agree)."""
    columns = [
        _logit(d["ridge_p"]),
        _logit(d["checker_p"]),
        d["ridge_margin"],
        d["checker_margin"],
        d["agree"],
        np.log1p(d["length"]),
    ]
    if parts:
        columns += [d["parts_agree"], d["parts_margin_min"]]
    if per_category:
        columns += [(d["pred"] == k).astype(float) for k in range(len(d["classes"]))]
    return np.column_stack(columns)


def _threshold(d: dict[str, np.ndarray], rows: np.ndarray, score: np.ndarray) -> float:
    return ev.choose_threshold(d["labels"][rows].tolist(), d["predicted"][rows].tolist(), score)


Rule = Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], np.ndarray]


def fixed(score: Callable[[dict[str, np.ndarray]], np.ndarray]) -> Rule:
    """A rule that fits nothing: dispatch where ``score`` reaches the threshold of the other folds."""

    def rule(d: dict[str, np.ndarray], train: np.ndarray, test: np.ndarray) -> np.ndarray:
        s = score(d)
        return s[test] >= _threshold(d, train, s[train])

    return rule


def stacked(per_category: bool = False, c: float = 1.0, parts: bool = False) -> Rule:
    """Logistic regression of "the ridge's label is right" on the signals, fitted on the other
    folds; its threshold is chosen on its inner cross-validated scores of those folds."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def fit(x: np.ndarray, y: np.ndarray) -> Any:
        return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000)).fit(x, y)

    def rule(d: dict[str, np.ndarray], train: np.ndarray, test: np.ndarray) -> np.ndarray:
        if parts and "parts_agree" not in d:
            return np.zeros(len(test), dtype=bool)
        x, y = stack_features(d, per_category, parts), d["correct"]
        inner = np.zeros(len(train))
        for f in np.unique(d["fold"][train]):
            held = d["fold"][train] == f
            inner[held] = fit(x[train[~held]], y[train[~held]]).predict_proba(x[train[held]])[:, 1]
        t = _threshold(d, train, inner)
        return fit(x[train], y[train]).predict_proba(x[test])[:, 1] >= t

    return rule


def per_category(score: Callable[[dict[str, np.ndarray]], np.ndarray]) -> Rule:
    """One threshold per predicted category, each chosen on the other folds' rows of that
    category by the same rule (its own Wilson bound ≥ 97 %)."""

    def rule(d: dict[str, np.ndarray], train: np.ndarray, test: np.ndarray) -> np.ndarray:
        s = score(d)
        out = np.zeros(len(test), dtype=bool)
        for k in range(len(d["classes"])):
            tr = train[d["pred"][train] == k]
            te = d["pred"][test] == k
            if len(tr):
                out[te] = s[test][te] >= _threshold(d, tr, s[tr])
        return out

    return rule


RULES: dict[str, Rule] = {
    "(a) checker's probability of the ridge's label (today)": fixed(lambda d: d["checker_p"]),
    "ridge's own probability": fixed(lambda d: d["ridge_p"]),
    "(b) both models agree, then the checker's probability": fixed(lambda d: d["checker_p"] * d["agree"]),
    "(b') both agree, then the lower of the two probabilities": fixed(
        lambda d: np.minimum(d["checker_p"], d["ridge_p"]) * d["agree"]
    ),
    "(c) the lower of the two probabilities": fixed(lambda d: np.minimum(d["checker_p"], d["ridge_p"])),
    "(c) the product of the two probabilities": fixed(lambda d: d["checker_p"] * d["ridge_p"]),
    "checker's probability margin (top 1 - top 2)": fixed(lambda d: d["checker_p_margin"]),
    "(c) mean of the two probabilities' logits": fixed(
        lambda d: _logit(d["checker_p"]) + _logit(d["ridge_p"])
    ),
    "(d) stacked logistic regression (6 signals)": stacked(),
    "(d) stacked, strongly regularised (C = 0.05)": stacked(c=0.05),
    "(d) stacked, + predicted category": stacked(per_category=True),
    "(d) stacked, + the parts' agreement": stacked(parts=True),
    "(f) the checker's probability, where ≥ 5 of 6 parts agree": fixed(
        lambda d: d["checker_p"] * (d.get("parts_agree", np.full(len(d["pred"]), np.nan)) >= 5)
    ),
    "(f) the checker's probability, where ≥ 4 of 6 parts agree": fixed(
        lambda d: d["checker_p"] * (d.get("parts_agree", np.full(len(d["pred"]), np.nan)) >= 4)
    ),
    "(e) per-category thresholds on the checker's probability": per_category(lambda d: d["checker_p"]),
}


def score_rule(d: dict[str, np.ndarray], rule: Rule) -> dict[str, Any]:
    """Share dispatched and its accuracy, pooled over the folds and fold by fold."""
    if rule is None:
        return {}
    dispatched = np.zeros(len(d["labels"]), dtype=bool)
    fold_acc = []
    for f in np.unique(d["fold"]):
        test = np.flatnonzero(d["fold"] == f)
        train = np.flatnonzero(d["fold"] != f)
        chosen = rule(d, train, test)
        dispatched[test] = chosen
        fold_acc.append(float(d["correct"][test][chosen].mean()) if chosen.any() else float("nan"))
    n = int(dispatched.sum())
    return {
        "share": n / len(dispatched),
        "accuracy": float(d["correct"][dispatched].mean()) if n else float("nan"),
        "min_fold_accuracy": float(np.nanmin(fold_acc)),
        "folds_below_97": int(sum(a < 0.97 for a in fold_acc)),
    }


def compare(seeds: list[int]) -> None:
    """Every rule of :data:`RULES` on every seed's cache: a Markdown table and JSON."""
    data = {s: load_cache(s) for s in seeds}
    results = {name: {s: score_rule(data[s], rule) for s in seeds} for name, rule in RULES.items()}
    head = " | ".join(f"seed {s}: share / accuracy (worst fold)" for s in seeds)
    print(f"| rule | {head} | mean share (sd) / accuracy | folds < 97 % |")
    print("|---|" + "---|" * (len(seeds) + 2))
    for name, by_seed in results.items():
        cells = " | ".join(
            f"{r['share']:.1%} / {r['accuracy']:.1%} ({r['min_fold_accuracy']:.1%})" for r in by_seed.values()
        )
        shares = np.array([r["share"] for r in by_seed.values()])
        accs = np.array([r["accuracy"] for r in by_seed.values()])
        below = sum(r["folds_below_97"] for r in by_seed.values())
        print(
            f"| {name} | {cells} | {shares.mean():.1%} ({shares.std(ddof=1) if len(shares) > 1 else 0:.1%})"
            f" / {accs.mean():.1%} | {below} |"
        )
    print(json.dumps(results))


SCORES: dict[str, Callable[[dict[str, np.ndarray]], np.ndarray]] = {
    "checker's probability (today)": lambda d: d["checker_p"],
    "ridge's own probability": lambda d: d["ridge_p"],
    "the lower of the two": lambda d: np.minimum(d["checker_p"], d["ridge_p"]),
    "mean of the two logits": lambda d: _logit(d["checker_p"]) + _logit(d["ridge_p"]),
    "checker's decision margin": lambda d: d["checker_margin"],
    "checker's probability margin": lambda d: d["checker_p_margin"],
    "parts agreeing (+ checker's probability)": lambda d: d["parts_agree"] + d["checker_p"],
}


def hindsight(seeds: list[int]) -> None:
    """How well each plain score ranks right answers above wrong ones (ROC AUC), and the share
    its threshold would dispatch if chosen on the very rows it is scored on (a ceiling: no rule
    built on the score dispatches more at the same bound)."""
    from sklearn.metrics import roc_auc_score

    print("| score | " + " | ".join(f"seed {s}: AUC, share in hindsight" for s in seeds) + " |")
    print("|---|" + "---|" * len(seeds))
    data = {s: load_cache(s) for s in seeds}
    for name, score in SCORES.items():
        cells = []
        for s in seeds:
            d = data[s]
            if name.startswith("parts") and "parts_agree" not in d:
                cells.append("—")
                continue
            x = score(d)
            chosen = x >= _threshold(d, np.arange(len(x)), x)
            cells.append(
                f"{roc_auc_score(d['correct'], x):.3f}, {chosen.mean():.1%} / {d['correct'][chosen].mean():.1%}"
            )
        print(f"| {name} | " + " | ".join(cells) + " |")
    for s in seeds:
        d = data[s]
        n = round(0.8 * len(d["labels"]))
        allowed = max(w for w in range(n) if ev.wilson_lower_bound(n - w, n, ev.CONFIDENCE_LEVEL) >= 0.97)
        top = np.argsort(-d["checker_p"], kind="stable")[:n]
        print(
            f"seed {s}: 80 % is {n} messages, of which at most {allowed} may be wrong; the checker's "
            f"{n} most confident hold {int(n - d['correct'][top].sum())} wrong"
        )


def labels(seeds: list[int]) -> None:
    """Macro-F1 of labels combined from both models' out-of-fold signals (a multinomial logistic
    regression fitted on the other folds; averages), beside the ridge's own labels."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    for s in seeds:
        d = load_cache(s)
        y, classes = d["labels"], d["classes"]
        found = {"ridge (shipped)": f1_score(y, d["predicted"], average="macro")}
        found["checker"] = f1_score(y, classes[d["checker_proba"].argmax(axis=1)], average="macro")
        mix = 0.7 * d["ridge_proba"] + 0.3 * d["checker_proba"]
        found["0.7 ridge + 0.3 checker probabilities"] = f1_score(
            y, classes[mix.argmax(axis=1)], average="macro"
        )
        x = np.column_stack([d["ridge_decision"], d["checker_decision"]])
        for c in (0.1, 1.0):
            predicted = np.empty(len(y), dtype=object)
            for f in np.unique(d["fold"]):
                train, test = d["fold"] != f, d["fold"] == f
                model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))
                predicted[test] = model.fit(x[train], y[train]).predict(x[test])
            found[f"stacked on both models' 14 decision values, C = {c}"] = f1_score(
                y, predicted.astype(str), average="macro"
            )
        print(
            json.dumps({"seed": s, **{k: round(float(v), 4) for k, v in found.items()}}, ensure_ascii=False)
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_cache = sub.add_parser("cache")
    p_cache.add_argument("--seed", type=int, required=True)
    p_compare = sub.add_parser("compare")
    p_compare.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    for command in ("hindsight", "labels"):
        sub.add_parser(command).add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    if args.command == "cache":
        cache(args.seed)
    else:
        {"compare": compare, "hindsight": hindsight, "labels": labels}[args.command](args.seeds)
