"""An in-memory copy of one small scope of the full-text index, searched with the same BM25 as
`queries.search` and giving the same hits.

The knowledge base is a few hundred documents that change a few times a day, yet the router
searches it for every ticket of a burst: in SQL that search costs about 5 ms (two queries and the
postings of every query term), in memory a fraction of it. Big scopes (past tickets) stay in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.search import tokens
from hotline.search.models import SearchDocument, SearchPosting
from hotline.search.queries import MAX_QUERY_TERMS, Hit, Postings, _kept_exact, idf


def fingerprint(session: Session, scope: str) -> tuple[int, datetime | None, int | None]:
    """Changes whenever a document of ``scope`` is indexed again, added or removed."""
    n, last, top = session.execute(
        select(func.count(), func.max(SearchDocument.indexed_at), func.max(SearchDocument.id)).where(
            SearchDocument.scope == scope
        )
    ).one()
    return int(n), last, top


class ScopeIndex:
    """Every document and posting of one scope, read once."""

    def __init__(self, lengths: dict[str | None, list[int]], postings: Postings) -> None:
        self._lengths = lengths  # tag → its documents' lengths
        self._postings = postings

    @classmethod
    def read(cls, session: Session, scope: str) -> ScopeIndex:
        lengths: dict[str | None, list[int]] = defaultdict(list)
        for length, tag in session.execute(
            select(SearchDocument.length, SearchDocument.tag).where(SearchDocument.scope == scope)
        ):
            lengths[tag].append(length)
        d, p = SearchDocument, SearchPosting
        rows = session.execute(
            select(p.term, p.tf, d.ref_id, d.length, d.tag)
            .join(d, d.id == p.document_id)
            .where(p.scope == scope)
        ).all()
        return cls(dict(lengths), Postings.from_rows(rows))

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
        lengths = [n for tag, ns in self._lengths.items() if tags is None or tag in tags for n in ns]
        n_docs = len(lengths)
        if not n_docs:
            return []
        avg_length = max(sum(lengths) / n_docs, 1.0)
        df = {t: n for t in set(wanted) if (n := self._postings.df(t))}
        present = sorted((t for t in wanted if t in df), key=lambda t: df[t])
        kept = _kept_exact(present, df, n_docs)
        weight = {t: idf(n_docs, df[t]) for t in kept}
        return self._postings.rank(kept, weight, avg_length, limit, tags=tags)
