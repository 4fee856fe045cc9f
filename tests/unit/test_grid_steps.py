"""The grid worker's steps in the pure workflow: arrival on site, and verification on site (核查)
— who may ask, who may answer, and a failed verification sending the reply back to the unit with
the deadlines it had (no database)."""

from __future__ import annotations

from hotline.domain import commands as c
from hotline.domain import events as e
from hotline.domain.errors import ErrorKind
from hotline.domain.ticket import Actor, possible_actions
from hotline.domain.vocabulary import AssignmentState, Role, TicketStatus
from tests.unit.workflow_helpers import (
    COMMUNITY,
    DISTRICT,
    OTHER_DISTRICT,
    STREET,
    dispatched,
    dispatcher,
    handler,
    in_progress,
    operator,
    replied,
    reviewer,
    supervisor,
)
from tests.unit.workflow_helpers import ctx as plain_ctx

GRID = 50  # a grid below the community (not in the helpers' tree: the service checks the kind)
OTHER_GRID = 51


def grid_worker(unit: int = GRID) -> Actor:
    return Actor(Role.GRID_WORKER, user_id=300 + unit, unit_id=unit)


def test_arrival_is_recorded_once_with_its_position_while_the_holder_works() -> None:
    f = dispatched(COMMUNITY)
    f.refuse(handler(COMMUNITY), c.RecordArrival(1), "transition.not_allowed", ErrorKind.CONFLICT)
    f.do(handler(COMMUNITY), c.Acknowledge(1))
    f.refuse(handler(STREET), c.RecordArrival(1), "permission.not_holder", ErrorKind.FORBIDDEN)
    f.refuse(handler(COMMUNITY), c.RecordArrival(1, latitude=20.0), "position.invalid", ErrorKind.INVALID)
    f.refuse(handler(COMMUNITY), c.RecordArrival(1, 95.0, 110.0), "position.invalid", ErrorKind.INVALID)
    r = f.do(handler(COMMUNITY), c.RecordArrival(1, latitude=20.00712345678, longitude=110.2905))
    assert r.event == e.AssignmentArrived(no=1, latitude=20.0071235, longitude=110.2905)
    assert f.a(1).arrived_at == f.now and f.a(1).state is AssignmentState.ACKNOWLEDGED
    assert f.t.status is TicketStatus.IN_PROGRESS  # arrival changes no status
    f.refuse(handler(COMMUNITY), c.RecordArrival(1), "arrival.already", ErrorKind.CONFLICT)
    assert f.replayed() == f.t


def test_a_grid_worker_holding_an_assignment_arrives_without_a_position() -> None:
    f = dispatched(GRID)
    f.do(grid_worker(), c.Acknowledge(1))
    r = f.do(grid_worker(), c.RecordArrival(1))
    assert r.event == e.AssignmentArrived(no=1)
    assert "arrive" not in possible_actions(f.t, plain_ctx(grid_worker(), f.now))[1]


def test_who_may_ask_for_a_verification() -> None:
    f = replied(STREET)
    ask = c.RequestVerification(1, grid_unit=GRID, note="路灯修好了吗？")
    f.refuse(operator(), ask, "permission.role", ErrorKind.FORBIDDEN)
    f.refuse(handler(STREET), ask, "permission.role", ErrorKind.FORBIDDEN)
    f.refuse(grid_worker(), ask, "permission.role", ErrorKind.FORBIDDEN)
    # a reviewer of a unit beside or below the holder is not above it
    f.refuse(reviewer(OTHER_DISTRICT), ask, "verification.not_above", ErrorKind.FORBIDDEN)
    f.refuse(reviewer(COMMUNITY), ask, "verification.not_above", ErrorKind.FORBIDDEN)
    for asker in (dispatcher(), supervisor(), reviewer(DISTRICT), reviewer(STREET)):
        g = replied(STREET)
        r = g.do(asker, ask)
        assert r.event == e.VerificationRequested(no=1, grid_unit=GRID, note="路灯修好了吗？")
        assert g.a(1).verify_unit == GRID and g.a(1).verify_requested_at == g.now


