"""Ranked search: BM25 over the postings of the query's terms.

The database only looks terms up (an index on (scope, term)); ranking is done here, so SQLite and
PostgreSQL give the same order. Terms found in more than half of a large scope's documents carry
almost no information and are skipped, which also bounds the postings read for a long query.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.search import tokens
from hotline.search.models import SearchDocument, SearchPosting

K1: Final = 1.2
B: Final = 0.75
#: Most distinct query terms looked up (a long message is read from its head).
MAX_QUERY_TERMS: Final = 200
#: Most postings read for one query; the commonest terms are dropped first beyond it.
MAX_POSTINGS: Final = 50_000


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
    wanted = tokens.query_terms(query, max_chars=query_chars)[:MAX_QUERY_TERMS]
    if not wanted or limit <= 0:
        return []
    docs = select(func.count(), func.coalesce(func.sum(SearchDocument.length), 0)).where(
        SearchDocument.scope == scope
    )
    if tags is not None:
        docs = docs.where(SearchDocument.tag.in_(list(tags)))
    n_docs, total_length = session.execute(docs).one()
    if not n_docs:
        return []
    avg_length = max(total_length / n_docs, 1.0)
    df = dict(
        session.execute(
            select(SearchPosting.term, func.count())
            .where(SearchPosting.scope == scope, SearchPosting.term.in_(wanted))
            .group_by(SearchPosting.term)
        ).all()
    )
    present = sorted((t for t in wanted if t in df), key=lambda t: df[t])
    if not present:
        return []
    kept: list[str] = []
    read = 0
    for term in present:
        common = n_docs >= 50 and df[term] > n_docs / 2
        if kept and (common or read + df[term] > MAX_POSTINGS):
            continue
        kept.append(term)
        read += df[term]
    weight = {t: idf(n_docs, df[t]) for t in kept}
    rows = select(
        SearchPosting.term, SearchPosting.tf, SearchDocument.ref_id, SearchDocument.length, SearchDocument.tag
    ).join(SearchDocument, SearchDocument.id == SearchPosting.document_id)
    rows = rows.where(SearchPosting.scope == scope, SearchPosting.term.in_(kept))
    if tags is not None:
        rows = rows.where(SearchDocument.tag.in_(list(tags)))
    scores: dict[int, float] = defaultdict(float)
    matched: dict[int, list[tuple[float, str]]] = defaultdict(list)
    doc_tag: dict[int, str | None] = {}
    for term, tf, ref_id, length, tag in session.execute(rows):
        part = weight[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg_length))
        scores[ref_id] += part
        matched[ref_id].append((part, term))
        doc_tag[ref_id] = tag
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [
        Hit(
            ref_id=ref_id,
            score=round(score, 6),
            matched=tuple(t for _, t in sorted(matched[ref_id], reverse=True)),
            tag=doc_tag[ref_id],
            parts=tuple((t, round(part, 6)) for part, t in sorted(matched[ref_id], reverse=True)),
        )
        for ref_id, score in best
    ]
