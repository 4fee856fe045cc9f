"""The grid worker's phone pages (docs/grid.md): report a problem found on the street, work on the
grid's assignments (acknowledge, arrive on site, contact, reply with photos before and after) and
verify replies on site (核查). Plain forms that work without JavaScript (POST → 303 → GET);
`static/grid.js` adds the phone's position, shrinks photos on the phone and keeps unsent reports
on the phone (IndexedDB, with `/grid/sw.js` keeping the form itself) until they are sent.

Also the staff ticket page's "ask the grid to verify" form. Thin handlers over the same services
as the JSON API."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from hotline.auth.pages import CheckedFormDep, PageRefusal, PageSession, PageSessionDep
from hotline.config import Settings
from hotline.directory import queries as directory
from hotline.domain import commands as c
from hotline.domain.errors import DomainError, forbidden, invalid, message, not_found
from hotline.domain.vocabulary import Channel, Kind, Role
from hotline.grid import service
from hotline.intake.schemas import TicketIn
from hotline.media import queries as media_queries
from hotline.media import service as media
from hotline.media.images import Prepared, prepare
from hotline.routing import queue as routing_queue
from hotline.tickets import queries as tickets
from hotline.tickets import service as workflow
from hotline.tickets.pages import PageDeskDep
from hotline.tickets.routes import Desk
from hotline.web.errors import STATUS, field_errors
from hotline.web.numbers import Id
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")
STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
KINDS = (Kind.HELP, Kind.REPORT, Kind.COMPLAINT, Kind.SUGGESTION)
_STEPS = ("acknowledge", "arrive", "contact", "reply")


def _worker(session: PageSession) -> PageSession:
    """The grid pages are the grid worker's; anyone else is shown the API's 403."""
    if session.user.role is not Role.GRID_WORKER:
        raise PageRefusal(forbidden("permission.role", role=session.user.role.value, action="grid"), session)
    return session


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _point(form: FormData) -> tuple[float | None, float | None]:
    """The phone's position (WGS-84, as the Geolocation API gives it): both or neither."""
    lat_raw, lon_raw = _text(form, "latitude"), _text(form, "longitude")
    if lat_raw is None and lon_raw is None:
        return None, None
    try:
        lat, lon = float(lat_raw or ""), float(lon_raw or "")
    except ValueError:
        raise invalid("position.invalid", field="latitude") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise invalid("position.invalid", field="latitude")
    return round(lat, 7), round(lon, 7)


async def _photos(form: FormData, settings: Settings, name: str, keep_location: bool) -> list[Prepared]:
    """The photos of one file field, checked and re-encoded (nothing written yet); refused naming it."""
    limits = media.limits_of(settings)
    files = [v for v in form.getlist(name) if isinstance(v, UploadFile) and v.filename]
    if len(files) > limits.max_files:
        raise invalid("media.too_many", field=name, max=limits.max_files)
    blobs = [await f.read(limits.max_bytes + 1) for f in files]
    return await run_in_threadpool(
        lambda: [prepare(b, limits, field=name, keep_location=keep_location) for b in blobs]
    )


def _categories(desk: Desk) -> list[tuple[str, list[tuple[str, str]]]]:
    """Active second-level categories under their first level, for the report's select."""
    with desk.db.read() as s:
        found = [x for x in directory.categories(s) if x.active]
    name = {x.id: (x.name_en or x.name) if desk.lang == "en" else x.name for x in found}
    groups: dict[int, list[tuple[str, str]]] = {}
    tops = [x for x in found if x.parent_id is None]
    for x in found:
        if x.parent_id is not None:
            groups.setdefault(x.parent_id, []).append((x.code, name[x.id]))
    return [(name[t.id], groups[t.id]) for t in tops if t.id in groups]


def _messages(errors: dict[str, DomainError | str], lang: str) -> dict[str, str]:
    return {k: v if isinstance(v, str) else message(v.code, lang, **v.params) for k, v in errors.items()}


