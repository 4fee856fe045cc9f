"""The statistical text classifier of routing: text in, ranked categories with reasons out.

The model is a scikit-learn pipeline (character n-gram and word TF-IDF → ridge classifier, with
probabilities calibrated by cross-validation) fed with text normalised by :mod:`hotline.routing.text`.
The same model works for English (New York 311).

Explainability: a linear model's score for a category is a sum over the message's n-grams, so
the n-grams that add most to the chosen category are the reasons shown to the operator.

Model files are written with skops (no pickle code execution on load) and loaded only from inside
the platform's data directory.
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any, Final

import numpy as np
import rjieba
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import Pipeline

from hotline.routing.nbridge import NBRidgeClassifier
from hotline.routing.text import NormalisedText, NothingToClassify, normalise

#: Folder under the platform's data directory that holds the routing model.
MODEL_SUBDIR: Final = "routing"
MODEL_FILE: Final = "text_classifier.skops"
META_FILE: Final = "text_classifier.json"
VOCABULARY_FILE: Final = "text_classifier_vocabulary.npz"
CHECKER_FILE: Final = "text_classifier_checker.skops"
FORMAT_VERSION: Final = 1

#: Used when a model is trained without a cross-validated threshold (e.g. on a tiny dataset):
#: high enough that a poorly known model sends nearly everything to the operator.
DEFAULT_THRESHOLD: Final = 0.9

#: How many of a message's strongest features are looked at to pick the reasons.
_REASON_CANDIDATES: Final = 80

UNSUPPORTED_LANGUAGE: Final = "unsupported_language"
UNKNOWN_WORDS: Final = "unknown_words"

#: Types that a routing model file may contain; anything else is refused on load.
_TRUSTED_TYPES: Final = [
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.linear_model._ridge.RidgeClassifier",
    "hotline.routing.nbridge.NBRidgeClassifier",
    "sklearn.svm._classes.LinearSVC",  # models of the first slice (format 1)
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.model_selection._split.StratifiedKFold",
    "numpy.float64",
    "numpy.int64",
    "builtins.slice",
]


class ModelError(RuntimeError):
    """A model cannot be loaded or saved (missing, outside the data directory, untrusted content)."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence for a suggestion: a term of the message and how much it weighed."""

    term: str
    weight: float


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A candidate category with a calibrated confidence and the terms that chose it.

    Suggestions come in the labelling model's order; the confidence is the checker's probability
    for the category where the model has one (:mod:`hotline.routing.nbridge`), so when the two
    disagree a lower suggestion can show the higher confidence — and nothing is dispatched at once.
    """

    label: str
    confidence: float
    reasons: tuple[Reason, ...] = ()

    def explain(self) -> str:
        """One sentence for the operator: why this category."""
        if not self.reasons:
            return f"{self.label}：没有突出的关键词。(no single term stands out)"
        terms = "、".join(f"“{r.term}”" for r in self.reasons)
        return f"{self.label}：文中出现 {terms}。(matched terms: {', '.join(r.term for r in self.reasons)})"


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """What the classifier says about one message.

    ``auto_dispatch`` is true when the top suggestion's confidence (the checker's, see
    :class:`Suggestion`) reaches the model's threshold (秒派); otherwise the suggestions go to the
    operator. ``nothing`` explains an empty answer.
    """

    suggestions: tuple[Suggestion, ...]
    auto_dispatch: bool
    threshold: float
    nothing: NothingToClassify | None = None
    truncated: bool = False

    @property
    def top(self) -> Suggestion | None:
        """The best suggestion, if any."""
        return self.suggestions[0] if self.suggestions else None


#: Characters at the start of a message read a second time as its "head": the title comes first
#: (留言主题 is about 19 characters, or a 311 complaint type) and says most about the category.
#: Cross-validation on the shared data: +1.8 points of macro-F1 and +5 points of auto-dispatched
#: share; 30 gave a larger confident share than 40 for 0.2 points less macro-F1 (docs/routing.md).
HEAD_CHARS: Final = 30

#: Weight of the whole-text character n-grams against the head and the words (1.0 each). The
#: n-grams of a long message outnumber its words; weighing them down a little gave a larger
#: confident share in cross-validation (docs/routing.md).
CHAR_WEIGHT: Final = 0.7


_WHITE_SPACE: Final = re.compile(r"\s")


def words_of(text: str) -> list[str]:
    """Words of a normalised text (rjieba: jieba's dictionary, in Rust, ≈ 0.03 ms)."""
    # jieba returns white space as tokens of their own; they are dropped in C, not token by token
    # in Python (a long message has 500 tokens), and only if the text has any (a normalised Chinese
    # text has a space only between two ASCII words).
    tokens: list[str] = rjieba.cut(text, hmm=False)
    return " ".join(tokens).split() if _WHITE_SPACE.search(text) else tokens


def segment(text: str) -> str:
    """Words of a normalised text, space-separated: the word part's input column."""
    return " ".join(words_of(text))


def to_columns(texts: Sequence[str], head_chars: int = HEAD_CHARS) -> np.ndarray:
    """Normalised texts as the pipeline's three input columns: whole text, its head, its words."""
    rows = np.empty((len(texts), 3), dtype=object)
    for i, text in enumerate(texts):
        rows[i, 0] = text
        rows[i, 1] = text[:head_chars]
        rows[i, 2] = segment(text)
    return rows


def _char_vectoriser(ngram_range: tuple[int, int], min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=ngram_range,
        min_df=min_df,
        sublinear_tf=True,
        lowercase=False,  # normalise() already folded case
        dtype=np.float32,
    )


def build_pipeline(
    c: float = 0.5,
    ngram_range: tuple[int, int] = (1, 3),
    min_df: int = 2,
    calibration_folds: int = 3,
) -> Pipeline:
    """An untrained pipeline: n-gram features → linear classifier with calibrated probabilities.

    Features, each TF-IDF: character n-grams of the whole text; the same of its head (see
    :data:`HEAD_CHARS`); and words (jieba's dictionary via rjieba) and word pairs ("拖欠 工资",
    "illegal parking"). The classifier is a ridge classifier (least squares on ±1 targets, one per
    category; ``alpha = 1 / (2 c)``, the usual correspondence with an SVM's C): on the shared data
    it beat a linear SVM by half a point of macro-F1 at the same cost (docs/routing.md).
    ``ensemble=False`` keeps one classifier trained on all rows (whose weights explain suggestions)
    and calibrates it on cross-validated decisions.
    """
    words = TfidfVectorizer(
        token_pattern=r"\S+",
        ngram_range=(1, 2),
        min_df=min_df,
        sublinear_tf=True,
        lowercase=False,
        dtype=np.float32,
    )
    parts = [
        ("char", _char_vectoriser(ngram_range, min_df), 0),
        ("head", _char_vectoriser(ngram_range, min_df), 1),
        ("word", words, 2),
    ]
    return Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    parts,
                    sparse_threshold=1.0,
                    transformer_weights={"char": CHAR_WEIGHT, "head": 1.0, "word": 1.0},
                ),
            ),
            (
                "clf",
                CalibratedClassifierCV(
                    RidgeClassifier(alpha=1.0 / (2.0 * c)), cv=calibration_folds, ensemble=False
                ),
            ),
        ]
    )


