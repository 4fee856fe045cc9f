"""Assessment rates (三率 and the rest) as pure functions of ticket facts.

Every rate is a count over plain facts (`TicketFacts`, `AssignmentFacts`) read by `hotline.analytics`;
the numbers are integers until the last division, so a result never depends on the order the
tickets arrive in. Each result keeps its numerator, denominator and the code of its definition; an
empty denominator is "no rate" (``value is None``), never 0. The definitions, weights, the period a
ticket counts in and the minimum volume for a ranking are `AssessmentConfig` (docs/assessment.md).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from hotline.domain.vocabulary import AssignmentRole, AssignmentState, Satisfaction

K = TypeVar("K", bound=Hashable)


class RateCode(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"
    SATISFACTION = "satisfaction"
    COMPOSITE = "composite"
    TIMELY_ACKNOWLEDGEMENT = "timely_acknowledgement"
    CLOSURE = "closure"
    ON_TIME_CLOSURE = "on_time_closure"
    OVERDUE = "overdue"
    IMPROPER_SEND_BACKS = "improper_send_backs"
    REOPEN = "reopen"
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution"
    HANDLING_TIME = "handling_time"


class Measure(StrEnum):
    """How a result reads: a share (0–1), a count, or a mean in hours."""

    SHARE = "share"
    COUNT = "count"
    HOURS = "hours"


class PeriodBasis(StrEnum):
    """Which instant puts a ticket in a period: when it was received, or when it was closed."""

    RECEIVED = "received"
    CLOSED = "closed"


MEASURES: dict[RateCode, Measure] = {
    **{code: Measure.SHARE for code in RateCode},
    RateCode.OVERDUE: Measure.COUNT,
    RateCode.IMPROPER_SEND_BACKS: Measure.COUNT,
    RateCode.HANDLING_TIME: Measure.HOURS,
}

# The name and the definition of each rate, in Chinese and English.
NAMES: dict[RateCode, tuple[str, str]] = {
    RateCode.RESPONSE: ("响应率", "Response rate"),
    RateCode.RESOLUTION: ("解决率", "Resolution rate"),
    RateCode.SATISFACTION: ("满意率", "Satisfaction rate"),
    RateCode.COMPOSITE: ("综合得分", "Composite score"),
    RateCode.TIMELY_ACKNOWLEDGEMENT: ("签收及时率", "Timely acknowledgement rate"),
    RateCode.CLOSURE: ("办结率", "Closure rate"),
    RateCode.ON_TIME_CLOSURE: ("按期办结率", "On-time closure rate"),
    RateCode.OVERDUE: ("超期件数", "Overdue count"),
    RateCode.IMPROPER_SEND_BACKS: ("不当退单数", "Improper send-backs"),
    RateCode.REOPEN: ("重办率", "Reopen rate"),
    RateCode.FIRST_CONTACT_RESOLUTION: ("直办率", "First-contact resolution"),
    RateCode.HANDLING_TIME: ("平均办理时长（小时）", "Average handling time (hours)"),
}

DEFAULT_DEFINITIONS: dict[RateCode, tuple[str, str]] = {
    RateCode.RESPONSE: (
        "回访中答复“已联系”的工单数 ÷ 有效回访工单数（每张工单只计最后一次有效回访）",
        "Tickets whose follow-up answered 'contacted' ÷ tickets with a valid follow-up "
        "(the last follow-up of each ticket counts, once)",
    ),
    RateCode.RESOLUTION: (
        "回访中答复“已解决”的工单数 ÷ 有效回访工单数",
        "Tickets whose follow-up answered 'solved' ÷ tickets with a valid follow-up",
    ),
    RateCode.SATISFACTION: (
        "（满意 + w × 基本满意）÷ 有效回访工单数，w 可配置",
        "(satisfied + w × fairly satisfied) ÷ tickets with a valid follow-up; w is configurable",
    ),
    RateCode.COMPOSITE: (
        "响应率、解决率、满意率按权重加权（权重之和为 1）",
        "The response, resolution and satisfaction rates weighted (weights sum to 1)",
    ),
    RateCode.TIMELY_ACKNOWLEDGEMENT: (
        "在签收时限内签收的派单数 ÷ 已签收或签收时限已过的派单数（中心派出的派单）",
        "Assignments acknowledged within their limit ÷ assignments acknowledged or past their "
        "acknowledge limit (assignments the centre dispatched)",
    ),
    RateCode.CLOSURE: (
        "已办结工单数 ÷ 计入的工单数（不含并单、撤单、转警）",
        "Closed tickets ÷ tickets counted (merged, withdrawn and handed-off tickets excluded)",
    ),
    RateCode.ON_TIME_CLOSURE: (
        "主办单位每次都在办理时限（含批准的延期）内反馈的已办结工单数 ÷ 已办结工单数",
        "Closed tickets whose lead replied within its reply limit (approved extensions included) "
        "every time ÷ closed tickets",
    ),
    RateCode.OVERDUE: (
        "有环节超期的派单数（中心派出的派单；分母为派单数）",
        "Assignments with a step recorded overdue (assignments the centre dispatched; the "
        "denominator is the number of assignments)",
    ),
    RateCode.IMPROPER_SEND_BACKS: (
        "被中心驳回的退单次数（分母为派单数）",
        "Send-backs the centre rejected (the denominator is the number of assignments)",
    ),
    RateCode.REOPEN: (
        "至少重办一次的工单数 ÷ 有回访的工单数（多次重办只计一次）",
        "Tickets reopened at least once ÷ tickets followed up (a ticket reopened twice counts once)",
    ),
    RateCode.FIRST_CONTACT_RESOLUTION: (
        "受理时直接答复、未派单的工单数 ÷ 受理工单数",
        "Tickets answered at intake and never dispatched ÷ tickets received",
    ),
    RateCode.HANDLING_TIME: (
        "已办结工单从受理到办结的小时数之和 ÷ 已办结工单数",
        "Hours from intake to closure summed over closed tickets ÷ closed tickets",
    ),
}


@dataclass(frozen=True)
class AssessmentConfig:
    """What the centre decides about its assessment; every field has a documented default."""

    fairly_satisfied_weight: float = 1.0
    weights: tuple[float, float, float] = (0.1, 0.5, 0.4)  # response, resolution, satisfaction
    basis: PeriodBasis = PeriodBasis.RECEIVED
    min_volume: int = 5
    definitions: Mapping[RateCode, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_DEFINITIONS))

    def __post_init__(self) -> None:
        if not 0 <= self.fairly_satisfied_weight <= 1:
            raise ValueError("fairly_satisfied_weight must be between 0 and 1")
        if len(self.weights) != 3 or any(w < 0 for w in self.weights) or abs(sum(self.weights) - 1) > 1e-9:
            raise ValueError("weights are three non-negative numbers that sum to 1")
        if self.min_volume < 1:
            raise ValueError("min_volume must be at least 1")

    def definition(self, code: RateCode, lang: str) -> str:
        zh, en = self.definitions.get(code, DEFAULT_DEFINITIONS[code])
        return en if lang == "en" else zh


# --- facts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpAnswer:
    at: datetime
    contacted: bool
    solved: bool
    satisfaction: Satisfaction


@dataclass(frozen=True)
class AssignmentFacts:
    """An assignment the centre dispatched (the top of a delegation chain): the one assessed."""

    unit: int
    role: AssignmentRole
    state: AssignmentState
    dispatched_at: datetime
    acknowledged_at: datetime | None = None
    acknowledge_due_at: datetime | None = None
    replied_at: datetime | None = None
    reply_due_at: datetime | None = None
    overdue: bool = False
    improper_send_backs: int = 0


@dataclass(frozen=True)
class TicketFacts:
    id: int
    channel: str
    category: str | None
    received_at: datetime
    status: str
    closed_at: datetime | None = None
    lead_unit: int | None = None
    answered_at_intake: bool = False
    assignments: tuple[AssignmentFacts, ...] = ()
    follow_ups: tuple[FollowUpAnswer, ...] = ()  # in the order of the ticket's log
    reopened_at: tuple[datetime, ...] = ()

    @property
    def counted(self) -> bool:
        """Merged tickets count under the ticket they joined; withdrawn and handed-off ones nowhere."""
        return self.status not in _NOT_COUNTED


_NOT_COUNTED = frozenset({"merged", "withdrawn", "handed_off"})


@dataclass(frozen=True)
class Rate:
    code: RateCode
    numerator: float
    denominator: int
    value: float | None

    @property
    def measure(self) -> Measure:
        return MEASURES[self.code]


def _share(code: RateCode, numerator: float, denominator: int) -> Rate:
    return Rate(code, numerator, denominator, numerator / denominator if denominator else None)


def _count(code: RateCode, numerator: int, denominator: int) -> Rate:
    return Rate(code, numerator, denominator, float(numerator) if denominator else None)


def rate(code: RateCode, numerator: float, denominator: int) -> Rate:
    """The rate of a numerator and denominator, read in the code's measure (a count is its
    numerator; a share or mean is the quotient); an empty denominator is no rate."""
    if MEASURES[code] is Measure.COUNT:
        return Rate(code, numerator, denominator, float(numerator) if denominator else None)
    return _share(code, numerator, denominator)


# --- which period, which follow-up -------------------------------------------------------------


def counts_in(ticket: TicketFacts, start: datetime, end: datetime, basis: PeriodBasis) -> bool:
    """Whether the ticket counts in the period [start, end) under the basis."""
    at = ticket.received_at if basis is PeriodBasis.RECEIVED else ticket.closed_at
    return at is not None and start <= at < end


def valid_follow_up(ticket: TicketFacts, as_of: datetime) -> FollowUpAnswer | None:
    """The follow-up a ticket is judged by: its last one made by ``as_of``. A reopened ticket was
    asked more than once; only the latest answer stands, so it is never counted twice."""
    last: FollowUpAnswer | None = None
    for f in ticket.follow_ups:  # in log order: of two at one instant, the later entry stands
        if f.at <= as_of and (last is None or f.at >= last.at):
            last = f
    return last


# --- the rates ---------------------------------------------------------------------------------


def follow_up_rates(
    tickets: Iterable[TicketFacts], config: AssessmentConfig, as_of: datetime
) -> dict[RateCode, Rate]:
    """Response, resolution, satisfaction and the composite score from the citizens' answers."""
    n = contacted = solved = satisfied = fairly = 0
    for t in tickets:
        f = valid_follow_up(t, as_of) if t.counted else None
        if f is None:
            continue
        n += 1
        contacted += f.contacted
        solved += f.solved
        satisfied += f.satisfaction is Satisfaction.SATISFIED
        fairly += f.satisfaction is Satisfaction.FAIRLY_SATISFIED
    points = satisfied + config.fairly_satisfied_weight * fairly
    wr, ws, wsat = config.weights
    return {
        RateCode.RESPONSE: _share(RateCode.RESPONSE, contacted, n),
        RateCode.RESOLUTION: _share(RateCode.RESOLUTION, solved, n),
        RateCode.SATISFACTION: _share(RateCode.SATISFACTION, points, n),
        RateCode.COMPOSITE: _share(RateCode.COMPOSITE, wr * contacted + ws * solved + wsat * points, n),
    }


