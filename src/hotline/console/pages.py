"""The centre console: the queues the centre works (tabs with counts), a ticket's actions (each a
form that posts and redirects back), search with keyset paging, saved filters and export to Excel.

Thin handlers: reads go through `tickets.queries` (and routing's stored advice), every change to
a ticket through `tickets.service` with the workflow's own commands, so the console may do exactly
what the JSON API lets the same person do; a refusal shows the API's message with its status."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, QueryParams

from hotline.audit import service as audit
from hotline.auth.pages import CheckedFormDep, PageRefusal, PageSession, PageSessionDep
from hotline.console import export, queries, schemas, service
from hotline.directory import queries as directory
from hotline.domain import commands as c
from hotline.domain.errors import DomainError, forbidden, invalid, message, not_found
from hotline.domain.permissions import may
from hotline.domain.vocabulary import Channel, Role, TicketStatus
from hotline.routing import queries as routing
from hotline.routing.history import SCOPE as TICKET_SCOPE
from hotline.search import queries as search
from hotline.tickets import queries as tickets
from hotline.tickets import service as workflow
from hotline.tickets.pages import PageDeskDep
from hotline.tickets.routes import Desk
from hotline.web.catalogue import text
from hotline.web.errors import STATUS
from hotline.web.numbers import Id
from hotline.web.shell import Shell
from hotline.web.text import no_markup

pages = Shell(Path(__file__).parent / "templates")

#: Rows shown per queue tab and per search page.
QUEUE_ROWS: Final = 100
PAGE_ROWS: Final = 50
#: A text search narrows to the tickets the full-text index ranks best, at most this many.
TEXT_HITS: Final = 1000
_CONSOLE_ROLES: Final = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
_MAX_ASSISTS: Final = 10

# What each form asks the workflow to do: the command its fields make (assignment forms say which).
_ACTIONS: Final = ("supervise", "urge", "dispatch", "send_back", "extension", "review", "merge", "close")


def _console_user(session: PageSession) -> None:
    if session.user.role not in _CONSOLE_ROLES:
        raise PageRefusal(
            forbidden("permission.role", role=session.user.role.value, action="console"), session
        )


def _int(form: FormData, name: str, *, required: bool = True) -> int | None:
    raw = str(form.get(name) or "").strip()
    if not raw and not required:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise invalid("console.field_invalid", field=name, value=raw[:40])
    return int(raw)


def _text(form: FormData, name: str, limit: int = 1000) -> str | None:
    """A note or reason as the API takes it: plain text (no markup, no control characters), at
    most ``limit`` characters; empty is None."""
    raw = str(form.get(name) or "").strip()
    if len(raw) > limit:
        raise invalid("console.field_invalid", field=name, value=raw[:40])
    try:
        no_markup(raw)
    except ValueError as exc:
        raise invalid(str(exc).split(":", 1)[0], field=name) from None
    return raw or None


def _yes(form: FormData, name: str) -> bool:
    raw = str(form.get(name) or "")
    if raw not in ("yes", "no"):
        raise invalid("console.field_invalid", field=name, value=raw[:40])
    return raw == "yes"


def _assists(form: FormData) -> tuple[int, ...]:
    picked = [str(v) for v in form.getlist("assist_unit_ids") if str(v).strip()]
    if len(picked) > _MAX_ASSISTS or not all(v.isdigit() and len(v) < 10 for v in picked):
        raise invalid("console.field_invalid", field="assist_unit_ids", value=",".join(picked)[:40])
    return tuple(int(v) for v in picked)


def _command(action: str, form: FormData) -> c.Command:
    """The workflow command a console form asks for (merge is not one: it changes two tickets)."""
    note = _text(form, "note")
    match action:
        case "supervise":
            return c.Supervise(note=note)
        case "urge":
            return c.Urge(assignment_no=_int(form, "no") or 0, note=note)
        case "dispatch":
            return c.Dispatch(
                lead_unit=_int(form, "lead_unit_id") or 0, assist_units=_assists(form), note=note
            )
        case "send_back":
            accept = _yes(form, "accept")
            return c.DecideSendBack(
                assignment_no=_int(form, "no") or 0,
                accept=accept,
                reason=_text(form, "reason"),
                redispatch_to=_int(form, "lead_unit_id", required=False) if accept else None,
                redispatch_assists=_assists(form) if accept else (),
            )
        case "extension":
            return c.DecideExtension(
                assignment_no=_int(form, "no") or 0,
                approve=_yes(form, "approve"),
                reason=_text(form, "reason"),
            )
        case "review":
            return c.ReviewReply(
                assignment_no=_int(form, "no") or 0,
                approve=_yes(form, "approve"),
                reason=_text(form, "reason"),
            )
        case "close":
            return c.Close(reason=_text(form, "reason"))
    raise not_found("console.no_action", action=action)


def _can(role: Role) -> dict[str, bool]:
    """Which forms to show this role: the same table the workflow checks (permissions.ALLOWED)."""
    commands: dict[str, type[c.Command]] = {
        "supervise": c.Supervise,
        "urge": c.Urge,
        "dispatch": c.Dispatch,
        "send_back": c.DecideSendBack,
        "extension": c.DecideExtension,
        "review": c.ReviewReply,
        "merge": c.MergeInto,
        "close": c.Close,
    }
    return {name: may(role, command) for name, command in commands.items()}


# The pickers' lists (86 units, their names; the category tree) change rarely and cost more to read
# than the rest of a page: kept per language while the directory's fingerprint holds (a unit or
# category added, retired, reactivated), and at most a minute, so a rename shows within one.
_CHOICES_TTL_S: Final = 60.0
_choices: dict[str, tuple[tuple[object, ...], float, Any]] = {}


def _pickers(session: Session, lang: str) -> tuple[list[tuple[int, str, int]], list[tuple[str, str, int]]]:
    """Units work can be sent to (active, not the centre) in tree order, as (id, name, depth), and
    active categories in code order (a parent before its children), as (code, name, level)."""
    mark = directory.fingerprint(session)
    key = f"{session.get_bind().engine.url}:{lang}"  # one process may serve several databases (tests)
    held = _choices.get(key)
    if held is not None and held[0] == mark and time.monotonic() - held[1] < _CHOICES_TTL_S:
        return held[2]  # type: ignore[no-any-return]
    en = lang == "en"
    units = [
        (u.id, (u.name_en or u.name) if en else u.name, max(u.level - 1, 0))
        for u in directory.units(session)
        if u.active and u.kind != "centre"
    ]
    categories = [
        (x.code, (x.name_en or x.name) if en else x.name, x.level)
        for x in sorted(directory.categories(session), key=lambda x: x.code)
        if x.active
    ]
    _choices[key] = (mark, time.monotonic(), (units, categories))
    return units, categories


def _age(now: datetime, lang: str) -> Callable[[datetime], str]:
    """How long ago, in the words a dispatcher reads at a glance (minutes, hours, days)."""

    def age(at: datetime) -> str:
        minutes = max(int((now - at).total_seconds() // 60), 0)
        if minutes < 60:
            return text("console.age.minutes", lang, m=minutes)
        hours = minutes // 60
        if hours < 24:
            return text("console.age.hours", lang, h=hours, m=minutes % 60)
        return text("console.age.days", lang, d=hours // 24, h=hours % 24)

    return age


def install(app: FastAPI) -> None:
    def word_of(lang: str) -> Callable[[str], str]:
        return lambda key: text(key, lang)

    @app.get("/console", include_in_schema=False, response_class=HTMLResponse)
    def console(request: Request, desk: PageDeskDep, session: PageSessionDep) -> HTMLResponse:
        _console_user(session)
        queue = request.query_params.get("queue") or "waiting"
        try:
            with desk.db.read() as s:
                counts = tickets.centre_queue_counts(s, desk.now)
                items = tickets.centre_queue(
                    s, desk.user, queue, desk.zone, desk.lang, desk.now, limit=QUEUE_ROWS
                )
                suggested = (
                    routing.suggestions(s, [it.ticket_id for it in items], desk.lang)
                    if queue == "waiting"
                    else {}
                )
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return pages.render(
            request,
            "console.html",
            {
                "queues": tickets.CENTRE_QUEUES,
                "queue": queue,
                "counts": counts,
                # What a tab shows: the count, or "999+" past the cap (see COUNT_CAP).
                "count_labels": {
                    q: f"{tickets.COUNT_CAP - 1}+" if n >= tickets.COUNT_CAP else str(n)
                    for q, n in counts.items()
                },
                "items": items,
                "suggested": suggested,
                "age": _age(desk.now, desk.lang),
            },
            user=session.user,
            csrf=session.csrf,
            now=desk.now,
        )

    def ticket_desk(
        request: Request,
        desk: Desk,
        session: PageSession,
        ticket_id: Id,
        *,
        error: DomainError | None = None,
    ) -> HTMLResponse:
        try:
            with desk.db.read() as s:
                ticket = tickets.ticket_detail(s, ticket_id, desk.user, desk.zone, desk.lang, desk.now)
                suggested = routing.suggestions(s, [ticket_id], desk.lang).get(ticket_id, [])
                units, _ = _pickers(s, desk.lang)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        q = request.query_params
        done = q.get("done") if q.get("done") in _ACTIONS else None
        return pages.render(
            request,
            "console_ticket.html",
            {
                "ticket": ticket,
                "suggested": suggested,
                "units": units,
                "can": _can(desk.user.role),
                "done": done,
                "back": q.get("back") if q.get("back") in tickets.CENTRE_QUEUES else None,
                "error": None if error is None else message(error.code, desk.lang, **error.params),
                "error_status": None if error is None else STATUS[error.kind],
            },
            user=session.user,
            csrf=session.csrf,
            now=desk.now,
            status_code=200 if error is None else STATUS[error.kind],
        )

    @app.get("/console/tickets/{ticket_id}", include_in_schema=False, response_class=HTMLResponse)
    def console_ticket(
        request: Request, ticket_id: Id, desk: PageDeskDep, session: PageSessionDep
    ) -> HTMLResponse:
        _console_user(session)
        return ticket_desk(request, desk, session, ticket_id)

    @app.post("/console/tickets/{ticket_id}/{action}", include_in_schema=False)
    def act(
        request: Request,
        ticket_id: Id,
        action: str,
        desk: PageDeskDep,
        session: PageSessionDep,
        form: CheckedFormDep,
    ) -> Response:
        """One action on one ticket; success redirects to the ticket's console page (303), a
        refusal shows that page again with the API's message and status, having changed nothing."""
        _console_user(session)
        if action not in _ACTIONS:
            raise PageRefusal(not_found("console.no_action", action=action[:40]), session)
        try:
            if action == "merge":
                ref = _text(form, "into", 40) or ""
                with desk.db.read() as s:
                    into = tickets.find_ticket_id(s, ref, desk.zone)
                if into is None:
                    raise invalid("console.merge_target_unknown", field="into", value=ref)
                workflow.merge(desk.db, ticket_id, into, _text(form, "reason"), desk.user.actor, desk.now)
            else:
                workflow.execute(
                    desk.db, ticket_id, _command(action, form), desk.user.actor, desk.now, desk.deadlines
                )
        except DomainError as err:
            return ticket_desk(request, desk, session, ticket_id, error=err)
        back = str(form.get("back") or "")
        suffix = f"&back={back}" if back in tickets.CENTRE_QUEUES else ""
        return RedirectResponse(f"/console/tickets/{ticket_id}?done={action}{suffix}", status_code=303)

    def run_search(
        desk: Desk, f: schemas.SearchForm, after: tuple[datetime, int] | None, limit: int
    ) -> tuple[tickets.SearchPage, bool, bool]:
        """The page of tickets the form finds; whether the text search was cut at TEXT_HITS; whether
        its words were so common that only the newest tickets were searched (search.WINDOW_DOCS)."""
        with desk.db.read() as s:
            ids, hits, windowed = None, [], False
            if f.q:
                # A filter, not a ranking: keep the tickets that hold as many of the query's words
                # as the best match does (all of them, when any ticket holds them all).
                hits, windowed = search.search_bounded(s, TICKET_SCOPE, f.q, limit=TEXT_HITS)
                best = max((len(h.matched) for h in hits), default=0)
                ids = [h.ref_id for h in hits if len(h.matched) == best]
            unit_path = None
            if f.unit_id is not None:
                paths = directory.unit_paths(s, [f.unit_id])
                unit_path = paths.paths.get(f.unit_id)
                if unit_path is None:
                    raise invalid("console.field_invalid", field="unit", value=f.unit)
            start, end = f.received_range(desk.zone)
            found = tickets.search_centre(
                s,
                desk.user,
                tickets.TicketFilter(
                    tracking_code=f.code or None,
                    phone=f.phone or None,
                    ids=ids,
                    unit_path=unit_path,
                    category_code=f.category or None,
                    status=f.status or None,
                    channel=f.channel or None,
                    received_from=start,
                    received_before=end,
                ),
                desk.zone,
                desk.lang,
                after=after,
                limit=limit,
            )
        return found, bool(f.q) and len(hits) >= TEXT_HITS, windowed

    @app.get("/console/search", include_in_schema=False, response_class=HTMLResponse)
    def search_page(request: Request, desk: PageDeskDep, session: PageSessionDep) -> HTMLResponse:
        _console_user(session)
        error = None
        form = schemas.SearchForm()
        page, cut, windowed = tickets.SearchPage([], None), False, False
        try:
            form = schemas.parse(request.query_params)
            after = schemas.cursor(request.query_params.get("after"))
            if not form.empty:
                page, cut, windowed = run_search(desk, form, after, PAGE_ROWS)
        except DomainError as err:
            error = err
        with desk.db.read() as s:
            saved = queries.saved_filters(s, desk.user.id)
            units, categories = _pickers(s, desk.lang)
        q = request.query_params
        return pages.render(
            request,
            "console_search.html",
            {
                "form": form,
                "query": form.query(),
                "page": page,
                "next_after": None if page.next_after is None else schemas.cursor_text(page.next_after),
                "paged": bool(q.get("after")),
                "text_cut": cut,
                "text_hits": TEXT_HITS,
                "text_windowed": windowed,
                "text_window": search.WINDOW_DOCS,
                "export_limit": export.EXPORT_LIMIT,
                "saved": saved,
                "units": units,
                "categories": categories,
                "statuses": [s.value for s in TicketStatus],
                "channels": [ch.value for ch in Channel],
                "error": None if error is None else message(error.code, desk.lang, **error.params),
                "notice": q.get("notice") if q.get("notice") in ("saved", "deleted") else None,
            },
            user=session.user,
            csrf=session.csrf,
            now=desk.now,
            status_code=200 if error is None else STATUS[error.kind],
        )

    @app.get("/console/search.xlsx", include_in_schema=False)
    def export_search(request: Request, desk: PageDeskDep, session: PageSessionDep) -> Response:
        """The search's rows (newest first, at most EXPORT_LIMIT) as a workbook; recorded in the
        audit, since it takes citizens' contacts out of the platform."""
        _console_user(session)
        try:
            form = schemas.parse(request.query_params)
            if form.empty:
                raise invalid("console.field_invalid", field="q", value="")
            page, _, _ = run_search(desk, form, None, export.EXPORT_LIMIT)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        with desk.db.write() as s:
            audit.record(
                s,
                audit.Actor.of(desk.user),
                "console.export",
                "ticket_search",
                None,
                at=desk.now,
                after={"query": form.query(), "rows": len(page.items)},
            )
        body = export.workbook(page.items, word_of(desk.lang), cut=page.next_after is not None)
        stamp = desk.now.astimezone(desk.zone).strftime("%Y%m%d-%H%M")
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="tickets-{stamp}.xlsx"'},
        )

    @app.post("/console/filters", include_in_schema=False)
    def save_filter(
        request: Request, desk: PageDeskDep, session: PageSessionDep, form: CheckedFormDep
    ) -> Response:
        _console_user(session)
        try:
            parsed = schemas.parse(_as_query(form))
            if parsed.empty:
                raise invalid("console.field_invalid", field="query", value="")
            with desk.db.write() as s:
                service.save_filter(s, desk.user, str(form.get("name") or ""), parsed.query(), desk.now)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return RedirectResponse(f"/console/search?{parsed.query()}&notice=saved", status_code=303)

    @app.post("/console/filters/{filter_id}/delete", include_in_schema=False)
    def delete_filter(
        filter_id: Id, desk: PageDeskDep, session: PageSessionDep, form: CheckedFormDep
    ) -> Response:
        _console_user(session)
        try:
            with desk.db.write() as s:
                service.delete_filter(s, desk.user, filter_id, desk.now)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return RedirectResponse("/console/search?notice=deleted", status_code=303)


def _as_query(form: FormData) -> QueryParams:
    """The search fields a save form carries, as the query parameters the search page reads."""
    return QueryParams(
        urlencode([(k, str(form.get(k) or "")) for k in schemas.SearchForm.__dataclass_fields__])
    )
