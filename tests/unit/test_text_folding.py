"""The one folding of text that the classifier and search share (``hotline.text``)."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.classifier.text import NormalisedText, normalise
from hotline.search import tokens
from hotline.text import fold, nfkc

_COMPATIBLE = "，！？：；（）\u3000\xa0…Ａ１①㎡ﬁ℃e\u0301\u0301\u0327臺"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_COMPATIBLE) | st.characters(), max_size=60))
def test_the_quick_nfkc_is_unicode_s_nfkc(text: str) -> None:
    """Replacing the common full-width marks first never changes what NFKC gives."""
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_the_quick_nfkc_folds_full_width_punctuation() -> None:
    assert nfkc("路灯，坏了！（ＡＢ）　…") == "路灯,坏了!(AB) ..."


def test_search_and_the_classifier_fold_a_message_alike() -> None:
    """A traditional, full-width message reaches the index and the model in one simplified form."""
    message = "學校門口ＡＰＰ路燈壞了"
    assert fold(message) == "学校门口app路灯坏了"
    assert tokens.fold(message) == fold(message)
    normalised = normalise(message)
    assert isinstance(normalised, NormalisedText)
    assert normalised.text == fold(message)


def test_a_lone_surrogate_is_dropped_by_search_too() -> None:
    """JSON lets a client send "\\ud800"; searching for it must not crash OpenCC."""
    assert tokens.query_terms("路燈\ud800壞了") == ["路灯", "灯坏", "坏了"]