def ticket_rates(
    tickets: Iterable[TicketFacts], as_of: datetime, *, first_contact: bool = True
) -> dict[RateCode, Rate]:
    """Closure, on-time closure, reopen rate, first-contact resolution and average handling time."""
    received = closed = on_time = followed = reopened = at_intake = 0
    seconds = 0.0
    for t in tickets:
        if not t.counted:
            continue
        received += 1
        at_intake += t.answered_at_intake
        if valid_follow_up(t, as_of) is not None:
            followed += 1
            reopened += any(r <= as_of for r in t.reopened_at)
        if t.closed_at is None or t.closed_at > as_of:
            continue
        closed += 1
        seconds += (t.closed_at - t.received_at).total_seconds()
        on_time += all(replied_in_time(a) for a in t.assignments if a.role is AssignmentRole.LEAD)
    rates = {
        RateCode.CLOSURE: _share(RateCode.CLOSURE, closed, received),
        RateCode.ON_TIME_CLOSURE: _share(RateCode.ON_TIME_CLOSURE, on_time, closed),
        RateCode.REOPEN: _share(RateCode.REOPEN, reopened, followed),
        RateCode.FIRST_CONTACT_RESOLUTION: (
            _share(RateCode.FIRST_CONTACT_RESOLUTION, at_intake, received)
            if first_contact
            else Rate(RateCode.FIRST_CONTACT_RESOLUTION, 0, 0, None)
        ),
        RateCode.HANDLING_TIME: _share(RateCode.HANDLING_TIME, round(seconds / 3600, 6), closed),
    }
    return rates


