"""Log in, log out, and resolve a bearer token to the person behind it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from hotline.auth.passwords import verify_password
from hotline.directory.models import ApiToken, Unit, User
from hotline.domain.errors import unauthorized
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
    user = session.scalars(select(User).where(User.username == username, User.active.is_(True))).first()
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise unauthorized("auth.invalid_credentials")
    token = secrets.token_urlsafe(32)
    expires = now + ttl
    session.add(ApiToken(token_hash=_digest(token), user_id=user.id, created_at=now, expires_at=expires))
    return token, expires


def logout(session: Session, token: str, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.token_hash == _digest(token)).values(revoked_at=now))


# Built once: this runs on every authenticated request, and building the statement (and loading
# two ORM objects, as it once did) cost more than the query itself.
_TOKEN_USER = (
    select(
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.active,
        Unit.id.label("unit_id"),
        Unit.path,
        Unit.name,
        ApiToken.expires_at,
        ApiToken.revoked_at,
    )
    .join(ApiToken, ApiToken.user_id == User.id)
    .join(Unit, Unit.id == User.unit_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def user_for_token(session: Session, token: str, now: datetime) -> CurrentUser:
    """The user a bearer token belongs to, or 401."""
    row = session.connection().execute(_TOKEN_USER, {"token_hash": _digest(token)}).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.active:
        raise unauthorized("auth.invalid_token")
    return CurrentUser(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        unit_id=row.unit_id,
        unit_path=row.path,
        unit_name=row.name,
    )
