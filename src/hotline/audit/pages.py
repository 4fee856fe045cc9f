"""The audit page (`/admin/audit`): who changed what, when, from what to what — the same query as
`GET /api/v1/audit`, filtered by actor, action, entity and dates (in the centre's zone), paged,
each change shown field by field. Administrators only, like the API (DESIGN.md: the audit is the
administrator's)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from hotline.audit import queries
from hotline.audit.routes import changed
from hotline.auth.pages import PageRefusal, PageSessionDep
from hotline.domain.errors import forbidden
from hotline.domain.vocabulary import Role
from hotline.web.deps import DbDep, ZoneDep
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")

PAGE_SIZE = 30
#: How `audit.service.jsonable` stores a time: ISO 8601 with its offset.
_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
#: Links from an entry to the page of what it changed.
ENTITY_PAGES = {
    "unit": "/admin/units/{}",
    "user": "/admin/people/{}",
    "category": "/admin/categories/{}",
    "open311_key": "/admin/open311/keys#key-{}",
}


@dataclass(frozen=True)
class Line:
    """One field of a change: its name, and its value before and after, as text to read."""

    field: str
    before: str
    after: str


def readable(value: Any, zone: ZoneInfo) -> str:
    """A stored value as a person reads it: times in the centre's zone, lists joined, nothing as a
    dash, the rest as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:
            return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            return value
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "、".join(str(v) for v in value) or "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def lines(before: Any, after: Any, zone: ZoneInfo) -> tuple[str, list[Line]]:
    """How a change reads: ("changed", the fields that differ), ("created", every field after),
    ("removed", every field before), or ("value", the whole before and after)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return "changed", [
            Line(k, readable(before.get(k), zone), readable(after.get(k), zone))
            for k in changed(before, after)
        ]
    if before is None and isinstance(after, dict):
        return "created", [Line(k, "", readable(v, zone)) for k, v in after.items()]
    if after is None and isinstance(before, dict):
        return "removed", [Line(k, readable(v, zone), "") for k, v in before.items()]
    return "value", [Line("", readable(before, zone), readable(after, zone))]


def _day(raw: str | None) -> date | str | None:
    """A date from the filter (2026-12-02), None when empty, "bad" when it is not a date."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return "bad"


def install(app: FastAPI) -> None:
    @app.get("/admin/audit", include_in_schema=False, response_class=HTMLResponse)
    def audit_page(request: Request, db: DbDep, session: PageSessionDep, zone: ZoneDep) -> HTMLResponse:
        if session.user.role is not Role.ADMIN:
            raise PageRefusal(forbidden("permission.admin"), session)
        q = request.query_params
        wanted = {
            k: (q.get(k) or "").strip()[:100]
            for k in ("actor", "action", "entity_type", "entity_id", "from", "to")
        }
        start, end = _day(wanted["from"]), _day(wanted["to"])
        bad = [k for k, d in (("from", start), ("to", end)) if d == "bad"]
        since = datetime.combine(start, time(), zone) if isinstance(start, date) else None
        until = datetime.combine(end + timedelta(days=1), time(), zone) if isinstance(end, date) else None
        page_no = int(q["page"]) if (q.get("page") or "").isdigit() and 0 < int(q["page"]) < 100_000 else 1
        filters = queries.Filters(
            entity_type=wanted["entity_type"] or None,
            entity_id=wanted["entity_id"] or None,
            actor=wanted["actor"] or None,
            action=wanted["action"] or None,
            since=since,
            until=until,
        )
        with db.read() as s:
            entries, total = queries.page(s, filters, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
        shown = [
            {
                "entry": e,
                "at": e.at.astimezone(zone),
                "reading": lines(e.before, e.after, zone),
                "link": ENTITY_PAGES[e.entity_type].format(e.entity_id)
                if e.entity_type in ENTITY_PAGES and e.entity_id
                else None,
                "raw": json.dumps({"before": e.before, "after": e.after}, ensure_ascii=False, indent=1),
            }
            for e in entries
        ]
        kept = {k: v for k, v in wanted.items() if v}

        def href(page: int) -> str:
            return "/admin/audit?" + urlencode({**kept, "page": page})

        return pages.render(
            request,
            "audit.html",
            {
                "entries": shown,
                "total": total,
                "first": (page_no - 1) * PAGE_SIZE + 1,
                "last": (page_no - 1) * PAGE_SIZE + len(entries),
                "page_no": page_no,
                "newer": href(page_no - 1) if page_no > 1 else None,
                "older": href(page_no + 1) if page_no * PAGE_SIZE < total else None,
                "wanted": wanted,
                "kept": kept,
                "bad": bad,
            },
            user=session.user,
            csrf=session.csrf,
            status_code=422 if bad else 200,
        )
