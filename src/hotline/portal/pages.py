"""The citizen portal's pages (docs/portal.md): submit a request with photos and a position, follow
it like a parcel, add to it, withdraw it, rate the result. Phone first, fine on a desktop; plain
forms that work without JavaScript (POST → 303 → GET), which `static/portal.js` enhances (the
phone's position, photos shrunk on the phone, the emergency hint while typing).

Thin handlers over the same services as the JSON API: intake for a new request, the ticket
workflow for later steps (as the citizen), media for photos, tracking for the public timeline.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from hotline.config import Settings
from hotline.domain import commands as c
from hotline.domain.coordinates import gcj02_to_wgs84
from hotline.domain.errors import DomainError, forbidden, invalid, message
from hotline.domain.privacy import mask_phone
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import (
    TERMINAL_STATUSES,
    Channel,
    FollowUpMethod,
    Kind,
    Role,
    Satisfaction,
    TicketStatus,
)
from hotline.followup import queries as followup_queries
from hotline.followup import service as followup
from hotline.intake import service as intake
from hotline.intake.schemas import TicketIn
from hotline.media import queries as media_queries
from hotline.media import service as media
from hotline.media.images import Prepared, prepare
from hotline.media.routes import photo_response
from hotline.open311 import queries as open311
from hotline.portal import access, forms
from hotline.routing import emergency
from hotline.routing import queue as routing_queue
from hotline.routing.places import PlaceUnit, distance_m
from hotline.routing.routes import runtime_of
from hotline.tickets import photos as ticket_photos
from hotline.tickets import queries as tickets
from hotline.tickets import service as workflow
from hotline.tracking import queries as tracking
from hotline.tracking.codes import normalise_tracking_code
from hotline.web.catalogue import text
from hotline.web.errors import STATUS, field_errors, register_error_page, request_lang
from hotline.web.shell import Shell
from hotline.web.throttle import Throttled, client_address, throttle_of

pages = Shell(Path(__file__).parent / "templates")
CITIZEN = Actor(role=Role.CITIZEN)
KINDS = [Kind.COMPLAINT, Kind.HELP, Kind.REPORT, Kind.SUGGESTION, Kind.CONSULTATION, Kind.PRAISE]
RATEABLE = {TicketStatus.REVIEWED.value, TicketStatus.ANSWERED.value}
FIELDS = ("kind", "content", "address", "citizen_name", "citizen_phone", "latitude", "longitude", "datum")


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    token, new = access.csrf_token(request)
    brand = text("portal.brand", request_lang(request))
    response = pages.render(
        request, name, {"form_csrf": token, "brand": brand, **context}, status_code=status_code
    )
    if new:
        access.set_csrf(response, request, token)
    return response


def _refusal(request: Request, err: DomainError) -> HTMLResponse:
    reason = message(err.code, request_lang(request), **err.params)
    return _error_page(request, STATUS[err.kind], err.code, reason, [], {})


def _error_page(
    request: Request,
    status: int,
    code: str,
    reason: str,
    errors: list[dict[str, Any]],
    headers: dict[str, str],
) -> HTMLResponse:
    """A refusal, or an error met on a portal address, in the portal's own look and name."""
    context = {"code": code, "reason": reason, "errors": errors}
    response = _render(request, "portal_refusal.html", context, status_code=status)
    response.headers.update(headers)
    return response


def _throttled(request: Request, exc: Throttled) -> HTMLResponse:
    response = _render(request, "portal_busy.html", {"retry_after": exc.retry_after_s}, status_code=429)
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


