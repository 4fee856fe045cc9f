"""Rankings (排名), standing, the watchlist (蜗牛席) and the red and black lists, as pure functions.

Units are ranked by their composite score (`domain.rates.rank`) within peer groups that follow from
the unit's kind: districts, streets and towns, city departments, public enterprises. A week starts
on Monday; a month on its first day. A unit's place is compared with its place in the previous
period of the same kind (movement: positive is up). The watchlist holds the units in the bottom two
of their group in each of the last three periods; the red list the best, the black list the worst
with a low score (docs/assessment.md). Every threshold is `RankingConfig`, with its defaults.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hotline.domain.rates import Rate, RateCode, rank


class PeriodKind(StrEnum):
    WEEK = "week"  # weekly ranking 周排名
    MONTH = "month"  # monthly assessment 月考核


class PeerGroup(StrEnum):
    DISTRICT = "district"  # 区（县）
    STREET_TOWN = "street_town"  # 街道、乡镇
    DEPARTMENT = "department"  # 市直部门
    ENTERPRISE = "enterprise"  # 公共企事业单位


GROUP_NAMES: dict[PeerGroup, tuple[str, str]] = {
    PeerGroup.DISTRICT: ("区（县）", "Districts"),
    PeerGroup.STREET_TOWN: ("街道、乡镇", "Streets and towns"),
    PeerGroup.DEPARTMENT: ("市直部门", "City departments"),
    PeerGroup.ENTERPRISE: ("公共企事业单位", "Public enterprises"),
}

#: Which peer group a unit's kind ranks in; other kinds (centre, community, grid) are not ranked.
PEER_GROUP_OF_KIND: dict[str, PeerGroup] = {
    "district": PeerGroup.DISTRICT,
    "street": PeerGroup.STREET_TOWN,
    "town": PeerGroup.STREET_TOWN,
    "department": PeerGroup.DEPARTMENT,
    "enterprise": PeerGroup.ENTERPRISE,
}


def peer_group(kind: str) -> PeerGroup | None:
    """The group a unit of this kind is ranked in, or None (not ranked)."""
    return PEER_GROUP_OF_KIND.get(kind)


MIN_YEAR, MAX_YEAR = 1970, 9000


@dataclass(frozen=True, order=True)
class Period:
    """One week (Monday to Sunday) or one calendar month; ``end`` is the first day after it."""

    kind: PeriodKind
    start: date

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        """The period of ``day``; ValueError for a day outside the years a hotline can have tickets
        (a period's neighbours must exist: 9999-12 has no next month)."""
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValueError(f"{day} is outside {MIN_YEAR}–{MAX_YEAR}")
        return cls._of(kind, day)

    @classmethod
    def _of(cls, kind: PeriodKind, day: date) -> Period:
        if kind is PeriodKind.WEEK:
            return cls(kind, day - timedelta(days=day.weekday()))
        return cls(kind, day.replace(day=1))

    @property
    def end(self) -> date:
        if self.kind is PeriodKind.WEEK:
            return self.start + timedelta(days=7)
        return (self.start + timedelta(days=32)).replace(day=1)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        return Period._of(self.kind, self.start - timedelta(days=1))

    def back(self, n: int) -> list[Period]:
        """This period and the ``n - 1`` before it, oldest first."""
        found = [self]
        while len(found) < n:
            found.append(found[-1].previous())
        return found[::-1]

    @property
    def key(self) -> str:
        """``2026-W48`` (ISO week) or ``2026-11``: how the API and links name a period."""
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @classmethod
    def parse(cls, key: str) -> Period:
        """The period named by `key`; ValueError when it names none."""
        if "-W" in key:
            year, week = key.split("-W")
            return cls.containing(PeriodKind.WEEK, date.fromisocalendar(int(year), int(week), 1))
        year, month = key.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(key)
        return cls.containing(PeriodKind.MONTH, date(int(year), int(month), 1))


@dataclass(frozen=True)
class RankingConfig:
    """What the centre decides about its rankings; every field has a documented default."""

    min_volume: int = 5  # valid follow-ups before a unit is ranked
    bottom: int = 2  # the "bottom two" of the watchlist
    watch_periods: int = 3  # periods running in the bottom before the watchlist
    red_top: int = 1  # the red list: the first place(s) of each group …
    red_min: float = 0.90  # … with a composite score at least this
    black_bottom: int = 1  # the black list: the last place(s) of each group …
    black_max: float = 0.80  # … with a composite score below this

    def __post_init__(self) -> None:
        if self.min_volume < 1 or self.bottom < 1 or self.watch_periods < 1:
            raise ValueError("min_volume, bottom and watch_periods are at least 1")
        if self.red_top < 0 or self.black_bottom < 0:
            raise ValueError("red_top and black_bottom are not negative")
        if not (0 <= self.red_min <= 1 and 0 <= self.black_max <= 1):
            raise ValueError("red_min and black_max are scores between 0 and 1")


@dataclass(frozen=True)
class Placing:
    """A unit's standing in its group for one period."""

    unit: Hashable
    group: PeerGroup
    place: int | None  # None: not ranked (too few valid follow-ups)
    score: float | None  # composite score
    volume: int  # valid follow-ups
    of: int  # units ranked in the group
    previous_place: int | None = None
    bottom: bool = False  # in the group's bottom `bottom` places (ties included)

    @property
    def movement(self) -> int | None:
        """Places gained since the previous period (negative: lost); None when either is unranked."""
        if self.place is None or self.previous_place is None:
            return None
        return self.previous_place - self.place


Ranking = dict[PeerGroup, list[Placing]]


def _worse(ranked: Sequence[tuple[int, float]], score: float) -> int:
    return sum(1 for _, s in ranked if s < score)


def standings(
    rates: Mapping[Hashable, Mapping[RateCode, Rate]],
    kinds: Mapping[Hashable, str],
    config: RankingConfig,
    previous: Ranking | None = None,
) -> Ranking:
    """Every peer group's ranking of the period, best first, unranked units last.

    ``rates``: each unit's rates (units with no tickets may be absent: they are listed unranked);
    ``kinds``: the kind of every unit to list. A unit is in the bottom when fewer than
    ``config.bottom`` ranked units scored lower (so ties at the bottom are all in it), and only in a
    group with more ranked units than that (two units are not "the bottom two" of anything)."""
    before = {p.unit: p.place for ps in (previous or {}).values() for p in ps}
    members: dict[PeerGroup, dict[Hashable, Mapping[RateCode, Rate]]] = {g: {} for g in PeerGroup}
    empty = {RateCode.COMPOSITE: Rate(RateCode.COMPOSITE, 0, 0, None)}
    for unit, kind in kinds.items():
        group = peer_group(kind)
        if group is not None:
            members[group][unit] = rates.get(unit, empty)
    out: Ranking = {}
    for group, units in members.items():
        found = rank(units, config.min_volume)
        ranked = [(s.rank, s.value) for s in found if s.rank is not None and s.value is not None]
        out[group] = [
            Placing(
                unit=s.key,
                group=group,
                place=s.rank,
                score=s.value,
                volume=s.volume,
                of=len(ranked),
                previous_place=before.get(s.key),
                bottom=(
                    s.rank is not None
                    and s.value is not None
                    and len(ranked) > config.bottom
                    and _worse(ranked, s.value) < config.bottom
                ),
            )
            for s in found
        ]
    return out


@dataclass(frozen=True)
class Lists:
    watchlist: list[Placing]  # 蜗牛席: the latest placing of each unit on it
    red: list[Placing]  # 红榜
    black: list[Placing]  # 黑榜


def lists(history: Sequence[Ranking], config: RankingConfig) -> Lists:
    """The watchlist from the last ``config.watch_periods`` rankings (oldest first; fewer periods
    than that: nobody is on it yet), and the red and black lists of the latest ranking."""
    if not history:
        return Lists([], [], [])
    latest = history[-1]
    placings = [p for group in PeerGroup for p in latest.get(group, [])]
    watch: list[Placing] = []
    window = history[-config.watch_periods :]
    if len(window) == config.watch_periods:
        bottoms = [{p.unit for ps in r.values() for p in ps if p.bottom} for r in window]
        watch = [p for p in placings if all(p.unit in b for b in bottoms)]
    red = [
        p
        for p in placings
        if p.place is not None
        and p.score is not None
        and p.place <= config.red_top
        and p.score >= config.red_min
    ]
    black = [
        p
        for p in placings
        if p.place is not None
        and p.score is not None
        and _worse(
            [(0, q.score) for q in latest[p.group] if q.place is not None and q.score is not None], p.score
        )
        < config.black_bottom
        and p.score < config.black_max
    ]
    return Lists(watch, red, black)


def own_standing(ranking: Ranking, unit: Hashable) -> Placing | None:
    """The unit's placing, wherever its group; None when its kind is not ranked."""
    for ps in ranking.values():
        for p in ps:
            if p.unit == unit:
                return p
    return None
