"""Deadlines in the workflow: set at dispatch from the policy, carried in the events, recorded by the
sweeper's command at most once per deadline — hand-worked with the real Chinese calendar.

All instants are CST (Asia/Shanghai). Office hours 08:30–17:30. Default policy: acknowledge 30m,
contact 1wd, reply 3wd; emergency contact 30m and reply 1wd; complex reply 7wd.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.domain import commands as c
from hotline.domain import events as e
from hotline.domain.deadlines import DEFAULT_POLICY
from hotline.domain.errors import DomainError, ErrorKind
from hotline.domain.ticket import (
    Actor,
    Context,
    Recorded,
    Ticket,
    due_records,
    handle,
    next_check_at,
    replay,
    step_open,
)
from hotline.domain.vocabulary import Channel, DeadlineOutcome, DeadlineStep, Kind, Role, Urgency
from hotline.sla.calculator import PolicyDeadlines, SlaSettings
from tests.unit.workflow_helpers import (
    CENTRE,
    DISTRICT,
    STREET,
    TREE,
    dispatcher,
    handler,
    operator,
    supervisor,
)

CST = ZoneInfo("Asia/Shanghai")
CALC = PolicyDeadlines(DEFAULT_POLICY, SlaSettings.of("cn", "Asia/Shanghai"))
SYSTEM = Actor(Role.SYSTEM)
ACK, CONTACT, REPLY = DeadlineStep.ACKNOWLEDGE, DeadlineStep.CONTACT, DeadlineStep.REPLY
WARNING, OVERDUE = DeadlineOutcome.WARNING, DeadlineOutcome.OVERDUE


def cst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=CST)


@dataclass
class Flow:
    """One ticket driven through `handle` with a deadline calculator; the test sets the clock."""

    now: datetime
    ticket: Ticket | None = None
    log: list[Recorded] = field(default_factory=list)

    @property
    def t(self) -> Ticket:
        assert self.ticket is not None
        return self.ticket

    def do(self, actor: Actor, command: c.Command, at: datetime | None = None) -> list[Recorded]:
        self.now = at or self.now
        ctx = Context(actor=actor, now=self.now, units=TREE, centre_unit=CENTRE, deadlines=CALC)
        self.ticket, records = handle(self.ticket, command, ctx)
        self.log.extend(records)
        return records

    def refuse(self, actor: Actor, command: c.Command, code: str, at: datetime | None = None) -> None:
        before = self.ticket
        with pytest.raises(DomainError) as info:
            self.do(actor, command, at)
        assert info.value.code == code and info.value.kind is ErrorKind.CONFLICT, repr(info.value)
        assert self.ticket is before

    def sweep(self, at: datetime, superiors: dict[int, int] | None = None) -> list[str]:
        """What the sweeper would do at ``at``: record everything due, return the tags."""
        tags: list[str] = []
        for cmd in due_records(self.t, at, superiors=superiors):
            tags += [r.event.TAG for r in self.do(SYSTEM, cmd, at)]
        return tags


def dispatched(
    at: datetime,
    urgency: Urgency = Urgency.NORMAL,
    complex_: bool = False,
    lead: int = DISTRICT,
    assists: tuple[int, ...] = (),
) -> Flow:
    f = Flow(now=at - timedelta(minutes=5))
    f.do(
        operator(),
        c.SubmitTicket(
            channel=Channel.PHONE,
            kind=Kind.COMPLAINT,
            content="路灯坏了",
            tracking_code="T1",
            urgency=urgency,
        ),
    )
    f.do(dispatcher(), c.Dispatch(lead_unit=lead, assist_units=assists, complex=complex_), at)
    return f


def due(f: Flow, no: int, step: DeadlineStep) -> tuple[str, datetime, datetime | None]:
    d = f.t.assignment(no).deadline(step)
    assert d is not None
    return d.limit, d.due_at.astimezone(CST), d.warn_at.astimezone(CST) if d.warn_at else None


# --- set at dispatch -----------------------------------------------------------------------------


def test_an_ordinary_ticket_dispatched_on_friday_1730_before_national_day_2024() -> None:
    # Fri 2024-09-27 17:30. Acknowledge 30m → 18:00 (warning at 80 % = 24 min → 17:54).
    # Contact 1wd → Sun Sep 29 (调休 working day) 17:30; all 9 office hours of that day count,
    # 80 % = 7.2 h → 15:42. Reply 3wd → Sep 29, Sep 30, Oct 8 → Oct 8 17:30; warning 12:06.
    f = dispatched(cst(2024, 9, 27, 17, 30))
    assert due(f, 1, ACK) == ("30m", cst(2024, 9, 27, 18, 0), cst(2024, 9, 27, 17, 54))
    assert due(f, 1, CONTACT) == ("1wd", cst(2024, 9, 29, 17, 30), cst(2024, 9, 29, 15, 42))
    assert due(f, 1, REPLY) == ("3wd", cst(2024, 10, 8, 17, 30), cst(2024, 10, 8, 12, 6))
    assert f.t.assignment(1).reply_due_at == cst(2024, 10, 8, 17, 30)
    assert next_check_at(f.t.assignment(1)) == cst(2024, 9, 27, 17, 54)


def test_an_emergency_must_be_on_site_in_30_minutes_and_replied_in_one_working_day() -> None:
    # Sat 2026-11-21 22:10 (a weekend night): contact is wall-clock (22:40), reply 1wd → Mon 23 17:30.
    f = dispatched(cst(2026, 11, 21, 22, 10), urgency=Urgency.EMERGENCY)
    assert due(f, 1, ACK)[:2] == ("30m", cst(2026, 11, 21, 22, 40))
    assert due(f, 1, CONTACT)[:2] == ("30m", cst(2026, 11, 21, 22, 40))
    assert due(f, 1, REPLY)[:2] == ("1wd", cst(2026, 11, 23, 17, 30))


def test_a_complex_ticket_gets_seven_working_days() -> None:
    # Mon 2026-11-23 10:00 + 7wd → Tue 24 … Wed Dec 2 → due Wed Dec 2 17:30.
    f = dispatched(cst(2026, 11, 23, 10), complex_=True)
    assert f.t.complex
    assert due(f, 1, REPLY)[:2] == ("7wd", cst(2026, 12, 2, 17, 30))


def test_replaying_the_log_gives_the_same_deadlines_whatever_the_policy_says_later() -> None:
    f = dispatched(cst(2024, 9, 27, 17, 30))
    f.sweep(cst(2024, 9, 27, 17, 55))
    again = replay(f.log)
    assert again.assignment(1).deadlines == f.t.assignment(1).deadlines
    dispatch_event = f.log[1].event
    assert isinstance(dispatch_event, e.TicketDispatched)
    assert [d.step for d in dispatch_event.assignments[0].deadlines] == ["acknowledge", "contact", "reply"]


def test_without_a_calculator_no_deadlines_are_set() -> None:
    f = Flow(now=cst(2026, 11, 23, 10))
    submit = c.SubmitTicket(channel=Channel.PHONE, kind=Kind.HELP, content="问", tracking_code="T2")
    ctx = Context(actor=operator(), now=f.now, units=TREE, centre_unit=CENTRE)
    t, _ = handle(None, submit, ctx)
    t, _ = handle(t, c.Dispatch(lead_unit=DISTRICT), Context(dispatcher(), f.now, TREE, CENTRE))
    assert t.assignment(1).deadlines == () and next_check_at(t.assignment(1)) is None
    assert due_records(t, f.now + timedelta(days=30)) == []


# --- recorded by the sweeper ---------------------------------------------------------------------


def test_warning_then_overdue_then_nothing_more_for_the_acknowledge_step() -> None:
    f = dispatched(cst(2026, 11, 23, 10))
    assert f.sweep(cst(2026, 11, 23, 10, 23, 59)) == []
    assert f.sweep(cst(2026, 11, 23, 10, 24)) == ["assignment.deadline_warning"]
    assert f.sweep(cst(2026, 11, 23, 10, 29)) == []  # already warned
    assert f.sweep(cst(2026, 11, 23, 10, 30)) == []  # at the deadline itself: still on time
    assert next_check_at(f.t.assignment(1)) == cst(2026, 11, 23, 10, 30) + timedelta(microseconds=1)
    tags = f.sweep(cst(2026, 11, 23, 10, 30, 1))
    assert tags == ["assignment.overdue", "assignment.urged"]
    a = f.t.assignment(1)
    assert a.urges == 1 and a.escalations == 0
    assert f.sweep(cst(2026, 11, 23, 12)) == []  # recorded once
    # The next thing to record is the contact warning (1wd → due Tue 24 17:30, warning 14:12).
    assert next_check_at(a) == cst(2026, 11, 24, 14, 12)


def test_the_command_itself_refuses_early_repeated_stale_and_closed_recordings() -> None:
    f = dispatched(cst(2026, 11, 23, 10))
    _, ack_due, _ = due(f, 1, ACK)
    warn = c.RecordDeadline(1, ACK, WARNING, ack_due)
    over = c.RecordDeadline(1, ACK, OVERDUE, ack_due)
    f.refuse(SYSTEM, warn, "deadline.not_reached", cst(2026, 11, 23, 10, 20))
    f.refuse(SYSTEM, over, "deadline.not_reached", cst(2026, 11, 23, 10, 30))
    f.refuse(SYSTEM, c.RecordDeadline(1, ACK, WARNING, ack_due + timedelta(1)), "deadline.stale")
    f.do(SYSTEM, warn, cst(2026, 11, 23, 10, 25))
    f.refuse(SYSTEM, warn, "deadline.already_recorded")
    f.refuse(SYSTEM, warn, "deadline.already_recorded", cst(2026, 11, 23, 11))
    f.do(SYSTEM, over, cst(2026, 11, 23, 11))
    f.refuse(SYSTEM, over, "deadline.already_recorded", cst(2026, 11, 23, 11, 1))
    # Acknowledged: the step is done, nothing more can be recorded about it.
    f.do(handler(DISTRICT), c.Acknowledge(1), cst(2026, 11, 23, 11, 5))
    f.refuse(SYSTEM, over, "deadline.not_open")
    with pytest.raises(DomainError) as info:
        f.do(dispatcher(), c.RecordDeadline(1, REPLY, OVERDUE, due(f, 1, REPLY)[1]))
    assert info.value.code == "permission.role"


def test_catching_up_after_downtime_records_overdue_without_stale_warnings() -> None:
    # The sweeper was down for four working days: every open step is overdue; no warnings are
    # recorded after the fact, and each overdue urges the unit once.
    f = dispatched(cst(2026, 11, 23, 10))
    tags = f.sweep(cst(2026, 11, 27, 18))
    assert tags == ["assignment.overdue", "assignment.urged"] * 3
    assert [d.step for d in f.t.assignment(1).deadlines if d.overdue] == [ACK, CONTACT, REPLY]
    assert next_check_at(f.t.assignment(1)) is None
    assert f.t.assignment(1).urges == 3


def test_contact_and_reply_stop_counting_once_done() -> None:
    f = dispatched(cst(2026, 11, 23, 10))
    f.do(handler(DISTRICT), c.Acknowledge(1), cst(2026, 11, 23, 10, 5))
    f.do(handler(DISTRICT), c.RecordContact(1), cst(2026, 11, 23, 11))
    # Only the reply is left: warning at 80 % of 3wd (Mon 10:00 → Thu 26 17:30: 7.5 + 27 = 34.5 h;
    # 27.6 h = 7.5 h Mon + 9 h Tue + 9 h Wed + 2.1 h Thu → Thu 10:36).
    assert next_check_at(f.t.assignment(1)) == cst(2026, 11, 26, 10, 36)
    f.do(handler(DISTRICT), c.Reply(1, "已修复"), cst(2026, 11, 24, 9))
    assert next_check_at(f.t.assignment(1)) is None
    assert f.sweep(cst(2026, 12, 31)) == []


def test_a_supervised_ticket_that_goes_overdue_escalates_to_the_superior() -> None:
    f = dispatched(cst(2026, 11, 23, 10), lead=STREET)
    f.do(supervisor(), c.Supervise(note="领导关注"))
    tags = f.sweep(cst(2026, 11, 23, 10, 31), superiors={STREET: DISTRICT})
    assert tags == ["assignment.overdue", "assignment.urged", "assignment.escalated"]
    escalated = f.log[-1].event
    assert isinstance(escalated, e.AssignmentEscalated) and escalated.superior_unit == DISTRICT
    assert f.t.assignment(1).escalations == 1


def test_a_delegated_child_acknowledges_on_its_own_clock_and_inherits_contact_and_reply() -> None:
    f = dispatched(cst(2026, 11, 23, 10))
    f.do(handler(DISTRICT), c.Acknowledge(1), cst(2026, 11, 23, 10, 10))
    f.do(handler(DISTRICT), c.Delegate(1, STREET), cst(2026, 11, 23, 14))
    child = f.t.assignment(2)
    assert due(f, 2, ACK)[:2] == ("30m", cst(2026, 11, 23, 14, 30))
    assert due(f, 2, CONTACT)[1] == due(f, 1, CONTACT)[1] == cst(2026, 11, 24, 17, 30)
    assert due(f, 2, REPLY)[1] == due(f, 1, REPLY)[1]
    # The child's warning share runs over its own, shorter window: Mon 14:00–17:30 + Tue 9 h
    # = 12.5 h; 80 % = 10 h → Tue 08:30 + 6.5 h = 15:00.
    assert due(f, 2, CONTACT)[2] == cst(2026, 11, 24, 15, 0)
    # The parent no longer owes the contact (it cannot contact while delegated); it still owes the reply.
    assert not step_open(f.t.assignment(1), CONTACT) and step_open(f.t.assignment(1), REPLY)
    tags = f.sweep(cst(2026, 11, 24, 18), superiors={STREET: DISTRICT})
    by_no = [(r.event.TAG, getattr(r.event, "no", None)) for r in f.log[-len(tags) :]]
    assert ("assignment.overdue", 2) in by_no and ("assignment.overdue", 1) not in by_no
    assert child.parent_no == 1


def test_escalation_of_a_delegated_child_goes_to_the_parent_unit() -> None:
    f = dispatched(cst(2026, 11, 23, 10))
    f.do(supervisor(), c.Supervise())
    f.do(handler(DISTRICT), c.Acknowledge(1), cst(2026, 11, 23, 10, 10))
    f.do(handler(DISTRICT), c.Delegate(1, STREET), cst(2026, 11, 23, 14))
    f.sweep(cst(2026, 11, 23, 14, 31), superiors={STREET: 99})
    escalated = [r.event for r in f.log if isinstance(r.event, e.AssignmentEscalated)]
    assert [(x.no, x.step, x.superior_unit) for x in escalated] == [(2, "acknowledge", DISTRICT)]


def test_an_approved_extension_moves_the_reply_deadline_and_it_warns_afresh() -> None:
    f = dispatched(cst(2026, 11, 23, 10))
    f.do(handler(DISTRICT), c.Acknowledge(1), cst(2026, 11, 23, 10, 5))
    f.do(handler(DISTRICT), c.RecordContact(1), cst(2026, 11, 23, 11))
    f.sweep(cst(2026, 11, 26, 11))  # reply warning (Thu 10:36)
    old_due = due(f, 1, REPLY)[1]
    assert f.t.assignment(1).deadline(REPLY).warned  # type: ignore[union-attr]
    f.do(
        handler(DISTRICT), c.RequestExtension(1, cst(2026, 12, 3, 17, 30), "需要施工"), cst(2026, 11, 26, 12)
    )
    f.do(dispatcher(), c.DecideExtension(1, approve=True), cst(2026, 11, 26, 13))
    a = f.t.assignment(1)
    assert a.reply_due_at == cst(2026, 12, 3, 17, 30) and a.original_reply_due_at == old_due
    reply = a.deadline(REPLY)
    assert reply is not None and not reply.warned and reply.limit == "3wd"
    # The new window runs from dispatch, Mon 23 10:00, to Thu Dec 3 17:30: 7.5 h + 8 working days
    # × 9 h = 79.5 h; 80 % = 63.6 h = 7.5 + 6 × 9 (Tue 24 … Tue Dec 1) = 61.5 h, + 2.1 h on Wed Dec 2
    # → 08:30 + 2 h 6 min = 10:36.
    assert reply.warn_at == cst(2026, 12, 2, 10, 36)
    f.refuse(SYSTEM, c.RecordDeadline(1, REPLY, OVERDUE, old_due), "deadline.stale", cst(2026, 11, 27, 9))
    assert f.sweep(cst(2026, 11, 27, 9)) == []  # the old deadline passed, the new one has not
    assert f.sweep(cst(2026, 12, 2, 10, 35)) == []
    assert f.sweep(cst(2026, 12, 2, 10, 36)) == ["assignment.deadline_warning"]
    assert f.sweep(cst(2026, 12, 3, 17, 31)) == ["assignment.overdue", "assignment.urged"]


def test_a_closed_or_withdrawn_ticket_has_nothing_due() -> None:
    f = dispatched(cst(2026, 11, 23, 10))
    f.do(dispatcher(), c.Withdraw(reason="诉求人撤回"), cst(2026, 11, 23, 10, 1))
    assert due_records(f.t, cst(2026, 12, 31)) == []
    assert next_check_at(f.t.assignment(1)) is None
    _, ack_due, _ = due(f, 1, ACK)
    with pytest.raises(DomainError) as info:
        f.do(SYSTEM, c.RecordDeadline(1, ACK, OVERDUE, ack_due), cst(2026, 12, 31))
    assert info.value.code == "ticket.terminal"
