"""Rankings, movement, the watchlist and the red and black lists on hand-worked examples, and a
ranking that does not depend on the order tickets arrive in."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.assessment import (
    PeerGroup,
    Period,
    PeriodKind,
    RankingConfig,
    lists,
    own_standing,
    peer_group,
    standings,
)
from hotline.domain.rates import (
    AssessmentConfig,
    FollowUpAnswer,
    Rate,
    RateCode,
    TicketFacts,
    rates_by,
)
from hotline.domain.vocabulary import Satisfaction

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
NOW = T0 + timedelta(days=60)
CFG = RankingConfig()


def scored(value: float | None, n: int = 10) -> dict[RateCode, Rate]:
    return {RateCode.COMPOSITE: Rate(RateCode.COMPOSITE, (value or 0) * n, n, value)}


def places(ranking, group=PeerGroup.DISTRICT):
    return [(p.unit, p.place) for p in ranking[group]]


# --- periods -----------------------------------------------------------------------------------


def test_a_week_starts_on_monday_and_a_month_on_its_first_day() -> None:
    w = Period.containing(PeriodKind.WEEK, date(2026, 12, 3))  # a Thursday
    assert (w.start, w.end, w.key) == (date(2026, 11, 30), date(2026, 12, 7), "2026-W49")
    assert w.previous() == Period(PeriodKind.WEEK, date(2026, 11, 23))
    m = Period.containing(PeriodKind.MONTH, date(2026, 12, 31))
    assert (m.start, m.end, m.last_day, m.key) == (
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2026, 12, 31),
        "2026-12",
    )
    assert Period.containing(PeriodKind.MONTH, date(2026, 3, 15)).previous().key == "2026-02"
    assert [p.key for p in m.back(3)] == ["2026-10", "2026-11", "2026-12"]


def test_a_period_key_reads_back_and_nonsense_does_not() -> None:
    for key in ("2026-W01", "2026-W53", "2026-02", "2027-01"):
        assert Period.parse(key).key == key
    assert Period.parse("1970-01").previous().key == "1969-12"  # a neighbour may lie outside
    for bad in ("2026", "2026-13", "26-1", "2026-W99", "x-W1", "9999-12", "0001-W01"):
        with pytest.raises(ValueError):
            Period.parse(bad)


# --- peer groups and places --------------------------------------------------------------------


def test_peer_groups_follow_the_kind_and_communities_are_not_ranked() -> None:
    assert peer_group("district") is PeerGroup.DISTRICT
    assert peer_group("street") is peer_group("town") is PeerGroup.STREET_TOWN
    assert peer_group("department") is PeerGroup.DEPARTMENT
    assert peer_group("enterprise") is PeerGroup.ENTERPRISE
    assert peer_group("community") is peer_group("grid") is peer_group("centre") is None


def test_each_group_is_ranked_apart_ties_share_a_place_and_small_units_are_listed_unranked() -> None:
    kinds = {
        1: "district",
        2: "district",
        3: "district",
        4: "district",
        5: "street",
        6: "town",
        7: "community",
    }
    rates = {
        1: scored(0.8),
        2: scored(0.9),
        3: scored(0.8),
        4: scored(0.99, n=4),
        5: scored(0.5),
        6: scored(0.7),
    }
    r = standings(rates, kinds, CFG)
    assert places(r) == [(2, 1), (1, 2), (3, 2), (4, None)]  # 4: four follow-ups, fewer than five
    assert [p.of for p in r[PeerGroup.DISTRICT]] == [3, 3, 3, 3]
    assert places(r, PeerGroup.STREET_TOWN) == [(6, 1), (5, 2)]
    assert r[PeerGroup.DEPARTMENT] == [] and r[PeerGroup.ENTERPRISE] == []  # empty groups
    assert own_standing(r, 7) is None  # a community is not ranked


def test_a_unit_without_tickets_is_listed_unranked() -> None:
    r = standings({}, {1: "department"}, CFG)
    (p,) = r[PeerGroup.DEPARTMENT]
    assert (p.place, p.score, p.volume, p.of, p.bottom) == (None, None, 0, 0, False)


def test_the_minimum_volume_is_configurable() -> None:
    r = standings({1: scored(0.9, n=2)}, {1: "enterprise"}, RankingConfig(min_volume=2))
    assert places(r, PeerGroup.ENTERPRISE) == [(1, 1)]


def test_movement_against_the_previous_period() -> None:
    kinds = {1: "district", 2: "district", 3: "district"}
    before = standings({1: scored(0.9), 2: scored(0.8), 3: scored(0.1, n=1)}, kinds, CFG)
    now = standings({1: scored(0.7), 2: scored(0.8), 3: scored(0.75)}, kinds, CFG, previous=before)
    by = {p.unit: p for p in now[PeerGroup.DISTRICT]}
    assert (by[2].place, by[2].previous_place, by[2].movement) == (1, 2, 1)  # up one
    assert (by[1].place, by[1].previous_place, by[1].movement) == (3, 1, -2)  # down two
    assert (by[3].place, by[3].previous_place, by[3].movement) == (2, None, None)  # new in the ranking


def test_the_bottom_two_include_ties_and_need_a_group_larger_than_two() -> None:
    kinds = {u: "department" for u in range(1, 6)}
    r = standings(
        {1: scored(0.9), 2: scored(0.8), 3: scored(0.7), 4: scored(0.7), 5: scored(0.6)}, kinds, CFG
    )
    assert {p.unit for p in r[PeerGroup.DEPARTMENT] if p.bottom} == {5, 3, 4}  # 3 and 4 tie for 4th
    two = standings({1: scored(0.9), 2: scored(0.1)}, {1: "department", 2: "department"}, CFG)
    assert not any(p.bottom for p in two[PeerGroup.DEPARTMENT])


# --- the lists ---------------------------------------------------------------------------------


def _month(scores: dict[int, float]) -> dict:
    return standings({u: scored(v) for u, v in scores.items()}, {u: "district" for u in range(1, 5)}, CFG)


def test_the_watchlist_is_the_bottom_two_three_periods_running() -> None:
    a = _month({1: 0.95, 2: 0.9, 3: 0.5, 4: 0.6})  # bottom: 3, 4
    b = _month({1: 0.95, 2: 0.5, 3: 0.6, 4: 0.7})  # bottom: 2, 3
    c = _month({1: 0.95, 2: 0.6, 3: 0.5, 4: 0.9})  # bottom: 2, 3
    assert [p.unit for p in lists([a, b, c], CFG).watchlist] == [3]
    assert lists([b, c], CFG).watchlist == []  # two periods are not three
    assert lists([], CFG) == lists([], CFG) and lists([], CFG).watchlist == []
    unranked = standings({3: scored(0.1, n=1)}, {u: "district" for u in range(1, 5)}, CFG)
    assert lists([a, b, unranked], CFG).watchlist == []  # too few follow-ups breaks the run


def test_red_and_black_lists_of_the_latest_period() -> None:
    r = _month({1: 0.95, 2: 0.9, 3: 0.85, 4: 0.7})
    found = lists([r], CFG)
    assert [p.unit for p in found.red] == [1]  # first place and at least 0.90
    assert [p.unit for p in found.black] == [4]  # last place and below 0.80
    calm = lists([_month({1: 0.89, 2: 0.88, 3: 0.87, 4: 0.86})], CFG)
    assert calm.red == [] and calm.black == []  # places alone put nobody on a list
    wider = lists([r], RankingConfig(red_top=2, black_bottom=2, black_max=0.9))
    assert [p.unit for p in wider.red] == [1, 2] and [p.unit for p in wider.black] == [3, 4]


def test_settings_refuse_nonsense() -> None:
    for bad in (dict(min_volume=0), dict(bottom=0), dict(red_min=1.5), dict(black_bottom=-1)):
        with pytest.raises(ValueError):
            RankingConfig(**bad)


# --- the drill-down adds up --------------------------------------------------------------------


def _ticket(
    i: int, unit: int, answers: list[tuple[bool, bool, Satisfaction]], status: str = "closed"
) -> TicketFacts:
    return TicketFacts(
        id=i,
        channel="phone",
        category=None,
        received_at=T0,
        status=status,
        lead_unit=unit,
        follow_ups=tuple(FollowUpAnswer(T0 + timedelta(days=k + 1), *a) for k, a in enumerate(answers)),
    )


# --- order of arrival --------------------------------------------------------------------------

answers = st.tuples(st.booleans(), st.booleans(), st.sampled_from(list(Satisfaction)))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 6), st.lists(answers, min_size=0, max_size=2)), max_size=60),
    st.randoms(use_true_random=False),
)
def test_the_ranking_does_not_depend_on_the_order_tickets_arrive_in(tickets, rnd: random.Random) -> None:
    ts = [_ticket(i, unit, a) for i, (unit, a) in enumerate(tickets)]
    kinds = {1: "district", 2: "district", 3: "district", 4: "street", 5: "street", 6: "district"}
    cfg = RankingConfig(min_volume=2)

    def ranking(order: list[TicketFacts]):
        by_unit = rates_by(order, lambda t: t.lead_unit, lambda t, a: a.unit, AssessmentConfig(), NOW)
        return standings(by_unit, kinds, cfg)

    shuffled = ts[:]
    rnd.shuffle(shuffled)
    assert ranking(ts) == ranking(shuffled)
