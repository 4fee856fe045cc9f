"""Writes to the knowledge base: articles by administrators, duties kept in step with the
directory, and the demo city's answers. Every write re-indexes the article in the same
transaction, so search never sees an article without its index entry (or the reverse)."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.directory import queries as directory
from hotline.domain.errors import invalid, not_found
from hotline.kb.models import KbArticle
from hotline.search import service as index

SCOPE = "kb"
DUTY = "duty"
ANSWER = "answer"
KINDS = (DUTY, ANSWER)


def indexed_text(article: KbArticle) -> str:
    """What search reads of an article: title, keywords and body."""
    return "\n".join([article.title, " ".join(article.keywords or []), article.body])


def _reindex(session: Session, article: KbArticle, now: datetime) -> None:
    if article.active:
        index.index(session, SCOPE, article.id, indexed_text(article), now, tag=article.kind, unigrams=True)
    else:
        index.remove(session, SCOPE, article.id)


def _check_refs(session: Session, category_code: str | None, unit_id: int | None) -> None:
    if category_code is not None and not directory.category_codes(session, among={category_code}):
        raise invalid("category.not_found", category=category_code, field="category_code")
    if unit_id is not None and not directory.unit_exists(session, unit_id):
        raise invalid("unit.not_found", unit=unit_id, field="unit_id")


def create(session: Session, data: dict[str, Any], actor: audit.Actor, now: datetime) -> KbArticle:
    """An administrator's new article (kind, title, body, keywords, category_code, unit_id)."""
    _check_refs(session, data.get("category_code"), data.get("unit_id"))
    article = KbArticle(
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
        keywords=list(data.get("keywords") or []),
        category_code=data.get("category_code"),
        unit_id=data.get("unit_id"),
        source="admin",
        source_key=None,
        active=True,
        created_at=now,
        updated_at=now,
        updated_by_user_id=actor.user_id,
    )
    session.add(article)
    session.flush()
    _reindex(session, article, now)
    audit.record(
        session, actor, "kb.article.created", "kb_article", article.id, at=now, after=audit.snapshot(article)
    )
    return article


def _get(session: Session, article_id: int) -> KbArticle:
    article = session.get(KbArticle, article_id)
    if article is None or not article.active:
        raise not_found("kb.article_not_found", id=article_id)
    return article


def update(
    session: Session, article_id: int, changes: dict[str, Any], actor: audit.Actor, now: datetime
) -> KbArticle:
    """Change the given fields. An edited duty list becomes the administrator's: a later sync
    from the directory no longer overwrites it."""
    article = _get(session, article_id)
    _check_refs(session, changes.get("category_code"), changes.get("unit_id"))
    before = audit.snapshot(article)
    for name in ("kind", "title", "body", "category_code", "unit_id"):
        if name in changes:
            setattr(article, name, changes[name])
    if "keywords" in changes:
        article.keywords = list(changes["keywords"] or [])
    article.source = "admin"
    article.updated_at = now
    article.updated_by_user_id = actor.user_id
    session.flush()
    _reindex(session, article, now)
    after = audit.snapshot(article)
    audit.record(
        session, actor, "kb.article.updated", "kb_article", article.id, at=now, before=before, after=after
    )
    return article


def delete(session: Session, article_id: int, actor: audit.Actor, now: datetime) -> None:
    """Retire an article: it leaves search, the row stays (and a directory sync will not revive it)."""
    article = _get(session, article_id)
    before = audit.snapshot(article)
    article.active = False
    article.source = "admin"
    article.updated_at = now
    article.updated_by_user_id = actor.user_id
    session.flush()
    _reindex(session, article, now)
    after = audit.snapshot(article)
    audit.record(
        session, actor, "kb.article.retired", "kb_article", article.id, at=now, before=before, after=after
    )


# --- duties from the directory ------------------------------------------------------------


