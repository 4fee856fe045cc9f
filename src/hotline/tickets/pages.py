"""The unit inbox and the ticket page: thin handlers over the same queries and service functions
as the JSON API, with the caller taken from the session cookie (auth.pages).

The inbox answers a full request with the page and an htmx request with the table alone (the
acknowledge form swaps it in place); without JavaScript the form posts and redirects back. The
ticket page's forms do the same: an htmx POST is answered with the ticket's part of the page
(`ticket_main.html`: actions, assignments, timeline), refreshed after a success, or with the
refusal's message, its status and the field focused; a plain POST redirects (303) or shows the
whole page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from hotline.auth.pages import CheckedFormDep, PageRefusal, PageSession, PageSessionDep
from hotline.config import Settings
from hotline.directory import queries as directory
from hotline.domain import commands as c
from hotline.domain.errors import MESSAGES, DomainError, invalid, message
from hotline.media.service import storage_of
from hotline.notify import queries as notify
from hotline.notify import service as notify_service
from hotline.tickets import photos, queries, schemas, service
from hotline.tickets.routes import Desk, read_uploads, staff_photo
from hotline.tickets.schemas import UnitRef
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep
from hotline.web.errors import STATUS
from hotline.web.numbers import Id
from hotline.web.shell import HOME, Shell, home_for

pages = Shell(Path(__file__).parent / "templates")

_MAX_PICKS = 100
PAGE_SIZE = 50
_LAST_PAGE = 10_000  # beyond any unit's real inbox; keeps the offset a small number


def _htmx(request: Request) -> bool:
    """An htmx request for part of a page (not a boosted link, which wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def _page_number(raw: str | None) -> int:
    """The page asked for (1 when absent or not a number): a bad page is not worth an error page."""
    return min(int(raw), _LAST_PAGE) if raw and raw.isdigit() and int(raw) >= 1 else 1


async def get_page_desk(
    request: Request, db: DbDep, session: PageSessionDep, now: NowDep, zone: ZoneDep, lang: LangDep
) -> Desk:
    return Desk(db, session.user, now, zone, lang, request.app.state.wiring.deadlines)


PageDeskDep = Annotated[Desk, Depends(get_page_desk)]


def _picks(values: list[str]) -> list[tuple[int, int]]:
    """`ticket:assignment` pairs from the form; anything else is ignored (the page sends only these)."""
    picks = []
    for value in values[:_MAX_PICKS]:
        ticket, _, no = value.partition(":")
        if ticket.isdigit() and no.isdigit():
            picks.append((int(ticket), int(no)))
    return picks


def install(app: FastAPI) -> None:
    @app.get("/inbox", include_in_schema=False, response_class=HTMLResponse)
    def inbox(request: Request, desk: PageDeskDep, session: PageSessionDep) -> Response:
        if session.user.role.value in HOME:  # the centre has desks of its own, not a unit's inbox
            return RedirectResponse(home_for(session.user), status_code=303)
        q = request.query_params
        page = _page_number(q.get("page"))
        fragment = _htmx(request)
        with desk.db.read() as s:
            found = queries.unit_inbox(
                s, desk.user, desk.zone, desk.lang, desk.now, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
            extra = {}
            if not fragment:
                extra = {
                    "to_review": queries.awaiting_review(s, desk.user, desk.zone, desk.lang),
                    "notices": notify.inbox(s, desk.user, desk.zone, desk.lang, unread_only=True, limit=10),
                    "unit_label": desk.user.unit_label(desk.lang),
                }
        return pages.render(
            request,
            "inbox_table.html" if fragment else "inbox.html",
            {
                "inbox": found,
                "page": page,
                "pages": max(1, -(-found.total // PAGE_SIZE)),
                "first_row": (page - 1) * PAGE_SIZE + 1,
                "acknowledged": int(q["acknowledged"]) if q.get("acknowledged", "").isdigit() else None,
                "refused": q.getlist("refused"),
                "none_picked": bool(q.get("none")),
                "marked": q.get("marked"),
                **extra,
            },
            user=session.user,
            csrf=session.csrf,
            now=desk.now,
        )

    @app.post("/inbox/notifications/{notification_id}/read", include_in_schema=False)
    def mark_notice_read(
        notification_id: Id, desk: PageDeskDep, session: PageSessionDep, form: CheckedFormDep
    ) -> Response:
        try:
            with desk.db.write() as s:
                notify_service.mark_read(s, desk.user, notification_id, desk.now)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return RedirectResponse("/inbox?marked=1", status_code=303)

    @app.post("/inbox/notifications/read-all", include_in_schema=False)
    def mark_all_notices_read(desk: PageDeskDep, form: CheckedFormDep) -> Response:
        with desk.db.write() as s:
            n = notify_service.mark_all_read(s, desk.user, desk.now)
        return RedirectResponse(f"/inbox?marked={n}", status_code=303)

    @app.post("/inbox/acknowledge", include_in_schema=False)
    def acknowledge_many(desk: PageDeskDep, form: CheckedFormDep) -> Response:
        """Acknowledge each picked assignment in its own transaction: one refusal (taken by a
        colleague meanwhile) does not undo the others; the page says which were refused and why."""
        picks = _picks([str(v) for v in form.getlist("pick")])
        if not picks:
            return RedirectResponse("/inbox?none=1", status_code=303)
        done = 0
        refused = []
        for ticket_id, no in picks:
            try:
                service.execute(
                    desk.db,
                    ticket_id,
                    c.Acknowledge(assignment_no=no),
                    desk.user.actor,
                    desk.now,
                    desk.deadlines,
                )
                done += 1
            except DomainError as err:
                refused.append(f"{ticket_id}:{no}: {message(err.code, desk.lang, **err.params)}")
        query = f"acknowledged={done}" + "".join(f"&refused={quote(r, safe='')}" for r in refused)
        return RedirectResponse(f"/inbox?{query}", status_code=303)

    @app.get("/tickets/{ticket_id}", include_in_schema=False, response_class=HTMLResponse)
    def ticket_page(
        request: Request, ticket_id: Id, desk: PageDeskDep, session: PageSessionDep
    ) -> HTMLResponse:
        done = request.query_params.get("done")
        known = done in _ACTIONS or done == "acknowledge"
        return _ticket_page(request, desk, session, ticket_id, done=done if known else None)

    @app.post("/tickets/{ticket_id}/assignments/{no}/acknowledge", include_in_schema=False)
    def acknowledge_one(
        request: Request,
        ticket_id: Id,
        no: Id,
        desk: PageDeskDep,
        session: PageSessionDep,
        form: CheckedFormDep,
    ) -> Response:
        try:
            service.execute(
                desk.db, ticket_id, c.Acknowledge(assignment_no=no), desk.user.actor, desk.now, desk.deadlines
            )
        except DomainError as err:
            if not _htmx(request) or err.code in ("permission.not_visible", "ticket.not_found"):
                raise PageRefusal(err, session) from None
            return _ticket_page(request, desk, session, ticket_id, refused=err, fragment=True)
        if _htmx(request):
            return _ticket_page(request, desk, session, ticket_id, done="acknowledge", fragment=True)
        return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)

    @app.get("/tickets/{ticket_id}/media/{name}", include_in_schema=False)
    def page_media(
        ticket_id: Id, name: str, db: DbDep, page: PageSessionDep, settings: SettingsDep
    ) -> FileResponse:
        """A photo of the ticket for the staff pages (session cookie instead of a bearer token)."""
        return staff_photo(db, page.user, settings, ticket_id, name)

    for action, path in _ACTIONS.items():
        _install_action(app, action, path)


def _ticket_page(
    request: Request,
    desk: Desk,
    session: PageSession,
    ticket_id: Id,
    *,
    done: str | None = None,
    refused: DomainError | None = None,
    form: dict[str, str] | None = None,
    fragment: bool = False,
) -> HTMLResponse:
    """The ticket, its photos, its timeline, and the forms of the actions this user may take now;
    after a refusal, the same page with the API's message and status, and what was typed kept.
    `fragment`: only the part htmx swaps (`ticket_main.html`)."""
    try:
        with desk.db.read() as s:
            ticket = queries.ticket_detail(s, ticket_id, desk.user, desk.zone, desk.lang, desk.now)
            events = queries.ticket_events(s, ticket_id, desk.user, desk.zone, desk.lang)
            found = photos.of_ticket(s, ticket_id)
        actions = service.actions_for(desk.db, ticket_id, desk.user.actor, desk.now)
        children: dict[int, list[UnitRef]] = {}
        grids: list[UnitRef] = []
        with desk.db.read() as s:
            if any("request_verification" in acts for acts in actions.values()):  # 核查: docs/grid.md
                grids = [
                    UnitRef(id=u.id, name=(u.name_en or u.name) if desk.lang == "en" else u.name)
                    for u in directory.units(s)
                    if u.kind == "grid" and u.active
                ]
            for a in ticket.assignments:
                if "delegate" in actions.get(a.no, ()):
                    children[a.no] = [
                        UnitRef(id=u.id, name=(u.name_en or u.name) if desk.lang == "en" else u.name)
                        for u in directory.child_units(s, a.unit.id)
                    ]
    except DomainError as err:
        raise PageRefusal(err, session) from None
    service.note_personal_data_view(desk.db, ticket, desk.user, desk.now)
    return pages.render(
        request,
        "ticket_main.html" if fragment else "ticket.html",
        {
            "ticket": ticket,
            "photos": found,
            "max_files": request.app.state.settings.media_max_files,
            "events": events,
            "own_unit": desk.user.unit_id,
            "actions": actions,
            "decisions": [(no, act) for no in sorted(actions) for act in _DECISIONS if act in actions[no]],
            "children": children,
            "grids": grids,
            "done": done,
            "refused": None if refused is None else message(refused.code, desk.lang, **refused.params),
            "typed": form or {},
            "min_until": desk.now.astimezone(desk.zone).strftime("%Y-%m-%dT%H:%M"),
        },
        user=session.user,
        csrf=session.csrf,
        now=desk.now,
        status_code=200 if refused is None else STATUS[refused.kind],
    )


# Each action of the ticket page: its name (as `possible_actions` names it) and its path below
# /tickets/{id}/assignments/{no}/ — the API's own paths.
_ACTIONS = {
    "contact": "contact",
    "delegate": "delegate",
    "reply": "reply",
    "send_back": "send-back",
    "extension": "extension",
    "review": "review",
    "decide_send_back": "send-back/decision",
    "decide_extension": "extension/decision",
}
_DECISIONS = ("review", "decide_send_back", "decide_extension")  # named at the top of the page
_YES = {"approve", "accept"}
_NO = {"reject", "refuse"}


def _decision(form: dict[str, str]) -> bool:
    decision = form.get("decision", "")
    if decision not in _YES | _NO:
        raise invalid("validation.failed", field="decision")
    return decision in _YES


def _until(form: dict[str, str], zone: ZoneInfo) -> str:
    """The form's local date and time (datetime-local, the centre's zone) as an aware timestamp."""
    try:
        local = datetime.fromisoformat(form.get("until", ""))
    except ValueError:
        raise invalid("validation.failed", field="until") from None
    return (local if local.tzinfo else local.replace(tzinfo=zone)).isoformat()


def _command(action: str, no: Id, form: dict[str, str], zone: ZoneInfo) -> c.Command:
    """The API's command for a form, checked by the API's own body schemas (same limits, same
    codes); a bad field is refused as the API refuses it."""
    note = form.get("note") or None
    reason = form.get("reason") or None
    try:
        match action:
            case "contact":
                b = schemas.NoteIn.model_validate({"note": note})
                return c.RecordContact(assignment_no=no, note=b.note)
            case "delegate":
                d = schemas.DelegateIn.model_validate({"unit_id": form.get("unit_id"), "note": note})
                return c.Delegate(assignment_no=no, to_unit=d.unit_id, note=d.note)
            case "reply":
                r = schemas.ReplyIn.model_validate({"reply": form.get("reply", "")})
                return c.Reply(assignment_no=no, reply=r.reply)
            case "send_back":
                sb = schemas.ReasonIn.model_validate({"reason": form.get("reason", "")})
                return c.SendBack(assignment_no=no, reason=sb.reason)
            case "extension":
                ex = schemas.ExtensionIn.model_validate(
                    {"until": _until(form, zone), "reason": form.get("reason", "")}
                )
                return c.RequestExtension(assignment_no=no, until=ex.until, reason=ex.reason)
            case "review":
                rv = schemas.DecisionIn.model_validate({"approve": _decision(form), "reason": reason})
                return c.ReviewReply(assignment_no=no, approve=rv.approve, reason=rv.reason)
            case "decide_send_back":
                ds = schemas.SendBackDecisionIn.model_validate({"accept": _decision(form), "reason": reason})
                return c.DecideSendBack(assignment_no=no, accept=ds.accept, reason=ds.reason)
            case "decide_extension":
                de = schemas.DecisionIn.model_validate({"approve": _decision(form), "reason": reason})
                return c.DecideExtension(assignment_no=no, approve=de.approve, reason=de.reason)
    except ValidationError as exc:
        raise _refusal(exc) from None
    raise invalid("validation.failed", field="action")


_EMPTY = {"string_too_short", "missing", "string_type"}


def _refusal(exc: ValidationError) -> DomainError:
    """The first bad field as the API words it: our validators' own code ("text.markup: …"), an
    empty reason as "reason.required", anything else "validation.failed" naming the field."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "body"
    said = str(first.get("msg", "")).removeprefix("Value error, ")
    own = said.split(":", 1)[0].strip() if ":" in said else ""
    if own in MESSAGES:
        return invalid(own, field=field)
    if field in ("reason", "reply") and first["type"] in _EMPTY:
        return invalid("reason.required", field=field)
    return invalid("validation.failed", field=field)


def _install_action(app: FastAPI, action: str, path: str) -> None:
    """POST /tickets/{id}/assignments/{no}/<path>: the API's command from the form, then 303 back
    to the ticket page; a refusal shows the page again with the API's message and status."""

    @app.post(
        f"/tickets/{{ticket_id}}/assignments/{{no}}/{path}", include_in_schema=False, name=f"page_{action}"
    )
    def act(
        request: Request,
        ticket_id: Id,
        no: Id,
        desk: PageDeskDep,
        session: PageSessionDep,
        form: CheckedFormDep,
        settings: SettingsDep,
    ) -> Response:
        typed = {k: str(v) for k, v in form.items() if k != "csrf" and isinstance(v, str)}
        try:
            return _act(request, action, ticket_id, no, desk, session, form, typed, settings)
        finally:  # the spooled uploads, read or not (a refusal may come before they are read)
            for _, value in form.multi_items():
                if isinstance(value, UploadFile):
                    value.file.close()


def _act(
    request: Request,
    action: str,
    ticket_id: Id,
    no: Id,
    desk: Desk,
    session: PageSession,
    form: FormData,
    typed: dict[str, str],
    settings: Settings,
) -> Response:
    """One action from its form (see `_install_action`)."""
    htmx = _htmx(request)
    try:
        command = _command(action, no, typed, desk.zone)
        if isinstance(command, c.Reply):  # the reply form may carry photos
            files = [v for v in form.getlist("photos") if isinstance(v, UploadFile)]
            checked = photos.checked(read_uploads(files, settings.media_max_bytes), settings)
            photos.reply_with_photos(
                desk.db,
                storage_of(settings),
                ticket_id,
                no,
                command.reply,
                checked,
                desk.user,
                desk.now,
                desk.deadlines,
            )
        else:
            service.execute(desk.db, ticket_id, command, desk.user.actor, desk.now, desk.deadlines)
    except DomainError as err:
        if err.code in ("permission.not_visible", "ticket.not_found"):
            raise PageRefusal(err, session) from None
        return _ticket_page(
            request,
            desk,
            session,
            ticket_id,
            refused=err,
            form={**typed, "_action": action, "_no": str(no), "_focus": str(err.params.get("field", ""))},
            fragment=htmx,
        )
    if htmx:  # the ticket's actions and timeline as they now stand, without a reload
        return _ticket_page(request, desk, session, ticket_id, done=action, fragment=True)
    return RedirectResponse(f"/tickets/{ticket_id}?done={action}#a{no}", status_code=303)
