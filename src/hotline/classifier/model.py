"""The statistical text classifier: text in, ranked categories with reasons out.

The model is a scikit-learn pipeline (character n-gram and word TF-IDF → ridge classifier, with
probabilities calibrated by cross-validation) fed with text normalised by :mod:`hotline.classifier.text`;
one message is routed by :mod:`hotline.classifier.fastpath`, held equal to the pipeline by tests.
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
from pathlib import Path
from typing import Any, Final

import numpy as np
import rjieba
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import Pipeline

from hotline.classifier.fastpath import Features, FeatureTable, calibrated_proba_one
from hotline.classifier.files import MODEL_FILE as MODEL_FILE
from hotline.classifier.files import MODEL_SUBDIR as MODEL_SUBDIR
from hotline.classifier.files import model_path as model_path
from hotline.classifier.nbridge import NBRidgeClassifier
from hotline.classifier.text import NormalisedText, NothingToClassify, normalise

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
    "hotline.classifier.nbridge.NBRidgeClassifier",
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.model_selection._split.StratifiedKFold",
    "numpy.float64",
    "numpy.int64",
    "builtins.slice",
]

#: The first slice's classifier: its files are refused with a word on what to do.
_RETIRED_TYPES: Final = ("sklearn.svm._classes.LinearSVC",)

#: Types that model files written before the classifier was its own package name at their old
#: place: read as the type named here, so those files need no retraining.
_MOVED_TYPES: Final = {
    "hotline.routing.nbridge.NBRidgeClassifier": "hotline.classifier.nbridge.NBRidgeClassifier",
}


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
    for the category where the model has one (:mod:`hotline.classifier.nbridge`), so when the two
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


@dataclass
class TextClassifier:
    """A trained classifier with its auto-dispatch threshold and facts about its training."""

    pipeline: Pipeline
    auto_dispatch_threshold: float = DEFAULT_THRESHOLD
    #: The second opinion (see :mod:`hotline.classifier.nbridge`): calibrated on the same features, it
    #: gives each suggestion its confidence; None in models trained before it existed.
    checker: CalibratedClassifierCV | None = None
    chinese: bool = True
    meta: dict[str, Any] = field(default_factory=dict)
    head_chars: int = HEAD_CHARS
    _terms: tuple[np.ndarray, list[str], np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _table: FeatureTable | None = field(default=None, init=False, repr=False, compare=False)
    _no_table: bool = field(default=False, init=False, repr=False, compare=False)
    _by_feature: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def labels(self) -> list[str]:
        """The categories the model knows, in the model's order."""
        return [str(x) for x in self.pipeline.classes_]

    # -- prediction -------------------------------------------------------------------------
    def _linear(self) -> Any:
        """The fitted linear classifier (ridge)."""
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

    def _rows(self, x: Features) -> tuple[np.ndarray, np.ndarray | None]:
        """The weights of the message's features: the classifier's and the checker's (None: none)."""
        rows = self._weights().take(x.indices, axis=0)  # take: ≈ 3× faster than rows[x.indices]
        own = np.atleast_2d(self._linear().coef_).shape[0]
        return rows[:, :own], (rows[:, own:] if self.checker is not None else None)

    def warm(self) -> None:
        """Build the in-memory tables that routing one message uses (≈ 2 s for the 12345 model),
        so that the first ticket after start-up does not wait for them."""
        self._weights()
        self._term_index()
        self._feature_table(self.pipeline.named_steps["features"])

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

    def _features_one(self, text: str, words: list[str] | None = None) -> Features:
        """The feature row of one normalised text: what ``features.transform`` gives (a test holds
        them equal), from the one vocabulary table when the model's parts allow it (always, for
        the models :func:`train` makes), else from ``transform`` itself."""
        words = words_of(text) if words is None else words
        features = self.pipeline.named_steps["features"]
        table = self._feature_table(features)
        if table is not None:
            indices, values = table.features((text, text[: self.head_chars], words))
            return Features(indices, values.astype(np.float32), table.n_features)
        columns = np.array([[text, text[: self.head_chars], " ".join(words)]], dtype=object)
        row = features.transform(columns).tocsr()
        row.sort_indices()
        return Features(row.indices.astype(np.int64), row.data.astype(np.float32), row.shape[1])

    def _feature_table(self, features: ColumnTransformer) -> FeatureTable | None:
        """The one vocabulary table of all parts, built at first use (None: look up part by part)."""
        if self._table is None and not self._no_table:
            try:
                self._table = FeatureTable(features)
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

    def _proba_one(self, x: Features, rows: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities of the labelling model for one vectorised message.

        Same numbers as ``CalibratedClassifierCV.predict_proba`` (a test holds them equal), read
        straight from its fitted linear classifier and sigmoid calibrators: sklearn's input checks cost more
        than the sums themselves when one message is routed at a time (≈0.7 ms of a 2 ms budget).
        ``rows`` are the message's features' weights, if already read.
        """
        if rows is None:
            rows = self._rows(x)[0]
        return calibrated_proba_one(self.pipeline.named_steps["clf"], x, rows)

    def _checked_proba_one(self, x: Features, rows: np.ndarray | None = None) -> np.ndarray | None:
        """The checker's calibrated probabilities for one vectorised message (None: no checker)."""
        if self.checker is None:
            return None
        if rows is None:
            rows = self._rows(x)[1]
        return calibrated_proba_one(self.checker, x, rows)

    def suggest(self, text: str | None, k: int = 3) -> list[Suggestion]:
        """The ``k`` best suggestions (empty when there is nothing to classify)."""
        return list(self.route(text, k).suggestions)

    def _contributions(self, x: Features, rows: np.ndarray, categories: np.ndarray) -> np.ndarray:
        """What each of the message's features adds to the score of each of ``categories``
        (weight × tf-idf): one contiguous row per category, in the order given."""
        if rows.shape[1] == 1:  # two categories: one weight vector, for the second
            rows = np.hstack([-rows, rows])
        return np.ascontiguousarray((rows.take(categories, axis=1) * x.data[:, None].astype(np.float64)).T)

    def _reasons(self, x: Features, contrib: np.ndarray, n: int, words: set[str]) -> tuple[Reason, ...]:
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
        try:
            for _name, vec, _column in transformers:
                del vec.vocabulary_
            tmp = model_path.with_suffix(".tmp")
            sio.dump(self.pipeline, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        finally:
            for name, vec, _column in transformers:
                vec.vocabulary_ = vocabularies[name]
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
    if any(t in _RETIRED_TYPES for t in _types_in(path)):  # (skops trusts scikit-learn's own)
        raise ModelError(
            f"{path.name} 是第一版的线性 SVM 模型，已不再支持，请用 hotline routing train 重新训练。"
            f"({path.name} is a first-slice LinearSVC model, no longer accepted: retrain it with "
            "`hotline routing train`.)"
        )
    found = sio.get_untrusted_types(file=path)
    untrusted = [t for t in found if t not in _TRUSTED_TYPES and t not in _MOVED_TYPES]
    if untrusted:
        raise ModelError(f"模型文件含有不受信任的类型：{untrusted}(Untrusted types in model file)")
    if any(t in _MOVED_TYPES for t in found):
        return sio.loads(_with_moved_types(path), trusted=_TRUSTED_TYPES)
    return sio.load(path, trusted=_TRUSTED_TYPES)


def _types_in(path: Path) -> set[str]:
    """Every type a skops file names (``module.Class``), read from its schema."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    try:
        with zipfile.ZipFile(path) as source:
            walk(json.loads(source.read("schema.json")))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ModelError(f"模型文件无法读取：{path}(Not a model file: {exc})") from exc
    return found


def _with_moved_types(path: Path) -> bytes:
    """The skops file at ``path`` with the types of :data:`_MOVED_TYPES` named where they now live."""
    import io

    with zipfile.ZipFile(path) as source:
        schema = json.loads(source.read("schema.json"))
        _rename_types(schema)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
            for item in source.infolist():
                data = json.dumps(schema) if item.filename == "schema.json" else source.read(item)
                target.writestr(item.filename, data)
    return buffer.getvalue()


def _rename_types(node: Any) -> None:
    """Rename, in place, every moved type named in a skops schema (``__module__`` + ``__class__``)."""
    if isinstance(node, dict):
        name = f"{node.get('__module__')}.{node.get('__class__')}"
        if name in _MOVED_TYPES:
            node["__module__"] = _MOVED_TYPES[name].rsplit(".", 1)[0]
        for value in node.values():
            _rename_types(value)
    elif isinstance(node, list):
        for value in node:
            _rename_types(value)


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
    :func:`hotline.classifier.evaluation.choose_threshold` picks one by cross-validation).
    ``checker_model`` also fits the second opinion that gives the confidences
    (:mod:`hotline.classifier.nbridge`).
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
