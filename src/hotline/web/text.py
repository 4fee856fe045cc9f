"""Validation of text that people type: length, phone numbers, markup, control characters.

What the platform accepts as text, decided once: printable characters, newline, carriage return
and tab. Other control characters (NUL, U+0001 … U+001F, DEL, the C1 range, U+FFFE/U+FFFF) are
refused with 422 naming the field (`text.control_character`): PostgreSQL cannot store NUL, XML 1.0
cannot carry the others, and no person types them.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# Citizens' requests are plain text. Markup in them is an attack on whoever later shows them in a
# page, so it is refused at the door (with a clear error) instead of being stored and escaped.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:", re.IGNORECASE)

# Control characters except tab, newline and carriage return (see the module's docstring).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")

# Mainland mobiles (11 digits from 13x to 19x), landlines with an area code (0898-66668888), the
# short service numbers (95598, 12345), and international numbers in E.164 form (for 311 cities).
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|9\d{4}|1\d{4}|\+\d{7,15})$")


def has_control_character(value: str) -> bool:
    return _CONTROL.search(value) is not None


def no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("text.control_character: control characters are not allowed in text")
    return value


def no_markup(value: str) -> str:
    """Plain text only: no markup, no scripts, no control characters."""
    no_control(value)
    if _MARKUP.search(value):
        raise ValueError("text.markup: HTML markup or scripts are not allowed in text")
    return value


def valid_phone(value: str) -> str:
    compact = re.sub(r"[\s()]", "", value)
    if not _PHONE.match(compact):
        raise ValueError("phone.invalid: not a phone number (e.g. 13812345678 or 0898-66668888)")
    return compact


#: Any other string a client sends (codes, names, keys): no control characters.
PlainStr = Annotated[str, AfterValidator(no_control)]
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
