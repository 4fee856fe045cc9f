"""Staff log in to the pages with a session cookie that carries an ordinary API token (stored
hashed in the directory like every bearer token), so the pages and the JSON API share one notion
of who is logged in, one expiry and one log-out.

The cookie is HttpOnly, SameSite=Lax, and Secure when the page is served over HTTPS. Every form
carries a CSRF token derived from the session's token (an HMAC of it), so it changes with each
login and a page of another site can neither read nor forge it; the login form, which comes before
any session, checks a random token against a cookie of its own (double submit)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from hotline.audit.service import Actor
from hotline.auth import service
from hotline.auth.service import CurrentUser
from hotline.db.engine import Database
from hotline.directory import service as directory_service
from hotline.domain.errors import DomainError, forbidden, message
from hotline.domain.vocabulary import Role
from hotline.web import admin
from hotline.web.catalogue import text
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, get_db, get_now
from hotline.web.errors import STATUS, request_lang
from hotline.web.shell import PageRefusal, Shell, home_for, local_path
from hotline.web.throttle import Throttled, client_address, throttle_of

SESSION_COOKIE = "hotline_session"
LOGIN_CSRF_COOKIE = "hotline_login_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

pages = Shell(Path(__file__).parent / "templates")


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"hotline-csrf", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PageSession:
    """The person behind the session cookie, and the CSRF token their forms must carry."""

    user: CurrentUser
    token: str

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)


class LoginRequired(Exception):
    """No session, or one that has expired or was revoked: the page sends the browser to log in."""

    def __init__(self, expired: bool) -> None:
        super().__init__("login required")
        self.expired = expired


class PasswordChangeRequired(Exception):
    """The person's password was set by an administrator: every page but `/password` (and log
    out) sends them there until they replace it."""


#: The pages a person with a temporary password may still open.
WHILE_TEMPORARY = frozenset({"/password", "/logout"})


def get_page_session(
    request: Request,
    db: Annotated[Database, Depends(get_db)],
    now: Annotated[datetime, Depends(get_now)],
) -> PageSession:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired(expired=False)
    try:
        with db.read() as s:
            user = service.user_for_token(s, token, now)
    except DomainError:
        raise LoginRequired(expired=True) from None
    if user.must_change_password and request.url.path not in WHILE_TEMPORARY:
        raise PasswordChangeRequired()
    return PageSession(user, token)


PageSessionDep = Annotated[PageSession, Depends(get_page_session)]


async def get_checked_form(request: Request, session: PageSessionDep) -> FormData:
    """The posted form, once its CSRF token (field or htmx header) matches the session's."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise PageRefusal(forbidden("csrf.invalid"), session)
    return form


CheckedFormDep = Annotated[FormData, Depends(get_checked_form)]


def get_admin_session(session: PageSessionDep) -> PageSession:
    """The session of an administrator; anyone else is shown the API's 403 (`permission.admin`)."""
    if session.user.role is not Role.ADMIN:
        raise PageRefusal(forbidden("permission.admin"), session)
    return session


AdminSessionDep = Annotated[PageSession, Depends(get_admin_session)]


def get_admin_page(request: Request, db: DbDep, session: AdminSessionDep) -> admin.Page:
    """An administrator's request for a page of the administration (`web.admin`)."""
    return admin.Page(request, db, session)


AdminPageDep = Annotated[admin.Page, Depends(get_admin_page)]


def get_admin_post(page: AdminPageDep, form: CheckedFormDep, now: NowDep, lang: LangDep) -> admin.Post:
    """An administrator's form posted to the administration: the role checked first, then the CSRF
    token."""
    return admin.Post(page.request, page.db, page.session, form, now, lang, Actor.of(page.session.user))


AdminPostDep = Annotated[admin.Post, Depends(get_admin_post)]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, notice: str | None, error: str | None, status: int = 200) -> HTMLResponse:
    login_csrf = secrets.token_urlsafe(24)
    response = pages.render(
        request,
        "login.html",
        {
            "notice": notice,
            "error": error,
            "login_csrf": login_csrf,
            "next": local_path(request.query_params.get("next"), default=""),
        },
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, login_csrf, httponly=True, samesite="lax", secure=_secure(request), path="/login"
    )
    return response


