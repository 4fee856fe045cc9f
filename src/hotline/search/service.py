"""Writes to the full-text index: (re)index a document, remove it. Call inside the owner's
transaction, so a row and its index entry change together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
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


def remove(session: Session, scope: str, ref_id: int) -> None:
    """Take document ``ref_id`` of ``scope`` out of the index (nothing happens if it is not in)."""
    doc_id = session.scalar(
        select(SearchDocument.id).where(SearchDocument.scope == scope, SearchDocument.ref_id == ref_id)
    )
    if doc_id is None:
        return
    session.execute(delete(SearchPosting).where(SearchPosting.document_id == doc_id))
    session.execute(delete(SearchDocument).where(SearchDocument.id == doc_id))
