"""The operator's workbench (`/workbench`): one page to take a request while on the phone.

Thin like every page: the form is checked by the API's own `TicketIn` and stored by
`intake.service.submit` (the same as `POST /api/v1/tickets`); the next step the operator picks
(dispatch, answer at intake, hand off to an emergency line, merge into an open ticket) is the
workflow's own command through `tickets.service`; suggestions come from the same function as
`POST /api/v1/routing/suggest`; the caller's earlier tickets from `tickets.queries.caller_history`.

Without scripts the form posts and redirects (303) back to a fresh form that names the ticket just
made. With scripts, htmx fetches the caller's history when the phone field is left and the
suggestions while the operator types, and `static/workbench.js` adds the keyboard shortcuts,
the handling-time clock and the city map (`static/citymap.js`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hotline.auth.pages import CheckedFormDep, PageRefusal, PageSession, PageSessionDep
from hotline.auth.service import CurrentUser, user_for_token
from hotline.domain import commands as c
from hotline.domain.errors import MESSAGES, DomainError, forbidden, message
from hotline.domain.vocabulary import Channel, EmergencyService, Kind, Role, Urgency
from hotline.intake import service
from hotline.intake.schemas import TicketIn
from hotline.kb import queries as kb_queries
from hotline.routing import queue as routing_queue
from hotline.routing.routes import runtime_of, suggestions
from hotline.routing.schemas import SuggestIn, SuggestOut
from hotline.tickets import queries as ticket_queries
from hotline.tickets import service as ticket_service
from hotline.tickets.pages import PageDeskDep
from hotline.tickets.routes import Desk
from hotline.web.catalogue import text
from hotline.web.deps import SettingsDep
from hotline.web.errors import field_errors
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")

#: Who works at the workbench (the header shows it to operators and dispatchers).
DESK_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
#: The channels an operator takes requests from (the others are machines: Open311, upstream, grid).
CHANNELS = (
    Channel.PHONE,
    Channel.WECHAT,
    Channel.APP,
    Channel.WEB,
    Channel.EMAIL,
    Channel.MAILBOX,
    Channel.MESSAGE_BOARD,
    Channel.VIDEO,
)
KINDS = tuple(Kind)
URGENCIES = (Urgency.NORMAL, Urgency.URGENT, Urgency.EMERGENCY)
SERVICES = tuple(EmergencyService)
ACTIONS = ("dispatch", "answer", "handoff", "merge", "save")
#: The form's fields that go into `TicketIn` as they are.
_TICKET_FIELDS = (
    "channel",
    "kind",
    "urgency",
    "content",
    "citizen_name",
    "citizen_phone",
    "address",
    "latitude",
    "longitude",
)
_MAX_ASSISTS = 5
_MAX_INTAKE_SECONDS = 86_400


def _desk_user(session: PageSession) -> CurrentUser:
    if session.user.role not in DESK_ROLES:
        raise PageRefusal(
            forbidden("permission.role", role=session.user.role.value, action="workbench"), session
        )
    return session.user


def _str(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass
class Choice:
    """What the operator chose to do with the request, read from the form."""

    action: str
    lead_unit: int | None = None
    category: str | None = None
    assists: tuple[int, ...] = ()
    answer: str = ""
    service: str | None = None
    merge_into: int | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _number(value: str) -> float | str:
    """A coordinate from a form field: a number where it is one (the API's fields are strict
    JSON numbers), else the text itself, for the API's own check to refuse by name."""
    try:
        return float(value)
    except ValueError:
        return value


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


def _choice(form: FormData, lang: str) -> Choice:
    """The next step: the pressed button's `action` (dispatch is the default: Enter in a field)."""
    action = _str(form, "action")
    if not action:  # the emergency and merge buttons carry their own value instead of an action
        action = "handoff" if _str(form, "service") else "merge" if _str(form, "merge_into") else "dispatch"
    if action not in ACTIONS:
        action = "dispatch"
    choice = Choice(action=action)
    if action == "dispatch":
        unit, _, category = _str(form, "route").partition("|")
        choice.lead_unit = _int(unit)
        choice.category = category or None
        if choice.lead_unit is None:
            choice.errors["route"] = text("workbench.error.no_unit", lang)
        assists = [_int(str(v)) for v in form.getlist("assist")[:_MAX_ASSISTS]]
        choice.assists = tuple(a for a in dict.fromkeys(assists) if a is not None and a != choice.lead_unit)
    elif action == "answer":
        choice.answer = _str(form, "answer")
        if not choice.answer:
            choice.errors["answer"] = text("workbench.error.no_answer", lang)
    elif action == "handoff":
        service_code = _str(form, "service")
        choice.service = service_code if service_code in {s.value for s in SERVICES} else None
        if choice.service is None:
            choice.errors["service"] = text("workbench.error.no_service", lang)
    elif action == "merge":
        choice.merge_into = _int(_str(form, "merge_into"))
        if choice.merge_into is None:
            choice.errors["merge_into"] = text("workbench.error.no_duplicate", lang)
    return choice


