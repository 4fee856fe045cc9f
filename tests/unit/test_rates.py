"""The assessment rates on hand-worked examples, and a ranking that ignores the order of arrival."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.rates import (
    AssessmentConfig,
    AssignmentFacts,
    FollowUpAnswer,
    PeriodBasis,
    RateCode,
    TicketFacts,
    all_rates,
    counts_in,
    rank,
    rates_by,
)
from hotline.domain.vocabulary import AssignmentRole, AssignmentState, Satisfaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=40)
CFG = AssessmentConfig()
S, F, U = Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED, Satisfaction.UNSATISFIED


def answer(
    at: datetime, contacted: bool = True, solved: bool = True, sat: Satisfaction = S
) -> FollowUpAnswer:
    return FollowUpAnswer(at, contacted, solved, sat)


def lead(
    unit: int = 1,
    *,
    acked: timedelta | None = timedelta(minutes=10),
    replied: timedelta | None = timedelta(days=1),
    state: AssignmentState = AssignmentState.APPROVED,
    overdue: bool = False,
    improper: int = 0,
    role: AssignmentRole = AssignmentRole.LEAD,
) -> AssignmentFacts:
    return AssignmentFacts(
        unit=unit,
        role=role,
        state=state,
        dispatched_at=T0,
        acknowledged_at=None if acked is None else T0 + acked,
        acknowledge_due_at=T0 + timedelta(minutes=30),
        replied_at=None if replied is None else T0 + replied,
        reply_due_at=T0 + timedelta(days=3),
        overdue=overdue,
        improper_send_backs=improper,
    )


def ticket(tid: int = 1, unit: int | None = 1, **kw: object) -> TicketFacts:
    base: dict[str, object] = {
        "channel": "phone",
        "category": "urban.streetlight",
        "received_at": T0,
        "status": "closed",
        "closed_at": T0 + timedelta(days=2),
        "lead_unit": unit,
        "assignments": (lead(unit),) if unit is not None else (),
        "follow_ups": (answer(T0 + timedelta(days=2)),),
    }
    base.update(kw)
    return TicketFacts(id=tid, **base)  # type: ignore[arg-type]


def rates(*tickets: TicketFacts, config: AssessmentConfig = CFG, as_of: datetime = NOW):  # type: ignore[no-untyped-def]
    return all_rates(tickets, [a for t in tickets for a in t.assignments], config, as_of)


def test_an_empty_period_has_no_rate_rather_than_zero() -> None:
    r = rates()
    for code in RateCode:
        assert r[code].denominator == 0
        assert r[code].value is None, code


def test_a_unit_with_one_ticket() -> None:
    r = rates(ticket(follow_ups=(answer(T0 + timedelta(days=2), contacted=True, solved=False, sat=F),)))
    assert (r[RateCode.RESPONSE].numerator, r[RateCode.RESPONSE].denominator) == (1, 1)
    assert r[RateCode.RESPONSE].value == 1.0
    assert r[RateCode.RESOLUTION].value == 0.0
    assert r[RateCode.SATISFACTION].value == 1.0  # fairly satisfied weighs 1 by default
    # 0.1 × 1 + 0.5 × 0 + 0.4 × 1
    assert r[RateCode.COMPOSITE].value == pytest.approx(0.5)
    assert r[RateCode.CLOSURE].value == 1.0 and r[RateCode.ON_TIME_CLOSURE].value == 1.0
    assert r[RateCode.HANDLING_TIME].value == 48.0
    assert r[RateCode.TIMELY_ACKNOWLEDGEMENT].value == 1.0
    assert r[RateCode.OVERDUE].value == 0 and r[RateCode.OVERDUE].denominator == 1


def test_satisfaction_weighs_fairly_satisfied_by_w() -> None:
    ts = [
        ticket(1, follow_ups=(answer(T0, sat=S),)),
        ticket(2, follow_ups=(answer(T0, sat=F),)),
        ticket(3, follow_ups=(answer(T0, sat=F),)),
        ticket(4, follow_ups=(answer(T0, sat=U, solved=False, contacted=False),)),
    ]
    r = rates(*ts, config=AssessmentConfig(fairly_satisfied_weight=0.9))
    # (1 + 0.9 × 2) / 4 = 0.7
    assert r[RateCode.SATISFACTION].numerator == pytest.approx(2.8)
    assert r[RateCode.SATISFACTION].value == pytest.approx(0.7)
    assert r[RateCode.RESPONSE].value == 0.75 and r[RateCode.RESOLUTION].value == 0.75
    # 0.1 × 0.75 + 0.5 × 0.75 + 0.4 × 0.7 = 0.73
    assert r[RateCode.COMPOSITE].value == pytest.approx(0.73)
    custom = rates(*ts, config=AssessmentConfig(weights=(0.2, 0.3, 0.5)))
    # satisfaction with w = 1: 0.75; 0.2 × 0.75 + 0.3 × 0.75 + 0.5 × 0.75
    assert custom[RateCode.COMPOSITE].value == pytest.approx(0.75)


def test_a_ticket_reopened_twice_counts_once_with_its_last_answer() -> None:
    t = ticket(
        follow_ups=(
            answer(T0 + timedelta(days=2), solved=False, sat=U),
            answer(T0 + timedelta(days=5), solved=False, sat=U),
            answer(T0 + timedelta(days=8), solved=True, sat=S),
        ),
        reopened_at=(T0 + timedelta(days=3), T0 + timedelta(days=6)),
        closed_at=T0 + timedelta(days=8),
    )
    r = rates(t)
    assert (r[RateCode.SATISFACTION].numerator, r[RateCode.SATISFACTION].denominator) == (1, 1)
    assert (r[RateCode.REOPEN].numerator, r[RateCode.REOPEN].denominator) == (1, 1)
    # As it stood after the second unsatisfied answer: one ticket, unsatisfied, reopened once.
    mid = rates(t, as_of=T0 + timedelta(days=5, hours=1))
    assert (mid[RateCode.SATISFACTION].numerator, mid[RateCode.SATISFACTION].denominator) == (0, 1)
    assert mid[RateCode.CLOSURE].value == 0.0


def test_merged_withdrawn_and_handed_off_tickets_are_not_counted() -> None:
    kept = ticket(1)
    merged = ticket(2, status="merged", closed_at=None, follow_ups=())
    withdrawn = ticket(3, status="withdrawn", closed_at=None)
    handed = ticket(4, status="handed_off", closed_at=None, assignments=())
    r = rates(kept, merged, withdrawn, handed)
    assert r[RateCode.CLOSURE].denominator == 1 and r[RateCode.CLOSURE].value == 1.0
    assert r[RateCode.SATISFACTION].denominator == 1
    # What the units did on them still counts: their acknowledgements happened.
    assert r[RateCode.TIMELY_ACKNOWLEDGEMENT].denominator == 3


def test_late_follow_ups_count_for_the_period_of_their_ticket_until_the_cut_off() -> None:
    period_end = T0 + timedelta(days=7)
    late = ticket(follow_ups=(answer(period_end + timedelta(days=10)),))
    assert counts_in(late, T0, period_end, PeriodBasis.RECEIVED)
    assert rates(late)[RateCode.SATISFACTION].denominator == 1
    frozen = rates(late, as_of=period_end + timedelta(days=5))
    assert frozen[RateCode.SATISFACTION].denominator == 0 and frozen[RateCode.SATISFACTION].value is None


def test_the_period_basis_decides_where_a_ticket_counts() -> None:
    t = ticket(received_at=T0, closed_at=T0 + timedelta(days=10))
    week2 = (T0 + timedelta(days=7), T0 + timedelta(days=14))
    assert not counts_in(t, *week2, PeriodBasis.RECEIVED)
    assert counts_in(t, *week2, PeriodBasis.CLOSED)
    assert not counts_in(ticket(closed_at=None), *week2, PeriodBasis.CLOSED)


def test_timeliness_overdue_and_improper_send_backs() -> None:
    late_ack = lead(acked=timedelta(hours=2), replied=timedelta(days=4), overdue=True, improper=2)
    never = lead(acked=None, replied=None, state=AssignmentState.PENDING)
    not_yet_due = AssignmentFacts(
        1, AssignmentRole.ASSIST, AssignmentState.PENDING, NOW, None, NOW + timedelta(minutes=30)
    )
    t1 = ticket(1, assignments=(late_ack,))
    t2 = ticket(2, assignments=(never, not_yet_due), status="in_progress", closed_at=None, follow_ups=())
    r = rates(t1, t2)
    assert (r[RateCode.TIMELY_ACKNOWLEDGEMENT].numerator, r[RateCode.TIMELY_ACKNOWLEDGEMENT].denominator) == (
        0,
        2,
    )
    assert (r[RateCode.OVERDUE].numerator, r[RateCode.OVERDUE].denominator) == (1, 3)
    assert r[RateCode.IMPROPER_SEND_BACKS].value == 2
    assert (r[RateCode.ON_TIME_CLOSURE].numerator, r[RateCode.ON_TIME_CLOSURE].denominator) == (0, 1)
    assert (r[RateCode.CLOSURE].numerator, r[RateCode.CLOSURE].denominator) == (1, 2)


def test_first_contact_resolution_is_answered_at_intake_over_received() -> None:
    answered = ticket(1, unit=None, answered_at_intake=True)
    r = rates(answered, ticket(2), ticket(3))
    assert (
        r[RateCode.FIRST_CONTACT_RESOLUTION].numerator,
        r[RateCode.FIRST_CONTACT_RESOLUTION].denominator,
    ) == (1, 3)


def test_rates_by_unit_split_ticket_and_assignment_rates() -> None:
    t = ticket(
        1, unit=1, assignments=(lead(1), lead(2, role=AssignmentRole.ASSIST, acked=timedelta(hours=1)))
    )
    by = rates_by([t], lambda x: x.lead_unit, lambda x, a: a.unit, CFG, NOW)
    assert (
        by[1][RateCode.SATISFACTION].denominator == 1 and by[1][RateCode.TIMELY_ACKNOWLEDGEMENT].value == 1.0
    )
    # The assisting unit answers for its own acknowledgement, not for the citizen's verdict.
    assert by[2][RateCode.SATISFACTION].value is None
    assert by[2][RateCode.TIMELY_ACKNOWLEDGEMENT].value == 0.0


def test_config_refuses_weights_that_do_not_sum_to_one() -> None:
    with pytest.raises(ValueError):
        AssessmentConfig(weights=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError):
        AssessmentConfig(fairly_satisfied_weight=1.5)


def test_rank_shares_places_and_leaves_small_units_unranked() -> None:
    ts = [ticket(i, unit=1) for i in range(5)]
    ts += [ticket(10 + i, unit=2) for i in range(5)]
    ts += [ticket(20 + i, unit=3, follow_ups=(answer(T0, solved=False, sat=U),)) for i in range(5)]
    ts += [ticket(30, unit=4)]
    by = rates_by(ts, lambda x: x.lead_unit, lambda x, a: a.unit, CFG, NOW)
    standings = rank({k: v for k, v in by.items() if k is not None}, min_volume=5)
    assert [(s.key, s.rank) for s in standings] == [(1, 1), (2, 1), (3, 3), (4, None)]


follow_up_st = st.builds(
    FollowUpAnswer,
    at=st.sampled_from([T0 + timedelta(days=d) for d in (1, 3, 50)]),
    contacted=st.booleans(),
    solved=st.booleans(),
    satisfaction=st.sampled_from(list(Satisfaction)),
)
ticket_st = st.builds(
    lambda unit, fus, status: ticket(0, unit=unit, follow_ups=tuple(fus), status=status),
    unit=st.integers(1, 6),
    fus=st.lists(follow_up_st, max_size=3),
    status=st.sampled_from(["closed", "closed", "merged", "followed_up"]),
)


@settings(max_examples=60, deadline=None)
@given(
    tickets=st.lists(ticket_st, max_size=40),
    seed=st.integers(0, 2**16),
    w=st.sampled_from([0.9, 1.0, 0.7]),
    min_volume=st.integers(1, 4),
)
def test_a_ranking_does_not_depend_on_the_order_tickets_arrive_in(
    tickets: list[TicketFacts], seed: int, w: float, min_volume: int
) -> None:
    config = AssessmentConfig(fairly_satisfied_weight=w, min_volume=min_volume)
    numbered = [TicketFacts(**{**t.__dict__, "id": i}) for i, t in enumerate(tickets)]
    shuffled = numbered[:]
    random.Random(seed).shuffle(shuffled)

    def standings(ts: list[TicketFacts]) -> list[tuple[object, int | None, float | None]]:
        by = rates_by(ts, lambda x: x.lead_unit, lambda x, a: a.unit, config, NOW)
        return [(s.key, s.rank, s.value) for s in rank(by, config.min_volume)]

    assert standings(numbered) == standings(shuffled)
