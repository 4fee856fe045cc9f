"""Ranked search: BM25 over the postings of the query's terms.

The database only looks terms up (an index on (scope, term, document_id, tf), read index-only);
ranking is done here, so SQLite and PostgreSQL give the same order. Terms found in more than half
of a large scope's documents carry almost no information and are skipped, which also bounds the
postings read for a long query.

The work per query is bounded however large the scope grows. While every kept term has fewer
than MAX_POSTINGS postings, all of them are read and the ranking is exact. When even the rarest
term is commoner than that (a common phrase over a million tickets), the ranking is over the
newest WINDOW_DOCS documents of the scope (ids grow with time): their postings of the query's
terms are read, and a term's document frequency beyond MAX_POSTINGS is estimated from its share of
the window. Below EXACT_SIZE documents a scope's size is counted for every query; above it, it is
counted at most once every SIZE_TTL seconds (a minute's growth does not move a BM25 weight).
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from sqlalchemy import CompoundSelect, Integer, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from hotline.search import tokens
from hotline.search.models import SearchDocument, SearchPosting

K1: Final = 1.2
B: Final = 0.75
#: Most distinct query terms looked up (a long message is read from its head).
MAX_QUERY_TERMS: Final = 200
#: Most postings read for one query; the commonest terms are dropped first beyond it, and a term
#: commoner than this is counted only up to it.
MAX_POSTINGS: Final = 3_000
#: Documents ranked when even the rarest term is commoner than MAX_POSTINGS: the newest ones.
WINDOW_DOCS: Final = 5_000
#: A scope with fewer documents is counted for every query.
EXACT_SIZE: Final = 50_000
SIZE_TTL: Final = 60.0

_sizes: dict[tuple[Any, ...], tuple[float, int, int]] = {}
_sizes_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Hit:
    ref_id: int
    score: float
    matched: tuple[str, ...]  # the query's terms found in the document, strongest first
    tag: str | None = None
    parts: tuple[tuple[str, float], ...] = ()  # each matched term and what it added to the score


def document_count(session: Session, scope: str) -> int:
    """How many documents of this scope (e.g. ``ticket``) are indexed."""
    return int(
        session.scalar(select(func.count()).select_from(SearchDocument).where(SearchDocument.scope == scope))
        or 0
    )


def idf(n_docs: int, df: int) -> float:
    """BM25's inverse document frequency (the "+1" form: never negative)."""
    return math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))


def _scope_size(session: Session, scope: str, tags: Collection[str] | None) -> tuple[int, int]:
    """(documents, their total length) of the scope: counted, or remembered for SIZE_TTL seconds
    once the scope is large (counting a million rows takes longer than the whole query may)."""
    key = (id(session.get_bind()), scope, None if tags is None else tuple(sorted(tags)))
    now = time.monotonic()
    with _sizes_lock:
        known = _sizes.get(key)
    if known is not None and now - known[0] < SIZE_TTL:
        return known[1], known[2]
    docs = select(func.count(), func.coalesce(func.sum(SearchDocument.length), 0)).where(
        SearchDocument.scope == scope
    )
    if tags is not None:
        docs = docs.where(SearchDocument.tag.in_(list(tags)))
    n_docs, total_length = session.execute(docs).one()
    with _sizes_lock:
        if n_docs >= EXACT_SIZE:
            _sizes[key] = (now, int(n_docs), int(total_length))
        else:
            _sizes.pop(key, None)
    return int(n_docs), int(total_length)


#: Term counts the frequency statement is built for: a query's terms are padded up to the next
#: one with a term no document has, so a process compiles at most these few statements.
TERM_BUCKETS: Final = (8, 16, 32, 64, 128, MAX_QUERY_TERMS)
_NO_TERM: Final = ""  # never indexed: the padding counts nothing


