"""Every error leaves as application/problem+json (RFC 9457) with a stable `code` — or, for a
person's browser on a page (not the API's, Open311's or the docs' paths), as a page in their
language with the same status, code and words (`wants_page`; the shell draws it).

Domain refusals map by kind: conflict 409, forbidden 403, unauthorized 401, not found 404,
invalid 422. Validation errors are 422 with each bad field named; malformed JSON is 400; an id in
the path beyond what the database can hold is 404 (no such thing can exist). A database that is
briefly out of reach (a connection terminated, a pool exhausted, SQLite busy) is 503 with
`Retry-After`, so clients retry with their idempotency key instead of giving up on a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline.domain.errors import DomainError, ErrorKind, field_message, message
from hotline.web.throttle import Throttled

log = logging.getLogger("hotline.web")

STATUS = {
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.INVALID: 422,
}
#: Seconds a client is asked to wait after a 503 (a failed-over or restarted database is back soon).
RETRY_AFTER_S = 2
_RANGE = ("greater_than_equal", "less_than_equal")


LANG_COOKIE = "hotline_lang"

#: The machine interfaces: their errors are problem+json whatever the client accepts.
MACHINE_PATHS = ("/api/", "/open311/", "/openapi.json", "/docs", "/static/", "/healthz")


def wants_page(request: Request) -> bool:
    """A browser navigating to a page: it accepts HTML and the path is no machine interface's.
    Scripts on the pages (htmx, fetch) accept anything and keep reading problem+json."""
    if request.url.path.startswith(MACHINE_PATHS) or request.headers.get("hx-request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def request_lang(request: Request) -> str:
    """English when asked for (?lang=en, the pages' language switch, or Accept-Language preferring
    en), Chinese otherwise."""
    q = request.query_params.get("lang")
    if q in ("zh", "en"):
        return q
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("zh", "en"):
        return chosen
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    if first.startswith("en"):
        return "en"
    if first.startswith("zh"):
        return "zh"
    return getattr(request.app.state, "default_language", "zh")


#: Draws an error as a page: (request, status, code, reason, field errors, headers) → response.
ErrorPage = Callable[[Request, int, str, str, list[dict[str, Any]], dict[str, str]], Response]


def register_error_page(app: FastAPI, prefix: str, render: ErrorPage) -> None:
    """Errors met by a browser under `prefix` are drawn by `render` (the portal in its own look)."""
    if not hasattr(app.state, "error_pages"):
        app.state.error_pages = {}
    app.state.error_pages[prefix] = render


def problem(
    request: Request,
    status: int,
    code: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Response:
    lang = request_lang(request)
    body: dict[str, Any] = {
        "type": f"urn:hotline:problem:{code}",
        "title": message(code, lang, **params),
        "status": status,
        "code": code,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    headers = dict(headers or {})
    if wants_page(request):
        # the pages' error renderers by the path they serve (`register_error_page`); longest first
        renderers = getattr(request.app.state, "error_pages", {})
        path = request.url.path
        for prefix in sorted(renderers, key=len, reverse=True):
            if path.startswith(prefix):
                try:
                    return renderers[prefix](request, status, code, body["title"], errors or [], headers)
                except Exception:  # drawing the page must not turn an answer into a 500
                    log.exception("error page for %s failed; answering problem+json", path)
                break
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _field_errors(exc: RequestValidationError, lang: str) -> list[dict[str, Any]]:
    return field_errors(exc.errors(), lang)


def field_errors(raw: Sequence[Any] | Any, lang: str) -> list[dict[str, Any]]:
    """Pydantic's errors (a validation error, the API's or a schema's own, or its ``errors()``) as
    the API names them: the field, a stable code, a message in ``lang`` (pages use it too, to show
    each error next to its field)."""
    if hasattr(raw, "errors"):
        raw = raw.errors()
    result = []
    for err in raw:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in (
            "body",
            "query",
            "path",
            "header",
        ):  # where it was, not a field (a field may be "body")
            loc = loc[1:]
        msg = str(err.get("msg", ""))
        # Our own validators say "code: explanation"; pydantic's give their type as the code.
        code = err.get("type", "invalid")
        if msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
            if ":" in msg:
                code, msg = (part.strip() for part in msg.split(":", 1))
        if not loc and code == "missing":  # no body at all where one is needed
            code = "body.missing"
        context = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, str | int | float)}
        msg = field_message(code, lang, msg, **context)
        result.append({"field": ".".join(loc) or None, "code": code, "message": msg})
    return result


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        field = exc.params.get("field")
        errors = [
            {
                "field": field,
                "code": exc.code,
                "message": message(exc.code, request_lang(request), **exc.params),
            }
        ]
        return problem(request, STATUS[exc.kind], exc.code, errors if field else None, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        raw = exc.errors()
        if any(e.get("loc", ("",))[0] == "path" and e.get("type") in _RANGE for e in raw):
            return problem(request, 404, "http.not_found")
        errors = field_errors(exc, request_lang(request))
        # Not JSON at all, or not an object where one is expected: the request itself is malformed.
        if any(e["code"] == "json_invalid" or not e["field"] for e in errors):
            detail = errors[0]["message"]
            return problem(request, 400, "request.malformed", errors, detail=detail)
        return problem(request, 422, "validation.failed", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "http.not_found", 405: "http.method_not_allowed", 413: "request.too_large"}.get(
            exc.status_code, "request.malformed"
        )
        # the router's own headers travel on: a 405 carries `Allow`
        return problem(request, exc.status_code, code, headers=exc.headers, detail=str(exc.detail))

    @app.exception_handler(Throttled)
    async def _throttled(request: Request, exc: Throttled) -> Response:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return problem(request, 429, "request.throttled", headers=headers, seconds=exc.retry_after_s)

    @app.exception_handler(sa.OperationalError)
    @app.exception_handler(sa.InterfaceError)
    @app.exception_handler(sa.TimeoutError)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return problem(request, 503, "server.unavailable", headers={"Retry-After": str(RETRY_AFTER_S)})

    @app.exception_handler(sa.DataError)
    async def _unstorable(request: Request, exc: sa.DataError) -> Response:
        # Input validation should have refused the value; this keeps a gap there from being a 500.
        log.warning("value refused by the database on %s %s: %s", request.method, request.url.path, exc)
        return problem(request, 422, "request.value_unstorable")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(request, 500, "server.error")
