"""The single-message path: one message's features and probabilities without scikit-learn's
per-call checks, equal to its ``transform`` and ``predict_proba`` (tests hold them equal).

scikit-learn stays the reference: training, batch prediction and evaluation are its own calls,
and a model whose parts this path does not follow is served by ``transform`` (see
:class:`FeatureTable`). Routing *one* message is another matter: scikit-learn's input checks
(≈ 0.4 ms per vectoriser) cost more than the arithmetic, so the fitted vocabularies, idf, weights
and sigmoid calibrators are read directly (docs/routing.md, "Latency").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer

_LENGTH_MIX: Final = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio)


def _hashes(terms: list[str]) -> np.ndarray:
    """64-bit keys of ``terms``: Python's string hash, with the length mixed in (computed in C)."""
    hashes = np.fromiter(map(hash, terms), dtype=np.int64, count=len(terms)).view(np.uint64)
    lengths = np.fromiter(map(len, terms), dtype=np.uint64, count=len(terms))
    return (hashes ^ (lengths * _LENGTH_MIX)).view(np.int64)


_PAIR_MIX: Final = np.uint64(0xC2B2AE3D27D4EB4F)  # another odd 64-bit constant
_SLOT_MIX: Final = np.uint64(0xD6E8FEB86659FD93)  # and one more, for table slots
#: Table slots per vocabulary term (rounded up to a power of two): 2 spills ≈ 17 % of the terms
#: aside for 32 MB with the 12345 model; 4 spills 9 % for 64 MB and was no faster (docs/routing.md).
_SLOTS_PER_TERM: Final = 2
_EMPTY_SLOT: Final = -0x5A5A5A5A5A5A5A5A  # the key of an empty slot, unless a term has it


