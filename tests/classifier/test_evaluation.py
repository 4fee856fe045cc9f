"""Evaluation: auto-dispatch figures, threshold choice, and cross-validation that does not leak."""

from __future__ import annotations

import pytest

from hotline.classifier import evaluation as ev
from hotline.classifier import model as clf
from tests.classifier.conftest import TINY


def test_auto_dispatch_share_and_accuracy_by_hand() -> None:
    truth = ["a", "a", "b", "b", "c"]
    predicted = ["a", "b", "b", "b", None]
    confidence = [0.95, 0.91, 0.99, 0.40, 0.0]
    figures = ev.auto_dispatch(truth, predicted, confidence, threshold=0.9)
    assert figures == {"threshold": 0.9, "share": 0.6, "accuracy": round(2 / 3, 4)}


def test_nobody_dispatched_means_no_accuracy() -> None:
    figures = ev.auto_dispatch(["a"], ["a"], [0.2], threshold=0.9)
    assert figures["share"] == 0.0
    assert figures["accuracy"] is None


def test_choose_threshold_keeps_the_largest_share_that_is_accurate_enough() -> None:
    # ten messages, most confident first; the 8th is the first wrong one, the 10th also wrong
    confidence = [0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.90]
    truth = ["a"] * 10
    predicted = ["a"] * 7 + ["b", "a", "b"]
    # top 7 are 100 % right; top 9 are 8/9 = 88.9 %; with target 0.85 the top 9 qualify
    # at confidence level 0.5 the rule asks the accuracy itself to reach the target
    choose = ev.choose_threshold
    assert choose(truth, predicted, confidence, target_accuracy=0.85, confidence_level=0.5) == pytest.approx(
        0.91
    )
    assert choose(truth, predicted, confidence, target_accuracy=0.97, confidence_level=0.5) == pytest.approx(
        0.93
    )


def test_the_default_threshold_asks_the_accuracy_to_reach_the_target_with_margin() -> None:
    # 2,000 messages, most confident first: the first 1,000 are 99 % right, the next 1,000 95 %
    confidence = [1 - i / 2000 for i in range(2000)]
    truth = ["a"] * 2000
    predicted = [
        "b" if (i < 1000 and i % 100 == 99) or (i >= 1000 and i % 20 == 19) else "a" for i in range(2000)
    ]
    point = ev.choose_threshold(truth, predicted, confidence, target_accuracy=0.97, confidence_level=0.5)
    assert ev.auto_dispatch(truth, predicted, confidence, point) == {
        "threshold": 0.0005,
        "share": 1.0,
        "accuracy": 0.97,
    }
    # 97 % of 2,000 does not show 97 % with 95 % confidence: fewer go, and what goes does
    safe = ev.choose_threshold(truth, predicted, confidence, target_accuracy=0.97)
    dispatched = ev.auto_dispatch(truth, predicted, confidence, safe)
    assert 0.5 < dispatched["share"] < 1.0
    n = round(dispatched["share"] * 2000)
    assert ev.wilson_lower_bound(round(dispatched["accuracy"] * n), n, 0.95) >= 0.97


def test_choose_threshold_above_everything_when_even_the_best_are_wrong() -> None:
    threshold = ev.choose_threshold(["a", "a"], ["b", "a"], [0.9, 0.5], target_accuracy=0.97)
    assert threshold > 0.9
    assert ev.auto_dispatch(["a"], ["b"], [1.0], ev.choose_threshold(["a"], ["b"], [1.0]))["share"] == 0.0
    assert ev.auto_dispatch(["a", "a"], ["b", "a"], [0.9, 0.5], threshold)["share"] == 0.0


def test_metrics_count_unclassified_messages_as_wrong() -> None:
    report = ev.classification_metrics(["a", "b", "b"], ["a", None, "b"])
    assert report["n"] == 3
    assert report["accuracy"] == round(2 / 3, 4)
    assert report["per_label"]["b"]["recall"] == 0.5
    assert set(report["per_label"]["a"]) == {"precision", "recall", "f1", "support"}


def test_segmented_copy_of_a_message_is_its_near_duplicate() -> None:
    raw = "A市月湖大市场小区传销打击要立案判刑！听闻A市月湖大市场传销人员众多，我们安排了人进去明察暗访。"
    segmented = "市月湖大市场小区传销打击立案判刑听闻市月湖大市场传销人员众多安排人进去明察暗访"
    other = "A7县星沙镇的学校食堂饭菜质量太差了，孩子们都吃不饱，希望教育局管一管。"
    links = ev.near_duplicate_links([raw, other], [other, segmented])
    assert links[0] == {1}
    assert links[1] == {0}


def test_cross_validation_never_trains_on_a_copy_of_a_test_message() -> None:
    texts = [t for t, _ in TINY]
    labels = [y for _, y in TINY]
    # segmented copies of every message, as in the shared data's larger file
    copies = [t.replace("，", " ") + " 谢谢" for t in texts]
    seen_in_training: list[set[str]] = []

    def spy(train_texts: list[str], train_labels: list[str], unlabelled: list[str]) -> clf.TextClassifier:
        seen_in_training.append(set(train_texts) | set(unlabelled))
        return clf.train(train_texts, train_labels)

    result = ev.cross_validate(spy, texts, labels, train_only=(copies, labels), unlabelled=copies, folds=2)
    assert len(seen_in_training) == 2
    for fold, seen in enumerate(seen_in_training, start=1):
        tested = [i for i, f in enumerate(result.fold_of) if f == fold]
        for i in tested:
            assert texts[i] not in seen
            assert copies[i] not in seen
    assert result.excluded_near_duplicates >= len(texts) * 2
    report = ev.crossval_report(result)
    assert report["n"] == len(texts)
    assert len(report["folds"]) == 2
    assert {"threshold", "share", "accuracy"} <= set(report["auto_dispatch"])


def test_evaluate_reports_everything_the_cli_prints(tiny_model: clf.TextClassifier) -> None:
    texts = ["学校食堂饭菜质量差", "工厂废气污染", "", "公交车甩站"]
    labels = ["教育文体", "环境保护", "城乡建设", "交通运输"]
    report = ev.evaluate(tiny_model, texts, labels)
    assert report["n"] == 4
    assert report["per_label"]["城乡建设"]["recall"] == 0.0  # the empty one cannot be right
    assert set(report["auto_dispatch"]) == {"threshold", "share", "accuracy"}
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p99"]


def test_the_checker_helps_only_when_its_confidence_dispatches_more() -> None:
    truth = ["a"] * 8 + ["b"] * 2
    predicted = ["a"] * 8 + ["a"] * 2  # the last two are wrong
    ranks_right = [0.9] * 8 + [0.1, 0.1]  # wrong answers least sure: all 8 right ones go at once
    ranks_wrong = [0.5] * 8 + [0.99, 0.98]  # wrong answers most sure: nothing can go at once
    cv = ev.CrossValidation(truth, list(predicted), ranks_right, own_confidence=ranks_wrong)
    verdict = ev.checker_helps(cv, target_accuracy=0.97, confidence_level=0.5)
    assert verdict["helps"] is True
    assert verdict["checker"]["share"] == 0.8 and verdict["own"]["share"] == 0.0
    swapped = ev.CrossValidation(truth, list(predicted), ranks_wrong, own_confidence=ranks_right)
    assert ev.checker_helps(swapped, target_accuracy=0.97, confidence_level=0.5)["helps"] is False
