"""Helpers for the workflow tests: a small real unit tree, actors, and a ticket driven by commands.

The unit tree used everywhere (ids are arbitrary but fixed):

    centre 1
    ├── district 2
    │   ├── street 4
    │   │   └── community 5
    │   └── street 7
    ├── department 3
    └── district 6
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from hotline.domain import commands as c
from hotline.domain.errors import MESSAGES, DomainError, ErrorKind
from hotline.domain.ticket import Actor, Assignment, Context, Recorded, Ticket, handle, replay
from hotline.domain.vocabulary import Channel, Kind, Role, Satisfaction

CENTRE = 1
DISTRICT = 2
DEPARTMENT = 3
STREET = 4
COMMUNITY = 5
OTHER_DISTRICT = 6
OTHER_STREET = 7

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


class Tree:
    """A real unit tree: each unit knows its parent."""

    def __init__(self, parents: dict[int, int | None]) -> None:
        self.parents = parents

    def is_descendant(self, unit: int, ancestor: int) -> bool:
        up = self.parents.get(unit)
        while up is not None:
            if up == ancestor:
                return True
            up = self.parents.get(up)
        return False


TREE = Tree(
    {
        CENTRE: None,
        DISTRICT: CENTRE,
        DEPARTMENT: CENTRE,
        STREET: DISTRICT,
        COMMUNITY: STREET,
        OTHER_DISTRICT: CENTRE,
        OTHER_STREET: DISTRICT,
    }
)


def operator() -> Actor:
    return Actor(Role.OPERATOR, user_id=10, unit_id=CENTRE)


def dispatcher() -> Actor:
    return Actor(Role.DISPATCHER, user_id=11, unit_id=CENTRE)


def supervisor() -> Actor:
    return Actor(Role.SUPERVISOR, user_id=12, unit_id=CENTRE)


def citizen() -> Actor:
    return Actor(Role.CITIZEN, user_id=13)


def system() -> Actor:
    return Actor(Role.SYSTEM)


def handler(unit: int) -> Actor:
    return Actor(Role.UNIT_HANDLER, user_id=100 + unit, unit_id=unit)


def reviewer(unit: int) -> Actor:
    return Actor(Role.UNIT_REVIEWER, user_id=200 + unit, unit_id=unit)


def ctx(actor: Actor, now: datetime) -> Context:
    return Context(actor=actor, now=now, units=TREE, centre_unit=CENTRE)


def submit(kind: Kind = Kind.COMPLAINT) -> c.SubmitTicket:
    return c.SubmitTicket(
        channel=Channel.PHONE,
        kind=kind,
        content="路灯不亮已经一周",
        tracking_code="A1B2C3",
        citizen_name="王女士",
        citizen_phone="13800000000",
    )


@dataclass
class Flow:
    """One ticket driven through `handle`, keeping its log; the clock moves a minute per command."""

    ticket: Ticket | None = None
    log: list[Recorded] = field(default_factory=list)
    now: datetime = T0

    @property
    def t(self) -> Ticket:
        assert self.ticket is not None
        return self.ticket

    def do(self, actor: Actor, command: c.Command) -> Recorded:
        """Apply a command that must succeed; return its (single) record."""
        self.now += timedelta(minutes=1)
        self.ticket, records = handle(self.ticket, command, ctx(actor, self.now))
        self.log.extend(records)
        assert len(records) == 1
        return records[0]

    def refuse(self, actor: Actor, command: c.Command, code: str, kind: ErrorKind) -> DomainError:
        """Apply a command that must be refused with `code`; the ticket must not change."""
        before = self.ticket
        self.now += timedelta(minutes=1)
        with pytest.raises(DomainError) as info:
            handle(self.ticket, command, ctx(actor, self.now))
        err = info.value
        assert (err.code, err.kind) == (code, kind), repr(err)
        assert err.code in MESSAGES
        assert self.ticket is before
        return err

    def a(self, no: int) -> Assignment:
        return self.t.assignment(no)

    def replayed(self) -> Ticket:
        return replay(self.log)


# --- states reached through the real commands ------------------------------------------------


def received(kind: Kind = Kind.COMPLAINT) -> Flow:
    f = Flow()
    f.do(operator(), submit(kind))
    return f


def dispatched(lead: int = DISTRICT, assists: Iterable[int] = ()) -> Flow:
    f = received()
    f.do(dispatcher(), c.Dispatch(lead_unit=lead, assist_units=tuple(assists)))
    return f


def in_progress(lead: int = DISTRICT, assists: Iterable[int] = ()) -> Flow:
    """Dispatched and the lead (assignment 1) acknowledged."""
    f = dispatched(lead, assists)
    f.do(handler(lead), c.Acknowledge(1))
    return f


def replied(lead: int = DISTRICT) -> Flow:
    f = in_progress(lead)
    f.do(handler(lead), c.Reply(1, "已修复路灯"))
    return f


def reviewed(lead: int = DISTRICT) -> Flow:
    f = replied(lead)
    f.do(dispatcher(), c.ReviewReply(1, approve=True))
    return f


def followed_up(satisfaction: Satisfaction) -> Flow:
    f = reviewed()
    f.do(
        operator(),
        c.RecordFollowUp(
            contacted=True, solved=satisfaction is not Satisfaction.UNSATISFIED, satisfaction=satisfaction
        ),
    )
    return f
