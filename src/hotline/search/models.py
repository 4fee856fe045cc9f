"""Tables of the full-text index: one row per indexed document, one per (document, term)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime


class SearchDocument(Base):
    """An indexed text: `scope` says whose (kb, ticket), `ref_id` which row of theirs it is."""

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("scope", "ref_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int] = mapped_column(Integer)
    # A free label the owner filters on (kb: duty / answer), so one index serves several lists.
    tag: Mapped[str | None] = mapped_column(String(20))
    length: Mapped[int] = mapped_column(Integer)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SearchPosting(Base):
    """One term of one document and how often it occurs (BM25's term frequency)."""

    __tablename__ = "search_postings"
    # A term's postings in document order, read from the index alone (tf included): counting a
    # term's documents, and reading the newest ones of a common term, never touch the table.
    __table_args__ = (Index("ix_search_postings_scope_term_doc", "scope", "term", "document_id", "tf"),)

    document_id: Mapped[int] = mapped_column(
        ForeignKey("search_documents.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    tf: Mapped[int] = mapped_column(Integer)
