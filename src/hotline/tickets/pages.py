"""The unit inbox and the ticket page: thin handlers over the same queries and service functions
as the JSON API, with the caller taken from the session cookie (auth.pages).

The inbox answers a full request with the page and an htmx request with the table alone (the
acknowledge form swaps it in place); without JavaScript the form posts and redirects back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth.pages import CheckedFormDep, PageRefusal, PageSessionDep
from hotline.domain import commands as c
from hotline.domain.errors import DomainError, message
from hotline.tickets import queries, service
from hotline.tickets.routes import Desk
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")

_MAX_PICKS = 100


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
    def inbox(request: Request, desk: PageDeskDep, session: PageSessionDep) -> HTMLResponse:
        with desk.db.read() as s:
            found = queries.unit_inbox(s, desk.user, desk.zone, desk.lang, desk.now)
        fragment = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")
        q = request.query_params
        return pages.render(
            request,
            "inbox_table.html" if fragment else "inbox.html",
            {
                "inbox": found,
                "acknowledged": int(q["acknowledged"]) if q.get("acknowledged", "").isdigit() else None,
                "refused": q.getlist("refused"),
                "none_picked": bool(q.get("none")),
            },
            user=session.user,
            csrf=session.csrf,
            now=desk.now,
        )

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
        request: Request, ticket_id: int, desk: PageDeskDep, session: PageSessionDep
    ) -> HTMLResponse:
        try:
            with desk.db.read() as s:
                ticket = queries.ticket_detail(s, ticket_id, desk.user, desk.zone, desk.lang, desk.now)
                events = queries.ticket_events(s, ticket_id, desk.user, desk.zone, desk.lang)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return pages.render(
            request,
            "ticket.html",
            {"ticket": ticket, "events": events, "own_unit": desk.user.unit_id},
            user=session.user,
            csrf=session.csrf,
            now=desk.now,
        )

    @app.post("/tickets/{ticket_id}/assignments/{no}/acknowledge", include_in_schema=False)
    def acknowledge_one(
        ticket_id: int, no: int, desk: PageDeskDep, session: PageSessionDep, form: CheckedFormDep
    ) -> Response:
        try:
            service.execute(
                desk.db, ticket_id, c.Acknowledge(assignment_no=no), desk.user.actor, desk.now, desk.deadlines
            )
        except DomainError as err:
            raise PageRefusal(err, session) from None
        return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)
