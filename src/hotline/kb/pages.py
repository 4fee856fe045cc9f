"""The knowledge base's administration page (`/admin/kb`): duties (职责清单) and answers to common
consultations, listed by kind or found by the same search the operators use; an article is
created, changed or retired through the API's schemas and `kb.service` (audited there). A refused
form is drawn again with the API's message beside the field, what was typed kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from hotline.audit.service import Actor
from hotline.auth.pages import AdminSessionDep, CheckedFormDep, PageRefusal, PageSession
from hotline.directory import queries as directory
from hotline.domain.errors import DomainError, not_found
from hotline.kb import queries, service
from hotline.kb.schemas import ArticleIn, ArticlePatch
from hotline.web.deps import DbDep, LangDep, NowDep
from hotline.web.forms import Refused, checked, text
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
    by_parent: dict[int | None, list[Any]] = {}
    for c in sorted(cats, key=lambda c: c.code):
        by_parent.setdefault(c.parent_id, []).append(c)
    ordered: list[Any] = []

    def walk(parent: int | None) -> None:
        for c in by_parent.get(parent, []):
            ordered.append(c)
            walk(c.id)

    walk(None)
    return {"units": units, "categories": ordered}


def install(app: FastAPI) -> None:
    def list_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        q = request.query_params
        kind = q.get("kind") if q.get("kind") in service.KINDS else None
        query = (q.get("q") or "").strip()[:200]
        page = int(q["page"]) if q.get("page", "").isdigit() and len(q["page"]) < 6 else 1
        page = max(page, 1)
        with db.read() as rs:
            if query:
                found = queries.search(rs, query, kinds=None if kind is None else [kind], limit=PAGE_SIZE)
                rows, total = [f.article for f in found], len(found)
            else:
                rows, total = queries.listing(rs, kind, PAGE_SIZE, (page - 1) * PAGE_SIZE)
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
        return pages.render(
            request,
            "admin_kb.html",
            {
                "articles": listed,
                "total": total,
                "unit_names": units,
                "category_names": cats,
                "kind": kind,
                "query": query,
                "page": page,
                "pages": 1 if query else max(1, -(-total // PAGE_SIZE)),
                "form": form or {"kind": "answer"},
                "problems": problems or {},
                "done": q.get("done"),
                **_choices(db),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    def article_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        article_id: int,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        with db.read() as rs:
            article = queries.get(rs, article_id)
            if article is None:
                raise PageRefusal(not_found("kb.article_not_found", id=article_id), session)
            shown = form or {
                "kind": article.kind,
                "title": article.title,
                "body": article.body,
                "keywords": list(article.keywords or []),
                "category_code": article.category_code,
                "unit_id": article.unit_id,
            }
            source = article.source
        return pages.render(
            request,
            "admin_kb_article.html",
            {
                "article_id": article_id,
                "source": source,
                "form": shown,
                "problems": problems or {},
                "done": request.query_params.get("done"),
                **_choices(db),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/kb", include_in_schema=False, response_class=HTMLResponse)
    def admin_kb(request: Request, db: DbDep, session: AdminSessionDep) -> HTMLResponse:
        return list_page(request, db, session)

    @app.post("/admin/kb", include_in_schema=False)
    def create_article(
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        lang: LangDep,
    ) -> Response:
        data = _form(form)
        try:
            body = checked(ArticleIn, data, lang)
            with db.write() as s:
                article_id = service.create(s, body.model_dump(), Actor.of(session.user), now).id
        except Refused as failed:
            return list_page(request, db, session, form=data, problems=failed.problems, status=failed.status)
        except DomainError as err:
            failed = Refused.of(err, lang)
            return list_page(request, db, session, form=data, problems=failed.problems, status=failed.status)
        return RedirectResponse(f"/admin/kb/{article_id}?done=created", status_code=303)

    @app.get("/admin/kb/{article_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_article(article_id: int, request: Request, db: DbDep, session: AdminSessionDep) -> HTMLResponse:
        return article_page(request, db, session, article_id)

    @app.post("/admin/kb/{article_id}", include_in_schema=False)
    def update_article(
        article_id: int,
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        lang: LangDep,
    ) -> Response:
        data = _form(form)
        try:
            body = checked(ArticlePatch, data, lang)
            with db.write() as s:
                service.update(s, article_id, body.model_dump(), Actor.of(session.user), now)
        except Refused as failed:
            return article_page(
                request, db, session, article_id, form=data, problems=failed.problems, status=failed.status
            )
        except DomainError as err:
            if err.code == "kb.article_not_found":
                raise PageRefusal(err, session) from None
            failed = Refused.of(err, lang)
            return article_page(
                request, db, session, article_id, form=data, problems=failed.problems, status=failed.status
            )
        return RedirectResponse(f"/admin/kb/{article_id}?done=saved", status_code=303)

    @app.post("/admin/kb/{article_id}/retire", include_in_schema=False)
    def retire_article(
        article_id: int, db: DbDep, session: AdminSessionDep, form: CheckedFormDep, now: NowDep
    ) -> Response:
        try:
            with db.write() as s:
                service.delete(s, article_id, Actor.of(session.user), now)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return RedirectResponse("/admin/kb?done=retired", status_code=303)
