"""The administration pages of the directory: units (the five-level tree), people and categories
(the three-level tree). Thin handlers over the same schemas and service functions as
`/api/v1/admin/…`: a form is validated by the API's schema, refused with the API's code and
message next to its field (and nothing written), and a change that succeeds redirects (303) to the
thing changed. Administrators only; every change is audited by the service."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from hotline.audit import queries as audit_queries
from hotline.auth.pages import AdminPageDep, AdminPostDep, PageRefusal
from hotline.directory import queries, service
from hotline.directory import schemas as s
from hotline.directory.queries import category_tree
from hotline.domain.errors import not_found
from hotline.web import admin
from hotline.web.admin import Attempt, Page, Post
from hotline.web.deps import ZoneDep
from hotline.web.forms import checked, text
from hotline.web.numbers import Id
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")

_WORDS = re.compile(r"[\s,，、;；]+")
#: The roles a person may be given, in the order the form offers them.
ROLES = ("operator", "dispatcher", "unit_handler", "unit_reviewer", "supervisor", "grid_worker", "admin")
HISTORY = 8
#: The kinds a new unit may have, in the tree's order (the form's list).
KINDS = ("district", "department", "enterprise", "street", "town", "community", "village", "grid")


def _id(form: FormData, name: str) -> int | str | None:
    """An id picked from a list; anything else goes to the schema, which refuses it by name."""
    value = str(form.get(name) or "").strip()
    return int(value) if value.isdigit() and len(value) < 11 else (value or None)


def _words(form: FormData, name: str) -> list[str]:
    return [w for w in _WORDS.split(str(form.get(name) or "")) if w]


def _new_unit(form: FormData) -> dict[str, Any]:
    """The new-unit form as the API's body."""
    return {
        "code": text(form, "code") or "",
        "name": text(form, "name") or "",
        "name_en": text(form, "name_en"),
        "public_name": text(form, "public_name"),
        "kind": text(form, "kind") or "",
        "parent_id": _id(form, "parent_id"),
        "keywords": _words(form, "keywords"),
    }


def _new_person(form: FormData) -> dict[str, Any]:
    """The new-person form as the API's body (the password as typed: the schema judges it)."""
    return {
        "username": text(form, "username") or "",
        "display_name": text(form, "display_name") or "",
        "role": text(form, "role") or "",
        "unit_id": _id(form, "unit_id"),
        "password": str(form.get("password") or ""),
    }


def _history(page: Page, entity_type: str, entity_id: int) -> list[audit_queries.Entry]:
    """The latest changes of one thing, in the centre's zone."""
    zone = page.request.app.state.settings.zone
    with page.db.read() as session:
        filters = audit_queries.Filters(entity_type=entity_type, entity_id=str(entity_id))
        entries = audit_queries.page(session, filters, HISTORY, 0)[0]
    return [replace(e, at=e.at.astimezone(zone)) for e in entries]


#: The administration's pages, as `/admin` lists them: (path, title key, one line's key).
ADMIN_PAGES: tuple[tuple[str, str, str], ...] = (
    ("/admin/units", "nav.admin_units", "admin.index.units"),
    ("/admin/people", "nav.admin_people", "admin.index.people"),
    ("/admin/categories", "nav.admin_categories", "admin.index.categories"),
    ("/admin/kb", "kb.title", "admin.index.kb"),
    ("/admin/time-limits", "limits.title", "admin.index.time_limits"),
    ("/admin/routing-rules", "rules.title", "admin.index.routing_rules"),
    ("/admin/webhooks", "hooks.title", "admin.index.webhooks"),
    ("/admin/open311/services", "services.title", "admin.index.services"),
    ("/admin/open311/keys", "nav.admin_keys", "admin.index.keys"),
    ("/admin/audit", "nav.audit", "admin.index.audit"),
)


