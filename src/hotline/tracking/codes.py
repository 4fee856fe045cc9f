"""Tracking codes: what a citizen types to follow a request, like a parcel number."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: a code read out over the phone must not be misheard.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(code: str) -> str:
    """The code as stored: dashes and spaces dropped, upper case. Anything but letters and digits
    (a NUL, a control character) cannot be in a code: it becomes "", which finds nothing (404)."""
    code = code.replace("-", "").replace(" ", "").upper()
    return code if code.isascii() and code.isalnum() and len(code) <= 40 else ""
