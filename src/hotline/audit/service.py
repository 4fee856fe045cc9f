"""The one write of the audit: `record`, called by every admin write path (and the router) with
the session of its own change, so the entry and the change commit or roll back together.

Secrets never reach the table: `record` masks every value stored under a secret's name (a
webhook's signing secret, an API key's or password's hash), however deep in the snapshot.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Protocol

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEntry

MASK: Final = "***"
SECRET_FIELDS: Final = frozenset({"secret", "key_hash", "password", "password_hash", "token_hash"})
#: Columns every admin table carries that the entry already says better (its `at` and actor).
ROW_NOISE: Final = frozenset({"updated_at", "updated_by_user_id"})


class Identified(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """Who made a change: a signed-in person (`of`), or a named part of the platform."""

    name: str
    user_id: int | None = None

    @classmethod
    def of(cls, user: Identified) -> Actor:
        return cls(user.username, user.id)


ROUTER: Final = Actor("router")  # routing of new tickets (advice, auto-dispatch)
CLI: Final = Actor("cli")  # `hotline …` commands run by an operator of the platform
LOADER: Final = Actor("loader")  # start-up and demo loading (a city, duties, demo answers)


def jsonable(value: Any) -> Any:
    """A value as JSON keeps it: datetimes as ISO text (UTC as stored), enums by value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def masked(value: Any) -> Any:
    """`value` with whatever is stored under a secret's name replaced by `MASK`."""
    if isinstance(value, Mapping):
        return {k: (MASK if v is not None and k in SECRET_FIELDS else masked(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def snapshot(row: Any, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A table row's columns as JSON (secrets masked), for `before` and `after`."""
    skip = ROW_NOISE | set(exclude)
    columns = inspect(row).mapper.column_attrs
    return masked(jsonable({c.key: getattr(row, c.key) for c in columns if c.key not in skip}))  # type: ignore[no-any-return]


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int | str | None,
    *,
    at: datetime,
    before: Any = None,
    after: Any = None,
    note: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add one entry to the change's own transaction: it commits with the change or not at all.
    ``details`` hold what ``note`` says as data, for pages to say in their own language."""
    session.add(
        AuditEntry(
            at=at,
            actor_user_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            before=masked(jsonable(before)),
            after=masked(jsonable(after)),
            note=note,
            details=details,
        )
    )
