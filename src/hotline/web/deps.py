"""Named dependencies for thin handlers: the database, the clock, the zone, the language (the
caller, `UserDep`, is auth's: `hotline.auth.deps`).

The ones that do no I/O are `async def` so FastAPI runs them inline instead of handing each to
the thread pool (bench/intake.py measured those hand-offs at a quarter of the request's time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from hotline.config import Settings
from hotline.db.engine import Database
from hotline.web.errors import request_lang


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


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
ZoneDep = Annotated[ZoneInfo, Depends(get_zone)]
LangDep = Annotated[str, Depends(get_lang)]
