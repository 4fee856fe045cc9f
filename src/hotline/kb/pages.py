"""The knowledge base's administration page (`/admin/kb`): duties (职责清单) and answers to common
consultations, listed by kind or found by the same search the operators use; an article is
created, changed or retired through the API's schemas and `kb.service` (audited there). A refused
form is drawn again with the API's message beside the field, what was typed kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from hotline.auth.pages import AdminPageDep, AdminPostDep, PageRefusal
from hotline.directory import queries as directory
from hotline.domain.errors import not_found
from hotline.kb import queries, service
from hotline.kb.schemas import ArticleIn, ArticlePatch
from hotline.web import admin
from hotline.web.admin import Attempt, Page
from hotline.web.deps import DbDep
from hotline.web.forms import checked, text
from hotline.web.numbers import Id
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")
PAGE_SIZE = 30
_WORDS = re.compile(r"[\s,，、;；]+")


def _form(form: FormData) -> dict[str, Any]:
    """The form as the API's body: empty optional fields are None, keywords a list."""
    unit = str(form.get("unit_id") or "").strip()
    return {
        "kind": text(form, "kind") or "answer",
        "title": text(form, "title") or "",
        "body": str(form.get("body") or "").strip(),
        "keywords": [w for w in _WORDS.split(str(form.get("keywords") or "")) if w],
        "category_code": text(form, "category_code"),
        "unit_id": (int(unit) if unit.isdigit() and len(unit) < 11 else unit) or None,
    }


def _choices(db: DbDep) -> dict[str, Any]:
    """The units and categories an article may name, in tree order (the form's lists)."""
    with db.read() as rs:
        units = [u for u in directory.units(rs) if u.active]
        cats = [c for c in directory.categories(rs) if c.active]
    return {"units": units, "categories": directory.category_tree(cats)}


def install(app: FastAPI) -> None:
    def list_page(page: Page, sent: Attempt | None = None) -> HTMLResponse:
        q = page.request.query_params
        kind = q.get("kind") if q.get("kind") in service.KINDS else None
        query = (q.get("q") or "").strip()[:200]
        number = int(q["page"]) if q.get("page", "").isdigit() and len(q["page"]) < 6 else 1
        number = max(number, 1)
        with page.db.read() as rs:
            if query:
                found = queries.search(rs, query, kinds=None if kind is None else [kind], limit=PAGE_SIZE)
                rows, total = [f.article for f in found], len(found)
            else:
                rows, total = queries.listing(rs, kind, PAGE_SIZE, (number - 1) * PAGE_SIZE)
            units, cats = queries.names(rs, rows)
            listed = [
                {
                    "id": a.id,
                    "title": a.title,
                    "kind": a.kind,
                    "unit_id": a.unit_id,
                    "category_code": a.category_code,
                }
                for a in rows
            ]
        return admin.render(
            pages,
            page,
            "admin_kb.html",
            {
                "articles": listed,
                "total": total,
                "unit_names": units,
                "category_names": cats,
                "kind": kind,
                "query": query,
                "page": number,
                "pages": 1 if query else max(1, -(-total // PAGE_SIZE)),
                **_choices(page.db),
            },
            sent,
            form={"kind": "answer"},
        )

    def article_page(page: Page, article_id: Id, sent: Attempt | None = None) -> HTMLResponse:
        with page.db.read() as rs:
            article = queries.get(rs, article_id)
            if article is None:
                raise PageRefusal(not_found("kb.article_not_found", id=article_id), page.session)
            stored = {
                "kind": article.kind,
                "title": article.title,
                "body": article.body,
                "keywords": list(article.keywords or []),
                "category_code": article.category_code,
                "unit_id": article.unit_id,
            }
            source = article.source
        return admin.render(
            pages,
            page,
            "admin_kb_article.html",
            {"article_id": article_id, "source": source, **_choices(page.db)},
            sent,
            form=stored,
        )

    @app.get("/admin/kb", include_in_schema=False, response_class=HTMLResponse)
    def admin_kb(page: AdminPageDep) -> HTMLResponse:
        return list_page(page)

    @app.post("/admin/kb", include_in_schema=False)
    def create_article(post: AdminPostDep) -> Response:
        data = _form(post.form)

        def save() -> str:
            body = checked(ArticleIn, data, post.lang)
            with post.db.write() as s:
                article = service.create(s, body.model_dump(), post.actor, post.now)
                return f"/admin/kb/{article.id}?done=created"

        return admin.submit(post, save, lambda sent: list_page(post, sent), form=data)

    @app.get("/admin/kb/{article_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_article(article_id: Id, page: AdminPageDep) -> HTMLResponse:
        return article_page(page, article_id)

    @app.post("/admin/kb/{article_id}", include_in_schema=False)
    def update_article(article_id: Id, post: AdminPostDep) -> Response:
        data = _form(post.form)

        def save() -> str:
            body = checked(ArticlePatch, data, post.lang)
            with post.db.write() as s:
                service.update(s, article_id, body.model_dump(), post.actor, post.now)
            return f"/admin/kb/{article_id}?done=saved"

        return admin.submit(post, save, lambda sent: article_page(post, article_id, sent), form=data)

    @app.post("/admin/kb/{article_id}/retire", include_in_schema=False)
    def retire_article(article_id: Id, post: AdminPostDep) -> Response:
        return admin.press(
            post, lambda s: service.delete(s, article_id, post.actor, post.now), "/admin/kb?done=retired"
        )
