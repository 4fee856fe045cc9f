"""Who may see a request on the portal: the tracking code AND the last four digits of the phone
given with it. The digits travel in an HttpOnly cookie scoped to that one request's pages, and
are checked against the ticket on every request; wrong digits count as a guess (throttled per
code and per address), so the cookie is no easier to guess than the form."""

from __future__ import annotations

import hmac
import re
import secrets

from fastapi import Request, Response
from starlette.datastructures import FormData

from hotline.config import Settings
from hotline.domain.errors import forbidden
from hotline.web.throttle import client_address, throttle_of

KEY_COOKIE = "hotline_portal_key"
CSRF_COOKIE = "hotline_portal_csrf"
CSRF_FIELD = "csrf"
KEY_DAYS = 30


def last_four(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else None


def digits_match(phone: str | None, given: str | None) -> bool:
    want = last_four(phone)
    return want is not None and given is not None and hmac.compare_digest(want, given.strip())


def request_path(code: str) -> str:
    return f"/portal/r/{code}"


def remember(response: Response, request: Request, code: str, digits: str) -> None:
    """Keep the digits for this request's pages only (path-scoped), for a month."""
    response.set_cookie(
        KEY_COOKIE,
        digits,
        max_age=KEY_DAYS * 86_400,
        path=request_path(code),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def count_guess(request: Request, settings: Settings, code: str, now: float) -> None:
    """A wrong guess uses the code's allowance; over it, 429 for everyone trying that code."""
    throttle_of(request).add("portal-unlock", code, settings.rate("unlock_per_code"), now)


def check_guesses(request: Request, settings: Settings, code: str, now: float) -> None:
    throttle_of(request).check("portal-unlock", code, settings.rate("unlock_per_code"), now)


def look_ups(request: Request, settings: Settings, now: float) -> None:
    """Every look-up of a code counts per address (the same allowance as the tracking API)."""
    throttle_of(request).hit(
        "tracking-address", client_address(request), settings.rate("tracking_per_address"), now
    )


def csrf_token(request: Request) -> tuple[str, bool]:
    """The portal's double-submit token: the cookie's, or a new one (True: set the cookie)."""
    have = request.cookies.get(CSRF_COOKIE)
    if have and re.fullmatch(r"[A-Za-z0-9_-]{20,64}", have):
        return have, False
    return secrets.token_urlsafe(24), True


def set_csrf(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        token,
        path="/portal",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def check_csrf(request: Request, form: FormData) -> None:
    """A form must carry the token its page was given (a page of another site cannot read it)."""
    sent = str(form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or "")
    have = request.cookies.get(CSRF_COOKIE) or ""
    if not have or not hmac.compare_digest(sent.encode(), have.encode()):
        raise forbidden("csrf.invalid")
