"""Random command sequences by random people: the workflow's invariants hold after every step.

Each step draws a command aimed at the current ticket (mostly by a plausible actor, sometimes by
anyone) and applies it with `handle`. Refusals must be clean `DomainError`s with a known code;
successes must keep the ticket consistent with its log.
"""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.domain import commands as c
from hotline.domain import events as e
from hotline.domain.errors import MESSAGES, DomainError, ErrorKind
from hotline.domain.ticket import Actor, Phase, Recorded, Ticket, derive_status, handle, replay
from hotline.domain.vocabulary import (
    TERMINAL_STATUSES,
    AssignmentRole,
    AssignmentState,
    EmergencyService,
    Role,
    Satisfaction,
    TicketStatus,
)
from tests.unit.workflow_helpers import (
    CENTRE,
    COMMUNITY,
    DEPARTMENT,
    DISTRICT,
    OTHER_DISTRICT,
    OTHER_STREET,
    STREET,
    T0,
    TREE,
    ctx,
    dispatcher,
    handler,
    operator,
    reviewer,
    submit,
    supervisor,
)

UNITS = [CENTRE, DISTRICT, DEPARTMENT, STREET, COMMUNITY, OTHER_DISTRICT, OTHER_STREET]
# Mostly units with subordinates, so that delegation has somewhere to go; the centre now and then.
DISPATCH_TO = [DISTRICT, DISTRICT, STREET, DEPARTMENT, OTHER_DISTRICT, CENTRE]
STATUS_NAMES = [s.value for s in TicketStatus]
TEXTS = ["原因", "原因", " ", ""]  # a reason, a blank one, none at all
OPTIONAL_TEXTS = [None, "原因", "原因", " "]

# Strategies are built once: building them per step costs more than the workflow itself.
INDEX = st.integers(0, 1023)
COIN = st.booleans()
ANYONE = st.builds(
    Actor, role=st.sampled_from(list(Role)), user_id=st.just(1), unit_id=st.sampled_from([None, *UNITS])
)

A = AssignmentState
# For commands on an assignment: the states in which it could be accepted. Used only to aim the
# random commands where they have a chance (so that long, deep histories are explored); the
# actual rules are the domain's, and other assignments are drawn too.
AIM: dict[str, frozenset[AssignmentState]] = {
    "acknowledge": frozenset({A.PENDING}),
    "contact": frozenset({A.ACKNOWLEDGED}),
    "delegate": frozenset({A.ACKNOWLEDGED, A.CONTACTED}),
    "reply": frozenset({A.ACKNOWLEDGED, A.CONTACTED}),
    "send_back": frozenset({A.PENDING, A.ACKNOWLEDGED, A.CONTACTED}),
    "request_extension": frozenset({A.ACKNOWLEDGED, A.CONTACTED, A.DELEGATED}),
    "review": frozenset({A.REPLIED}),
    "decide_send_back": frozenset({A.SENT_BACK}),
    "decide_extension": frozenset(AssignmentState),
    "urge": frozenset({A.PENDING, A.ACKNOWLEDGED, A.CONTACTED, A.DELEGATED}),
}
UNIT_WORK = ["acknowledge", "contact", "delegate", "reply", "send_back", "request_extension"]
REVIEWS = ["review", "decide_send_back"]
CENTRE_WORK = [
    "dispatch",
    "answer",
    "hand_off",
    "withdraw",
    "merge",
    "attach",
    "supervise",
    "urge",
    "follow_up",
    "reopen",
    "close",
    "decide_extension",
]
ANY_KIND = [*UNIT_WORK, *REVIEWS, *CENTRE_WORK]
# What usually comes next in each status: drawn most of the time, so histories get long and deep.
LIKELY: dict[TicketStatus, list[str]] = {
    TicketStatus.RECEIVED: ["dispatch", "dispatch", "answer"],
    TicketStatus.ANSWERED: ["follow_up", "close"],
    TicketStatus.DISPATCHED: ["acknowledge", "acknowledge", "send_back", "urge"],
    TicketStatus.REOPENED: ["acknowledge", "send_back"],
    TicketStatus.IN_PROGRESS: [*UNIT_WORK, "acknowledge", "reply", "reply", "review", "decide_extension"],
    TicketStatus.REPLIED: ["review", "review", *UNIT_WORK],
    TicketStatus.SENT_BACK: ["decide_send_back", "decide_send_back", "acknowledge", "reply"],
    TicketStatus.REVIEWED: ["follow_up", "follow_up", "close", "decide_send_back"],
    TicketStatus.FOLLOWED_UP: ["reopen", "close"],
}
RARE = ["withdraw", "hand_off", "merge"]


