"""Follow-up writes: tasks made from approved replies (the worker's sweep), answers that become the
ticket's follow-up and close or reopen it, attempts without an answer, SMS out and replies in.

Tickets do not know this package. The worker sweeps tickets waiting in `reviewed` (through
`tickets.queries.awaiting_follow_up`) and makes one task per ticket and handling round (its reopen
count), idempotently: `UNIQUE(ticket_id, round)` and an insert that skips a row already there, so
two workers or a restarted one never make a second task. An answer runs the ticket's commands
(`tickets.service.execute_in`) and writes the task in one transaction: all or nothing."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.domain import call_script
from hotline.domain import commands as c
from hotline.domain.errors import DomainError, conflict, invalid, not_found
from hotline.domain.ticket import Actor, Ticket
from hotline.domain.vocabulary import FollowUpMethod, Role, Satisfaction
from hotline.followup.adapters import (
    CALL_STATUSES,
    CallGateway,
    CallReport,
    SimulatedCalls,
    SimulatedSms,
    SmsGateway,
    demo_answers,
    parse_reply,
    portal_link,
    sms_text,
)
from hotline.followup.ari import AriCalls
from hotline.followup.dysms import DysmsGateway
from hotline.followup.models import CallRow, FollowUpTaskRow, SmsReplyRow
from hotline.tickets import queries as tickets
from hotline.tickets import service as ticket_service
from hotline.tickets.service import Deadlines

log = logging.getLogger("hotline.followup")

SYSTEM = Actor(role=Role.SYSTEM)
SWEEPER = audit.Actor("followup")  # the worker's sweep: tasks made, exempted, cancelled, SMS sent
SMS = audit.Actor("sms")  # replies called back by the SMS gateway
_T = TypeVar("_T")
_ATTEMPTS = 3  # a concurrency conflict on the ticket is retried on the fresh state, as execute does


class TaskState(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"  # the ticket moved on without this task (followed up or closed elsewhere)
    EXEMPT = "exempt"  # nobody to ask (an anonymous caller)


class Outcome(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong_number"
    UNCLEAR = "unclear"  # an SMS reply that is not three digits: an operator calls instead
    ROBOT_UNCLEAR = "robot_unclear"  # a robot call handed to an operator (invalid keys, hang-up)


ATTEMPT_OUTCOMES = (Outcome.NO_ANSWER, Outcome.REFUSED, Outcome.WRONG_NUMBER)

# Reasons written into the ticket's log when the platform closes or reopens it.
_CLOSE_REASONS = {
    "anonymous": "免回访：匿名来电，无联系电话",
    Outcome.NO_ANSWER: "回访{n}次均未接通，予以办结",
    Outcome.REFUSED: "诉求人拒绝回访，予以办结",
    Outcome.WRONG_NUMBER: "联系电话有误，无法回访，予以办结",
}
REOPEN_UNSATISFIED = "回访不满意，自动重办"
REOPEN_UNSOLVED = "回访问题未解决，自动重办"


_CALL_HOURS = call_script.parse_hours("09:00-12:00,14:00-20:00")
_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Policy:
    """The follow-up settings (HOTLINE_FOLLOWUP_*), the deadline calculator a reopen needs, and the
    SMS gateway in use (None: off)."""

    deadlines: Deadlines
    delay: timedelta = timedelta(hours=2)
    retry: timedelta = timedelta(minutes=120)
    max_attempts: int = 3
    auto_reopen: bool = True
    close_unreached: bool = True
    sms: SmsGateway | None = None
    sms_secret: str = ""
    sms_window_s: int = 300
    calls: CallGateway | None = None
    call_hours: tuple[tuple[time, time], ...] = _CALL_HOURS
    call_secret: str = ""
    zone: ZoneInfo = _ZONE
    public_url: str = ""  # HOTLINE_PUBLIC_URL: the portal link in the SMS

    @classmethod
    def of(
        cls,
        settings: Settings,
        deadlines: Deadlines,
        sms: SmsGateway | None = None,
        calls: CallGateway | None = None,
    ) -> Policy:
        if sms is None and settings.followup_sms_gateway == "simulator":
            sms = SimulatedSms()
        elif sms is None and settings.followup_sms_gateway == "dysms":
            if not (settings.followup_dysms_access_key_id and settings.followup_dysms_template_code):
                raise ValueError("HOTLINE_FOLLOWUP_SMS=dysms needs HOTLINE_FOLLOWUP_DYSMS_* set")
            sms = DysmsGateway(
                access_key_id=settings.followup_dysms_access_key_id,
                access_key_secret=settings.followup_dysms_access_key_secret,
                sign_name=settings.followup_dysms_sign_name,
                template_code=settings.followup_dysms_template_code,
            )
        if calls is None and settings.followup_call_gateway == "simulator":
            calls = SimulatedCalls(answers=demo_answers)
        elif calls is None and settings.followup_call_gateway == "ari":
            if not (settings.followup_ari_url and "{phone}" in settings.followup_ari_endpoint):
                raise ValueError(
                    "HOTLINE_FOLLOWUP_CALLS=ari needs HOTLINE_FOLLOWUP_ARI_URL and _ENDPOINT ({phone})"
                )
            calls = AriCalls(
                url=settings.followup_ari_url,
                user=settings.followup_ari_user,
                password=settings.followup_ari_password,
                endpoint=settings.followup_ari_endpoint,
                app=settings.followup_ari_app,
                caller_id=settings.followup_ari_caller_id,
            )
        return cls(
            deadlines=deadlines,
            delay=timedelta(hours=settings.followup_delay_hours),
            retry=timedelta(minutes=settings.followup_retry_minutes),
            max_attempts=settings.followup_max_attempts,
            auto_reopen=settings.followup_auto_reopen,
            close_unreached=settings.followup_close_unreached,
            sms=sms,
            sms_secret=settings.followup_sms_secret,
            sms_window_s=settings.followup_sms_window_s,
            calls=calls,
            call_hours=call_script.parse_hours(settings.followup_call_hours),
            call_secret=settings.followup_call_secret,
            zone=settings.zone,
            public_url=settings.public_url,
        )


@dataclass
class SweepResult:
    created: int = 0
    exempt: int = 0
    cancelled: int = 0
    sms_sent: int = 0
    calls_placed: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.created or self.exempt or self.cancelled or self.sms_sent or self.calls_placed)


@dataclass(frozen=True)
class Answer:
    """The citizen's answers. ``close_reason``: the centre closes an unhappy answer instead of
    reopening it (e.g. the request is against the law), and says why."""

    contacted: bool
    solved: bool
    satisfaction: Satisfaction
    comment: str | None = None
    method: FollowUpMethod = FollowUpMethod.PHONE
    close_reason: str | None = None

    @property
    def unhappy(self) -> bool:
        return self.satisfaction is Satisfaction.UNSATISFIED or not self.solved


@dataclass(frozen=True)
class Done:
    """What a write did: the task and the ticket's state after it."""

    task_id: int
    ticket_id: int
    state: str
    outcome: str | None
    ticket_status: str | None = None
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _retrying(run: Callable[[], _T]) -> _T:
    for attempt in range(_ATTEMPTS):
        try:
            return run()
        except DomainError as exc:
            if exc.code != "concurrency.conflict" or attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _snapshot(task: FollowUpTaskRow) -> dict[str, Any]:
    return audit.snapshot(task, exclude=("created_at",))