def _is_cjk_share(texts: Sequence[NormalisedText]) -> float:
    if not texts:
        return 0.0
    return sum(t.is_chinese for t in texts) / len(texts)


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


def _word_keys(doc: str, lo: int, hi: int) -> np.ndarray:
    """Keys of the words (``lo == 1``) and word pairs (``hi == 2``) of a space-separated text."""
    return _word_keys_of(doc.split(), lo, hi)


def _word_keys_of(words_list: list[str], lo: int, hi: int) -> np.ndarray:
    """Keys of the words (``lo == 1``) and word pairs (``hi == 2``) of a list of words."""
    words = _hashes(words_list)
    parts = [words] if lo <= 1 else []
    if hi >= 2 and len(words) > 1:
        parts.append(_pair_keys(words[:-1], words[1:]))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _word_term_keys(terms: list[str]) -> np.ndarray:
    """The :func:`_word_keys` key of each vocabulary term (a word, or two words and a space)."""
    split = [term.split(" ") for term in terms]
    if any(len(parts) > 2 or not all(parts) for parts in split):
        raise ValueError("terms of one or two words only")
    keys = _hashes([parts[0] for parts in split])
    pairs = np.flatnonzero([len(parts) == 2 for parts in split])
    if len(pairs):
        keys[pairs] = _pair_keys(keys[pairs], _hashes([split[i][1] for i in pairs]))
    return keys


