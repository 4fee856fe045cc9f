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
from hotline.search.queries import MAX_QUERY_TERMS, Hit, Posting, _kept_exact, _rank, idf


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
        kept = _kept_exact(present, df, n_docs)
        by_term: dict[str, list[Posting]] = {}
        for term in kept:
            docs = ((self._docs[doc_id], tf) for doc_id, tf in self._postings[term])
            by_term[term] = [
                (tf, d.ref_id, d.length, d.tag) for d, tf in docs if tagged is None or d.tag in tagged
            ]
        weight = {t: idf(n_docs, df[t]) for t in kept}
        return _rank(by_term, kept, weight, avg_length, limit)
