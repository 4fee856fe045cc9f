"""The shape of a request coming in, whichever channel it comes from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hotline.domain.vocabulary import Channel, Kind, Urgency
from hotline.web.numbers import Latitude, Longitude
from hotline.web.text import LongText, Phone, PlainStr, ShortText


class TicketIn(BaseModel):
    """A new request. `content` is what the citizen asks, in their words (at most 4,000 characters)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel = Channel.PHONE
    kind: Kind
    urgency: Urgency = Urgency.NORMAL
    title: ShortText | None = Field(default=None, max_length=100)
    content: LongText
    category_code: PlainStr | None = Field(default=None, max_length=100)
    citizen_name: ShortText | None = Field(default=None, max_length=50)
    citizen_phone: Phone | None = None
    address: ShortText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    intake_seconds: int | None = Field(
        default=None,
        ge=0,
        le=86_400,
        description="Seconds the operator took from opening the intake form to submitting it.",
    )

    @model_validator(mode="after")
    def _both_coordinates(self) -> TicketIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("coordinates.incomplete: give both latitude and longitude, or neither")
        return self


class PublicTicketIn(BaseModel):
    """What a citizen submits through the public portal: the phone is required to follow up."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    title: ShortText | None = Field(default=None, max_length=100)
    content: LongText
    citizen_name: ShortText | None = Field(default=None, max_length=50)
    citizen_phone: Phone
    address: ShortText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> PublicTicketIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("coordinates.incomplete: give both latitude and longitude, or neither")
        return self
