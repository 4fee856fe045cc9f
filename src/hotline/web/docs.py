"""Interactive API docs that work offline: Swagger UI's files come from the swagger-ui-bundle
package and are served by the platform itself, never from a CDN."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope
from swagger_ui_bundle import swagger_ui_path


class _Assets(StaticFiles):
    """Only the scripts, styles and icons /docs loads: the package's sample index.html would
    reach out to petstore.swagger.io."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not path.endswith((".js", ".css", ".png", ".map")):
            raise HTTPException(404)
        return await super().get_response(path, scope)


def install(app: FastAPI) -> None:
    app.mount("/static/swagger-ui", _Assets(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )
