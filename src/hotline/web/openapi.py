"""The OpenAPI document says what can go wrong, not only what goes right.

FastAPI describes each operation's success and a 422 in its own shape; the platform answers every
error as application/problem+json (web/errors.py). This adds, per operation, the refusals it can
give with that media type: 400 (malformed body) and 413 (too large) where there is a body, 401 and
403 where a token is needed, 404 where the path names something, 409 for writes, 422 where there is
input, 429 where requests are throttled (`THROTTLED`), 503 everywhere (the database briefly out of
reach). Open311's paths answer in their own formats and describe themselves (open311/routes.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = "application/problem+json"
DESCRIPTIONS = {
    "400": "Malformed request (not JSON, or not the expected shape) · 请求格式错误",
    "401": "No valid token · 未登录或令牌无效",
    "403": "Not allowed for this role or unit · 无权限",
    "404": "Not found · 资源不存在",
    "409": "Conflict with the ticket's state or a concurrent change · 状态冲突",
    "413": "Body over the size limit · 请求过大",
    "422": "Invalid input; `errors` names each field · 输入有误",
    "429": "Too many requests; retry after `Retry-After` seconds · 请求过于频繁",
    "503": "Briefly unavailable; retry after `Retry-After` seconds · 服务暂时不可用",
}
#: Operations that are throttled (method, path): they can answer 429.
THROTTLED = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/public/tickets"),
    ("GET", "/api/v1/track/{code}"),
    ("POST", "/api/v1/track/{code}/withdraw"),
}

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details with the platform's stable `code`.",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:hotline:problem:validation.failed"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


def _codes(path: str, method: str, op: dict[str, Any]) -> list[str]:
    codes = ["503"]
    has_body = "requestBody" in op
    if has_body:
        codes += ["400", "413"]
    if op.get("security"):
        codes += ["401", "403"]
    if "{" in path:
        codes.append("404")
    if method in ("post", "put", "patch", "delete") and path.startswith("/api/"):
        codes.append("409")
    if has_body or op.get("parameters"):
        codes.append("422")
    if (method.upper(), path) in THROTTLED:
        codes.append("429")
    return sorted(codes)


def describe_errors(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = _PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in schema.get("paths", {}).items():
        if path.startswith("/open311/v2/"):  # refusals are 400s in GeoReport's own format
            for op in operations.values():
                op.get("responses", {}).pop("422", None)
            continue
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            for code in _codes(path, method, op):
                responses[code] = {"description": DESCRIPTIONS[code], "content": {PROBLEM: {"schema": ref}}}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