def intake_seconds(form: Mapping[str, Any], now: datetime) -> int | None:
    """The handling time: the page's own count (from the operator's first keystroke) when scripts
    ran, else the time since the server rendered the form; nothing when neither makes sense."""
    counted = _int(_str(form, "intake_seconds"))
    if counted is not None and counted <= _MAX_INTAKE_SECONDS:
        return counted
    try:
        opened = datetime.fromisoformat(_str(form, "opened_at"))
    except ValueError:
        return None
    if opened.tzinfo is None:
        return None
    seconds = int((now - opened).total_seconds())
    return seconds if 0 <= seconds <= _MAX_INTAKE_SECONDS else None


def ticket_in(form: Mapping[str, Any], now: datetime, lang: str) -> tuple[TicketIn | None, dict[str, str]]:
    """The form as the API's `TicketIn`, or the API's errors by field (stable codes, in words)."""
    data: dict[str, Any] = {}
    for name in _TICKET_FIELDS:
        value = _str(form, name)
        if value:
            data[name] = _number(value) if name in ("latitude", "longitude") else value
    data["intake_seconds"] = intake_seconds(form, now)
    try:
        return TicketIn.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in field_errors(exc.errors(), lang):
            name = err["field"] or "content"
            if name not in _TICKET_FIELDS or name in ("latitude", "longitude"):
                name = "address"  # the point is shown (and corrected) beside the address
            errors.setdefault(name, err["message"])
        return None, errors


def _command(choice: Choice, answer_prefix: str) -> c.Command | None:
    if choice.action == "dispatch" and choice.lead_unit is not None:
        return c.Dispatch(lead_unit=choice.lead_unit, assist_units=choice.assists, category=choice.category)
    if choice.action == "answer":
        return c.AnswerAtIntake(answer=choice.answer)
    if choice.action == "handoff" and choice.service is not None:
        return c.HandOff(service=EmergencyService(choice.service), reason=answer_prefix)
    return None


def _suggest_in(form: Mapping[str, Any]) -> SuggestIn | None:
    data = {name: _str(form, name) for name in ("kind", "channel", "address", "latitude", "longitude")}
    data = {k: _number(v) if k in ("latitude", "longitude") else v for k, v in data.items() if v}
    data["text"] = _str(form, "content")[:4000]
    try:
        return SuggestIn.model_validate(data)
    except ValidationError:
        try:  # a half-typed address or a bad point must not cost the operator the suggestions
            return SuggestIn(text=data["text"], kind=data.get("kind"))
        except ValidationError:
            return None


def _route_value(sg: Any) -> str:
    """A suggestion as the form's `route` value: the lead unit and the category, `31|urban.road`."""
    return f"{sg.unit.id if sg.unit else ''}|{sg.category.code if sg.category else ''}"


def _answers(desk: Desk, advice: SuggestOut) -> dict[int, str]:
    """The whole text of each suggested kb answer, for the operator to insert with one key."""
    bodies = {}
    with desk.db.read() as s:
        for a in advice.answers[:2]:
            article = kb_queries.get(s, a.article_id)
            if article is not None:
                bodies[a.article_id] = article.body
    return bodies


def _form_context(form: Mapping[str, Any], desk: Desk) -> dict[str, Any]:
    return {
        "channels": CHANNELS,
        "kinds": KINDS,
        "urgencies": URGENCIES,
        "services": SERVICES,
        "form": {
            k: _str(form, k)
            for k in (*_TICKET_FIELDS, "answer", "route", "service", "merge_into", "intake_seconds")
        },
        "opened_at": _str(form, "opened_at") or desk.now.isoformat(),
    }


