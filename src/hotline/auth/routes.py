"""Log in with a username and password; API calls then carry `Authorization: Bearer <token>`."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from hotline.audit.service import Actor
from hotline.auth import service
from hotline.auth.deps import AnyUserDep, TokenDep
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.directory import service as directory_service
from hotline.domain.errors import DomainError
from hotline.domain.vocabulary import label
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep
from hotline.web.text import PlainStr
from hotline.web.throttle import client_address, throttle_of

router = APIRouter(prefix="/api/v1/auth", tags=["auth 登录"])


class LoginIn(BaseModel):
    username: PlainStr = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    unit_id: int
    unit_name: str


class LoginOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: Me


def _me(user: service.CurrentUser, lang: str) -> Me:
    return Me(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        role_label=label(user.role.value, lang),
        unit_id=user.unit_id,
        unit_name=user.unit_name,
    )


@router.post("/login", response_model=LoginOut)
async def login(
    body: LoginIn,
    request: Request,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    zone: ZoneDep,
    lang: LangDep,
) -> LoginOut:
    """Failed logins are throttled per username and per address (429 with `Retry-After`). Password
    checks run a few at a time on threads of their own (`HOTLINE_LOGIN_CONCURRENCY`): a flood of
    logins waits its turn without taking the threads every other request needs."""
    throttle, address, stamp = throttle_of(request), client_address(request), now.timestamp()
    per_user, per_address = settings.rate("login_per_user"), settings.rate("login_per_address")
    throttle.check("login-user", body.username, per_user, stamp)
    throttle.check("login-address", address, per_address, stamp)
    try:
        return await to_thread.run_sync(
            _login, body, db, now, settings, zone, lang, limiter=_hashing(request)
        )
    except DomainError:
        throttle.add("login-user", body.username, per_user, stamp)
        throttle.add("login-address", address, per_address, stamp)
        raise


def _hashing(request: Request) -> CapacityLimiter:
    state = request.app.state
    if getattr(state, "login_limiter", None) is None:
        state.login_limiter = CapacityLimiter(state.settings.login_concurrency)
    return state.login_limiter  # type: ignore[no-any-return]


def _login(
    body: LoginIn, db: Database, now: datetime, settings: Settings, zone: ZoneInfo, lang: str
) -> LoginOut:
    with db.write() as s:
        token, expires = service.login(
            s, body.username, body.password, now, timedelta(hours=settings.token_ttl_hours)
        )
    with db.read() as s:
        user = service.user_for_token(s, token, now)
    return LoginOut(access_token=token, expires_at=expires.astimezone(zone), user=_me(user, lang))


@router.post("/logout", status_code=204)
def logout(db: DbDep, token: TokenDep, now: NowDep) -> Response:
    with db.write() as s:
        service.logout(s, token, now)
    return Response(status_code=204)


@router.get("/me", response_model=Me)
def me(user: AnyUserDep, lang: LangDep) -> Me:
    return _me(user, lang)


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


@router.post("/password", status_code=204)
def change_password(body: PasswordIn, db: DbDep, user: AnyUserDep, token: TokenDep, now: NowDep) -> Response:
    """Replace one's own password: the current one, then a new one by the password rules. A
    temporary password an administrator set must be replaced this way before any other call
    (403 `auth.password_change_required` until then). Other sessions end; this one goes on."""
    with db.write() as s:
        directory_service.change_own_password(
            s,
            user.id,
            body.current_password,
            body.new_password,
            Actor.of(user),
            now,
            keep_token=service.token_digest(token),
        )
    return Response(status_code=204)
