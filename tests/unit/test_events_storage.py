"""Events survive their storage form: tag + JSON payload, and back, unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hotline.domain import events as e
from hotline.domain.vocabulary import (
    AssignmentRole,
    Channel,
    EmergencyService,
    FollowUpMethod,
    Kind,
    Satisfaction,
    Urgency,
)

BEIJING = timezone(timedelta(hours=8))
LEAD = e.NewAssignment(no=1, unit=2, role=AssignmentRole.LEAD)
ASSIST = e.NewAssignment(no=2, unit=3, role=AssignmentRole.ASSIST)
CHILD = e.NewAssignment(no=4, unit=5, role=AssignmentRole.LEAD, parent_no=1)

SAMPLES: list[e.Event] = [
    e.TicketReceived(
        channel=Channel.MESSAGE_BOARD,
        kind=Kind.COMPLAINT,
        urgency=Urgency.URGENT,
        content='小区门口积水，"无法"通行\n请尽快处理',
        tracking_code="Q7X9",
        title="积水",
        category="城乡建设/市政设施/排水",
        citizen_name="李先生",
        citizen_phone="13900000000",
        address="幸福路 12 号",
        latitude=39.9042,
        longitude=116.4074,
    ),
    e.TicketReceived(
        channel=Channel.OPEN311,
        kind=Kind.CONSULTATION,
        urgency=Urgency.NORMAL,
        content="问",
        tracking_code="Z1",
    ),
    e.TicketAnswered(answer="可在网上办理"),
    e.TicketDispatched(assignments=(LEAD, ASSIST), category="排水", note="加急"),
    e.TicketDispatched(assignments=(LEAD,)),
    e.TicketHandedOff(service=EmergencyService.AMBULANCE, reason="有人受伤"),
    e.TicketWithdrawn(reason="已自行解决"),
    e.TicketMerged(into_ticket=42, reason="同一事件"),
    e.TicketMerged(into_ticket=42),
    e.DuplicateAttached(duplicate_ticket=43),
    e.TicketSupervised(note="领导批示"),
    e.TicketSupervised(),
    e.InformationAdded(text="又坏了一盏", media=("0123456789abcdef0123456789abcdef.jpg",)),
    e.InformationAdded(),
    e.TicketFollowedUp(
        contacted=True,
        solved=False,
        satisfaction=Satisfaction.UNSATISFIED,
        method=FollowUpMethod.ROBOT,
        note="按3",
    ),
    e.TicketFollowedUp(
        contacted=False, solved=False, satisfaction=Satisfaction.SATISFIED, method=FollowUpMethod.SMS
    ),
    e.TicketReopened(reason="仍积水", assignment=e.NewAssignment(no=3, unit=2, role=AssignmentRole.LEAD)),
    e.TicketReopened(reason="答复有误"),
    e.TicketClosed(reason="诉求不合法"),
    e.TicketClosed(),
    e.AssignmentAcknowledged(no=1),
    e.AssignmentContacted(no=1, note="电话"),
    e.AssignmentDelegated(no=1, child=CHILD, note="请街道处理"),
    e.AssignmentReplied(no=1, reply="已疏通"),
    e.AssignmentReplied(no=1, reply="已疏通", media=("0123456789abcdef0123456789abcdef.jpg",)),
    e.AssignmentApproved(no=1, reason="好"),
    e.AssignmentApproved(no=1),
    e.AssignmentRejected(no=1, reason="无照片"),
    e.AssignmentSentBack(no=1, reason="非本单位职责"),
    e.SendBackAccepted(
        no=1, reason="同意", redispatch=(e.NewAssignment(no=5, unit=3, role=AssignmentRole.LEAD), ASSIST)
    ),
    e.SendBackAccepted(no=1),
    e.SendBackRejected(no=1, reason="属本单位"),
    e.AssignmentUrged(no=1, note="即将超时"),
    e.AssignmentUrged(no=1, automatic=True, step="reply"),
    e.TicketDispatched(
        assignments=(
            e.NewAssignment(
                no=1,
                unit=2,
                role=AssignmentRole.LEAD,
                deadlines=(
                    e.Deadline("acknowledge", "30m", datetime(2024, 6, 3, 2, 0, tzinfo=UTC)),
                    e.Deadline(
                        "reply",
                        "3wd",
                        datetime(2024, 6, 6, 17, 30, tzinfo=BEIJING),
                        datetime(2024, 6, 6, 10, 12, 1, tzinfo=BEIJING),
                    ),
                ),
            ),
        ),
        complex=True,
    ),
    e.DeadlineWarned(no=1, step="acknowledge", due_at=datetime(2024, 6, 3, 2, 0, tzinfo=UTC)),
    e.DeadlinePassed(no=2, step="reply", due_at=datetime(2024, 6, 6, 9, 30, tzinfo=UTC)),
    e.AssignmentEscalated(no=2, step="reply", superior_unit=7),
    e.AssignmentEscalated(no=2, step="contact"),
    e.ExtensionRequested(no=1, until=datetime(2024, 6, 1, 17, 30, tzinfo=BEIJING), reason="需施工"),
    e.ExtensionApproved(no=1, until=datetime(2024, 6, 1, 9, 30, 15, 123456, tzinfo=UTC), reason="同意"),
    e.ExtensionApproved(no=1, until=datetime(2024, 6, 1, 9, 30, tzinfo=UTC)),
    e.ExtensionApproved(
        no=1,
        until=datetime(2024, 6, 1, 9, 30, tzinfo=UTC),
        warn_at=datetime(2024, 5, 31, 3, 0, tzinfo=UTC),
    ),
    e.ExtensionRefused(no=1, reason="理由不足"),
    e.ExtensionRefused(no=1),
    e.AssignmentReplied(no=1, reply="已清理", before=("a" * 32 + ".jpg",), after=("b" * 32 + ".jpg",)),
    e.AssignmentArrived(no=1, latitude=20.0071235, longitude=110.2905),
    e.AssignmentArrived(no=1),
    e.VerificationRequested(no=1, grid_unit=7, note="路灯修好了吗？"),
    e.VerificationPassed(no=1, grid_unit=7, latitude=20.0, longitude=110.3, media=("c" * 32 + ".jpg",)),
    e.VerificationFailed(no=1, grid_unit=7, reason="路灯仍然不亮"),
]


def _stored(event: e.Event) -> tuple[str, dict]:
    """What the database keeps: the tag, and the payload after a trip through JSON text."""
    return event.TAG, json.loads(json.dumps(e.to_payload(event), ensure_ascii=False))


@pytest.mark.parametrize("event", SAMPLES, ids=lambda ev: ev.TAG)
def test_every_event_round_trips_through_json(event):
    tag, payload = _stored(event)
    back = e.from_payload(tag, payload)
    assert type(back) is type(event)
    assert back == event


def test_datetimes_come_back_aware_with_their_offset():
    event = next(ev for ev in SAMPLES if isinstance(ev, e.ExtensionRequested))
    back = e.from_payload(*_stored(event))
    assert isinstance(back, e.ExtensionRequested)
    assert back.until.utcoffset() == timedelta(hours=8)
    assert back.until == datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


def test_enums_and_nested_assignments_come_back_typed():
    event = e.TicketDispatched(assignments=(LEAD, CHILD))
    tag, payload = _stored(event)
    assert payload["assignments"][1] == {"no": 4, "unit": 5, "role": "lead", "parent_no": 1, "deadlines": []}
    back = e.from_payload(tag, payload)
    assert isinstance(back, e.TicketDispatched)
    assert isinstance(back.assignments, tuple) and isinstance(back.assignments[0], e.NewAssignment)
    assert back.assignments[0].role is AssignmentRole.LEAD


def test_the_payload_is_plain_json_without_python_class_names():
    tag, payload = _stored(SAMPLES[0])
    assert tag == "ticket.received"
    assert payload["channel"] == "message_board" and payload["kind"] == "complaint"
    assert "TicketReceived" not in json.dumps(payload)


def test_an_older_payload_without_an_optional_field_still_loads():
    back = e.from_payload("ticket.closed", {})
    assert back == e.TicketClosed(reason=None)


def test_a_dispatch_stored_before_deadlines_existed_loads_without_them():
    back = e.from_payload("ticket.dispatched", {"assignments": [{"no": 1, "unit": 2, "role": "lead"}]})
    assert isinstance(back, e.TicketDispatched)
    assert back.assignments[0].deadlines == () and back.complex is False


def test_deadlines_come_back_as_typed_aware_values():
    event = next(ev for ev in SAMPLES if isinstance(ev, e.TicketDispatched) and ev.complex)
    back = e.from_payload(*_stored(event))
    assert isinstance(back, e.TicketDispatched)
    reply = back.assignments[0].deadlines[1]
    assert isinstance(reply, e.Deadline) and reply.limit == "3wd"
    assert reply.due_at == datetime(2024, 6, 6, 9, 30, tzinfo=UTC)
    assert reply.warn_at is not None and reply.warn_at.utcoffset() == timedelta(hours=8)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_event_types_cover_every_event_class_under_its_own_tag():
    assert set(e.EVENT_TYPES.values()) == _subclasses(e.Event)
    assert all(tag == cls.TAG and tag for tag, cls in e.EVENT_TYPES.items())


def test_the_samples_cover_every_event_type():
    assert {type(ev) for ev in SAMPLES} == set(e.EVENT_TYPES.values())


def test_unknown_tags_are_a_programming_error():
    with pytest.raises(KeyError):
        e.from_payload("ticket.teleported", {})
