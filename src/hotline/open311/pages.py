"""The Open311 administration pages. Keys (`/admin/open311/keys`): administrators see the keys
client applications post with, issue one (shown once, in the answer to the POST), and revoke one.
Services (`/admin/open311/services`): the categories published as Open311 services, created,
changed, published and unpublished. The same schemas and service functions as
`/api/v1/open311/…`; each change audited by the service."""

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
from hotline.domain.vocabulary import Kind
from hotline.open311 import queries, service
from hotline.open311.schemas import KeyIn, ServiceIn, ServicePatch
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.forms import Refused, checked, text
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")
_WORDS = re.compile(r"[\s,，、;；]+")
TEXTS = ("group", "group_en", "description", "description_en", "notice", "notice_en")
SERVICE_TYPES = ("realtime", "batch", "blackbox")


def _service_form(form: FormData, *, code: bool) -> dict[str, Any]:
    """The service form as the API's body: empty texts None (they clear), keywords a list."""
    data: dict[str, Any] = {
        "category_code": text(form, "category_code") or "",
        "kind": text(form, "kind") or "complaint",
        "service_type": text(form, "service_type") or "realtime",
        "keywords": [w for w in _WORDS.split(str(form.get("keywords") or "")) if w],
        "published": form.get("published") == "1",
        **{name: text(form, name) for name in TEXTS},
    }
    if code:
        data = {"code": text(form, "code") or "", **data}
    return data


def install(app: FastAPI) -> None:
    def keys_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        zone: ZoneDep,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        issued: tuple[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        with db.read() as s:
            keys = queries.keys(s, zone)
        response = pages.render(
            request,
            "admin_open311_keys.html",
            {
                "keys": sorted(keys, key=lambda k: (not k.active, -k.id)),
                "form": form or {},
                "problems": problems or {},
                "issued": issued,
                "done": request.query_params.get("done"),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )
        if issued:  # the key is in this answer only: never kept by a cache or the history
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/admin/open311/keys", include_in_schema=False, response_class=HTMLResponse)
    def admin_keys(request: Request, db: DbDep, session: AdminSessionDep, zone: ZoneDep) -> HTMLResponse:
        return keys_page(request, db, session, zone)

    @app.post("/admin/open311/keys", include_in_schema=False)
    def issue_key(
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        lang: LangDep,
        zone: ZoneDep,
    ) -> Response:
        data = {"name": text(form, "name") or "", "contact": text(form, "contact")}
        try:
            body = checked(KeyIn, data, lang)
            with db.write() as s:
                row, secret = service.issue_key(s, body.name, body.contact, Actor.of(session.user), now)
                name = row.name
        except Refused as failed:
            return keys_page(
                request, db, session, zone, form=data, problems=failed.problems, status=failed.status
            )
        return keys_page(request, db, session, zone, issued=(name, secret))

    @app.post("/admin/open311/keys/{key_id}/revoke", include_in_schema=False)
    def revoke_key(
        key_id: int, db: DbDep, session: AdminSessionDep, form: CheckedFormDep, now: NowDep
    ) -> Response:
        try:
            with db.write() as s:
                service.revoke_key(s, key_id, Actor.of(session.user), now)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return RedirectResponse("/admin/open311/keys?done=revoked", status_code=303)

    # --- services ---------------------------------------------------------------------------------
    def services_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        zone: ZoneDep,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        editing: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        with db.read() as s:
            listed = queries.all_services(s, zone)
            cats = sorted((c for c in directory.categories(s) if c.active), key=lambda c: c.code)
        current = next((v for v in listed if v.code == editing), None) if editing else None
        if editing and current is None:
            raise PageRefusal(not_found("open311.service_not_found", service=editing), session)
        shown = form
        if shown is None:
            shown = (
                current.model_dump()
                if current
                else {"kind": "complaint", "service_type": "realtime", "published": True}
            )
        return pages.render(
            request,
            "admin_open311_services.html",
            {
                "services": listed,
                "categories": cats,
                "kinds": [k.value for k in Kind],
                "service_types": SERVICE_TYPES,
                "form": shown,
                "editing": current,
                "problems": problems or {},
                "done": request.query_params.get("done"),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/open311/services", include_in_schema=False, response_class=HTMLResponse)
    def admin_services(request: Request, db: DbDep, session: AdminSessionDep, zone: ZoneDep) -> HTMLResponse:
        return services_page(request, db, session, zone)

    @app.get("/admin/open311/services/{code}", include_in_schema=False, response_class=HTMLResponse)
    def admin_service(
        code: str, request: Request, db: DbDep, session: AdminSessionDep, zone: ZoneDep
    ) -> HTMLResponse:
        return services_page(request, db, session, zone, editing=code)

    @app.post("/admin/open311/services", include_in_schema=False)
    def create_service(
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        lang: LangDep,
        zone: ZoneDep,
    ) -> Response:
        data = _service_form(form, code=True)
        try:
            body = checked(ServiceIn, data, lang)
            with db.write() as s:
                service.create_service(s, body, Actor.of(session.user), now)
        except Refused as failed:
            return services_page(
                request, db, session, zone, form=data, problems=failed.problems, status=failed.status
            )
        except DomainError as err:
            failed = Refused.of(err, lang)
            if err.code == "open311.service_code_taken":
                failed = Refused({"code": failed.problems.get("", "")}, failed.status)
            return services_page(
                request, db, session, zone, form=data, problems=failed.problems, status=failed.status
            )
        return RedirectResponse(f"/admin/open311/services?done=created#service-{body.code}", status_code=303)

    @app.post("/admin/open311/services/{code}", include_in_schema=False)
    def update_service(
        code: str,
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        lang: LangDep,
        zone: ZoneDep,
    ) -> Response:
        data = _service_form(form, code=False)
        try:
            body = checked(ServicePatch, data, lang)
            with db.write() as s:
                service.update_service(s, code, body, Actor.of(session.user), now)
        except Refused as failed:
            return services_page(
                request,
                db,
                session,
                zone,
                form=data,
                editing=code,
                problems=failed.problems,
                status=failed.status,
            )
        except DomainError as err:
            if err.code == "open311.service_not_found":
                raise PageRefusal(err, session) from None
            failed = Refused.of(err, lang)
            return services_page(
                request,
                db,
                session,
                zone,
                form=data,
                editing=code,
                problems=failed.problems,
                status=failed.status,
            )
        return RedirectResponse(f"/admin/open311/services?done=saved#service-{code}", status_code=303)
