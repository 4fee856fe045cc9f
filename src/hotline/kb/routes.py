"""The knowledge base over HTTP: search for everyone at the centre and in the units; writes for
administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from hotline.audit.service import Actor
from hotline.auth.deps import UserDep
from hotline.auth.service import CurrentUser
from hotline.directory.queries import CategoryInfo, UnitInfo
from hotline.domain.errors import forbidden, not_found
from hotline.domain.vocabulary import Role
from hotline.kb import queries, service
from hotline.kb import schemas as s
from hotline.kb.models import KbArticle
from hotline.search import tokens
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base 知识库"])

KIND_LABELS = {"duty": ("职责清单", "Duties"), "answer": ("咨询答复", "Answer")}


def require_admin(user: CurrentUser, action: str) -> None:
    if user.role is not Role.ADMIN:
        raise forbidden("permission.role", role=user.role.value, action=action)


def article_out(
    a: KbArticle, units: dict[int, UnitInfo], cats: dict[str, CategoryInfo], lang: str, zone: ZoneDep
) -> s.ArticleOut:
    unit = units.get(a.unit_id) if a.unit_id is not None else None
    cat = cats.get(a.category_code) if a.category_code is not None else None
    en = lang == "en"
    return s.ArticleOut(
        id=a.id,
        kind=a.kind,
        kind_label=KIND_LABELS.get(a.kind, (a.kind, a.kind))[1 if en else 0],
        title=a.title,
        body=a.body,
        keywords=list(a.keywords or []),
        category=None
        if cat is None
        else s.CategoryRef(code=cat.code, name=(cat.name_en or cat.name) if en else cat.name),
        unit=None
        if unit is None
        else s.Ref(id=unit.id, name=(unit.name_en or unit.name) if en else unit.name),
        source=a.source,
        updated_at=a.updated_at.astimezone(zone),
    )


@router.get("/search", response_model=s.SearchOut)
def search(
    db: DbDep,
    user: UserDep,
    lang: LangDep,
    zone: ZoneDep,
    q: Annotated[str, Query(max_length=2000, description="What to look for, e.g. 路灯 or 社保卡补办")],
    kind: s.Kind | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> s.SearchOut:
    """Chinese full-text search (BM25): "路灯" finds "路灯不亮了"; traditional characters work too."""
    if not tokens.query_terms(q):
        note = (
            "The query has no words to look for (only punctuation, symbols or emoji)."
            if lang == "en"
            else "查询内容没有可检索的文字（只有标点、符号或表情）。"
        )
        return s.SearchOut(query=q, results=[], note=note)
    with db.read() as session:
        found = queries.search(session, q, kinds=None if kind is None else [kind], limit=limit)
        units, cats = queries.names(session, [f.article for f in found])
        return s.SearchOut(
            query=q,
            results=[
                s.Hit(
                    article=article_out(f.article, units, cats, lang, zone),
                    score=f.score,
                    matched=list(f.matched),
                    snippet=f.snippet,
                    best_line=f.best_line,
                )
                for f in found
            ],
        )


@router.get("/articles", response_model=s.ArticlePage)
def list_articles(
    db: DbDep,
    user: UserDep,
    lang: LangDep,
    zone: ZoneDep,
    kind: s.Kind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> s.ArticlePage:
    with db.read() as session:
        rows, total = queries.listing(session, kind, limit, offset)
        units, cats = queries.names(session, rows)
        return s.ArticlePage(total=total, items=[article_out(a, units, cats, lang, zone) for a in rows])


def _one(db: DbDep, article_id: int, lang: str, zone: ZoneDep) -> s.ArticleOut:
    with db.read() as session:
        article = queries.get(session, article_id)
        if article is None:
            raise not_found("kb.article_not_found", id=article_id)
        units, cats = queries.names(session, [article])
        return article_out(article, units, cats, lang, zone)


@router.get("/articles/{article_id}", response_model=s.ArticleOut)
def get_article(article_id: int, db: DbDep, user: UserDep, lang: LangDep, zone: ZoneDep) -> s.ArticleOut:
    return _one(db, article_id, lang, zone)


@router.post("/articles", response_model=s.ArticleOut, status_code=201)
def create_article(
    body: s.ArticleIn, response: Response, db: DbDep, user: UserDep, now: NowDep, lang: LangDep, zone: ZoneDep
) -> s.ArticleOut:
    """Add an article (administrators)."""
    require_admin(user, "kb.create")
    with db.write() as session:
        article_id = service.create(session, body.model_dump(), Actor.of(user), now).id
    response.headers["Location"] = f"/api/v1/kb/articles/{article_id}"
    return _one(db, article_id, lang, zone)


@router.patch("/articles/{article_id}", response_model=s.ArticleOut)
def update_article(
    article_id: int, body: s.ArticlePatch, db: DbDep, user: UserDep, now: NowDep, lang: LangDep, zone: ZoneDep
) -> s.ArticleOut:
    """Change an article (administrators). An edited duty list is no longer overwritten from the directory."""
    require_admin(user, "kb.update")
    with db.write() as session:
        service.update(session, article_id, body.model_dump(exclude_unset=True), Actor.of(user), now)
    return _one(db, article_id, lang, zone)


@router.delete("/articles/{article_id}", status_code=204)
def delete_article(article_id: int, db: DbDep, user: UserDep, now: NowDep) -> Response:
    """Retire an article (administrators): it leaves search; the row is kept."""
    require_admin(user, "kb.delete")
    with db.write() as session:
        service.delete(session, article_id, Actor.of(user), now)
    return Response(status_code=204)
