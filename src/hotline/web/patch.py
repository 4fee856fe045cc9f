"""PATCH bodies: a field left out keeps its value; `null` on a field that must have one is refused.

Used as `title: Annotated[ShortText | None, NotNull] = None`: the default (field left out) is not
validated, so only an explicit `null` reaches the check, which answers 422 naming the field
(`value.required`) instead of the database refusing the row (a 500).
"""

from __future__ import annotations

from typing import Any

from pydantic import AfterValidator


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("value.required: cannot be null; leave the field out to keep its value")
    return value


NotNull = AfterValidator(_not_null)
