"""The grid steps' API shapes: arrival on site, asking for and answering a verification (核查)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hotline.web.numbers import Id, Latitude, Longitude
from hotline.web.text import ShortText


class _Position(BaseModel):
    latitude: Latitude | None = Field(default=None, description="WGS-84, as the phone gives it")
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _both(self) -> _Position:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("coordinates.incomplete: give both latitude and longitude, or neither")
        return self


class ArriveIn(_Position):
    """Arrival on site (到达现场): the time is the server's; the phone's position when it has one."""

    model_config = ConfigDict(extra="forbid")


class VerificationIn(BaseModel):
    """Ask a grid to verify a reply on site. Without `grid_unit_id`, the grid of the request's place
    (its point, else its address) is asked."""

    model_config = ConfigDict(extra="forbid")

    grid_unit_id: Id | None = None
    note: ShortText | None = Field(default=None, description="What to look at, e.g. 路灯修好了吗？")


class VerificationAnswerIn(_Position):
    """The grid's finding: passed, or failed with the reason in `note` (the reply goes back to the
    unit). Photos are sent from the grid worker's page (multipart)."""

    model_config = ConfigDict(extra="forbid")

    passed: bool
    note: ShortText | None = None