def install(app: FastAPI) -> None:
    @app.get("/workbench", include_in_schema=False, response_class=HTMLResponse)
    def workbench(request: Request, desk: PageDeskDep, session: PageSessionDep) -> HTMLResponse:
        user = _desk_user(session)
        q = request.query_params
        done = None
        if q.get("done", "").isdigit():
            try:
                with desk.db.read() as s:
                    done = ticket_queries.ticket_detail(
                        s, int(q["done"]), user, desk.zone, desk.lang, desk.now
                    )
            except DomainError:
                done = None
        refused = None
        if q.get("refused") in MESSAGES:  # only the platform's own codes, never text from the address
            params = {k.removeprefix("why_"): v[:100] for k, v in q.items() if k.startswith("why_")}
            refused = message(q["refused"], desk.lang, **params)
        return pages.render(
            request,
            "workbench.html",
            {**_form_context({}, desk), "done": done, "refused": refused, "errors": {}},
            user=user,
            csrf=session.csrf,
            now=desk.now,
        )

    @app.post("/workbench", include_in_schema=False)
    def take(request: Request, desk: PageDeskDep, session: PageSessionDep, form: CheckedFormDep) -> Response:
        """Store the request, then take the step the operator chose, each as the API would."""
        _desk_user(session)
        data, errors = ticket_in(form, desk.now, desk.lang)
        choice = _choice(form, desk.lang)
        errors.update(choice.errors)
        if data is None or errors:
            return pages.render(
                request,
                "workbench.html",
                {**_form_context(form, desk), "done": None, "refused": None, "errors": errors},
                user=session.user,
                csrf=session.csrf,
                now=desk.now,
                status_code=422,
            )
        token = session.token
        done = service.submit(desk.db, data, desk.now, lambda s: user_for_token(s, token, desk.now))
        ticket_id = done.ticket_id
        query: dict[str, Any] = {"done": ticket_id}
        try:
            if choice.action == "merge" and choice.merge_into is not None:
                ticket_service.merge(desk.db, ticket_id, choice.merge_into, None, desk.user.actor, desk.now)
            else:
                command = _command(choice, text("workbench.handoff_reason", desk.lang))
                if command is not None:
                    ticket_service.execute(
                        desk.db, ticket_id, command, desk.user.actor, desk.now, desk.deadlines
                    )
        except DomainError as err:
            query["refused"] = err.code
            query.update({f"why_{k}": str(v) for k, v in err.params.items() if k != "field"})
        if choice.action == "save" or "refused" in query:
            routing_queue.notify(request.app.state)  # it waits in the centre's queue with advice
        return RedirectResponse(f"/workbench?{urlencode(query)}", status_code=303)

    @app.get("/workbench/caller", include_in_schema=False, response_class=HTMLResponse)
    def caller(request: Request, desk: PageDeskDep, session: PageSessionDep) -> HTMLResponse:
        """The caller's latest tickets and how they ended (htmx, when the phone field is left)."""
        user = _desk_user(session)
        phone = request.query_params.get("citizen_phone", "").strip()[:32]
        history = []
        if phone:
            with desk.db.read() as s:
                history = ticket_queries.caller_history(s, phone, user, desk.zone, desk.lang)
        return pages.render(
            request,
            "workbench_caller.html",
            {"history": history, "phone": phone},
            user=user,
            csrf=session.csrf,
            now=desk.now,
        )

    @app.post("/workbench/suggest", include_in_schema=False, response_class=HTMLResponse)
    def suggest(
        request: Request,
        desk: PageDeskDep,
        session: PageSessionDep,
        form: CheckedFormDep,
        settings: SettingsDep,
    ) -> HTMLResponse:
        """The suggestions while the operator types (htmx): the same as `POST /routing/suggest`."""
        user = _desk_user(session)
        body = _suggest_in(form)
        advice = None
        bodies: dict[int, str] = {}
        ranked: list[Any] = []
        chosen = _str(form, "route")
        if body is not None and (body.text.strip() or body.latitude is not None):
            advice = suggestions(desk.db, runtime_of(request), body, desk.now, desk.zone, desk.lang, settings)
            bodies = _answers(desk, advice)
            # in the order of the confidence shown (the number a person sees is the one that decides)
            ranked = sorted(advice.suggestions, key=lambda sg: -sg.confidence)
            values = [_route_value(sg) for sg in ranked if sg.unit is not None]
            if chosen not in values:  # the text or the point changed: the best one now
                chosen = values[0] if values else ""
        return pages.render(
            request,
            "workbench_suggest.html",
            {
                "advice": advice,
                "bodies": bodies,
                "services": SERVICES,
                "ranked": [(sg, _route_value(sg)) for sg in ranked],
                "chosen": chosen,
                "assists": [str(v) for v in form.getlist("assist")[:_MAX_ASSISTS]],
            },
            user=user,
            csrf=session.csrf,
            now=desk.now,
        )