# --- tasks from approved replies ---------------------------------------------------------------


def sweep(
    db: Database,
    now: datetime,
    policy: Policy,
    limit: int = 500,
    clock: Callable[[], datetime] | None = None,
) -> SweepResult:
    """One pass: a task for each newly approved reply, tasks of tickets that moved on cancelled,
    the questions sent by SMS and the robot's calls placed for tasks that fell due (``clock``
    times the calls' results, which may come later)."""
    result = SweepResult()
    with db.read() as s:
        rounds = tickets.reviewed_rounds(s)
        have = _existing(s, {t for t, _ in rounds})
        new = [t for t, r in rounds if (t, r) not in have][:limit]  # the rest on the next pass
        todo = tickets.awaiting_follow_up(s, new)
        dup_contacts = tickets.contacts(s, {d for w in todo if not w.citizen_phone for d in w.duplicate_ids})
    for w in todo:
        made = _create(db, w, dup_contacts, now, policy)
        if made == TaskState.OPEN:
            result.created += 1
        elif made == TaskState.EXEMPT:
            result.exempt += 1
    result.cancelled = _cancel_moved_on(db, now)
    result.sms_sent = send_due_sms(db, now, policy)
    result.calls_placed = place_due_calls(db, now, policy, clock)
    return result


def _existing(s: Session, ticket_ids: set[int], chunk: int = 5000) -> set[tuple[int, int]]:
    """The (ticket, round) pairs that have a task, asked in chunks (SQLite's bound-parameter cap)."""
    ids = sorted(ticket_ids)
    found: set[tuple[int, int]] = set()
    for at in range(0, len(ids), chunk):
        part = ids[at : at + chunk]
        rows = s.execute(
            select(FollowUpTaskRow.ticket_id, FollowUpTaskRow.round).where(
                FollowUpTaskRow.ticket_id.in_(part)
            )
        )
        found.update((t, r) for t, r in rows)
    return found


