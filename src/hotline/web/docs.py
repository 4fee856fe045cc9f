"""Interactive API docs that work offline: Swagger UI 5 (it reads the OpenAPI 3.1 that FastAPI
writes), vendored under static/vendor/ with a manifest (scripts/vendor-assets), served by the
platform itself, never from a CDN. The page loads its initializer from a file: no inline script."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def install(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            "docs.html",
            {"title": f"{app.title} — API", "openapi_url": app.openapi_url or "/openapi.json"},
        )