def _pair_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Keys of word pairs ("拖欠 工资") from the keys of their two words, without making the strings."""
    return ((first.view(np.uint64) * _PAIR_MIX) ^ second.view(np.uint64)).view(np.int64)


def word_keys(words_list: list[str], lo: int, hi: int) -> np.ndarray:
    """Keys of the words (``lo == 1``) and word pairs (``hi == 2``) of a list of words."""
    words = _hashes(words_list)
    parts = [words] if lo <= 1 else []
    if hi >= 2 and len(words) > 1:
        parts.append(_pair_keys(words[:-1], words[1:]))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def word_term_keys(terms: list[str]) -> np.ndarray:
    """The :func:`word_keys` key of each vocabulary term (a word, or two words and a space)."""
    split = [term.split(" ") for term in terms]
    if any(len(parts) > 2 or not all(parts) for parts in split):
        raise ValueError("terms of one or two words only")
    keys = _hashes([parts[0] for parts in split])
    pairs = np.flatnonzero([len(parts) == 2 for parts in split])
    if len(pairs):
        keys[pairs] = _pair_keys(keys[pairs], _hashes([split[i][1] for i in pairs]))
    return keys


class HashedVocabulary:
    """A fitted vocabulary as 64-bit keys in a direct-mapped table, for one message's n-grams.

    Looking thousands of n-grams up one by one in a 600,000-entry dictionary is a cache miss each
    (≈ 0.5 µs): the long messages' worst case. Here a message's n-gram keys are computed in C and
    found with a few vectorised gathers: each key's slot (a multiplicative hash into a table of at
    least two slots per term) names one term, whose key is compared; the terms that found their
    slot taken (≈ 17 %) are kept sorted aside and searched only for keys whose slot spilled.
    Built in memory at first use (≈ 0.2 s), never saved.

    Keys come in two kinds. Character n-grams of up to three characters get *exact* keys (see
    :func:`char_ngram_keys`), computed straight from the text's code points without making the
    n-gram strings at all. Other terms (words, word pairs) get Python's string hash with the length
    mixed in (Python hashes a string's stored bytes, so "戳", two bytes in UCS-2, and "3b" hash
    alike): a false match with an unknown term is not a practical concern (≈ 10⁻¹⁰ per message),
    and the vocabulary's own keys are checked for clashes on build.
    """

    __slots__ = ("_shift", "_size", "_spill_columns", "_spill_keys", "_table")

    def __init__(self, keys: np.ndarray, columns: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        keys, columns = keys[order], columns[order].astype(np.int64)
        if len(keys) > 1 and bool((keys[1:] == keys[:-1]).any()):
            raise ValueError("hash clash in vocabulary")  # caller falls back to the dictionary
        self._size = len(keys)
        bits = max(4, (_SLOTS_PER_TERM * len(keys) - 1).bit_length())
        self._shift = np.uint64(64 - bits)
        slots = self._slots(keys)
        positions = np.arange(len(keys))
        owner = np.full(1 << bits, -1, dtype=np.int64)
        owner[slots] = positions  # where terms share a slot, one of them gets it ...
        spilled = owner[slots] != positions  # ... and the others are kept aside, sorted
        self._spill_keys = keys[spilled]
        self._spill_columns = columns[spilled]
        # One row per slot, its owner's key and column side by side: one cache line per look-up.
        # An empty slot holds a key no term has; a slot whose other terms were kept aside holds
        # its owner's column complemented (negative).
        empty = _EMPTY_SLOT
        while len(keys) and bool((keys == empty).any()):
            empty += 1
        table = np.empty((1 << bits, 2), dtype=np.int64)
        table[:, 0] = empty
        table[:, 1] = 0
        taken = owner >= 0
        table[taken, 0] = keys[owner[taken]]
        table[taken, 1] = columns[owner[taken]]
        shared = slots[spilled]
        table[shared, 1] = ~table[shared, 1]
        self._table = table

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.view(np.uint64) * _SLOT_MIX) >> self._shift).astype(np.intp)

    def count_keys(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Feature columns of the known ``keys`` (sorted) and how often each occurs."""
        if not len(keys) or not self._size:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        slots = self._slots(keys)
        rows = self._table.take(slots, axis=0)
        hit = rows[:, 0] == keys
        field = rows[:, 1]
        found = field[hit]
        found = np.where(found < 0, ~found, found)
        if len(self._spill_keys):
            aside = ~hit & (field < 0)
            if aside.any():
                wanted = keys[aside]
                place = np.searchsorted(self._spill_keys, wanted)
                place[place == len(self._spill_keys)] = 0
                known = self._spill_keys.take(place) == wanted
                found = np.concatenate([found, self._spill_columns.take(place[known])])
        return np.unique(found, return_counts=True)  # type: ignore[no-any-return]


def _columns(vocabulary: dict[str, int], terms: list[str]) -> np.ndarray:
    return np.fromiter(map(vocabulary.__getitem__, terms), dtype=np.int64, count=len(terms))


#: Bits per character in an exact n-gram key: every code point, plus one, fits in 21 bits.
_CODE_BITS: Final = 21
#: Longest character n-gram with an exact key (3 × 21 = 63 bits, within a signed 64-bit integer).
_MAX_EXACT_N: Final = 3
_WHITE_SPACES: Final = re.compile(r"\s\s+")  # scikit-learn's char analyser folds runs of white space


def char_ngram_keys(text: str, lo: int, hi: int) -> np.ndarray:
    """Exact keys of all character n-grams of ``text`` with ``lo ≤ n ≤ hi ≤ 3``.

    The key of an n-gram is its code points plus one, 21 bits each, first character lowest: two
    n-grams share a key only if they are the same string, so no look-up can be wrong. The same
    n-grams, in the same number, as scikit-learn's ``analyzer="char"`` (a test holds them equal).
    """
    codes = np.frombuffer(_WHITE_SPACES.sub(" ", text).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.astype(np.int64) + 1
    parts = []
    for n in range(lo, hi + 1):
        m = len(codes) - n + 1
        if m <= 0:
            break
        key = codes[:m].copy()
        for j in range(1, n):
            key |= codes[j : j + m] << (_CODE_BITS * j)
        parts.append(key)
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def term_keys(terms: list[str]) -> np.ndarray:
    """The :func:`char_ngram_keys` key of each term (each one to three characters long)."""
    keys = np.empty(len(terms), dtype=np.int64)
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
    if len(terms) and (lengths.min() < 1 or lengths.max() > _MAX_EXACT_N):
        raise ValueError("terms of 1 to 3 characters only")
    for n in range(1, _MAX_EXACT_N + 1):
        chosen = np.flatnonzero(lengths == n)
        if not len(chosen):
            continue
        joined = "".join(terms[i] for i in chosen)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64) + 1
        codes = codes.reshape(len(chosen), n)
        key = codes[:, 0].copy()
        for j in range(1, n):
            key |= codes[:, j] << (_CODE_BITS * j)
        keys[chosen] = key
    return keys