@functools.lru_cache(maxsize=len(TERM_BUCKETS))
def _capped_df_statement(n_terms: int) -> CompoundSelect:
    """The statement counting ``n_terms`` terms' postings, built once per bucket of term counts:
    building and keying a union of up to 200 selects cost more CPU than the router's whole rest
    of a ticket (issue 16, defect 13), and compiling one ~30 ms. The terms are bound parameters
    ``t0``…, the scope ``scope`` and the cap ``cap``."""
    parts = [
        select(literal_column(str(i)).label("i"), func.count().label("n")).select_from(
            select(literal_column("1").label("one"))
            .select_from(SearchPosting)
            .where(SearchPosting.scope == bindparam("scope"), SearchPosting.term == bindparam(f"t{i}"))
            .limit(bindparam("cap", type_=Integer))
            .subquery()
        )
        for i in range(n_terms)
    ]
    return union_all(*parts)


def _capped_df(session: Session, scope: str, terms: list[str]) -> dict[str, int]:
    """Each term's document frequency, counted up to MAX_POSTINGS + 1 (index-only; one statement
    per MAX_QUERY_TERMS terms)."""
    found: dict[str, int] = {}
    for start in range(0, len(terms), MAX_QUERY_TERMS):
        chunk = terms[start : start + MAX_QUERY_TERMS]
        size = next(b for b in TERM_BUCKETS if b >= len(chunk))
        padded = chunk + [_NO_TERM] * (size - len(chunk))
        params: dict[str, Any] = {
            "scope": scope,
            "cap": MAX_POSTINGS + 1,
            **{f"t{i}": t for i, t in enumerate(padded)},
        }
        rows = session.execute(_capped_df_statement(size), params).all()
        found.update((padded[int(i)], int(n)) for i, n in rows if n and int(i) < len(chunk))
    return found


def _kept_exact(present: list[str], df: dict[str, int], n_docs: int) -> list[str]:
    """The terms whose postings are all read (rarest first): terms in more than half of a large
    scope's documents are skipped, and no more than MAX_POSTINGS postings are read in all."""
    kept: list[str] = []
    read = 0
    for term in present:
        common = n_docs >= 50 and df[term] > n_docs / 2
        if kept and (common or read + df[term] > MAX_POSTINGS):
            continue
        kept.append(term)
        read += df[term]
    return kept


_P, _D = SearchPosting.__table__.c, SearchDocument.__table__.c
#: Postings with their documents: Core columns, so the rows are plain tuples (an ORM select cost
#: ~1 ms a search in loading alone). The batch's form takes an expanding list of terms, so it is
#: compiled once.
_POSTING_COLUMNS: Final = (_P.term, _P.tf, _D.ref_id, _D.length, _D.tag)
_POSTINGS: Final = (
    select(*_POSTING_COLUMNS)
    .select_from(SearchPosting.__table__.join(SearchDocument.__table__, _D.id == _P.document_id))
    .where(_P.scope == bindparam("scope"), _P.term.in_(bindparam("terms", expanding=True)))
)


