"""Terms of a text for the full-text index: the same function for documents and for queries.

Chinese has no spaces, and a word segmenter alone misses what people type ("路灯不亮了" is cut
into 路 / 灯不亮 / 了), so every run of Chinese characters gives its character **bigrams** (a query
"路灯" then finds "路灯不亮了"), plus the **longer words** (3+ characters) of rjieba's search-mode
segmentation ("社会保险", "中华人民共和国"), which rank whole words above chance bigrams. Short
documents (the knowledge base) also index **single characters**, so a one-character query works.
Text is folded first by the folding shared with the classifier (:mod:`hotline.text`): NFKC
(full-width → half-width), lower case, traditional → simplified (OpenCC), so "路燈" finds "路灯" and
"ＡＰＰ" finds "app".
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

import rjieba

from hotline import text as text_folding

#: Longest term kept (the index column's width); longer "words" are URLs or noise.
MAX_TERM: Final = 64

#: Longest stretch of (folded) text that is read: bounds the cost of a 100,000-character paste.
MAX_CHARS: Final = 20_000

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+|[\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+")

#: English words too common to help ranking (BM25 would weigh them near zero anyway).
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "there",
        "this",
        "to",
        "was",
        "we",
        "were",
        "with",
    ]
)


def fold(text: str, max_chars: int = MAX_CHARS) -> str:
    """NFKC, lower case, simplified Chinese (:func:`hotline.text.fold`); cut at ``max_chars``."""
    return text_folding.fold(text[: max_chars * 2], max_chars)


def terms(text: str | None, *, unigrams: bool = False, max_chars: int = MAX_CHARS) -> Counter[str]:
    """The text's terms and how often each occurs.

    ``unigrams`` adds single Chinese characters (for short documents). A run of one Chinese
    character always gives that character, so a one-character query still has a term.
    """
    found: Counter[str] = Counter()
    if not text:
        return found
    folded = fold(text, max_chars)
    for run in _CJK_RUN.findall(folded):
        if len(run) == 1 or unigrams:
            found.update(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
        if len(run) >= 3:
            found.update(w for w in rjieba.cut_for_search(run) if len(w) >= 3)
    found.update(w for w in _WORD.findall(folded) if w not in _STOP and len(w) <= MAX_TERM)
    return found


def query_terms(text: str | None, max_chars: int = 500) -> list[str]:
    """Distinct terms of a query, in order of appearance (a long message is read from its head)."""
    return list(dict.fromkeys(terms(text, max_chars=max_chars)))


def char_ngrams(text: str | None, max_chars: int = 2_000) -> Counter[str]:
    """Character bigrams of the folded text (ASCII words whole): the vector compared by
    :func:`cosine` to tell how alike two messages are. Bigrams, not single characters: common
    characters (的, 了, 我) would make any two Chinese messages look alike."""
    found: Counter[str] = Counter()
    if not text:
        return found
    folded = fold(text, max_chars)
    for run in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+", folded):
        if run.isascii():
            found[run] += 1
            continue
        if len(run) == 1:
            found[run] += 1
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def cosine(a: Counter[str], b: Counter[str]) -> float:
    """Cosine similarity of two term-count vectors (0 when either is empty)."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b[t] for t, count in a.items() if t in b)
    if not dot:
        return 0.0
    norm = (sum(c * c for c in a.values()) * sum(c * c for c in b.values())) ** 0.5
    return float(dot / norm)
