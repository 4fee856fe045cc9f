"""The shell of the staff pages: the layout every page extends, the catalogue's words in templates,
the language switch that sticks, and the refusal page. Packages render their own pages through
`Shell.render` (templates in `<package>/templates/`, the layout from here)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from hotline.domain.errors import DomainError, message
from hotline.web.catalogue import text
from hotline.web.errors import LANG_COOKIE, STATUS, register_error_page, request_lang

SHELL_TEMPLATES = Path(__file__).parent / "templates"

# The header's links: (path, catalogue key, the roles that see it; None = every signed-in user).
# Each area of the pages adds its line; the server still checks every page's permission itself.
# The administration is one link: its pages are listed on `/admin`. The unit inbox is the units'.
UNIT_ROLES = frozenset({"unit_handler", "unit_reviewer", "grid_worker"})
NAV: list[tuple[str, str, frozenset[str] | None]] = [
    ("/inbox", "nav.inbox", UNIT_ROLES),
    ("/admin", "nav.admin", frozenset({"admin"})),
    ("/console", "nav.console", frozenset({"operator", "dispatcher", "supervisor"})),
    ("/follow-ups", "nav.followup", frozenset({"operator", "dispatcher"})),
    ("/workbench", "nav.workbench", frozenset({"operator", "dispatcher"})),
    (
        "/assessment",
        "nav.assessment",
        frozenset({"dispatcher", "supervisor", "admin", "unit_handler", "unit_reviewer"}),
    ),
    ("/grid", "nav.grid", frozenset({"grid_worker"})),
    ("/reports/monthly", "nav.reports", frozenset({"dispatcher", "supervisor", "admin"})),
    ("/routing/accuracy", "nav.routing_accuracy", frozenset({"dispatcher", "supervisor", "admin"})),
]


#: Where each centre role starts its day; a centre person who opens `/inbox` is sent here.
HOME: dict[str, str] = {
    "admin": "/admin",
    "operator": "/workbench",
    "dispatcher": "/console",
    "supervisor": "/console",
}


#: Where a person lands after logging in: the centre's desks, and the grid worker's phone page (a
#: grid worker may still open the unit inbox, so it is not in `HOME`).
LANDING: dict[str, str] = {**HOME, "grid_worker": "/grid"}


def home_for(user: Any) -> str:
    """A person's own first page: the unit inbox for units, the role's desk at the centre."""
    if user is None:
        return "/inbox"
    return LANDING.get(str(getattr(user.role, "value", user.role)), "/inbox")


def nav_for(user: Any) -> list[tuple[str, str]]:
    """The links a user's role may follow, in the header's order."""
    if user is None:
        return []
    role = str(getattr(user.role, "value", user.role))
    return [(path, key) for path, key, roles in NAV if roles is None or role in roles]


YEAR = 365 * 24 * 3600


def local_path(target: str | None, default: str = "/inbox") -> str:
    """Only a path on this site (no scheme, no host, no //host): a `next` cannot lead elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


class Caller(Protocol):
    """Who a page is drawn for: the signed-in person and the CSRF token their forms carry
    (`auth.pages.PageSession`; the shell knows no more of it)."""

    @property
    def user(self) -> Any: ...

    @property
    def csrf(self) -> str: ...


class PageRefusal(Exception):
    """A refusal shown as a page (not problem+json): the status is the API's for the same code."""

    def __init__(self, err: DomainError, session: Caller | None = None) -> None:
        super().__init__(err.code)
        self.err = err
        self.session = session


class Shell:
    """One package's templates with the shell's layout behind them."""

    def __init__(self, folder: Path) -> None:
        self.templates = Jinja2Templates(
            env=_environment(ChoiceLoader([FileSystemLoader(folder), FileSystemLoader(SHELL_TEMPLATES)]))
        )

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        user: Any = None,
        csrf: str | None = None,
        status_code: int = 200,
        now: datetime | None = None,
    ) -> HTMLResponse:
        lang = request_lang(request)
        current = now or request.app.state.clock()
        ctx = {
            "lang": lang,
            "html_lang": "en" if lang == "en" else "zh-CN",
            "t": lambda key, default=None, **p: text(key, lang, default, **p),
            "user": user,
            "nav": nav_for(user),
            "home": home_for(user),
            "csrf": csrf,
            "server_now": current.astimezone(UTC).isoformat(),
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        }
        return self.templates.TemplateResponse(request, name, ctx, status_code=status_code)

    def refusal(
        self, request: Request, err: DomainError, *, user: Any = None, csrf: str | None = None
    ) -> HTMLResponse:
        """A domain refusal as a page, with the status the API would give."""
        lang = request_lang(request)
        return self.render(
            request,
            "refusal.html",
            {"code": err.code, "reason": message(err.code, lang, **err.params)},
            user=user,
            csrf=csrf,
            status_code=STATUS[err.kind],
        )


def _environment(loader: ChoiceLoader) -> Environment:
    return Environment(loader=loader, autoescape=select_autoescape(("html",), default=True))


shell = Shell(SHELL_TEMPLATES)


#: Where an error page leads back to, by the path it was met on (the first prefix that matches).
BACK: list[tuple[str, str, str]] = [
    ("/grid", "/grid", "error.back_grid"),
    ("/", "/inbox", "error.back_desk"),
]


def error_page(
    request: Request,
    status: int,
    code: str,
    reason: str,
    errors: list[dict[str, Any]],
    headers: dict[str, str],
) -> HTMLResponse:
    """An error met while browsing (a mistyped address, an id that cannot exist, a bad field in a
    link), drawn as the refusal page; the session is not looked up, so it never touches the
    database that may be the reason for the error."""
    path = request.url.path
    back, key = next((href, k) for prefix, href, k in BACK if path.startswith(prefix))
    context = {"code": code, "reason": reason, "errors": errors, "back": back, "back_key": key}
    response = shell.render(request, "refusal.html", context, status_code=status)
    response.headers.update(headers)
    return response


def install(app: FastAPI) -> None:
    register_error_page(app, "/", error_page)

    @app.get("/lang/{lang}", include_in_schema=False)
    def switch_language(lang: str, request: Request) -> RedirectResponse:
        """The switch that sticks: a cookie read before Accept-Language, then back where one was."""
        back = local_path(request.query_params.get("next"), "/")
        response = RedirectResponse(back, status_code=303)
        if lang in ("zh", "en"):
            response.set_cookie(
                LANG_COOKIE, lang, max_age=YEAR, samesite="lax", secure=request.url.scheme == "https"
            )
        return response