class Postings:
    """Some terms' postings as columns (numpy arrays), grouped by term in sorted order, ranked
    with BM25 by array arithmetic: a router's batch reads ~10,000 postings, and a loop over them
    in Python cost more than the rest of a ticket's routing (issue 16, defect 13).

    A document's score is the sum of its terms' parts added in sorted term order (``bincount``
    adds in input order), so it is the same float however the postings were read — one query,
    a batch, or the knowledge base's copy in memory."""

    __slots__ = ("_code", "_length", "_ref", "_starts", "_tag_code", "_tags", "_term", "_terms", "_tf")

    def __init__(
        self, terms: list[str], codes: np.ndarray, tf: Any, ref: Any, length: Any, tag: Sequence[str | None]
    ) -> None:
        """``terms`` sorted and distinct; ``codes[i]`` the index in ``terms`` of posting i's term."""
        order = np.argsort(codes, kind="stable")
        self._terms = terms
        self._code = {t: i for i, t in enumerate(terms)}
        self._starts = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=len(terms)))))
        self._term = codes[order]
        self._tf = np.asarray(tf, dtype=np.float64)[order]
        self._ref = np.asarray(ref, dtype=np.int64)[order]
        self._length = np.asarray(length, dtype=np.float64)[order]
        self._tags: list[str | None] = list(dict.fromkeys(tag))
        tag_index = {t: i for i, t in enumerate(self._tags)}
        self._tag_code = np.fromiter(map(tag_index.__getitem__, tag), dtype=np.int32, count=len(tag))[order]

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> Postings:
        """From rows ``(term, tf, ref_id, length, tag)`` in any order."""
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return cls([], empty, empty, empty, empty, [])
        term, tf, ref, length, tag = zip(*rows, strict=True)
        terms = sorted(set(term))
        code = {t: i for i, t in enumerate(terms)}
        codes = np.fromiter(map(code.__getitem__, term), dtype=np.int64, count=len(term))
        return cls(terms, codes, tf, ref, length, tag)

    def df(self, term: str) -> int:
        """How many postings (documents) ``term`` has here."""
        c = self._code.get(term)
        return 0 if c is None else int(self._starts[c + 1] - self._starts[c])

    def rank(
        self,
        kept: Collection[str],
        weight: dict[str, float],
        avg_length: float,
        limit: int,
        tags: Collection[str | None] | None = None,
        *,
        explain: bool = True,
    ) -> list[Hit]:
        """BM25 over the kept terms' postings (of documents with one of ``tags``, if given), best
        first; ties by ref_id. ``explain=False`` leaves out each hit's matched terms and parts
        (the router needs only the ids: the parts cost more than the ranking)."""
        terms = sorted({t for t in kept if t in self._code})
        if not terms or limit <= 0:
            return []
        c = np.asarray([self._code[t] for t in terms], dtype=np.int64)
        start, count = self._starts[c], self._starts[c + 1] - self._starts[c]
        total = int(count.sum())
        if not total:
            return []
        # positions of the kept terms' postings, term by term: each run start + 0, 1, 2, …
        at = np.repeat(start - np.cumsum(count) + count, count) + np.arange(total)
        w = np.repeat(np.array([weight[t] for t in terms], dtype=np.float64), count)
        if tags is not None:
            allowed = set(tags)
            wanted = np.isin(self._tag_code[at], [i for i, t in enumerate(self._tags) if t in allowed])
            at, w = at[wanted], w[wanted]
            if not len(at):
                return []
        tf, length = self._tf[at], self._length[at]
        part = w * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg_length))
        docs, which = np.unique(self._ref[at], return_inverse=True)
        score = np.bincount(which, weights=part, minlength=len(docs))
        best = np.lexsort((docs, -score))[:limit]
        if not explain:
            return [Hit(int(docs[d]), round(float(score[d]), 6), ()) for d in best.tolist()]
        hits = []
        for d in best.tolist():
            mine = np.flatnonzero(which == d)
            strongest = sorted(
                zip(
                    part[mine].tolist(), (self._terms[i] for i in self._term[at[mine]].tolist()), strict=True
                ),
                reverse=True,
            )
            hits.append(
                Hit(
                    ref_id=int(docs[d]),
                    score=round(float(score[d]), 6),
                    matched=tuple(t for _, t in strongest),
                    tag=self._tags[int(self._tag_code[at[mine[0]]])],
                    parts=tuple((t, round(p, 6)) for p, t in strongest),
                )
            )
        return hits


def search_many(
    session: Session,
    scope: str,
    queries: list[str | None],
    limit: int = 10,
    *,
    query_chars: int = 500,
    explain: bool = True,
) -> list[list[Hit]]:
    """:func:`search` of each query (no tags), the same hits, read for all at once: one count of
    the scope, the union of the queries' terms counted once, and the postings of every term some
    query keeps read in one statement. A burst's tickets share most of their terms (the router
    searches a batch of 20; issue 16, defect 13). A query so common that it needs the newest
    window (see the module) is searched on its own. ``explain``: as in :meth:`Postings.rank`."""
    wanted = [tokens.query_terms(q, max_chars=query_chars)[:MAX_QUERY_TERMS] for q in queries]
    out: list[list[Hit]] = [[] for _ in queries]
    if limit <= 0 or not any(wanted):
        return out
    n_docs, total_length = _scope_size(session, scope, None)
    if not n_docs:
        return out
    avg_length = max(total_length / n_docs, 1.0)
    df = _capped_df(session, scope, list(dict.fromkeys(t for w in wanted for t in w)))
    kept_of: dict[int, list[str]] = {}
    for i, terms in enumerate(wanted):
        present = sorted((t for t in terms if t in df), key=lambda t: df[t])
        if not present:
            continue
        if df[present[0]] > MAX_POSTINGS:
            out[i] = search_bounded(session, scope, queries[i], limit, query_chars=query_chars)[0]
        else:
            kept_of[i] = _kept_exact(present, df, n_docs)
    union = sorted({t for kept in kept_of.values() for t in kept})
    if not union:
        return out
    postings = Postings.from_rows(
        session.connection().execute(_POSTINGS, {"scope": scope, "terms": union}).all()
    )
    weight = {t: idf(n_docs, df[t]) for t in union}
    for i, kept in kept_of.items():
        out[i] = postings.rank(kept, weight, avg_length, limit, explain=explain)
    return out


