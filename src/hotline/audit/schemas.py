"""The audit's API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ActorOut(BaseModel):
    user_id: int | None = Field(description="The person's user id; none for a system actor")
    name: str = Field(description="The person's username, or router, cli, loader")


class EntryOut(BaseModel):
    id: int
    at: datetime = Field(description="When the change was made, in the centre's zone")
    actor: ActorOut
    action: str = Field(description="A stable dotted tag, e.g. kb.article.updated, routing.decided")
    entity_type: str
    entity_id: str | None
    before: Any = Field(description="The entity before the change (none when it was created); secrets masked")
    after: Any = Field(description="The entity after the change (none when it was removed); secrets masked")
    changed: list[str] = Field(description="Top-level fields whose value differs between before and after")
    note: str | None
    details: dict[str, Any] | None = Field(
        default=None,
        description="What the note says, as data (e.g. sessions_revoked), where the change gives it",
    )


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int
    limit: int
    offset: int
