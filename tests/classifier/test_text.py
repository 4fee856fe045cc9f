"""Normalisation: every kind of bad input gets a clear answer, never an exception."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.classifier.text import (
    _RAW_CAP,
    _SEPARATOR_RUN,
    EMPTY,
    MAX_CHARS,
    NO_WORDS,
    NormalisedText,
    NothingToClassify,
    _close_up,
    _fold,
    normalise,
)


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t\t\t\n", "\u3000\u3000"])
def test_empty_text_is_nothing_to_classify(text: str | None) -> None:
    result = normalise(text)
    assert isinstance(result, NothingToClassify)
    assert result.code == EMPTY
    assert "空" in result.message and "empty" in result.message


@pytest.mark.parametrize("text", ["！！！？？？", "😀😂🎉", "……——~~~", "👍👍 ！！ 😡", "(*^_^*)"])
def test_punctuation_or_emoji_only_is_nothing_to_classify(text: str) -> None:
    result = normalise(text)
    assert isinstance(result, NothingToClassify)
    assert result.code == NO_WORDS


def test_hundred_thousand_characters_are_capped_quickly() -> None:
    text = "小区路灯坏了，" * 15_000  # 105,000 characters
    start = time.perf_counter()
    result = normalise(text)
    elapsed = time.perf_counter() - start
    assert isinstance(result, NormalisedText)
    assert result.truncated
    assert len(result.text) <= MAX_CHARS
    assert result.original_length == len(text)
    assert elapsed < 0.5


def test_traditional_chinese_becomes_simplified() -> None:
    traditional = normalise("學校門口的馬路燈壞了，請儘快維修")
    simplified = normalise("学校门口的马路灯坏了，请尽快维修")
    assert isinstance(traditional, NormalisedText)
    assert isinstance(simplified, NormalisedText)
    assert traditional.text == simplified.text == "学校门口的马路灯坏了请尽快维修"


def test_full_width_letters_and_digits_become_half_width_lower_case() -> None:
    result = normalise("Ａ市１２３路ＢＵＳ站")
    assert isinstance(result, NormalisedText)
    assert result.text == "a市123路bus站"


def test_segmentation_spaces_and_punctuation_vanish_so_raw_and_segmented_agree() -> None:
    raw = normalise("A市小区路灯坏了，晚上很黑！")
    segmented = normalise("A市 小区 路灯 坏了 晚上 很 黑")
    assert isinstance(raw, NormalisedText)
    assert isinstance(segmented, NormalisedText)
    assert raw.text == segmented.text


def test_english_keeps_one_space_between_words() -> None:
    result = normalise("  Loud   music, PARTY!  Blocked driveway ")
    assert isinstance(result, NormalisedText)
    assert result.text == "loud music party blocked driveway"
    assert not result.is_chinese


def test_mixed_script_keeps_no_space_between_chinese_and_latin() -> None:
    result = normalise("Wi-Fi 信号 差 4G 也 差")
    assert isinstance(result, NormalisedText)
    assert result.text == "wi fi信号差4g也差"
    assert result.is_chinese


_PIECES = [
    "路灯",
    "不亮",
    "了，",
    "臺灣",
    "後來",
    "Ａｂｃ",
    " ",
    "  ",
    "x",
    "12",
    "。",
    "😀",
    "ﬁ",
    "⑩",
    "e\u0301",
    "\n",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=300, max_size=1500))
def test_a_long_message_normalised_in_part_gives_what_the_whole_gives(pieces: list[str]) -> None:
    """The partial first pass over a long message changes nothing that reaches the model."""
    text = "".join(pieces)
    whole = _fold(text[:_RAW_CAP])
    result = normalise(text)
    if not whole:
        assert isinstance(result, NothingToClassify)
        return
    assert isinstance(result, NormalisedText)
    assert result.text == whole[:MAX_CHARS]
    assert result.truncated == (len(whole) > MAX_CHARS or len(text) > _RAW_CAP)


def test_a_lone_surrogate_is_dropped_not_a_crash() -> None:
    """JSON lets a client send "\\ud800"; it is no character and must not break routing."""
    result = normalise("路灯\ud800坏了")
    assert isinstance(result, NormalisedText)
    assert result.text == "路灯坏了"
    assert isinstance(normalise("\udfff\ud800"), NothingToClassify)


def _glue_tokens(text: str) -> str:
    """The plain statement of closing up: split at separators, glue the tokens, with one space
    between two that meet with ASCII letters or digits."""
    import re

    ascii_alnum = re.compile(r"[0-9a-z]")
    tokens = [t for t in re.split(_SEPARATOR_RUN, text) if t]
    out: list[str] = []
    for token in tokens:
        if out and ascii_alnum.fullmatch(out[-1][-1]) and ascii_alnum.fullmatch(token[0]):
            out.append(" ")
        out.append(token)
    return "".join(out)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab9z路灯é,. \n-_😀ßя\ue000")), max_size=40))
def test_closing_up_is_gluing_the_tokens(text: str) -> None:
    assert _close_up(text) == _glue_tokens(text)


def test_closing_up_keeps_one_space_only_between_ascii_words() -> None:
    assert _close_up(" wi-fi , 信号 差!! 4g , lte ") == "wi fi信号差4g lte"