class _HashedVocabulary:
    """A fitted vocabulary as 64-bit keys in a direct-mapped table, for one message's n-grams.

    Looking thousands of n-grams up one by one in a 600,000-entry dictionary is a cache miss each
    (≈ 0.5 µs): the long messages' worst case. Here a message's n-gram keys are computed in C and
    found with a few vectorised gathers: each key's slot (a multiplicative hash into a table of at
    least two slots per term) names one term, whose key is compared; the terms that found their
    slot taken (≈ 17 %) are kept sorted aside and searched only for keys whose slot spilled.
    Built in memory at first use (≈ 0.2 s), never saved. (Before: one binary search over the
    sorted keys, ≈ 1.4× slower for a long message.)

    Keys come in two kinds. Character n-grams of up to three characters get *exact* keys (see
    :func:`_char_ngram_keys`), computed straight from the text's code points without making the
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

    def count(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Feature columns of the known ``terms`` (sorted) and how often each occurs."""
        return self.count_keys(_hashes(terms))

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


def _char_ngram_keys(text: str, lo: int, hi: int) -> np.ndarray:
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


def _term_keys(terms: list[str]) -> np.ndarray:
    """The :func:`_char_ngram_keys` key of each term (each one to three characters long)."""
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
    """Whether ``vectoriser`` makes plain character n-grams that :func:`_char_ngram_keys` reproduces."""
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
    :func:`_word_keys` does (``token_pattern=r"\\S+"``, nothing else done to them)."""
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


def _vocabulary_keys(vectoriser: TfidfVectorizer) -> tuple[np.ndarray, np.ndarray]:
    """The keys of the vectoriser's terms (exact for character n-grams, from the words' hashes
    for words and pairs, else the terms' hashes) and their columns."""
    terms = list(vectoriser.vocabulary_)
    if _exact_char_ngrams(vectoriser):
        keys = _term_keys(terms)
    elif _plain_words(vectoriser):
        keys = _word_term_keys(terms)
    else:
        keys = _hashes(terms)
    return keys, _columns(vectoriser.vocabulary_, terms)


def _lookup(vectoriser: TfidfVectorizer) -> _HashedVocabulary | None:
    """The vectoriser's hashed vocabulary, built once (None: use the dictionary)."""
    if "_hotline_lookup" not in vectoriser.__dict__:
        try:
            table = _HashedVocabulary(*_vocabulary_keys(vectoriser))
            vectoriser.__dict__["_hotline_lookup"] = table
        except ValueError:
            vectoriser.__dict__["_hotline_lookup"] = None
    return vectoriser.__dict__["_hotline_lookup"]  # type: ignore[no-any-return]


