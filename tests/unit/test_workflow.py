"""Every transition of the ticket workflow, allowed and refused, driven through `handle`."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from hotline.domain import commands as c
from hotline.domain import events as e
from hotline.domain.errors import ErrorKind
from hotline.domain.ticket import Phase, derive_status, handle
from hotline.domain.vocabulary import (
    AssignmentRole,
    AssignmentState,
    EmergencyService,
    FollowUpMethod,
    Kind,
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
    Flow,
    citizen,
    ctx,
    dispatched,
    dispatcher,
    followed_up,
    handler,
    in_progress,
    operator,
    received,
    replied,
    reviewed,
    reviewer,
    submit,
    supervisor,
    system,
)

S = TicketStatus
A = AssignmentState
CONFLICT, FORBIDDEN, INVALID, NOT_FOUND = (
    ErrorKind.CONFLICT,
    ErrorKind.FORBIDDEN,
    ErrorKind.INVALID,
    ErrorKind.NOT_FOUND,
)


# --- intake ----------------------------------------------------------------------------------


def test_submit_creates_a_received_ticket_with_the_citizens_request():
    f = Flow()
    rec = f.do(operator(), submit())
    t = f.t
    assert t.status is S.RECEIVED and t.phase is Phase.RECEIVED
    assert (t.content, t.tracking_code, t.citizen_phone) == ("路灯不亮已经一周", "A1B2C3", "13800000000")
    assert t.received_at == f.now == t.updated_at
    assert t.version == 1 and t.assignments == ()
    assert (rec.seq, rec.from_status, rec.to_status) == (1, None, S.RECEIVED)
    assert isinstance(rec.event, e.TicketReceived) and rec.actor == operator() and rec.occurred_at == f.now


def test_submit_on_an_existing_ticket_is_refused():
    received().refuse(operator(), submit(), "transition.not_allowed", CONFLICT)


@pytest.mark.parametrize("actor", [citizen(), system(), operator(), dispatcher()])
def test_citizens_channels_and_centre_may_submit(actor):
    f = Flow()
    f.do(actor, submit())
    assert f.t.status is S.RECEIVED


def test_a_unit_handler_may_not_submit():
    Flow().refuse(handler(DISTRICT), submit(), "permission.role", FORBIDDEN)


def test_a_command_without_a_ticket_is_not_found():
    Flow().refuse(dispatcher(), c.Dispatch(lead_unit=DISTRICT), "ticket.not_found", NOT_FOUND)


# --- answer at intake ------------------------------------------------------------------------


def test_a_consultation_is_answered_at_intake():
    f = received(Kind.CONSULTATION)
    rec = f.do(operator(), c.AnswerAtIntake("  社保卡可在任一网点补办  "))
    assert f.t.status is S.ANSWERED and f.t.answer == "社保卡可在任一网点补办"
    assert (rec.from_status, rec.to_status) == (S.RECEIVED, S.ANSWERED)


def test_answer_at_intake_needs_text():
    received(Kind.CONSULTATION).refuse(operator(), c.AnswerAtIntake("   "), "reason.required", INVALID)


def test_answer_at_intake_only_from_received():
    f = dispatched()
    f.refuse(operator(), c.AnswerAtIntake("答复"), "transition.not_allowed", CONFLICT)
    f = received(Kind.CONSULTATION)
    f.do(operator(), c.AnswerAtIntake("答复"))
    f.refuse(operator(), c.AnswerAtIntake("再答复"), "transition.not_allowed", CONFLICT)


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.CONSULTATION])
def test_only_a_consultation_is_answered_at_intake(kind: Kind):
    f = received(kind)
    f.refuse(operator(), c.AnswerAtIntake("请耐心等待"), "answer.not_consultation", INVALID)
    assert f.t.status is S.RECEIVED


def test_a_unit_may_not_answer_at_intake():
    received().refuse(handler(DISTRICT), c.AnswerAtIntake("答复"), "permission.role", FORBIDDEN)


# --- dispatch --------------------------------------------------------------------------------


def test_dispatch_creates_a_pending_lead_and_pending_assists():
    f = received()
    rec = f.do(
        dispatcher(),
        c.Dispatch(lead_unit=DISTRICT, assist_units=(DEPARTMENT, OTHER_DISTRICT), category="路灯"),
    )
    t = f.t
    assert [(a.no, a.unit, a.role, a.state) for a in t.assignments] == [
        (1, DISTRICT, AssignmentRole.LEAD, A.PENDING),
        (2, DEPARTMENT, AssignmentRole.ASSIST, A.PENDING),
        (3, OTHER_DISTRICT, AssignmentRole.ASSIST, A.PENDING),
    ]
    assert all(a.dispatched_at == f.now and a.parent_no is None for a in t.assignments)
    assert t.lead_no == 1 and t.category == "路灯"
    assert t.status is S.DISPATCHED and t.phase is Phase.HANDLING
    assert (rec.seq, rec.from_status, rec.to_status) == (2, S.RECEIVED, S.DISPATCHED)


def test_the_system_may_auto_dispatch():
    f = received()
    f.do(system(), c.Dispatch(lead_unit=DISTRICT))
    assert f.t.status is S.DISPATCHED


@pytest.mark.parametrize(
    "command",
    [
        c.Dispatch(lead_unit=DISTRICT, assist_units=(DISTRICT,)),
        c.Dispatch(lead_unit=DISTRICT, assist_units=(DEPARTMENT, DEPARTMENT)),
    ],
    ids=["lead-also-assist", "duplicate-assists"],
)
def test_dispatch_refuses_a_unit_twice(command):
    received().refuse(dispatcher(), command, "dispatch.duplicate_unit", INVALID)


@pytest.mark.parametrize(
    "command",
    [c.Dispatch(lead_unit=CENTRE), c.Dispatch(lead_unit=DISTRICT, assist_units=(CENTRE,))],
    ids=["lead", "assist"],
)
def test_dispatch_to_the_centre_itself_is_refused(command):
    received().refuse(dispatcher(), command, "dispatch.centre", INVALID)


def test_dispatch_twice_is_refused():
    dispatched().refuse(dispatcher(), c.Dispatch(lead_unit=DEPARTMENT), "transition.not_allowed", CONFLICT)


def test_a_unit_may_not_dispatch():
    received().refuse(handler(DISTRICT), c.Dispatch(lead_unit=DEPARTMENT), "permission.role", FORBIDDEN)


# --- acknowledge -----------------------------------------------------------------------------


def test_acknowledge_puts_the_ticket_in_progress():
    f = dispatched()
    rec = f.do(handler(DISTRICT), c.Acknowledge(1))
    assert f.a(1).state is A.ACKNOWLEDGED and f.a(1).acknowledged_at == f.now
    assert f.t.status is S.IN_PROGRESS
    assert (rec.from_status, rec.to_status) == (S.DISPATCHED, S.IN_PROGRESS)


def test_a_grid_worker_of_the_unit_may_acknowledge():
    from hotline.domain.ticket import Actor
    from hotline.domain.vocabulary import Role

    f = dispatched(lead=COMMUNITY)
    f.do(Actor(Role.GRID_WORKER, user_id=1, unit_id=COMMUNITY), c.Acknowledge(1))
    assert f.t.status is S.IN_PROGRESS


def test_an_assist_acknowledging_leaves_the_ticket_dispatched():
    f = dispatched(assists=(DEPARTMENT,))
    f.do(handler(DEPARTMENT), c.Acknowledge(2))
    assert f.a(2).state is A.ACKNOWLEDGED
    assert f.t.status is S.DISPATCHED


def test_acknowledge_twice_is_a_conflict():
    in_progress().refuse(handler(DISTRICT), c.Acknowledge(1), "transition.not_allowed", CONFLICT)


def test_acknowledge_by_another_unit_is_forbidden():
    dispatched().refuse(handler(DEPARTMENT), c.Acknowledge(1), "permission.not_holder", FORBIDDEN)


def test_acknowledge_by_an_operator_is_forbidden_by_role():
    dispatched().refuse(operator(), c.Acknowledge(1), "permission.role", FORBIDDEN)


def test_acknowledge_an_unknown_assignment_is_not_found():
    dispatched().refuse(handler(DISTRICT), c.Acknowledge(9), "assignment.not_found", NOT_FOUND)


# --- contact and reply -----------------------------------------------------------------------


def test_contact_after_acknowledging():
    f = in_progress()
    rec = f.do(handler(DISTRICT), c.RecordContact(1, note="电话联系"))
    assert f.a(1).state is A.CONTACTED and f.a(1).contacted_at == f.now
    assert (rec.from_status, rec.to_status) == (S.IN_PROGRESS, S.IN_PROGRESS)


def test_contact_before_acknowledging_or_twice_is_refused():
    dispatched().refuse(handler(DISTRICT), c.RecordContact(1), "transition.not_allowed", CONFLICT)
    f = in_progress()
    f.do(handler(DISTRICT), c.RecordContact(1))
    f.refuse(handler(DISTRICT), c.RecordContact(1), "transition.not_allowed", CONFLICT)


def test_reply_before_acknowledging_is_refused():
    dispatched().refuse(handler(DISTRICT), c.Reply(1, "已处理"), "transition.not_allowed", CONFLICT)


@pytest.mark.parametrize("contact_first", [False, True])
def test_reply_after_acknowledging_makes_the_ticket_replied(contact_first):
    f = in_progress()
    if contact_first:
        f.do(handler(DISTRICT), c.RecordContact(1))
    rec = f.do(handler(DISTRICT), c.Reply(1, " 已修复 "))
    assert f.a(1).state is A.REPLIED and f.a(1).reply == "已修复" and f.a(1).replied_at == f.now
    assert (rec.from_status, rec.to_status) == (S.IN_PROGRESS, S.REPLIED)


def test_reply_needs_text_and_the_holder():
    f = in_progress()
    f.refuse(handler(DISTRICT), c.Reply(1, " "), "reason.required", INVALID)
    f.refuse(handler(STREET), c.Reply(1, "已修复"), "permission.not_holder", FORBIDDEN)


def test_reply_twice_is_refused():
    replied().refuse(handler(DISTRICT), c.Reply(1, "再次答复"), "transition.not_allowed", CONFLICT)


# --- delegate --------------------------------------------------------------------------------


def test_delegate_to_a_subordinate_creates_a_pending_child():
    f = in_progress()
    rec = f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    parent, child = f.a(1), f.a(2)
    assert parent.state is A.DELEGATED
    assert (child.unit, child.parent_no, child.role, child.state) == (
        STREET,
        1,
        AssignmentRole.LEAD,
        A.PENDING,
    )
    assert child.dispatched_at == f.now
    assert f.t.lead_no == 1 and f.t.status is S.IN_PROGRESS
    assert (rec.from_status, rec.to_status) == (S.IN_PROGRESS, S.IN_PROGRESS)


def test_delegate_to_any_depth_below():
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=COMMUNITY))
    assert f.a(2).unit == COMMUNITY


def test_a_child_may_delegate_further_down():
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(STREET), c.Acknowledge(2))
    f.do(handler(STREET), c.Delegate(2, to_unit=COMMUNITY))
    assert (f.a(3).unit, f.a(3).parent_no) == (COMMUNITY, 2)


def test_an_assist_delegates_as_an_assist():
    f = dispatched(assists=(DISTRICT,), lead=DEPARTMENT)
    f.do(handler(DISTRICT), c.Acknowledge(2))
    f.do(handler(DISTRICT), c.Delegate(2, to_unit=STREET))
    assert f.a(3).role is AssignmentRole.ASSIST


@pytest.mark.parametrize(
    "to_unit",
    [OTHER_DISTRICT, DEPARTMENT, CENTRE, DISTRICT],
    ids=["sibling", "other-branch", "parent", "itself"],
)
def test_delegate_outside_the_units_subtree_is_refused(to_unit):
    in_progress().refuse(
        handler(DISTRICT), c.Delegate(1, to_unit=to_unit), "delegate.not_subordinate", INVALID
    )


def test_a_street_may_not_delegate_to_its_sibling_street():
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(STREET), c.Acknowledge(2))
    f.refuse(handler(STREET), c.Delegate(2, to_unit=OTHER_STREET), "delegate.not_subordinate", INVALID)


def test_delegate_before_acknowledging_or_twice_is_refused():
    dispatched().refuse(handler(DISTRICT), c.Delegate(1, to_unit=STREET), "transition.not_allowed", CONFLICT)
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.refuse(handler(DISTRICT), c.Delegate(1, to_unit=OTHER_STREET), "transition.not_allowed", CONFLICT)
    f.refuse(handler(DISTRICT), c.Reply(1, "自己答复"), "transition.not_allowed", CONFLICT)


def test_the_parent_unit_may_not_act_on_the_child_assignment():
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.refuse(handler(DISTRICT), c.Acknowledge(2), "permission.not_holder", FORBIDDEN)


# --- review of a delegated child by the parent unit -------------------------------------------


def delegated_and_child_replied(contacted: bool = False) -> Flow:
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(STREET), c.Acknowledge(2))
    if contacted:
        f.do(handler(STREET), c.RecordContact(2))
    f.do(handler(STREET), c.Reply(2, "街道已修复路灯"))
    return f


def test_a_child_reply_leaves_the_ticket_in_progress():
    f = delegated_and_child_replied()
    assert f.a(2).state is A.REPLIED and f.a(1).state is A.DELEGATED
    assert f.t.status is S.IN_PROGRESS


def test_the_parent_reviewer_approves_the_child_reply_and_the_parent_replies_with_it():
    f = delegated_and_child_replied()
    rec = f.do(reviewer(DISTRICT), c.ReviewReply(2, approve=True))
    assert f.a(2).state is A.APPROVED and f.a(2).reviewed_at == f.now
    assert f.a(1).state is A.REPLIED and f.a(1).reply == "街道已修复路灯" and f.a(1).replied_at == f.now
    assert (rec.from_status, rec.to_status) == (S.IN_PROGRESS, S.REPLIED)
    # and the centre then reviews the lead as usual
    f.do(dispatcher(), c.ReviewReply(1, approve=True))
    assert f.t.status is S.REVIEWED


@pytest.mark.parametrize("contacted", [False, True])
def test_the_parent_reviewer_rejects_the_child_reply_and_the_child_works_again(contacted):
    f = delegated_and_child_replied(contacted)
    f.do(reviewer(DISTRICT), c.ReviewReply(2, approve=False, reason="未附照片"))
    child = f.a(2)
    assert child.state is (A.CONTACTED if contacted else A.ACKNOWLEDGED)
    assert child.rejections == 1 and child.reply is None
    assert f.a(1).state is A.DELEGATED and f.t.status is S.IN_PROGRESS
    f.do(handler(STREET), c.Reply(2, "补充照片"))
    f.do(reviewer(DISTRICT), c.ReviewReply(2, approve=False, reason="仍不清楚"))
    assert f.a(2).rejections == 2


def test_a_replys_photos_go_up_with_the_approved_child_reply_and_a_rejection_drops_them():
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(STREET), c.Acknowledge(2))
    rec = f.do(handler(STREET), c.Reply(2, "已修复", media=("a.jpg",)))
    assert rec.event == e.AssignmentReplied(no=2, reply="已修复", media=("a.jpg",))
    assert f.a(2).reply_media == ("a.jpg",)
    f.do(reviewer(DISTRICT), c.ReviewReply(2, approve=False, reason="看不清"))
    assert f.a(2).reply_media == ()
    f.do(handler(STREET), c.Reply(2, "已修复，补拍", media=("b.jpg", "c.jpg")))
    f.do(reviewer(DISTRICT), c.ReviewReply(2, approve=True))
    assert f.a(1).reply_media == ("b.jpg", "c.jpg")  # the parent's reply is the child's, photos too


def test_rejecting_a_reply_needs_a_reason():
    f = delegated_and_child_replied()
    f.refuse(reviewer(DISTRICT), c.ReviewReply(2, approve=False), "reason.required", INVALID)


@pytest.mark.parametrize(
    "actor",
    [reviewer(OTHER_DISTRICT), reviewer(STREET), reviewer(CENTRE), dispatcher()],
    ids=["other-unit", "child-unit-itself", "centre-unit-reviewer", "dispatcher"],
)
def test_only_the_parent_units_reviewer_reviews_a_child(actor):
    f = delegated_and_child_replied()
    f.refuse(actor, c.ReviewReply(2, approve=True), "permission.not_reviewer", FORBIDDEN)


def test_a_handler_may_not_review():
    f = delegated_and_child_replied()
    f.refuse(handler(DISTRICT), c.ReviewReply(2, approve=True), "permission.role", FORBIDDEN)


def test_a_grandchild_is_reviewed_by_its_own_parent_the_street():
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(STREET), c.Acknowledge(2))
    f.do(handler(STREET), c.Delegate(2, to_unit=COMMUNITY))
    f.do(handler(COMMUNITY), c.Acknowledge(3))
    f.do(handler(COMMUNITY), c.Reply(3, "社区已处理"))
    f.refuse(reviewer(DISTRICT), c.ReviewReply(3, approve=True), "permission.not_reviewer", FORBIDDEN)
    f.do(reviewer(STREET), c.ReviewReply(3, approve=True))
    assert f.a(2).state is A.REPLIED and f.a(1).state is A.DELEGATED
    f.do(reviewer(DISTRICT), c.ReviewReply(2, approve=True))
    assert f.a(1).reply == "社区已处理" and f.t.status is S.REPLIED


# --- review of the lead by the centre --------------------------------------------------------


def test_the_centre_approves_the_lead_reply():
    f = replied()
    rec = f.do(dispatcher(), c.ReviewReply(1, approve=True))
    assert f.a(1).state is A.APPROVED and f.a(1).reviewed_at == f.now
    assert (rec.from_status, rec.to_status) == (S.REPLIED, S.REVIEWED)


def test_the_centre_may_not_approve_the_lead_while_an_assist_is_open():
    f = in_progress(assists=(DEPARTMENT,))
    f.do(handler(DISTRICT), c.Reply(1, "主办已处理"))
    f.refuse(dispatcher(), c.ReviewReply(1, approve=True), "ticket.assists_open", CONFLICT)
    f.do(handler(DEPARTMENT), c.Acknowledge(2))
    f.refuse(dispatcher(), c.ReviewReply(1, approve=True), "ticket.assists_open", CONFLICT)
    f.do(handler(DEPARTMENT), c.Reply(2, "协办意见"))
    f.do(dispatcher(), c.ReviewReply(1, approve=True))
    assert f.t.status is S.REVIEWED


def test_the_centre_may_not_approve_the_lead_while_an_assists_send_back_is_undecided():
    # The centre may still reject the send-back and put the assist back to work: it has not replied.
    f = in_progress(assists=(DEPARTMENT,))
    f.do(handler(DEPARTMENT), c.SendBack(2, "不属于本部门"))
    f.do(handler(DISTRICT), c.Reply(1, "主办已处理"))
    f.refuse(dispatcher(), c.ReviewReply(1, approve=True), "ticket.assists_open", CONFLICT)
    f.do(dispatcher(), c.DecideSendBack(2, accept=True))
    f.do(dispatcher(), c.ReviewReply(1, approve=True))
    assert f.t.status is S.REVIEWED


def test_the_centre_may_reject_the_lead_while_an_assist_is_open():
    f = in_progress(assists=(DEPARTMENT,))
    f.do(handler(DISTRICT), c.Reply(1, "主办已处理"))
    f.do(dispatcher(), c.ReviewReply(1, approve=False, reason="不完整"))
    assert f.t.status is S.IN_PROGRESS


def test_approving_an_assist_does_not_move_the_ticket():
    f = in_progress(assists=(DEPARTMENT,))
    f.do(handler(DEPARTMENT), c.Acknowledge(2))
    f.do(handler(DEPARTMENT), c.Reply(2, "协办意见"))
    rec = f.do(dispatcher(), c.ReviewReply(2, approve=True))
    assert f.a(2).state is A.APPROVED
    assert rec.from_status is rec.to_status is S.IN_PROGRESS


def test_the_centre_rejects_the_lead_reply_and_the_unit_works_again():
    f = replied()
    rec = f.do(dispatcher(), c.ReviewReply(1, approve=False, reason="答复不具体"))
    assert f.a(1).state is A.ACKNOWLEDGED and f.a(1).rejections == 1 and f.a(1).reply is None
    assert (rec.from_status, rec.to_status) == (S.REPLIED, S.IN_PROGRESS)
    f.do(handler(DISTRICT), c.Reply(1, "已具体说明"))
    assert f.t.status is S.REPLIED


def test_a_unit_reviewer_may_not_review_a_top_level_assignment():
    replied().refuse(reviewer(DISTRICT), c.ReviewReply(1, approve=True), "permission.not_reviewer", FORBIDDEN)


def test_review_before_a_reply_is_refused():
    in_progress().refuse(dispatcher(), c.ReviewReply(1, approve=True), "transition.not_allowed", CONFLICT)
    reviewed().refuse(dispatcher(), c.ReviewReply(1, approve=True), "transition.not_allowed", CONFLICT)


# --- send back -------------------------------------------------------------------------------


def test_send_back_needs_a_reason():
    dispatched().refuse(handler(DISTRICT), c.SendBack(1, "  "), "reason.required", INVALID)


@pytest.mark.parametrize("acknowledge", [False, True])
def test_send_back_waits_for_the_centre(acknowledge):
    f = in_progress() if acknowledge else dispatched()
    before = f.t.status
    rec = f.do(handler(DISTRICT), c.SendBack(1, "不属于本单位职责"))
    assert f.a(1).state is A.SENT_BACK and f.a(1).send_back_reason == "不属于本单位职责"
    assert f.a(1).awaits_send_back_decision
    assert (rec.from_status, rec.to_status) == (before, S.SENT_BACK)


def test_send_back_after_replying_is_refused():
    replied().refuse(handler(DISTRICT), c.SendBack(1, "不归我管"), "transition.not_allowed", CONFLICT)


def test_the_centre_accepts_a_send_back_and_the_ticket_is_received_again():
    f = dispatched()
    f.do(handler(DISTRICT), c.SendBack(1, "不属于本单位职责"))
    rec = f.do(dispatcher(), c.DecideSendBack(1, accept=True))
    assert f.t.status is S.RECEIVED and f.t.lead_no is None
    assert f.a(1).is_settled and f.a(1).improper_send_backs == 0
    assert (rec.from_status, rec.to_status) == (S.SENT_BACK, S.RECEIVED)
    f.do(dispatcher(), c.Dispatch(lead_unit=DEPARTMENT))
    assert f.t.lead_no == 2 and f.a(2).unit == DEPARTMENT and f.t.status is S.DISPATCHED


def test_the_centre_accepts_a_send_back_and_redispatches_at_once():
    f = in_progress()
    f.do(handler(DISTRICT), c.SendBack(1, "属于部门职责"))
    rec = f.do(
        dispatcher(),
        c.DecideSendBack(1, accept=True, redispatch_to=DEPARTMENT, redispatch_assists=(OTHER_DISTRICT,)),
    )
    assert f.t.lead_no == 2
    assert [(a.no, a.unit, a.role, a.state) for a in f.t.assignments[1:]] == [
        (2, DEPARTMENT, AssignmentRole.LEAD, A.PENDING),
        (3, OTHER_DISTRICT, AssignmentRole.ASSIST, A.PENDING),
    ]
    assert f.a(1).is_settled
    assert (rec.from_status, rec.to_status) == (S.SENT_BACK, S.DISPATCHED)


def test_redispatch_to_the_centre_is_refused():
    f = dispatched()
    f.do(handler(DISTRICT), c.SendBack(1, "不归我管"))
    f.refuse(dispatcher(), c.DecideSendBack(1, accept=True, redispatch_to=CENTRE), "dispatch.centre", INVALID)


@pytest.mark.parametrize("contacted", [False, True])
def test_the_centre_rejects_a_send_back_as_improper(contacted):
    f = in_progress()
    if contacted:
        f.do(handler(DISTRICT), c.RecordContact(1))
    f.do(handler(DISTRICT), c.SendBack(1, "不归我管"))
    f.refuse(dispatcher(), c.DecideSendBack(1, accept=False), "reason.required", INVALID)
    rec = f.do(dispatcher(), c.DecideSendBack(1, accept=False, reason="属于本单位职责"))
    assert f.a(1).state is (A.CONTACTED if contacted else A.ACKNOWLEDGED)
    assert f.a(1).improper_send_backs == 1 and not f.a(1).awaits_send_back_decision
    assert (rec.from_status, rec.to_status) == (S.SENT_BACK, S.IN_PROGRESS)


def test_an_improperly_sent_back_pending_assignment_is_pending_again():
    f = dispatched()
    f.do(handler(DISTRICT), c.SendBack(1, "不归我管"))
    f.do(dispatcher(), c.DecideSendBack(1, accept=False, reason="属于本单位"))
    assert f.a(1).state is A.PENDING and f.t.status is S.DISPATCHED


def test_deciding_a_send_back_when_none_is_pending_is_refused():
    f = in_progress()
    f.refuse(dispatcher(), c.DecideSendBack(1, accept=True), "send_back.none_pending", CONFLICT)
    f.do(handler(DISTRICT), c.SendBack(1, "不归我管"))
    f.do(dispatcher(), c.DecideSendBack(1, accept=False, reason="属于本单位"))
    f.refuse(dispatcher(), c.DecideSendBack(1, accept=True), "send_back.none_pending", CONFLICT)


def test_a_unit_reviewer_may_not_decide_a_top_level_send_back():
    f = dispatched()
    f.do(handler(DISTRICT), c.SendBack(1, "不归我管"))
    f.refuse(reviewer(DISTRICT), c.DecideSendBack(1, accept=True), "permission.not_reviewer", FORBIDDEN)


def test_an_assists_accepted_send_back_leaves_the_lead_alone():
    f = in_progress(assists=(DEPARTMENT,))
    f.do(handler(DEPARTMENT), c.SendBack(2, "无关"))
    assert f.t.status is S.IN_PROGRESS
    f.refuse(
        dispatcher(),
        c.DecideSendBack(2, accept=True, redispatch_to=OTHER_DISTRICT),
        "assignment.not_top_level",
        INVALID,
    )
    f.do(dispatcher(), c.DecideSendBack(2, accept=True))
    assert f.a(2).is_settled and f.t.lead_no == 1 and f.t.status is S.IN_PROGRESS


def delegated_child_sent_back() -> Flow:
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(STREET), c.Acknowledge(2))
    f.do(handler(STREET), c.SendBack(2, "不在本街道辖区"))
    return f


def test_a_child_send_back_does_not_change_the_ticket_status():
    f = delegated_child_sent_back()
    assert f.a(2).awaits_send_back_decision and f.t.status is S.IN_PROGRESS


def test_the_parent_reviewer_accepts_a_child_send_back_and_takes_the_work_back():
    f = delegated_child_sent_back()
    f.refuse(dispatcher(), c.DecideSendBack(2, accept=True), "permission.not_reviewer", FORBIDDEN)
    f.refuse(reviewer(STREET), c.DecideSendBack(2, accept=True), "permission.not_reviewer", FORBIDDEN)
    f.refuse(
        reviewer(DISTRICT),
        c.DecideSendBack(2, accept=True, redispatch_to=DEPARTMENT),
        "assignment.not_top_level",
        INVALID,
    )
    f.do(reviewer(DISTRICT), c.DecideSendBack(2, accept=True))
    assert f.a(2).is_settled and f.a(1).state is A.ACKNOWLEDGED
    assert f.t.status is S.IN_PROGRESS
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=OTHER_STREET))
    assert (f.a(3).unit, f.a(3).parent_no) == (OTHER_STREET, 1)


def test_the_parent_reviewer_rejects_a_child_send_back():
    f = delegated_child_sent_back()
    f.do(reviewer(DISTRICT), c.DecideSendBack(2, accept=False, reason="属于本街道"))
    assert f.a(2).state is A.ACKNOWLEDGED and f.a(2).improper_send_backs == 1
    assert f.a(1).state is A.DELEGATED


# --- extension -------------------------------------------------------------------------------


def test_request_an_extension():
    f = in_progress()
    until = T0 + timedelta(days=10)
    rec = f.do(handler(DISTRICT), c.RequestExtension(1, until=until, reason="需协调施工"))
    a = f.a(1)
    assert (a.pending_extension_until, a.pending_extension_reason) == (until, "需协调施工")
    assert a.reply_due_at is None and rec.from_status is rec.to_status is S.IN_PROGRESS


def test_a_second_extension_request_while_one_is_pending_is_refused():
    f = in_progress()
    f.do(handler(DISTRICT), c.RequestExtension(1, until=T0 + timedelta(days=10), reason="需协调"))
    f.refuse(
        handler(DISTRICT),
        c.RequestExtension(1, until=T0 + timedelta(days=20), reason="再延"),
        "extension.pending",
        CONFLICT,
    )


def test_an_extension_into_the_past_is_refused():
    f = in_progress()
    f.refuse(
        handler(DISTRICT), c.RequestExtension(1, until=T0, reason="需协调"), "extension.not_later", INVALID
    )


def test_an_extension_needs_a_reason_and_the_holder():
    f = in_progress()
    until = T0 + timedelta(days=10)
    f.refuse(handler(DISTRICT), c.RequestExtension(1, until=until, reason=""), "reason.required", INVALID)
    f.refuse(
        handler(DEPARTMENT),
        c.RequestExtension(1, until=until, reason="x"),
        "permission.not_holder",
        FORBIDDEN,
    )


def test_an_extension_before_acknowledging_or_after_replying_is_refused():
    until = T0 + timedelta(days=10)
    for f in (dispatched(), replied()):
        f.refuse(
            handler(DISTRICT),
            c.RequestExtension(1, until=until, reason="x"),
            "transition.not_allowed",
            CONFLICT,
        )


def test_an_extension_to_a_date_without_a_time_zone_is_refused_not_a_crash():
    f = in_progress()
    naive = (T0 + timedelta(days=10)).replace(tzinfo=None)
    f.refuse(
        handler(DISTRICT), c.RequestExtension(1, until=naive, reason="需协调"), "validation.failed", INVALID
    )


def test_a_delegating_unit_may_ask_for_more_time():
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(DISTRICT), c.RequestExtension(1, until=T0 + timedelta(days=10), reason="街道需协调"))
    assert f.a(1).pending_extension_until is not None


def with_known_deadline(f: Flow, no: int, due):
    """The reply deadline as the SLA layer stores it on the assignment (no event sets it)."""
    a = f.a(no)
    f.ticket = replace(
        f.t, assignments=tuple(replace(a, reply_due_at=due) if x.no == no else x for x in f.t.assignments)
    )


def test_an_approved_extension_moves_the_deadline_and_keeps_the_original():
    f = in_progress()
    original = T0 + timedelta(days=3)
    with_known_deadline(f, 1, original)
    f.refuse(
        handler(DISTRICT),
        c.RequestExtension(1, until=original, reason="需协调"),
        "extension.not_later",
        INVALID,
    )
    first, second = T0 + timedelta(days=10), T0 + timedelta(days=15)
    f.do(handler(DISTRICT), c.RequestExtension(1, until=first, reason="需协调"))
    f.do(dispatcher(), c.DecideExtension(1, approve=True))
    a = f.a(1)
    assert (a.reply_due_at, a.original_reply_due_at, a.extensions_approved) == (first, original, 1)
    assert a.pending_extension_until is None and a.pending_extension_reason is None
    f.refuse(
        handler(DISTRICT), c.RequestExtension(1, until=first, reason="再延"), "extension.not_later", INVALID
    )
    f.do(handler(DISTRICT), c.RequestExtension(1, until=second, reason="再延"))
    f.do(dispatcher(), c.DecideExtension(1, approve=True))
    a = f.a(1)
    assert (a.reply_due_at, a.original_reply_due_at, a.extensions_approved) == (second, original, 2)


def test_a_second_approved_extension_does_not_pass_the_first_off_as_the_original():
    # Replayed from the log alone the assignment has no stored deadline: the original is unknown,
    # and must stay unknown rather than become the first extension's date.
    f = in_progress()
    first, second = T0 + timedelta(days=10), T0 + timedelta(days=15)
    for until in (first, second):
        f.do(handler(DISTRICT), c.RequestExtension(1, until=until, reason="需协调"))
        f.do(dispatcher(), c.DecideExtension(1, approve=True))
    a = f.replayed().assignment(1)
    assert a.reply_due_at == second and a.extensions_approved == 2
    assert a.original_reply_due_at is None


def test_a_refused_extension_is_cleared_and_the_deadline_stays():
    f = in_progress()
    with_known_deadline(f, 1, T0 + timedelta(days=3))
    f.do(handler(DISTRICT), c.RequestExtension(1, until=T0 + timedelta(days=10), reason="需协调"))
    f.refuse(dispatcher(), c.DecideExtension(1, approve=False), "reason.required", INVALID)
    f.do(dispatcher(), c.DecideExtension(1, approve=False, reason="理由不足"))
    a = f.a(1)
    assert a.pending_extension_until is None and a.reply_due_at == T0 + timedelta(days=3)
    assert a.extensions_approved == 0 and a.original_reply_due_at is None
    f.do(handler(DISTRICT), c.RequestExtension(1, until=T0 + timedelta(days=5), reason="再申请"))


def test_deciding_an_extension_needs_one_pending_and_the_centre():
    f = in_progress()
    f.refuse(dispatcher(), c.DecideExtension(1, approve=True), "extension.none_pending", CONFLICT)
    f.do(handler(DISTRICT), c.RequestExtension(1, until=T0 + timedelta(days=10), reason="需协调"))
    f.refuse(reviewer(DISTRICT), c.DecideExtension(1, approve=True), "permission.role", FORBIDDEN)


# --- supervise and urge ----------------------------------------------------------------------


def test_supervise_once():
    f = in_progress()
    rec = f.do(supervisor(), c.Supervise(note="市领导关注"))
    assert f.t.supervised and rec.from_status is rec.to_status is S.IN_PROGRESS
    f.refuse(dispatcher(), c.Supervise(), "supervise.already", CONFLICT)


def test_a_unit_may_not_supervise():
    in_progress().refuse(handler(DISTRICT), c.Supervise(), "permission.role", FORBIDDEN)


def test_urge_counts_on_open_assignments():
    f = dispatched(assists=(DEPARTMENT,))
    f.do(supervisor(), c.Urge(1))
    f.do(system(), c.Urge(1, note="即将超时"))
    f.do(dispatcher(), c.Urge(2))
    assert (f.a(1).urges, f.a(2).urges) == (2, 1)
    assert f.t.status is S.DISPATCHED


def test_urge_a_delegated_assignment():
    f = in_progress()
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(supervisor(), c.Urge(1))
    f.do(supervisor(), c.Urge(2))
    assert (f.a(1).urges, f.a(2).urges) == (1, 1)


def test_urge_a_replied_or_sent_back_assignment_is_refused():
    f = replied()
    f.refuse(supervisor(), c.Urge(1), "transition.not_allowed", CONFLICT)
    f = dispatched()
    f.do(handler(DISTRICT), c.SendBack(1, "不归我管"))
    f.refuse(supervisor(), c.Urge(1), "transition.not_allowed", CONFLICT)
    f.refuse(supervisor(), c.Urge(7), "assignment.not_found", NOT_FOUND)
    f.refuse(handler(DEPARTMENT), c.Urge(1), "permission.role", FORBIDDEN)


# --- follow-up, reopen, close ----------------------------------------------------------------


def test_follow_up_a_reviewed_ticket():
    f = reviewed()
    rec = f.do(
        system(),
        c.RecordFollowUp(
            contacted=True, solved=True, satisfaction=Satisfaction.SATISFIED, method=FollowUpMethod.ROBOT
        ),
    )
    fu = f.t.follow_up
    assert fu is not None and (fu.satisfaction, fu.method, fu.at) == (
        Satisfaction.SATISFIED,
        FollowUpMethod.ROBOT,
        f.now,
    )
    assert (rec.from_status, rec.to_status) == (S.REVIEWED, S.FOLLOWED_UP)


def test_follow_up_an_answered_consultation():
    f = received(Kind.CONSULTATION)
    f.do(operator(), c.AnswerAtIntake("可以网上办理"))
    f.do(citizen(), c.RecordFollowUp(contacted=True, solved=True, satisfaction=Satisfaction.FAIRLY_SATISFIED))
    assert f.t.status is S.FOLLOWED_UP


@pytest.mark.parametrize("make", [received, dispatched, in_progress, replied], ids=lambda m: m.__name__)
def test_follow_up_before_review_is_refused(make):
    make().refuse(
        operator(),
        c.RecordFollowUp(contacted=True, solved=True, satisfaction=Satisfaction.SATISFIED),
        "transition.not_allowed",
        CONFLICT,
    )


def test_follow_up_twice_is_refused():
    followed_up(Satisfaction.SATISFIED).refuse(
        operator(),
        c.RecordFollowUp(contacted=True, solved=True, satisfaction=Satisfaction.SATISFIED),
        "transition.not_allowed",
        CONFLICT,
    )


def test_reopen_after_an_unsatisfied_follow_up_goes_back_to_the_same_lead_unit():
    f = followed_up(Satisfaction.UNSATISFIED)
    rec = f.do(dispatcher(), c.Reopen("诉求人反映路灯仍不亮"))
    t = f.t
    assert t.status is S.REOPENED and t.reopen_count == 1 and t.follow_up is None
    assert t.lead_no == 2
    assert (f.a(2).unit, f.a(2).role, f.a(2).state, f.a(2).parent_no) == (
        DISTRICT,
        AssignmentRole.LEAD,
        A.PENDING,
        None,
    )
    assert f.a(1).state is A.APPROVED
    assert (rec.from_status, rec.to_status) == (S.FOLLOWED_UP, S.REOPENED)
    f.do(handler(DISTRICT), c.Acknowledge(2))
    assert f.t.status is S.IN_PROGRESS
    f.do(handler(DISTRICT), c.Reply(2, "已更换灯泡"))
    f.do(dispatcher(), c.ReviewReply(2, approve=True))
    f.do(operator(), c.RecordFollowUp(contacted=True, solved=False, satisfaction=Satisfaction.UNSATISFIED))
    f.do(dispatcher(), c.Reopen("仍不满意"))
    assert f.t.reopen_count == 2 and f.t.lead_no == 3 and f.a(3).unit == DISTRICT


def test_reopen_goes_to_the_lead_unit_that_replaced_a_sent_back_one():
    f = dispatched()
    f.do(handler(DISTRICT), c.SendBack(1, "不归我管"))
    f.do(dispatcher(), c.DecideSendBack(1, accept=True, redispatch_to=DEPARTMENT))
    f.do(handler(DEPARTMENT), c.Acknowledge(2))
    f.do(handler(DEPARTMENT), c.Reply(2, "已处理"))
    f.do(dispatcher(), c.ReviewReply(2, approve=True))
    f.do(operator(), c.RecordFollowUp(contacted=True, solved=False, satisfaction=Satisfaction.UNSATISFIED))
    f.do(dispatcher(), c.Reopen("不满意"))
    assert f.a(f.t.lead_no).unit == DEPARTMENT


def test_reopening_an_answered_consultation_brings_it_back_to_intake():
    f = received(Kind.CONSULTATION)
    f.do(operator(), c.AnswerAtIntake("可以网上办理"))
    f.do(operator(), c.RecordFollowUp(contacted=True, solved=False, satisfaction=Satisfaction.UNSATISFIED))
    f.do(dispatcher(), c.Reopen("答复有误"))
    assert f.t.status is S.RECEIVED and f.t.reopen_count == 1 and f.t.assignments == ()
    f.do(dispatcher(), c.Dispatch(lead_unit=DEPARTMENT))
    assert f.t.status is S.REOPENED


def test_reopen_needs_a_reason_and_a_follow_up():
    f = followed_up(Satisfaction.UNSATISFIED)
    f.refuse(dispatcher(), c.Reopen(" "), "reason.required", INVALID)
    f.refuse(handler(DISTRICT), c.Reopen("x"), "permission.role", FORBIDDEN)
    reviewed().refuse(dispatcher(), c.Reopen("x"), "transition.not_allowed", CONFLICT)


@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED])
def test_close_a_satisfied_ticket_without_a_reason(satisfaction):
    f = followed_up(satisfaction)
    rec = f.do(operator(), c.Close())
    assert f.t.status is S.CLOSED and f.t.closed_at == f.now and f.t.close_reason is None
    assert (rec.from_status, rec.to_status) == (S.FOLLOWED_UP, S.CLOSED)


def test_close_an_unsatisfied_ticket_needs_a_reason():
    f = followed_up(Satisfaction.UNSATISFIED)
    f.refuse(dispatcher(), c.Close(), "close.reason_required", INVALID)
    f.refuse(dispatcher(), c.Close("  "), "close.reason_required", INVALID)
    f.do(dispatcher(), c.Close(" 诉求不合法 "))
    assert f.t.status is S.CLOSED and f.t.close_reason == "诉求不合法"


def test_close_without_a_follow_up_needs_a_reason():
    f = reviewed()
    f.refuse(dispatcher(), c.Close(), "close.reason_required", INVALID)
    f.do(dispatcher(), c.Close("诉求人拒绝回访"))
    assert f.t.status is S.CLOSED


@pytest.mark.parametrize("make", [received, dispatched, in_progress, replied], ids=lambda m: m.__name__)
def test_close_before_review_is_refused(make):
    make().refuse(dispatcher(), c.Close("强行办结"), "transition.not_allowed", CONFLICT)


def test_a_unit_may_not_close():
    followed_up(Satisfaction.SATISFIED).refuse(handler(DISTRICT), c.Close(), "permission.role", FORBIDDEN)


# --- withdraw, hand off, merge ---------------------------------------------------------------


def test_withdraw_cancels_every_unfinished_assignment():
    f = in_progress(assists=(DEPARTMENT, OTHER_DISTRICT))
    f.do(handler(DISTRICT), c.Reply(1, "已处理"))
    f.do(handler(OTHER_DISTRICT), c.SendBack(3, "无关"))
    f.do(dispatcher(), c.DecideSendBack(3, accept=True))
    rec = f.do(citizen(), c.Withdraw("问题已自行解决"))
    assert f.t.status is S.WITHDRAWN
    assert [a.state for a in f.t.assignments] == [A.CANCELLED, A.CANCELLED, A.SENT_BACK]
    assert (rec.from_status, rec.to_status) == (S.REPLIED, S.WITHDRAWN)


def test_withdraw_needs_a_reason():
    dispatched().refuse(citizen(), c.Withdraw(""), "reason.required", INVALID)


def test_a_withdrawn_ticket_refuses_everything():
    f = dispatched()
    f.do(operator(), c.Withdraw("不需要了"))
    f.refuse(handler(DISTRICT), c.Acknowledge(1), "ticket.terminal", CONFLICT)
    f.refuse(supervisor(), c.Urge(1), "ticket.terminal", CONFLICT)
    f.refuse(operator(), c.Withdraw("再撤"), "ticket.terminal", CONFLICT)


@pytest.mark.parametrize("make", [received, dispatched], ids=lambda m: m.__name__)
def test_emergency_hand_off(make):
    f = make()
    rec = f.do(operator(), c.HandOff(EmergencyService.FIRE, reason="有明火"))
    assert f.t.status is S.HANDED_OFF and f.t.handed_off_to is EmergencyService.FIRE
    assert all(a.state is A.CANCELLED for a in f.t.assignments)
    assert rec.to_status is S.HANDED_OFF
    f.refuse(dispatcher(), c.Dispatch(lead_unit=DISTRICT), "ticket.terminal", CONFLICT)


@pytest.mark.parametrize("make", [in_progress, replied, reviewed], ids=lambda m: m.__name__)
def test_emergency_hand_off_is_refused_once_a_unit_works_on_it(make):
    make().refuse(
        operator(), c.HandOff(EmergencyService.POLICE, reason="打架"), "transition.not_allowed", CONFLICT
    )


def test_emergency_hand_off_needs_a_reason():
    received().refuse(
        operator(), c.HandOff(EmergencyService.AMBULANCE, reason=" "), "reason.required", INVALID
    )


def test_merge_into_itself_is_refused():
    received().refuse(
        dispatcher(),
        c.MergeInto(target_ticket=7, target_status="received", this_ticket=7),
        "merge.self",
        INVALID,
    )


@pytest.mark.parametrize("target_status", ["closed", "merged", "withdrawn", "handed_off"])
def test_merge_into_a_finished_ticket_is_refused(target_status):
    received().refuse(
        dispatcher(),
        c.MergeInto(target_ticket=8, target_status=target_status),
        "merge.target_finished",
        CONFLICT,
    )


def test_merge_cancels_open_assignments():
    f = in_progress(assists=(DEPARTMENT,))
    rec = f.do(
        dispatcher(),
        c.MergeInto(target_ticket=8, target_status="in_progress", reason="同一路灯", this_ticket=9),
    )
    assert f.t.status is S.MERGED and f.t.merged_into == 8
    assert [a.state for a in f.t.assignments] == [A.CANCELLED, A.CANCELLED]
    assert (rec.from_status, rec.to_status) == (S.IN_PROGRESS, S.MERGED)
    f.refuse(handler(DISTRICT), c.Reply(1, "已处理"), "ticket.terminal", CONFLICT)


def test_a_replied_ticket_cannot_be_merged():
    replied().refuse(
        dispatcher(),
        c.MergeInto(target_ticket=8, target_status="received"),
        "transition.not_allowed",
        CONFLICT,
    )


def test_the_target_records_the_duplicate_it_absorbed():
    f = in_progress()
    rec = f.do(dispatcher(), c.AttachDuplicate(duplicate_ticket=9))
    f.do(operator(), c.AttachDuplicate(duplicate_ticket=10))
    assert f.t.duplicates == (9, 10)
    assert rec.from_status is rec.to_status is S.IN_PROGRESS


# --- the log ---------------------------------------------------------------------------------


def test_a_full_life_is_logged_step_by_step_and_replays_to_the_same_ticket():
    f = in_progress(assists=(DEPARTMENT,))
    f.do(handler(DISTRICT), c.RecordContact(1))
    f.do(handler(DISTRICT), c.Delegate(1, to_unit=STREET))
    f.do(handler(STREET), c.Acknowledge(3))
    f.do(handler(STREET), c.Reply(3, "已修复"))
    f.do(reviewer(DISTRICT), c.ReviewReply(3, approve=True))
    f.do(handler(DEPARTMENT), c.Acknowledge(2))
    f.do(handler(DEPARTMENT), c.Reply(2, "配合完成"))
    f.do(dispatcher(), c.ReviewReply(1, approve=True))
    f.do(operator(), c.RecordFollowUp(contacted=True, solved=True, satisfaction=Satisfaction.SATISFIED))
    f.do(operator(), c.Close())
    assert [r.seq for r in f.log] == list(range(1, len(f.log) + 1))
    assert f.t.version == len(f.log)
    for before, after in itertools.pairwise(f.log):
        assert after.from_status is before.to_status
        assert after.occurred_at > before.occurred_at
    assert [r.to_status for r in f.log if r.from_status is not r.to_status] == [
        S.RECEIVED,
        S.DISPATCHED,
        S.IN_PROGRESS,
        S.REPLIED,
        S.REVIEWED,
        S.FOLLOWED_UP,
        S.CLOSED,
    ]
    assert f.replayed() == f.t
    assert f.t.updated_at == f.log[-1].occurred_at
    assert derive_status(f.t) is S.CLOSED


def test_handle_does_not_change_the_ticket_it_is_given():
    f = dispatched()
    before = f.t
    snapshot = replace(before)
    handle(before, c.Acknowledge(1), ctx(handler(DISTRICT), T0 + timedelta(hours=1)))
    assert before == snapshot and before.assignments[0].state is A.PENDING


def test_an_extension_cannot_be_decided_after_the_unit_replied():
    # More time means nothing once the reply is in: deciding it would move a deadline already met.
    f = in_progress()
    f.do(handler(DISTRICT), c.RequestExtension(1, until=T0 + timedelta(days=10), reason="需协调施工"))
    f.do(handler(DISTRICT), c.Reply(1, "已修复"))
    f.refuse(dispatcher(), c.DecideExtension(1, approve=True), "transition.not_allowed", CONFLICT)
