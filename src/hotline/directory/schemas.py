"""API shapes of the directory's administration: units, people and categories.

Codes and names are checked here for shape and length; the rules that need the database (a code
taken, a parent retired, the tree too deep, a password too simple) are the service's, answered
with the same 4xx codes naming the field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from hotline.web.numbers import Id
from hotline.web.patch import NotNull
from hotline.web.text import PlainStr, no_control, no_markup

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(no_markup)
]
NameEn = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(no_markup)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(no_control)
]
Word = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), AfterValidator(no_markup)
]
Password = Annotated[str, Field(max_length=200), AfterValidator(no_control)]


class UnitIn(BaseModel):
    """A new unit under an active parent (the tree has at most five levels)."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(max_length=64, description="Stable code, e.g. s-zhongshan-2")
    name: Name
    name_en: NameEn | None = None
    public_name: Name | None = Field(default=None, description="The name citizens see; the name if left out")
    kind: PlainStr = Field(
        max_length=20,
        description="district, department, enterprise, street, town, community, village or grid",
    )
    parent_id: Id
    duties: list[Word] = Field(default_factory=list, max_length=50)
    keywords: list[Word] = Field(default_factory=list, max_length=50)


class UnitPatch(BaseModel):
    """Rename a unit, or move it (``parent_id``) with everything below it."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Name | None, NotNull] = None
    name_en: NameEn | None = None
    public_name: Name | None = None
    parent_id: Annotated[Id | None, NotNull] = None
    duties: Annotated[list[Word] | None, NotNull] = Field(default=None, max_length=50)
    keywords: Annotated[list[Word] | None, NotNull] = Field(default=None, max_length=50)


class AdminUnitOut(BaseModel):
    id: int
    code: str
    name: str
    name_en: str | None
    public_name: str | None
    kind: str
    level: int
    parent_id: int | None
    duties: list[str]
    keywords: list[str]
    active: bool


class UserIn(BaseModel):
    """A new person, who can log in at once with this password."""

    model_config = ConfigDict(extra="forbid")

    username: Code = Field(max_length=64)
    display_name: Name
    role: PlainStr = Field(
        max_length=20,
        description="operator, dispatcher, unit_handler, unit_reviewer, supervisor, grid_worker or admin",
    )
    unit_id: Id
    password: Password = Field(description="At least 10 characters, not the username")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: Annotated[Name | None, NotNull] = None
    role: Annotated[PlainStr | None, NotNull] = Field(default=None, max_length=20)
    unit_id: Annotated[Id | None, NotNull] = None


class PasswordIn(BaseModel):
    """Set this password, or leave it out for a temporary one shown once in the answer."""

    model_config = ConfigDict(extra="forbid")

    password: Password | None = None


class PasswordOut(BaseModel):
    temporary_password: str | None = Field(
        description="The temporary password to hand over (shown once); none when one was set"
    )
    sessions_revoked: bool = True


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    unit_id: int
    unit_name: str
    active: bool
    created_at: datetime


class CategoryIn(BaseModel):
    """A new category at the top (no parent) or under an active one (three levels at most)."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    name_en: NameEn | None = None
    parent_id: Id | None = None
    default_unit_id: Id | None = None
    territorial: bool = False
    keywords: list[Word] = Field(default_factory=list, max_length=50)
    description: Annotated[str, StringConstraints(max_length=2000), AfterValidator(no_markup)] | None = None


class CategoryPatch(BaseModel):
    """Change a category; ``parent_id: null`` moves it to the top."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Name | None, NotNull] = None
    name_en: NameEn | None = None
    parent_id: Id | None = None
    default_unit_id: Id | None = None
    territorial: Annotated[bool | None, NotNull] = None
    keywords: Annotated[list[Word] | None, NotNull] = Field(default=None, max_length=50)
    description: Annotated[str, StringConstraints(max_length=2000), AfterValidator(no_markup)] | None = None


class AdminCategoryOut(BaseModel):
    id: int
    code: str
    name: str
    name_en: str | None
    level: int
    parent_id: int | None
    default_unit_id: int | None
    territorial: bool
    keywords: list[str]
    description: str | None
    active: bool