def _exact_char_ngrams(vectoriser: TfidfVectorizer) -> bool:
    """Whether ``vectoriser`` makes plain character n-grams that :func:`char_ngram_keys` reproduces."""
    return (
        vectoriser.analyzer == "char"
        and vectoriser.ngram_range[0] >= 1
        and vectoriser.ngram_range[1] <= _MAX_EXACT_N
        and vectoriser.input == "content"
        and vectoriser.preprocessor is None
        and not vectoriser.lowercase
        and vectoriser.strip_accents is None
    )


def _plain_words(vectoriser: TfidfVectorizer) -> bool:
    """Whether ``vectoriser`` takes the words of space-separated text and pairs them, as
    :func:`word_keys` does (``token_pattern=r"\\S+"``, nothing else done to them)."""
    return (
        vectoriser.analyzer == "word"
        and vectoriser.token_pattern == r"\S+"
        and vectoriser.tokenizer is None
        and vectoriser.stop_words is None
        and vectoriser.ngram_range[0] >= 1
        and vectoriser.ngram_range[1] <= 2
        and vectoriser.input == "content"
        and vectoriser.preprocessor is None
        and not vectoriser.lowercase
        and vectoriser.strip_accents is None
    )


def _vocabulary_keys(vectoriser: TfidfVectorizer, chars: bool) -> tuple[np.ndarray, np.ndarray]:
    """The keys of the vectoriser's terms (exact for character n-grams, from the words' hashes
    for words and pairs) and their columns."""
    terms = list(vectoriser.vocabulary_)
    keys = term_keys(terms) if chars else word_term_keys(terms)
    return keys, _columns(vectoriser.vocabulary_, terms)


def _plain_tfidf(vectoriser: TfidfVectorizer) -> bool:
    """Whether ``vectoriser``'s values are what :func:`_scale_counts` makes of the counts."""
    return not vectoriser.binary and bool(vectoriser.use_idf) and vectoriser.norm == "l2"


def _scale_counts(values: np.ndarray, vectoriser: TfidfVectorizer, idf: np.ndarray, weight: float) -> None:
    """Turn one row's term counts into ``weight`` × its tf-idf values, in place: the optionally
    sublinear tf, times the idf, l2-normalised (what ``transform`` does for one row)."""
    if vectoriser.sublinear_tf:
        np.log(values, out=values)
        values += 1.0
    values *= idf
    values *= weight / np.sqrt(np.dot(values, values))


#: Mixed into each part's keys so that one table holds all three parts' vocabularies: exact
#: character keys are positive, so the head's (sign bit flipped) cannot meet the whole text's.
_PART_TAGS: Final = (0, -(2**63), 0x2545F4914F6CDD1D)


