"""Log in, log out, and resolve a bearer token to the person behind it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.directory import queries as directory
from hotline.directory import service as directory_service
from hotline.directory.passwords import verify_password
from hotline.domain.errors import forbidden, unauthorized
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import CENTRE_ROLES, Role


@dataclass(frozen=True)
class CurrentUser:
    """Who is calling: enough to decide what they may see and do, without another query."""

    id: int
    username: str
    display_name: str
    role: Role
    unit_id: int
    unit_path: str
    unit_name: str
    unit_name_en: str | None = None
    #: an administrator set this person's password: until they change it, only that is allowed
    must_change_password: bool = False

    def unit_label(self, lang: str) -> str:
        """The unit's name in a page's language (the directory keeps an English name for each)."""
        return (self.unit_name_en or self.unit_name) if lang == "en" else self.unit_name

    @property
    def actor(self) -> Actor:
        return Actor(role=self.role, user_id=self.id, unit_id=self.unit_id)

    @property
    def is_centre(self) -> bool:
        return self.role in CENTRE_ROLES


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(
    session: Session, username: str, password: str, now: datetime, ttl: timedelta
) -> tuple[str, datetime]:
    found = directory.credentials(session, username)
    if not verify_password(found.password_hash if found else None, password) or found is None:
        raise unauthorized("auth.invalid_credentials")
    token = secrets.token_urlsafe(32)
    expires = now + ttl
    directory_service.add_token(session, _digest(token), found.user_id, now, expires)
    return token, expires


def logout(session: Session, token: str, now: datetime) -> None:
    directory_service.revoke_token(session, _digest(token), now)


def user_for_token(session: Session, token: str, now: datetime) -> CurrentUser:
    """The user a bearer token belongs to, or 401."""
    row = directory.token_holder(session, _digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.active:
        raise unauthorized("auth.invalid_token")
    return CurrentUser(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        unit_id=row.unit_id,
        unit_path=row.unit_path,
        unit_name=row.unit_name,
        unit_name_en=row.unit_name_en,
        must_change_password=row.must_change_password,
    )


def token_digest(token: str) -> str:
    """The stored form of a token (its SHA-256), e.g. to keep one session while ending others."""
    return _digest(token)


def caller_for_token(session: Session, token: str, now: datetime) -> CurrentUser:
    """The user of an API call: as `user_for_token`, but 403 `auth.password_change_required` while
    the password an administrator set stands (only `POST /api/v1/auth/password` is let through)."""
    user = user_for_token(session, token, now)
    if user.must_change_password:
        raise forbidden("auth.password_change_required")
    return user
