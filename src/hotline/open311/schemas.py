"""API shapes of the Open311 administration (published services, API keys), and attribute specs.

The GeoReport documents themselves are plain dicts rendered by `render.py`: their shape is the
spec's, not ours. What is checked here is what an administrator may store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hotline.domain.vocabulary import Kind
from hotline.web.text import OptionalNote, PlainStr, ShortText

Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
ServiceType = Literal["realtime", "batch", "blackbox"]
LIST_TYPES = ("singlevaluelist", "multivaluelist")
CODE_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"


class AttributeValue(BaseModel):
    """One choice of a list attribute: `key` is what clients send, `name` what people read."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[^\s,]{1,100}$")
    name: ShortText = Field(min_length=1)
    name_en: ShortText | None = None


class AttributeSpec(BaseModel):
    """A question the service asks (GeoReport's service definition attribute)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE_PATTERN)
    datatype: Datatype
    required: bool = False
    variable: bool = Field(default=True, description="false: information shown to the user, no input")
    order: int = Field(ge=1, le=1000)
    description: ShortText = Field(min_length=1)
    description_en: ShortText | None = None
    datatype_description: ShortText | None = None
    datatype_description_en: ShortText | None = None
    values: list[AttributeValue] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _values_fit_datatype(self) -> AttributeSpec:
        if self.datatype in LIST_TYPES and not self.values:
            raise ValueError("attribute.values_required: a list attribute needs its values")
        if self.datatype not in LIST_TYPES and self.values:
            raise ValueError("attribute.values_unexpected: only list attributes have values")
        keys = [v.key for v in self.values]
        if len(keys) != len(set(keys)):
            raise ValueError("attribute.duplicate_key: the keys of a list must differ")
        if self.required and not self.variable:
            raise ValueError("attribute.required_not_variable: an informational attribute cannot be required")
        return self


def _unique_codes(attributes: list[AttributeSpec] | None) -> list[AttributeSpec] | None:
    if attributes is not None:
        codes = [a.code for a in attributes]
        if len(codes) != len(set(codes)):
            raise ValueError("attribute.duplicate_code: attribute codes must differ")
    return attributes


class _ServiceTexts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group: ShortText | None = Field(default=None, max_length=100)
    group_en: ShortText | None = Field(default=None, max_length=100)
    description: OptionalNote | None = None
    description_en: OptionalNote | None = None
    notice: OptionalNote | None = Field(default=None, description="Told to the client when a request is made")
    notice_en: OptionalNote | None = None


class ServiceIn(_ServiceTexts):
    """A new published service: its code, and the category of the platform's tree it stands for."""

    code: str = Field(pattern=CODE_PATTERN)
    category_code: PlainStr = Field(max_length=100)
    kind: Kind = Kind.COMPLAINT
    service_type: ServiceType = "realtime"
    keywords: list[ShortText] = Field(default_factory=list, max_length=50)
    attributes: list[AttributeSpec] = Field(default_factory=list, max_length=50)
    published: bool = True

    _codes = field_validator("attributes")(_unique_codes)


class ServicePatch(_ServiceTexts):
    """Changes to a service; fields left out stay as they are (`null` clears a text)."""

    category_code: PlainStr | None = Field(default=None, max_length=100)
    kind: Kind | None = None
    service_type: ServiceType | None = None
    keywords: list[ShortText] | None = Field(default=None, max_length=50)
    attributes: list[AttributeSpec] | None = Field(default=None, max_length=50)
    published: bool | None = None

    _codes = field_validator("attributes")(_unique_codes)


class ServiceOut(BaseModel):
    code: str
    category_code: str
    category_name: str
    kind: str
    service_type: str
    group: str | None
    group_en: str | None
    keywords: list[str]
    description: str | None
    description_en: str | None
    notice: str | None
    notice_en: str | None
    attributes: list[AttributeSpec]
    published: bool
    updated_at: datetime


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText = Field(min_length=1, max_length=100, description="The client application")
    contact: ShortText | None = Field(default=None, description="Who to ask about it (e-mail, phone)")


class KeyOut(BaseModel):
    id: int
    name: str
    contact: str | None
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class KeyIssued(KeyOut):
    key: str = Field(description="The key itself: shown this once, only its hash is kept.")
