"""Reads for Open311: the service catalogue, service requests as GeoReport documents, tokens, keys.

Which tickets Open311 shows: every ticket that came in through Open311, and every ticket of any
channel whose category is a published service (the city's public 311 feed). What it shows of them
is public by design — status, service, responsible unit, dates, the public timeline — and nothing
of the reporter: no name, phone, e-mail, device or account, ever. Description, address, location
and media are shown only for Open311 tickets, whose reporters published them under the standard;
a phone call's words and address stay inside the platform. Phone numbers and e-mail addresses
typed into a description are masked.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from hotline.directory import queries as directory
from hotline.directory.queries import CategoryInfo
from hotline.domain.errors import not_found
from hotline.domain.vocabulary import TERMINAL_STATUSES
from hotline.open311.models import Open311ApiKey, Open311Request, Open311Service
from hotline.open311.schemas import LIST_TYPES, AttributeSpec, KeyOut, ServiceOut
from hotline.tickets.models import AssignmentRow, TicketEventRow, TicketRow
from hotline.tracking.queries import PUBLIC_STEPS
from hotline.web.numbers import parse_id

DEMO_KEY = "HOTLINE-DEMO-KEY"


def pick(zh: str | None, en: str | None, lang: str) -> str | None:
    """The English text when English is asked for and there is one; the Chinese otherwise."""
    return en if lang == "en" and en else zh


def w3c(dt: datetime, zone: ZoneInfo) -> str:
    """A W3C datetime with its zone offset, e.g. 2026-11-20T09:30:00+08:00."""
    return dt.astimezone(zone).isoformat(timespec="seconds")


def key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Phone numbers as people type them: international (+…), mainland mobiles (138 1234 5678),
# landlines with an area code (0898-66668888), North American (555) 123-4567. Dates and ids
# (2026-11-20, HB-LW-0231) do not match.
_PHONE_IN_TEXT = re.compile(
    r"\+\d[\d \-]{6,18}\d"
    r"|(?<!\d)1[3-9]\d(?:[ \-]?\d{4}){2}(?!\d)"
    r"|(?<!\d)0\d{2,3}[ \-]?\d{7,8}(?!\d)"
    r"|(?<!\d)\(?\d{3}\)?[ .\-]?\d{3}[ .\-]\d{4}(?!\d)"
)
_EMAIL_IN_TEXT = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def mask_contacts(text: str | None) -> str | None:
    """Phone numbers and e-mail addresses in free text, masked for the public (138****5678)."""
    if not text:
        return text

    def phone(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return digits[:3] + "****" + digits[-4:]

    text = _PHONE_IN_TEXT.sub(phone, text)
    return _EMAIL_IN_TEXT.sub(lambda m: m.group(0)[0] + "***@***", text)


# --- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceView:
    """A published service as read (plain values: safe to use after the session is gone)."""

    id: int
    code: str
    kind: str
    service_type: str
    group_name: str | None
    group_name_en: str | None
    keywords: list[str]
    description: str | None
    description_en: str | None
    notice: str | None
    notice_en: str | None
    attribute_specs: list[dict[str, Any]]
    published: bool
    updated_at: datetime
    category_code: str
    category_name: str
    category_name_en: str | None
    category_active: bool
    parent_name: str | None
    parent_name_en: str | None

    @classmethod
    def of(cls, row: Open311Service, category: CategoryInfo, parent: CategoryInfo | None) -> ServiceView:
        return cls(
            id=row.id,
            code=row.code,
            kind=row.kind,
            service_type=row.service_type,
            group_name=row.group_name,
            group_name_en=row.group_name_en,
            keywords=list(row.keywords or []),
            description=row.description,
            description_en=row.description_en,
            notice=row.notice,
            notice_en=row.notice_en,
            attribute_specs=list(row.attributes or []),
            published=row.published,
            updated_at=row.updated_at,
            category_code=category.code,
            category_name=category.name,
            category_name_en=category.name_en,
            category_active=category.active,
            parent_name=parent.name if parent else None,
            parent_name_en=parent.name_en if parent else None,
        )

    @property
    def shown(self) -> bool:
        return self.published and self.category_active

    def name(self, lang: str) -> str:
        return pick(self.category_name, self.category_name_en, lang) or self.category_code

    def group(self, lang: str) -> str | None:
        return pick(self.group_name, self.group_name_en, lang) or pick(
            self.parent_name, self.parent_name_en, lang
        )

    def attributes(self) -> list[AttributeSpec]:
        return self._specs

    @cached_property
    def _specs(self) -> list[AttributeSpec]:  # parsed once per catalogue load, not once per request
        specs = [AttributeSpec.model_validate(a) for a in self.attribute_specs]
        return sorted(specs, key=lambda a: (a.order, a.code))


@dataclass(frozen=True)
class Catalogue:
    by_id: dict[int, ServiceView]
    by_code: dict[str, ServiceView]
    # category code -> the published service a ticket of another channel is shown under
    for_category: dict[str, ServiceView]

    @classmethod
    def load(cls, session: Session) -> Catalogue:
        services = list(session.scalars(select(Open311Service).order_by(Open311Service.code)))
        categories = directory.categories_by_id(session, {r.category_id for r in services})
        rows = [(r, categories[r.category_id]) for r in services if r.category_id in categories]
        parents = directory.categories_by_id(
            session, {c.parent_id for _, c in rows if c.parent_id is not None}
        )
        views = [ServiceView.of(r, c, parents.get(c.parent_id) if c.parent_id else None) for r, c in rows]
        for_category: dict[str, ServiceView] = {}
        for v in views:  # ordered by code: the lowest published code wins a shared category
            if v.shown:
                for_category.setdefault(v.category_code, v)
        return cls({v.id: v for v in views}, {v.code: v for v in views}, for_category)

    def published(self) -> list[ServiceView]:
        return [v for v in self.by_code.values() if v.shown]


def published_service(session: Session, code: str) -> ServiceView:
    view = Catalogue.load(session).by_code.get(code)
    if view is None or not view.shown:
        raise not_found("open311.service_not_found", service=code)
    return view


def service_document(v: ServiceView, lang: str) -> dict[str, Any]:
    return {
        "service_code": v.code,
        "service_name": v.name(lang),
        "description": pick(v.description, v.description_en, lang),
        "metadata": bool(v.attribute_specs),
        "type": v.service_type,
        "keywords": ", ".join(v.keywords) or None,
        "group": v.group(lang),
    }


def services_document(session: Session, lang: str) -> list[dict[str, Any]]:
    return [service_document(v, lang) for v in Catalogue.load(session).published()]


def definition_document(session: Session, code: str, lang: str) -> dict[str, Any]:
    view = published_service(session, code)
    attributes = []
    for a in view.attributes():
        doc: dict[str, Any] = {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": pick(a.datatype_description, a.datatype_description_en, lang),
            "order": a.order,
            "description": pick(a.description, a.description_en, lang),
        }
        if a.datatype in LIST_TYPES:
            doc["values"] = [{"key": v.key, "name": pick(v.name, v.name_en, lang)} for v in a.values]
        attributes.append(doc)
    return {"service_code": view.code, "attributes": attributes}


def last_change(session: Session) -> datetime | None:
    """When the catalogue last changed: the discovery document's changeset."""
    return session.scalar(
        select(Open311Service.updated_at).order_by(Open311Service.updated_at.desc()).limit(1)
    )