def replied_in_time(a: AssignmentFacts) -> bool:
    """Whether a lead assignment replied by its deadline. A lead that sent the ticket back
    (accepted) or was cancelled owes no reply."""
    if a.reply_due_at is None or a.state in (AssignmentState.CANCELLED, AssignmentState.SENT_BACK):
        return True
    return a.replied_at is not None and a.replied_at <= a.reply_due_at


def assignment_rates(assignments: Iterable[AssignmentFacts], as_of: datetime) -> dict[RateCode, Rate]:
    """Timely acknowledgement, overdue count and improper send-backs of the assignments dispatched."""
    total = acknowledgeable = timely = overdue = improper = 0
    for a in assignments:
        total += 1
        overdue += a.overdue
        improper += a.improper_send_backs
        due = a.acknowledge_due_at
        if due is None:
            continue
        if a.acknowledged_at is not None and a.acknowledged_at <= as_of:
            acknowledgeable += 1
            timely += a.acknowledged_at <= due
        elif due <= as_of and a.state not in (AssignmentState.CANCELLED, AssignmentState.SENT_BACK):
            acknowledgeable += 1
    return {
        RateCode.TIMELY_ACKNOWLEDGEMENT: _share(RateCode.TIMELY_ACKNOWLEDGEMENT, timely, acknowledgeable),
        RateCode.OVERDUE: _count(RateCode.OVERDUE, overdue, total),
        RateCode.IMPROPER_SEND_BACKS: _count(RateCode.IMPROPER_SEND_BACKS, improper, total),
    }