def _back_after_login(request: Request) -> str:
    """Where the login page leads once the person has logged in again: the page they asked for;
    for a form sent after the session ended, the page the form was on (the form's own address
    takes only POST), if that page is on this site."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    page = urlsplit(request.headers.get("HX-Current-URL") or request.headers.get("referer") or "")
    if page.netloc != request.url.netloc:
        return ""
    return local_path(page.path + (f"?{page.query}" if page.query else ""), default="")


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        here = _back_after_login(request)
        query = ([f"next={quote(here, safe='')}"] if here else []) + (["expired=1"] if exc.expired else [])
        target = "/login" + ("?" + "&".join(query) if query else "")
        if request.headers.get("HX-Request"):  # htmx follows a redirect inside the page: leave it
            return Response(status_code=204, headers={"HX-Redirect": target})
        response = RedirectResponse(target, status_code=303)
        if exc.expired:
            response.delete_cookie(SESSION_COOKIE)
        return response

    @app.exception_handler(PasswordChangeRequired)
    async def to_password(request: Request, exc: PasswordChangeRequired) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=204, headers={"HX-Redirect": "/password"})
        return RedirectResponse("/password", status_code=303)

    def password_page(
        request: Request, session: PageSession, problems: dict[str, str] | None = None, status: int = 200
    ) -> HTMLResponse:
        return pages.render(
            request,
            "password.html",
            {"problems": problems or {}, "required": session.user.must_change_password},
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/password", include_in_schema=False, response_class=HTMLResponse)
    def password_form(request: Request, session: PageSessionDep) -> HTMLResponse:
        return password_page(request, session)

    @app.post("/password", include_in_schema=False)
    def change_password(
        request: Request, db: DbDep, session: PageSessionDep, form: CheckedFormDep, now: NowDep
    ) -> Response:
        """The same service as `POST /api/v1/auth/password`; then on to the person's own desk."""
        lang = request_lang(request)
        current = str(form.get("current_password") or "")[:200]
        new = str(form.get("new_password") or "")[:200]
        if new != str(form.get("repeat_password") or "")[:200]:
            return password_page(request, session, {"repeat_password": text("password.mismatch", lang)}, 422)
        try:
            with db.write() as s:
                directory_service.change_own_password(
                    s,
                    session.user.id,
                    current,
                    new,
                    Actor.of(session.user),
                    now,
                    service.token_digest(session.token),
                )
        except DomainError as err:
            field = str(err.params.get("field") or "")
            return password_page(
                request, session, {field: message(err.code, lang, **err.params)}, STATUS[err.kind]
            )
        return RedirectResponse(home_for(session.user), status_code=303)

    @app.exception_handler(PageRefusal)
    async def refused(request: Request, exc: PageRefusal) -> Response:
        s = exc.session
        return pages.refusal(request, exc.err, user=s.user if s else None, csrf=s.csrf if s else None)

    @app.get("/login", include_in_schema=False, response_class=HTMLResponse)
    def login_form(request: Request) -> HTMLResponse:
        lang = request_lang(request)
        notice = None
        if request.query_params.get("expired"):
            notice = text("login.expired", lang)
        elif request.query_params.get("out"):
            notice = text("login.logged_out", lang)
        return _login_page(request, notice, None)

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        db: DbDep,
        now: NowDep,
        settings: SettingsDep,
        username: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=200)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
        next: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        lang = request_lang(request)
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
            return _login_page(request, None, message("csrf.invalid", lang), status=403)
        # The same counters as the API's login: a guesser gains nothing by switching doors.
        throttle, address, stamp = throttle_of(request), client_address(request), now.timestamp()
        per_user, per_address = settings.rate("login_per_user"), settings.rate("login_per_address")
        name = username.strip()
        try:
            throttle.check("login-user", name, per_user, stamp)
            throttle.check("login-address", address, per_address, stamp)
        except Throttled as exc:
            wait = message("request.throttled", lang, seconds=exc.retry_after_s)
            refused = _login_page(request, None, wait, status=429)
            refused.headers["Retry-After"] = str(exc.retry_after_s)
            return refused
        ttl = timedelta(hours=settings.token_ttl_hours)
        try:
            with db.write() as s:
                token, _ = service.login(s, name, password, now, ttl)
        except DomainError as err:
            throttle.add("login-user", name, per_user, stamp)
            throttle.add("login-address", address, per_address, stamp)
            return _login_page(request, None, message(err.code, lang), status=401)
        # No page asked for: the person's own first page (the role's desk, the grid's phone page).
        target = local_path(next, default="")
        if not target:
            with db.read() as s:
                target = home_for(service.user_for_token(s, token, now))
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(ttl.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(session: PageSessionDep, form: CheckedFormDep, db: DbDep, now: NowDep) -> Response:
        with db.write() as s:
            service.logout(s, session.token, now)
        response = RedirectResponse("/login?out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response
