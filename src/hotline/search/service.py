"""Writes to the full-text index: (re)index a document, remove it. Call inside the owner's
transaction, so a row and its index entry change together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from hotline.search import tokens
from hotline.search.models import SearchDocument, SearchPosting


def index(
    session: Session,
    scope: str,
    ref_id: int,
    text: str,
    now: datetime,
    *,
    tag: str | None = None,
    unigrams: bool = False,
    max_chars: int = tokens.MAX_CHARS,
) -> None:
    """Index ``text`` as document ``ref_id`` of ``scope``, replacing what was indexed before."""
    counts = tokens.terms(text, unigrams=unigrams, max_chars=max_chars)
    doc_id = session.scalar(
        select(SearchDocument.id).where(SearchDocument.scope == scope, SearchDocument.ref_id == ref_id)
    )
    length = sum(counts.values())
    if doc_id is None:
        doc = SearchDocument(scope=scope, ref_id=ref_id, tag=tag, length=length, indexed_at=now)
        session.add(doc)
        session.flush()
        doc_id = doc.id
    else:
        session.execute(delete(SearchPosting).where(SearchPosting.document_id == doc_id))
        doc = session.get_one(SearchDocument, doc_id)
        doc.tag, doc.length, doc.indexed_at = tag, length, now
    if counts:
        session.execute(
            insert(SearchPosting),
            [{"document_id": doc_id, "term": t, "scope": scope, "tf": n} for t, n in counts.items()],
        )
    session.flush()


def index_many(
    session: Session,
    scope: str,
    documents: list[tuple[int, str]],
    now: datetime,
    *,
    max_chars: int = tokens.MAX_CHARS,
) -> None:
    """:func:`index` for many documents ``(ref_id, text)`` of one scope at once (a router's
    batch): a handful of statements whatever their number, each an executemany."""
    if not documents:
        return
    counted = {ref_id: tokens.terms(text, max_chars=max_chars) for ref_id, text in documents}
    existing = dict(
        session.execute(
            select(SearchDocument.ref_id, SearchDocument.id).where(
                SearchDocument.scope == scope, SearchDocument.ref_id.in_(list(counted))
            )
        ).all()
    )
    if existing:
        session.execute(delete(SearchPosting).where(SearchPosting.document_id.in_(list(existing.values()))))
        session.execute(
            update(SearchDocument),
            [
                {"id": doc_id, "tag": None, "length": sum(counted[ref_id].values()), "indexed_at": now}
                for ref_id, doc_id in existing.items()
            ],
        )
    fresh = [ref_id for ref_id in counted if ref_id not in existing]
    doc_ids = dict(existing)
    if fresh:
        new_ids = session.scalars(
            insert(SearchDocument).returning(SearchDocument.id, sort_by_parameter_order=True),
            [
                {
                    "scope": scope,
                    "ref_id": r,
                    "tag": None,
                    "length": sum(counted[r].values()),
                    "indexed_at": now,
                }
                for r in fresh
            ],
        ).all()
        doc_ids.update(zip(fresh, new_ids, strict=True))
    postings = [
        {"document_id": doc_ids[ref_id], "term": t, "scope": scope, "tf": n}
        for ref_id, counts in counted.items()
        for t, n in counts.items()
    ]
    if postings:  # Core, not the ORM's bulk insert: a batch's ~2,000 rows as plain parameters
        session.connection().execute(insert(SearchPosting.__table__), postings)
    session.flush()


def remove(session: Session, scope: str, ref_id: int) -> None:
    """Take document ``ref_id`` of ``scope`` out of the index (nothing happens if it is not in)."""
    doc_id = session.scalar(
        select(SearchDocument.id).where(SearchDocument.scope == scope, SearchDocument.ref_id == ref_id)
    )
    if doc_id is None:
        return
    session.execute(delete(SearchPosting).where(SearchPosting.document_id == doc_id))
    session.execute(delete(SearchDocument).where(SearchDocument.id == doc_id))
