"""The tickets behind a rate: what each ticket (or each dispatched assignment) of a unit adds to a
rate's numerator and whether it is in its denominator.

The rules mirror `rates.tally_of` line by line, so a unit's parts, summed (`summed`), give the very
numerator and denominator `rates_from(tally_of(...))` gives for that unit and period — the figure the
rates API, the report and the ranking print. Ticket rates are explained by the tickets the unit
leads; the assignment rates (`ASSIGNMENT_RATES`) by each assignment the centre dispatched to the
unit, whoever leads its ticket and whatever became of it (merged, withdrawn). docs/assessment.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from math import fsum

from hotline.domain.rates import (
    AssessmentConfig,
    AssignmentFacts,
    Rate,
    RateCode,
    TicketFacts,
    rate,
    replied_in_time,
    valid_follow_up,
)
from hotline.domain.vocabulary import AssignmentRole, AssignmentState, Satisfaction

#: Rates counted per dispatched assignment, for the assignment's own unit (assists included).
ASSIGNMENT_RATES = frozenset(
    {RateCode.TIMELY_ACKNOWLEDGEMENT, RateCode.OVERDUE, RateCode.IMPROPER_SEND_BACKS}
)
#: Rates judged by the citizen's valid follow-up answer (the ranking's four figures).
FOLLOW_UP_RATES = (RateCode.COMPOSITE, RateCode.RESPONSE, RateCode.RESOLUTION, RateCode.SATISFACTION)
#: Rates where less is better: their drill-down lists the lines that add most first.
LOWER_IS_BETTER = frozenset(
    {RateCode.REOPEN, RateCode.OVERDUE, RateCode.IMPROPER_SEND_BACKS, RateCode.HANDLING_TIME}
)


#: Every reason a line gives (`Part.why`); the pages' words are ``assess.why.<reason>``.
REASONS = (
    "status",  # merged, withdrawn or handed off: counted nowhere
    "no_follow_up",
    "follow_up",
    "centre_rate",
    "at_intake",
    "dispatched",
    "closed",
    "open",
    "on_time",
    "late",
    "hours",
    "reopened",
    "not_reopened",
    "acked_in_time",
    "acked_late",
    "not_acked",
    "not_due",
    "ended_unacked",
    "no_limit",
    "overdue",
    "not_overdue",
    "improper",
    "no_improper",
)


@dataclass(frozen=True)
class Part:
    """One line of a drill-down. ``numerator`` is in the rate's own measure (1 or 0 for a share, a
    weighted score for the composite, a count for overdue and improper send-backs, hours for the
    handling time); ``counted`` says whether the line is in the denominator; ``why`` names the
    reason in the message catalogue (``assess.why.<why>``), so a unit reads why, not only what."""

    ticket: TicketFacts
    numerator: float
    counted: bool
    why: str
    assignment: AssignmentFacts | None = None  # an assignment rate's line; a late closure's late lead


def _closed_by(t: TicketFacts, as_of: datetime) -> bool:
    return t.closed_at is not None and t.closed_at <= as_of


def ticket_part(
    t: TicketFacts, code: RateCode, config: AssessmentConfig, as_of: datetime, *, first_contact: bool = True
) -> Part:
    """What ticket ``t`` adds to a ticket rate of its lead unit (or group). ``first_contact`` is
    false where `rates_from` gives first-contact resolution no rate (units' and districts' rows)."""
    if code in ASSIGNMENT_RATES:
        raise ValueError(f"{code} is counted per assignment")
    if not t.counted:  # merged (counted under the ticket it joined), withdrawn, handed off
        return Part(t, 0.0, False, "status")
    if code is RateCode.FIRST_CONTACT_RESOLUTION:
        if not first_contact:
            return Part(t, 0.0, False, "centre_rate")
        return Part(
            t, float(t.answered_at_intake), True, "at_intake" if t.answered_at_intake else "dispatched"
        )
    if code is RateCode.CLOSURE:
        closed = _closed_by(t, as_of)
        return Part(t, float(closed), True, "closed" if closed else "open")
    if code in (RateCode.ON_TIME_CLOSURE, RateCode.HANDLING_TIME):
        if not _closed_by(t, as_of):
            return Part(t, 0.0, False, "open")
        if code is RateCode.HANDLING_TIME:
            assert t.closed_at is not None
            return Part(t, (t.closed_at - t.received_at).total_seconds() / 3600, True, "hours")
        late = [a for a in t.assignments if a.role is AssignmentRole.LEAD and not replied_in_time(a)]
        if late:  # the first lead that replied late (or never), for the unit to see when
            return Part(t, 0.0, True, "late", late[0])
        return Part(t, 1.0, True, "on_time")
    f = valid_follow_up(t, as_of)
    if f is None:
        return Part(t, 0.0, False, "no_follow_up")
    if code is RateCode.REOPEN:
        reopened = any(r <= as_of for r in t.reopened_at)
        return Part(t, float(reopened), True, "reopened" if reopened else "not_reopened")
    points = {Satisfaction.SATISFIED: 1.0, Satisfaction.FAIRLY_SATISFIED: config.fairly_satisfied_weight}.get(
        f.satisfaction, 0.0
    )
    wr, ws, wsat = config.weights
    value = {
        RateCode.RESPONSE: float(f.contacted),
        RateCode.RESOLUTION: float(f.solved),
        RateCode.SATISFACTION: points,
        RateCode.COMPOSITE: wr * f.contacted + ws * f.solved + wsat * points,
    }[code]
    return Part(t, value, True, "follow_up")


def assignment_part(t: TicketFacts, a: AssignmentFacts, code: RateCode, as_of: datetime) -> Part:
    """What one centre-dispatched assignment adds to an assignment rate of its own unit. The
    ticket's fate does not matter: what the unit did on a merged or withdrawn ticket still counts."""
    if code is RateCode.OVERDUE:
        return Part(t, float(a.overdue), True, "overdue" if a.overdue else "not_overdue", a)
    if code is RateCode.IMPROPER_SEND_BACKS:
        n = a.improper_send_backs
        return Part(t, float(n), True, "improper" if n else "no_improper", a)
    if code is not RateCode.TIMELY_ACKNOWLEDGEMENT:
        raise ValueError(f"{code} is counted per ticket")
    due = a.acknowledge_due_at
    if due is None:
        return Part(t, 0.0, False, "no_limit", a)
    if a.acknowledged_at is not None and a.acknowledged_at <= as_of:
        timely = a.acknowledged_at <= due
        return Part(t, float(timely), True, "acked_in_time" if timely else "acked_late", a)
    if a.state in (AssignmentState.CANCELLED, AssignmentState.SENT_BACK):
        return Part(t, 0.0, False, "ended_unacked", a)
    if due <= as_of:
        return Part(t, 0.0, True, "not_acked", a)
    return Part(t, 0.0, False, "not_due", a)


