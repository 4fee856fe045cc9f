"""Near-copies: a segmented copy of a test message never trains its fold; other messages do."""

from __future__ import annotations

import pytest

from hotline.classifier import evaluation as ev
from hotline.classifier import leakage
from hotline.classifier import model as clf
from tests.classifier.conftest import TINY

RAW = "A市月湖大市场小区传销打击要立案判刑！听闻A市月湖大市场传销人员众多，我们安排了人进去明察暗访。"
# the shared data's larger file: jieba words, stopwords and punctuation removed, no spaces
SEGMENTED = "市月湖大市场小区传销打击立案判刑听闻市月湖大市场传销人员众多安排人进去明察暗访"
# same topic and label, another message
NEIGHBOUR = "B市某小区最近来了很多搞传销的人，天天开会洗脑，请公安部门尽快查处。"


def test_comparison_key_drops_what_the_segmented_form_lacks() -> None:
    assert leakage.comparison_key("我们安排了人，进去明察暗访！") == "安排人进去明察暗访"
    assert leakage.comparison_key("……") == ""


def test_a_segmented_copy_is_a_near_copy_and_a_topical_neighbour_is_not() -> None:
    pairs = leakage.containments([RAW], [SEGMENTED, NEIGHBOUR]).toarray()[0]
    assert pairs[0] >= 0.8
    assert pairs[1] < leakage.MIN_CONTAINMENT
    assert leakage.near_copies([RAW, NEIGHBOUR], [NEIGHBOUR, SEGMENTED]) == [{1}, {0}]
    assert list(leakage.best_containment([RAW, "完全无关的内容"], [SEGMENTED])) == [pairs[0], 0.0]


def test_short_categorical_texts_must_be_nearly_identical() -> None:
    queries = ["Noise - Residential\nLoud Music/Party"]
    pool = ["Noise - Residential\nBanging/Pounding", "NOISE - RESIDENTIAL\nLoud Music / Party"]
    assert leakage.near_copies(queries, pool) == [{1}]


def test_a_planted_copy_never_trains_the_fold_that_tests_its_message() -> None:
    texts = [t for t, _ in TINY] + [RAW]
    labels = [y for _, y in TINY] + ["劳动和社会保障"]  # a label with enough rows to be scored
    copy = "小区路灯坏很久人修晚上出行很不安全"  # TINY[0], segmented and stopword-free
    other = "路灯不亮已经一个月了，居民晚上回家看不清路，请城管部门来修一修"
    train_only = ([copy, SEGMENTED, other], ["城乡建设", "劳动和社会保障", "城乡建设"])
    trained_on: list[list[str]] = []

    def spy(train_texts: list[str], train_labels: list[str], unlabelled: list[str]) -> clf.TextClassifier:
        trained_on.append(train_texts)
        return clf.train(train_texts, train_labels)

    result = ev.cross_validate(spy, texts, labels, train_only=train_only, folds=2, seed=3)
    assert len(trained_on) == 2
    for fold, (seen, report) in enumerate(zip(trained_on, result.folds, strict=True), start=1):
        tested = {texts[i] for i, f in enumerate(result.fold_of) if f == fold}
        planted = {c for c, m in ((copy, texts[0]), (SEGMENTED, RAW)) if m in tested}
        assert not planted & set(seen)  # the copy of a test message is not trained on
        assert {copy, SEGMENTED} - planted <= set(seen)  # the copy of a trained message is
        assert other in seen  # a different message on the same topic always trains
        assert report["removed_near_copies"]["train_only"] == len(planted)
    assert result.excluded_near_duplicates >= 2


@pytest.mark.parametrize("pool", [[], [""]])
def test_nothing_to_compare_links_nothing(pool: list[str]) -> None:
    assert leakage.near_copies(["小区路灯坏了"], pool) == [set()]
