"""Security headers on every response, pages and API alike.

The content security policy is one setting (`HOTLINE_CONTENT_SECURITY_POLICY`): scripts and styles
only from the platform's own files (no inline script, no CDN), images also from `data:` (Swagger
UI draws its icons so), no framing by other sites. A response that sets a header itself keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeaders:
    """A plain ASGI middleware (see web/limits.py for why not `@app.middleware`)."""

    def __init__(self, app: ASGIApp, content_security_policy: str) -> None:
        self.app = app
        headers = {
            b"x-content-type-options": b"nosniff",
            b"x-frame-options": b"DENY",
            b"referrer-policy": b"no-referrer",  # tracking codes travel in page addresses
        }
        if content_security_policy:
            headers[b"content-security-policy"] = content_security_policy.encode("latin-1")
        self.headers = list(headers.items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                extra = [(n, v) for n, v in self.headers if n not in present]
                if extra:
                    message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
