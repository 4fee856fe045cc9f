"""Normalisation of message text before classification.

Citizens write in simplified or traditional Chinese, in full-width or half-width characters, with
scraping padding, emoji and sometimes in English. Part of the training data is also jieba-segmented
with stopwords and punctuation removed. Both kinds must reach the model in one shape, so that what
it learnt from segmented rows applies to raw messages:

* :func:`hotline.text.fold` (shared with search): NFKC folds full-width letters, digits and
  punctuation to half-width, letters are lower-cased, OpenCC (``t2s``) turns traditional
  characters into simplified ones;
* punctuation, symbols, emoji and whitespace are dropped, keeping a single
  space only between two ASCII letters or digits (the convention of the segmented file).

Bad input never raises: :func:`normalise` returns :class:`NothingToClassify` with a stable code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from hotline.text import fold

#: Longest text (in characters, after normalisation) that reaches the model. Messages are a few
#: hundred characters; the head of a longer one says what it is about, and the cap bounds latency.
MAX_CHARS: Final = 1000

#: Raw input beyond this many characters is cut before any work is done (bounds the cost of
#: NFKC/OpenCC on a 100,000-character paste).
_RAW_CAP: Final = MAX_CHARS * 2

# Anything that is not a letter, a digit or a CJK character separates tokens.
_SEPARATOR_RUN: Final = (
    r"[^0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]+"
)
# A run of separators between two ASCII letters or digits becomes one space: first a mark (a
# private-use character, itself a separator) ...
_SPACE_MARK: Final = "\ue000"
_BETWEEN_ASCII = re.compile(rf"(?<=[0-9a-z]){_SEPARATOR_RUN}(?=[0-9a-z])")
# ... then every other run goes.
_UNMARKED = re.compile(_SEPARATOR_RUN.replace("]+", _SPACE_MARK + "]+"))
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class NothingToClassify:
    """The input has no words to classify; ``code`` is stable for programs, ``message`` is for people."""

    code: str
    message: str


#: Stable codes of :class:`NothingToClassify`.
EMPTY: Final = "empty"
NO_WORDS: Final = "no_words"

_MESSAGES: Final = {
    EMPTY: "诉求内容为空，无法分类。(The message is empty: nothing to classify.)",
    NO_WORDS: "诉求内容只有标点、符号或表情，无法分类。"
    "(The message has only punctuation, symbols or emoji: nothing to classify.)",
}


def nothing(code: str) -> NothingToClassify:
    """The :class:`NothingToClassify` outcome for ``code`` with its bilingual message."""
    return NothingToClassify(code=code, message=_MESSAGES[code])


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """Text ready for the model, and what was done to it."""

    text: str
    truncated: bool
    original_length: int

    @property
    def is_chinese(self) -> bool:
        """True when the text holds at least one CJK character."""
        return _CJK.search(self.text) is not None


def _close_up(text: str) -> str:
    """Separators dropped, but for one space between two ASCII letters or digits ("wi fi信号").

    Substitutions in C rather than a loop over the tokens in Python (≈ 0.1 ms for a long
    message); a property test holds them equal to gluing the tokens.
    """
    if _SPACE_MARK in text:  # the text's own: a separator like any other
        text = text.replace(_SPACE_MARK, " ")
    return _UNMARKED.sub("", _BETWEEN_ASCII.sub(_SPACE_MARK, text)).replace(_SPACE_MARK, " ")


def normalise(text: str | None, max_chars: int = MAX_CHARS) -> NormalisedText | NothingToClassify:
    """The model's form of ``text``, or why there is nothing to classify.

    Never raises on any string (or ``None``): empty text, emoji, 100,000 characters, traditional
    Chinese and English all get an answer.
    """
    if text is None:
        return nothing(EMPTY)
    original_length = len(text)
    if not text[:_RAW_CAP].strip():
        return nothing(EMPTY)
    # A long message is first normalised in part: when that already gives more than the cap (with
    # a margin, since NFKC and OpenCC may read a few characters ahead), the rest cannot change
    # what reaches the model, and NFKC/OpenCC on 2,000 characters cost ≈ 0.3 ms.
    first = max_chars + max_chars // 4
    joined = _fold(text[:first]) if original_length > first else None
    if joined is None or len(joined) < max_chars + _MARGIN:
        joined = _fold(text[:_RAW_CAP])
    if not joined:
        return nothing(NO_WORDS)
    truncated = len(joined) > max_chars or original_length > _RAW_CAP
    return NormalisedText(text=joined[:max_chars], truncated=truncated, original_length=original_length)


#: Normalised characters beyond the cap that make a partial normalisation safe to use.
_MARGIN: Final = 16


def _fold(raw: str) -> str:
    """NFKC, lower case, simplified characters, tokens joined (see the module's docstring)."""
    return _close_up(fold(raw))
