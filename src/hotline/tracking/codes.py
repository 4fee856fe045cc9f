"""Tracking codes: what a citizen types to follow a request, like a parcel number."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: a code read out over the phone must not be misheard.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()