def _closing(handler: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """Close the parsed form (its spooled uploads) when the handler is done, whatever happened."""

    @functools.wraps(handler)
    async def run(*args: Any, **kwargs: Any) -> Response:
        try:
            return await handler(*args, **kwargs)
        finally:
            await kwargs["request"].close()

    return run


async def _form(request: Request, settings: Settings) -> FormData:
    form = await request.form(max_files=settings.media_max_files + 7, max_fields=50)
    access.check_csrf(request, form)
    return form


async def _photos(form: FormData, settings: Settings, keep_location: bool) -> list[Prepared]:
    """The uploaded photos, checked and re-encoded (nothing is written yet); refused naming `photos`."""
    limits = media.limits_of(settings)
    files = [v for v in form.getlist("photos") if isinstance(v, UploadFile) and v.filename]
    if len(files) > limits.max_files:
        raise invalid("media.too_many", field="photos", max=limits.max_files)
    blobs = [await upload.read(limits.max_bytes + 1) for upload in files]
    # decoding and re-encoding is CPU work (~0.4 s for a 12 MP photo): off the event loop
    return await run_in_threadpool(
        lambda: [prepare(b, limits, field="photos", keep_location=keep_location) for b in blobs]
    )


def _brief(request: Request, ticket_id: int) -> tickets.TicketBrief | None:
    with request.app.state.db.read() as s:
        return tickets.brief(s, ticket_id)


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _point(form: FormData) -> tuple[float | None, float | None]:
    """The position as WGS-84: the phone's (already WGS-84), or a point typed from a Chinese map
    app (GCJ-02, converted). Both or neither; refused naming `latitude`."""
    lat_raw, lon_raw = _text(form, "latitude"), _text(form, "longitude")
    if lat_raw is None and lon_raw is None:
        return None, None
    try:
        lat, lon = float(lat_raw or ""), float(lon_raw or "")
    except ValueError:
        raise invalid("portal.coordinates", field="latitude") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise invalid("portal.coordinates", field="latitude")
    if _text(form, "datum") == "gcj02":
        lat, lon = gcj02_to_wgs84(lat, lon)
    return round(lat, 7), round(lon, 7)


@dataclass
class Problems:
    """Field → message, for the form to show beside each field."""

    lang: str
    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, err: DomainError) -> None:
        name = str(err.params.get("field") or "form")
        self.by_field.setdefault(name, message(err.code, self.lang, **err.params))

    def add_validation(self, exc: ValidationError) -> None:
        for e in field_errors(RequestValidationError(exc.errors()), self.lang):
            name = (e["field"] or "form").split(".")[0]
            self.by_field.setdefault(name, e["message"])

    def attempt(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except DomainError as err:
            self.add(err)
            return None


def _new_form(
    request: Request, values: dict[str, Any], problems: Problems | None = None, **extra: Any
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    status = 422 if problems and problems.by_field else 200
    return _render(
        request,
        "portal_new.html",
        {
            "kinds": KINDS,
            "values": values,
            "errors": problems.by_field if problems else {},
            "max_files": settings.media_max_files,
            "idempotency_key": values.get("idempotency_key") or secrets.token_urlsafe(16),
            **extra,
        },
        status_code=status,
    )


def _emergency_words(result: emergency.EmergencyResult, lang: str) -> list[tuple[str, str]]:
    """(number, name) of each emergency line the words point to, first the one to call first."""
    names = {s: emergency.SERVICE_NAMES[s][1 if lang == "en" else 0] for s in result.services}
    return [(s, names[s].removeprefix(s).strip()) for s in result.services]


@dataclass(frozen=True)
class Unlocked:
    """A request the visitor may see in full (code and phone digits), or only its public steps."""

    ticket_id: int
    code: str
    phone: str | None
    full: bool


def _open(request: Request, session: Session, code: str, now: datetime) -> Unlocked:
    """The request behind `code` and how much the visitor may see; wrong digits count as a guess."""
    settings: Settings = request.app.state.settings
    ticket_id, phone = tracking.ticket_id_for_code(session, code)
    given = request.cookies.get(access.KEY_COOKIE)
    if given and phone is not None:  # digits from a cookie are a guess like the form's
        access.check_guesses(request, settings, code, now.timestamp())
    full = access.digits_match(phone, given)
    if given and not full and phone is not None:
        access.count_guess(request, settings, code, now.timestamp())
    return Unlocked(ticket_id, code, phone, full)


def _request_page(
    request: Request, code: str, errors: dict[str, str] | None = None, status_code: int = 200
) -> HTMLResponse:
    """The request's page: everything with code and digits; its public steps only when it was
    given without a phone; with a phone but without the digits, only that the code exists."""
    settings: Settings = request.app.state.settings
    now = request.app.state.clock()
    lang = request_lang(request)
    try:
        access.look_ups(request, settings, now.timestamp())
        with request.app.state.db.read() as s:
            opened = _open(request, s, code, now)
            if opened.phone is not None and not opened.full:
                return _render(request, "portal_locked.html", {"code": code, "error": None})
            public = tracking.public_ticket(s, code, settings.zone, lang)
            own = tickets.brief(s, opened.ticket_id) if opened.full else None
            # the citizen's own photos and the approved public answer's, never a unit's internal ones
            photos = ticket_photos.for_citizen(s, opened.ticket_id) if opened.full else []
            asking = opened.full and followup_queries.open_task_of(s, opened.ticket_id) is not None
    except Throttled as exc:
        return _throttled(request, exc)
    except DomainError as err:
        return _refusal(request, err)
    return _render(
        request,
        "portal_request.html",
        {
            "code": code,
            "public": public,
            "own": own,
            "phone": mask_phone(opened.phone),
            "photos": [p for p in photos if p.source == "citizen"],
            "answer_photos": [p for p in photos if p.public],
            "full": opened.full,
            "new": request.query_params.get("new") == "1",
            "done": request.query_params.get("done"),
            "open": public.status not in {s.value for s in TERMINAL_STATUSES},
            "rateable": public.status in RATEABLE,
            "follow_up_open": asking,
            "max_files": settings.media_max_files,
            "satisfactions": list(Satisfaction),
            "errors": errors or {},
            "link": f"{request.base_url}portal/r/{code}",
        },
        status_code=status_code,
    )


NEARBY_RADIUS = 500  # metres around the request
NEARBY_DAYS = 30


def _nearby_page(request: Request, code: str) -> HTMLResponse:
    """Similar requests near this one, as the Open311 public feed shows them: Open311 requests of
    the same kind within NEARBY_RADIUS with their published points, and only a count, by street,
    of the other channels' (their places are never published). Only with code and digits (the
    centre of the search is the request's own position); throttled like every look-up."""
    settings: Settings = request.app.state.settings
    now = request.app.state.clock()
    lang = request_lang(request)
    context: dict[str, Any] = {"code": code, "radius": NEARBY_RADIUS, "days": NEARBY_DAYS, "reason": None}
    try:
        access.look_ups(request, settings, now.timestamp())
        with request.app.state.db.read() as s:
            opened = _open(request, s, code, now)
            if opened.phone is not None and not opened.full:
                return _render(request, "portal_locked.html", {"code": code, "error": None})
            if not opened.full:  # no phone: nothing proves who asks, so the position stays hidden
                raise forbidden("portal.locked")
            own = tickets.brief(s, opened.ticket_id)
            if own is None or own.latitude is None or own.longitude is None:
                context["reason"] = "portal.nearby_no_place"
            elif own.category_code is None:
                context["reason"] = "portal.nearby_no_kind"
            else:
                lat, lon = own.latitude, own.longitude
                places = runtime_of(request).world(s).places
                here = places.locate(lat, lon)
                area = (here.street or here.district) if here is not None else None

                def in_area(la: float, lo: float) -> bool:
                    there = places.locate(la, lo)
                    return there is not None and area is not None and (there.street or there.district) == area

                view = open311.View(zone=settings.zone, lang=lang, extensions=False, media_base="")
                found = open311.nearby(
                    s,
                    own.category_code,
                    open311.Near(lat, lon, NEARBY_RADIUS),
                    now - timedelta(days=NEARBY_DAYS),
                    view,
                    exclude=own.id,
                    in_area=in_area if area is not None else None,
                )
                if not found.published:
                    context["reason"] = "portal.nearby_unpublished"
                items = sorted(
                    (_nearby_item(d, lat, lon) for d in found.requests), key=lambda i: i["distance"]
                )
                context.update(
                    lat=lat,
                    lon=lon,
                    items=items,
                    marks=[
                        {"lon": i["lon"], "lat": i["lat"], "name": str(n)} for n, i in enumerate(items, 1)
                    ],
                    others=found.others_in_area,
                    area=_area_name(area, lang),
                )
    except Throttled as exc:
        return _throttled(request, exc)
    except DomainError as err:
        return _refusal(request, err)
    return _render(request, "portal_nearby.html", context)


def _area_name(area: PlaceUnit | None, lang: str) -> str:
    if area is None:
        return ""
    return (area.name_en or area.short_name) if lang == "en" else area.short_name


def _nearby_item(doc: dict[str, Any], lat: float, lon: float) -> dict[str, Any]:
    description = doc["description"] or ""
    return {
        "service": doc["service_name"],
        "status": doc["status"],
        "date": doc["requested_datetime"][:10],
        "distance": round(distance_m(lat, lon, doc["lat"], doc["long"]) / 10) * 10,
        "address": doc["address"],
        "description": description[:120] + ("…" if len(description) > 120 else ""),
        "agency": doc["agency_responsible"],
        "lat": doc["lat"],
        "lon": doc["long"],
    }


def install(app: FastAPI) -> None:
    register_error_page(app, "/portal", _error_page)

    @app.get("/portal", include_in_schema=False, response_class=HTMLResponse)
    def portal_home(request: Request) -> HTMLResponse:
        return _render(request, "portal_home.html", {"code": "", "error": None})

    @app.post("/portal/track", include_in_schema=False, response_model=None)
    @_closing
    async def portal_track(request: Request) -> Response:
        """Code and the phone's last four digits: the request's page, or a refusal saying no more
        than whether the code exists."""
        settings: Settings = request.app.state.settings
        now = request.app.state.clock()
        try:
            form = await _form(request, settings)
            code = normalise_tracking_code(_text(form, "code") or "")
            digits = _text(form, "digits") or ""
            access.look_ups(request, settings, now.timestamp())

            def look_up() -> tickets.TrackedTicket | None:
                with request.app.state.db.read() as s:
                    return tickets.by_tracking_code(s, code) if code else None

            found = await run_in_threadpool(look_up)
            if found is None:
                return _render(
                    request,
                    "portal_home.html",
                    {"code": code, "error": message("tracking.not_found", request_lang(request))},
                    404,
                )
            if found.citizen_phone is not None:
                access.check_guesses(request, settings, code, now.timestamp())
                if not access.digits_match(found.citizen_phone, digits):
                    access.count_guess(request, settings, code, now.timestamp())
                    error = message("portal.digits_wrong", request_lang(request))
                    return _render(request, "portal_home.html", {"code": code, "error": error}, 403)
            response = RedirectResponse(access.request_path(code), status_code=303)
            if found.citizen_phone is not None:
                access.remember(response, request, code, digits.strip())
            return response
        except Throttled as exc:
            return _throttled(request, exc)
        except DomainError as err:
            return _refusal(request, err)

    @app.get("/portal/new", include_in_schema=False, response_class=HTMLResponse)
    def portal_new(request: Request) -> HTMLResponse:
        kind = request.query_params.get("kind")
        return _new_form(request, {"kind": kind if kind in {k.value for k in KINDS} else ""})

    @app.post("/portal/emergency", include_in_schema=False, response_class=HTMLResponse)
    @_closing
    async def portal_emergency(request: Request) -> HTMLResponse:
        """The hint while typing (htmx): which emergency line to call, or nothing. Writes nothing."""
        form = await request.form(max_files=0, max_fields=20)
        content = form.get("content")
        found = emergency.recognise(content if isinstance(content, str) else None)
        return _render(
            request, "portal_emergency.html", {"emergency": _emergency_words(found, request_lang(request))}
        )

    @app.post("/portal/new", include_in_schema=False, response_model=None)
    @_closing
    async def portal_submit(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        now = request.app.state.clock()
        lang = request_lang(request)
        try:
            form = await _form(request, settings)
        except DomainError as err:
            return _refusal(request, err)
        values = {name: _text(form, name) or "" for name in FIELDS}
        values["idempotency_key"] = (_text(form, "idempotency_key") or "")[:100]
        problems = Problems(lang)
        point = problems.attempt(lambda: _point(form)) or (None, None)
        data = None
        try:
            data = TicketIn(
                channel=Channel.WEB,
                kind=values["kind"] or None,  # type: ignore[arg-type]
                content=_text(form, "content") or "",
                citizen_name=values["citizen_name"] or None,
                citizen_phone=values["citizen_phone"] or None,
                address=values["address"] or None,
                latitude=point[0],
                longitude=point[1],
            )
        except ValidationError as exc:
            problems.add_validation(exc)
        if values["kind"] not in {k.value for k in KINDS}:
            problems.by_field["kind"] = text("portal.kind_missing", lang)
        if not values["content"]:
            problems.by_field["content"] = text("portal.content_missing", lang)
        if not values["citizen_phone"] and values["kind"] != Kind.CONSULTATION.value:
            problems.add(invalid("portal.phone_required", field="citizen_phone"))
        try:
            photos = await _photos(form, settings, keep_location=point[0] is not None)
        except DomainError as err:
            problems.add(err)
            photos = []
        if problems.by_field or data is None:
            return _new_form(request, values, problems)
        found = emergency.recognise(data.content)
        if found and not form.get("not_emergency"):
            return _new_form(request, values, emergency=_emergency_words(found, lang), confirm=True)
        throttle, stamp = throttle_of(request), now.timestamp()
        try:
            if data.citizen_phone:
                throttle.check("public-phone", data.citizen_phone, settings.rate("public_per_phone"), stamp)
            throttle.hit(
                "public-address", client_address(request), settings.rate("public_per_address"), stamp
            )
            if data.citizen_phone:
                throttle.add("public-phone", data.citizen_phone, settings.rate("public_per_phone"), stamp)
        except Throttled as exc:
            return _throttled(request, exc)

        def store() -> intake.Submitted:
            with media.staged(media.storage_of(settings), photos) as staging:
                done = intake.submit(
                    request.app.state.db,
                    data,
                    now,
                    lambda _s: None,
                    idempotency_key=values["idempotency_key"] or None,
                    scope="portal",
                    on_created=lambda s, tid, _t: media.attach(s, tid, staging.stored, media.CITIZEN, now),
                )
                if not done.created:  # a second tap of "submit": the first request, its own photos
                    staging.discard()
            return done

        done = await run_in_threadpool(store)
        routing_queue.notify(request.app.state)
        code = done.ticket.tracking_code
        response = RedirectResponse(access.request_path(code) + "?new=1", status_code=303)
        digits = access.last_four(data.citizen_phone)
        if digits:
            access.remember(response, request, code, digits)
        return response

    @app.get("/portal/r/{code}", include_in_schema=False, response_class=HTMLResponse)
    def portal_request(code: str, request: Request) -> HTMLResponse:
        return _request_page(request, normalise_tracking_code(code))

    @app.get("/portal/r/{code}/nearby", include_in_schema=False, response_class=HTMLResponse)
    def portal_nearby(code: str, request: Request) -> HTMLResponse:
        return _nearby_page(request, normalise_tracking_code(code))

    async def _act(
        request: Request, code: str, act: Callable[[FormData, Unlocked], Any], done: str
    ) -> Response:
        """A change to a request: CSRF, code AND digits, then `act`; back to the request's page."""
        settings: Settings = request.app.state.settings
        now = request.app.state.clock()
        code = normalise_tracking_code(code)
        lang = request_lang(request)
        try:
            form = await _form(request, settings)
            access.check_guesses(request, settings, code, now.timestamp())

            def look_up() -> Unlocked:
                with request.app.state.db.read() as s:
                    return _open(request, s, code, now)

            opened = await run_in_threadpool(look_up)
            if not opened.full:
                raise forbidden("portal.locked")
            await act(form, opened)
        except Throttled as exc:
            return _throttled(request, exc)
        except ValidationError as exc:
            problems = Problems(lang)
            problems.add_validation(exc)
            return _request_page(request, code, problems.by_field, status_code=422)
        except DomainError as err:
            if err.params.get("field"):
                return _request_page(
                    request, code, {str(err.params["field"]): message(err.code, lang, **err.params)}, 422
                )
            return _refusal(request, err)
        return RedirectResponse(f"{access.request_path(code)}?done={done}", status_code=303)

    @app.post("/portal/r/{code}/add", include_in_schema=False, response_model=None)
    @_closing
    async def portal_add(code: str, request: Request) -> Response:
        settings: Settings = request.app.state.settings
        now = request.app.state.clock()

        async def act(form: FormData, opened: Unlocked) -> None:
            text = forms.AddIn(text=_text(form, "text")).text
            brief = await run_in_threadpool(_brief, request, opened.ticket_id)
            photos = await _photos(
                form, settings, keep_location=brief is not None and brief.latitude is not None
            )

            def store() -> None:
                with media.staged(media.storage_of(settings), photos) as staging:
                    workflow.execute(
                        request.app.state.db,
                        opened.ticket_id,
                        c.AddInformation(text=text, media=tuple(s.name for s in staging.stored)),
                        CITIZEN,
                        now,
                        request.app.state.wiring.deadlines,
                        also=lambda s: media.attach(s, opened.ticket_id, staging.stored, media.CITIZEN, now),
                    )

            await run_in_threadpool(store)

        return await _act(request, code, act, "added")

    @app.post("/portal/r/{code}/withdraw", include_in_schema=False, response_model=None)
    @_closing
    async def portal_withdraw(code: str, request: Request) -> Response:
        settings: Settings = request.app.state.settings
        now = request.app.state.clock()

        async def act(form: FormData, opened: Unlocked) -> None:
            reason = forms.WithdrawIn(reason=_text(form, "reason")).reason
            throttle_of(request).hit(
                "withdraw-code", opened.code, settings.rate("withdraw_per_code"), now.timestamp()
            )
            await run_in_threadpool(
                workflow.execute,
                request.app.state.db,
                opened.ticket_id,
                c.Withdraw(reason=reason or message("portal.withdraw_reason", request_lang(request))),
                CITIZEN,
                now,
                request.app.state.wiring.deadlines,
            )

        return await _act(request, code, act, "withdrawn")

    @app.post("/portal/r/{code}/rate", include_in_schema=False, response_model=None)
    @_closing
    async def portal_rate(code: str, request: Request) -> Response:
        now = request.app.state.clock()

        async def act(form: FormData, opened: Unlocked) -> None:
            rated = forms.RateIn(
                contacted=_text(form, "contacted") or "",  # type: ignore[arg-type]
                solved=_text(form, "solved") or "",  # type: ignore[arg-type]
                satisfaction=_text(form, "satisfaction") or "",  # type: ignore[arg-type]
                note=_text(form, "note"),
            )
            ans = followup.Answer(
                rated.contacted, rated.solved, rated.satisfaction, rated.note or None, FollowUpMethod.PORTAL
            )
            wiring = request.app.state.wiring
            done = await run_in_threadpool(
                followup.answer_on_portal, request.app.state.db, opened.ticket_id, ans, now, wiring.followup
            )
            if done is not None:  # the open follow-up task answered: the ticket closed or reopened
                return
            await run_in_threadpool(
                workflow.execute,
                request.app.state.db,
                opened.ticket_id,
                c.RecordFollowUp(
                    contacted=rated.contacted,
                    solved=rated.solved,
                    satisfaction=rated.satisfaction,
                    method=FollowUpMethod.PORTAL,
                    note=rated.note or None,
                ),
                CITIZEN,
                now,
                wiring.deadlines,
            )

        return await _act(request, code, act, "rated")

    @app.get("/portal/r/{code}/media/{name}", include_in_schema=False, response_model=None)
    def portal_media(code: str, name: str, request: Request) -> Response:
        """A photo of the request, only with its code and the phone's digits."""
        settings: Settings = request.app.state.settings
        now = request.app.state.clock()
        code = normalise_tracking_code(code)
        try:
            with request.app.state.db.read() as s:
                opened = _open(request, s, code, now)
                if not opened.full:
                    raise forbidden("portal.locked")
                shown = {p.name for p in ticket_photos.for_citizen(s, opened.ticket_id)}
                info = media_queries.by_name(s, opened.ticket_id, name) if name in shown else None
            response: FileResponse = photo_response(media.storage_of(settings), info)
            return response
        except Throttled as exc:
            return _throttled(request, exc)
        except DomainError as err:
            return _refusal(request, err)
