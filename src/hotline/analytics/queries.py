"""Rates per group and period, from the facts `tickets.queries.assessment_facts` reads.

Read-only: it reads tickets through their owner's queries and units and categories through the
directory's, turns them into the domain's `TicketFacts`, and lets `domain.rates` count.

What counts where (docs/assessment.md):
- a ticket counts in the period its *received* time falls in (or its closed time, basis ``closed``);
- the assignments counted are the ones the centre dispatched (no parent): a delegated child's work
  is its parent's, which answers for it (DECISIONS "Time limits" 1);
- by unit, a ticket's own rates (follow-ups, closure, reopen, handling time) go to its lead unit;
  each dispatched assignment's (acknowledgement, overdue, improper send-backs) to its own unit;
- by district, the same through the unit's district (itself or the district above it);
- first-contact resolution belongs to the centre: shown by category, channel and in the total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics.models import DayTally, TallyDay
from hotline.directory import queries as directory
from hotline.directory.queries import UnitInfo
from hotline.domain import rates as r
from hotline.domain.vocabulary import AssignmentRole, AssignmentState, Satisfaction, label
from hotline.tickets import queries as tickets


class GroupBy(StrEnum):
    UNIT = "unit"
    DISTRICT = "district"
    CATEGORY = "category"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Row:
    key: str | None
    name: str | None
    rates: dict[r.RateCode, r.Rate]


@dataclass(frozen=True)
class Report:
    rows: list[Row]
    total: Row | None


def facts(
    session: Session, start: datetime, end: datetime, basis: r.PeriodBasis, *, only_unit: int | None = None
) -> list[r.TicketFacts]:
    """The domain's facts of every ticket that counts in [start, end); ``only_unit``: of the tickets
    that unit leads or holds a dispatched assignment of (one unit's drill-down)."""
    found = tickets.assessment_facts(
        session, start, end, by_closed=basis is r.PeriodBasis.CLOSED, only_unit=only_unit
    )
    assignments: dict[int, list[r.AssignmentFacts]] = defaultdict(list)
    for a in found.assignments:
        assignments[a.ticket_id].append(
            r.AssignmentFacts(
                unit=a.unit_id,
                role=AssignmentRole(a.role),
                state=AssignmentState(a.state),
                dispatched_at=a.dispatched_at,
                acknowledged_at=a.acknowledged_at,
                acknowledge_due_at=a.acknowledge_due_at,
                replied_at=a.replied_at,
                reply_due_at=a.reply_due_at,
                overdue=a.overdue,
                improper_send_backs=a.improper_send_backs,
            )
        )
    follow_ups: dict[int, list[r.FollowUpAnswer]] = defaultdict(list)
    reopens: dict[int, list[datetime]] = defaultdict(list)
    for e in found.events:
        if e.tag == "ticket.reopened":
            reopens[e.ticket_id].append(e.at)
        else:
            p = e.payload
            follow_ups[e.ticket_id].append(
                r.FollowUpAnswer(
                    e.at, bool(p["contacted"]), bool(p["solved"]), Satisfaction(p["satisfaction"])
                )
            )
    return [
        r.TicketFacts(
            id=t.id,
            channel=t.channel,
            category=t.category_code,
            received_at=t.received_at,
            status=t.status,
            closed_at=t.closed_at,
            lead_unit=t.lead_unit_id,
            answered_at_intake=t.answered_at_intake,
            assignments=tuple(assignments.get(t.id, ())),
            follow_ups=tuple(follow_ups.get(t.id, ())),
            reopened_at=tuple(reopens.get(t.id, ())),
        )
        for t in found.tickets
    ]


def _district_of(units: dict[int, UnitInfo]) -> Callable[[int | None], int | None]:
    def district(unit_id: int | None) -> int | None:
        while unit_id is not None and unit_id in units:
            u = units[unit_id]
            if u.kind == "district":
                return u.id
            unit_id = u.parent_id
        return None

    return district


#: The groups a day is tallied by (a district is folded from its units when read).
KINDS = ("unit", "category", "channel")
_TALLY_FIELDS = tuple(r.Tally.__dataclass_fields__)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The centre's day as the UTC span [its midnight, the next midnight)."""
    start = datetime.combine(day, time(), tzinfo=zone)
    return start.astimezone(UTC), datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(
        UTC
    )


def is_fresh(stored: TallyDay | None, now_is: tuple[int, int], as_of: datetime) -> bool:
    """Whether a stored day tally is what the live count gives as of ``as_of``: none of the day's
    tickets was written since (same tickets, same versions), it was counted as of no later than
    ``as_of``, and time alone changed nothing between (``as_of`` before its ``valid_until``)."""
    return (
        stored is not None
        and (stored.tickets, stored.versions) == now_is
        and stored.as_of <= as_of
        and (stored.valid_until is None or as_of < stored.valid_until)
    )


@dataclass(frozen=True)
class Sources:
    """Where a period's tally comes from: the stored days, and the spans counted live (today,
    stale days, the edges of a period that does not start or end at midnight), contiguous spans
    joined so each is one live count."""

    stored: list[date]
    live: list[tuple[datetime, datetime]]


def sources(session: Session, start: datetime, end: datetime, zone: ZoneInfo, as_of: datetime) -> Sources:
    """Which whole days of [start, end) have a fresh stored tally as of ``as_of``; the rest is
    live. Two statements: the stored days, then their tickets' versions (index only)."""
    first = start.astimezone(zone).date()
    if day_bounds(first, zone)[0] < start:
        first += timedelta(days=1)
    days: list[date] = []
    while day_bounds(first + timedelta(days=len(days)), zone)[1] <= end:
        days.append(first + timedelta(days=len(days)))
    stored_rows = (
        {
            row.day: row
            for row in session.scalars(
                select(TallyDay).where(
                    TallyDay.zone == zone.key, TallyDay.day >= days[0], TallyDay.day <= days[-1]
                )
            )
        }
        if days
        else {}
    )
    candidates = [d for d in days if d in stored_rows and stored_rows[d].as_of <= as_of]
    versions = tickets.day_versions(session, [day_bounds(d, zone) for d in candidates])
    fresh = {
        d for d, now_is in zip(candidates, versions, strict=True) if is_fresh(stored_rows[d], now_is, as_of)
    }
    live: list[tuple[datetime, datetime]] = []
    at = start
    for d in days:
        lo, hi = day_bounds(d, zone)
        if d in fresh:
            if at < lo:
                live.append((at, lo))
            at = hi
    if at < end:
        live.append((at, end))
    return Sources(sorted(fresh), live)


def _stored(
    session: Session, zone: ZoneInfo, kind: str, days: list[date], only_unit: int | None
) -> dict[Hashable | None, r.Tally]:
    """The stored tallies of ``days`` summed per group: one GROUP BY over ~30 rows a group."""
    if not days:
        return {}
    q = (
        select(DayTally.key, *(func.sum(getattr(DayTally, f)) for f in _TALLY_FIELDS))
        .where(DayTally.zone == zone.key, DayTally.kind == kind, DayTally.day.in_(days))
        .group_by(DayTally.key)
    )
    if only_unit is not None:
        q = q.where(DayTally.key == str(only_unit))
    found: dict[Hashable | None, r.Tally] = {}
    for key, *n in session.execute(q):
        k = None if key is None else int(key) if kind == "unit" else key
        found[k] = r.Tally(
            **{
                f: float(x) if f == "handling_seconds" else int(x)
                for f, x in zip(_TALLY_FIELDS, n, strict=True)
            }
        )
    return found


def tallies(
    session: Session,
    start: datetime,
    end: datetime,
    group_by: GroupBy,
    config: r.AssessmentConfig,
    as_of: datetime,
    *,
    only_unit: int | None = None,
    zone: ZoneInfo | None = None,
) -> dict[Hashable | None, r.Tally]:
    """The tally of every group; a district's is the sum of its units'. With the centre's ``zone``
    the whole days with a fresh stored tally are read from the day tallies and the rest counted
    live, contiguous spans in one count each; equal to counting the whole period live (the
    ``closed`` basis and a unit's own figures by category or channel are not stored: live)."""
    sql_group = "unit" if group_by in (GroupBy.UNIT, GroupBy.DISTRICT) else group_by.value
    by_closed = config.basis is r.PeriodBasis.CLOSED
    if zone is None or by_closed or (only_unit is not None and sql_group != "unit"):
        spans, found = [(start, end)], {}
    else:
        src = sources(session, start, end, zone, as_of)
        spans, found = src.live, _stored(session, zone, sql_group, src.stored, only_unit)
    for lo, hi in spans:
        live = tickets.assessment_tallies(
            session, lo, hi, by_closed=by_closed, as_of=as_of, group=sql_group, only_unit=only_unit
        )
        for key, tally in live.items():
            found[key] = found.get(key, r.Tally()) + tally
    if group_by is GroupBy.DISTRICT:
        district = _district_of({u.id: u for u in directory.units(session)})
        folded: dict[Hashable | None, r.Tally] = {}
        for unit_id, tally in found.items():
            key = district(unit_id if isinstance(unit_id, int) else None)
            folded[key] = folded.get(key, r.Tally()) + tally
        found = folded
    if only_unit is not None and group_by is GroupBy.UNIT:
        found = {k: v for k, v in found.items() if k == only_unit}
    return found


def case_totals(
    session: Session,
    start: datetime,
    end: datetime,
    config: r.AssessmentConfig,
    as_of: datetime,
    zone: ZoneInfo,
) -> tuple[int, int]:
    """The period's tickets with an overdue step and its unsatisfied answers (what the report's cut
    case lists count), from the day tallies where fresh and live for the rest, as `tallies`."""
    by_closed = config.basis is r.PeriodBasis.CLOSED
    if by_closed:
        return tickets.report_case_totals(session, start, end, by_closed=True, as_of=as_of)
    src = sources(session, start, end, zone, as_of)
    overdue = unsatisfied = 0
    if src.stored:
        stored = session.execute(
            select(func.sum(TallyDay.overdue_tickets), func.sum(TallyDay.unsatisfied)).where(
                TallyDay.zone == zone.key, TallyDay.day.in_(src.stored)
            )
        ).one()
        overdue, unsatisfied = int(stored[0] or 0), int(stored[1] or 0)
    for lo, hi in src.live:
        o, u = tickets.report_case_totals(session, lo, hi, by_closed=False, as_of=as_of)
        overdue, unsatisfied = overdue + o, unsatisfied + u
    return overdue, unsatisfied


def report(
    session: Session,
    start: datetime,
    end: datetime,
    group_by: GroupBy,
    config: r.AssessmentConfig,
    as_of: datetime,
    lang: str,
    *,
    only_unit: int | None = None,
    zone: ZoneInfo | None = None,
) -> Report:
    """Every rate per group of the period, and the total; ``only_unit`` keeps one unit's own figures
    (the tickets it leads and its own assignments), for the unit's people. Counted in SQL
    (`tallies`, from the day tallies where fresh with the centre's ``zone``), turned into rates by
    `domain.rates.rates_from`; equal to `report_from_facts`."""
    found = tallies(session, start, end, group_by, config, as_of, only_unit=only_unit, zone=zone)
    first_contact = group_by in (GroupBy.CATEGORY, GroupBy.CHANNEL)
    units = (
        {u.id: u for u in directory.units(session)} if group_by in (GroupBy.UNIT, GroupBy.DISTRICT) else {}
    )
    names = _names(session, group_by, units, {k for k in found if k is not None}, lang)
    rows = [
        Row(None if k is None else str(k), names.get(k), r.rates_from(v, config, first_contact=first_contact))
        for k, v in sorted(found.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
    ]
    total = None
    if only_unit is None:
        whole = sum(found.values(), r.Tally())
        total = Row(None, "合计" if lang != "en" else "Total", r.rates_from(whole, config))
    return Report(rows, total)


def report_from_facts(
    session: Session,
    start: datetime,
    end: datetime,
    group_by: GroupBy,
    config: r.AssessmentConfig,
    as_of: datetime,
    lang: str,
    *,
    only_unit: int | None = None,
) -> Report:
    """The reference computation of `report`: every ticket's facts loaded into Python and counted
    by `domain.rates.rates_by`. Slow on a big centre; kept to check the SQL tallies against."""
    ts = facts(session, start, end, config.basis)
    own = None
    if only_unit is not None:
        ts = [
            replace(t, assignments=tuple(a for a in t.assignments if a.unit == only_unit))
            for t in ts
            if t.lead_unit == only_unit or any(a.unit == only_unit for a in t.assignments)
        ]
        own = lambda t: t.lead_unit == only_unit  # noqa: E731
    units = {u.id: u for u in directory.units(session)}
    district = _district_of(units)
    ticket_key: Callable[[r.TicketFacts], Hashable | None]
    assignment_key: Callable[[r.TicketFacts, r.AssignmentFacts], Hashable | None]
    match group_by:
        case GroupBy.UNIT:
            ticket_key, assignment_key = (lambda t: t.lead_unit), (lambda t, a: a.unit)
        case GroupBy.DISTRICT:
            ticket_key, assignment_key = (lambda t: district(t.lead_unit)), (lambda t, a: district(a.unit))
        case GroupBy.CATEGORY:
            ticket_key, assignment_key = (lambda t: t.category), (lambda t, a: t.category)
        case GroupBy.CHANNEL:
            ticket_key, assignment_key = (lambda t: t.channel), (lambda t, a: t.channel)
    first_contact = group_by in (GroupBy.CATEGORY, GroupBy.CHANNEL)
    grouped = r.rates_by(ts, ticket_key, assignment_key, config, as_of, first_contact=first_contact, own=own)
    if only_unit is not None and group_by is GroupBy.UNIT:
        grouped = {k: v for k, v in grouped.items() if k == only_unit}
    names = _names(session, group_by, units, {k for k in grouped if k is not None}, lang)
    rows = [
        Row(None if k is None else str(k), names.get(k), v)
        for k, v in sorted(grouped.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
    ]
    total = None
    if only_unit is None:
        total = Row(
            None,
            "合计" if lang != "en" else "Total",
            r.all_rates(ts, [a for t in ts for a in t.assignments], config, as_of),
        )
    return Report(rows, total)


def _names(
    session: Session, group_by: GroupBy, units: dict[int, UnitInfo], keys: set[Hashable], lang: str
) -> dict[Hashable, str]:
    if group_by in (GroupBy.UNIT, GroupBy.DISTRICT):
        return {
            k: (units[k].name_en or units[k].name) if lang == "en" else units[k].name
            for k in keys
            if isinstance(k, int) and k in units
        }
    if group_by is GroupBy.CATEGORY:
        found = directory.categories_by_code(session, {str(k) for k in keys})
        return {code: (c.name_en or c.name) if lang == "en" else c.name for code, c in found.items()}
    return {k: label(str(k), lang) for k in keys}