def centre_name(session: Session, lang: str) -> str:
    """Who answers for this endpoint: the centre, named in the discovery document's contact."""
    centre = directory.centre_unit_id(session)
    row = directory.unit_names(session, {centre}).get(centre) if centre is not None else None
    return (pick(row.name, row.name_en, lang) or "") if row else ""


# --- keys -------------------------------------------------------------------------------------


def active_key_id(session: Session, secret: str | None) -> int | None:
    if not secret:
        return None
    return session.scalar(
        select(Open311ApiKey.id).where(
            Open311ApiKey.key_hash == key_digest(secret), Open311ApiKey.revoked_at.is_(None)
        )
    )


def demo_key_active(session: Session) -> bool:
    return active_key_id(session, DEMO_KEY) is not None


def keys(session: Session, zone: ZoneInfo) -> list[KeyOut]:
    return [key_out(k, zone) for k in session.scalars(select(Open311ApiKey).order_by(Open311ApiKey.id))]


def key_out(k: Open311ApiKey, zone: ZoneInfo) -> KeyOut:
    return KeyOut(
        id=k.id,
        name=k.name,
        contact=k.contact,
        created_at=k.created_at.astimezone(zone),
        revoked_at=k.revoked_at.astimezone(zone) if k.revoked_at else None,
        active=k.revoked_at is None,
    )


