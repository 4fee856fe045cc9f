"""Public endpoints for citizens: follow a request by its tracking code, or withdraw it."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request

from hotline.config import Settings
from hotline.domain import commands as c
from hotline.domain.errors import forbidden
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import Role
from hotline.sla.deps import DeadlinesDep
from hotline.tickets import service
from hotline.tracking import queries
from hotline.tracking.codes import normalise_tracking_code
from hotline.tracking.schemas import PublicTicket, WithdrawIn
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep
from hotline.web.throttle import client_address, throttle_of

router = APIRouter(prefix="/api/v1/track", tags=["public 公众"])


def _throttled(request: Request, settings: Settings, now: datetime, code: str | None = None) -> None:
    """Look-ups per address; withdrawal attempts (a phone number to guess) also per code."""
    throttle, stamp = throttle_of(request), now.timestamp()
    if code is not None:
        throttle.hit("withdraw-code", code, settings.rate("withdraw_per_code"), stamp)
    throttle.hit("tracking-address", client_address(request), settings.rate("tracking_per_address"), stamp)


@router.get("/{code}", response_model=PublicTicket)
def track(
    code: str, request: Request, db: DbDep, settings: SettingsDep, now: NowDep, zone: ZoneDep, lang: LangDep
) -> PublicTicket:
    _throttled(request, settings, now)
    with db.read() as s:
        return queries.public_ticket(s, normalise_tracking_code(code), zone, lang)


@router.post("/{code}/withdraw", response_model=PublicTicket)
def withdraw(
    code: str,
    body: WithdrawIn,
    request: Request,
    db: DbDep,
    deadlines: DeadlinesDep,
    settings: SettingsDep,
    now: NowDep,
    zone: ZoneDep,
    lang: LangDep,
) -> PublicTicket:
    code = normalise_tracking_code(code)
    _throttled(request, settings, now, code)
    with db.read() as s:
        ticket_id, phone = queries.ticket_id_for_code(s, code)
    if phone is None or phone.replace("-", "") != body.citizen_phone.replace("-", ""):
        raise forbidden("tracking.phone_mismatch")
    reason = body.reason or ("诉求人撤单" if lang == "zh" else "Withdrawn by the citizen")
    service.execute(db, ticket_id, c.Withdraw(reason=reason), Actor(role=Role.CITIZEN), now, deadlines)
    with db.read() as s:
        return queries.public_ticket(s, code, zone, lang)
