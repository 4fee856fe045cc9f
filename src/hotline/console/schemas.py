"""The console's search form: parsed and checked on the server, every bad field refused with a
4xx naming it (`console.field_invalid`), so a hand-edited address never reaches the database."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

from hotline.domain.errors import DomainError, invalid
from hotline.domain.vocabulary import Channel, TicketStatus

_CODE = re.compile(r"^[0-9A-Za-z]{4,16}$")
_PHONE = re.compile(r"^\+?[0-9][0-9-]{2,30}$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_CATEGORY = re.compile(r"^[a-z0-9_.-]{1,100}$")
_CURSOR = re.compile(r"^([0-9]{1,20})-([0-9]{1,12})$")
MAX_TEXT: Final = 200
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def bad(field: str, value: str) -> DomainError:
    return invalid("console.field_invalid", field=field, value=value[:40])


@dataclass(frozen=True)
class SearchForm:
    """The search page's fields as typed (normalised); empty strings mean "any"."""

    code: str = ""
    phone: str = ""
    q: str = ""
    unit: str = ""
    category: str = ""
    status: str = ""
    channel: str = ""
    since: str = ""  # first day received, YYYY-MM-DD (local)
    until: str = ""  # last day received, inclusive

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def query(self) -> str:
        """The form as a query string (its filled fields, in a fixed order): what a saved filter keeps."""
        return urlencode([(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)])

    @property
    def unit_id(self) -> int | None:
        return int(self.unit) if self.unit else None

    def received_range(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """[first day 00:00, day after the last day 00:00) in the centre's zone."""
        start = datetime.combine(date.fromisoformat(self.since), time(), zone) if self.since else None
        end = (
            datetime.combine(date.fromisoformat(self.until) + timedelta(days=1), time(), zone)
            if self.until
            else None
        )
        return start, end


def parse(params: QueryParams) -> SearchForm:
    """The form from a query string; a value that cannot be what its field holds is refused."""

    def get(name: str, limit: int = 100) -> str:
        value = (params.get(name) or "").strip()
        if len(value) > limit:
            raise bad(name, value)
        return value

    code = get("code").upper()
    if code and not _CODE.match(code):
        raise bad("code", code)
    phone = re.sub(r"[\s()]", "", get("phone"))  # as intake keeps it (web.text.valid_phone)
    if _MOBILE.match(phone.replace("-", "")):  # a mobile typed in groups: 139-0000-2222
        phone = phone.replace("-", "")
    if phone and not _PHONE.match(phone):
        raise bad("phone", phone)
    q = get("q", MAX_TEXT)
    unit = get("unit")
    if unit and not (unit.isdigit() and len(unit) < 10):
        raise bad("unit", unit)
    category = get("category")
    if category and not _CATEGORY.match(category):
        raise bad("category", category)
    status = get("status")
    if status and status not in {s.value for s in TicketStatus}:
        raise bad("status", status)
    channel = get("channel")
    if channel and channel not in {c.value for c in Channel}:
        raise bad("channel", channel)
    days = {}
    for name in ("since", "until"):
        value = get(name, 10)
        if value:
            try:
                days[name] = date.fromisoformat(value)
            except ValueError:
                raise bad(name, value) from None
    if "since" in days and "until" in days and days["until"] < days["since"]:
        raise bad("until", get("until"))
    return SearchForm(
        code=code,
        phone=phone,
        q=q,
        unit=unit,
        category=category,
        status=status,
        channel=channel,
        since=get("since", 10),
        until=get("until", 10),
    )


def cursor(value: str | None) -> tuple[datetime, int] | None:
    """The page after (received_at, id), written as "<microseconds since 1970>-<id>"."""
    if not value:
        return None
    found = _CURSOR.match(value)
    if not found:
        raise bad("after", value)
    micros, ticket_id = int(found.group(1)), int(found.group(2))
    try:
        at = _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise bad("after", value) from None
    return at, ticket_id


def cursor_text(after: tuple[datetime, int]) -> str:
    at, ticket_id = after
    return f"{(at - _EPOCH) // timedelta(microseconds=1)}-{ticket_id}"
