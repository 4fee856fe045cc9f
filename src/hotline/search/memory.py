"""An in-memory copy of one small scope of the full-text index, searched with the same BM25 as
`queries.search` and giving the same hits.

The knowledge base is a few hundred documents that change a few times a day, yet the router
searches it for every ticket of a burst: in SQL that search costs about 5 ms (two queries and the
postings of every query term), in memory a fraction of it. Big scopes (past tickets) stay in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.search import tokens
from hotline.search.models import SearchDocument, SearchPosting
from hotline.search.queries import K1, MAX_POSTINGS, MAX_QUERY_TERMS, B, Hit, idf


def fingerprint(session: Session, scope: str) -> tuple[int, datetime | None, int | None]:
    """Changes whenever a document of ``scope`` is indexed again, added or removed."""
    n, last, top = session.execute(
        select(func.count(), func.max(SearchDocument.indexed_at), func.max(SearchDocument.id)).where(
            SearchDocument.scope == scope
        )
    ).one()
    return int(n), last, top


@dataclass(frozen=True)
class _Doc:
    ref_id: int
    length: int
    tag: str | None


class ScopeIndex:
    """Every document and posting of one scope, read once."""

    def __init__(self, docs: dict[int, _Doc], postings: dict[str, list[tuple[int, int]]]) -> None:
        self._docs = docs  # document id → its ref, length and tag
        self._postings = postings  # term → [(document id, tf)]

    @classmethod
    def read(cls, session: Session, scope: str) -> ScopeIndex:
        docs = {
            doc_id: _Doc(ref_id, length, tag)
            for doc_id, ref_id, length, tag in session.execute(
                select(
                    SearchDocument.id, SearchDocument.ref_id, SearchDocument.length, SearchDocument.tag
                ).where(SearchDocument.scope == scope)
            )
        }
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for doc_id, term, tf in session.execute(
            select(SearchPosting.document_id, SearchPosting.term, SearchPosting.tf).where(
                SearchPosting.scope == scope
            )
        ):
            postings[term].append((doc_id, tf))
        return cls(docs, dict(postings))

    def search(
        self,
        query: str | None,
        limit: int = 10,
        *,
        tags: Collection[str] | None = None,
        query_chars: int = 500,
    ) -> list[Hit]:
        """As `queries.search` over the same rows: the same terms kept, scores and order."""
        wanted = tokens.query_terms(query, max_chars=query_chars)[:MAX_QUERY_TERMS]
        if not wanted or limit <= 0:
            return []
        tagged = set(tags) if tags is not None else None
        lengths = [d.length for d in self._docs.values() if tagged is None or d.tag in tagged]
        n_docs = len(lengths)
        if not n_docs:
            return []
        avg_length = max(sum(lengths) / n_docs, 1.0)
        df = {t: len(self._postings[t]) for t in set(wanted) if t in self._postings}
        present = sorted((t for t in wanted if t in df), key=lambda t: df[t])
        kept: list[str] = []
        read = 0
        for term in present:
            common = n_docs >= 50 and df[term] > n_docs / 2
            if kept and (common or read + df[term] > MAX_POSTINGS):
                continue
            kept.append(term)
            read += df[term]
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, list[tuple[float, str]]] = defaultdict(list)
        doc_tag: dict[int, str | None] = {}
        for term in kept:
            weight = idf(n_docs, df[term])
            for doc_id, tf in self._postings[term]:
                doc = self._docs[doc_id]
                if tagged is not None and doc.tag not in tagged:
                    continue
                part = weight * tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.length / avg_length))
                scores[doc.ref_id] += part
                matched[doc.ref_id].append((part, term))
                doc_tag[doc.ref_id] = doc.tag
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