class FeatureTable:
    """All parts of the feature union (whole text, head, words) in one vocabulary table.

    One look-up per message instead of one per part: the per-call cost of the few dozen numpy
    operations a look-up takes is paid once. Holds only models whose every part it follows (exact
    character n-grams or plain words, tf-idf with an l2 norm), as :mod:`hotline.classifier.model`
    trains them; it refuses any other (``ValueError``), which scikit-learn's ``transform`` serves.
    """

    __slots__ = ("_bounds", "_idf", "_parts", "_table")

    def __init__(self, features: ColumnTransformer) -> None:
        weights = features.transformer_weights or {}
        keys, columns, idf, bounds, parts = [], [], [], [0], []
        for (name, vectoriser, column), tag in zip(features.transformers_, _PART_TAGS, strict=False):
            if not isinstance(vectoriser, TfidfVectorizer) or not _plain_tfidf(vectoriser):
                raise ValueError("not a plain tf-idf part")
            chars = _exact_char_ngrams(vectoriser)
            if not chars and not _plain_words(vectoriser):
                raise ValueError("a part the fast path does not follow")
            part_keys, part_columns = _vocabulary_keys(vectoriser, chars)
            keys.append(part_keys ^ np.int64(tag))
            columns.append(part_columns + bounds[-1])
            idf.append(vectoriser.idf_.astype(np.float64))
            bounds.append(bounds[-1] + len(vectoriser.idf_))
            parts.append((chars, vectoriser, column, float(weights.get(name, 1.0)), tag))
        if len(parts) != len(features.transformers_):
            raise ValueError("more parts than tags")
        self._table = HashedVocabulary(np.concatenate(keys), np.concatenate(columns))
        self._idf = np.concatenate(idf)
        self._bounds = np.array(bounds)
        self._parts = parts

    @property
    def n_features(self) -> int:
        return int(self._bounds[-1])

    def features(self, columns: tuple[str, str, list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Columns (sorted) and values of the union's row for the three input columns (the whole
        text, its head, its words: a list, which the words' part takes as it is)."""
        keys = []
        for chars, vectoriser, column, _weight, tag in self._parts:
            value = columns[column]
            if chars:
                text = value if isinstance(value, str) else " ".join(value)
                part_keys = char_ngram_keys(text, *vectoriser.ngram_range)
            else:
                words = value.split() if isinstance(value, str) else value
                part_keys = word_keys(words, *vectoriser.ngram_range)
            keys.append(part_keys ^ np.int64(tag))
        found, counts = self._table.count_keys(np.concatenate(keys))
        values = counts.astype(np.float64)
        starts = np.searchsorted(found, self._bounds)
        for (_chars, vectoriser, _column, weight, _tag), start, end in zip(
            self._parts, starts[:-1], starts[1:], strict=True
        ):
            if start == end:
                continue
            # a view: scaled in place
            _scale_counts(values[start:end], vectoriser, self._idf.take(found[start:end]), weight)
        return found, values


@dataclass(frozen=True, slots=True)
class Features:
    """One message's feature row: its columns (sorted) and their values.

    What a one-row CSR matrix holds, without scipy's checks on construction (≈ 0.1 ms): routing
    reads the columns and values directly; :meth:`to_csr` gives the matrix where one is needed.
    """

    indices: np.ndarray
    data: np.ndarray
    n_features: int

    @property
    def nnz(self) -> int:
        return len(self.indices)

    def to_csr(self) -> sparse.csr_matrix:
        return sparse.csr_matrix(
            (self.data, self.indices, np.array([0, len(self.indices)])), shape=(1, self.n_features)
        )


def calibrated_proba_one(model: CalibratedClassifierCV, x: Features, rows: np.ndarray) -> np.ndarray:
    """``model.predict_proba(x)[0]`` for one message whose features' weights are ``rows``.

    Only the message's own features are read: ``x @ coef_.T`` would copy the whole (C-ordered)
    weight matrix. Falls back to scikit-learn for settings this path does not follow.
    """
    calibrated = model.calibrated_classifiers_[0]
    n_classes = len(calibrated.estimator.classes_)
    if calibrated.method != "sigmoid" or n_classes < 3:
        return model.predict_proba(x.to_csr())[0]  # type: ignore[no-any-return]
    scores = x.data.astype(np.float64) @ rows + calibrated.estimator.intercept_
    proba = np.array(
        [expit(-(cal.a_ * score + cal.b_)) for cal, score in zip(calibrated.calibrators, scores, strict=True)]
    )
    total = proba.sum()
    proba = proba / total if total > 0 else np.full(n_classes, 1 / n_classes)
    proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
    return proba