def test_a_verification_is_asked_of_a_reply_only_and_once_at_a_time() -> None:
    f = in_progress(DISTRICT)
    ask = c.RequestVerification(1, grid_unit=GRID)
    f.refuse(dispatcher(), ask, "transition.not_allowed", ErrorKind.CONFLICT)
    f.do(handler(DISTRICT), c.Reply(1, "已修复"))
    f.do(dispatcher(), ask)
    f.refuse(supervisor(), ask, "verification.pending", ErrorKind.CONFLICT)
    # the reviewer waits for the grid's finding, which may send the reply back
    f.refuse(dispatcher(), c.ReviewReply(1, approve=True), "verification.pending", ErrorKind.CONFLICT)


def test_a_passed_verification_leaves_the_reply_for_review() -> None:
    f = replied(DISTRICT)
    f.do(dispatcher(), c.RequestVerification(1, grid_unit=GRID))
    answer = c.AnswerVerification(
        1, passed=True, latitude=20.007, longitude=110.29, media=("ab" * 16 + ".jpg",)
    )
    f.refuse(grid_worker(OTHER_GRID), answer, "verification.not_grid", ErrorKind.FORBIDDEN)
    f.refuse(handler(DISTRICT), answer, "permission.role", ErrorKind.FORBIDDEN)
    r = f.do(grid_worker(), answer)
    assert isinstance(r.event, e.VerificationPassed) and r.event.media == ("ab" * 16 + ".jpg",)
    assert f.a(1).verify_unit is None and f.a(1).state is AssignmentState.REPLIED
    assert f.t.status is TicketStatus.REPLIED
    f.refuse(grid_worker(), answer, "verification.none_pending", ErrorKind.CONFLICT)
    f.do(dispatcher(), c.ReviewReply(1, approve=True))
    assert f.t.status is TicketStatus.REVIEWED
    assert f.replayed() == f.t


def test_a_failed_verification_sends_the_reply_back_with_the_same_deadlines() -> None:
    f = replied(DISTRICT)
    deadlines = f.a(1).deadlines
    f.do(reviewer(DISTRICT), c.RequestVerification(1, grid_unit=GRID))
    f.refuse(grid_worker(), c.AnswerVerification(1, passed=False), "reason.required", ErrorKind.INVALID)
    r = f.do(
        grid_worker(),
        c.AnswerVerification(1, passed=False, note="路灯仍然不亮", latitude=20.0, longitude=110.3),
    )
    assert r.event == e.VerificationFailed(
        no=1, grid_unit=GRID, reason="路灯仍然不亮", latitude=20.0, longitude=110.3
    )
    a = f.a(1)
    assert a.state is AssignmentState.ACKNOWLEDGED and a.reply is None and a.verifications_failed == 1
    assert a.deadlines == deadlines and a.verify_unit is None
    assert f.t.status is TicketStatus.IN_PROGRESS
    f.do(handler(DISTRICT), c.Reply(1, "已更换灯泡并复查"))  # the unit works on and replies again
    assert f.t.status is TicketStatus.REPLIED
    assert f.replayed() == f.t


def test_the_pages_offer_the_verification_steps_to_whom_the_rules_accept() -> None:
    f = replied(STREET)
    assert "request_verification" in possible_actions(f.t, plain_ctx(dispatcher(), f.now))[1]
    assert "request_verification" not in possible_actions(f.t, plain_ctx(handler(STREET), f.now))[1]
    f.do(dispatcher(), c.RequestVerification(1, grid_unit=GRID))
    assert possible_actions(f.t, plain_ctx(grid_worker(), f.now))[1] == {"answer_verification"}
    assert possible_actions(f.t, plain_ctx(grid_worker(OTHER_GRID), f.now))[1] == set()


def test_a_reply_carries_the_names_of_its_photos_before_and_after() -> None:
    f = in_progress(DISTRICT)
    r = f.do(handler(DISTRICT), c.Reply(1, "已清理", before=("a.jpg",), after=("b.jpg",)))
    assert r.event == e.AssignmentReplied(no=1, reply="已清理", before=("a.jpg",), after=("b.jpg",))
    assert f.replayed() == f.t
