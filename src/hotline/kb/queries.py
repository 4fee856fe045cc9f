"""Reads of the knowledge base: search (BM25 over the full-text index), one article, a list."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.directory import queries as directory
from hotline.kb.models import KbArticle
from hotline.kb.service import SCOPE
from hotline.search import memory, tokens
from hotline.search import queries as search_index

SNIPPET_CHARS = 80


@dataclass(frozen=True, slots=True)
class Found:
    article: KbArticle
    score: float
    matched: tuple[str, ...]
    snippet: str
    best_line: str
    parts: tuple[tuple[str, float], ...] = ()


@functools.lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    """An article's text (or line) folded, remembered: the router searches the same few hundred
    articles for every ticket of a burst, and folding their lines was a tenth of its time."""
    return tokens.fold(text)


@functools.lru_cache(maxsize=1024)
def _lines(body: str) -> tuple[str, ...]:
    return tuple(line for line in body.splitlines() if line.strip())


def best_line(body: str, matched: tuple[str, ...]) -> str:
    """The line of ``body`` that holds most of the matched terms (longer terms count more): for a
    duty list, the one duty that matched."""
    lines = _lines(body)
    if not lines:
        return ""
    if not matched:
        return lines[0]

    def weight(line: str) -> int:
        folded = _folded(line)
        return sum(len(t) for t in matched if t in folded)

    return max(lines, key=weight)


def snippet(body: str, matched: tuple[str, ...], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``body`` around its first matched term."""
    folded = _folded(body)
    positions = [folded.find(t) for t in matched if t in folded]
    start = min(positions) if positions and len(folded) == len(body) else 0
    begin = max(0, start - width // 4)
    text = body[begin : begin + width].replace("\n", " ")
    return ("…" if begin > 0 else "") + text + ("…" if begin + width < len(body) else "")


def search(
    session: Session,
    query: str | None,
    kinds: Collection[str] | None = None,
    limit: int = 10,
    query_chars: int = 500,
) -> list[Found]:
    """Active articles best matching ``query`` (of the given kinds), best first."""
    hits = search_index.search(session, SCOPE, query, limit=limit, tags=kinds, query_chars=query_chars)
    if not hits:
        return []
    rows = {
        a.id: a
        for a in session.scalars(
            select(KbArticle).where(KbArticle.id.in_([h.ref_id for h in hits]), KbArticle.active.is_(True))
        )
    }
    return _found(hits, rows)


def _found(hits: list[search_index.Hit], rows: Mapping[int, KbArticle]) -> list[Found]:
    """The hits whose article is active, with the lines that matched."""
    found = []
    for hit in hits:
        article = rows.get(hit.ref_id)
        if article is None:
            continue
        found.append(
            Found(
                article=article,
                score=hit.score,
                matched=hit.matched,
                snippet=snippet(article.body, hit.matched),
                best_line=best_line(article.body, hit.matched),
                parts=hit.parts,
            )
        )
    return found


class Snapshot:
    """The active articles and their index, held in memory: `search` gives what the SQL search
    gives, for a caller that searches the kb many times a second (the router in a burst). Build it
    again when `fingerprint` changes."""

    def __init__(self, session: Session) -> None:
        self.fingerprint = fingerprint(session)
        self._index = memory.ScopeIndex.read(session, SCOPE)
        self._articles = {
            a.id: a for a in session.scalars(select(KbArticle).where(KbArticle.active.is_(True)))
        }
        for article in self._articles.values():
            session.expunge(article)  # read-only copies, kept after the session ends

    def search(
        self, query: str | None, kinds: Collection[str] | None = None, limit: int = 10, query_chars: int = 500
    ) -> list[Found]:
        hits = self._index.search(query, limit=limit, tags=kinds, query_chars=query_chars)
        return _found(hits, self._articles)


def fingerprint(session: Session) -> tuple[object, ...]:
    """Changes when an article or its index entry changes (one cheap query each)."""
    articles = session.execute(
        select(func.count(), func.max(KbArticle.updated_at)).where(KbArticle.active.is_(True))
    ).one()
    return (*articles, *memory.fingerprint(session, SCOPE))


def active_count(session: Session, kind: str) -> int:
    """How many active articles of this kind (duty, answer) the kb holds."""
    query = (
        select(func.count()).select_from(KbArticle).where(KbArticle.kind == kind, KbArticle.active.is_(True))
    )
    return int(session.scalar(query) or 0)


def get(session: Session, article_id: int) -> KbArticle | None:
    article = session.get(KbArticle, article_id)
    return article if article is not None and article.active else None


def listing(session: Session, kind: str | None, limit: int, offset: int) -> tuple[list[KbArticle], int]:
    """Active articles (of one kind), by id; with the total count."""
    where = [KbArticle.active.is_(True)]
    if kind is not None:
        where.append(KbArticle.kind == kind)
    total = session.scalar(select(func.count()).select_from(KbArticle).where(*where)) or 0
    rows = session.scalars(select(KbArticle).where(*where).order_by(KbArticle.id).limit(limit).offset(offset))
    return list(rows), int(total)


def names(
    session: Session, articles: list[KbArticle]
) -> tuple[dict[int, directory.UnitInfo], dict[str, directory.CategoryInfo]]:
    """The units and categories the articles refer to, for showing their names."""
    unit_ids = {a.unit_id for a in articles if a.unit_id is not None}
    codes = {a.category_code for a in articles if a.category_code is not None}
    return directory.unit_names(session, unit_ids), directory.categories_by_code(session, codes)
