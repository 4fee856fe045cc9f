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


class CloseIn(BaseModel):
    period: str = Field(default="month", description="week or month")
    date: dt.date = Field(description="Any day of the period to close")