def _contact(
    w: tickets.AwaitingFollowUp, dups: dict[int, tuple[str | None, str | None]]
) -> tuple[str | None, str | None, int | None]:
    """Who is asked: the incident's own caller; else the first merged duplicate's caller who left a
    number (one follow-up per incident, docs/follow-up.md)."""
    if w.citizen_phone:
        return w.citizen_name, w.citizen_phone, None
    for d in sorted(w.duplicate_ids):
        name, phone = dups.get(d, (None, None))
        if phone:
            return name, phone, d
    return w.citizen_name, None, None


def _create(
    db: Database,
    w: tickets.AwaitingFollowUp,
    dups: dict[int, tuple[str | None, str | None]],
    now: datetime,
    policy: Policy,
) -> TaskState | None:
    name, phone, via = _contact(w, dups)
    state = TaskState.OPEN if phone else TaskState.EXEMPT
    row = {
        "ticket_id": w.id,
        "round": w.round,
        "state": state.value,
        "approved_at": w.approved_at,
        "due_at": w.approved_at + policy.delay,
        "citizen_name": name,
        "phone": phone,
        "contact_ticket_id": via,
        "attempts": 0,
        "reason": None if phone else "anonymous",
        "finished_at": None if phone else now,
        "created_at": now,
    }
    try:
        with db.write() as s:
            insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
            stmt = (
                insert(FollowUpTaskRow).values(**row).on_conflict_do_nothing().returning(FollowUpTaskRow.id)
            )
            task_id = s.scalar(stmt)
            if task_id is None:  # another worker made it first
                return None
            audit.record(
                s,
                SWEEPER,
                f"followup.task.{'created' if phone else 'exempt'}",
                "followup_task",
                task_id,
                at=now,
                after=row,
                note=None if phone else "anonymous",
            )
            if state is TaskState.EXEMPT and policy.close_unreached:
                ticket_service.execute_in(
                    s, w.id, [c.Close(reason=_CLOSE_REASONS["anonymous"])], SYSTEM, now, policy.deadlines
                )
    except DomainError as exc:  # the ticket moved on meanwhile: nothing written; the next pass sees it
        log.info("follow-up task for ticket %s not made: %s", w.id, exc.code)
        return None
    return state


def _cancel_moved_on(db: Database, now: datetime, chunk: int = 5000) -> int:
    """Open tasks whose ticket left `reviewed` for that round (followed up over the API, closed by
    the centre, reopened) are cancelled: nobody calls about a finished matter. Read first; the write
    transaction is opened only when there is something to cancel."""
    with db.read() as s:
        open_tasks = s.execute(
            select(FollowUpTaskRow.id, FollowUpTaskRow.ticket_id, FollowUpTaskRow.round).where(
                FollowUpTaskRow.state == TaskState.OPEN.value
            )
        ).all()
        now_of: dict[int, tuple[str, int]] = {}
        ticket_ids = sorted({t.ticket_id for t in open_tasks})
        for at in range(0, len(ticket_ids), chunk):
            now_of.update(tickets.statuses(s, ticket_ids[at : at + chunk]))
    gone = [t.id for t in open_tasks if now_of.get(t.ticket_id) != ("reviewed", t.round)]
    if not gone:
        return 0
    cancelled = 0
    with db.write() as s:
        rows = s.scalars(
            select(FollowUpTaskRow).where(
                FollowUpTaskRow.id.in_(gone), FollowUpTaskRow.state == TaskState.OPEN.value
            )
        ).all()
        again = tickets.statuses(s, {t.ticket_id for t in rows})
        for task in rows:
            if again.get(task.ticket_id) == ("reviewed", task.round):  # its ticket is waiting again: keep it
                continue
            before = _snapshot(task)
            task.state, task.finished_at = TaskState.CANCELLED.value, now
            s.flush()
            audit.record(
                s,
                SWEEPER,
                "followup.task.cancelled",
                "followup_task",
                task.id,
                at=now,
                before=before,
                after=_snapshot(task),
                note=f"ticket {again.get(task.ticket_id, ('?', 0))[0]}",
            )
            cancelled += 1
    return cancelled


# --- answers and attempts ----------------------------------------------------------------------


def _open_task(s: Session, task_id: int) -> FollowUpTaskRow:
    task = s.scalars(select(FollowUpTaskRow).where(FollowUpTaskRow.id == task_id).with_for_update()).first()
    if task is None:
        raise not_found("followup.not_found")
    if task.state != TaskState.OPEN.value:
        raise conflict("followup.finished", state=task.state)
    return task


def _ticket_commands(ans: Answer, policy: Policy) -> list[c.Command]:
    commands: list[c.Command] = [
        c.RecordFollowUp(
            contacted=ans.contacted,
            solved=ans.solved,
            satisfaction=ans.satisfaction,
            method=ans.method,
            note=ans.comment,
        )
    ]
    if not ans.unhappy:
        commands.append(c.Close())
    elif ans.close_reason:
        commands.append(c.Close(reason=ans.close_reason))
    elif policy.auto_reopen:
        unsatisfied = ans.satisfaction is Satisfaction.UNSATISFIED
        commands.append(c.Reopen(reason=REOPEN_UNSATISFIED if unsatisfied else REOPEN_UNSOLVED))
    return commands


def answer_in(
    s: Session, task_id: int, ans: Answer, actor: Actor, who: audit.Actor, now: datetime, policy: Policy
) -> tuple[FollowUpTaskRow, Ticket]:
    """Record the answer in the caller's transaction: the ticket's follow-up (and its close or
    reopen) and the finished task."""
    if ans.close_reason is not None and not ans.close_reason.strip():
        raise invalid("close.reason_required", field="close_reason")
    task = _open_task(s, task_id)
    before = _snapshot(task)
    after = ticket_service.execute_in(
        s, task.ticket_id, _ticket_commands(ans, policy), actor, now, policy.deadlines
    )
    task.state, task.outcome, task.last_outcome = (
        TaskState.DONE.value,
        Outcome.ANSWERED.value,
        Outcome.ANSWERED.value,
    )
    task.attempts += 1
    task.last_attempt_at = task.finished_at = now
    task.finished_by_user_id = actor.user_id
    task.method = ans.method.value
    task.contacted, task.solved, task.satisfaction = ans.contacted, ans.solved, ans.satisfaction.value
    task.comment = ans.comment
    s.flush()
    audit.record(
        s,
        who,
        "followup.task.answered",
        "followup_task",
        task.id,
        at=now,
        before=before,
        after=_snapshot(task),
        note=after.status.value,
    )
    return task, after


def answer(
    db: Database, task_id: int, ans: Answer, actor: Actor, who: audit.Actor, now: datetime, policy: Policy
) -> Done:
    """An operator's (or the portal's) answer: one transaction, retried on a concurrent change."""

    def run() -> Done:
        with db.write() as s:
            task, after = answer_in(s, task_id, ans, actor, who, now, policy)
            return Done(task.id, task.ticket_id, task.state, task.outcome, after.status.value)

    return _retrying(run)


PORTAL = audit.Actor("portal")  # the citizen's answer on the portal (with the code and digits)


def answer_on_portal(db: Database, ticket_id: int, ans: Answer, now: datetime, policy: Policy) -> Done | None:
    """The citizen answers on the portal: the ticket's open task is answered (method portal) and
    closes or reopens the ticket as any answer does; None when the ticket has no open task (the
    portal then records the rating alone)."""
    with db.read() as s:
        task_id = s.scalar(
            select(FollowUpTaskRow.id).where(
                FollowUpTaskRow.ticket_id == ticket_id, FollowUpTaskRow.state == TaskState.OPEN.value
            )
        )
    if task_id is None:
        return None
    return answer(db, task_id, replace(ans, method=FollowUpMethod.PORTAL), SYSTEM, PORTAL, now, policy)


def record_attempt(
    db: Database,
    task_id: int,
    outcome: Outcome,
    actor: Actor,
    who: audit.Actor,
    now: datetime,
    policy: Policy,
    retry_in: timedelta | None = None,
    note: str | None = None,
) -> Done:
    """A call that got no answer: tried again later (``retry_in``, else the policy's) until the
    attempts run out. Refused or a wrong number ends the task at once. A task given up closes its
    ticket with the reason (HOTLINE_FOLLOWUP_CLOSE_UNREACHED)."""
    if outcome not in ATTEMPT_OUTCOMES:
        raise invalid("followup.outcome", field="outcome")

    def run() -> Done:
        with db.write() as s:
            task = _open_task(s, task_id)
            return _attempt_in(s, task, outcome, actor, who, now, policy, retry_in, note)

    return _retrying(run)


def _attempt_in(
    s: Session,
    task: FollowUpTaskRow,
    outcome: Outcome,
    actor: Actor,
    who: audit.Actor,
    now: datetime,
    policy: Policy,
    retry_in: timedelta | None = None,
    note: str | None = None,
) -> Done:
    """The attempt in the caller's transaction, on the task it has locked."""
    before = _snapshot(task)
    task.attempts += 1
    task.last_outcome, task.last_attempt_at = outcome.value, now
    status = None
    if outcome is Outcome.NO_ANSWER and task.attempts < policy.max_attempts:
        task.due_at = now + (retry_in or policy.retry)
    else:
        task.state, task.outcome, task.finished_at = TaskState.DONE.value, outcome.value, now
        task.finished_by_user_id = actor.user_id
        task.reason = note
        if policy.close_unreached:
            reason = _CLOSE_REASONS[outcome].format(n=task.attempts)
            after = ticket_service.execute_in(
                s, task.ticket_id, [c.Close(reason=reason)], actor, now, policy.deadlines
            )
            status = after.status.value
    s.flush()
    audit.record(
        s,
        who,
        f"followup.attempt.{outcome.value}",
        "followup_task",
        task.id,
        at=now,
        before=before,
        after=_snapshot(task),
        note=note,
    )
    return Done(task.id, task.ticket_id, task.state, task.outcome, status)


# --- SMS ---------------------------------------------------------------------------------------