def search(
    session: Session,
    scope: str,
    query: str | None,
    limit: int = 10,
    *,
    tags: Collection[str] | None = None,
    query_chars: int = 500,
) -> list[Hit]:
    """The ``limit`` best documents of ``scope`` for ``query``, best first; [] for an empty query."""
    return search_bounded(session, scope, query, limit, tags=tags, query_chars=query_chars)[0]


def search_bounded(
    session: Session,
    scope: str,
    query: str | None,
    limit: int = 10,
    *,
    tags: Collection[str] | None = None,
    query_chars: int = 500,
) -> tuple[list[Hit], bool]:
    """:func:`search`, and whether the query was so common that only the newest WINDOW_DOCS
    documents were ranked (a page then says so)."""
    wanted = tokens.query_terms(query, max_chars=query_chars)[:MAX_QUERY_TERMS]
    if not wanted or limit <= 0:
        return [], False
    n_docs, total_length = _scope_size(session, scope, tags)
    if not n_docs:
        return [], False
    avg_length = max(total_length / n_docs, 1.0)
    df = _capped_df(session, scope, wanted)
    present = sorted((t for t in wanted if t in df), key=lambda t: df[t])
    if not present:
        return [], False
    rows = select(*_POSTING_COLUMNS).select_from(
        SearchPosting.__table__.join(SearchDocument.__table__, _D.id == _P.document_id)
    )
    if tags is not None:
        rows = rows.where(_D.tag.in_(list(tags)))
    kept: list[str] = []
    windowed = df[present[0]] > MAX_POSTINGS
    if not windowed:
        # Exact: every posting of the kept terms is read.
        kept = _kept_exact(present, df, n_docs)
    else:
        # A window: the newest WINDOW_DOCS documents; frequencies beyond the cap are estimated.
        newest = (
            select(SearchDocument.id)
            .where(SearchDocument.scope == scope)
            .order_by(SearchDocument.id.desc())
            .offset(WINDOW_DOCS - 1)
            .limit(1)
        )
        # A value, not a subquery: the planner then reads the window's postings by the index and
        # joins their documents one by one (with a subquery it hashed all the documents: 110 ms).
        floor = session.scalar(newest) or 0
        in_window = dict(
            session.execute(
                select(SearchPosting.term, func.count())
                .where(
                    SearchPosting.scope == scope,
                    SearchPosting.term.in_(present),
                    SearchPosting.document_id >= floor,
                )
                .group_by(SearchPosting.term)
            ).all()
        )
        share = n_docs / min(n_docs, WINDOW_DOCS)
        for term in present:
            if df[term] > MAX_POSTINGS:
                df[term] = max(df[term], round(in_window.get(term, 0) * share))
            if term in in_window and not (kept and df[term] > n_docs / 2):
                kept.append(term)
        if not kept:
            return [], True
        rows = rows.where(_P.document_id >= floor)
    weight = {t: idf(n_docs, df[t]) for t in kept}
    rows = rows.where(_P.scope == scope, _P.term.in_(kept))
    postings = Postings.from_rows(session.connection().execute(rows).all())
    return postings.rank(kept, weight, avg_length, limit), windowed
