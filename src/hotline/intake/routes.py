"""POST a new request: staff on any channel, or a citizen through the public portal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from hotline.auth.deps import TokenDep
from hotline.auth.service import caller_for_token
from hotline.db.engine import Database
from hotline.domain.vocabulary import Channel
from hotline.intake import service
from hotline.intake.schemas import PublicTicketIn, TicketIn
from hotline.routing import queue as routing_queue
from hotline.tickets import queries
from hotline.tickets.schemas import TicketOut
from hotline.tracking.queries import public_ticket
from hotline.tracking.schemas import PublicTicket
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.throttle import client_address, throttle_of

router = APIRouter(prefix="/api/v1", tags=["intake 受理"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=200, description="Retry with the same key to get the same ticket."
    ),
]


# The endpoints are `async def` and hand their (blocking) work to the thread pool themselves: a
# plain `def` endpoint costs FastAPI TWO trips through the thread pool per request, the second only
# to validate the answer (`serialize_response`); each trip wakes a thread while the event loop holds
# the GIL, which bench/intake.py measured as the largest single cost left on the intake path.


@router.post("/tickets", response_model=TicketOut, status_code=201)
async def submit(
    body: TicketIn,
    request: Request,
    response: Response,
    db: DbDep,
    token: TokenDep,
    now: NowDep,
    zone: ZoneDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> TicketOut:
    """Take a request in. The answer comes as soon as the ticket is stored; routing (advice, and
    dispatch at once when sure) follows within a second: `GET /api/v1/tickets/{id}/routing`."""
    return await run_in_threadpool(
        _submit, body, request, response, db, token, now, zone, lang, idempotency_key
    )


def _submit(
    body: TicketIn,
    request: Request,
    response: Response,
    db: Database,
    token: str,
    now: datetime,
    zone: ZoneInfo,
    lang: str,
    idempotency_key: str | None,
) -> TicketOut:
    # The token is checked by intake itself, just before the ticket is written (service.submit).
    done = service.submit(
        db, body, now, lambda s: caller_for_token(s, token, now), idempotency_key=idempotency_key
    )
    user = done.user
    assert user is not None
    response.headers["Location"] = f"/api/v1/tickets/{done.ticket_id}"
    if done.created:
        routing_queue.notify(request.app.state)
        return queries.new_ticket_detail(done.ticket_id, done.ticket, user, zone, lang)
    response.status_code = 200
    response.headers["Idempotent-Replayed"] = "true"
    with db.read() as s:
        return queries.ticket_detail(s, done.ticket_id, user, zone, lang)


@router.post("/public/tickets", response_model=PublicTicket, status_code=201, tags=["public 公众"])
async def submit_public(
    body: PublicTicketIn,
    request: Request,
    response: Response,
    db: DbDep,
    now: NowDep,
    zone: ZoneDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> PublicTicket:
    """A citizen's own submission (web channel). The answer carries the tracking code to follow it.
    Throttled per address and per phone (429 with `Retry-After`)."""
    throttle, settings, stamp = throttle_of(request), request.app.state.settings, now.timestamp()
    throttle.check("public-phone", body.citizen_phone, settings.rate("public_per_phone"), stamp)
    throttle.hit("public-address", client_address(request), settings.rate("public_per_address"), stamp)
    throttle.add("public-phone", body.citizen_phone, settings.rate("public_per_phone"), stamp)
    return await run_in_threadpool(
        _submit_public, body, request, response, db, now, zone, lang, idempotency_key
    )


def _submit_public(
    body: PublicTicketIn,
    request: Request,
    response: Response,
    db: Database,
    now: datetime,
    zone: ZoneInfo,
    lang: str,
    idempotency_key: str | None,
) -> PublicTicket:
    data = TicketIn(channel=Channel.WEB, **body.model_dump())
    done = service.submit(db, data, now, lambda _s: None, idempotency_key=idempotency_key)
    routing_queue.notify(request.app.state)
    if not done.created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    with db.read() as s:
        return public_ticket(s, done.ticket.tracking_code, zone, lang)
