"""Follow-up over HTTP: the queue and answers for the centre desk (operators, dispatchers), and the
SMS gateway's signed reply callback."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from hotline.audit import service as audit
from hotline.auth.deps import UserDep
from hotline.auth.service import CurrentUser
from hotline.db.engine import Database
from hotline.domain.errors import forbidden, unauthorized
from hotline.domain.vocabulary import Role
from hotline.followup import adapters, queries, service
from hotline.followup import schemas as s
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.numbers import Id

router = APIRouter(prefix="/api/v1/follow-ups", tags=["follow-up 回访"])

DESK_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER})


def policy_of(request: Request) -> service.Policy:
    return request.app.state.wiring.followup  # type: ignore[no-any-return]


PolicyDep = Annotated[service.Policy, Depends(policy_of)]


def desk_only(user: CurrentUser) -> CurrentUser:
    if user.role not in DESK_ROLES:
        raise forbidden("permission.followup")
    return user


def task_out(v: queries.TaskView) -> s.TaskOut:
    return s.TaskOut(
        id=v.id,
        ticket_id=v.ticket_id,
        ticket_number=v.number,
        round=v.round,
        state=v.state,
        due_at=v.due_at,
        due=v.due,
        citizen_name=v.citizen_name,
        phone=v.phone,
        attempts=v.attempts,
        last_outcome=v.last_outcome,
        outcome=v.outcome,
        reason=v.reason,
        sms_sent_at=v.sms_sent_at,
        contacted=v.contacted,
        solved=v.solved,
        satisfaction=v.satisfaction,
        comment=v.comment,
        finished_at=v.finished_at,
        call_notes=list(v.call_notes),
    )


def done_out(d: service.Done) -> s.DoneOut:
    return s.DoneOut(
        task_id=d.task_id,
        ticket_id=d.ticket_id,
        state=d.state,
        outcome=d.outcome,
        ticket_status=d.ticket_status,
        replayed=d.replayed,
        result=d.extra.get("result"),
    )


@router.get("", response_model=s.QueueOut)
def follow_up_queue(db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep, lang: LangDep) -> s.QueueOut:
    """Open follow-up tasks: due ones first (longest waiting first), then those not yet due."""
    desk_only(user)
    with db.read() as session:
        q = queries.queue(session, now, zone, lang)
    return s.QueueOut(
        due=[task_out(v) for v in q.due],
        upcoming=[task_out(v) for v in q.upcoming],
        due_total=q.due_total,
        upcoming_total=q.upcoming_total,
    )


@router.get("/{task_id}", response_model=s.TaskOut)
def follow_up_task(
    task_id: Id, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep, lang: LangDep
) -> s.TaskOut:
    desk_only(user)
    with db.read() as session:
        return task_out(queries.task(session, task_id, now, zone, lang))


def record_answer(
    db: Database, task_id: int, body: s.AnswerIn, user: CurrentUser, now: datetime, policy: service.Policy
) -> service.Done:
    """The desk's answer, from the API or the page."""
    desk_only(user)
    ans = service.Answer(
        contacted=body.contacted,
        solved=body.solved,
        satisfaction=body.satisfaction,
        comment=body.comment or None,
        close_reason=body.close_reason,
    )
    return service.answer(db, task_id, ans, user.actor, audit.Actor.of(user), now, policy)


def record_attempt(
    db: Database, task_id: int, body: s.AttemptIn, user: CurrentUser, now: datetime, policy: service.Policy
) -> service.Done:
    """The desk's call without an answer, from the API or the page."""
    desk_only(user)
    retry = None if body.retry_in_minutes is None else timedelta(minutes=body.retry_in_minutes)
    outcome = service.Outcome(body.outcome.value)
    who = audit.Actor.of(user)
    return service.record_attempt(
        db, task_id, outcome, user.actor, who, now, policy, retry_in=retry, note=body.note or None
    )


@router.post("/{task_id}/answer", response_model=s.DoneOut)
def answer(
    task_id: Id, body: s.AnswerIn, db: DbDep, user: UserDep, now: NowDep, policy: PolicyDep
) -> s.DoneOut:
    """The citizen's answers (回访结果): recorded as the ticket's follow-up; satisfied or fairly
    satisfied and solved closes the ticket, otherwise it is reopened to the same lead unit (or
    closed with `close_reason`). A finished task is 409 `followup.finished`."""
    return done_out(record_answer(db, task_id, body, user, now, policy))


@router.post("/{task_id}/attempt", response_model=s.DoneOut)
def attempt(
    task_id: Id, body: s.AttemptIn, db: DbDep, user: UserDep, now: NowDep, policy: PolicyDep
) -> s.DoneOut:
    """A call without an answer: no answer (called again later), refused, or a wrong number."""
    return done_out(record_attempt(db, task_id, body, user, now, policy))


@router.post(
    "/sms/replies",
    response_model=s.DoneOut,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": s.SmsReplyIn.model_json_schema()}}}
    },
)
async def sms_reply(request: Request, db: DbDep, now: NowDep, policy: PolicyDep) -> s.DoneOut:
    """The SMS gateway calls back with a citizen's reply. Signed: `X-Hotline-Timestamp` (Unix
    seconds) and `X-Hotline-Signature` = hex HMAC-SHA256(secret, timestamp + "." + body); a bad or
    missing signature is 401 `followup.sms_signature`, a timestamp outside the window 401
    `followup.sms_stale`. Idempotent by `message_id`."""
    raw = await request.body()
    body = _signed(raw, request, now, policy.sms_secret, policy.sms_window_s, "sms", s.SmsReplyIn)
    done = await run_in_threadpool(
        service.receive_sms, db, body.message_id, body.reply_to, body.phone, body.text, now, policy
    )
    return done_out(done)


_B = TypeVar("_B", bound=BaseModel)


def _signed(
    raw: bytes, request: Request, now: datetime, secret: str, window_s: int, what: str, model: type[_B]
) -> _B:
    """A signed callback's body: 401 `followup.<what>_signature` / `_stale`, 422 when malformed."""
    stamp = request.headers.get(adapters.TIMESTAMP_HEADER)
    if not adapters.signature_ok(secret, stamp, request.headers.get(adapters.SIGNATURE_HEADER), raw):
        raise unauthorized(f"followup.{what}_signature")
    if not adapters.fresh(stamp, now, window_s):
        raise unauthorized(f"followup.{what}_stale")
    try:
        return model.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        errors = (
            exc.errors()
            if isinstance(exc, ValidationError)
            else [{"type": "json_invalid", "loc": ("body",), "msg": "not JSON", "input": None}]
        )
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


@router.post(
    "/calls/results",
    response_model=s.DoneOut,
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": s.CallResultIn.model_json_schema()}}}
    },
)
async def call_result(request: Request, db: DbDep, now: NowDep, policy: PolicyDep) -> s.DoneOut:
    """The telephony reports how a robot call ended: `{call_id, status, keys}`. Signed as the SMS
    replies are, with `HOTLINE_FOLLOWUP_CALL_SECRET` (401 `followup.call_signature` /
    `followup.call_stale`). The keys are replayed through the call script; idempotent by
    `call_id`; a finished task is 409 `followup.finished`."""
    raw = await request.body()
    body = _signed(raw, request, now, policy.call_secret, policy.sms_window_s, "call", s.CallResultIn)
    done = await run_in_threadpool(
        service.record_call_result, db, body.call_id, body.status, body.keys, now, policy
    )
    return done_out(done)