def service_out(v: ServiceView, zone: ZoneInfo) -> ServiceOut:
    return ServiceOut(
        code=v.code,
        category_code=v.category_code,
        category_name=v.category_name,
        kind=v.kind,
        service_type=v.service_type,
        group=v.group_name,
        group_en=v.group_name_en,
        keywords=list(v.keywords),
        description=v.description,
        description_en=v.description_en,
        notice=v.notice,
        notice_en=v.notice_en,
        attributes=v.attributes(),
        published=v.published,
        updated_at=v.updated_at.astimezone(zone),
    )


def all_services(session: Session, zone: ZoneInfo) -> list[ServiceOut]:
    return [service_out(v, zone) for v in Catalogue.load(session).by_code.values()]


# --- service requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilter:
    """A GET requests query, parsed. `ids` (service_request_id) overrides every other filter."""

    ids: list[int] | None = None
    service_codes: list[str] | None = None
    statuses: frozenset[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    near: Near | None = None
    offset: int = 0
    limit: int = 1000


DEFAULT_RADIUS = 500  # metres, when `lat`/`long` come without `radius`
MAX_RADIUS = 5000  # a neighbourhood, not the city: the feed's paging stays the way to read it all

# metres in a degree of latitude (a sphere of the mean earth radius, 6,371 km)
METRES_PER_DEGREE = 6_371_000 * math.pi / 180


@dataclass(frozen=True)
class Near:
    """Within `radius` metres of a WGS-84 point (extension `lat`, `long`, `radius`). Only positions
    the feed publishes can match — Open311 requests' own — so a radius never tells where a call or
    any other channel's ticket was (a moving centre and a small radius would find it out)."""

    lat: float
    lon: float
    radius: float

    def condition(self) -> ColumnElement[bool]:
        """Equirectangular distance, in SQL on both databases: at a few kilometres it differs from
        the great circle by far less than a phone's GPS error."""
        dy = (TicketRow.latitude - self.lat) * METRES_PER_DEGREE
        dx = (TicketRow.longitude - self.lon) * (METRES_PER_DEGREE * math.cos(math.radians(self.lat)))
        span = self.radius / METRES_PER_DEGREE
        return and_(
            Open311Request.id.is_not(None),
            TicketRow.latitude.between(self.lat - span, self.lat + span),
            dy * dy + dx * dx <= self.radius * self.radius,
        )


@dataclass(frozen=True)
class View:
    """How documents are told: in which zone and language, with extensions, where media live."""

    zone: ZoneInfo
    lang: str
    extensions: bool
    media_base: str


# Only what a document shows (whole rows would decode every JSON column and the ticket's text).
_COLUMNS = (
    TicketRow.id,
    TicketRow.status,
    TicketRow.category_code,
    TicketRow.address,
    TicketRow.latitude,
    TicketRow.longitude,
    TicketRow.lead_unit_id,
    TicketRow.received_at,
    TicketRow.updated_at,
    Open311Request.id.label("open311_id"),
    Open311Request.service_id,
    Open311Request.description,
    Open311Request.attributes,
    Open311Request.address_id,
    Open311Request.media_url,
    Open311Request.media_file,
)


def find_requests(session: Session, f: RequestFilter, view: View) -> list[dict[str, Any]]:
    catalogue = Catalogue.load(session)
    query = (
        select(*_COLUMNS)
        .outerjoin(Open311Request, Open311Request.ticket_id == TicketRow.id)
        .where(or_(Open311Request.id.is_not(None), TicketRow.category_code.in_(list(catalogue.for_category))))
    )
    if f.ids is not None:
        query = query.where(TicketRow.id.in_(f.ids))
    else:
        if f.service_codes is not None:
            wanted = set(f.service_codes)
            ids = [v.id for c, v in catalogue.by_code.items() if c in wanted]
            cats = [cat for cat, v in catalogue.for_category.items() if v.code in wanted]
            query = query.where(
                or_(
                    Open311Request.service_id.in_(ids),
                    and_(Open311Request.id.is_(None), TicketRow.category_code.in_(cats)),
                )
            )
        if f.statuses is not None and len(f.statuses) == 1:
            terminal = [s.value for s in TERMINAL_STATUSES]
            closed = TicketRow.status.in_(terminal)
            query = query.where(closed if "closed" in f.statuses else ~closed)
        if f.start is not None:
            query = query.where(TicketRow.received_at >= f.start)
        if f.end is not None:
            query = query.where(TicketRow.received_at <= f.end)
        if f.updated_after is not None:
            query = query.where(TicketRow.updated_at > f.updated_after)
        if f.updated_before is not None:
            query = query.where(TicketRow.updated_at < f.updated_before)
        if f.near is not None:
            query = query.where(f.near.condition())
        query = query.offset(f.offset).limit(f.limit)
    query = query.order_by(TicketRow.received_at.desc(), TicketRow.id.desc())
    return _documents(session, list(session.execute(query).all()), catalogue, view)


@dataclass(frozen=True)
class Nearby:
    """What the public feed may tell of a place: Open311 requests (with their published points)
    within the radius, and a bare count of the other channels' requests of the same kind in the
    same area (their points, words and addresses stay inside the platform)."""

    published: bool  # the kind is in the public feed at all
    requests: list[dict[str, Any]]
    others_in_area: int


def nearby(
    session: Session,
    category_code: str,
    near: Near,
    since: datetime,
    view: View,
    *,
    exclude: int,
    in_area: Callable[[float, float], bool] | None,
    limit: int = 50,
) -> Nearby:
    """Requests of `category_code` received since `since` near a point, as the feed shows them.
    `in_area(lat, lon)`: whether another channel's ticket counts as in the same area (the caller's
    polygons; None: no count)."""
    catalogue = Catalogue.load(session)
    if category_code not in catalogue.for_category:
        return Nearby(False, [], 0)
    codes = [v.code for v in catalogue.published() if v.category_code == category_code]
    found = find_requests(
        session, RequestFilter(service_codes=codes, start=since, near=near, limit=limit), view
    )
    others = 0
    if in_area is not None:
        points = session.execute(
            select(TicketRow.latitude, TicketRow.longitude)
            .outerjoin(Open311Request, Open311Request.ticket_id == TicketRow.id)
            .where(
                Open311Request.id.is_(None),
                TicketRow.category_code == category_code,
                TicketRow.received_at >= since,
                TicketRow.latitude.is_not(None),
                TicketRow.longitude.is_not(None),
                TicketRow.id != exclude,
            )
            .limit(5000)
        )
        others = sum(1 for lat, lon in points if in_area(lat, lon))
    return Nearby(True, [d for d in found if d["service_request_id"] != str(exclude)], others)


def request_document(session: Session, raw_id: str, view: View) -> list[dict[str, Any]]:
    ticket_id = parse_id(raw_id)
    found = find_requests(session, RequestFilter(ids=[ticket_id]), view) if ticket_id is not None else []
    if not found:
        raise not_found("open311.request_not_found", id=raw_id)
    return found


def token_document(session: Session, token: str) -> list[dict[str, Any]]:
    """The token is the ticket's tracking code; only Open311 requests answer to it."""
    ticket_id = session.scalar(
        select(TicketRow.id)
        .join(Open311Request, Open311Request.ticket_id == TicketRow.id)
        .where(TicketRow.tracking_code == token)
    )
    if ticket_id is None:
        raise not_found("open311.token_not_found", token=token)
    return [{"service_request_id": str(ticket_id), "token": token}]


def media_file(session: Session, name: str) -> tuple[str, str] | None:
    """The stored file name and its content type, if an Open311 request uploaded it."""
    row = session.execute(
        select(Open311Request.media_file, Open311Request.media_type)
        .where(Open311Request.media_file == name)
        .limit(1)
    ).first()
    return (row[0], row[1] or "application/octet-stream") if row else None


def _documents(
    session: Session,
    rows: list[Any],
    catalogue: Catalogue,
    view: View,
) -> list[dict[str, Any]]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    assignments: dict[int, dict[int, int]] = defaultdict(dict)
    due: dict[int, datetime | None] = {}
    for a in session.execute(
        select(
            AssignmentRow.ticket_id,
            AssignmentRow.no,
            AssignmentRow.unit_id,
            AssignmentRow.role,
            AssignmentRow.parent_no,
            AssignmentRow.reply_due_at,
        )
        .where(AssignmentRow.ticket_id.in_(ids))
        .order_by(AssignmentRow.ticket_id, AssignmentRow.no)
    ):
        assignments[a.ticket_id][a.no] = a.unit_id
        if a.role == "lead" and a.parent_no is None:  # the latest top-level lead's deadline
            due[a.ticket_id] = a.reply_due_at
    steps: dict[int, list[Any]] = defaultdict(list)
    for ev in session.execute(
        select(
            TicketEventRow.ticket_id,
            TicketEventRow.tag,
            TicketEventRow.to_status,
            TicketEventRow.occurred_at,
            TicketEventRow.payload,
        )
        .where(TicketEventRow.ticket_id.in_(ids), TicketEventRow.tag.in_(list(PUBLIC_STEPS)))
        .order_by(TicketEventRow.ticket_id, TicketEventRow.seq)
    ):
        steps[ev.ticket_id].append(ev)
    unit_ids = {u for per in assignments.values() for u in per.values()}
    unit_ids |= {r.lead_unit_id for r in rows if r.lead_unit_id}
    units = {
        u.id: (pick(u.public_name or u.name, u.name_en, view.lang) or u.name)
        for u in directory.unit_names(session, unit_ids).values()
    }

    docs = []
    for t in rows:
        o = t if t.open311_id is not None else None  # what only Open311 requests show
        service = (
            catalogue.by_id.get(t.service_id)
            if o is not None
            else catalogue.for_category.get(t.category_code or "")
        )
        if service is None:  # pragma: no cover - the query only returns tickets with a service
            continue
        notes = [_note(ev, assignments[t.id], units, view) for ev in steps[t.id]]
        closed = t.status in TERMINAL_STATUSES
        doc: dict[str, Any] = {
            "service_request_id": str(t.id),
            "status": "closed" if closed else "open",
            "status_notes": notes[-1]["description"] if notes else None,
            "service_name": service.name(view.lang),
            "service_code": service.code,
            "description": mask_contacts(o.description) if o is not None else None,
            "agency_responsible": units.get(t.lead_unit_id) if t.lead_unit_id else None,
            "service_notice": pick(service.notice, service.notice_en, view.lang),
            "requested_datetime": w3c(t.received_at, view.zone),
            "updated_datetime": w3c(t.updated_at, view.zone),
        }
        expected = due.get(t.id)
        if expected is not None and not closed:
            doc["expected_datetime"] = w3c(expected, view.zone)
        doc.update(
            {
                "address": t.address if o is not None else None,
                "address_id": o.address_id if o is not None else None,
                "zipcode": None,
                "lat": t.latitude if o is not None else None,
                "long": t.longitude if o is not None else None,
                "media_url": _media_url(o, view) if o is not None else None,
            }
        )
        if view.extensions:
            doc["extended_attributes"] = {
                "detailed_status": t.status,
                "attributes": _attribute_values(o, service) if o is not None else [],
                "notes": notes,
            }
        docs.append(doc)
    return docs


def _note(ev: Any, assignments: dict[int, int], units: dict[int, str], view: View) -> dict[str, Any]:
    zh, en = PUBLIC_STEPS[ev.tag]
    unit = _unit_of(ev.tag, ev.payload, assignments)
    text = (en if view.lang == "en" else zh).format(
        unit=units.get(unit, "") if unit else "", service=ev.payload.get("service", "")
    )
    return {
        "datetime": w3c(ev.occurred_at, view.zone),
        "status": "closed" if ev.to_status in TERMINAL_STATUSES else "open",
        "detailed_status": ev.to_status,
        "description": text,
    }


def _unit_of(tag: str, payload: dict[str, Any], assignments: dict[int, int]) -> int | None:
    """The unit a public step speaks of: the new lead for a dispatch, else the assignment's unit."""
    if tag == "ticket.dispatched":
        lead = next((a for a in payload.get("assignments", []) if a.get("role") == "lead"), None)
        return lead["unit"] if lead else None
    no = payload.get("no")
    return assignments.get(no) if isinstance(no, int) else None


def _media_url(o: Any, view: View) -> str | None:
    if o.media_file:
        return f"{view.media_base}/{o.media_file}"
    return o.media_url


def _attribute_values(o: Any, service: ServiceView) -> list[dict[str, Any]]:
    given = o.attributes or {}
    out = []
    for spec in service.attributes():
        if spec.code not in given:
            continue
        value = given[spec.code]
        if isinstance(value, str):
            value = mask_contacts(value)
        out.append({"code": spec.code, "value": value})
    return out
