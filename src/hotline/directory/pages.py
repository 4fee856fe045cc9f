"""The administration pages of the directory: units (the five-level tree), people and categories
(the three-level tree). Thin handlers over the same schemas and service functions as
`/api/v1/admin/…`: a form is validated by the API's schema, refused with the API's code and
message next to its field (and nothing written), and a change that succeeds redirects (303) to the
thing changed. Administrators only; every change is audited by the service."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from hotline.audit import queries as audit_queries
from hotline.audit.service import Actor
from hotline.auth.pages import AdminSessionDep as AdminDep
from hotline.auth.pages import CheckedFormDep, PageRefusal, PageSession
from hotline.directory import queries, service
from hotline.directory import schemas as s
from hotline.directory.queries import CategoryInfo
from hotline.domain.errors import DomainError, not_found
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.forms import Refused, checked, text
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


def _history(request: Request, db: DbDep, entity_type: str, entity_id: int) -> list[audit_queries.Entry]:
    """The latest changes of one thing, in the centre's zone."""
    zone = request.app.state.settings.zone
    with db.read() as session:
        filters = audit_queries.Filters(entity_type=entity_type, entity_id=str(entity_id))
        entries = audit_queries.page(session, filters, HISTORY, 0)[0]
    return [replace(e, at=e.at.astimezone(zone)) for e in entries]


def category_tree(categories: Iterable[CategoryInfo]) -> list[CategoryInfo]:
    """Categories in tree order: each followed by its children, by code."""
    children: dict[int | None, list[CategoryInfo]] = {}
    for c in sorted(categories, key=lambda c: c.code):
        children.setdefault(c.parent_id, []).append(c)
    ordered: list[CategoryInfo] = []

    def walk(parent: int | None) -> None:
        for c in children.get(parent, []):
            ordered.append(c)
            walk(c.id)

    walk(None)
    return ordered


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


