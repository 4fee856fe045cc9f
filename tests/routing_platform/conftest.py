"""A platform of its own for routing's tests, on SQLite and on PostgreSQL, built like the shared
`platform` fixture (tests/conftest.py: real migrations, the demo city, the app) but with routing's
auto-dispatch switched on and the demo city's kb answers loaded. Its own database, so the
workflow tests' tickets (the same texts, dispatched by hand) do not become routing's history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hotline.kb import service as kb
from hotline.routing import queue
from tests.conftest import Platform, _platform, temporary_postgres_database
from tests.integration.api import Api


def _with_routing(gen: Iterator[Platform]) -> Iterator[Platform]:
    p = next(gen)
    p.client.app.state.settings.routing_auto_dispatch = True  # type: ignore[attr-defined]
    with p.db.write() as s:
        kb.load_answers(s, kb.demo_answers(), p.clock())
    try:
        yield p
    finally:
        next(gen, None)


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of its own (SQLite file, or a PostgreSQL database dropped after)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'fresh.db'}"
        return
    with temporary_postgres_database("hotline_fresh") as url:
        yield url


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def rp(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp(f"routing-{request.param}")
    with fresh_database(request.param, data_dir) as url:
        yield from _with_routing(_platform(request.param, url, data_dir))


class RoutedApi(Api):
    """The API as an operator's console sees it: a ticket is taken in, the router (which the test
    runs at once, instead of the web process's thread) routes it, and the console shows the ticket
    as it then stands with routing's advice under "routing"."""

    def route_waiting(self) -> int:
        state = self.client.app.state  # type: ignore[attr-defined]
        return queue.drain(self.p.db, state.routing, state.wiring.routing_policy, self.p.clock)

    def intake(self, user: str = "operator1", expect: int = 201, **fields: Any) -> Any:
        t = super().intake(user, expect, **fields)
        if expect >= 300:
            return t
        self.route_waiting()
        now = self.get(user, f"/api/v1/tickets/{t['id']}")
        r = self.client.get(f"/api/v1/tickets/{t['id']}/routing", headers=self.p.headers("dispatcher"))
        if r.status_code == 404:  # nothing advised (e.g. routing failed): the operator routes it
            return {**now, "routing": None}
        assert r.status_code == 200, r.text
        advice = r.json()
        head = {k: advice.pop(k) for k in ("decision", "decision_label", "auto_dispatched")}
        for k in ("ticket_id", "computed_at"):
            advice.pop(k)
        return {**now, "routing": {**head, "advice": advice}}


@pytest.fixture
def api(rp: Platform) -> RoutedApi:
    return RoutedApi(rp)


def suggest(api: Api, user: str = "operator1", expect: int = 200, **body: object) -> dict:  # type: ignore[type-arg]
    return api.post(user, "/api/v1/routing/suggest", body, expect)  # type: ignore[no-any-return]
