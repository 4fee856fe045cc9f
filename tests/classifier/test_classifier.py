"""The classifier on a tiny hand-written dataset: suggestions, reasons, bad input, model files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.classifier import fastpath
from hotline.classifier import model as clf
from hotline.classifier.text import EMPTY, NO_WORDS, NormalisedText, normalise
from tests.classifier.conftest import TINY


def test_suggests_the_right_category_first(tiny_model: clf.TextClassifier) -> None:
    assert tiny_model.suggest("我家小区门口的路灯坏了")[0].label == "城乡建设"
    assert tiny_model.suggest("孩子在学校吃不饱饭")[0].label == "教育文体"
    assert tiny_model.suggest("公司半年不发工资")[0].label == "劳动和社会保障"


def test_suggestions_are_ranked_and_k_long(tiny_model: clf.TextClassifier) -> None:
    suggestions = tiny_model.suggest("河水被工厂污染了", k=3)
    assert len(suggestions) == 3
    assert suggestions[0].label == "环境保护"
    confidences = [s.confidence for s in suggestions]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert len({s.label for s in suggestions}) == 3


def test_every_suggestion_says_why_with_terms_of_the_message(tiny_model: clf.TextClassifier) -> None:
    message = "出租车司机拒载"
    top = tiny_model.suggest(message)[0]
    assert top.label == "交通运输"
    assert top.reasons, "the top suggestion must name the terms that chose it"
    for reason in top.reasons:
        assert reason.term in message
        assert reason.weight > 0
    assert "出租车" in top.explain() or "拒载" in top.explain()


def test_traditional_chinese_is_routed_like_simplified(tiny_model: clf.TextClassifier) -> None:
    simplified = tiny_model.suggest("学校食堂饭菜质量差")[0]
    traditional = tiny_model.suggest("學校食堂飯菜質量差")[0]
    assert traditional.label == simplified.label == "教育文体"
    assert traditional.confidence == pytest.approx(simplified.confidence)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", EMPTY),
        (None, EMPTY),
        ("😀😀😀！！", NO_WORDS),
        ("My street light is broken", clf.UNSUPPORTED_LANGUAGE),
    ],
)
def test_bad_input_gets_a_clear_answer_and_no_dispatch(
    tiny_model: clf.TextClassifier, text: str | None, code: str
) -> None:
    result = tiny_model.route(text)
    assert result.nothing is not None
    assert result.nothing.code == code
    assert result.suggestions == ()
    assert not result.auto_dispatch
    assert tiny_model.suggest(text) == []


def test_unknown_characters_are_routed_by_hand(tiny_model: clf.TextClassifier) -> None:
    result = tiny_model.route("鑫淼犇")  # none of these characters occurs in the training data
    assert result.nothing is not None
    assert result.nothing.code == clf.UNKNOWN_WORDS


def test_a_hundred_thousand_characters_are_routed(tiny_model: clf.TextClassifier) -> None:
    result = tiny_model.route("学校食堂饭菜质量差。" * 10_000)
    assert result.truncated
    assert result.top is not None
    assert result.top.label == "教育文体"


def test_auto_dispatch_follows_the_threshold(tiny_model: clf.TextClassifier) -> None:
    result = tiny_model.route("学校食堂饭菜质量差，孩子吃不饱")
    assert result.top is not None
    assert result.auto_dispatch == (result.top.confidence >= tiny_model.auto_dispatch_threshold)


def test_english_model_routes_new_york_311_text() -> None:
    rows = [
        ("Noise - Residential Loud Music/Party", "NYPD"),
        ("Noise - Street/Sidewalk Loud Talking", "NYPD"),
        ("Illegal Parking Blocked Hydrant", "NYPD"),
        ("Blocked Driveway No Access", "NYPD"),
        ("HEAT/HOT WATER ENTIRE BUILDING", "HPD"),
        ("PLUMBING WATER SUPPLY", "HPD"),
        ("PAINT/PLASTER WALL", "HPD"),
        ("UNSANITARY CONDITION PESTS", "HPD"),
        ("Street Light Condition Street Light Out", "DOT"),
        ("Street Condition Pothole", "DOT"),
        ("Traffic Signal Condition Controller", "DOT"),
        ("Broken Parking Meter No Receipt", "DOT"),
    ]
    model = clf.train([t for t, _ in rows] * 2, [y for _, y in rows] * 2)
    assert not model.chinese
    assert model.suggest("loud party music next door")[0].label == "NYPD"
    assert model.suggest("no heat and no hot water in apartment")[0].label == "HPD"
    assert model.suggest("pothole in the street")[0].label == "DOT"


def test_training_needs_two_categories() -> None:
    with pytest.raises(ValueError, match="two categories"):
        clf.train(["路灯坏了", "路灯不亮"], ["城乡建设", "城乡建设"])


def test_a_model_of_two_categories_routes_each_with_its_reasons() -> None:
    # A centre's own first model (retrained from its closed tickets) may know two categories only;
    # the classifier then keeps one weight vector, and both categories must still be explained.
    places = ("东门", "西门", "南门", "北门", "中门", "上门")
    texts = [f"{w}停电了，什么时候来电" for w in places] + [f"{w}停水了，水龙头没水" for w in places]
    model = clf.train(texts, ["供电"] * 6 + ["供水"] * 6)
    for text, label, term in (("小区停电了", "供电", "停电"), ("小区停水了", "供水", "停水")):
        top = model.route(text, k=2).suggestions[0]
        assert top.label == label and term in top.explain()


def test_save_and_load_round_trip(tiny_model: clf.TextClassifier, tmp_path: Path) -> None:
    path = tiny_model.save(tmp_path)
    assert path.is_relative_to(tmp_path.resolve())
    loaded = clf.load(tmp_path)
    assert loaded.labels == tiny_model.labels
    assert loaded.auto_dispatch_threshold == tiny_model.auto_dispatch_threshold
    message = "公交车司机态度恶劣"
    before, after = tiny_model.suggest(message), loaded.suggest(message)
    assert [s.label for s in after] == [s.label for s in before]
    assert after[0].confidence == pytest.approx(before[0].confidence)
    assert after[0].reasons == before[0].reasons


def test_refuses_a_model_outside_the_data_directory(tiny_model: clf.TextClassifier, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    outside = tiny_model.save(elsewhere)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with pytest.raises(clf.ModelError, match="outside the data"):
        clf.load(data_dir, path=outside)
    with pytest.raises(clf.ModelError, match="outside the data"):
        clf.load(data_dir, path=data_dir / ".." / "elsewhere" / clf.MODEL_SUBDIR / clf.MODEL_FILE)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_refuses_a_symlink_that_leads_outside(tiny_model: clf.TextClassifier, tmp_path: Path) -> None:
    outside = tiny_model.save(tmp_path / "elsewhere")
    data_dir = tmp_path / "data"
    (data_dir / clf.MODEL_SUBDIR).mkdir(parents=True)
    (data_dir / clf.MODEL_SUBDIR / clf.MODEL_FILE).symlink_to(outside)
    with pytest.raises(clf.ModelError, match="outside the data"):
        clf.load(data_dir)


def test_missing_model_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(clf.ModelError, match="routing train"):
        clf.load(tmp_path)


def test_refuses_a_model_file_with_untrusted_content(tmp_path: Path) -> None:
    import skops.io as sio

    folder = tmp_path / clf.MODEL_SUBDIR
    folder.mkdir()
    sio.dump({"payload": os.getcwd}, folder / clf.MODEL_FILE)
    with pytest.raises(clf.ModelError, match="Untrusted"):
        clf.load(tmp_path)


def test_a_first_slice_linear_svm_model_is_refused_with_a_word_to_retrain(tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    pipeline = clf.build_pipeline(min_df=1)
    pipeline.set_params(clf=CalibratedClassifierCV(LinearSVC(C=0.5), cv=2, ensemble=False))
    pipeline.fit(clf.to_columns([t for t, _ in TINY]), [y for _, y in TINY])
    folder = tmp_path / clf.MODEL_SUBDIR
    folder.mkdir()
    sio.dump(pipeline, folder / clf.MODEL_FILE)
    with pytest.raises(clf.ModelError, match=r"LinearSVC.*retrain it with `hotline routing train`"):
        clf.load(tmp_path)


def test_fast_single_message_path_matches_scikit_learn(tiny_model: clf.TextClassifier) -> None:
    features = tiny_model.pipeline.named_steps["features"]
    for message in [
        "学校食堂饭菜质量差",
        "河水被污染",
        "公司拖欠工资",
        "路灯坏了" * 20,
        "Wi-Fi 学校 鑫淼 食堂 2019年",
    ]:
        x = tiny_model._features_one(message)
        expected_x = features.transform(clf.to_columns([message]))
        assert x.to_csr().shape == expected_x.shape
        assert abs(x.to_csr() - expected_x).max() < 1e-6
        expected = tiny_model.pipeline.named_steps["clf"].predict_proba(expected_x)[0]
        assert tiny_model._proba_one(x) == pytest.approx(expected, abs=1e-6)
        assert tiny_model.checker is not None
        checked = tiny_model.checker.predict_proba(expected_x)[0]
        assert tiny_model._checked_proba_one(x) == pytest.approx(checked, abs=1e-6)


def test_a_model_the_one_table_does_not_follow_is_served_by_scikit_learn(
    tiny_model: clf.TextClassifier,
) -> None:
    """The one vocabulary table and its fallback (scikit-learn's transform) agree, feature for feature."""
    message = "学校食堂饭菜质量差，Wi-Fi 鑫淼 戳 3b gb" * 5
    one_table = tiny_model._features_one(message).to_csr()
    assert tiny_model._table is not None  # the model's parts are all on the fast path
    try:
        tiny_model._table, tiny_model._no_table = None, True
        plain = tiny_model._features_one(message).to_csr()
    finally:
        tiny_model._no_table = False
    assert one_table.nnz > 0
    assert abs(one_table - plain).max() < 1e-6
    assert one_table.indices.tolist() == plain.indices.tolist()


def test_a_saved_model_routes_as_before_after_routing(tiny_model: clf.TextClassifier, tmp_path: Path) -> None:
    """The fast path's in-memory caches are neither written nor lost when a used model is saved."""
    before = tiny_model.route("幼儿园乱收费")
    tiny_model.save(tmp_path)
    again = tiny_model.route("幼儿园乱收费")
    loaded = clf.load(tmp_path).route("幼儿园乱收费")
    assert [(s.label, s.confidence) for s in again.suggestions] == [
        (s.label, s.confidence) for s in before.suggestions
    ]
    assert [s.label for s in loaded.suggestions] == [s.label for s in before.suggestions]
    assert [s.confidence for s in loaded.suggestions] == pytest.approx(
        [s.confidence for s in before.suggestions]
    )


def test_model_file_stays_small(tiny_model: clf.TextClassifier, tmp_path: Path) -> None:
    path = tiny_model.save(tmp_path)
    assert path.stat().st_size < 1_000_000
    for _name, vectoriser, _column in tiny_model.pipeline.named_steps["features"].transformers_:
        assert not hasattr(vectoriser, "stop_words_")


def test_a_category_with_one_example_is_left_out_and_listed() -> None:
    from tests.classifier.conftest import TINY

    texts = [t for t, _ in TINY] * 2 + ["消防通道被私家车堵死"]
    labels = [y for _, y in TINY] * 2 + ["应急管理"]
    model = clf.train(texts, labels)
    assert "应急管理" not in model.labels
    assert model.meta["skipped_rare_labels"] == ["应急管理"]


def test_missing_vocabulary_file_is_a_clear_error(tiny_model: clf.TextClassifier, tmp_path: Path) -> None:
    tiny_model.save(tmp_path)
    (tmp_path / clf.MODEL_SUBDIR / clf.VOCABULARY_FILE).unlink()
    with pytest.raises(clf.ModelError, match="vocabulary"):
        clf.load(tmp_path)


@pytest.mark.parametrize(
    "text",
    ["路灯坏了", "a", "", "ab  c\n\td", "戳 3b gb", "😀路灯😀", "\U0010ffff\U0001f600x", "工资" * 300],
)
def test_exact_character_keys_are_the_n_grams_scikit_learn_makes(text: str) -> None:
    """Keys straight from code points stand for the same n-grams, as many times, as the analyser's."""
    from collections import Counter

    from sklearn.feature_extraction.text import TfidfVectorizer

    analyse = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False).build_analyzer()
    grams = analyse(text)
    assert Counter(fastpath.term_keys(grams).tolist()) == Counter(
        fastpath.char_ngram_keys(text, 1, 3).tolist()
    )
    assert len(set(fastpath.term_keys(sorted(set(grams))).tolist())) == len(set(grams))  # no two alike


