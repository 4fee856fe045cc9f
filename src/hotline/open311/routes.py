"""Open311 GeoReport v2 over HTTP (`/open311/v2/…`), and its administration (`/api/v1/open311/…`).

Every GeoReport resource answers in the format its suffix names (`.xml` or `.json`), errors
included: `[{code, description}]` with the spec's HTTP status. Parameters come from the query
string or the form body (urlencoded or multipart, where `media` is an uploaded photo).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline.audit.service import Actor
from hotline.auth.deps import UserDep
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.domain.errors import DomainError, ErrorKind, invalid, message
from hotline.media import service as media_service
from hotline.open311 import queries, render, service
from hotline.open311.queries import DEFAULT_RADIUS, MAX_RADIUS, Near, RequestFilter, View, w3c
from hotline.open311.schemas import (
    AttributeSpec,
    KeyIn,
    KeyIssued,
    KeyOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
)
from hotline.open311.service import Params, Refused, Upload, parse_datetime, refuse
from hotline.routing import queue as routing_queue
from hotline.tracking.codes import normalise_tracking_code
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep
from hotline.web.errors import request_lang
from hotline.web.numbers import Id, parse_id
from hotline.web.text import has_control_character

SPEC = "http://wiki.open311.org/GeoReport_v2"
WINDOW_DAYS = 90
MAX_PAGE_SIZE = 1000
_STATUS = {
    ErrorKind.INVALID: 400,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHORIZED: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
}


def _format_of(request: Request) -> str:
    fmt = request.path_params.get("fmt")
    if fmt in render.FORMATS:
        return str(fmt)
    return "json" if request.url.path.endswith(".json") else "xml"


class Open311Route(APIRoute):
    """Refusals leave in the requested format as GeoReport errors, never as problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handle(request)
            except Refused as exc:
                status, errors = exc.status, exc.errors
            except DomainError as exc:
                status, errors = _STATUS[exc.kind], [exc]
            except RequestValidationError as exc:
                status = 400
                errors = [
                    invalid("open311.field_invalid", field=".".join(map(str, e["loc"])), detail=e["msg"])
                    for e in exc.errors()
                ]
            except StarletteHTTPException as exc:  # e.g. a malformed multipart body
                status = exc.status_code
                errors = [invalid("open311.field_invalid", field="body", detail=str(exc.detail))]
            lang = request_lang(request)
            return render.errors(
                _format_of(request), status, [message(e.code, lang, **e.params) for e in errors]
            )

        return route


router = APIRouter(prefix="/open311/v2", tags=["open311 GeoReport v2"], route_class=Open311Route)


# --- what each operation reads (its parameters come from read_inputs, so FastAPI cannot see them) --


def _q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_JURISDICTION = _q("jurisdiction_id", "Must be this platform's jurisdiction when given (else 404).")
_LANG = _q("lang", "zh (default) or en; Accept-Language: en works too.", {"enum": ["zh", "en"]})
_EXTENSIONS = _q(
    "extensions", "true: add the platform's extensions (notes, status history).", {"type": "boolean"}
)
_GEOREPORT_ERRORS = {
    "description": "GeoReport errors: [{code, description}] in the requested format",
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
                },
            }
        },
        "text/xml": {"schema": {"type": "string"}},
    },
}
_FORMATS = {"content": {"application/json": {}, "text/xml": {"schema": {"type": "string"}}}}
_POST_FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    "api_key": ("The client's API key (required).", {"type": "string"}),
    "service_code": ("The service (required); see services.{fmt}.", {"type": "string"}),
    "lat": ("Latitude (WGS 84); lat+long, address_string or address_id is required.", {"type": "number"}),
    "long": ("Longitude (WGS 84).", {"type": "number"}),
    "address_string": ("Where, in words.", {"type": "string"}),
    "address_id": ("An address id of the jurisdiction.", {"type": "string"}),
    "email": ("The reporter's e-mail.", {"type": "string"}),
    "device_id": ("The reporting device.", {"type": "string"}),
    "account_id": ("The reporter's account in the client.", {"type": "string"}),
    "first_name": ("The reporter's first name.", {"type": "string"}),
    "last_name": ("The reporter's last name.", {"type": "string"}),
    "phone": ("The reporter's phone.", {"type": "string"}),
    "description": ("The request in the reporter's words (at most 4,000 characters).", {"type": "string"}),
    "media_url": ("A photo's URL.", {"type": "string"}),
    "media": ("A photo (multipart only).", {"type": "string", "format": "binary"}),
}