def all_rates(
    tickets: Iterable[TicketFacts],
    assignments: Iterable[AssignmentFacts],
    config: AssessmentConfig,
    as_of: datetime,
    *,
    first_contact: bool = True,
) -> dict[RateCode, Rate]:
    """Every rate of one group, in the order of `RateCode`."""
    ts = list(tickets)
    found = {
        **follow_up_rates(ts, config, as_of),
        **ticket_rates(ts, as_of, first_contact=first_contact),
        **assignment_rates(assignments, as_of),
    }
    return {code: found[code] for code in RateCode}


def rates_by(
    tickets: Iterable[TicketFacts],
    ticket_key: Callable[[TicketFacts], K | None],
    assignment_key: Callable[[TicketFacts, AssignmentFacts], K | None],
    config: AssessmentConfig,
    as_of: datetime,
    *,
    first_contact: bool = True,
    own: Callable[[TicketFacts], bool] | None = None,
) -> dict[K | None, dict[RateCode, Rate]]:
    """Every rate per group: a ticket's own rates go to ``ticket_key(ticket)``, each dispatched
    assignment's to ``assignment_key(ticket, assignment)`` (for units: the lead unit and each
    assignment's unit). A key of None is a group too (tickets no unit handled). A ticket for which
    ``own`` is false brings only its assignments (a unit reading its own figures of a ticket it
    assisted)."""
    by_ticket: dict[K | None, list[TicketFacts]] = {}
    by_assignment: dict[K | None, list[AssignmentFacts]] = {}
    for t in tickets:
        if own is None or own(t):
            by_ticket.setdefault(ticket_key(t), []).append(t)
        for a in t.assignments:
            by_assignment.setdefault(assignment_key(t, a), []).append(a)
    keys = by_ticket.keys() | by_assignment.keys()
    return {
        k: all_rates(
            by_ticket.get(k, []), by_assignment.get(k, []), config, as_of, first_contact=first_contact
        )
        for k in keys
    }


# --- ranking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    key: Hashable
    rank: int | None  # None: not ranked (too few valid follow-ups, or no score)
    value: float | None
    volume: int


def rank(
    groups: Mapping[K, Mapping[RateCode, Rate]],
    min_volume: int,
    code: RateCode = RateCode.COMPOSITE,
) -> list[Standing]:
    """Groups ordered by one rate, best first; equal values share a rank (1, 2, 2, 4). A group whose
    denominator is below ``min_volume`` is listed after the ranked ones, without a rank."""
    ranked: list[tuple[float, K, int]] = []
    unranked: list[Standing] = []
    for key, rates in groups.items():
        r = rates[code]
        if r.value is None or r.denominator < min_volume:
            unranked.append(Standing(key, None, r.value, r.denominator))
        else:
            ranked.append((r.value, key, r.denominator))
    ranked.sort(key=lambda x: (-x[0], str(x[1])))
    out: list[Standing] = []
    for i, (value, key, volume) in enumerate(ranked):
        place = out[-1].rank if out and out[-1].value == value else i + 1
        out.append(Standing(key, place, value, volume))
    return out + sorted(unranked, key=lambda s: str(s.key))


# --- tallies: the same rates from counts a database can add up -----------------------------------