def _tfidf_one(vectoriser: TfidfVectorizer, doc: str, weight: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of ``weight * vectoriser.transform([doc])``, without per-call checks.

    Reads the fitted vocabulary and idf directly; falls back to scikit-learn for settings this path
    does not follow.
    """
    if not _plain_tfidf(vectoriser):
        row = vectoriser.transform([doc]).tocsr()
        row.sort_indices()
        return row.indices.astype(np.int64), row.data.astype(np.float64) * weight
    lookup = _lookup(vectoriser)
    if lookup is not None and _exact_char_ngrams(vectoriser):
        # character n-grams: keys straight from the code points, no n-gram strings made
        indices, counts = lookup.count_keys(_char_ngram_keys(doc, *vectoriser.ngram_range))
    elif lookup is not None and _plain_words(vectoriser):
        # words and word pairs: keys from the words' hashes, no pair strings made
        indices, counts = lookup.count_keys(_word_keys(doc, *vectoriser.ngram_range))
    else:
        analyse = vectoriser.__dict__.get("_hotline_analyser")
        if analyse is None:
            analyse = vectoriser.build_analyzer()
            vectoriser.__dict__["_hotline_analyser"] = (
                analyse  # not saved: model files are written without it
            )
        terms = analyse(doc)
        if lookup is not None:
            indices, counts = lookup.count(terms)
        else:  # one dictionary look-up per n-gram (-1: unknown)
            found = np.fromiter(
                map(vectoriser.vocabulary_.get, terms, repeat(-1)), dtype=np.int64, count=len(terms)
            )
            indices, counts = np.unique(found[found >= 0], return_counts=True)  # sorted, as in a CSR row
    if not len(indices):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    values = counts.astype(np.float64)
    _scale_counts(values, vectoriser, vectoriser.idf_[indices], weight)
    return indices, values


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


class _FeatureTable:
    """All parts of the feature union (whole text, head, words) in one vocabulary table.

    One look-up per message instead of one per part: the per-call cost of the few dozen numpy
    operations a look-up takes is paid once. Holds only models whose every part is on the fast
    paths (exact character n-grams or plain words, tf-idf with an l2 norm); others use
    :func:`_tfidf_one` part by part.
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
            part_keys, part_columns = _vocabulary_keys(vectoriser)
            keys.append(part_keys ^ np.int64(tag))
            columns.append(part_columns + bounds[-1])
            idf.append(vectoriser.idf_.astype(np.float64))
            bounds.append(bounds[-1] + len(vectoriser.idf_))
            parts.append((chars, vectoriser, column, float(weights.get(name, 1.0)), tag))
        if len(parts) != len(features.transformers_):
            raise ValueError("more parts than tags")
        self._table = _HashedVocabulary(np.concatenate(keys), np.concatenate(columns))
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
                part_keys = _char_ngram_keys(text, *vectoriser.ngram_range)
            else:
                words = value.split() if isinstance(value, str) else value
                part_keys = _word_keys_of(words, *vectoriser.ngram_range)
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
class _Features:
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


def _calibrated_proba_one(model: CalibratedClassifierCV, x: _Features, rows: np.ndarray) -> np.ndarray:
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


@dataclass
class TextClassifier:
    """A trained classifier with its auto-dispatch threshold and facts about its training."""

    pipeline: Pipeline
    auto_dispatch_threshold: float = DEFAULT_THRESHOLD
    #: The second opinion (see :mod:`hotline.routing.nbridge`): calibrated on the same features, it
    #: gives each suggestion its confidence; None in models trained before it existed.
    checker: CalibratedClassifierCV | None = None
    chinese: bool = True
    meta: dict[str, Any] = field(default_factory=dict)
    head_chars: int = HEAD_CHARS
    _terms: tuple[np.ndarray, list[str], np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _table: _FeatureTable | None = field(default=None, init=False, repr=False, compare=False)
    _no_table: bool = field(default=False, init=False, repr=False, compare=False)
    _by_feature: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def labels(self) -> list[str]:
        """The categories the model knows, in the model's order."""
        return [str(x) for x in self.pipeline.classes_]

    # -- prediction -------------------------------------------------------------------------
    def _linear(self) -> Any:
        """The fitted linear classifier (ridge; a linear SVM in models of the first slice)."""
        return self.pipeline.named_steps["clf"].calibrated_classifiers_[0].estimator

    def _weights(self) -> np.ndarray:
        """Both models' weights, one row per feature: the classifier's columns, then the checker's.

        A message's few thousand features are then read as whole rows (7 categories × 2 models ×
        4 bytes: one cache line each) rather than scattered across a row per category and model.
        """
        if self._by_feature is None:
            # np.atleast_2d: with two categories RidgeClassifier keeps one weight vector, 1-D
            parts = [np.atleast_2d(self._linear().coef_)]
            if self.checker is not None:
                parts.append(np.atleast_2d(self.checker.calibrated_classifiers_[0].estimator.coef_))
            self._by_feature = np.ascontiguousarray(np.vstack(parts).T)
        return self._by_feature

    def _rows(self, x: _Features) -> tuple[np.ndarray, np.ndarray | None]:
        """The weights of the message's features: the classifier's and the checker's (None: none)."""
        rows = self._weights().take(x.indices, axis=0)  # take: ≈ 3× faster than rows[x.indices]
        own = np.atleast_2d(self._linear().coef_).shape[0]
        return rows[:, :own], (rows[:, own:] if self.checker is not None else None)

    def warm(self) -> None:
        """Build the in-memory tables that routing one message uses (≈ 2 s for the 12345 model),
        so that the first ticket after start-up does not wait for them."""
        self._weights()
        self._term_index()
        if self._feature_table(self.pipeline.named_steps["features"]) is None:
            for _name, vectoriser, _column in self.pipeline.named_steps["features"].transformers_:
                _lookup(vectoriser)  # part by part

    def _check(self, text: str | None) -> NormalisedText | NothingToClassify:
        result = normalise(text)
        if isinstance(result, NothingToClassify):
            return result
        if self.chinese and not result.is_chinese:
            return NothingToClassify(
                code=UNSUPPORTED_LANGUAGE,
                message="此模型按中文诉求训练，文中没有中文，请话务员人工分拨。"
                "(This model was trained on Chinese messages and the text has no Chinese: route by hand.)",
            )
        return result

    def route(self, text: str | None, k: int = 3, n_reasons: int = 5) -> RoutingResult:
        """The ``k`` best categories for ``text`` with confidences and reasons; never raises on text."""
        checked = self._check(text)
        if isinstance(checked, NothingToClassify):
            return RoutingResult((), False, self.auto_dispatch_threshold, nothing=checked)
        words = words_of(checked.text)
        x = self._features_one(checked.text, words)
        word_set = set(words)
        if x.nnz == 0:
            return RoutingResult(
                (),
                False,
                self.auto_dispatch_threshold,
                nothing=NothingToClassify(
                    code=UNKNOWN_WORDS,
                    message="文中没有模型认识的字词，请话务员人工分拨。"
                    "(None of the words is known to the model: route by hand.)",
                ),
            )
        rows, checker_rows = self._rows(x)  # read once: for both models' scores and every reason
        proba = self._proba_one(x, rows)
        checked_proba = self._checked_proba_one(x, checker_rows)
        confidence = proba if checked_proba is None else checked_proba
        order = np.argsort(-proba)[: max(1, k)]
        contributions = self._contributions(x, rows, order)
        labels = self.labels
        suggestions = tuple(
            Suggestion(
                label=labels[i],
                confidence=float(confidence[i]),
                reasons=self._reasons(x, contributions[rank], n_reasons, word_set),
            )
            for rank, i in enumerate(order)
        )
        auto = suggestions[0].confidence >= self.auto_dispatch_threshold
        return RoutingResult(suggestions, auto, self.auto_dispatch_threshold, truncated=checked.truncated)

    def _vectorise_one(self, text: str, words: list[str] | None = None) -> sparse.csr_matrix:
        """The feature row of one normalised text, as scikit-learn's ``transform`` gives it."""
        return self._features_one(text, words).to_csr()

    def _features_one(self, text: str, words: list[str] | None = None) -> _Features:
        """The feature row of one normalised text.

        Equal to ``features.transform`` (a test holds them equal) but several times faster for a
        single message: scikit-learn's per-call checks cost more than vectorising a short text,
        and each of the three vectorisers pays them (≈ 0.4 ms each, against a 2 ms budget).
        """
        words = words_of(text) if words is None else words
        features = self.pipeline.named_steps["features"]
        table = self._feature_table(features)
        if table is not None:
            indices, values = table.features((text, text[: self.head_chars], words))
            return _Features(indices, values.astype(np.float32), table.n_features)
        columns = (text, text[: self.head_chars], " ".join(words))
        weights = features.transformer_weights or {}
        all_indices, all_values, offset = [], [], 0
        for name, vectoriser, column in features.transformers_:
            indices, values = _tfidf_one(vectoriser, columns[column], weights.get(name, 1.0))
            all_indices.append(indices + offset)
            all_values.append(values)
            offset += len(vectoriser.idf_)
        indices = np.concatenate(all_indices)
        # float32 like scikit-learn's transform (the vectorisers' dtype), one CSR row
        values = np.concatenate(all_values).astype(np.float32)
        return _Features(indices, values, offset)

    def _feature_table(self, features: ColumnTransformer) -> _FeatureTable | None:
        """The one vocabulary table of all parts, built at first use (None: look up part by part)."""
        if self._table is None and not self._no_table:
            try:
                self._table = _FeatureTable(features)
            except ValueError:
                self._no_table = True
        return self._table

    def _term_index(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """The terms shown in reasons ("路灯"), built once: each feature's term (an index: the
        whole text's, the head's and the words' "路灯" are one term), the terms, their lengths."""
        if self._terms is None:
            index: dict[str, int] = {}
            ids = []
            # each part's own names, in column order (the union's names carry a "char__" prefix
            # and take seconds to make for 780,000 features)
            for _name, vectoriser, _column in self.pipeline.named_steps["features"].transformers_:
                names = vectoriser.get_feature_names_out().tolist()
                ids.append(
                    np.fromiter(
                        (index.setdefault(t.strip(), len(index)) for t in names), np.int32, len(names)
                    )
                )
            term_of = np.concatenate(ids)
            terms = list(index)
            lengths = np.fromiter(map(len, terms), dtype=np.int32, count=len(terms))
            self._terms = (term_of, terms, lengths)
        return self._terms

    def _proba_one(self, x: _Features, rows: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities of the labelling model for one vectorised message.

        Same numbers as ``CalibratedClassifierCV.predict_proba`` (a test holds them equal), read
        straight from its fitted linear classifier and sigmoid calibrators: sklearn's input checks cost more
        than the sums themselves when one message is routed at a time (≈0.7 ms of a 2 ms budget).
        ``rows`` are the message's features' weights, if already read.
        """
        if rows is None:
            rows = self._rows(x)[0]
        return _calibrated_proba_one(self.pipeline.named_steps["clf"], x, rows)

    def _checked_proba_one(self, x: _Features, rows: np.ndarray | None = None) -> np.ndarray | None:
        """The checker's calibrated probabilities for one vectorised message (None: no checker)."""
        if self.checker is None:
            return None
        if rows is None:
            rows = self._rows(x)[1]
        return _calibrated_proba_one(self.checker, x, rows)

    def suggest(self, text: str | None, k: int = 3) -> list[Suggestion]:
        """The ``k`` best suggestions (empty when there is nothing to classify)."""
        return list(self.route(text, k).suggestions)

    def _contributions(self, x: _Features, rows: np.ndarray, categories: np.ndarray) -> np.ndarray:
        """What each of the message's features adds to the score of each of ``categories``
        (weight × tf-idf): one contiguous row per category, in the order given."""
        if rows.shape[1] == 1:  # two categories: one weight vector, for the second
            rows = np.hstack([-rows, rows])
        return np.ascontiguousarray((rows.take(categories, axis=1) * x.data[:, None].astype(np.float64)).T)

    def _reasons(self, x: _Features, contrib: np.ndarray, n: int, words: set[str]) -> tuple[Reason, ...]:
        """The message's terms that add most to one category's score (``contrib``: weight × tf-idf
        of each of ``x``'s features for that category).

        A term counts once, summed over the places it was seen (whole text, head, words). Whole
        words of the message come first (“路灯”, not “灯坏”), then other n-grams of two or more
        characters, then single characters if nothing longer supports the category.
        """
        term_of, terms, lengths = self._term_index()
        strongest = np.flatnonzero(contrib > 0)
        if len(strongest) > _REASON_CANDIDATES:  # only the strongest need names (latency)
            strongest = strongest[
                np.argpartition(-contrib[strongest], _REASON_CANDIDATES)[:_REASON_CANDIDATES]
            ]
        # each term's weight, summed over its places (in the candidates' order, as a loop would)
        ids, place_of = np.unique(term_of.take(x.indices.take(strongest)), return_inverse=True)
        sums = np.bincount(place_of, weights=contrib.take(strongest), minlength=len(ids))
        positive = sums > 0
        longer = positive & (lengths.take(ids) >= 2)

        def weighted(mask: np.ndarray) -> list[tuple[float, str]]:
            return list(zip(sums[mask].tolist(), [terms[i] for i in ids[mask].tolist()], strict=True))

        # (the terms a pass accepts, best first; go on to the next pass only while fewer reasons
        # than ``enough`` were found). Passes are built when reached: the first one usually suffices.
        passes = (
            (lambda: [(w, t) for w, t in weighted(longer) if t in words], 1),
            (lambda: weighted(longer), 1),
            (lambda: [(w, t) for w, t in weighted(positive) if t and not t.isascii()], 0),
        )
        chosen: list[Reason] = []
        for accepted, enough in passes:
            ranked = sorted(accepted(), reverse=True)
            for weight, term in ranked:
                if len(chosen) >= n:
                    break
                # n-grams overlap: keep the strongest, skip pieces of terms already shown
                if any(term in r.term or r.term in term for r in chosen):
                    continue
                chosen.append(Reason(term=term, weight=round(weight, 4)))
            if len(chosen) >= enough:
                break
        chosen.sort(key=lambda r: -r.weight)
        return tuple(chosen)

    def predict_many(self, texts: Sequence[str | None]) -> tuple[list[str | None], list[float]]:
        """Top label and confidence per text, batched (labels are None where nothing to classify)."""
        labels, confidences, _own = self.predict_many_both(texts)
        return labels, confidences

    def predict_many_both(
        self, texts: Sequence[str | None]
    ) -> tuple[list[str | None], list[float], list[float]]:
        """Top label per text with two confidences: the one suggestions show (the checker's, where
        the model has one) and the labelling model's own — for ``train`` to keep the better one."""
        checked = [self._check(t) for t in texts]
        ok = [i for i, c in enumerate(checked) if isinstance(c, NormalisedText)]
        labels: list[str | None] = [None] * len(texts)
        confidences = [0.0] * len(texts)
        own = [0.0] * len(texts)
        if ok:
            normalised = [checked[i].text for i in ok]  # type: ignore[union-attr]
            x = self.pipeline.named_steps["features"].transform(to_columns(normalised, self.head_chars))
            proba = self.pipeline.named_steps["clf"].predict_proba(x)
            best = proba.argmax(axis=1)
            confidence = proba if self.checker is None else self.checker.predict_proba(x)
            for row, i in enumerate(ok):
                labels[i] = self.labels[best[row]]
                confidences[i] = float(confidence[row, best[row]])
                own[i] = float(proba[row, best[row]])
        return labels, confidences, own

    # -- persistence ------------------------------------------------------------------------
    def save(self, data_dir: str | Path) -> Path:
        """Write the model under ``data_dir/routing/``; returns the model file's path."""
        import skops.io as sio

        folder = Path(data_dir).resolve() / MODEL_SUBDIR
        folder.mkdir(parents=True, exist_ok=True)
        model_path = folder / MODEL_FILE
        # Vocabularies (≈ 780,000 n-grams) go to a plain array file: in skops' JSON they took
        # 550 MB and 20 s to load. The pipeline is dumped without them, then they are put back.
        transformers = self.pipeline.named_steps["features"].transformers_
        vocabularies = {name: vec.vocabulary_ for name, vec, _ in transformers}
        terms = {name: np.array(vec.get_feature_names_out(), dtype=str) for name, vec, _ in transformers}
        # in-memory caches of the fast path (analyser, hashed vocabulary) are not written
        caches = {
            name: {key: vec.__dict__.pop(key) for key in list(vec.__dict__) if key.startswith("_hotline_")}
            for name, vec, _ in transformers
        }
        try:
            for _name, vec, _column in transformers:
                del vec.vocabulary_
            tmp = model_path.with_suffix(".tmp")
            sio.dump(self.pipeline, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        finally:
            for name, vec, _column in transformers:
                vec.vocabulary_ = vocabularies[name]
                vec.__dict__.update(caches[name])
        vocabulary_path = folder / VOCABULARY_FILE
        with vocabulary_path.with_suffix(".tmp").open("wb") as handle:
            np.savez_compressed(handle, **terms)
        vocabulary_path.with_suffix(".tmp").replace(vocabulary_path)
        checker_path = folder / CHECKER_FILE
        if self.checker is not None:
            sio.dump(self.checker, checker_path.with_suffix(".tmp"), compression=zipfile.ZIP_DEFLATED)
            checker_path.with_suffix(".tmp").replace(checker_path)
        else:
            checker_path.unlink(missing_ok=True)  # a checker of an earlier model must not stay
        tmp.replace(model_path)  # atomic: a running app never sees half a file
        meta = {
            **self.meta,
            "format_version": FORMAT_VERSION,
            "labels": self.labels,
            "auto_dispatch_threshold": self.auto_dispatch_threshold,
            "chinese": self.chinese,
            "head_chars": self.head_chars,
            "checker": self.checker is not None,
        }
        (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return model_path


def model_path(data_dir: str | Path) -> Path:
    """Where the model of ``data_dir`` lives."""
    return Path(data_dir).resolve() / MODEL_SUBDIR / MODEL_FILE


def load(data_dir: str | Path, path: str | Path | None = None) -> TextClassifier:
    """The model saved under ``data_dir``; ``path`` (if given) must lie inside ``data_dir``.

    Refuses files outside the data directory (also through symlinks) and files holding any type
    not in the routing model's list of trusted types.
    """
    import skops.io as sio

    root = Path(data_dir).resolve()
    target = (Path(path) if path is not None else root / MODEL_SUBDIR / MODEL_FILE).resolve()
    if not target.is_relative_to(root):
        raise ModelError(
            f"拒绝加载数据目录以外的模型文件：{target}(Refusing to load a model from outside the data "
            f"directory {root})"
        )
    if not target.is_file():
        raise ModelError(
            f"没有找到分拨模型：{target}。请先运行 hotline routing train。"
            f"(No routing model at {target}: run `hotline routing train` first.)"
        )
    pipeline = _load_trusted(sio, target)
    vocabulary_path = target.with_name(VOCABULARY_FILE)
    if not vocabulary_path.is_file():
        raise ModelError(f"模型词表缺失：{vocabulary_path}(Model vocabulary file missing)")
    with np.load(vocabulary_path, allow_pickle=False) as arrays:  # plain strings, no code
        for name, vectoriser, _column in pipeline.named_steps["features"].transformers_:
            vectoriser.vocabulary_ = {term: i for i, term in enumerate(arrays[name].tolist())}
    meta_path = target.with_name(META_FILE)
    meta: dict[str, Any] = {}
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    checker_path = target.with_name(CHECKER_FILE)
    checker = _load_trusted(sio, checker_path) if checker_path.is_file() else None
    if meta.get("checker") and checker is None:
        raise ModelError(f"模型的复核模型缺失：{checker_path}(Model checker file missing)")
    return TextClassifier(
        pipeline=pipeline,
        checker=checker,
        auto_dispatch_threshold=float(meta.get("auto_dispatch_threshold", DEFAULT_THRESHOLD)),
        chinese=bool(meta.get("chinese", True)),
        head_chars=int(meta.get("head_chars", HEAD_CHARS)),
        meta=meta,
    )


def _load_trusted(sio: Any, path: Path) -> Any:
    """A skops file's object, refused if it holds any type outside the routing model's list."""
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in _TRUSTED_TYPES]
    if untrusted:
        raise ModelError(f"模型文件含有不受信任的类型：{untrusted}(Untrusted types in model file)")
    return sio.load(path, trusted=_TRUSTED_TYPES)


def _drop_stop_words(pipeline: Pipeline) -> None:
    """Forget the n-grams that min_df left out: only kept for introspection, they made up 95 % of
    a model file (hundreds of MB). scikit-learn documents deleting ``stop_words_`` for this."""
    for _name, part, _column in pipeline.named_steps["features"].transformers_:
        if hasattr(part, "stop_words_"):
            delattr(part, "stop_words_")


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    unlabelled: Sequence[str] = (),
    *,
    threshold: float | None = None,
    c: float = 0.5,
    self_training_confidence: float = 0.95,
    checker_model: bool = True,
) -> TextClassifier:
    """A classifier fitted on ``texts``/``labels``.

    With ``unlabelled`` texts it self-trains once: unlabelled messages it classifies with a
    confidence (the checker's, as in suggestions) of at least ``self_training_confidence`` join the
    training set with that label (they teach the model what
    raw messages look like). ``threshold`` is the auto-dispatch threshold (default: DEFAULT_THRESHOLD;
    :func:`hotline.routing.evaluation.choose_threshold` picks one by cross-validation).
    ``checker_model`` also fits the second opinion that gives the confidences
    (:mod:`hotline.routing.nbridge`).
    """
    started = time.perf_counter()
    pairs = [(n, y) for n, y in zip((normalise(t) for t in texts), labels, strict=True)]
    normalised_pairs = [(n, y) for n, y in pairs if isinstance(n, NormalisedText)]
    # Calibration needs two examples of a category at least; rarer ones are left out (and listed).
    counts = Counter(y for _, y in normalised_pairs)
    too_rare = sorted(label for label, count in counts.items() if count < 2)
    kept = [(n, y) for n, y in normalised_pairs if counts[y] >= 2]
    if len({y for _, y in kept}) < 2:
        raise ValueError(
            "训练数据至少需要两个类别，每类至少两条。(Training needs at least two categories, "
            "with two examples each.)"
        )
    x = [n.text for n, _ in kept]
    y = [y for _, y in kept]
    folds = min(3, min(Counter(y).values()))
    chinese = _is_cjk_share([n for n, _ in kept]) >= 0.5

    def fit(texts: list[str], targets: list[str]) -> tuple[Pipeline, CalibratedClassifierCV | None]:
        pipeline = build_pipeline(c=c, min_df=2 if len(x) >= 200 else 1, calibration_folds=folds)
        features = pipeline.named_steps["features"]
        matrix = features.fit_transform(to_columns(texts), targets)  # once, for both models
        pipeline.named_steps["clf"].fit(matrix, targets)
        _drop_stop_words(pipeline)
        checker = None
        if checker_model and len(set(targets)) >= 3:  # (two categories: the plain model decides)
            checker = CalibratedClassifierCV(
                NBRidgeClassifier(alpha=1.0 / (2.0 * c)), cv=folds, ensemble=False
            )
            checker.fit(matrix, targets)
        return pipeline, checker

    pipeline, checker = fit(x, y)
    n_pseudo = 0
    if unlabelled:
        pool = [n.text for n in (normalise(t) for t in unlabelled) if isinstance(n, NormalisedText)]
        if pool:
            matrix = pipeline.named_steps["features"].transform(to_columns(pool))
            best = pipeline.named_steps["clf"].predict_proba(matrix).argmax(axis=1)
            # sure as the suggestions are: the checker's confidence in the model's label
            confidence = (checker or pipeline.named_steps["clf"]).predict_proba(matrix)
            sure = np.flatnonzero(confidence[np.arange(len(pool)), best] >= self_training_confidence)
            x_pseudo = [pool[i] for i in sure]
            y_pseudo = [str(pipeline.classes_[best[i]]) for i in sure]
            n_pseudo = len(x_pseudo)
            if n_pseudo:
                pipeline, checker = fit(x + x_pseudo, y + y_pseudo)
    return TextClassifier(
        pipeline=pipeline,
        checker=checker,
        auto_dispatch_threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        chinese=chinese,
        meta={
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "n_train": len(x),
            "n_pseudo_labelled": n_pseudo,
            "dropped_no_text": len(pairs) - len(normalised_pairs),
            "skipped_rare_labels": too_rare,
            "train_seconds": round(time.perf_counter() - started, 1),
        },
    )