def test_suggestions_keep_the_model_s_order_and_show_the_checker_s_confidence(
    tiny_model: clf.TextClassifier,
) -> None:
    message = "学校食堂饭菜质量差，孩子吃了拉肚子"
    result = tiny_model.route(message, k=3)
    normalised = normalise(message)
    assert isinstance(normalised, NormalisedText)
    x = tiny_model.pipeline.named_steps["features"].transform(clf.to_columns([normalised.text]))
    labelled = tiny_model.pipeline.named_steps["clf"].predict_proba(x)[0]
    assert tiny_model.checker is not None
    checked = tiny_model.checker.predict_proba(x)[0]
    order = [tiny_model.labels[i] for i in np.argsort(-labelled)[:3]]
    assert [s.label for s in result.suggestions] == order
    for s in result.suggestions:
        assert s.confidence == pytest.approx(checked[tiny_model.labels.index(s.label)], abs=1e-6)
    assert result.auto_dispatch == (result.suggestions[0].confidence >= tiny_model.auto_dispatch_threshold)
    labels, confidences = tiny_model.predict_many([message])
    assert labels == [order[0]]
    assert confidences[0] == pytest.approx(result.suggestions[0].confidence, abs=1e-6)


def test_a_saved_model_keeps_its_checker_and_refuses_to_load_without_it(
    tiny_model: clf.TextClassifier, tmp_path: Path
) -> None:
    tiny_model.save(tmp_path)
    loaded = clf.load(tmp_path)
    assert loaded.checker is not None
    message = "河水被污染，鱼都死了"
    assert [s.confidence for s in loaded.route(message).suggestions] == pytest.approx(
        [s.confidence for s in tiny_model.route(message).suggestions]
    )
    (tmp_path / clf.MODEL_SUBDIR / clf.CHECKER_FILE).unlink()
    with pytest.raises(clf.ModelError, match="checker"):
        clf.load(tmp_path)