@dataclass(frozen=True)
class Tally:
    """The counts every rate of one group is made of, so a database can count them (GROUP BY) and
    the formulas stay here. Tallies add up: a district's is the sum of its units'. `rates_from`
    gives exactly what `all_rates` gives on the same facts (tests/unit/test_rate_tallies.py)."""

    received: int = 0  # tickets counted (not merged, withdrawn or handed off)
    at_intake: int = 0  # of them, answered at intake and never dispatched
    followed: int = 0  # of them, with a valid follow-up by as_of
    contacted: int = 0
    solved: int = 0
    satisfied: int = 0
    fairly_satisfied: int = 0
    reopened: int = 0  # followed-up tickets reopened at least once by as_of
    closed: int = 0  # closed by as_of
    on_time: int = 0  # closed, every centre-dispatched lead replied in time
    handling_seconds: float = 0.0  # summed over the closed ones
    assignments: int = 0  # centre-dispatched assignments
    acknowledgeable: int = 0  # acknowledged by as_of, or past their acknowledge limit
    timely: int = 0  # acknowledged within the limit
    overdue: int = 0
    improper_send_backs: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f) + getattr(other, f) for f in _TALLY_FIELDS))


_TALLY_FIELDS = tuple(Tally.__dataclass_fields__)


def rates_from(tally: Tally, config: AssessmentConfig, *, first_contact: bool = True) -> dict[RateCode, Rate]:
    """Every rate of one group from its tally, in the order of `RateCode`."""
    t = tally
    n = t.followed
    points = t.satisfied + config.fairly_satisfied_weight * t.fairly_satisfied
    wr, ws, wsat = config.weights
    found = {
        RateCode.RESPONSE: _share(RateCode.RESPONSE, t.contacted, n),
        RateCode.RESOLUTION: _share(RateCode.RESOLUTION, t.solved, n),
        RateCode.SATISFACTION: _share(RateCode.SATISFACTION, points, n),
        RateCode.COMPOSITE: _share(RateCode.COMPOSITE, wr * t.contacted + ws * t.solved + wsat * points, n),
        RateCode.TIMELY_ACKNOWLEDGEMENT: _share(RateCode.TIMELY_ACKNOWLEDGEMENT, t.timely, t.acknowledgeable),
        RateCode.CLOSURE: _share(RateCode.CLOSURE, t.closed, t.received),
        RateCode.ON_TIME_CLOSURE: _share(RateCode.ON_TIME_CLOSURE, t.on_time, t.closed),
        RateCode.OVERDUE: _count(RateCode.OVERDUE, t.overdue, t.assignments),
        RateCode.IMPROPER_SEND_BACKS: _count(
            RateCode.IMPROPER_SEND_BACKS, t.improper_send_backs, t.assignments
        ),
        RateCode.REOPEN: _share(RateCode.REOPEN, t.reopened, n),
        RateCode.FIRST_CONTACT_RESOLUTION: (
            _share(RateCode.FIRST_CONTACT_RESOLUTION, t.at_intake, t.received)
            if first_contact
            else Rate(RateCode.FIRST_CONTACT_RESOLUTION, 0, 0, None)
        ),
        RateCode.HANDLING_TIME: _share(RateCode.HANDLING_TIME, round(t.handling_seconds / 3600, 6), t.closed),
    }
    return {code: found[code] for code in RateCode}


def tally_of(
    tickets: Iterable[TicketFacts], assignments: Iterable[AssignmentFacts], as_of: datetime
) -> Tally:
    """The tally of facts, counted as `all_rates` counts them (what the SQL tally must equal)."""
    c = dict.fromkeys(_TALLY_FIELDS, 0)
    c["handling_seconds"] = 0.0
    for t in tickets:
        if not t.counted:
            continue
        c["received"] += 1
        c["at_intake"] += t.answered_at_intake
        f = valid_follow_up(t, as_of)
        if f is not None:
            c["followed"] += 1
            c["contacted"] += f.contacted
            c["solved"] += f.solved
            c["satisfied"] += f.satisfaction is Satisfaction.SATISFIED
            c["fairly_satisfied"] += f.satisfaction is Satisfaction.FAIRLY_SATISFIED
            c["reopened"] += any(r <= as_of for r in t.reopened_at)
        if t.closed_at is None or t.closed_at > as_of:
            continue
        c["closed"] += 1
        c["handling_seconds"] += (t.closed_at - t.received_at).total_seconds()
        c["on_time"] += all(replied_in_time(a) for a in t.assignments if a.role is AssignmentRole.LEAD)
    for a in assignments:
        c["assignments"] += 1
        c["overdue"] += a.overdue
        c["improper_send_backs"] += a.improper_send_backs
        due = a.acknowledge_due_at
        if due is None:
            continue
        if a.acknowledged_at is not None and a.acknowledged_at <= as_of:
            c["acknowledgeable"] += 1
            c["timely"] += a.acknowledged_at <= due
        elif due <= as_of and a.state not in (AssignmentState.CANCELLED, AssignmentState.SENT_BACK):
            c["acknowledgeable"] += 1
    return Tally(**c)
