"""Named dependencies for thin handlers: the database, the clock, the caller, the language.

The ones that do no I/O are `async def` so FastAPI runs them inline instead of handing each to
the thread pool (bench/intake.py measured those hand-offs at a quarter of the request's time);
`get_user` queries the database and stays a plain `def`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hotline.auth.service import CurrentUser, user_for_token
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.domain.errors import unauthorized
from hotline.web.errors import request_lang

_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login")


async def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


async def get_zone(request: Request) -> ZoneInfo:
    return request.app.state.settings.zone  # type: ignore[no-any-return]


async def get_lang(request: Request) -> str:
    return request_lang(request)


async def get_token(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    if creds is None or not creds.credentials:
        raise unauthorized("auth.required")
    return creds.credentials


def get_user(
    db: Annotated[Database, Depends(get_db)],
    token: Annotated[str, Depends(get_token)],
    now: Annotated[datetime, Depends(get_now)],
) -> CurrentUser:
    with db.read() as s:
        return user_for_token(s, token, now)


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
ZoneDep = Annotated[ZoneInfo, Depends(get_zone)]
LangDep = Annotated[str, Depends(get_lang)]
TokenDep = Annotated[str, Depends(get_token)]
UserDep = Annotated[CurrentUser, Depends(get_user)]
