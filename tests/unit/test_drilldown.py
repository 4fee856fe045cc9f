"""The tickets behind every rate (domain.drilldown): hand-worked lines for each rate, and a property
test that a unit's lines add up to `rates_from(tally_of(...))` for every code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.drilldown import (
    ASSIGNMENT_RATES,
    REASONS,
    Part,
    assignment_part,
    parts,
    summed,
    ticket_part,
)
from hotline.domain.rates import (
    MEASURES,
    AssessmentConfig,
    AssignmentFacts,
    FollowUpAnswer,
    Measure,
    RateCode,
    TicketFacts,
    rates_from,
    tally_of,
)
from hotline.domain.vocabulary import AssignmentRole, AssignmentState, Satisfaction
from tests.unit.test_rate_tallies import AS_OF as RANDOM_AS_OF
from tests.unit.test_rate_tallies import tickets as random_tickets

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
AS_OF = T0 + timedelta(days=10)
CFG = AssessmentConfig()
S, F, U = Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED, Satisfaction.UNSATISFIED
LEAD, ASSIST = AssignmentRole.LEAD, AssignmentRole.ASSIST


def h(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def assignment(unit: int = 1, role: AssignmentRole = LEAD, **kw: object) -> AssignmentFacts:
    base: dict[str, object] = {
        "state": AssignmentState.REPLIED,
        "dispatched_at": h(0),
        "acknowledged_at": h(1),
        "acknowledge_due_at": h(2),
        "replied_at": h(20),
        "reply_due_at": h(48),
    }
    return AssignmentFacts(unit=unit, role=role, **{**base, **kw})  # type: ignore[arg-type]


def ticket(i: int = 1, status: str = "closed", **kw: object) -> TicketFacts:
    base: dict[str, object] = {
        "channel": "phone",
        "category": None,
        "received_at": T0,
        "lead_unit": 1,
        "closed_at": h(30) if status == "closed" else None,
        "assignments": (assignment(),),
        "follow_ups": (FollowUpAnswer(h(40), True, True, S),),
    }
    return TicketFacts(id=i, status=status, **{**base, **kw})  # type: ignore[arg-type]


def figure(ts: list[TicketFacts], code: RateCode, unit: int = 1, **kw: object) -> tuple[float, int]:
    return summed(parts(ts, unit, code, CFG, AS_OF, **kw), code)  # type: ignore[arg-type]


def tally_figure(ts: list[TicketFacts], code: RateCode, unit: int = 1, *, first_contact: bool = False):
    led = [t for t in ts if t.lead_unit == unit]
    own = [a for t in ts for a in t.assignments if a.unit == unit]
    rate = rates_from(tally_of(led, own, AS_OF), CFG, first_contact=first_contact)[code]
    return rate.numerator, rate.denominator


def whys(ts: list[TicketFacts], code: RateCode, unit: int = 1) -> list[str]:
    return [p.why for p in parts(ts, unit, code, CFG, AS_OF)]


def test_an_empty_period_has_no_lines_and_no_rate() -> None:
    for code in RateCode:
        assert parts([], 1, code, CFG, AS_OF) == []
        assert figure([], code) == (0, 0) == tally_figure([], code)


def test_one_ticket_adds_to_every_rate_what_the_unit_would_work_out_by_hand() -> None:
    # received 09:00, acknowledged in 1 h of 2, replied at 20 h of 48, closed at 30 h, the citizen
    # contacted, solved, satisfied; the sweeper flagged a step overdue; one send-back refused.
    t = ticket(assignments=(assignment(overdue=True, improper_send_backs=1),))
    expected = {
        RateCode.RESPONSE: (1, 1),
        RateCode.RESOLUTION: (1, 1),
        RateCode.SATISFACTION: (1, 1),
        RateCode.COMPOSITE: (1, 1),
        RateCode.TIMELY_ACKNOWLEDGEMENT: (1, 1),
        RateCode.CLOSURE: (1, 1),
        RateCode.ON_TIME_CLOSURE: (1, 1),
        RateCode.OVERDUE: (1, 1),
        RateCode.IMPROPER_SEND_BACKS: (1, 1),
        RateCode.REOPEN: (0, 1),
        RateCode.FIRST_CONTACT_RESOLUTION: (0, 0),  # the centre's rate: no rate for a unit
        RateCode.HANDLING_TIME: (30, 1),  # hours
    }
    for code, want in expected.items():
        assert figure([t], code) == pytest.approx(want), code
        assert figure([t], code) == pytest.approx(tally_figure([t], code)), code
    assert whys([t], RateCode.FIRST_CONTACT_RESOLUTION) == ["centre_rate"]
    assert figure([t], RateCode.FIRST_CONTACT_RESOLUTION, first_contact=True) == (0, 1)
    assert whys([t], RateCode.HANDLING_TIME) == ["hours"]


def test_a_late_reply_makes_the_closure_late_and_an_assist_answers_for_its_own_assignment() -> None:
    late_lead = assignment(replied_at=h(50), reply_due_at=h(48))
    assist = assignment(unit=2, role=ASSIST, acknowledged_at=h(3), replied_at=h(60), reply_due_at=h(48))
    t = ticket(assignments=(late_lead, assist))
    assert whys([t], RateCode.ON_TIME_CLOSURE) == ["late"]
    assert parts([t], 1, RateCode.ON_TIME_CLOSURE, CFG, AS_OF)[0].assignment == late_lead  # which one, when
    assert figure([t], RateCode.ON_TIME_CLOSURE) == (0, 1)
    # the assist's unit leads nothing: no ticket lines, but its own (late) acknowledgement
    assert parts([t], 2, RateCode.CLOSURE, CFG, AS_OF) == []
    [line] = parts([t], 2, RateCode.TIMELY_ACKNOWLEDGEMENT, CFG, AS_OF)
    assert (line.why, line.numerator, line.counted, line.assignment) == ("acked_late", 0, True, assist)
    assert (
        figure([t], RateCode.TIMELY_ACKNOWLEDGEMENT, unit=2)
        == (0, 1)
        == tally_figure([t], RateCode.TIMELY_ACKNOWLEDGEMENT, 2)
    )


def test_a_ticket_reopened_twice_counts_once_by_its_last_answer_and_each_lead_assignment_apart() -> None:
    answers = (FollowUpAnswer(h(40), True, False, U), FollowUpAnswer(h(80), True, False, U))
    t = ticket(
        follow_ups=(*answers, FollowUpAnswer(h(120), True, True, F)),
        reopened_at=(h(41), h(81)),
        closed_at=h(110),
        assignments=(
            assignment(state=AssignmentState.REPLIED),
            assignment(
                dispatched_at=h(41), acknowledge_due_at=h(43), acknowledged_at=h(45), replied_at=h(70)
            ),
            assignment(
                dispatched_at=h(81), acknowledge_due_at=h(83), acknowledged_at=h(82), replied_at=h(100)
            ),
        ),
    )
    assert figure([t], RateCode.REOPEN) == (1, 1)
    assert figure([t], RateCode.RESOLUTION) == (1, 1)  # the last answer: solved
    assert figure([t], RateCode.SATISFACTION) == (1.0, 1)  # fairly satisfied, w = 1.0
    assert len(parts([t], 1, RateCode.CLOSURE, CFG, AS_OF)) == 1
    assert whys([t], RateCode.TIMELY_ACKNOWLEDGEMENT) == ["acked_in_time", "acked_late", "acked_in_time"]
    assert figure([t], RateCode.TIMELY_ACKNOWLEDGEMENT) == (2, 3)
    assert figure([t], RateCode.OVERDUE) == (0, 3)  # three assignments, none flagged
    assert figure([t], RateCode.HANDLING_TIME) == (110, 1)
    for code in RateCode:
        assert figure([t], code) == pytest.approx(tally_figure([t], code)), code


@pytest.mark.parametrize("status", ["merged", "withdrawn", "handed_off"])
def test_a_merged_or_withdrawn_ticket_counts_in_no_ticket_rate_but_its_assignments_still_count(
    status: str,
) -> None:
    t = ticket(
        status=status,
        closed_at=None,
        assignments=(assignment(overdue=True, improper_send_backs=2, acknowledged_at=None),),
    )
    for code in RateCode:
        found = parts([t], 1, code, CFG, AS_OF)
        if code in ASSIGNMENT_RATES:
            assert [p.assignment for p in found] == [t.assignments[0]]
        else:
            assert [(p.why, p.counted, p.numerator) for p in found] == [("status", False, 0)], code
        assert figure([t], code) == pytest.approx(tally_figure([t], code)), code
    assert figure([t], RateCode.OVERDUE) == (1, 1)
    assert figure([t], RateCode.IMPROPER_SEND_BACKS) == (2, 1)
    assert whys([t], RateCode.TIMELY_ACKNOWLEDGEMENT) == ["not_acked"]  # past its limit, never acknowledged


def test_a_late_follow_up_counts_once_it_is_made_and_not_before() -> None:
    t = ticket(follow_ups=(FollowUpAnswer(AS_OF + timedelta(days=3), False, False, U),))
    assert whys([t], RateCode.RESPONSE) == ["no_follow_up"]
    assert figure([t], RateCode.COMPOSITE) == (0, 0)
    later = AS_OF + timedelta(days=4)
    [line] = parts([t], 1, RateCode.RESPONSE, CFG, later)
    assert (line.why, line.counted, line.numerator) == ("follow_up", True, 0)
    assert summed([line], RateCode.RESPONSE) == (0, 1)


def test_an_open_ticket_is_in_the_closure_rate_only() -> None:
    t = ticket(status="in_progress", follow_ups=())
    assert whys([t], RateCode.CLOSURE) == ["open"] and figure([t], RateCode.CLOSURE) == (0, 1)
    for code in (RateCode.ON_TIME_CLOSURE, RateCode.HANDLING_TIME):
        assert whys([t], code) == ["open"] and figure([t], code) == (0, 0)
    assert whys([t], RateCode.REOPEN) == ["no_follow_up"]


def test_acknowledgement_lines_say_why_an_assignment_is_or_is_not_judged() -> None:
    cases = {
        "no_limit": assignment(acknowledge_due_at=None, acknowledged_at=None),
        "not_due": assignment(acknowledge_due_at=AS_OF + timedelta(hours=1), acknowledged_at=None),
        "ended_unacked": assignment(state=AssignmentState.SENT_BACK, acknowledged_at=None),
        "not_acked": assignment(state=AssignmentState.PENDING, acknowledged_at=None),
        "acked_late": assignment(acknowledged_at=h(3)),
        "acked_in_time": assignment(),
    }
    t = ticket(assignments=tuple(cases.values()))
    found = [assignment_part(t, a, RateCode.TIMELY_ACKNOWLEDGEMENT, AS_OF) for a in t.assignments]
    assert [p.why for p in found] == list(cases)
    assert [p.counted for p in found] == [False, False, False, True, True, True]
    assert (
        summed(found, RateCode.TIMELY_ACKNOWLEDGEMENT)
        == (1, 3)
        == tally_figure([t], RateCode.TIMELY_ACKNOWLEDGEMENT)
    )


def test_the_composite_line_is_the_weighted_answer() -> None:
    cfg = AssessmentConfig(fairly_satisfied_weight=0.9)
    t = ticket(follow_ups=(FollowUpAnswer(h(40), True, False, F),))
    part = ticket_part(t, RateCode.COMPOSITE, cfg, AS_OF)
    assert part.numerator == pytest.approx(0.1 * 1 + 0.5 * 0 + 0.4 * 0.9)
    assert ticket_part(t, RateCode.SATISFACTION, cfg, AS_OF).numerator == 0.9
    with pytest.raises(ValueError):
        ticket_part(t, RateCode.OVERDUE, cfg, AS_OF)
    with pytest.raises(ValueError):
        assignment_part(t, t.assignments[0], RateCode.CLOSURE, AS_OF)


# --- property: the lines add up to the tally's figure -------------------------------------------


def _exactly_or_nearly(got: float, want: float, code: RateCode, w: float) -> bool:
    """Counts, 0/1 shares and hours are the tally's to the last bit; a weighted sum of floats (the
    composite, satisfaction with w = 0.9) can differ from the tally's in the last bits of a float."""
    weighted = code is RateCode.COMPOSITE or (code is RateCode.SATISFACTION and w != 1.0)
    return got == want if not weighted else got == pytest.approx(want, rel=1e-12, abs=1e-12)


