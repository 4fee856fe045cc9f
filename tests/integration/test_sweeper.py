"""The sweeper on a real database, with the clock moved by hand: warnings at 80 %, overdue just after
the deadline, an automatic urge, escalation of supervised tickets, catching up after downtime, never
twice — and recorded through the event log, so the ticket's history shows each of them."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from hotline.domain import commands as c
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import Role
from hotline.sla import sweeper
from hotline.tickets import service
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.timeline import Timeline, cst

DEADLINE_TAGS = (
    "assignment.deadline_warning",
    "assignment.overdue",
    "assignment.urged",
    "assignment.escalated",
)


_TIMELINES: dict[int, Timeline] = {}


def _timeline(p: Platform) -> Timeline:
    return _TIMELINES.setdefault(id(p), Timeline(p))


def _dispatch(p: Platform, at: datetime, lead: str = "dept-urban", **extra: Any) -> int:
    api, tl = Api(p), _timeline(p)
    tl.set(at - timedelta(minutes=2))
    t = api.intake(**extra)
    tl.set(at)
    api.act("dispatcher", t["id"], "dispatch", {"lead_unit_id": p.unit_id(lead)})
    return int(t["id"])


def _deadline_events(p: Platform, ticket: int) -> list[tuple[str, int | None, str | None]]:
    events = Api(p).events("dispatcher", ticket)
    return [
        (ev["tag"], ev["assignment_no"], ev["payload"].get("step"))
        for ev in events
        if ev["tag"] in DEADLINE_TAGS
    ]


def _withdraw(p: Platform, *tickets: int) -> None:
    """Leave nothing due behind for the next test of the module."""
    for t in tickets:
        Api(p).act("dispatcher", t, "withdraw", {"reason": "测试结束"})


def test_warning_then_overdue_and_an_automatic_urge_once_each(isolated: Platform) -> None:
    p = isolated
    tid = _dispatch(p, cst(2026, 11, 23, 10))
    assert sweeper.sweep(p.db, cst(2026, 11, 23, 10, 23, 59)).events == 0
    first = sweeper.sweep(p.db, cst(2026, 11, 23, 10, 24))
    assert (first.claimed, first.warnings, first.overdues) == (1, 1, 0)
    assert sweeper.sweep(p.db, cst(2026, 11, 23, 10, 29)).claimed == 0  # already warned: not due
    assert sweeper.sweep(p.db, cst(2026, 11, 23, 10, 30)).claimed == 0  # the deadline itself is on time
    late = sweeper.sweep(p.db, cst(2026, 11, 23, 10, 30, 2))
    assert (late.overdues, late.events) == (1, 2) and late.lateness_s == [2.0]
    assert sweeper.sweep(p.db, cst(2026, 11, 23, 11)).claimed == 0
    assert _deadline_events(p, tid) == [
        ("assignment.deadline_warning", 1, "acknowledge"),
        ("assignment.overdue", 1, "acknowledge"),
        ("assignment.urged", 1, "acknowledge"),
    ]
    events = Api(p).events("dispatcher", tid)
    urge = events[-1]
    assert urge["actor"]["role"] == "system" and urge["payload"]["automatic"] is True
    assert urge["from_status"] == urge["to_status"] == "dispatched"
    _timeline(p).set(cst(2026, 11, 23, 11))
    a = Api(p).get("dispatcher", f"/api/v1/tickets/{tid}")["assignments"][0]
    assert a["urges"] == 1
    ack = next(d for d in a["deadlines"] if d["step"] == "acknowledge")
    assert ack["state"] == "overdue"
    _withdraw(p, tid)


def test_a_supervised_ticket_that_goes_overdue_escalates_to_the_superior(isolated: Platform) -> None:
    p = isolated
    tid = _dispatch(p, cst(2026, 11, 23, 14), lead="s-longwan-zhongshan")
    Api(p).act("supervisor", tid, "supervise", {"note": "区领导关注"})
    result = sweeper.sweep(p.db, cst(2026, 11, 23, 14, 31))
    assert (result.overdues, result.escalations) == (1, 1)
    events = Api(p).events("supervisor", tid)
    escalated = next(ev for ev in events if ev["tag"] == "assignment.escalated")
    assert escalated["payload"] == {"no": 1, "step": "acknowledge", "superior_unit": p.unit_id("d-longwan")}
    _withdraw(p, tid)


def test_a_restarted_sweeper_catches_up_on_everything_that_passed(isolated: Platform) -> None:
    p = isolated
    tickets = [_dispatch(p, cst(2026, 11, 23, 9) + timedelta(minutes=i)) for i in range(12)]
    # Down for a week: acknowledge (30m), contact (1wd) and reply (3wd) have all passed. Each is
    # recorded as overdue once with its urge; no belated warnings; several small batches.
    result = sweeper.sweep(p.db, cst(2026, 11, 30, 9), batch=5)
    assert (result.overdues, result.warnings, result.claimed) == (36, 0, 12)
    for tid in tickets:
        assert sorted(_deadline_events(p, tid)) == sorted(
            [("assignment.overdue", 1, s) for s in ("acknowledge", "contact", "reply")]
            + [("assignment.urged", 1, s) for s in ("acknowledge", "contact", "reply")]
        )
    assert max(result.lateness_s) == pytest.approx(timedelta(days=6, hours=23, minutes=30).total_seconds())
    assert sweeper.sweep(p.db, cst(2026, 12, 31)).claimed == 0
    _withdraw(p, *tickets)


def test_an_idle_sweep_finds_nothing_and_next_check_says_when_to_look(isolated: Platform) -> None:
    p = isolated
    tid = _dispatch(p, cst(2026, 11, 24, 10))
    assert sweeper.next_check(p.db) == cst(2026, 11, 24, 10, 24)
    assert sweeper.sweep(p.db, cst(2026, 11, 24, 10, 1)).claimed == 0
    _withdraw(p, tid)
    assert sweeper.next_check(p.db) is None


@pytest.mark.parametrize("round_", range(4))
def test_a_person_acting_while_the_sweeper_records_both_succeed(isolated: Platform, round_: int) -> None:
    p = isolated
    tid = _dispatch(p, cst(2026, 11, 25, 10))
    unit = p.unit_id("dept-urban")
    now = cst(2026, 11, 25, 10, 31)
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def person() -> None:
        barrier.wait()
        try:
            service.execute(
                p.db, tid, c.Acknowledge(1), Actor(Role.UNIT_HANDLER, unit_id=unit), now, p.deadlines
            )
        except Exception as exc:  # the assertion below shows it
            outcome["person"] = exc

    def sweep() -> None:
        barrier.wait()
        outcome["sweep"] = sweeper.sweep(p.db, now)

    threads = [threading.Thread(target=person), threading.Thread(target=sweep)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert "person" not in outcome, outcome
    tags = [ev["tag"] for ev in Api(p).events("dispatcher", tid)]
    assert tags.count("assignment.acknowledged") == 1
    # Acknowledged at 10:31, a minute late: the overdue is recorded if the sweeper came first (then
    # the person's step was retried on the new state), not at all if the person did; never twice.
    assert tags.count("assignment.overdue") == tags.count("assignment.urged") <= 1
    if "assignment.overdue" in tags:
        assert tags.index("assignment.overdue") < tags.index("assignment.acknowledged")
    assert sweeper.sweep(p.db, now).claimed == 0
    _withdraw(p, tid)


def test_two_sweepers_at_once_record_each_deadline_once(isolated: Platform) -> None:
    p = isolated
    tickets = [_dispatch(p, cst(2026, 11, 26, 9) + timedelta(seconds=i)) for i in range(20)]
    now = cst(2026, 11, 26, 9, 31)
    barrier = threading.Barrier(2)
    results: list[sweeper.SweepResult] = []

    def run() -> None:
        barrier.wait()
        results.append(sweeper.sweep(p.db, now, batch=3))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(r.overdues for r in results) == 20
    for tid in tickets:
        assert _deadline_events(p, tid) == [
            ("assignment.overdue", 1, "acknowledge"),
            ("assignment.urged", 1, "acknowledge"),
        ]
    _withdraw(p, *tickets)