def parts(
    tickets: Iterable[TicketFacts],
    unit: int,
    code: RateCode,
    config: AssessmentConfig,
    as_of: datetime,
    *,
    first_contact: bool = False,
) -> list[Part]:
    """Every line behind one unit's figure, in the order of ``tickets``: the tickets it leads for a
    ticket rate, each assignment dispatched to it for an assignment rate. ``tickets`` are the
    period's (counted in it by `rates.counts_in`); first-contact resolution is the centre's, so a
    unit's is no rate unless ``first_contact``."""
    if code in ASSIGNMENT_RATES:
        return [assignment_part(t, a, code, as_of) for t in tickets for a in t.assignments if a.unit == unit]
    return [
        ticket_part(t, code, config, as_of, first_contact=first_contact)
        for t in tickets
        if t.lead_unit == unit
    ]


def summed(found: Iterable[Part], code: RateCode) -> tuple[float, int]:
    """The numerator and denominator the lines add up to, with `rates_from`'s arithmetic: hours are
    summed as seconds in the tickets' order and rounded as the tally rounds them, so the figure is
    the rates page's to the last digit; a weighted share is the sum of its lines (math.fsum)."""
    counted = [p for p in found if p.counted]
    if code is RateCode.HANDLING_TIME:
        seconds = 0.0
        for p in counted:
            assert p.ticket.closed_at is not None
            seconds += (p.ticket.closed_at - p.ticket.received_at).total_seconds()
        return round(seconds / 3600, 6), len(counted)
    return fsum(p.numerator for p in counted), len(counted)


def figure(found: Iterable[Part], code: RateCode) -> Rate:
    """The rate the lines make, as the rates page prints it."""
    numerator, denominator = summed(found, code)
    return rate(code, numerator, denominator)


def worst_first(found: Iterable[Part], code: RateCode) -> list[Part]:
    """The lines as a unit reads them: counted ones first, those that pull the figure down (add
    least to a share, most to a count, a reopen rate or the hours) first among them."""
    sign = -1 if code in LOWER_IS_BETTER else 1
    return sorted(
        found,
        key=lambda p: (not p.counted, sign * p.numerator, p.ticket.received_at, p.ticket.id),
    )
