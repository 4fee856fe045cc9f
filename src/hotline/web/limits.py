"""Refuse oversized request bodies (413 with a stable code), counting bytes as they arrive.

A plain ASGI middleware (Starlette's `@app.middleware("http")` wraps every request in extra tasks
and streams, which bench/intake.py measured at a tenth of the request's time). A declared
Content-Length over the limit is answered at once, before anything is read. A body without one
(chunked) is counted chunk by chunk as the application reads it: the chunk that crosses the limit
raises a 413 there, so the body is never held whole; the error handlers render it as problem+json
(or as a GeoReport error on Open311's paths).
"""

from __future__ import annotations

import re
from typing import Final

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.web.errors import problem

# a unit's reply with photos: the ticket page's form and the API's multipart endpoint
REPLY_WITH_PHOTOS: Final = re.compile(r"/(?:api/v1/)?tickets/\d+/assignments/\d+/reply(?:-with-photos)?")


class BodySizeLimit:
    """`max_bytes` for every path but those under a prefix of `larger` (the portal's photo forms)
    or matching one of its patterns (the reply with photos)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: dict[str | re.Pattern[str], int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = next((n for where, n in self.larger.items() if _under(path, where)), self.max_bytes)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit():
                if int(value) > limit:
                    response = problem(Request(scope), 413, "request.too_large")
                    await response(scope, receive, send)
                    return
                # the server delivers no more than declared: nothing to count
                await self.app(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, "request body over the limit")
            return message

        await self.app(scope, counted, send)


def _under(path: str, where: str | re.Pattern[str]) -> bool:
    return path.startswith(where) if isinstance(where, str) else where.fullmatch(path) is not None
