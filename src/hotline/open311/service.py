"""Writes for Open311: a POSTed service request becomes an ordinary ticket; services and keys.

A request goes through the platform's own intake (`intake.service.submit`, channel `open311`), so
routing, dispatch, deadlines and the event log treat it like any other ticket. What GeoReport adds
(service code, attribute values, media, the reporter's contact details) is kept beside the ticket
in `open311_requests`. The attribute answers and the media link are also written into the
ticket's content, so the people handling it see them.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.db.engine import Database
from hotline.directory import queries as directory
from hotline.domain.errors import DomainError, ErrorKind, conflict, forbidden, invalid, not_found
from hotline.domain.ticket import Ticket
from hotline.domain.vocabulary import Channel, Kind, Role
from hotline.intake import service as intake
from hotline.intake.schemas import TicketIn
from hotline.media.images import WITH_GIF, Limits, prepare
from hotline.open311 import queries
from hotline.open311.models import Open311ApiKey, Open311Request, Open311Service
from hotline.open311.queries import ServiceView, key_digest, pick
from hotline.open311.schemas import AttributeSpec, ServiceIn, ServicePatch
from hotline.web.text import no_markup, valid_phone

MAX_DESCRIPTION = 4000
MAX_CONTENT = 4000
MAX_STRING_ATTRIBUTE = 200
MAX_TEXT_ATTRIBUTE = 2000


class Refused(Exception):
    """One or more reasons to refuse a request, all of one HTTP status (400, 403, 404, 413)."""

    def __init__(self, status: int, errors: list[DomainError]) -> None:
        super().__init__(", ".join(e.code for e in errors))
        self.status = status
        self.errors = errors


def refuse(status: int, code: str, **params: Any) -> Refused:
    kind = {403: ErrorKind.FORBIDDEN, 404: ErrorKind.NOT_FOUND}.get(status, ErrorKind.INVALID)
    return Refused(status, [DomainError(code, kind, **params)])


class Params:
    """Request parameters from the query string and the form body; an empty value is absent."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in items:
            value = value.strip()
            if value:
                self._values.setdefault(name, []).append(value)

    def get(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def getlist(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def attributes(self) -> dict[str, list[str]]:
        """`attribute[code]=v` and `attribute[code][]=v` (repeated for a multivaluelist)."""
        found: dict[str, list[str]] = {}
        for name, values in self._values.items():
            if name.startswith("attribute[") and "]" in name:
                code = name[len("attribute[") : name.index("]")]
                rest = name[name.index("]") + 1 :]
                if code and rest in ("", "[]"):
                    found.setdefault(code, []).extend(values)
        return found


@dataclass(frozen=True)
class Upload:
    data: bytes
    content_type: str | None


@dataclass(frozen=True)
class Created:
    ticket_id: int
    tracking_code: str
    notice: str
    account_id: str | None


# --- the demo city ----------------------------------------------------------------------------


def demo_services() -> dict[str, Any]:
    text = resources.files("hotline.open311").joinpath("demo_services.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def load_demo(session: Session, now: datetime, actor: audit.Actor = audit.LOADER) -> dict[str, int]:
    """Publish the demo city's services and its documented demo key, once (skipped if present)."""
    if session.scalar(select(func.count()).select_from(Open311Service)):
        return {"services": 0, "keys": 0}
    demo = demo_services()
    known = directory.category_codes(session)
    n = 0
    for spec in demo["services"]:
        if spec["category_code"] in known:  # a city without the category simply lacks the service
            create_service(session, ServiceIn.model_validate(spec), actor, now)
            n += 1
    key = demo["demo_key"]
    row = Open311ApiKey(
        key_hash=key_digest(key["key"]), name=key["name"], contact=key.get("contact"), created_at=now
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "open311.key.issued", "open311_key", row.id, at=now, after=audit.snapshot(row)
    )
    return {"services": n, "keys": 1}


# --- administration ---------------------------------------------------------------------------


def _category_id(session: Session, code: str) -> int:
    found = directory.active_category_id(session, code)
    if found is None:
        raise invalid("category.not_found", category=code, field="category_code")
    return found


def _service_row(session: Session, code: str) -> Open311Service:
    row = session.scalar(select(Open311Service).where(Open311Service.code == code))
    if row is None:
        raise not_found("open311.service_not_found", service=code)
    return row


def create_service(session: Session, body: ServiceIn, actor: audit.Actor, now: datetime) -> Open311Service:
    if session.scalar(select(Open311Service.id).where(Open311Service.code == body.code)) is not None:
        raise conflict("open311.service_code_taken", service=body.code)
    row = Open311Service(
        code=body.code,
        category_id=_category_id(session, body.category_code),
        kind=body.kind.value,
        service_type=body.service_type,
        group_name=body.group,
        group_name_en=body.group_en,
        keywords=list(body.keywords),
        description=body.description,
        description_en=body.description_en,
        notice=body.notice,
        notice_en=body.notice_en,
        attributes=[a.model_dump(mode="json", exclude_none=True) for a in body.attributes],
        published=body.published,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "open311.service.created",
        "open311_service",
        row.code,
        at=now,
        after=audit.snapshot(row),
    )
    return row


def update_service(
    session: Session, code: str, patch: ServicePatch, actor: audit.Actor, now: datetime
) -> Open311Service:
    row = _service_row(session, code)
    before = audit.snapshot(row)
    given = patch.model_fields_set
    if "category_code" in given and patch.category_code is not None:
        row.category_id = _category_id(session, patch.category_code)
    if "kind" in given and patch.kind is not None:
        row.kind = patch.kind.value
    if "service_type" in given and patch.service_type is not None:
        row.service_type = patch.service_type
    for field, column in (
        ("group", "group_name"),
        ("group_en", "group_name_en"),
        ("description", "description"),
        ("description_en", "description_en"),
        ("notice", "notice"),
        ("notice_en", "notice_en"),
    ):
        if field in given:
            setattr(row, column, getattr(patch, field))
    if "keywords" in given:
        row.keywords = list(patch.keywords or [])
    if "attributes" in given:
        row.attributes = [a.model_dump(mode="json", exclude_none=True) for a in patch.attributes or []]
    if "published" in given and patch.published is not None:
        row.published = patch.published
    row.updated_at = now
    session.flush()
    after = audit.snapshot(row)
    audit.record(
        session,
        actor,
        "open311.service.updated",
        "open311_service",
        row.code,
        at=now,
        before=before,
        after=after,
    )
    return row


def issue_key(
    session: Session, name: str, contact: str | None, actor: audit.Actor, now: datetime
) -> tuple[Open311ApiKey, str]:
    """A new key for a client application; the caller shows `secret` once, we keep its hash."""
    secret = "hk_" + secrets.token_urlsafe(24)
    row = Open311ApiKey(
        key_hash=key_digest(secret),
        name=name,
        contact=contact,
        created_at=now,
        created_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "open311.key.issued", "open311_key", row.id, at=now, after=audit.snapshot(row)
    )
    return row, secret


def revoke_key(session: Session, key_id: int, actor: audit.Actor, now: datetime) -> Open311ApiKey:
    row = session.get(Open311ApiKey, key_id)
    if row is None:
        raise not_found("open311.key_not_found", id=key_id)
    if row.revoked_at is None:
        before = audit.snapshot(row)
        row.revoked_at = now
        session.flush()
        after = audit.snapshot(row)
        audit.record(
            session, actor, "open311.key.revoked", "open311_key", row.id, at=now, before=before, after=after
        )
    return row


# --- POST requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    data: TicketIn
    description: str | None
    attributes: dict[str, Any]
    media_url: str | None


def _float(params: Params, name: str, errors: list[DomainError]) -> float | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        errors.append(invalid("open311.coordinate_invalid", field=name, value=raw[:50]))
        return None


def parse_datetime(raw: str, zone: ZoneInfo) -> datetime:
    """A W3C datetime; a '+' that a URL turned into a space is read back as '+'; no zone: the centre's."""
    text = raw.strip()
    if len(text) > 6 and text[-6] == " " and text[-3] == ":":
        text = text[:-6] + "+" + text[-5:]
    value = datetime.fromisoformat(text.replace("z", "Z"))
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _attribute(spec: AttributeSpec, values: list[str], zone: ZoneInfo, errors: list[DomainError]) -> Any:
    code = spec.code
    if spec.datatype == "multivaluelist":
        chosen = [part.strip() for v in values for part in v.split(",") if part.strip()]
        keys = {v.key for v in spec.values}
        bad = [c for c in chosen if c not in keys]
        if bad:
            errors.append(
                invalid("open311.attribute_not_in_list", attribute=code, value=", ".join(bad)[:100])
            )
        return list(dict.fromkeys(chosen))
    if len(values) > 1:
        errors.append(invalid("open311.attribute_single", attribute=code))
        return None
    value = values[0]
    if spec.datatype == "singlevaluelist":
        if value not in {v.key for v in spec.values}:
            errors.append(invalid("open311.attribute_not_in_list", attribute=code, value=value[:100]))
        return value
    if spec.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            errors.append(invalid("open311.attribute_not_number", attribute=code, value=value[:50]))
            return None
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if spec.datatype == "datetime":
        try:
            return parse_datetime(value, zone).astimezone(zone).isoformat(timespec="seconds")
        except ValueError:
            errors.append(invalid("open311.attribute_not_datetime", attribute=code, value=value[:50]))
            return None
    limit = MAX_STRING_ATTRIBUTE if spec.datatype == "string" else MAX_TEXT_ATTRIBUTE
    if len(value) > limit:
        errors.append(invalid("open311.attribute_too_long", attribute=code, max=limit))
    try:
        no_markup(value)
    except ValueError:
        errors.append(invalid("open311.field_invalid", field=f"attribute[{code}]", detail="HTML"))
    return value


def _shown(spec: AttributeSpec, value: Any) -> str:
    """An attribute answer as the handler reads it in the ticket: list keys become their names."""
    names = {v.key: v.name for v in spec.values}
    if isinstance(value, list):
        return "、".join(names.get(v, v) for v in value)
    return names.get(value, str(value)) if isinstance(value, str) else str(value)


def _content(
    service: ServiceView,
    description: str | None,
    attributes: dict[str, Any],
    address_id: str | None,
    media: str | None,
) -> str:
    lines = []
    for spec in service.attributes():
        if spec.code in attributes:
            lines.append(f"{spec.description}：{_shown(spec, attributes[spec.code])}")
    if address_id:
        lines.append(f"地址编号 address_id：{address_id}")
    if media:
        lines.append(f"图片 media：{media}")
    head = description or service.name("zh")
    if not lines:
        return head
    block = "\n\n【Open311 附加信息】\n" + "\n".join(lines)
    room = MAX_CONTENT - len(head)
    if len(block) > room:  # the citizen's words come first; the answers stay in open311_requests
        block = block[: room - 1] + "…" if room > 1 else ""
    return head + block


_TICKET_FIELDS = {
    "content": "description",
    "address": "address_string",
    "citizen_name": "first_name/last_name",
    "title": "service_code",
    "latitude": "lat",
    "longitude": "long",
}


def _ticket_errors(exc: ValidationError) -> list[DomainError]:
    found = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "request"
        detail = str(err.get("msg", "")).removeprefix("Value error, ")
        if detail.startswith("text.markup"):
            detail = "HTML"
        found.append(invalid("open311.field_invalid", field=_TICKET_FIELDS.get(field, field), detail=detail))
    return found


def _name(first: str | None, last: str | None) -> str | None:
    if not first and not last:
        return None
    if all(not part or all("\u4e00" <= ch <= "\u9fff" for ch in part) for part in (first, last)):
        return f"{last or ''}{first or ''}"  # 张 + 三 → 张三
    return " ".join(p for p in (first, last) if p)


def _check(
    params: Params,
    service: ServiceView,
    zone: ZoneInfo,
    media_link: str | None,
) -> _Checked:
    """Everything GeoReport says about a POST that can be checked here; all problems at once."""
    errors: list[DomainError] = []
    lat, lon = _float(params, "lat", errors), _float(params, "long", errors)
    address, address_id = params.get("address_string"), params.get("address_id")
    if lat is not None and not -90 <= lat <= 90:
        errors.append(invalid("open311.latitude_out_of_range"))
    if lon is not None and not -180 <= lon <= 180:
        errors.append(invalid("open311.longitude_out_of_range"))
    has_lat, has_lon = params.get("lat") is not None, params.get("long") is not None
    if has_lat != has_lon:
        errors.append(invalid("open311.coordinates_incomplete"))
    elif not has_lat and address is None and address_id is None:
        errors.append(invalid("open311.location_missing"))
    description = params.get("description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        errors.append(invalid("open311.description_too_long", max=MAX_DESCRIPTION, length=len(description)))
    if address_id is not None and len(address_id) > 200:
        errors.append(invalid("open311.field_invalid", field="address_id", detail="> 200"))
    media_url = params.get("media_url")
    if media_url is not None and (
        not media_url.lower().startswith(("http://", "https://")) or len(media_url) > 1000
    ):
        errors.append(invalid("open311.media_url_invalid"))

    given = params.attributes()
    attributes: dict[str, Any] = {}
    for spec in service.attributes():
        if not spec.variable:
            continue
        values = given.get(spec.code, [])
        if not values:
            if spec.required:
                errors.append(invalid("open311.attribute_required", attribute=spec.code))
            continue
        value = _attribute(spec, values, zone, errors)
        if value is not None and value != []:
            attributes[spec.code] = value

    for name in ("email", "first_name", "last_name", "phone", "device_id", "account_id"):
        raw = params.get(name)
        if raw is not None and len(raw) > (64 if name == "phone" else 100 if "name" in name else 200):
            errors.append(invalid("open311.field_invalid", field=name, detail="too long"))
    if errors:
        raise Refused(400, errors)

    phone = params.get("phone")
    try:
        citizen_phone = valid_phone(phone) if phone else None
    except ValueError:
        citizen_phone = None  # kept as given in open311_requests; the ticket takes only valid numbers
    try:
        data = TicketIn(
            channel=Channel.OPEN311,
            kind=Kind(service.kind),
            title=service.name("zh")[:100],
            content=_content(service, description, attributes, address_id, media_link or media_url),
            category_code=service.category_code,
            citizen_name=_name(params.get("first_name"), params.get("last_name")),
            citizen_phone=citizen_phone,
            address=address,
            latitude=lat,
            longitude=lon,
        )
    except ValidationError as exc:
        raise Refused(400, _ticket_errors(exc)) from None
    return _Checked(data, description, attributes, media_url)


def _inspect_media(upload: Upload, limits: Limits) -> tuple[str, str, bytes]:
    """An uploaded image re-encoded by the media package (nothing of the original file but its
    pixels: no EXIF, so no GPS position, camera or owner — the photo is published to anyone), and
    its stored name, from the kept copy's content (re-encoding is deterministic: a retry stores one
    file)."""
    if len(upload.data) > limits.max_bytes:
        raise refuse(413, "open311.media_too_large", max=limits.max_bytes)
    try:
        kept = prepare(upload.data, limits, field="media", accept=WITH_GIF)
    except DomainError as err:
        if err.code == "media.too_many_pixels":
            raise refuse(400, "open311.media_too_many_pixels", max=limits.max_pixels) from None
        if err.code == "media.malformed":
            raise refuse(400, "open311.media_malformed") from None
        raise refuse(400, "open311.media_type") from None
    return kept.sha256[:40] + kept.suffix, kept.content_type, kept.data


def _write_media(data: bytes, media_dir: Path, name: str) -> None:
    media_dir.mkdir(parents=True, exist_ok=True)
    path = media_dir / name
    if not path.exists():
        tmp = media_dir / f".{name}.{secrets.token_hex(4)}"
        tmp.write_bytes(data)
        tmp.replace(path)


def submit(
    db: Database,
    params: Params,
    upload: Upload | None,
    now: datetime,
    zone: ZoneInfo,
    lang: str,
    media_dir: Path,
    media_base: str,
    media_limits: Limits,
    idempotency_key: str | None = None,
) -> Created:
    """POST requests: check the key, the service and the input; then intake, as any channel does."""
    with db.read() as s:
        key_id = queries.active_key_id(s, params.get("api_key"))
        if key_id is None:
            raise refuse(403, "open311.api_key_invalid")
        code = params.get("service_code")
        if code is None:
            raise refuse(400, "open311.service_code_missing")
        try:
            service = queries.published_service(s, code)
        except DomainError as exc:
            raise Refused(404, [exc]) from None

    media = _inspect_media(upload, media_limits) if upload is not None else None
    checked = _check(params, service, zone, f"{media_base}/{media[0]}" if media else None)
    if media is not None:
        _write_media(media[2], media_dir, media[0])

    def side_row(session: Session, ticket_id: int, _ticket: Ticket) -> None:
        session.add(
            Open311Request(
                ticket_id=ticket_id,
                service_id=service.id,
                api_key_id=key_id,
                description=checked.description,
                attributes=checked.attributes,
                address_id=params.get("address_id"),
                media_url=checked.media_url,
                media_file=media[0] if media else None,
                media_type=media[1] if media else None,
                email=params.get("email"),
                first_name=params.get("first_name"),
                last_name=params.get("last_name"),
                phone=params.get("phone"),
                device_id=params.get("device_id"),
                account_id=params.get("account_id"),
                created_at=now,
            )
        )
        session.flush()

    # The ticket and its Open311 row are written in one transaction (intake's).
    done = intake.submit(
        db,
        checked.data,
        now,
        lambda _s: None,
        idempotency_key=idempotency_key,
        scope=f"open311:{key_id}",
        on_created=side_row,
    )
    code_text = done.ticket.tracking_code
    own = pick(service.notice, service.notice_en, lang)
    told = (
        f"Received. Tracking code {code_text}." if lang == "en" else f"您的诉求已受理，查询码 {code_text}。"
    )
    joiner = " " if lang == "en" else ""
    return Created(
        done.ticket_id, code_text, joiner.join([told, own]) if own else told, params.get("account_id")
    )


def require_admin(role: Role) -> None:
    if role is not Role.ADMIN:
        raise forbidden("permission.role", role=role.value, action="open311.admin")