def test_a_model_without_checker_routes_with_its_own_confidences() -> None:
    texts = [t for t, _ in TINY] * 2
    labels = [y for _, y in TINY] * 2
    model = clf.train(texts, labels, threshold=0.5, checker_model=False)
    assert model.checker is None
    result = model.route("学校食堂饭菜质量差")
    x = model.pipeline.named_steps["features"].transform(clf.to_columns(["学校食堂饭菜质量差"]))
    expected = model.pipeline.named_steps["clf"].predict_proba(x)[0].max()
    assert result.suggestions[0].confidence == pytest.approx(float(expected), abs=1e-6)


@pytest.mark.parametrize("text", ["拖欠 工资 三个月", "a", "", "路灯  不亮\n了 路灯 不亮", "工资 " * 300])
def test_word_keys_are_the_words_and_pairs_scikit_learn_makes(text: str) -> None:
    """Keys of words and pairs from the words' hashes stand for the analyser's terms, as many times."""
    from collections import Counter

    from sklearn.feature_extraction.text import TfidfVectorizer

    analyse = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), lowercase=False).build_analyzer()
    terms = analyse(text)
    assert Counter(fastpath.word_term_keys(terms).tolist()) == Counter(
        fastpath.word_keys(text.split(), 1, 2).tolist()
    )
    assert len(set(fastpath.word_term_keys(sorted(set(terms))).tolist())) == len(set(terms))


