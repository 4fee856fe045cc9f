"""Password hashing with Argon2id (argon2-cffi), the current OWASP recommendation."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


#: NIST SP 800-63B: length is what counts (no composition rules); a long passphrase must fit.
MIN_LENGTH = 10
MAX_LENGTH = 128


def password_problem(password: str, username: str) -> str | None:
    """Why this password may not be set (an error code), or None: long enough, not too long, not
    the username, and not one character repeated."""
    if len(password) < MIN_LENGTH:
        return "password.too_short"
    if len(password) > MAX_LENGTH:
        return "password.too_long"
    if password.strip().casefold() == username.strip().casefold() or len(set(password)) < 3:
        return "password.too_simple"
    return None


def temporary_password() -> str:
    """A password an administrator hands over once (12 characters, no look-alikes: 0/O, 1/l/I)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