def _doc(parameters: list[dict[str, Any]], body: bool = False) -> dict[str, Any]:
    """`openapi_extra` of an Open311 operation: its parameters, its formats, its errors."""
    extra: dict[str, Any] = {
        "parameters": [_JURISDICTION, _LANG, *parameters],
        "responses": {
            "200": _FORMATS,
            **{code: _GEOREPORT_ERRORS for code in ("400", "403", "404", "413", "503")},
        },
    }
    if body:
        properties = {name: {**schema, "description": text} for name, (text, schema) in _POST_FIELDS.items()}
        properties["attribute[code]"] = {
            "type": "string",
            "description": "The answer to a service attribute (attribute[code][] repeats for a multivaluelist).",
        }
        schema = {"type": "object", "properties": properties, "required": ["api_key", "service_code"]}
        extra["requestBody"] = {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": schema},
                "multipart/form-data": {"schema": schema},
            },
        }
    return extra


_LIST_PARAMETERS = [
    _q("service_request_id", "Comma-separated ids; overrides every other filter."),
    _q("service_code", "Comma-separated service codes."),
    _q(
        "start_date",
        "W3C date-time; with end_date at most 90 days apart.",
        {"type": "string", "format": "date-time"},
    ),
    _q("end_date", "W3C date-time.", {"type": "string", "format": "date-time"}),
    _q("updated_after", "W3C date-time.", {"type": "string", "format": "date-time"}),
    _q("updated_before", "W3C date-time.", {"type": "string", "format": "date-time"}),
    _q("status", "open, closed, or both comma-separated."),
    _q("page", "Page number from 1.", {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
    _q("page_size", "Requests per page (at most 1000).", {"type": "integer", "minimum": 1, "maximum": 1000}),
    _q(
        "lat",
        "Extension: with long, only requests within `radius` metres of this WGS-84 point.",
        {"type": "number"},
    ),
    _q("long", "Extension: the point's longitude (WGS-84).", {"type": "number"}),
    _q(
        "radius",
        f"Extension: metres around lat/long, 1–{MAX_RADIUS} (default {DEFAULT_RADIUS}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_RADIUS},
    ),
    _EXTENSIONS,
]


@dataclass(frozen=True)
class Inputs:
    params: Params
    upload: Upload | None


async def _urlencoded(request: Request) -> list[tuple[str, str]]:
    """A urlencoded body decoded as its charset says, UTF-8 when silent (Starlette's parser reads
    raw bytes as Latin-1: `curl -d "description=路灯不亮"` was stored garbled)."""
    charset = "utf-8"
    for part in request.headers.get("content-type", "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    body = await request.body()
    try:
        return parse_qsl(body.decode(charset), keep_blank_values=True, encoding=charset, max_num_fields=500)
    except (LookupError, UnicodeDecodeError, ValueError):
        raise refuse(400, "open311.field_invalid", field="body", detail=f"not {charset}") from None


def _plain(items: list[tuple[str, str]]) -> None:
    """Names and values hold no control characters (see web/text.py), each refusal naming its field."""
    bad = [name for name, value in items if has_control_character(name) or has_control_character(value)]
    if bad:
        raise Refused(
            400,
            [
                invalid("open311.field_invalid", field=repr(name)[1:-1][:100], detail="control character")
                for name in dict.fromkeys(bad)
            ],
        )


async def read_inputs(request: Request, settings: SettingsDep) -> AsyncIterator[Inputs]:
    """The query string and, for a POST, the form body; `media` read up to one byte over the limit."""
    items = list(request.query_params.multi_items())
    upload = None
    form = None
    content_type = request.headers.get("content-type", "").lower()
    if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
        items.extend(await _urlencoded(request))
    elif request.method == "POST" and content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=500)
    try:
        if form is not None:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if name == "media":
                        data = await value.read(settings.open311_max_media_bytes + 1)
                        if data:
                            upload = Upload(data, value.content_type)
                else:
                    items.append((name, value))
        _plain(items)
        yield Inputs(Params(items), upload)
    finally:
        if form is not None:
            await form.close()


InputsDep = Annotated[Inputs, Depends(read_inputs)]


def _checked(fmt: str, inputs: Inputs, settings: Settings) -> str:
    """The format must be known; a jurisdiction_id, when given, must be ours (else 404)."""
    if fmt not in render.FORMATS:
        raise refuse(404, "open311.format_unknown")
    jurisdiction = inputs.params.get("jurisdiction_id")
    if jurisdiction is not None and jurisdiction != settings.open311_jurisdiction:
        raise refuse(404, "open311.jurisdiction_not_found", jurisdiction=jurisdiction[:100])
    return fmt


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/") + router.prefix


@router.get("/discovery.{fmt}", summary="Service discovery", openapi_extra=_doc([]))
def discovery(
    fmt: str,
    request: Request,
    inputs: InputsDep,
    db: DbDep,
    settings: SettingsDep,
    now: NowDep,
    lang: LangDep,
) -> Response:
    _checked(fmt, inputs, settings)
    zone = settings.zone
    with db.read() as s:
        changed = queries.last_change(s) or now
        name = queries.centre_name(s, lang)
        demo = queries.demo_key_active(s)
    if lang == "en":
        key_service = "API keys are issued by the centre's administrator (see docs/open311.md)."
        if demo:
            key_service += f" Demo key: {queries.DEMO_KEY}, jurisdiction_id {settings.open311_jurisdiction}."
    else:
        key_service = "API 密钥由热线中心管理员签发（见 docs/open311.md）。"
        if demo:
            key_service += (
                f"演示密钥：{queries.DEMO_KEY}，辖区 jurisdiction_id：{settings.open311_jurisdiction}。"
            )
    doc = {
        "changeset": w3c(changed, zone),
        "contact": name,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPEC,
                "url": _root(request),
                "changeset": w3c(changed, zone),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render.respond(fmt, "discovery", doc)


@router.get("/services.{fmt}", summary="GET Service List", openapi_extra=_doc([]))
def services(fmt: str, inputs: InputsDep, db: DbDep, settings: SettingsDep, lang: LangDep) -> Response:
    _checked(fmt, inputs, settings)
    with db.read() as s:
        return render.respond(fmt, "services", queries.services_document(s, lang))


@router.get("/services/{code}.{fmt}", summary="GET Service Definition", openapi_extra=_doc([]))
def definition(
    code: str, fmt: str, inputs: InputsDep, db: DbDep, settings: SettingsDep, lang: LangDep
) -> Response:
    _checked(fmt, inputs, settings)
    with db.read() as s:
        return render.respond(fmt, "service_definition", queries.definition_document(s, code, lang))


@router.post("/requests.{fmt}", summary="POST Service Request", openapi_extra=_doc([], body=True))
def create_request(
    fmt: str,
    request: Request,
    inputs: InputsDep,
    db: DbDep,
    settings: SettingsDep,
    now: NowDep,
    lang: LangDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Response:
    """A new service request (needs `api_key`); it becomes an ordinary ticket on channel open311."""
    _checked(fmt, inputs, settings)
    created = service.submit(
        db,
        inputs.params,
        inputs.upload,
        now,
        settings.zone,
        lang,
        media_dir=settings.data_dir / "media" / "open311",
        media_base=_root(request) + "/media",
        media_limits=replace(media_service.limits_of(settings), max_bytes=settings.open311_max_media_bytes),
        idempotency_key=idempotency_key,
    )
    routing_queue.notify(request.app.state)
    doc = [
        {
            "service_request_id": str(created.ticket_id),
            "token": created.tracking_code,
            "service_notice": created.notice,
            "account_id": created.account_id,
        }
    ]
    return render.respond(fmt, "service_requests", doc)


def _int(params: Params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
        raise refuse(400, "open311.number_invalid", field=name, min=low, max=high, value=raw[:20])
    return int(raw)


def _near(params: Params) -> Near | None:
    """The extension `lat`, `long` (WGS-84, both or neither) and `radius` (whole metres, bounded):
    all their problems at once, each naming its parameter."""
    errors: list[DomainError] = []
    point: dict[str, float] = {}
    for name, limit, code in (("lat", 90, "latitude"), ("long", 180, "longitude")):
        raw = params.get(name)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            errors.append(invalid("open311.coordinate_invalid", field=name, value=raw[:50]))
            continue
        if not -limit <= value <= limit:  # NaN and infinity too
            errors.append(invalid(f"open311.{code}_out_of_range"))
        point[name] = value
    given = {name for name in ("lat", "long") if params.get(name) is not None}
    if len(given) == 1:
        errors.append(invalid("open311.coordinates_incomplete"))
    radius = DEFAULT_RADIUS
    if params.get("radius") is not None:
        if not given:
            errors.append(invalid("open311.radius_needs_point"))
        try:
            radius = _int(params, "radius", DEFAULT_RADIUS, 1, MAX_RADIUS)
        except Refused as exc:
            errors.extend(exc.errors)
    if errors:
        raise Refused(400, errors)
    return Near(point["lat"], point["long"], radius) if given else None


def _filter(params: Params, settings: Settings, now: datetime) -> RequestFilter:
    ids = params.get("service_request_id")
    if ids is not None:  # overrides every other parameter
        return RequestFilter(ids=[i for i in map(parse_id, ids.split(",")) if i is not None])
    dates = {}
    for name in ("start_date", "end_date", "updated_after", "updated_before"):
        raw = params.get(name)
        if raw is not None:
            try:
                dates[name] = parse_datetime(raw, settings.zone)
            except ValueError:
                raise refuse(400, "open311.date_invalid", field=name, value=raw[:50]) from None
    start, end = dates.get("start_date"), dates.get("end_date")
    window = timedelta(days=WINDOW_DAYS)
    if start is not None and end is not None:
        if start > end:
            raise refuse(400, "open311.date_range_reversed")
        if end - start > window:
            raise refuse(400, "open311.date_range_too_long", days=WINDOW_DAYS)
    elif start is not None:
        end = start + window
    elif end is not None:
        start = end - window
    elif not dates:  # nothing asked: the spec's default, the most recent 90 days
        start = now - window
    statuses = None
    raw_status = params.get("status")
    if raw_status is not None:
        statuses = frozenset(s.strip().lower() for s in raw_status.split(",") if s.strip())
        bad = statuses - {"open", "closed"}
        if bad:
            raise refuse(400, "open311.status_invalid", value=", ".join(sorted(bad))[:50])
    codes = params.get("service_code")
    page = _int(params, "page", 1, 1, 1_000_000)
    size = _int(params, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    return RequestFilter(
        service_codes=[c.strip() for c in codes.split(",") if c.strip()] if codes else None,
        statuses=statuses,
        start=start,
        end=end,
        updated_after=dates.get("updated_after"),
        updated_before=dates.get("updated_before"),
        near=_near(params),
        offset=(page - 1) * size,
        limit=size,
    )


def _view(request: Request, params: Params, settings: Settings, lang: str) -> View:
    extensions = (params.get("extensions") or "").lower() in ("true", "1", "yes")
    return View(zone=settings.zone, lang=lang, extensions=extensions, media_base=_root(request) + "/media")


@router.get("/requests.{fmt}", summary="GET Service Requests", openapi_extra=_doc(_LIST_PARAMETERS))
def list_requests(
    fmt: str,
    request: Request,
    inputs: InputsDep,
    db: DbDep,
    settings: SettingsDep,
    now: NowDep,
    lang: LangDep,
) -> Response:
    _checked(fmt, inputs, settings)
    found = _filter(inputs.params, settings, now)
    with db.read() as s:
        docs = queries.find_requests(s, found, _view(request, inputs.params, settings, lang))
    return render.respond(fmt, "service_requests", docs)


@router.get("/requests/{request_id}.{fmt}", summary="GET Service Request", openapi_extra=_doc([_EXTENSIONS]))
def get_request(
    request_id: str,
    fmt: str,
    request: Request,
    inputs: InputsDep,
    db: DbDep,
    settings: SettingsDep,
    lang: LangDep,
) -> Response:
    _checked(fmt, inputs, settings)
    with db.read() as s:
        docs = queries.request_document(s, request_id, _view(request, inputs.params, settings, lang))
    return render.respond(fmt, "service_requests", docs)


@router.get("/tokens/{token}.{fmt}", summary="GET service_request_id from a token", openapi_extra=_doc([]))
def token(token: str, fmt: str, inputs: InputsDep, db: DbDep, settings: SettingsDep) -> Response:
    """The token is the request's tracking code (the one the citizen follows it by)."""
    _checked(fmt, inputs, settings)
    with db.read() as s:
        return render.respond(
            fmt, "service_requests", queries.token_document(s, normalise_tracking_code(token))
        )


_MEDIA_NAME = re.compile(r"^[0-9a-f]{40}\.(jpg|png|gif|webp)$")


@router.get("/media/{name}", summary="A photo uploaded with a request")
def media(name: str, db: DbDep, settings: SettingsDep) -> Response:
    if _MEDIA_NAME.match(name):
        with db.read() as s:
            found = queries.media_file(s, name)
        path = settings.data_dir / "media" / "open311" / name
        if found is not None and path.is_file():
            return FileResponse(path, media_type=found[1], headers={"Cache-Control": "public, max-age=86400"})
    raise refuse(404, "open311.media_not_found")


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def unknown(rest: str) -> Response:
    raise refuse(404, "open311.resource_not_found")


# --- administration (problem+json like the rest of the platform's API) --------------------------

admin_router = APIRouter(prefix="/api/v1/open311", tags=["open311 admin 开放接口管理"])


def _service_out(db: Database, code: str, zone: ZoneInfo) -> ServiceOut:
    with db.read() as s:
        return queries.service_out(queries.Catalogue.load(s).by_code[code], zone)


@admin_router.get("/services", response_model=list[ServiceOut])
def admin_services(db: DbDep, user: UserDep, zone: ZoneDep) -> list[ServiceOut]:
    """Every service, published or not."""
    service.require_admin(user.role)
    with db.read() as s:
        return queries.all_services(s, zone)


@admin_router.post("/services", response_model=ServiceOut, status_code=201)
def admin_create_service(body: ServiceIn, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep) -> ServiceOut:
    """Publish a category of the platform's tree as an Open311 service."""
    service.require_admin(user.role)
    with db.write() as s:
        service.create_service(s, body, Actor.of(user), now)
    return _service_out(db, body.code, zone)


@admin_router.patch("/services/{code}", response_model=ServiceOut)
def admin_update_service(
    code: str, body: ServicePatch, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep
) -> ServiceOut:
    """Change a service: publish or unpublish it (`published`), its group, keywords, attributes…"""
    service.require_admin(user.role)
    with db.write() as s:
        service.update_service(s, code, body, Actor.of(user), now)
    return _service_out(db, code, zone)


@admin_router.put("/services/{code}/attributes", response_model=ServiceOut)
def admin_set_attributes(
    code: str,
    body: Annotated[list[AttributeSpec], Body(max_length=50)],
    db: DbDep,
    user: UserDep,
    now: NowDep,
    zone: ZoneDep,
) -> ServiceOut:
    """Replace the service definition's attributes (the questions a client must ask)."""
    service.require_admin(user.role)
    codes = [a.code for a in body]
    if len(codes) != len(set(codes)):
        raise invalid("open311.attributes_invalid", detail="duplicate code", field="attributes")
    with db.write() as s:
        service.update_service(s, code, ServicePatch(attributes=body), Actor.of(user), now)
    return _service_out(db, code, zone)


@admin_router.get("/keys", response_model=list[KeyOut])
def admin_keys(db: DbDep, user: UserDep, zone: ZoneDep) -> list[KeyOut]:
    service.require_admin(user.role)
    with db.read() as s:
        return queries.keys(s, zone)


@admin_router.post("/keys", response_model=KeyIssued, status_code=201)
def admin_issue_key(body: KeyIn, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep) -> KeyIssued:
    """Issue a key to a client application. The key is in this answer only: store it now."""
    service.require_admin(user.role)
    with db.write() as s:
        row, secret = service.issue_key(s, body.name, body.contact, Actor.of(user), now)
        out = queries.key_out(row, zone)
    return KeyIssued(**out.model_dump(), key=secret)


@admin_router.post("/keys/{key_id}/revoke", response_model=KeyOut)
def admin_revoke_key(key_id: Id, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep) -> KeyOut:
    """Revoke a key at once: POSTs with it are refused with 403 from now on."""
    service.require_admin(user.role)
    with db.write() as s:
        row = service.revoke_key(s, key_id, Actor.of(user), now)
        return queries.key_out(row, zone)
