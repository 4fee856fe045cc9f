"""The Open311 administration pages. Keys (`/admin/open311/keys`): administrators see the keys
client applications post with, issue one (shown once, in the answer to the POST), and revoke one.
Services (`/admin/open311/services`): the categories published as Open311 services, created,
changed, published and unpublished. The same schemas and service functions as
`/api/v1/open311/…`; each change audited by the service."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from hotline.auth.pages import AdminPageDep, AdminPostDep, PageRefusal
from hotline.directory import queries as directory
from hotline.domain.errors import DomainError, not_found
from hotline.domain.vocabulary import Kind
from hotline.open311 import queries, service
from hotline.open311.schemas import KeyIn, ServiceIn, ServicePatch
from hotline.web import admin
from hotline.web.admin import Attempt, Page
from hotline.web.deps import ZoneDep
from hotline.web.forms import Refused, checked, text
from hotline.web.numbers import Id
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")
_WORDS = re.compile(r"[\s,，、;；]+")
TEXTS = ("group", "group_en", "description", "description_en", "notice", "notice_en")
SERVICE_TYPES = ("realtime", "batch", "blackbox")
#: What the form offers for a new service.
NEW_SERVICE = {"kind": "complaint", "service_type": "realtime", "published": True}


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


def _code_taken(err: DomainError, lang: str) -> Refused:
    """A taken code is said beside the code field (the service names no field for it)."""
    failed = Refused.of(err, lang)
    if err.code == "open311.service_code_taken":
        return Refused({"code": failed.problems.get("", "")}, failed.status)
    return failed


def install(app: FastAPI) -> None:
    def keys_page(
        page: Page, zone: ZoneInfo, sent: Attempt | None = None, *, issued: tuple[str, str] | None = None
    ) -> HTMLResponse:
        with page.db.read() as s:
            keys = queries.keys(s, zone)
        return admin.render(
            pages,
            page,
            "admin_open311_keys.html",
            {"keys": sorted(keys, key=lambda k: (not k.active, -k.id)), "issued": issued},
            sent,
            no_store=issued is not None,  # the key is in this answer only: no cache or history keeps it
        )

    @app.get("/admin/open311/keys", include_in_schema=False, response_class=HTMLResponse)
    def admin_keys(page: AdminPageDep, zone: ZoneDep) -> HTMLResponse:
        return keys_page(page, zone)

    @app.post("/admin/open311/keys", include_in_schema=False)
    def issue_key(post: AdminPostDep, zone: ZoneDep) -> Response:
        data = {"name": text(post.form, "name") or "", "contact": text(post.form, "contact")}

        def save() -> Response:
            body = checked(KeyIn, data, post.lang)
            with post.db.write() as s:
                row, secret = service.issue_key(s, body.name, body.contact, post.actor, post.now)
                name = row.name
            return keys_page(post, zone, issued=(name, secret))

        return admin.submit(post, save, lambda sent: keys_page(post, zone, sent), form=data)

    @app.post("/admin/open311/keys/{key_id}/revoke", include_in_schema=False)
    def revoke_key(key_id: Id, post: AdminPostDep) -> Response:
        return admin.press(
            post,
            lambda s: service.revoke_key(s, key_id, post.actor, post.now),
            "/admin/open311/keys?done=revoked",
        )

    # --- services ---------------------------------------------------------------------------------
    def services_page(
        page: Page, zone: ZoneInfo, sent: Attempt | None = None, *, editing: str | None = None
    ) -> HTMLResponse:
        with page.db.read() as s:
            listed = queries.all_services(s, zone)
            cats = sorted((c for c in directory.categories(s) if c.active), key=lambda c: c.code)
        current = next((v for v in listed if v.code == editing), None) if editing else None
        if editing and current is None:
            raise PageRefusal(not_found("open311.service_not_found", service=editing), page.session)
        return admin.render(
            pages,
            page,
            "admin_open311_services.html",
            {
                "services": listed,
                "categories": cats,
                "kinds": [k.value for k in Kind],
                "service_types": SERVICE_TYPES,
                "editing": current,
            },
            sent,
            form=current.model_dump() if current else NEW_SERVICE,
        )

    @app.get("/admin/open311/services", include_in_schema=False, response_class=HTMLResponse)
    def admin_services(page: AdminPageDep, zone: ZoneDep) -> HTMLResponse:
        return services_page(page, zone)

    @app.get("/admin/open311/services/{code}", include_in_schema=False, response_class=HTMLResponse)
    def admin_service(code: str, page: AdminPageDep, zone: ZoneDep) -> HTMLResponse:
        return services_page(page, zone, editing=code)

    @app.post("/admin/open311/services", include_in_schema=False)
    def create_service(post: AdminPostDep, zone: ZoneDep) -> Response:
        data = _service_form(post.form, code=True)

        def save() -> str:
            body = checked(ServiceIn, data, post.lang)
            with post.db.write() as s:
                service.create_service(s, body, post.actor, post.now)
            return f"/admin/open311/services?done=created#service-{body.code}"

        return admin.submit(
            post, save, lambda sent: services_page(post, zone, sent), form=data, refused=_code_taken
        )

    @app.post("/admin/open311/services/{code}", include_in_schema=False)
    def update_service(code: str, post: AdminPostDep, zone: ZoneDep) -> Response:
        data = _service_form(post.form, code=False)

        def save() -> str:
            body = checked(ServicePatch, data, post.lang)
            with post.db.write() as s:
                service.update_service(s, code, body, post.actor, post.now)
            return f"/admin/open311/services?done=saved#service-{code}"

        return admin.submit(post, save, lambda sent: services_page(post, zone, sent, editing=code), form=data)
