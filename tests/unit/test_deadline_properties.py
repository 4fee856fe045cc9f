"""Random histories with time passing and the sweeper running: whatever happens, each deadline's
warning and overdue are recorded at most once, never early, never a warning after its overdue, and
the schedule the store indexes (`next_check_at`) always points at the next thing to record."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.domain import commands as c
from hotline.domain import events as e
from hotline.domain.errors import DomainError
from hotline.domain.ticket import due_records, next_check_at, replay
from hotline.domain.vocabulary import OPEN_ASSIGNMENT_STATES, Urgency
from tests.unit.test_deadline_workflow import SYSTEM, Flow, cst, dispatched
from tests.unit.workflow_helpers import DEPARTMENT, DISTRICT, STREET, dispatcher, handler, supervisor

STEPS = [
    *("time", "time", "time", "sweep", "sweep"),
    *("acknowledge", "contact", "reply", "delegate", "extension", "decide_extension", "review", "supervise"),
]
JUMPS = [
    timedelta(minutes=5),
    timedelta(minutes=20),
    timedelta(hours=3),
    timedelta(days=1),
    timedelta(days=4),
]


def _try(f: Flow, actor: Any, command: c.Command) -> None:
    # Refusals are the workflow's business (tested elsewhere); here only what gets recorded matters.
    with contextlib.suppress(DomainError):
        f.do(actor, command)


def _check(f: Flow) -> None:
    assert replay(f.log) == f.t
    recorded: set[tuple[str, int, str, object]] = set()
    for r in f.log:
        ev = r.event
        if not isinstance(ev, e.DeadlineWarned | e.DeadlinePassed):
            continue
        key = (ev.TAG, ev.no, ev.step, ev.due_at)
        assert key not in recorded, key
        recorded.add(key)
        if isinstance(ev, e.DeadlinePassed):
            assert r.occurred_at > ev.due_at
        else:
            assert ("assignment.overdue", ev.no, ev.step, ev.due_at) not in recorded
            assert r.occurred_at <= ev.due_at
    due_now = {cmd.assignment_no for cmd in due_records(f.t, f.now)}
    for a in f.t.assignments:
        nxt = next_check_at(a)
        if a.state not in OPEN_ASSIGNMENT_STATES:
            assert nxt is None
        # Something is due now exactly when the stored schedule says so.
        assert (a.no in due_now) == (nxt is not None and nxt <= f.now), (a, f.now)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), emergency=st.booleans(), assist=st.booleans())
def test_each_deadline_is_recorded_at_most_once_and_never_early(
    data: st.DataObject, emergency: bool, assist: bool
) -> None:
    f = dispatched(
        cst(2026, 11, 20, 16, 50),
        urgency=Urgency.EMERGENCY if emergency else Urgency.NORMAL,
        assists=(DEPARTMENT,) if assist else (),
    )
    for _ in range(data.draw(st.integers(5, 30))):
        step = data.draw(st.sampled_from(STEPS))
        no = data.draw(st.sampled_from([a.no for a in f.t.assignments]))
        unit = f.t.assignment(no).unit
        if step == "time":
            f.now += data.draw(st.sampled_from(JUMPS))
        elif step == "sweep":
            for command in due_records(f.t, f.now):
                f.do(SYSTEM, command)
            assert due_records(f.t, f.now) == []
        elif step == "acknowledge":
            _try(f, handler(unit), c.Acknowledge(no))
        elif step == "contact":
            _try(f, handler(unit), c.RecordContact(no))
        elif step == "reply":
            _try(f, handler(unit), c.Reply(no, "已处理"))
        elif step == "delegate":
            _try(f, handler(unit), c.Delegate(no, STREET if unit == DISTRICT else DEPARTMENT))
        elif step == "extension":
            _try(f, handler(unit), c.RequestExtension(no, f.now + timedelta(days=5), "需要时间"))
        elif step == "decide_extension":
            _try(f, dispatcher(), c.DecideExtension(no, approve=data.draw(st.booleans()), reason="审核"))
        elif step == "review":
            _try(f, dispatcher(), c.ReviewReply(no, approve=data.draw(st.booleans()), reason="审核"))
        elif step == "supervise":
            _try(f, supervisor(), c.Supervise())
        _check(f)