def test_the_vocabulary_table_finds_every_term_even_where_terms_share_a_slot() -> None:
    """Known keys are counted, whether they own their slot or were kept aside; unknown keys are not."""
    from collections import Counter

    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(-(2**62), 2**62, size=20_000))
    columns = rng.permutation(len(keys)).astype(np.int64)
    table = fastpath.HashedVocabulary(keys, columns)
    assert len(table._spill_keys) > 0  # some terms share a slot: the search aside is exercised
    known = np.concatenate([table._spill_keys[:50], keys[:200], keys[:7]])  # repeats count
    unknown = rng.integers(-(2**62), 2**62, size=300)
    unknown = unknown[~np.isin(unknown, keys)]
    wanted = rng.permutation(np.concatenate([known, unknown]))
    found, counts = table.count_keys(wanted)
    column_of = dict(zip(keys.tolist(), columns.tolist(), strict=True))
    expected = Counter(column_of[k] for k in known.tolist())
    assert dict(zip(found.tolist(), counts.tolist(), strict=True)) == expected
    assert found.tolist() == sorted(found.tolist())
    assert table.count_keys(unknown)[0].size == 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("路灯不亮了拖欠工资wifi4g \n\t\u3000")), max_size=80))
def test_segmenting_closes_up_white_space_as_dropping_its_tokens_would(text: str) -> None:
    import rjieba

    tokens = [t for t in rjieba.cut(text, hmm=False) if not t.isspace()]
    assert clf.words_of(text) == tokens
    assert clf.segment(text).split(" ") == (tokens or [""])


def test_warming_builds_the_routing_tables_and_changes_no_answer(
    tiny_model: clf.TextClassifier, tmp_path: Path
) -> None:
    tiny_model.save(tmp_path)
    cold = clf.load(tmp_path)
    assert cold._table is None and cold._terms is None
    cold.warm()
    assert cold._table is not None and cold._terms is not None
    message = "学校食堂饭菜质量差"
    assert cold.route(message) == tiny_model.route(message)


def test_a_model_saved_before_the_classifier_was_its_own_package_loads_and_routes_alike(
    tiny_model: clf.TextClassifier, tmp_path: Path
) -> None:
    """Files whose checker names its type at the old place (hotline.routing.nbridge) need no retraining."""
    import zipfile

    tiny_model.save(tmp_path)
    checker = tmp_path / clf.MODEL_SUBDIR / clf.CHECKER_FILE
    with zipfile.ZipFile(checker) as source:
        members = {item.filename: source.read(item) for item in source.infolist()}
    schema = members["schema.json"].decode()
    assert '"hotline.classifier.nbridge"' in schema
    members["schema.json"] = schema.replace(
        '"hotline.classifier.nbridge"', '"hotline.routing.nbridge"'
    ).encode()
    with zipfile.ZipFile(checker, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    loaded = clf.load(tmp_path)
    message = "河水被污染，鱼都死了"
    assert loaded.route(message) == tiny_model.route(message)