def install(app: FastAPI) -> None:
    @app.get("/admin", include_in_schema=False, response_class=HTMLResponse)
    def admin_index(request: Request, session: AdminDep) -> HTMLResponse:
        """The administrator's home: one link a page, each with the line that says what it keeps."""
        return pages.render(
            request, "admin_index.html", {"links": ADMIN_PAGES}, user=session.user, csrf=session.csrf
        )

    # --- units ------------------------------------------------------------------------------------
    def units_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        with db.read() as rs:
            units = queries.units(rs)
            counts = queries.people_counts(rs)
        return pages.render(
            request,
            "admin_units.html",
            {
                "units": units,
                "counts": counts,
                "parents": [u for u in units if u.active and u.level < service.MAX_UNIT_LEVEL],
                "kinds": KINDS,
                "form": form or {},
                "problems": problems or {},
                "created": request.query_params.get("created"),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/units", include_in_schema=False, response_class=HTMLResponse)
    def admin_units(request: Request, db: DbDep, session: AdminDep) -> HTMLResponse:
        return units_page(request, db, session)

    @app.post("/admin/units", include_in_schema=False)
    def create_unit(
        request: Request, db: DbDep, session: AdminDep, form: CheckedFormDep, now: NowDep, lang: LangDep
    ) -> Response:
        data = {
            "code": text(form, "code") or "",
            "name": text(form, "name") or "",
            "name_en": text(form, "name_en"),
            "public_name": text(form, "public_name"),
            "kind": text(form, "kind") or "",
            "parent_id": _id(form, "parent_id"),
            "keywords": _words(form, "keywords"),
        }
        try:
            body = checked(s.UnitIn, data, lang)
            with db.write() as ws:
                unit = service.create_unit(ws, **body.model_dump(), actor=Actor.of(session.user), now=now)
                unit_id = unit.id
        except DomainError as err:
            failed = Refused.of(err, lang)
            return units_page(request, db, session, form=data, problems=failed.problems, status=failed.status)
        except Refused as failed:
            return units_page(request, db, session, form=data, problems=failed.problems, status=failed.status)
        return RedirectResponse(f"/admin/units/{unit_id}?done=created", status_code=303)

    def unit_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        unit_id: int,
        *,
        problems: dict[str, str] | None = None,
        status: int = 200,
        which: str = "",
    ) -> HTMLResponse:
        with db.read() as rs:
            unit = queries.unit(rs, unit_id)
            if unit is None:
                raise PageRefusal(not_found("unit.not_found", unit=unit_id), session)
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
        return pages.render(
            request,
            "admin_unit.html",
            {
                "unit": unit,
                "chain": chain,
                "below": below,
                "people": people,
                "parents": parents,
                "changes": _history(request, db, "unit", unit_id),
                "problems": problems or {},
                "which": which,
                "done": request.query_params.get("done"),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/units/{unit_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_unit(request: Request, unit_id: int, db: DbDep, session: AdminDep) -> HTMLResponse:
        return unit_page(request, db, session, unit_id)

    def unit_change(
        request: Request,
        db: DbDep,
        session: PageSession,
        unit_id: int,
        which: str,
        data: dict[str, Any],
        lang: str,
        now: Any,
    ) -> Response:
        try:
            if which == "retire":
                with db.write() as ws:
                    service.retire_unit(
                        ws, unit_id, Actor.of(session.user), now, request.app.state.wiring.open_work
                    )
            else:
                body = checked(s.UnitPatch, data, lang)
                with db.write() as ws:
                    service.update_unit(
                        ws, unit_id, body.model_dump(exclude_unset=True), Actor.of(session.user), now
                    )
        except DomainError as err:
            if err.code == "unit.not_found" and "field" not in err.params:
                raise PageRefusal(err, session) from None
            failed = Refused.of(err, lang)
            return unit_page(
                request, db, session, unit_id, problems=failed.problems, status=failed.status, which=which
            )
        except Refused as failed:
            return unit_page(
                request, db, session, unit_id, problems=failed.problems, status=failed.status, which=which
            )
        return RedirectResponse(f"/admin/units/{unit_id}?done={which}", status_code=303)

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
        def act(
            request: Request,
            unit_id: int,
            db: DbDep,
            session: AdminDep,
            form: CheckedFormDep,
            now: NowDep,
            lang: LangDep,
        ) -> Response:
            data = {} if which == "retire" else unit_form(form, which)
            return unit_change(request, db, session, unit_id, which, data, lang, now)

        return act

    for tail, which in (("", "saved"), ("/move", "moved"), ("/retire", "retire")):
        app.post(f"/admin/units/{{unit_id}}{tail}", include_in_schema=False)(unit_action(which))

    # --- people -----------------------------------------------------------------------------------
    def people_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        lang: str,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        q = (request.query_params.get("q") or "").strip()
        with_disabled = bool(request.query_params.get("disabled"))
        with db.read() as rs:
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
        return pages.render(
            request,
            "admin_people.html",
            {
                "people": shown,
                "total": len(everyone),
                "units": units,
                "roles": ROLES,
                "q": q,
                "with_disabled": with_disabled,
                "form": form or {},
                "problems": problems or {},
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/people", include_in_schema=False, response_class=HTMLResponse)
    def admin_people(request: Request, db: DbDep, session: AdminDep, lang: LangDep) -> HTMLResponse:
        return people_page(request, db, session, lang)

    @app.post("/admin/people", include_in_schema=False)
    def create_person(
        request: Request, db: DbDep, session: AdminDep, form: CheckedFormDep, now: NowDep, lang: LangDep
    ) -> Response:
        data = {
            "username": text(form, "username") or "",
            "display_name": text(form, "display_name") or "",
            "role": text(form, "role") or "",
            "unit_id": _id(form, "unit_id"),
            "password": str(form.get("password") or ""),
        }
        try:
            body = checked(s.UserIn, data, lang)
            with db.write() as ws:
                user_id = service.create_user(
                    ws, **body.model_dump(), actor=Actor.of(session.user), now=now
                ).id
        except DomainError as err:
            failed = Refused.of(err, lang)
            data["password"] = ""
            return people_page(
                request, db, session, lang, form=data, problems=failed.problems, status=failed.status
            )
        except Refused as failed:
            data["password"] = ""
            return people_page(
                request, db, session, lang, form=data, problems=failed.problems, status=failed.status
            )
        return RedirectResponse(f"/admin/people/{user_id}?done=created", status_code=303)

    def person_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        user_id: int,
        zone: ZoneDep,
        *,
        problems: dict[str, str] | None = None,
        status: int = 200,
        which: str = "",
        temporary: str | None = None,
        done: str | None = None,
    ) -> HTMLResponse:
        with db.read() as rs:
            found = queries.people(rs, user_id)
            if not found:
                raise PageRefusal(not_found("user.not_found", user=user_id), session)
            units = [u for u in queries.units(rs) if u.active]
        return pages.render(
            request,
            "admin_person.html",
            {
                "person": found[0],
                "created_at": found[0].created_at.astimezone(zone),
                "units": units,
                "roles": ROLES,
                "changes": _history(request, db, "user", user_id),
                "problems": problems or {},
                "which": which,
                "temporary": temporary,
                "done": done or request.query_params.get("done"),
                "is_self": user_id == session.user.id,
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/people/{user_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_person(
        request: Request, user_id: int, db: DbDep, session: AdminDep, zone: ZoneDep
    ) -> HTMLResponse:
        return person_page(request, db, session, user_id, zone)

    def person_change(
        request: Request,
        db: DbDep,
        session: PageSession,
        user_id: int,
        zone: ZoneDep,
        which: str,
        lang: str,
        now: Any,
        form: FormData,
    ) -> Response:
        actor = Actor.of(session.user)
        temporary = None
        try:
            if which == "saved":
                data = {
                    "display_name": text(form, "display_name") or "",
                    "role": text(form, "role") or "",
                    "unit_id": _id(form, "unit_id"),
                }
                body = checked(s.UserPatch, data, lang)
                with db.write() as ws:
                    service.update_user(ws, user_id, body.model_dump(exclude_unset=True), actor, now)
            elif which == "password":
                password = checked(s.PasswordIn, {"password": str(form.get("password") or "") or None}, lang)
                with db.write() as ws:
                    temporary = service.reset_password(ws, user_id, actor, now, password.password)
            else:
                with db.write() as ws:
                    service.set_user_active(ws, user_id, which == "enabled", actor, now)
        except DomainError as err:
            if err.code == "user.not_found":
                raise PageRefusal(err, session) from None
            failed = Refused.of(err, lang)
            return person_page(
                request,
                db,
                session,
                user_id,
                zone,
                problems=failed.problems,
                status=failed.status,
                which=which,
            )
        except Refused as failed:
            return person_page(
                request,
                db,
                session,
                user_id,
                zone,
                problems=failed.problems,
                status=failed.status,
                which=which,
            )
        if which == "password":  # shown once, in this answer: never in a URL or a stored page
            response = person_page(request, db, session, user_id, zone, temporary=temporary, done="password")
            response.headers["Cache-Control"] = "no-store"
            return response
        return RedirectResponse(f"/admin/people/{user_id}?done={which}", status_code=303)

    def person_action(which: str) -> Any:
        def act(
            request: Request,
            user_id: int,
            db: DbDep,
            session: AdminDep,
            form: CheckedFormDep,
            now: NowDep,
            lang: LangDep,
            zone: ZoneDep,
        ) -> Response:
            return person_change(request, db, session, user_id, zone, which, lang, now, form)

        return act

    for tail, which in (
        ("", "saved"),
        ("/password", "password"),
        ("/disable", "disabled"),
        ("/enable", "enabled"),
    ):
        app.post(f"/admin/people/{{user_id}}{tail}", include_in_schema=False)(person_action(which))

    # --- categories -------------------------------------------------------------------------------
    def categories_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        with db.read() as rs:
            cats = category_tree(queries.categories(rs))
            units = queries.units(rs)
        return pages.render(
            request,
            "admin_categories.html",
            {
                "categories": cats,
                "parents": [c for c in cats if c.active and c.level < service.MAX_CATEGORY_LEVEL],
                "units": [u for u in units if u.active],
                "unit_names": {u.id: u for u in units},
                "form": form or {},
                "problems": problems or {},
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
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
    def admin_categories(request: Request, db: DbDep, session: AdminDep) -> HTMLResponse:
        return categories_page(request, db, session)

    @app.post("/admin/categories", include_in_schema=False)
    def create_category(
        request: Request, db: DbDep, session: AdminDep, form: CheckedFormDep, now: NowDep, lang: LangDep
    ) -> Response:
        data = {"code": text(form, "code") or "", **category_form(form)}
        try:
            body = checked(s.CategoryIn, data, lang)
            with db.write() as ws:
                cat_id = service.create_category(
                    ws, **body.model_dump(), actor=Actor.of(session.user), now=now
                ).id
        except DomainError as err:
            failed = Refused.of(err, lang)
            return categories_page(
                request, db, session, form=data, problems=failed.problems, status=failed.status
            )
        except Refused as failed:
            return categories_page(
                request, db, session, form=data, problems=failed.problems, status=failed.status
            )
        return RedirectResponse(f"/admin/categories/{cat_id}?done=created", status_code=303)

    def category_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        category_id: int,
        *,
        problems: dict[str, str] | None = None,
        status: int = 200,
        which: str = "",
    ) -> HTMLResponse:
        with db.read() as rs:
            cat = queries.category(rs, category_id)
            if cat is None:
                raise PageRefusal(not_found("category.not_found", category=category_id), session)
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
        return pages.render(
            request,
            "admin_category.html",
            {
                "cat": cat,
                "chain": chain,
                "children": [c for c in cats if c.parent_id == cat.id],
                "parents": parents,
                "top_allowed": 1 + depth_below <= service.MAX_CATEGORY_LEVEL,
                "units": [u for u in units if u.active or u.id == cat.default_unit_id],
                "changes": _history(request, db, "category", category_id),
                "problems": problems or {},
                "which": which,
                "done": request.query_params.get("done"),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/categories/{category_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_category(request: Request, category_id: int, db: DbDep, session: AdminDep) -> HTMLResponse:
        return category_page(request, db, session, category_id)

    def category_change(
        request: Request,
        db: DbDep,
        session: PageSession,
        category_id: int,
        which: str,
        form: FormData,
        lang: str,
        now: Any,
    ) -> Response:
        try:
            if which == "retire":
                with db.write() as ws:
                    service.retire_category(ws, category_id, Actor.of(session.user), now)
            else:
                body = checked(s.CategoryPatch, category_form(form), lang)
                with db.write() as ws:
                    service.update_category(
                        ws, category_id, body.model_dump(exclude_unset=True), Actor.of(session.user), now
                    )
        except DomainError as err:
            if err.code == "category.not_found" and "field" not in err.params:
                raise PageRefusal(err, session) from None
            failed = Refused.of(err, lang)
            return category_page(
                request, db, session, category_id, problems=failed.problems, status=failed.status, which=which
            )
        except Refused as failed:
            return category_page(
                request, db, session, category_id, problems=failed.problems, status=failed.status, which=which
            )
        return RedirectResponse(f"/admin/categories/{category_id}?done={which}", status_code=303)

    def category_action(which: str) -> Any:
        def act(
            request: Request,
            category_id: int,
            db: DbDep,
            session: AdminDep,
            form: CheckedFormDep,
            now: NowDep,
            lang: LangDep,
        ) -> Response:
            return category_change(request, db, session, category_id, which, form, lang, now)

        return act

    for tail, which in (("", "saved"), ("/retire", "retire")):
        app.post(f"/admin/categories/{{category_id}}{tail}", include_in_schema=False)(category_action(which))
