"""Terms for full-text search: what a Chinese query must find, on any text, without a crash."""

from __future__ import annotations

from hotline.search import tokens


def test_a_two_character_query_is_a_term_of_a_longer_text() -> None:
    assert "路灯" in tokens.terms("路灯不亮了")
    assert set(tokens.query_terms("路灯")) == {"路灯"}


def test_words_longer_than_two_characters_come_from_the_segmenter() -> None:
    found = tokens.terms("社会保险卡怎么补办")
    assert "社会保险" in found and "补办" in found


def test_traditional_and_full_width_text_fold_to_simplified_half_width() -> None:
    assert tokens.query_terms("路燈") == ["路灯"]
    assert "app" in tokens.terms("ＡＰＰ打不开")


def test_single_characters_only_when_asked_or_when_alone() -> None:
    assert "灯" not in tokens.terms("路灯不亮")
    assert "灯" in tokens.terms("路灯不亮", unigrams=True)
    assert tokens.query_terms("灯") == ["灯"]


def test_english_words_without_stop_words() -> None:
    assert tokens.query_terms("The street light is broken") == ["street", "light", "broken"]


def test_no_terms_in_empty_punctuation_or_emoji() -> None:
    for text in (None, "", "   ", "！？。，……", "🙂🙂🔥"):
        assert tokens.query_terms(text) == []


def test_a_very_long_text_is_read_up_to_a_bound() -> None:
    huge = "路灯不亮" * 25_000  # 100,000 characters
    found = tokens.terms(huge)
    assert found["路灯"] == tokens.MAX_CHARS // 4
    assert len(tokens.query_terms(huge)) <= 5


def test_similarity_of_messages_about_one_problem_beats_unrelated_ones() -> None:
    a = tokens.char_ngrams("金鱼路一带停电两个小时了")
    b = tokens.char_ngrams("金鱼路停电了，什么时候来电")
    c = tokens.char_ngrams("孩子上小学报名需要什么材料")
    assert tokens.cosine(a, b) > 0.2 > tokens.cosine(a, c)
    assert tokens.cosine(a, a) == 1.0 or abs(tokens.cosine(a, a) - 1.0) < 1e-9
    assert tokens.cosine(a, tokens.char_ngrams("")) == 0.0
