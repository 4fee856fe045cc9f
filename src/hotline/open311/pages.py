"""The Open311 API keys page (`/admin/open311/keys`): administrators see the keys client
applications post with, issue one (shown once, in the answer to the POST), and revoke one. The
same schema and service functions as `/api/v1/open311/keys`; each change audited by the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.audit.service import Actor
from hotline.auth.pages import AdminSessionDep, CheckedFormDep, PageRefusal, PageSession
from hotline.domain.errors import DomainError
from hotline.open311 import queries, service
from hotline.open311.schemas import KeyIn
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.forms import Refused, checked, text
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")


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
