"""API shapes of the knowledge base."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from hotline.web.numbers import Id
from hotline.web.patch import NotNull
from hotline.web.text import LongText, PlainStr, ShortText, no_control

Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), AfterValidator(no_control)
]
Kind = Literal["duty", "answer"]


class ArticleIn(BaseModel):
    """A new article: an answer to a common consultation, or a unit's duty list."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind = "answer"
    title: ShortText = Field(min_length=1)
    body: LongText
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)
    category_code: PlainStr | None = Field(default=None, max_length=100)
    unit_id: Id | None = None


class ArticlePatch(BaseModel):
    """Fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    kind: Annotated[Kind | None, NotNull] = None
    title: Annotated[ShortText | None, NotNull] = Field(default=None, min_length=1)
    body: Annotated[LongText | None, NotNull] = None
    keywords: Annotated[list[Keyword] | None, NotNull] = Field(default=None, max_length=30)
    category_code: PlainStr | None = Field(default=None, max_length=100)
    unit_id: Id | None = None


class Ref(BaseModel):
    id: int
    name: str


class CategoryRef(BaseModel):
    code: str
    name: str


class ArticleOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    keywords: list[str]
    category: CategoryRef | None
    unit: Ref | None
    source: str
    updated_at: datetime


class ArticlePage(BaseModel):
    total: int
    items: list[ArticleOut]


class Hit(BaseModel):
    article: ArticleOut
    score: float
    matched: list[str] = Field(description="Terms of the query found in the article, strongest first.")
    snippet: str
    best_line: str = Field(description="The article's line that matched best (for a duty list: the duty).")


class SearchOut(BaseModel):
    query: str
    results: list[Hit]
    note: str | None = Field(
        default=None, description="Why there are no results, when the query has no words."
    )
