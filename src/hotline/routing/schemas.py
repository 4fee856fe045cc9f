"""API shapes of routing: a suggestion request in; suggestions with reasons, place, emergency,
duplicates and kb answers out; administrators' rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hotline.web.numbers import Id, Latitude, Longitude
from hotline.web.patch import NotNull
from hotline.web.text import PlainStr, ShortText, no_markup

#: A suggestion may be asked for any text a person pastes, up to 200,000 characters (it is read
#: from its head); intake itself keeps its own limit.
SuggestText = Annotated[str, StringConstraints(max_length=200_000)]
Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), AfterValidator(no_markup)
]


class SuggestIn(BaseModel):
    """What is known of a request: its text, and where it is (a point, or an address)."""

    model_config = ConfigDict(extra="forbid")

    text: SuggestText = ""
    title: ShortText | None = Field(default=None, max_length=100)
    kind: PlainStr | None = Field(default=None, max_length=20)
    channel: PlainStr | None = Field(default=None, max_length=20)
    address: ShortText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    category_code: PlainStr | None = Field(default=None, max_length=100)
    limit: int = Field(default=5, ge=1, le=20)

    @model_validator(mode="after")
    def _both_coordinates(self) -> SuggestIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("coordinates.incomplete: give both latitude and longitude, or neither")
        return self


class UnitRef(BaseModel):
    id: int
    name: str


class CategoryRef(BaseModel):
    code: str
    name: str


class Reason(BaseModel):
    source: str = Field(description="operator, rule, history, classifier, keywords, duty, answer, place")
    source_label: str
    text: str
    weight: float = Field(description="How much this reason counted (reliability × strength, 0–1).")


class Suggestion(BaseModel):
    rank: int
    category: CategoryRef | None
    unit: UnitRef | None
    confidence: float
    reasons: list[Reason]


class PlaceOut(BaseModel):
    district: UnitRef | None
    street: UnitRef | None
    community: UnitRef | None
    grid: UnitRef | None
    method: str = Field(description="point (coordinates), address, or text (place names in the request)")
    description: str
    matched: list[str]
    conflicts: list[str] = Field(description="Place names found that lie elsewhere (check the address).")


class EmergencyOut(BaseModel):
    service: str = Field(description="110, 119, 120 or 122: the line to hand off to first")
    services: list[str]
    label: str
    prompt: str
    reasons: list[str]


class DuplicateOut(BaseModel):
    ticket_id: int
    tracking_code: str
    status: str
    status_label: str
    title: str | None
    snippet: str
    received_at: datetime
    similarity: float
    distance_m: float | None
    same_place: str | None
    same_category: bool
    merged_callers: int
    reason: str


class AnswerOut(BaseModel):
    article_id: int
    title: str
    snippet: str
    strength: float
    category_code: str | None
    unit_id: int | None


class Nothing(BaseModel):
    code: str = Field(description="empty, no_words or no_match")
    message: str


class Advice(BaseModel):
    suggestions: list[Suggestion]
    place: PlaceOut | None
    emergency: EmergencyOut | None
    duplicates: list[DuplicateOut]
    answers: list[AnswerOut] = Field(
        description="Knowledge-base answers for answering a consultation at intake."
    )
    nothing: Nothing | None = Field(description="Why there is no suggestion.")
    truncated: bool = Field(description="The text was long; routing read its beginning.")
    model_used: bool = Field(description="Whether a classifier was loaded and asked.")
    model_note: str | None = None
    model_version: str | None = Field(
        default=None, description="The classifier asked (when it was trained); null when none was."
    )


class SuggestOut(Advice):
    auto_dispatch_threshold: float = Field(
        description="The confidence the best suggestion must reach: the model's own threshold when "
        "the classifier is the only evidence, else the platform's setting (combined evidence)."
    )
    threshold_basis: str = Field(description="model or setting: whose threshold applies.")
    would_auto_dispatch: bool = Field(
        description="Whether a new ticket with this text would be dispatched at once (秒派)."
    )
    decision: str
    decision_label: str


class TicketRoutingOut(Advice):
    ticket_id: int
    computed_at: datetime
    decision: str
    decision_label: str
    auto_dispatched: bool


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText = Field(min_length=1)
    keywords: list[Keyword] = Field(min_length=1, max_length=50)
    exclude_keywords: list[Keyword] = Field(default_factory=list, max_length=50)
    category_code: PlainStr | None = Field(default=None, max_length=100)
    unit_id: Id | None = None
    area_unit_id: Id | None = None
    confidence: float = Field(default=0.95, gt=0, le=1)

    @model_validator(mode="after")
    def _target(self) -> RuleIn:
        if self.category_code is None and self.unit_id is None:
            raise ValueError("rule.no_target: give a category_code, a unit_id, or both")
        return self


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[ShortText | None, NotNull] = Field(default=None, min_length=1)
    keywords: Annotated[list[Keyword] | None, NotNull] = Field(default=None, min_length=1, max_length=50)
    exclude_keywords: Annotated[list[Keyword] | None, NotNull] = Field(default=None, max_length=50)
    category_code: PlainStr | None = Field(default=None, max_length=100)
    unit_id: Id | None = None
    area_unit_id: Id | None = None
    confidence: Annotated[float | None, NotNull] = Field(default=None, gt=0, le=1)
    active: Annotated[bool | None, NotNull] = None


class RuleOut(BaseModel):
    id: int
    name: str
    keywords: list[str]
    exclude_keywords: list[str]
    category_code: str | None
    unit_id: int | None
    area_unit_id: int | None
    confidence: float
    active: bool
    updated_at: datetime


class StatusOut(BaseModel):
    model_present: bool
    model_labels: list[str]
    model_threshold: float | None
    model_trained_at: str | None
    model_error: str | None
    auto_dispatch: bool
    auto_dispatch_threshold: float
    kb_duties: int
    kb_answers: int
    indexed_tickets: int
    rules: int
    categories: int


class AccuracyRow(BaseModel):
    key: str | None = Field(description="Category code or unit id; null for the total.")
    name: str
    auto_dispatched: int = Field(description="Tickets dispatched at once (秒派) in the period.")
    sent_back: int = Field(description="Of those, sent back by the unit, whatever was decided.")
    wrong: int = Field(description="Send-back accepted: the unit was right, the ticket re-dispatched.")
    rejected: int = Field(description="Send-back rejected: the dispatch was right.")
    pending: int = Field(description="Sent back, not yet decided (left out of the accuracy).")
    accuracy: float | None = Field(
        description="(auto_dispatched − pending − wrong) / (auto_dispatched − pending); null: none decided."
    )


class AccuracyOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    total: AccuracyRow
    by_category: list[AccuracyRow]
    by_unit: list[AccuracyRow]