def sync_duties(session: Session, now: datetime, actor: audit.Actor = audit.LOADER) -> dict[str, int]:
    """One duty article per active unit that has duties (职责清单), kept equal to the directory.

    Articles an administrator edited or retired (source "admin") are left alone. Each article
    created, changed or retired is audited under `actor`.
    """
    units = directory.units(session)
    existing = {
        a.source_key: a for a in session.scalars(select(KbArticle).where(KbArticle.source_key.like("duty:%")))
    }
    counts = {"created": 0, "updated": 0, "retired": 0}
    for unit in units:
        key = f"duty:{unit.code}"
        article = existing.get(key)
        wanted = bool(unit.active and unit.duties)
        if article is not None and article.source == "admin":
            continue
        if not wanted:
            if article is not None and article.active:
                before = audit.snapshot(article)
                article.active = False
                article.updated_at = now
                _reindex(session, article, now)
                counts["retired"] += 1
                _synced(session, actor, "kb.article.retired", article, before, now)
            continue
        title = f"{unit.name} 职责清单"
        body = "\n".join(unit.duties)
        keywords = list(unit.keywords or [])
        if article is None:
            article = KbArticle(
                kind=DUTY,
                title=title,
                body=body,
                keywords=keywords,
                category_code=None,
                unit_id=unit.id,
                source="directory",
                source_key=key,
                active=True,
                created_at=now,
                updated_at=now,
            )
            session.add(article)
            session.flush()
            counts["created"] += 1
            _synced(session, actor, "kb.article.created", article, None, now)
        elif (article.title, article.body, article.keywords, article.active) == (title, body, keywords, True):
            continue
        else:
            before = audit.snapshot(article)
            article.title, article.body, article.keywords, article.active = title, body, keywords, True
            article.unit_id = unit.id
            article.updated_at = now
            counts["updated"] += 1
            _synced(session, actor, "kb.article.updated", article, before, now)
        _reindex(session, article, now)
    session.flush()
    return counts


def _synced(
    session: Session, actor: audit.Actor, action: str, article: KbArticle, before: Any, now: datetime
) -> None:
    after = audit.snapshot(article)
    audit.record(
        session,
        actor,
        action,
        "kb_article",
        article.id,
        at=now,
        before=before,
        after=after,
        note="单位名录同步 synced from the directory",
    )


# --- the demo city's answers --------------------------------------------------------------


def demo_answers() -> list[dict[str, Any]]:
    """The demo city's answers to common consultations (src/hotline/kb/demo_answers.json)."""
    text = resources.files("hotline.kb").joinpath("demo_answers.json").read_text(encoding="utf-8")
    return list(json.loads(text)["answers"])


def load_answers(
    session: Session,
    answers: list[dict[str, Any]],
    now: datetime,
    source: str = "demo",
    actor: audit.Actor = audit.LOADER,
) -> int:
    """Insert answers not yet loaded (by key); unknown category or unit codes are left empty."""
    known = set(session.scalars(select(KbArticle.source_key).where(KbArticle.source_key.is_not(None))))
    unit_ids = directory.unit_ids_by_code(session)
    categories = directory.category_codes(session)
    added = 0
    for spec in answers:
        key = f"{source}:{spec['key']}"
        if key in known:
            continue
        article = KbArticle(
            kind=ANSWER,
            title=spec["title"],
            body=spec["body"],
            keywords=list(spec.get("keywords") or []),
            category_code=spec.get("category") if spec.get("category") in categories else None,
            unit_id=unit_ids.get(spec.get("unit") or ""),
            source=source,
            source_key=key,
            active=True,
            created_at=now,
            updated_at=now,
        )
        session.add(article)
        session.flush()
        _reindex(session, article, now)
        audit.record(
            session,
            actor,
            "kb.article.created",
            "kb_article",
            article.id,
            at=now,
            after=audit.snapshot(article),
        )
        added += 1
    return added


def has_answers(session: Session) -> bool:
    """Whether any answer was ever stored (retired ones count: the demo set is not loaded again)."""
    return bool(session.scalar(select(func.count()).select_from(KbArticle).where(KbArticle.kind == ANSWER)))
