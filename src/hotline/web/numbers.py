"""Numbers a client sends, bounded by what the database can hold.

Every id column is an `Integer` (PostgreSQL `int4`, at most 2^31 - 1): a larger id, offset or
unit number is refused here instead of reaching the driver (an overflow there was a 500). An id in
the path that is out of range names nothing that can exist: `web/errors.py` answers it with 404.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import Strict

INT4_MAX = 2**31 - 1

#: A row's id (or an assignment's number): 1 … 2^31 - 1.
Id = Annotated[int, Ge(1), Le(INT4_MAX)]
#: How many rows to skip: 0 … 2^31 - 1.
Offset = Annotated[int, Ge(0), Le(INT4_MAX)]


def parse_id(raw: str) -> int | None:
    """An id written in a string (Open311's paths and lists), or None if no row can have it:
    "12" → 12; "²", "-1", "1e3", "2147483648" → None."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= INT4_MAX:
        return int(raw)
    return None


#: Coordinates (WGS 84 degrees) are numbers, never `true` or `"20.0"`.
Latitude = Annotated[float, Strict(), Ge(-90), Le(90)]
Longitude = Annotated[float, Strict(), Ge(-180), Le(180)]
