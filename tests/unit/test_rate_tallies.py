"""Rates from tallies (what the database counts) equal the rates from facts (the reference)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.rates import (
    AssessmentConfig,
    AssignmentFacts,
    FollowUpAnswer,
    RateCode,
    Tally,
    TicketFacts,
    all_rates,
    rates_from,
    tally_of,
)
from hotline.domain.vocabulary import AssignmentRole, AssignmentState, Satisfaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AS_OF = T0 + timedelta(days=5)
hours = st.integers(min_value=0, max_value=24 * 8).map(lambda h: T0 + timedelta(hours=h))
maybe_hours = st.none() | hours

assignments = st.builds(
    AssignmentFacts,
    unit=st.integers(1, 3),
    role=st.sampled_from(AssignmentRole),
    state=st.sampled_from(AssignmentState),
    dispatched_at=st.just(T0),
    acknowledged_at=maybe_hours,
    acknowledge_due_at=maybe_hours,
    replied_at=maybe_hours,
    reply_due_at=maybe_hours,
    overdue=st.booleans(),
    improper_send_backs=st.integers(0, 2),
)
answers = st.builds(FollowUpAnswer, hours, st.booleans(), st.booleans(), st.sampled_from(Satisfaction))
tickets = st.builds(
    TicketFacts,
    id=st.integers(1, 10_000),
    channel=st.sampled_from(["phone", "web"]),
    category=st.none() | st.sampled_from(["a", "b"]),
    received_at=st.just(T0),
    status=st.sampled_from(["closed", "in_progress", "merged", "withdrawn", "reopened"]),
    closed_at=maybe_hours,
    lead_unit=st.none() | st.integers(1, 3),
    answered_at_intake=st.booleans(),
    assignments=st.lists(assignments, max_size=3).map(tuple),
    follow_ups=st.lists(answers, max_size=3).map(tuple),
    reopened_at=st.lists(hours, max_size=2).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(tickets, max_size=12), st.sampled_from([0.9, 1.0]), st.booleans())
def test_rates_from_a_tally_equal_the_rates_from_the_facts(
    ts: list[TicketFacts], w: float, first_contact: bool
) -> None:
    config = AssessmentConfig(fairly_satisfied_weight=w)
    assigned = [a for t in ts for a in t.assignments]
    expected = all_rates(ts, assigned, config, AS_OF, first_contact=first_contact)
    got = rates_from(tally_of(ts, assigned, AS_OF), config, first_contact=first_contact)
    assert got.keys() == expected.keys()
    for code in RateCode:
        assert got[code].numerator == expected[code].numerator, code
        assert got[code].denominator == expected[code].denominator, code
        assert got[code].value == expected[code].value, code


@given(st.lists(tickets, max_size=8), st.lists(tickets, max_size=8))
def test_tallies_add_up(a: list[TicketFacts], b: list[TicketFacts]) -> None:
    def tally(ts: list[TicketFacts]) -> Tally:
        return tally_of(ts, [x for t in ts for x in t.assignments], AS_OF)

    total, parts = tally(a + b), tally(a) + tally(b)
    assert abs(total.handling_seconds - parts.handling_seconds) < 1e-6
    assert {**total.__dict__, "handling_seconds": 0} == {**parts.__dict__, "handling_seconds": 0}


def test_an_empty_tally_is_no_rate_at_all() -> None:
    found = rates_from(Tally(), AssessmentConfig())
    assert all(r.value is None and r.denominator == 0 for r in found.values())
