"""The webhooks' administration page (`/admin/webhooks`): the departments' systems that receive
events by POST, each with its recent deliveries (failed ones sent again with one button). Created,
changed and deactivated through the API's schemas, its address check (`routes._reachable`) and
`notify.service` (audited there); the signing secret is shown once, in the answer to the POST. A
refused form is drawn again with the API's message beside the field, what was typed kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from hotline.auth.pages import AdminPageDep, AdminPostDep, PageRefusal
from hotline.directory import queries as directory
from hotline.domain import events as e
from hotline.domain.errors import not_found
from hotline.notify import routes, service, webhooks
from hotline.notify import schemas as s
from hotline.notify.models import WebhookSubscription
from hotline.web import admin
from hotline.web.admin import Attempt, Page
from hotline.web.deps import DbDep, SettingsDep, ZoneDep
from hotline.web.forms import checked, text
from hotline.web.numbers import Id
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
        page: Page, zone: ZoneInfo, sent: Attempt | None = None, *, created: tuple[int, str] | None = None
    ) -> HTMLResponse:
        with page.db.read() as rs:
            subs = rs.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)).all()
            rows = [routes._out(rs, sub, zone) for sub in subs]
        return admin.render(
            pages,
            page,
            "admin_webhooks.html",
            {"subs": sorted(rows, key=lambda r: (not r.active, r.id)), "created": created, **common(page.db)},
            sent,
            no_store=created is not None,  # the secret is in this answer only
        )

    def sub_page(page: Page, zone: ZoneInfo, sub_id: Id, sent: Attempt | None = None) -> HTMLResponse:
        with page.db.read() as rs:
            sub = rs.get(WebhookSubscription, sub_id)
            if sub is None:
                raise PageRefusal(not_found("webhook.not_found"), page.session)
            out = routes._out(rs, sub, zone)
        recent = routes.deliveries(sub_id, page.db, page.session.user, zone, None, RECENT)
        stored = {
            "name": out.name,
            "url": out.url,
            "unit_id": out.unit_id,
            "event_tags": out.event_tags,
            "active": out.active,
        }
        return admin.render(
            pages,
            page,
            "admin_webhook.html",
            {"sub": out, "deliveries": recent, "failed": webhooks.FAILED, **common(page.db)},
            sent,
            form=stored,
        )

    @app.get("/admin/webhooks", include_in_schema=False, response_class=HTMLResponse)
    def admin_webhooks(page: AdminPageDep, zone: ZoneDep) -> HTMLResponse:
        return list_page(page, zone)

    @app.post("/admin/webhooks", include_in_schema=False)
    def create_webhook(post: AdminPostDep, zone: ZoneDep, settings: SettingsDep) -> Response:
        data = _form(post.form, editing=False)

        def save() -> Response:
            body = checked(s.SubscriptionIn, data, post.lang)
            routes._reachable(body.url, settings)
            with post.db.write() as ws:
                sub, secret = service.create_subscription(ws, body.model_dump(), post.actor, post.now)
                sub_id = sub.id
            return list_page(post, zone, created=(sub_id, secret))

        shown = {k: v for k, v in data.items() if k != "secret"}  # a typed secret is not sent back
        return admin.submit(post, save, lambda sent: list_page(post, zone, sent), form=shown)

    @app.get("/admin/webhooks/{sub_id}", include_in_schema=False, response_class=HTMLResponse)
    def admin_webhook(sub_id: Id, page: AdminPageDep, zone: ZoneDep) -> HTMLResponse:
        return sub_page(page, zone, sub_id)

    @app.post("/admin/webhooks/{sub_id}", include_in_schema=False)
    def update_webhook(sub_id: Id, post: AdminPostDep, zone: ZoneDep, settings: SettingsDep) -> Response:
        data = _form(post.form, editing=True)

        def save() -> str:
            body = checked(s.SubscriptionPatch, data, post.lang)
            if body.url is not None:
                routes._reachable(body.url, settings)
            with post.db.write() as ws:
                changes = body.model_dump(exclude_unset=True)
                service.update_subscription(ws, sub_id, changes, post.actor, post.now)
            return f"/admin/webhooks/{sub_id}?done=saved"

        return admin.submit(post, save, lambda sent: sub_page(post, zone, sub_id, sent), form=data)

    @app.post("/admin/webhooks/{sub_id}/deactivate", include_in_schema=False)
    def deactivate_webhook(sub_id: Id, post: AdminPostDep) -> Response:
        return admin.press(
            post,
            lambda ws: service.deactivate_subscription(ws, sub_id, post.actor, post.now),
            f"/admin/webhooks/{sub_id}?done=deactivated",
        )

    @app.post("/admin/webhooks/{sub_id}/deliveries/{delivery_id}/retry", include_in_schema=False)
    def retry_delivery(sub_id: Id, delivery_id: Id, post: AdminPostDep) -> Response:
        def step(ws: Any) -> None:
            if not webhooks.retry(ws, delivery_id, post.actor, post.now):
                raise not_found("webhook.not_found")

        return admin.press(post, step, f"/admin/webhooks/{sub_id}?done=retried")
