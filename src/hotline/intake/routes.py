"""POST a new request: staff on any channel, or a citizen through the public portal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from hotline.domain.ticket import Actor, Context
from hotline.domain.vocabulary import Channel, Role
from hotline.intake import service
from hotline.intake.schemas import PublicTicketIn, TicketIn
from hotline.routing.intake_hook import on_intake
from hotline.routing.schemas import TicketWithRouting
from hotline.tickets import queries
from hotline.tracking.queries import public_ticket
from hotline.tracking.schemas import PublicTicket
from hotline.web.deps import DbDep, LangDep, NowDep, UserDep, ZoneDep

router = APIRouter(prefix="/api/v1", tags=["intake 受理"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=200, description="Retry with the same key to get the same ticket."
    ),
]


@router.post("/tickets", response_model=TicketWithRouting, status_code=201)
def submit(
    body: TicketIn,
    request: Request,
    response: Response,
    db: DbDep,
    user: UserDep,
    now: NowDep,
    zone: ZoneDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> TicketWithRouting:
    ctx = Context(actor=user.actor, now=now)
    done = service.submit(
        db, body, ctx, created_by=user.id, idempotency_key=idempotency_key, scope=f"user:{user.id}"
    )
    response.headers["Location"] = f"/api/v1/tickets/{done.ticket_id}"
    if not done.created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    routing = on_intake(
        request, done.ticket_id, done.created, now, lang, zone
    )  # issue 4: route, maybe dispatch
    with db.read() as s:
        detail = queries.ticket_detail(s, done.ticket_id, user, zone, lang)
    return TicketWithRouting(**detail.model_dump(), routing=routing)


@router.post("/public/tickets", response_model=PublicTicket, status_code=201, tags=["public 公众"])
def submit_public(
    body: PublicTicketIn,
    request: Request,
    response: Response,
    db: DbDep,
    now: NowDep,
    zone: ZoneDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> PublicTicket:
    """A citizen's own submission (web channel). The answer carries the tracking code to follow it."""
    data = TicketIn(channel=Channel.WEB, **body.model_dump())
    ctx = Context(actor=Actor(role=Role.CITIZEN), now=now)
    done = service.submit(db, data, ctx, created_by=None, idempotency_key=idempotency_key, scope="public")
    on_intake(request, done.ticket_id, done.created, now, lang, zone)  # issue 4: route, maybe dispatch
    if not done.created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    with db.read() as s:
        return public_ticket(s, done.ticket.tracking_code, zone, lang)
