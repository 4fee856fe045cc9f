"""What the pages offer is what the rules accept: `possible_actions` per role and state, and who
reviews delegated work when the delegating unit has no reviewer (pure rules, no database)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hotline.domain import commands as c
from hotline.domain.errors import DomainError, ErrorKind, message
from hotline.domain.permissions import Reviewer
from hotline.domain.ticket import Context, handle, possible_actions
from tests.unit.workflow_helpers import (
    COMMUNITY,
    DISTRICT,
    STREET,
    dispatched,
    dispatcher,
    handler,
    in_progress,
    reviewer,
    supervisor,
)
from tests.unit.workflow_helpers import ctx as plain_ctx


def _can(flow, actor) -> dict[int, set[str]]:  # type: ignore[no-untyped-def]
    return {no: set(a) for no, a in possible_actions(flow.t, plain_ctx(actor, flow.now)).items()}


def test_the_holder_is_offered_the_steps_of_its_state_and_others_nothing() -> None:
    f = dispatched(DISTRICT)
    assert _can(f, handler(DISTRICT)) == {1: {"acknowledge", "send_back"}}
    assert _can(f, handler(STREET)) == {1: set()}
    assert _can(f, supervisor()) == {1: set()}
    f.do(handler(DISTRICT), c.Acknowledge(1))
    assert _can(f, handler(DISTRICT)) == {
        1: {"contact", "delegate", "reply", "send_back", "extension", "arrive"}
    }
    f.do(handler(DISTRICT), c.RequestExtension(1, until=f.now.replace(year=2030), reason="现场检测"))
    assert "extension" not in _can(f, handler(DISTRICT))[1]
    assert _can(f, dispatcher()) == {1: {"decide_extension"}}
    assert _can(f, reviewer(DISTRICT)) == {1: set()}


def test_a_delegated_reply_is_offered_to_the_nearest_reviewer_up_the_tree() -> None:
    f = in_progress(DISTRICT)
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(STREET), c.Acknowledge(2))
    f.do(handler(STREET), c.Delegate(2, to_unit=COMMUNITY))
    f.do(handler(COMMUNITY), c.Acknowledge(3))
    f.do(handler(COMMUNITY), c.Reply(3, reply="已处理"))

    class NoReviewerInTheStreet:
        def reviewer_for(self, delegating_unit: int) -> Reviewer:
            return (
                Reviewer(DISTRICT, "龙湾区人民政府", "Longwan District")
                if delegating_unit == STREET
                else Reviewer(delegating_unit)
            )

    tree_ctx = replace(plain_ctx(reviewer(DISTRICT), f.now), reviewers=NoReviewerInTheStreet())
    # the district's reviewer is above the community: it may also ask a grid to verify the reply
    assert possible_actions(f.t, tree_ctx)[3] == {"review", "request_verification"}
    street_ctx: Context = replace(tree_ctx, actor=reviewer(STREET))
    assert possible_actions(f.t, street_ctx)[3] == frozenset({"request_verification"})
    with pytest.raises(DomainError) as refused:
        handle(f.t, c.ReviewReply(3, approve=True), street_ctx)
    err = refused.value
    assert err.kind is ErrorKind.FORBIDDEN
    assert message(err.code, "zh", **err.params) == "只有龙湾区人民政府的审核人可以审核此派单"
    assert (
        message(err.code, "en", **err.params)
        == "Only a Unit reviewer of Longwan District may review this assignment"
    )
    after, _ = handle(f.t, c.ReviewReply(3, approve=True), tree_ctx)
    assert after.assignment(2).state.value == "replied"
