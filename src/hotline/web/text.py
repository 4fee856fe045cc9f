"""Validation of free text that people type: length, phone numbers, markup."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# Citizens' requests are plain text. Markup in them is an attack on whoever later shows them in a
# page, so it is refused at the door (with a clear error) instead of being stored and escaped.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:", re.IGNORECASE)

# Mainland mobiles (11 digits from 13x to 19x), landlines with an area code (0898-66668888), the
# short service numbers (95598, 12345), and international numbers in E.164 form (for 311 cities).
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|9\d{4}|1\d{4}|\+\d{7,15})$")


def no_markup(value: str) -> str:
    if _MARKUP.search(value):
        raise ValueError("text.markup: HTML markup or scripts are not allowed in text")
    return value


def valid_phone(value: str) -> str:
    compact = re.sub(r"[\s()]", "", value)
    if not _PHONE.match(compact):
        raise ValueError("phone.invalid: not a phone number (e.g. 13812345678 or 0898-66668888)")
    return compact


ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(no_markup)
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), AfterValidator(no_markup)
]
OptionalNote = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(no_markup)
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), AfterValidator(no_markup)
]
Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(valid_phone)]
