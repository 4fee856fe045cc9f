"""Two people acting on one ticket at the same moment, on real concurrent database connections:
exactly one wins, the other gets a clear 409 conflict, and the log records one action."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from hotline.domain import commands as c
from hotline.domain.errors import DomainError, ErrorKind
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import Role
from hotline.tickets import service, store
from tests.conftest import Platform
from tests.integration.api import Api

ROUNDS = 8


def _race(platform: Platform, tid: int, attempts: list[tuple[c.Command, Actor]]) -> list[object]:
    """Run the commands at once, each in its own thread and transaction; their outcomes in order."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def run(i: int, command: c.Command, actor: Actor) -> Callable[[], None]:
        def go() -> None:
            barrier.wait()
            try:
                outcomes[i] = service.execute(
                    platform.db, tid, command, actor, platform.clock(), platform.deadlines
                )
            except DomainError as exc:
                outcomes[i] = exc

        return go

    threads = [threading.Thread(target=run(i, cmd, actor)) for i, (cmd, actor) in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def _one_winner(outcomes: list[object]) -> DomainError:
    errors = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(errors) == len(outcomes) - 1, outcomes
    assert errors[0].kind is ErrorKind.CONFLICT
    assert errors[0].code in ("concurrency.conflict", "transition.not_allowed")
    return errors[0]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_handlers_acknowledging_at_once(platform: Platform, round_: int) -> None:
    api = Api(platform)
    tid = api.dispatched("d-longwan")
    unit = platform.unit_id("d-longwan")
    a1 = Actor(Role.UNIT_HANDLER, user_id=None, unit_id=unit)
    _one_winner(_race(platform, tid, [(c.Acknowledge(assignment_no=1), a1)] * 2))
    with platform.db.read() as s:
        tags = [r.event.TAG for r in store.load_records(s, tid)]
    assert tags.count("assignment.acknowledged") == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_approve_and_reject_of_one_reply_at_once(platform: Platform, round_: int) -> None:
    api = Api(platform)
    tid = api.dispatched("ent-gas")
    api.on("dispatcher", tid, 1, "acknowledge", expect=403)  # (the centre cannot sign for a unit)
    gas = platform.unit_id("ent-gas")
    handler = Actor(Role.UNIT_HANDLER, unit_id=gas)
    service.execute(
        platform.db, tid, c.Acknowledge(assignment_no=1), handler, platform.clock(), platform.deadlines
    )
    service.execute(
        platform.db,
        tid,
        c.Reply(assignment_no=1, reply="已修复"),
        handler,
        platform.clock(),
        platform.deadlines,
    )
    centre = Actor(Role.DISPATCHER, unit_id=platform.unit_id("centre"))
    _one_winner(
        _race(
            platform,
            tid,
            [
                (c.ReviewReply(assignment_no=1, approve=True), centre),
                (c.ReviewReply(assignment_no=1, approve=False, reason="答复不完整"), centre),
            ],
        )
    )
    with platform.db.read() as s:
        tags = [r.event.TAG for r in store.load_records(s, tid)]
    assert tags.count("assignment.approved") + tags.count("assignment.rejected") == 1