def create(
    post: Post,
    schema: type[BaseModel],
    data: dict[str, Any],
    make: Callable[..., Any],
    path: str,
    redraw: Callable[[Attempt], Response],
    *,
    shown: dict[str, Any] | None = None,
) -> Response:
    """A new unit, person or category: the form checked by the API's schema, made by the service,
    and the browser sent to it; refused, the list page again with `shown` (what was typed, never a
    password) kept."""

    def save() -> str:
        body = checked(schema, data, post.lang)
        with post.db.write() as ws:
            made = make(ws, **body.model_dump(), actor=post.actor, now=post.now)
            return f"{path}/{made.id}?done=created"

    return admin.submit(post, save, redraw, form=data if shown is None else shown)


def install(app: FastAPI) -> None:
    @app.get("/admin", include_in_schema=False, response_class=HTMLResponse)
    def admin_index(page: AdminPageDep) -> HTMLResponse:
        """The administrator's home: one link a page, each with the line that says what it keeps."""
        return admin.render(pages, page, "admin_index.html", {"links": ADMIN_PAGES})

    # --- units ------------------------------------------------------------------------------------
    def units_page(page: Page, sent: Attempt | None = None) -> HTMLResponse:
        with page.db.read() as rs:
            units = queries.units(rs)
            counts = queries.people_counts(rs)
        return admin.render(
            pages,
            page,
            "admin_units.html",
            {
                "units": units,
                "counts": counts,
                "parents": [u for u in units if u.active and u.level < service.MAX_UNIT_LEVEL],
                "kinds": KINDS,
                "created": page.request.query_params.get("created"),
            },
            sent,
        )

    @app.get("/admin/units", include_in_schema=False, response_class=HTMLResponse)
    def admin_units(page: AdminPageDep) -> HTMLResponse:
        return units_page(page)

    @app.post("/admin/units", include_in_schema=False)
    def create_unit(post: AdminPostDep) -> Response:
        data = _new_unit(post.form)
        return create(
            post, s.UnitIn, data, service.create_unit, "/admin/units", lambda sent: units_page(post, sent)
        )

    def unit_page(page: Page, unit_id: Id, sent: Attempt | None = None) -> HTMLResponse:
        with page.db.read() as rs:
            unit = queries.unit(rs, unit_id)
            if unit is None:
                raise PageRefusal(not_found("unit.not_found", unit=unit_id), page.session)
            units = queries.units(rs)
            people = [p for p in queries.people(rs) if p.unit_id == unit_id]
        by_id = {u.id: u for u in units}
        below = [u for u in units if u.path.startswith(unit.path) and u.id != unit.id]
        depth_below = max((u.level for u in below), default=unit.level) - unit.level
        parents = [
            u
            for u in units
            if u.active
            and not u.path.startswith(unit.path)
            and u.level + 1 + depth_below <= service.MAX_UNIT_LEVEL
        ]
        chain = [by_id[int(i)] for i in unit.path.strip("/").split("/") if int(i) in by_id]
        return admin.render(
            pages,
            page,
            "admin_unit.html",
            {
                "unit": unit,
                "chain": chain,
                "below": below,
                "people": people,
                "parents": parents,
                "changes": _history(page, "unit", unit_id),
            },
            sent,
        )

    @app.get("/admin/units/{unit_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_unit(unit_id: Id, page: AdminPageDep) -> HTMLResponse:
        return unit_page(page, unit_id)

    def unit_form(form: FormData, which: str) -> dict[str, Any]:
        if which == "moved":
            return {"parent_id": _id(form, "parent_id")}
        return {
            "name": text(form, "name") or "",
            "name_en": text(form, "name_en"),
            "public_name": text(form, "public_name"),
            "keywords": _words(form, "keywords"),
        }

    def unit_action(which: str) -> Any:
        def act(unit_id: Id, post: AdminPostDep) -> Response:
            def save() -> str:
                if which == "retire":
                    with post.db.write() as ws:
                        open_work = post.request.app.state.wiring.open_work
                        service.retire_unit(ws, unit_id, post.actor, post.now, open_work)
                else:
                    body = checked(s.UnitPatch, unit_form(post.form, which), post.lang)
                    with post.db.write() as ws:
                        service.update_unit(
                            ws, unit_id, body.model_dump(exclude_unset=True), post.actor, post.now
                        )
                return f"/admin/units/{unit_id}?done={which}"

            return admin.submit(post, save, lambda sent: unit_page(post, unit_id, sent), which=which)

        return act

    for tail, which in (("", "saved"), ("/move", "moved"), ("/retire", "retire")):
        app.post(f"/admin/units/{{unit_id}}{tail}", include_in_schema=False)(unit_action(which))

    # --- people -----------------------------------------------------------------------------------
    def people_page(page: Page, sent: Attempt | None = None) -> HTMLResponse:
        q = (page.request.query_params.get("q") or "").strip()
        with_disabled = bool(page.request.query_params.get("disabled"))
        with page.db.read() as rs:
            everyone = queries.people(rs)
            units = [u for u in queries.units(rs) if u.active]
        needle = q.casefold()
        shown = [
            p
            for p in everyone
            if (with_disabled or p.active)
            and (
                not needle
                or needle in p.username.casefold()
                or needle in p.display_name.casefold()
                or needle in p.unit_name.casefold()
                or needle in (p.unit_name_en or "").casefold()
            )
        ]
        return admin.render(
            pages,
            page,
            "admin_people.html",
            {
                "people": shown,
                "total": len(everyone),
                "units": units,
                "roles": ROLES,
                "q": q,
                "with_disabled": with_disabled,
            },
            sent,
        )

    @app.get("/admin/people", include_in_schema=False, response_class=HTMLResponse)
    def admin_people(page: AdminPageDep) -> HTMLResponse:
        return people_page(page)

    @app.post("/admin/people", include_in_schema=False)
    def create_person(post: AdminPostDep) -> Response:
        data = _new_person(post.form)
        return create(
            post,
            s.UserIn,
            data,
            service.create_user,
            "/admin/people",
            lambda sent: people_page(post, sent),
            shown={**data, "password": ""},
        )

    def person_page(
        page: Page,
        user_id: Id,
        zone: ZoneInfo,
        sent: Attempt | None = None,
        *,
        temporary: str | None = None,
        done: str | None = None,
    ) -> HTMLResponse:
        with page.db.read() as rs:
            found = queries.people(rs, user_id)
            if not found:
                raise PageRefusal(not_found("user.not_found", user=user_id), page.session)
            units = [u for u in queries.units(rs) if u.active]
        return admin.render(
            pages,
            page,
            "admin_person.html",
            {
                "person": found[0],
                "created_at": found[0].created_at.astimezone(zone),
                "units": units,
                "roles": ROLES,
                "changes": _history(page, "user", user_id),
                "temporary": temporary,
                "done": done or page.request.query_params.get("done"),
                "is_self": user_id == page.session.user.id,
            },
            sent,
            no_store=done == "password",  # shown once, in this answer: never in a URL or a cache
        )

    @app.get("/admin/people/{user_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_person(user_id: Id, page: AdminPageDep, zone: ZoneDep) -> HTMLResponse:
        return person_page(page, user_id, zone)

    def person_action(which: str) -> Any:
        def act(user_id: Id, post: AdminPostDep, zone: ZoneDep) -> Response:
            form = post.form

            def save() -> str | Response:
                if which == "saved":
                    data = {
                        "display_name": text(form, "display_name") or "",
                        "role": text(form, "role") or "",
                        "unit_id": _id(form, "unit_id"),
                    }
                    body = checked(s.UserPatch, data, post.lang)
                    with post.db.write() as ws:
                        service.update_user(
                            ws, user_id, body.model_dump(exclude_unset=True), post.actor, post.now
                        )
                elif which == "password":
                    password = checked(
                        s.PasswordIn, {"password": str(form.get("password") or "") or None}, post.lang
                    )
                    with post.db.write() as ws:
                        temporary = service.reset_password(
                            ws, user_id, post.actor, post.now, password.password
                        )
                    return person_page(post, user_id, zone, temporary=temporary, done="password")
                else:
                    with post.db.write() as ws:
                        service.set_user_active(ws, user_id, which == "enabled", post.actor, post.now)
                return f"/admin/people/{user_id}?done={which}"

            return admin.submit(post, save, lambda sent: person_page(post, user_id, zone, sent), which=which)

        return act

    for tail, which in (
        ("", "saved"),
        ("/password", "password"),
        ("/disable", "disabled"),
        ("/enable", "enabled"),
    ):
        app.post(f"/admin/people/{{user_id}}{tail}", include_in_schema=False)(person_action(which))

    # --- categories -------------------------------------------------------------------------------
    def categories_page(page: Page, sent: Attempt | None = None) -> HTMLResponse:
        with page.db.read() as rs:
            cats = category_tree(queries.categories(rs))
            units = queries.units(rs)
        return admin.render(
            pages,
            page,
            "admin_categories.html",
            {
                "categories": cats,
                "parents": [c for c in cats if c.active and c.level < service.MAX_CATEGORY_LEVEL],
                "units": [u for u in units if u.active],
                "unit_names": {u.id: u for u in units},
            },
            sent,
        )

    def category_form(form: FormData) -> dict[str, Any]:
        return {
            "name": text(form, "name") or "",
            "name_en": text(form, "name_en"),
            "parent_id": _id(form, "parent_id"),
            "default_unit_id": _id(form, "default_unit_id"),
            "territorial": bool(form.get("territorial")),
            "keywords": _words(form, "keywords"),
            "description": text(form, "description"),
        }

    @app.get("/admin/categories", include_in_schema=False, response_class=HTMLResponse)
    def admin_categories(page: AdminPageDep) -> HTMLResponse:
        return categories_page(page)

    @app.post("/admin/categories", include_in_schema=False)
    def create_category(post: AdminPostDep) -> Response:
        data = {"code": text(post.form, "code") or "", **category_form(post.form)}
        return create(
            post,
            s.CategoryIn,
            data,
            service.create_category,
            "/admin/categories",
            lambda sent: categories_page(post, sent),
        )

    def category_page(page: Page, category_id: Id, sent: Attempt | None = None) -> HTMLResponse:
        with page.db.read() as rs:
            cat = queries.category(rs, category_id)
            if cat is None:
                raise PageRefusal(not_found("category.not_found", category=category_id), page.session)
            cats = category_tree(queries.categories(rs))
            units = queries.units(rs)
        by_id = {c.id: c for c in cats}
        chain = [cat]
        while chain[0].parent_id is not None and chain[0].parent_id in by_id:
            chain.insert(0, by_id[chain[0].parent_id])
        below: set[int] = set()
        frontier = {cat.id}
        while frontier:
            frontier = {c.id for c in cats if c.parent_id in frontier}
            below |= frontier
        depth_below = max((by_id[i].level for i in below), default=cat.level) - cat.level
        parents = [
            c
            for c in cats
            if c.active
            and c.id != cat.id
            and c.id not in below
            and c.level + 1 + depth_below <= service.MAX_CATEGORY_LEVEL
        ]
        return admin.render(
            pages,
            page,
            "admin_category.html",
            {
                "cat": cat,
                "chain": chain,
                "children": [c for c in cats if c.parent_id == cat.id],
                "parents": parents,
                "top_allowed": 1 + depth_below <= service.MAX_CATEGORY_LEVEL,
                "units": [u for u in units if u.active or u.id == cat.default_unit_id],
                "changes": _history(page, "category", category_id),
            },
            sent,
        )

    @app.get("/admin/categories/{category_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_category(category_id: Id, page: AdminPageDep) -> HTMLResponse:
        return category_page(page, category_id)

    def category_action(which: str) -> Any:
        def act(category_id: Id, post: AdminPostDep) -> Response:
            def save() -> str:
                if which == "retire":
                    with post.db.write() as ws:
                        service.retire_category(ws, category_id, post.actor, post.now)
                else:
                    body = checked(s.CategoryPatch, category_form(post.form), post.lang)
                    with post.db.write() as ws:
                        changes = body.model_dump(exclude_unset=True)
                        service.update_category(ws, category_id, changes, post.actor, post.now)
                return f"/admin/categories/{category_id}?done={which}"

            return admin.submit(post, save, lambda sent: category_page(post, category_id, sent), which=which)

        return act

    for tail, which in (("", "saved"), ("/retire", "retire")):
        app.post(f"/admin/categories/{{category_id}}{tail}", include_in_schema=False)(category_action(which))