def send_due_sms(db: Database, now: datetime, policy: Policy, limit: int = 100) -> int:
    """Send the questions to each due task not yet texted. The task is marked first and the text
    sent after the commit: at most one message per task, even with several workers (row locks,
    SKIP LOCKED); a gateway that fails leaves the task to the operator."""
    if policy.sms is None:
        return 0
    unsent = (
        FollowUpTaskRow.state == TaskState.OPEN.value,
        FollowUpTaskRow.due_at <= now,
        FollowUpTaskRow.sms_sent_at.is_(None),
        FollowUpTaskRow.phone.is_not(None),
    )
    with db.read() as s:  # most passes find nothing: no write transaction for them
        if s.scalar(select(FollowUpTaskRow.id).where(*unsent).limit(1)) is None:
            return 0
    with db.write() as s:
        due = s.scalars(
            select(FollowUpTaskRow)
            .where(*unsent)
            .order_by(FollowUpTaskRow.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        codes = {i: b.tracking_code for i, b in tickets.briefs(s, {t.ticket_id for t in due}).items()}
        out = []
        for task in due:
            task.sms_message_id, task.sms_sent_at = f"fu{task.id}-{secrets.token_hex(6)}", now
            code = codes.get(task.ticket_id, "")
            link = portal_link(policy.public_url, code)
            values = {"code": code, "url": link}
            out.append((task.sms_message_id, task.phone or "", sms_text(code, link), values))
            audit.record(
                s,
                SWEEPER,
                "followup.sms.sent",
                "followup_task",
                task.id,
                at=now,
                after={"message_id": task.sms_message_id},
            )
    for message_id, phone, text, values in out:
        try:
            policy.sms.send(message_id, phone, text, values)
        except Exception:  # the gateway's failure must not stop the worker; the operator calls
            log.exception("SMS %s not sent", message_id)
    return len(out)


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())[-11:]


def receive_sms(
    db: Database, message_id: str, reply_to: str, phone: str, text: str, now: datetime, policy: Policy
) -> Done:
    """A reply the gateway called back with (its signature already checked). Idempotent by the
    gateway's ``message_id``: a retried callback answers as the first did and records nothing more.
    Three digits answer the task; anything else is kept and left to an operator."""
    earlier = _earlier_reply(db, message_id)
    if earlier is not None:
        return earlier

    def run() -> Done:
        with db.write() as s:
            task = s.scalars(
                select(FollowUpTaskRow).where(FollowUpTaskRow.sms_message_id == reply_to).with_for_update()
            ).first()
            if task is None:
                raise not_found("followup.sms_unknown", field="reply_to")
            if _digits(phone) != _digits(task.phone or ""):
                raise invalid("followup.sms_phone", field="phone")
            if task.state != TaskState.OPEN.value:
                raise conflict("followup.finished", state=task.state)
            parsed = parse_reply(text)
            result = Outcome.ANSWERED if parsed else Outcome.UNCLEAR
            s.add(
                SmsReplyRow(
                    message_id=message_id,
                    task_id=task.id,
                    phone=phone,
                    text=text,
                    result=result.value,
                    received_at=now,
                )
            )
            s.flush()  # a concurrent copy of this callback stops here (unique message id)
            if parsed is None:
                before = _snapshot(task)
                task.last_outcome, task.last_attempt_at = Outcome.UNCLEAR.value, now
                s.flush()
                audit.record(
                    s,
                    SMS,
                    "followup.sms.unclear",
                    "followup_task",
                    task.id,
                    at=now,
                    before=before,
                    after=_snapshot(task),
                    note=text,
                )
                return Done(task.id, task.ticket_id, task.state, None, extra={"result": result.value})
            ans = Answer(parsed.contacted, parsed.solved, parsed.satisfaction, method=FollowUpMethod.SMS)
            task, after = answer_in(s, task.id, ans, SYSTEM, SMS, now, policy)
            return Done(
                task.id,
                task.ticket_id,
                task.state,
                task.outcome,
                after.status.value,
                extra={"result": result.value},
            )

    try:
        return _retrying(run)
    except IntegrityError:
        found = _earlier_reply(db, message_id)
        if found is None:
            raise
        return found


def _earlier_reply(db: Database, message_id: str) -> Done | None:
    with db.read() as s:
        row = s.execute(
            select(
                SmsReplyRow.result,
                FollowUpTaskRow.id,
                FollowUpTaskRow.ticket_id,
                FollowUpTaskRow.state,
                FollowUpTaskRow.outcome,
            )
            .join(FollowUpTaskRow, FollowUpTaskRow.id == SmsReplyRow.task_id)
            .where(SmsReplyRow.message_id == message_id)
        ).first()
        if row is None:
            return None
        status = tickets.statuses(s, {row.ticket_id}).get(row.ticket_id, (None, 0))[0]
    return Done(
        row.id, row.ticket_id, row.state, row.outcome, status, replayed=True, extra={"result": row.result}
    )


# --- robot calls -------------------------------------------------------------------------------

ROBOT = audit.Actor("robot")  # the robot call campaign and its results
CALL_LOST = timedelta(hours=1)  # a placed call never reported is given up on after this


class CallState(StrEnum):
    PLACED = "placed"
    ANSWERED = "answered"
    UNCLEAR = "unclear"
    NO_ANSWER = "no_answer"


def _calls_busy(now: datetime) -> Any:
    """A task the robot leaves alone: a call of it in flight, or handed to an operator."""
    return (
        select(CallRow.id)
        .where(
            CallRow.task_id == FollowUpTaskRow.id,
            (CallRow.state == CallState.UNCLEAR.value)
            | ((CallRow.state == CallState.PLACED.value) & (CallRow.placed_at > now - CALL_LOST)),
        )
        .exists()
    )


def next_call_at(now: datetime, policy: Policy, after: timedelta) -> datetime:
    """When an unanswered call is tried again: ``after`` from now, moved into calling hours."""
    local = (now + after).astimezone(policy.zone)
    return call_script.next_call_time(local, policy.call_hours).astimezone(now.tzinfo)


def place_due_calls(
    db: Database,
    now: datetime,
    policy: Policy,
    clock: Callable[[], datetime] | None = None,
    limit: int = 50,
) -> int:
    """The robot's campaign: call each open task that is due, has a number and no call in flight,
    within calling hours only. The call is recorded first and placed after the commit (SKIP
    LOCKED: several workers never call one citizen twice at once); its report comes back to
    `record_call_result`, now or later."""
    if policy.calls is None or not call_script.in_hours(now.astimezone(policy.zone), policy.call_hours):
        return 0
    due = (
        FollowUpTaskRow.state == TaskState.OPEN.value,
        FollowUpTaskRow.due_at <= now,
        FollowUpTaskRow.phone.is_not(None),
        ~_calls_busy(now),
    )
    with db.read() as s:
        if s.scalar(select(FollowUpTaskRow.id).where(*due).limit(1)) is None:
            return 0
    with db.write() as s:
        tasks = s.scalars(
            select(FollowUpTaskRow)
            .where(*due)
            .order_by(FollowUpTaskRow.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        out = []
        for task in tasks:
            call = CallRow(
                call_id=f"call{task.id}-{secrets.token_hex(6)}",
                task_id=task.id,
                phone=task.phone or "",
                state=CallState.PLACED.value,
                placed_at=now,
            )
            s.add(call)
            s.flush()
            audit.record(
                s,
                ROBOT,
                "followup.call.placed",
                "followup_task",
                task.id,
                at=now,
                after={"call_id": call.call_id},
            )
            out.append((call.call_id, call.phone))
    gateway, when = policy.calls, clock or (lambda: now)

    def report(r: CallReport) -> None:
        try:
            record_call_result(db, r.call_id, r.status, r.keys, when(), policy)
        except DomainError as exc:  # e.g. the operator answered first: the robot's answer is refused
            log.info("robot call %s result not recorded: %s", r.call_id, exc.code)

    for call_id, phone in out:
        try:
            gateway.call(call_id, phone, report)
        except Exception:  # the telephony's failure must not stop the worker: an unanswered call
            log.exception("robot call %s not placed", call_id)
            report(CallReport(call_id, "failed"))
    return len(out)


def record_call_result(
    db: Database, call_id: str, status: str, keys: str, now: datetime, policy: Policy
) -> Done:
    """A robot call's report: its keys replayed through the call script. Answered → the
    follow-up (method robot) closes or reopens the ticket as an operator's answer does; unclear →
    the task stays open for an operator with the script's note; no answer, busy or failed → tried
    again at the next calling time until the attempts run out. Idempotent by ``call_id``: a
    retried report answers as the first did and records nothing more. A finished task: 409."""
    if status not in CALL_STATUSES:
        raise invalid("followup.call_status", field="status")
    if not call_script.valid_keys(keys) or len(keys) > 64:
        raise invalid("followup.call_keys", field="keys")

    def run() -> Done:
        with db.write() as s:
            call = s.scalars(select(CallRow).where(CallRow.call_id == call_id).with_for_update()).first()
            if call is None:
                raise not_found("followup.call_unknown", field="call_id")
            if call.state != CallState.PLACED.value:
                task = s.get(FollowUpTaskRow, call.task_id)
                assert task is not None
                ticket_status = tickets.statuses(s, {task.ticket_id}).get(task.ticket_id, (None, 0))[0]
                return Done(
                    task.id,
                    task.ticket_id,
                    task.state,
                    task.outcome,
                    ticket_status,
                    replayed=True,
                    extra={"result": call.state},
                )
            task = _open_task(s, call.task_id)
            call.status, call.keys, call.finished_at = status, keys, now
            if status != "answered":
                call.state = CallState.NO_ANSWER.value
                s.flush()
                retry = next_call_at(now, policy, policy.retry) - now
                done = _attempt_in(
                    s, task, Outcome.NO_ANSWER, SYSTEM, ROBOT, now, policy, retry, f"robot {status}"
                )
                return Done(**{**done.__dict__, "extra": {"result": call.state}})
            script = call_script.run(keys)
            if script.result is call_script.Result.UNCLEAR:
                call.state, call.note = CallState.UNCLEAR.value, script.note
                before = _snapshot(task)
                task.last_outcome, task.last_attempt_at = Outcome.ROBOT_UNCLEAR.value, now
                task.attempts += 1
                s.flush()
                audit.record(
                    s,
                    ROBOT,
                    "followup.call.unclear",
                    "followup_task",
                    task.id,
                    at=now,
                    before=before,
                    after=_snapshot(task),
                    note=script.note,
                )
                return Done(task.id, task.ticket_id, task.state, None, extra={"result": call.state})
            call.state = CallState.ANSWERED.value
            s.flush()
            ans = Answer(script.contacted, script.solved, script.satisfaction, method=FollowUpMethod.ROBOT)
            task, after = answer_in(s, task.id, ans, SYSTEM, ROBOT, now, policy)
            return Done(
                task.id,
                task.ticket_id,
                task.state,
                task.outcome,
                after.status.value,
                extra={"result": call.state},
            )

    return _retrying(run)
