"""Refuse oversized request bodies before reading them (413 with a stable code)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from hotline.web.errors import problem


def install(app: FastAPI, max_bytes: int) -> None:
    @app.middleware("http")
    async def _limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            return problem(request, 413, "request.too_large")
        return await call_next(request)
