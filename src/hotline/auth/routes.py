"""Log in with a username and password; API calls then carry `Authorization: Bearer <token>`."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from hotline.auth import service
from hotline.auth.deps import TokenDep, UserDep
from hotline.domain.vocabulary import label
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth 登录"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
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
def login(
    body: LoginIn, db: DbDep, now: NowDep, settings: SettingsDep, zone: ZoneDep, lang: LangDep
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
def me(user: UserDep, lang: LangDep) -> Me:
    return _me(user, lang)
