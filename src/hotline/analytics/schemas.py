"""The rates' API shapes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class RateOut(BaseModel):
    code: str = Field(description="response, resolution, satisfaction, composite, timely_acknowledgement, …")
    name: str = Field(description="The rate's name in the reader's language")
    measure: str = Field(description="share (0–1), count, or hours (a mean)")
    numerator: float
    denominator: int
    value: float | None = Field(
        description="numerator ÷ denominator (a count for counts); none when nothing counts"
    )
    definition: str = Field(description="How it is counted, in the reader's language")


class RowOut(BaseModel):
    key: str | None = Field(
        description="Unit or district id, category code or channel; none: no unit / no district"
    )
    name: str | None
    rates: list[RateOut]


class RatesOut(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date = Field(description="The last day of the period (inclusive)")
    group_by: str
    basis: str = Field(description="received: a ticket counts in the period it was received; closed: closed")
    as_of: datetime = Field(description="Answers and closures up to this instant count")
    rows: list[RowOut]
    total: RowOut | None = Field(
        description="The whole centre; none for a unit's people, who see their own rows"
    )

    model_config = {"populate_by_name": True}