def _report_form(
    request: Request,
    desk: Desk,
    session: PageSession,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    values = values or {}
    return pages.render(
        request,
        "grid_report.html",
        {
            "kinds": KINDS,
            "categories": _categories(desk),
            "values": values,
            "errors": errors or {},
            "max_files": settings.media_max_files,
            "idempotency_key": values.get("idempotency_key") or secrets.token_urlsafe(16),
        },
        user=session.user,
        csrf=session.csrf,
        now=desk.now,
        status_code=422 if errors else 200,
    )


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _assignment_page(
    request: Request,
    desk: Desk,
    session: PageSession,
    ticket_id: Id,
    no: Id,
    *,
    verify: bool = False,
    refused: DomainError | None = None,
) -> HTMLResponse:
    try:
        with desk.db.read() as s:
            ticket = tickets.ticket_detail(s, ticket_id, desk.user, desk.zone, desk.lang, desk.now)
            photos = media_queries.of_ticket(s, ticket_id)
        actions = workflow.actions_for(desk.db, ticket_id, desk.user.actor, desk.now)
    except DomainError as err:
        raise PageRefusal(err, session) from None
    a = next((x for x in ticket.assignments if x.no == no), None)
    if a is None:
        raise PageRefusal(not_found("assignment.not_found", no=no), session)
    status = 200 if refused is None else STATUS[refused.kind]
    return pages.render(
        request,
        "grid_verify.html" if verify else "grid_assignment.html",
        {
            "ticket": ticket,
            "a": a,
            "can": actions.get(no, frozenset()),
            "photos": photos,
            "max_files": request.app.state.settings.media_max_files,
            "done": request.query_params.get("done"),
            "refused": None if refused is None else message(refused.code, desk.lang, **refused.params),
            "refused_field": None if refused is None else refused.params.get("field"),
        },
        user=session.user,
        csrf=session.csrf,
        now=desk.now,
        status_code=status,
    )


def install(app: FastAPI) -> None:
    @app.get("/grid", include_in_schema=False, response_class=HTMLResponse)
    def grid_home(request: Request, desk: PageDeskDep, session: PageSessionDep) -> HTMLResponse:
        """The worker's day: verifications asked, the grid's assignments by deadline, own reports."""
        _worker(session)
        with desk.db.read() as s:
            inbox = tickets.unit_inbox(s, desk.user, desk.zone, desk.lang, desk.now, limit=100)
            verifications = tickets.verifications_for(s, desk.user, desk.zone, desk.lang)
            reports = tickets.reported_by(s, desk.user, desk.zone, desk.lang)
        return pages.render(
            request,
            "grid_home.html",
            {
                "assignments": [i for i in inbox.items if not i.subordinate],
                "verifications": verifications,
                "reports": reports,
                "reported": request.query_params.get("reported"),
                "verified": request.query_params.get("verified"),
            },
            user=session.user,
            csrf=session.csrf,
            now=desk.now,
        )

    @app.get("/grid/sw.js", include_in_schema=False)
    def grid_service_worker() -> Response:
        """The service worker keeps the report form on the phone (scope /grid/, so served here)."""
        body = (STATIC / "grid-sw.js").read_bytes()
        return Response(
            body,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/grid/"},
        )

    @app.get("/grid/report", include_in_schema=False, response_class=HTMLResponse)
    def grid_report_form(request: Request, desk: PageDeskDep, session: PageSessionDep) -> HTMLResponse:
        _worker(session)
        return _report_form(request, desk, session, {"kind": Kind.HELP.value})

    @app.post("/grid/report", include_in_schema=False, response_model=None)
    async def grid_report(
        request: Request, desk: PageDeskDep, session: PageSessionDep, form: CheckedFormDep
    ) -> Response:
        """A report from the street (channel `grid`, routed like any other). The page's script sends
        it with `Accept: application/json` and the report's idempotency key, from the phone's queue;
        without the script the form posts and is redirected."""
        _worker(session)
        settings: Settings = request.app.state.settings
        values = {k: _text(form, k) or "" for k in ("kind", "category_code", "content", "address")}
        values["idempotency_key"] = (_text(form, "idempotency_key") or "")[:100]
        problems: dict[str, DomainError | str] = {}
        point: tuple[float | None, float | None] = (None, None)
        try:
            point = _point(form)
        except DomainError as err:
            problems["latitude"] = err
        data = None
        try:
            data = TicketIn(
                channel=Channel.GRID,
                kind=values["kind"] or Kind.HELP.value,  # type: ignore[arg-type]
                content=values["content"],
                category_code=values["category_code"] or None,
                address=values["address"] or None,
                latitude=point[0],
                longitude=point[1],
            )
        except ValidationError as exc:
            for e in field_errors(RequestValidationError(exc.errors()), desk.lang):
                problems.setdefault((e["field"] or "form").split(".")[0], e["message"])
        try:
            photos = await _photos(form, settings, "photos", keep_location=point[0] is not None)
        except DomainError as err:
            problems["photos"] = err
            photos = []
        finally:
            await form.close()
        if data is not None and not problems:
            try:
                done = await run_in_threadpool(
                    service.report,
                    desk.db,
                    settings,
                    data,
                    photos,
                    desk.user,
                    values["idempotency_key"] or None,
                    desk.now,
                )
            except DomainError as err:
                problems[str(err.params.get("field") or "form")] = err
            else:
                if done.created:
                    routing_queue.notify(request.app.state)
                code = done.ticket.tracking_code
                if _wants_json(request):
                    return JSONResponse(
                        {
                            "ticket_id": done.ticket_id,
                            "tracking_code": code,
                            "replayed": not done.created,
                        },
                        status_code=201 if done.created else 200,
                    )
                return RedirectResponse(f"/grid?reported={code}", status_code=303)
        shown = _messages(problems, desk.lang)
        if _wants_json(request):
            first = next(iter(problems.values()))
            code = first.code if isinstance(first, DomainError) else "validation.failed"
            status = STATUS[first.kind] if isinstance(first, DomainError) else 422
            return JSONResponse({"code": code, "errors": shown}, status_code=status)
        return _report_form(request, desk, session, values, shown)

    @app.get("/grid/a/{ticket_id}/{no}", include_in_schema=False, response_class=HTMLResponse)
    def grid_assignment(
        request: Request, ticket_id: Id, no: Id, desk: PageDeskDep, session: PageSessionDep
    ) -> HTMLResponse:
        _worker(session)
        return _assignment_page(request, desk, session, ticket_id, no)

    for step in _STEPS:
        _install_step(app, step)

    @app.get("/grid/v/{ticket_id}/{no}", include_in_schema=False, response_class=HTMLResponse)
    def grid_verify_page(
        request: Request, ticket_id: Id, no: Id, desk: PageDeskDep, session: PageSessionDep
    ) -> HTMLResponse:
        _worker(session)
        return _assignment_page(request, desk, session, ticket_id, no, verify=True)

    @app.post("/grid/v/{ticket_id}/{no}", include_in_schema=False, response_model=None)
    async def grid_verify(
        request: Request,
        ticket_id: Id,
        no: Id,
        desk: PageDeskDep,
        session: PageSessionDep,
        form: CheckedFormDep,
    ) -> Response:
        """The finding, with a photo and the phone's position: passed, or failed with a reason."""
        _worker(session)
        settings: Settings = request.app.state.settings
        try:
            outcome = _text(form, "outcome")
            if outcome not in ("passed", "failed"):
                raise invalid("validation.failed", field="outcome")
            lat, lon = _point(form)
            photos = await _photos(form, settings, "photos", keep_location=lat is not None)
            note = _text(form, "note")

            def build(names: tuple[str, ...]) -> c.Command:
                return c.AnswerVerification(
                    assignment_no=no,
                    passed=outcome == "passed",
                    note=note,
                    latitude=lat,
                    longitude=lon,
                    media=names,
                )

            await run_in_threadpool(
                service.act_with_photos,
                desk.db,
                settings,
                ticket_id,
                build,
                [photos],
                desk.user,
                desk.now,
                desk.deadlines,
            )
        except DomainError as err:
            if err.code in ("permission.not_visible", "ticket.not_found"):
                raise PageRefusal(err, session) from None
            return _assignment_page(request, desk, session, ticket_id, no, verify=True, refused=err)
        finally:
            await form.close()
        return RedirectResponse(f"/grid?verified={outcome}", status_code=303)

    @app.post("/tickets/{ticket_id}/assignments/{no}/verification", include_in_schema=False)
    def page_request_verification(
        request: Request,
        ticket_id: Id,
        no: Id,
        desk: PageDeskDep,
        session: PageSessionDep,
        form: CheckedFormDep,
    ) -> Response:
        """The staff ticket page's "ask the grid to verify" form (the API's rule and refusals)."""
        raw = _text(form, "grid_unit_id")
        try:
            if raw is not None and not raw.isdigit():
                raise invalid("validation.failed", field="grid_unit_id")
            note = _text(form, "note")
            if note is not None and len(note) > 200:
                raise invalid("validation.failed", field="note")
            service.request_verification(
                desk.db,
                request.app.state.routing,
                ticket_id,
                no,
                int(raw) if raw else None,
                note,
                desk.user,
                desk.now,
                desk.deadlines,
            )
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return RedirectResponse(f"/tickets/{ticket_id}?done=request_verification#a{no}", status_code=303)


def _step_command(
    step: str, no: Id, form: FormData, before: tuple[str, ...], after: tuple[str, ...]
) -> c.Command:
    match step:
        case "acknowledge":
            return c.Acknowledge(assignment_no=no)
        case "arrive":
            lat, lon = _point(form)
            return c.RecordArrival(assignment_no=no, latitude=lat, longitude=lon)
        case "contact":
            note = _text(form, "note")
            if note is not None and len(note) > 1000:
                raise invalid("validation.failed", field="note")
            return c.RecordContact(assignment_no=no, note=note)
        case "reply":
            reply = _text(form, "reply")
            if reply is None:
                raise invalid("reason.required", field="reply")
            if len(reply) > 4000:
                raise invalid("validation.failed", field="reply")
            return c.Reply(assignment_no=no, reply=reply, before=before, after=after)
    raise invalid("validation.failed", field="action")


def _install_step(app: FastAPI, step: str) -> None:
    """POST /grid/a/{id}/{no}/<step>: one workflow step from the phone, then back to its page."""

    @app.post(f"/grid/a/{{ticket_id}}/{{no}}/{step}", include_in_schema=False, name=f"grid_{step}")
    async def act(
        request: Request,
        ticket_id: Id,
        no: Id,
        desk: PageDeskDep,
        session: PageSessionDep,
        form: CheckedFormDep,
    ) -> Response:
        _worker(session)
        settings: Settings = request.app.state.settings
        try:
            groups: list[list[Prepared]] = [[], []]
            if step == "reply":
                with desk.db.read() as s:
                    brief = tickets.brief(s, ticket_id)
                keep = brief is not None and brief.latitude is not None
                groups = [
                    await _photos(form, settings, "photos_before", keep),
                    await _photos(form, settings, "photos_after", keep),
                ]
            _step_command(step, no, form, (), ())  # refuse a bad field before any file is written
            build: Callable[..., c.Command] = lambda b, a: _step_command(step, no, form, b, a)  # noqa: E731
            await run_in_threadpool(
                service.act_with_photos,
                desk.db,
                settings,
                ticket_id,
                build,
                groups,
                desk.user,
                desk.now,
                desk.deadlines,
            )
        except DomainError as err:
            if err.code in ("permission.not_visible", "ticket.not_found"):
                raise PageRefusal(err, session) from None
            return _assignment_page(request, desk, session, ticket_id, no, refused=err)
        finally:
            await form.close()
        return RedirectResponse(f"/grid/a/{ticket_id}/{no}?done={step}", status_code=303)