@settings(max_examples=250, deadline=None)
@given(
    st.lists(random_tickets, max_size=12),
    st.sampled_from([0.9, 1.0]),
    st.booleans(),
    st.integers(1, 3),
)
def test_for_random_facts_every_units_lines_add_up_to_its_tally_for_every_code(
    ts: list[TicketFacts], w: float, first_contact: bool, unit: int
) -> None:
    cfg = AssessmentConfig(fairly_satisfied_weight=w)
    led = [t for t in ts if t.lead_unit == unit]
    own = [a for t in ts for a in t.assignments if a.unit == unit]
    rates = rates_from(tally_of(led, own, RANDOM_AS_OF), cfg, first_contact=first_contact)
    for code in RateCode:
        found: list[Part] = parts(ts, unit, code, cfg, RANDOM_AS_OF, first_contact=first_contact)
        assert len(found) == (len(own) if code in ASSIGNMENT_RATES else len(led)), code
        numerator, denominator = summed(found, code)
        assert denominator == rates[code].denominator, code
        assert _exactly_or_nearly(numerator, rates[code].numerator, code, w), (code, numerator)
        if MEASURES[code] is Measure.SHARE and code is not RateCode.COMPOSITE:
            assert all(0 <= p.numerator <= 1 for p in found), code
        assert all(p.numerator == 0 for p in found if not p.counted), code
        assert {p.why for p in found} <= set(REASONS), code
