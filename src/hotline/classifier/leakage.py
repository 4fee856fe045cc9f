"""Near-copies between messages: what cross-validation must keep out of a fold's training.

The shared 12345 data hold most labelled raw messages a second time, jieba-segmented with stopwords
and punctuation removed (``messages_labelled_more.csv``). A fold that trains on such a copy of its
test message scores a message it has already seen. Two texts are compared here as sets of
character bigrams of a *comparison key*: the normalised text (:func:`hotline.classifier.text.normalise`:
no punctuation, no spaces) without :data:`STOP_CHARACTERS`, so that the raw side loses what the
segmented side lost. Their **containment** is the number of shared bigrams over the larger of the
two sets (the weaker of the two directions, ``min(|A∩B|/|A|, |A∩B|/|B|)``): a long message does not
contain a short unrelated one by chance, and a copy must cover both ways.

On the shared data (docs/routing.md, ``bench/routing_leakage.py``) every raw message that has a
copy in the larger file has it at containment ≥ 0.40 (most 0.55–0.85), no raw message's best match
lies between 0.25 and 0.40, and unrelated messages on the same topic stay below 0.25 save a thin
tail of re-posts of the same complaint in other words (0.20–0.45). :data:`MIN_CONTAINMENT` = 0.25 sits
in that gap. Only numpy, scipy and the normalisation are used, so the test can run anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import numpy as np
import scipy.sparse as sp

from hotline.classifier.text import NothingToClassify, normalise

#: Characters at least four times as frequent in the raw messages as in the segmented file
#: (particles, pronouns, conjunctions: what the segmented file's stopword list removed), measured on
#: the shared data. Dropped from both sides before comparing.
STOP_CHARACTERS: Final = frozenset("吗又的但都他也们什且么把了我与和将被让按那并而没如就还其是等样你")

#: Two texts are near-copies at or above this containment (see the module's docstring).
MIN_CONTAINMENT: Final = 0.25

#: Below this many characters (of the comparison key) two texts without Chinese are near-copies
#: only when nearly identical: short categorical texts (a 311 complaint type and descriptor) share
#: most bigrams without being the same request. Short Chinese messages are not: their segmented
#: copies score 0.56–0.9 on the shared data, like long ones.
SHORT_TEXT: Final = 40
SHORT_TEXT_CONTAINMENT: Final = 0.9

_STOP_TABLE: Final = {ord(c): None for c in STOP_CHARACTERS}
_CJK: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def comparison_key(text: str) -> str:
    """``text`` as compared for near-copies: normalised, without spaces and stop characters."""
    result = normalise(text)
    if isinstance(result, NothingToClassify):
        return ""
    return result.text.replace(" ", "").translate(_STOP_TABLE)


def _bigram_codes(key: str) -> np.ndarray:
    """The distinct character bigrams of ``key`` as int64 codes (two 21-bit code points)."""
    if len(key) < 2:
        return np.empty(0, dtype=np.int64)
    points = np.frombuffer(key.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return np.unique((points[:-1] << 21) | points[1:])


def _incidence(codes: list[np.ndarray], columns: np.ndarray) -> sp.csr_matrix:
    """A 0/1 matrix, one row per text, one column per bigram of ``columns`` (sorted); bigrams
    outside ``columns`` are left out (they cannot be shared)."""
    flat = np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(codes)), [len(c) for c in codes])
    pos = np.searchsorted(columns, flat)
    found = pos < len(columns)
    found[found] = columns[pos[found]] == flat[found]
    data = np.ones(int(found.sum()), dtype=np.float32)
    return sp.csr_matrix((data, (rows[found], pos[found])), shape=(len(codes), len(columns)))


def _pairs(
    queries: Sequence[str], pool: Sequence[str], floor: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (query, pool text) pair whose containment is at least ``floor``: query indices, pool
    indices, containments, and whether the pair involves a short text without Chinese.

    One sparse product of two bigram incidence matrices, in blocks of queries to bound memory
    (nearly every pair of Chinese messages shares some bigram).
    """
    keys_q = [comparison_key(t) for t in queries]
    keys_p = [comparison_key(t) for t in pool]
    codes_q = [_bigram_codes(k) for k in keys_q]
    codes_p = [_bigram_codes(k) for k in keys_p]
    columns = np.unique(np.concatenate(codes_p)) if codes_p else np.empty(0, dtype=np.int64)
    pool_t = _incidence(codes_p, columns).T.tocsc()
    size_q = np.array([len(c) for c in codes_q], dtype=np.float64)
    size_p = np.array([len(c) for c in codes_p], dtype=np.float64)
    # a short text without Chinese: its length, else "long"
    length_q = np.array([SHORT_TEXT if _CJK.search(k) else len(k) for k in keys_q])
    length_p = np.array([SHORT_TEXT if _CJK.search(k) else len(k) for k in keys_p])
    found: list[tuple[np.ndarray, ...]] = []
    for start in range(0, len(codes_q), _BLOCK):
        shared = (_incidence(codes_q[start : start + _BLOCK], columns) @ pool_t).tocoo()
        rows = shared.row + start
        values = shared.data / np.maximum(np.maximum(size_q[rows], size_p[shared.col]), 1.0)
        keep = values >= floor
        rows, cols = rows[keep], shared.col[keep]
        short = np.minimum(length_q[rows], length_p[cols]) < SHORT_TEXT
        found.append((rows, cols, values[keep], short))
    if not found:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0), np.empty(0, dtype=bool)
    return tuple(np.concatenate(part) for part in zip(*found, strict=True))  # type: ignore[return-value]


#: Queries per sparse product in :func:`_pairs`.
_BLOCK: Final = 256


def containments(queries: Sequence[str], pool: Sequence[str]) -> sp.coo_matrix:
    """Containment of every (query, pool text) pair that shares a bigram, as a sparse matrix."""
    if not queries or not pool:
        return sp.coo_matrix((len(queries), len(pool)))
    rows, cols, values, _short = _pairs(queries, pool, 0.0)
    return sp.coo_matrix((values, (rows, cols)), shape=(len(queries), len(pool)))


def near_copies(
    queries: Sequence[str], pool: Sequence[str], min_containment: float = MIN_CONTAINMENT
) -> list[set[int]]:
    """For each query, the indices of ``pool`` texts that are near-copies of it."""
    links: list[set[int]] = [set() for _ in queries]
    if not queries or not pool:
        return links
    rows, cols, values, short = _pairs(queries, pool, min_containment)
    keep = values >= np.where(short, max(min_containment, SHORT_TEXT_CONTAINMENT), min_containment)
    for i, j in zip(rows[keep].tolist(), cols[keep].tolist(), strict=True):
        links[i].add(j)
    return links


def best_containment(queries: Sequence[str], pool: Sequence[str]) -> np.ndarray:
    """Each query's highest containment in ``pool`` (0 where it shares nothing): its best match."""
    best = np.zeros(len(queries))
    if queries and pool:
        rows, _cols, values, _short = _pairs(queries, pool, 0.0)
        np.maximum.at(best, rows, values)
    return best
