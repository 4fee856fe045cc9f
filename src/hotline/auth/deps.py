"""The caller as named dependencies: the bearer token (`TokenDep`) and the person behind it
(`UserDep`). `get_user` queries the database and stays a plain `def` (the thread pool)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hotline.auth.service import CurrentUser, caller_for_token, user_for_token
from hotline.db.engine import Database
from hotline.domain.errors import unauthorized
from hotline.web.deps import get_db, get_now

_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login")


async def get_token(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    if creds is None or not creds.credentials:
        raise unauthorized("auth.required")
    return creds.credentials


def get_any_user(
    db: Annotated[Database, Depends(get_db)],
    token: Annotated[str, Depends(get_token)],
    now: Annotated[datetime, Depends(get_now)],
) -> CurrentUser:
    """The caller, even one who must still replace a temporary password (to let them do it)."""
    with db.read() as s:
        return user_for_token(s, token, now)


def get_user(
    db: Annotated[Database, Depends(get_db)],
    token: Annotated[str, Depends(get_token)],
    now: Annotated[datetime, Depends(get_now)],
) -> CurrentUser:
    """The caller; 403 `auth.password_change_required` while an administrator's password stands."""
    with db.read() as s:
        return caller_for_token(s, token, now)


TokenDep = Annotated[str, Depends(get_token)]
AnyUserDep = Annotated[CurrentUser, Depends(get_any_user)]
UserDep = Annotated[CurrentUser, Depends(get_user)]
