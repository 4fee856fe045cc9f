"""The webhooks' administration page (`/admin/webhooks`): the departments' systems that receive
events by POST, each with its recent deliveries (failed ones sent again with one button). Created,
changed and deactivated through the API's schemas, its address check (`routes._reachable`) and
`notify.service` (audited there); the signing secret is shown once, in the answer to the POST. A
refused form is drawn again with the API's message beside the field, what was typed kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from hotline.audit.service import Actor
from hotline.auth.pages import AdminSessionDep, CheckedFormDep, PageRefusal, PageSession
from hotline.directory import queries as directory
from hotline.domain import events as e
from hotline.domain.errors import DomainError, not_found
from hotline.notify import routes, service, webhooks
from hotline.notify import schemas as s
from hotline.notify.models import WebhookSubscription
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep
from hotline.web.forms import Refused, checked, text
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")
_WORDS = re.compile(r"[\s,，、;；]+")
RECENT = 20


def _form(form: FormData, *, editing: bool) -> dict[str, Any]:
    unit = str(form.get("unit_id") or "").strip()
    data: dict[str, Any] = {
        "name": text(form, "name") or "",
        "url": text(form, "url") or "",
        "unit_id": (int(unit) if unit.isdigit() and len(unit) < 11 else unit) or None,
        "event_tags": [w for w in _WORDS.split(str(form.get("event_tags") or "")) if w],
    }
    if editing:
        data["active"] = form.get("active") == "1"
    elif text(form, "secret"):
        data["secret"] = text(form, "secret")
    return data


def install(app: FastAPI) -> None:
    def common(db: DbDep) -> dict[str, Any]:
        with db.read() as rs:
            units = directory.units(rs)
        return {
            "units": [u for u in units if u.active],
            "unit_names": {u.id: u for u in units},
            "tags": sorted(e.EVENT_TYPES),
        }

    def list_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        zone: ZoneDep,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        created: tuple[int, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        with db.read() as rs:
            subs = rs.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)).all()
            rows = [routes._out(rs, sub, zone) for sub in subs]
        response = pages.render(
            request,
            "admin_webhooks.html",
            {
                "subs": sorted(rows, key=lambda r: (not r.active, r.id)),
                "form": form or {},
                "problems": problems or {},
                "created": created,
                "done": request.query_params.get("done"),
                **common(db),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )
        if created:  # the secret is in this answer only
            response.headers["Cache-Control"] = "no-store"
        return response

    def sub_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        zone: ZoneDep,
        sub_id: int,
        *,
        form: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        with db.read() as rs:
            sub = rs.get(WebhookSubscription, sub_id)
            if sub is None:
                raise PageRefusal(not_found("webhook.not_found"), session)
            out = routes._out(rs, sub, zone)
        recent = routes.deliveries(sub_id, db, session.user, zone, None, RECENT)
        shown = form or {
            "name": out.name,
            "url": out.url,
            "unit_id": out.unit_id,
            "event_tags": out.event_tags,
            "active": out.active,
        }
        return pages.render(
            request,
            "admin_webhook.html",
            {
                "sub": out,
                "deliveries": recent,
                "failed": webhooks.FAILED,
                "form": shown,
                "problems": problems or {},
                "done": request.query_params.get("done"),
                **common(db),
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/webhooks", include_in_schema=False, response_class=HTMLResponse)
    def admin_webhooks(request: Request, db: DbDep, session: AdminSessionDep, zone: ZoneDep) -> HTMLResponse:
        return list_page(request, db, session, zone)

    @app.post("/admin/webhooks", include_in_schema=False)
    def create_webhook(
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        lang: LangDep,
        zone: ZoneDep,
        settings: SettingsDep,
    ) -> Response:
        data = _form(form, editing=False)
        shown = {k: v for k, v in data.items() if k != "secret"}  # a typed secret is not sent back
        try:
            body = checked(s.SubscriptionIn, data, lang)
            routes._reachable(body.url, settings)
            with db.write() as ws:
                sub, secret = service.create_subscription(ws, body.model_dump(), Actor.of(session.user), now)
                sub_id = sub.id
        except Refused as failed:
            return list_page(
                request, db, session, zone, form=shown, problems=failed.problems, status=failed.status
            )
        except DomainError as err:
            failed = Refused.of(err, lang)
            return list_page(
                request, db, session, zone, form=shown, problems=failed.problems, status=failed.status
            )
        return list_page(request, db, session, zone, created=(sub_id, secret))

    @app.get("/admin/webhooks/{sub_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_webhook(
        sub_id: int, request: Request, db: DbDep, session: AdminSessionDep, zone: ZoneDep
    ) -> HTMLResponse:
        return sub_page(request, db, session, zone, sub_id)

    @app.post("/admin/webhooks/{sub_id}", include_in_schema=False)
    def update_webhook(
        sub_id: int,
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        lang: LangDep,
        zone: ZoneDep,
        settings: SettingsDep,
    ) -> Response:
        data = _form(form, editing=True)
        try:
            body = checked(s.SubscriptionPatch, data, lang)
            if body.url is not None:
                routes._reachable(body.url, settings)
            with db.write() as ws:
                service.update_subscription(
                    ws, sub_id, body.model_dump(exclude_unset=True), Actor.of(session.user), now
                )
        except Refused as failed:
            return sub_page(
                request, db, session, zone, sub_id, form=data, problems=failed.problems, status=failed.status
            )
        except DomainError as err:
            if err.code == "webhook.not_found":
                raise PageRefusal(err, session) from None
            failed = Refused.of(err, lang)
            return sub_page(
                request, db, session, zone, sub_id, form=data, problems=failed.problems, status=failed.status
            )
        return RedirectResponse(f"/admin/webhooks/{sub_id}?done=saved", status_code=303)

    @app.post("/admin/webhooks/{sub_id}/deactivate", include_in_schema=False)
    def deactivate_webhook(
        sub_id: int, db: DbDep, session: AdminSessionDep, form: CheckedFormDep, now: NowDep
    ) -> Response:
        try:
            with db.write() as ws:
                service.deactivate_subscription(ws, sub_id, Actor.of(session.user), now)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return RedirectResponse(f"/admin/webhooks/{sub_id}?done=deactivated", status_code=303)

    @app.post("/admin/webhooks/{sub_id}/deliveries/{delivery_id}/retry", include_in_schema=False)
    def retry_delivery(
        sub_id: int, delivery_id: int, db: DbDep, session: AdminSessionDep, form: CheckedFormDep, now: NowDep
    ) -> Response:
        with db.write() as ws:
            if not webhooks.retry(ws, delivery_id, Actor.of(session.user), now):
                raise PageRefusal(not_found("webhook.not_found"), session)
        return RedirectResponse(f"/admin/webhooks/{sub_id}?done=retried", status_code=303)
