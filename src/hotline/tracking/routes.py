"""Public endpoints for citizens: follow a request by its tracking code, or withdraw it."""

from __future__ import annotations

from fastapi import APIRouter

from hotline.domain import commands as c
from hotline.domain.errors import forbidden
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import Role
from hotline.sla.deps import DeadlinesDep
from hotline.tickets import service
from hotline.tracking import queries
from hotline.tracking.codes import normalise_tracking_code
from hotline.tracking.schemas import PublicTicket, WithdrawIn
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep

router = APIRouter(prefix="/api/v1/track", tags=["public 公众"])


@router.get("/{code}", response_model=PublicTicket)
def track(code: str, db: DbDep, zone: ZoneDep, lang: LangDep) -> PublicTicket:
    with db.read() as s:
        return queries.public_ticket(s, normalise_tracking_code(code), zone, lang)


@router.post("/{code}/withdraw", response_model=PublicTicket)
def withdraw(
    code: str, body: WithdrawIn, db: DbDep, deadlines: DeadlinesDep, now: NowDep, zone: ZoneDep, lang: LangDep
) -> PublicTicket:
    code = normalise_tracking_code(code)
    with db.read() as s:
        ticket_id, phone = queries.ticket_id_for_code(s, code)
    if phone is None or phone.replace("-", "") != body.citizen_phone.replace("-", ""):
        raise forbidden("tracking.phone_mismatch")
    reason = body.reason or ("诉求人撤单" if lang == "zh" else "Withdrawn by the citizen")
    service.execute(db, ticket_id, c.Withdraw(reason=reason), Actor(role=Role.CITIZEN), now, deadlines)
    with db.read() as s:
        return queries.public_ticket(s, code, zone, lang)
