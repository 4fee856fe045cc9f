"""A small driver for the HTTP API, so tests read as the steps people take."""

from __future__ import annotations

from typing import Any

from tests.conftest import Platform


class Api:
    def __init__(self, platform: Platform) -> None:
        self.p = platform
        self.client = platform.client

    def call(
        self, method: str, user: str | None, path: str, body: Any = None, expect: int = 200, **kw: Any
    ) -> Any:
        headers = dict(kw.pop("headers", {}) or {})
        if user is not None:
            headers.update(self.p.headers(user))
        r = self.client.request(method, path, json=body, headers=headers, **kw)
        assert r.status_code == expect, f"{method} {path} as {user}: {r.status_code} {r.text}"
        if r.headers.get("content-type", "").startswith("application/problem+json"):
            assert r.json()["code"], r.text
        return r.json() if r.content else None

    def post(self, user: str | None, path: str, body: Any = None, expect: int = 200, **kw: Any) -> Any:
        return self.call("POST", user, path, body if body is not None else {}, expect, **kw)

    def get(self, user: str | None, path: str, expect: int = 200, **kw: Any) -> Any:
        return self.call("GET", user, path, None, expect, **kw)

    def intake(self, user: str = "operator1", expect: int = 201, **fields: Any) -> Any:
        body = {
            "kind": "complaint",
            "content": "中山路的路灯坏了三天，晚上很黑",
            "citizen_phone": "13812345678",
        }
        body.update(fields)
        return self.post(user, "/api/v1/tickets", body, expect)

    def act(self, user: str, ticket: int, action: str, body: Any = None, expect: int = 200) -> Any:
        return self.post(user, f"/api/v1/tickets/{ticket}/{action}", body, expect)

    def on(
        self, user: str, ticket: int, no: int, action: str, body: Any = None, expect: int = 200, **kw: Any
    ) -> Any:
        return self.post(user, f"/api/v1/tickets/{ticket}/assignments/{no}/{action}", body, expect, **kw)

    def dispatched(self, lead: str = "d-longwan", assists: tuple[str, ...] = ()) -> int:
        """A new ticket dispatched by the dispatcher; returns its id."""
        t = self.intake()
        body = {"lead_unit_id": self.p.unit_id(lead), "assist_unit_ids": [self.p.unit_id(a) for a in assists]}
        self.act("dispatcher", t["id"], "dispatch", body)
        return int(t["id"])

    def events(self, user: str, ticket: int) -> list[dict[str, Any]]:
        return self.get(user, f"/api/v1/tickets/{ticket}/events")  # type: ignore[no-any-return]
