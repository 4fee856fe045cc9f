"""The rankings' API shapes."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from pydantic import BaseModel, Field


class FigureOut(BaseModel):
    code: str = Field(description="composite, response, resolution or satisfaction")
    name: str
    numerator: float
    denominator: int = Field(description="Valid follow-ups of the tickets the unit led in the period")
    value: float | None


class PlacingOut(BaseModel):
    unit_id: int
    name: str | None
    group: str = Field(description="district, street_town, department or enterprise")
    place: int | None = Field(description="1 is best; equal scores share a place; none: not ranked")
    of: int = Field(description="Units ranked in the group")
    score: float | None = Field(description="The composite score, 0–1")
    volume: int = Field(description="Valid follow-ups (the score's denominator)")
    previous_place: int | None
    movement: int | None = Field(description="Places gained since the previous period (negative: lost)")
    bottom: bool = Field(description="In the group's bottom two (ties included)")
    figures: list[FigureOut]


class GroupOut(BaseModel):
    group: str
    name: str
    placings: list[PlacingOut]


class RankingOut(BaseModel):
    period: str = Field(description="2026-11 (a month) or 2026-W48 (an ISO week)")
    kind: str = Field(description="week or month")
    start: date
    end: date = Field(description="The last day of the period (inclusive)")
    closed: bool = Field(description="A closed period is read from its frozen snapshot")
    closed_at: datetime | None
    as_of: datetime = Field(description="Follow-up answers up to this instant count")
    min_volume: int
    definition: str = Field(description="How the composite score is counted, in the reader's language")
    groups: list[GroupOut]


class ListsOut(BaseModel):
    period: str
    kind: str
    periods: list[str] = Field(description="The periods the watchlist looked at, oldest first")
    watchlist: list[PlacingOut] = Field(description="蜗牛席: in the bottom two of every one of those periods")
    red: list[PlacingOut] = Field(description="红榜: first place with a score of at least red_min")
    black: list[PlacingOut] = Field(description="黑榜: last place with a score below black_max")
    settings: dict[str, float | int]


class AnswerOut(BaseModel):
    at: datetime
    contacted: bool
    solved: bool
    satisfaction: str


class AssignmentOut(BaseModel):
    role: str = Field(description="lead or assist")
    state: str
    dispatched_at: datetime
    acknowledge_due_at: datetime | None
    acknowledged_at: datetime | None
    reply_due_at: datetime | None
    replied_at: datetime | None
    overdue: bool = Field(description="A step of it recorded overdue by the sweeper")
    improper_send_backs: int = Field(description="Its send-backs the centre rejected")


class DrillLineOut(BaseModel):
    ticket_id: int
    number: str
    title: str | None
    status: str
    received_at: datetime
    closed_at: datetime | None
    counted: bool = Field(description="In the figure's denominator")
    adds: float = Field(
        description="What the line adds to the numerator, in the rate's measure: 0–1 for a share "
        "(the weighted answer for the composite), a count, or hours for the handling time"
    )
    why: str = Field(
        description="Why it counts so: status (merged, withdrawn, handed off: counted nowhere), "
        "no_follow_up, follow_up, closed, open, on_time, late, hours, reopened, not_reopened, "
        "centre_rate, at_intake, dispatched, acked_in_time, acked_late, not_acked, not_due, "
        "ended_unacked, no_limit, overdue, not_overdue, improper, no_improper"
    )
    answer: AnswerOut | None = Field(description="The ticket's valid follow-up (its last by as_of)")
    assignment: AssignmentOut | None = Field(
        description="The assignment the line is about (timely acknowledgement, overdue, improper send-backs; "
        "for a late closure, the lead that replied late)"
    )


class DrillDownOut(BaseModel):
    unit_id: int
    unit: str
    period: str
    code: str
    name: str
    measure: str = Field(description="share, count or hours")
    definition: str
    numerator: float = Field(description="The lines' additions summed: the unit's figure on /api/v1/rates")
    denominator: int = Field(description="The lines counted")
    value: float | None
    as_of: datetime = Field(description="The lines are counted as of this instant")
    kept: FigureOut | None = Field(description="A closed period's ranking figure, as frozen")
    lines: list[DrillLineOut] = Field(description="Counted lines first, those pulling the figure down first")


class CloseIn(BaseModel):
    period: str = Field(default="month", description="week or month")
    date: dt.date = Field(description="Any day of the period to close")