class Draw:
    """Cheap draws from a few fixed strategies."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def pick(self, items):
        items = list(items)
        return items[self.data.draw(INDEX) % len(items)]

    def coin(self) -> bool:
        return self.data.draw(COIN)

    def units(self, most: int = 2) -> tuple[int, ...]:
        return tuple(self.pick(UNITS) for _ in range(self.pick(range(most + 1))))


def _aimed_assignment(d: Draw, t: Ticket, kind: str) -> int:
    if not t.assignments or d.pick(range(8)) == 0:
        return d.pick([1, 2, 3, 99])
    fitting = [a.no for a in t.assignments if a.state in AIM.get(kind, ())]
    if kind == "decide_extension":
        fitting = [a.no for a in t.assignments if a.pending_extension_until is not None]
    return d.pick(fitting or [a.no for a in t.assignments])


def _below(t: Ticket, no: int) -> list[int]:
    """The units below the holder of assignment `no`: where a delegation may go."""
    holder = [a.unit for a in t.assignments if a.no == no]
    return [u for u in UNITS if holder and TREE.is_descendant(u, holder[0])] or UNITS


def _plausible(t: Ticket, kind: str, no: int) -> Actor:
    found = [a for a in t.assignments if a.no == no]
    if kind in UNIT_WORK:
        return handler(found[0].unit if found else DISTRICT)
    if kind in REVIEWS:
        if found and found[0].parent_no is not None:
            return reviewer(t.assignment(found[0].parent_no).unit)
        return dispatcher()
    return {"supervise": supervisor(), "urge": supervisor(), "answer": operator()}.get(kind, dispatcher())


def _step(data: st.DataObject, t: Ticket, now: datetime) -> tuple[Actor, c.Command]:
    """One command for the ticket as it is now, and who issues it."""
    d = Draw(data)
    roll = d.pick(range(10))
    kind = d.pick(LIKELY.get(t.status, ANY_KIND)) if roll < 7 else d.pick(RARE if roll == 9 else ANY_KIND)
    no = _aimed_assignment(d, t, kind)
    text, optional = d.pick(TEXTS), d.pick(OPTIONAL_TEXTS)
    make = {
        "acknowledge": lambda: c.Acknowledge(no),
        "contact": lambda: c.RecordContact(no),
        "delegate": lambda: c.Delegate(no, d.pick(_below(t, no) if d.coin() else UNITS)),
        "reply": lambda: c.Reply(no, d.pick(["已处理", " "])),
        "send_back": lambda: c.SendBack(no, text),
        "request_extension": lambda: c.RequestExtension(no, now + timedelta(days=d.pick([-1, 2, 9])), text),
        "review": lambda: c.ReviewReply(no, d.coin(), optional),
        "decide_send_back": lambda: c.DecideSendBack(
            no, d.coin(), optional, d.pick([None, None, *UNITS]), d.units()
        ),
        "dispatch": lambda: c.Dispatch(d.pick(DISPATCH_TO), d.units(d.pick([0, 0, 1, 2]))),
        "answer": lambda: c.AnswerAtIntake(d.pick(["答复", " "])),
        "hand_off": lambda: c.HandOff(d.pick(list(EmergencyService)), text),
        "withdraw": lambda: c.Withdraw(text),
        "merge": lambda: c.MergeInto(8, d.pick(STATUS_NAMES), optional, d.pick([None, 8, 9])),
        "attach": lambda: c.AttachDuplicate(d.pick([10, 11])),
        "supervise": lambda: c.Supervise(),
        "urge": lambda: c.Urge(no),
        "follow_up": lambda: c.RecordFollowUp(d.coin(), d.coin(), d.pick(list(Satisfaction))),
        "reopen": lambda: c.Reopen(text),
        "close": lambda: c.Close(optional),
        "decide_extension": lambda: c.DecideExtension(no, d.coin(), optional),
    }
    command = make[kind]()
    actor = data.draw(ANYONE) if d.pick(range(6)) == 0 else _plausible(t, kind, no)
    return actor, command


def _check_invariants(t: Ticket, log: list[Recorded]) -> None:
    assert t.status is derive_status(t)
    assert log[-1].to_status is t.status
    assert [r.seq for r in log] == list(range(1, len(log) + 1)) and t.version == len(log)
    for before, after in itertools.pairwise(log):
        assert after.from_status is before.to_status
    assert replay(log) == t

    top_leads = [a for a in t.assignments if a.role is AssignmentRole.LEAD and a.parent_no is None]
    active = [a for a in top_leads if not a.is_settled]
    assert len(active) <= 1, active
    if active and t.status not in TERMINAL_STATUSES:
        assert t.lead_no == active[0].no
    if t.phase is Phase.HANDLING:
        assert t.lead is not None and t.lead.parent_no is None and t.lead.role is AssignmentRole.LEAD

    if t.lead is not None and t.lead.state is AssignmentState.APPROVED:  # the centre accepted the result
        assists = [a for a in t.assignments if a.role is AssignmentRole.ASSIST and a.parent_no is None]
        assert not any(a.is_open or a.awaits_send_back_decision for a in assists), assists

    numbers = [a.no for a in t.assignments]
    assert numbers == list(range(1, len(numbers) + 1))
    delegations = {(r.event.no, r.event.child.no) for r in log if isinstance(r.event, e.AssignmentDelegated)}
    for a in t.assignments:
        if a.parent_no is None:
            continue
        parent = t.assignment(a.parent_no)
        assert (parent.no, a.no) in delegations and parent.role is a.role
        if a.is_open:
            assert parent.state is AssignmentState.DELEGATED
    if t.status in TERMINAL_STATUSES - {TicketStatus.CLOSED}:
        assert not any(a.is_open for a in t.assignments)


# A deeper search now and then: HOTLINE_PROPERTY_EXAMPLES=5000 pytest tests/unit/test_workflow_properties.py
EXAMPLES = int(os.environ.get("HOTLINE_PROPERTY_EXAMPLES", "200"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), steps=st.integers(1, 60))
def test_random_command_sequences_keep_the_ticket_consistent(data, steps):
    now = T0
    t, log = handle(None, submit(), ctx(operator(), now))
    for _ in range(steps):
        now += timedelta(minutes=7)
        actor, command = _step(data, t, now)
        before = t
        try:
            t2, records = handle(t, command, ctx(actor, now))
        except DomainError as err:
            assert err.code in MESSAGES, err
            assert isinstance(err.kind, ErrorKind)
            assert t is before
            if t.status in TERMINAL_STATUSES:
                break  # a finished ticket refuses everything: see the next test
            continue
        assert before.status not in TERMINAL_STATUSES, f"{command} changed a finished ticket"
        assert [r.from_status for r in records] == [before.status]
        assert all(r.occurred_at == now and r.actor == actor for r in records)
        t = t2
        log = log + records
        _check_invariants(t, log)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_finished_ticket_refuses_every_command(data):
    now = T0
    t, _ = handle(None, submit(), ctx(operator(), now))
    ending = data.draw(
        st.sampled_from(
            [
                c.Withdraw("撤单"),
                c.HandOff(EmergencyService.POLICE, "警情"),
                c.MergeInto(target_ticket=8, target_status="received"),
            ]
        )
    )
    t, _ = handle(t, ending, ctx(dispatcher(), now))
    assert t.status in TERMINAL_STATUSES
    for _ in range(20):
        actor, command = _step(data, t, now)
        try:
            handle(t, command, ctx(actor, now))
        except DomainError as err:
            assert err.code in {"ticket.terminal", "permission.role"}
        else:
            raise AssertionError(f"{command} by {actor} was accepted on a {t.status} ticket")
