"""The routing rules' administration page (`/admin/routing-rules`): administrators' explicit rules
(keywords, and an area → category and/or unit), created, changed, paused and deleted through the
API's schemas and `routing.rules` (audited there); a "try a text" box shows which rules the text
matches, by the same test the router uses (`rules.hit`). A refused form is drawn again with the
API's message beside the field, what was typed kept.

Also the centre's page of how right 秒派 was (`/routing/accuracy`): the API's own report
(`routes.accuracy_report`), worst first. It imports no model code (scikit-learn stays out of the
web process)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from hotline.auth.pages import AdminPageDep, AdminPostDep, PageRefusal, PageSessionDep
from hotline.directory import queries as directory
from hotline.domain.errors import DomainError, invalid
from hotline.routing import accuracy, routes, rules
from hotline.routing import schemas as s
from hotline.search import tokens
from hotline.web import admin
from hotline.web.admin import Attempt, Page
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.forms import checked, text
from hotline.web.numbers import Id
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")
_WORDS = re.compile(r"[\s,，、;；]+")
TRY_CHARS = 1000  # routing reads no more of a request (DECISIONS, routing 2)
#: The accuracy page's default period: the last 30 days, today included.
DEFAULT_DAYS = 30


def _day(request: Request, name: str, default: date) -> date:
    value = request.query_params.get(name, "").strip()[:20]
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid("routing.period", field=name) from None


def _id(form: FormData, name: str) -> int | str | None:
    value = str(form.get(name) or "").strip()
    return int(value) if value.isdigit() and len(value) < 11 else (value or None)


def _form(form: FormData) -> dict[str, Any]:
    """The form as the API's body: keywords as lists, empty choices None."""
    confidence = str(form.get("confidence") or "").strip()
    data: dict[str, Any] = {
        "name": text(form, "name") or "",
        "keywords": [w for w in _WORDS.split(str(form.get("keywords") or "")) if w],
        "exclude_keywords": [w for w in _WORDS.split(str(form.get("exclude_keywords") or "")) if w],
        "category_code": text(form, "category_code"),
        "unit_id": _id(form, "unit_id"),
        "area_unit_id": _id(form, "area_unit_id"),
        "confidence": confidence or 0.95,
    }
    return data


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "keywords": list(r.keywords),
        "exclude_keywords": list(r.exclude_keywords or []),
        "category_code": r.category_code,
        "unit_id": r.unit_id,
        "area_unit_id": r.area_unit_id,
        "confidence": r.confidence,
        "active": r.active,
    }


def _matches(found: tuple[str | None, str | None] | None) -> bool:
    return found is not None and found[0] is not None and found[1] is None


def install(app: FastAPI) -> None:
    @app.get("/routing/accuracy", include_in_schema=False, response_class=HTMLResponse)
    def accuracy_page(
        request: Request, db: DbDep, session: PageSessionDep, now: NowDep, zone: ZoneDep, lang: LangDep
    ) -> HTMLResponse:
        today = now.astimezone(zone).date()
        try:
            first = _day(request, "from", today - timedelta(days=DEFAULT_DAYS - 1))
            last = _day(request, "to", today)
            found = routes.accuracy_report(db, session.user, zone, lang, first, last)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return pages.render(
            request,
            "routing_accuracy.html",
            {
                "report": found,
                "first": first,
                "last": last,
                "by_category": accuracy.worst_first(found.by_category),
                "by_unit": accuracy.worst_first(found.by_unit),
                "default_days": DEFAULT_DAYS,
            },
            user=session.user,
            csrf=session.csrf,
            now=now,
        )

    def rules_page(page: Page, sent: Attempt | None = None, *, edit: int | None = None) -> HTMLResponse:
        tried = (page.request.query_params.get("try") or "").strip()[:TRY_CHARS]
        folded = tokens.fold(tried) if tried else ""
        with page.db.read() as rs:
            listed = rules.listing(rs)
            found = {r.id: rules.hit(r, folded) for r in listed} if tried else {}
            rows = [_row(r) for r in listed]
            all_units = directory.units(rs)
            cats = sorted((c for c in directory.categories(rs) if c.active), key=lambda c: c.code)
        editing = next((r for r in rows if r["id"] == edit), None) if edit is not None else None
        return admin.render(
            pages,
            page,
            "admin_routing_rules.html",
            {
                "rules": rows,
                "tried": tried,
                "found": found,
                "matched": [r for r in rows if r["active"] and _matches(found.get(r["id"]))],
                "unit_names": {u.id: u for u in all_units},
                "category_names": {c.code: c for c in cats},
                "units": [u for u in all_units if u.active],
                "categories": cats,
                "editing": editing,
            },
            sent,
            form=dict(editing) if editing else {"confidence": 0.95},
        )

    @app.get("/admin/routing-rules", include_in_schema=False, response_class=HTMLResponse)
    def admin_rules(page: AdminPageDep) -> HTMLResponse:
        return rules_page(page)

    @app.get("/admin/routing-rules/{rule_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_rule(rule_id: Id, page: AdminPageDep) -> HTMLResponse:
        with page.db.read() as rs:
            try:
                rules.get(rs, rule_id)
            except DomainError as err:
                raise PageRefusal(err, page.session) from None
        return rules_page(page, edit=rule_id)

    @app.post("/admin/routing-rules", include_in_schema=False)
    def create_rule(post: AdminPostDep) -> Response:
        data = _form(post.form)

        def save() -> str:
            body = checked(s.RuleIn, data, post.lang)
            with post.db.write() as ws:
                rule = rules.create(ws, body.model_dump(), post.actor, post.now)
                return f"/admin/routing-rules?done=created#rule-{rule.id}"

        return admin.submit(post, save, lambda sent: rules_page(post, sent), form=data)

    @app.post("/admin/routing-rules/{rule_id}", include_in_schema=False)
    def update_rule(rule_id: Id, post: AdminPostDep) -> Response:
        data = {**_form(post.form), "active": post.form.get("active") == "1"}

        def save() -> str:
            body = checked(s.RulePatch, data, post.lang)
            with post.db.write() as ws:
                rules.update(ws, rule_id, body.model_dump(), post.actor, post.now)
            return f"/admin/routing-rules?done=saved#rule-{rule_id}"

        return admin.submit(post, save, lambda sent: rules_page(post, sent, edit=rule_id), form=data)

    @app.post("/admin/routing-rules/{rule_id}/delete", include_in_schema=False)
    def delete_rule(rule_id: Id, post: AdminPostDep) -> Response:
        return admin.press(
            post,
            lambda ws: rules.delete(ws, rule_id, post.actor, post.now),
            "/admin/routing-rules?done=deleted",
        )
