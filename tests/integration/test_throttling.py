"""Throttling, on both databases: password guessing, floods of anonymous tickets and phone-number
guessing on withdrawal are slowed to small limits (429 with Retry-After), time lets them through
again, and a flood of logins does not starve the public pages."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from tests import conftest
from tests.conftest import Platform
from tests.integration.test_hostile_input import served_app as served

SMALL = {
    "throttle_login_per_user": "3/15m",
    "throttle_login_per_address": "5/15m",
    "throttle_public_per_address": "4/1h",
    "throttle_public_per_phone": "2/1h",
    "throttle_tracking_per_address": "20/1m",
    "throttle_withdraw_per_code": "3/1h",
}


@pytest.fixture
def throttled(platform: Platform, tmp_path: Path) -> Iterator[tuple[TestClient, conftest.TestClock]]:
    """An app with small limits on the platform's database, and its clock."""
    clock = conftest.TestClock()
    settings = Settings(
        data_dir=tmp_path, database_url=platform.db.url, demo=False, routing_auto_dispatch=False, **SMALL
    )
    with TestClient(create_app(settings, clock=clock, db=platform.db)) as client:
        yield client, clock


def _refused(r: Any) -> int:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "request.throttled"
    return int(r.headers["retry-after"])


def _login(client: TestClient, username: str, password: str) -> Any:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_wrong_passwords_for_one_user_are_throttled(throttled: tuple[TestClient, Any]) -> None:
    client, clock = throttled
    for _ in range(3):
        assert _login(client, "operator1", "guess").status_code == 401
    retry = _refused(_login(client, "operator1", "guess"))
    assert 0 < retry <= 15 * 60
    # even the right password waits: the guesser must not learn which attempt was right
    _refused(_login(client, "operator1", "Demo-operator1-2026"))
    # another person is not locked out by the guesses on operator1 (until the address limit)
    assert _login(client, "dispatcher", "Demo-dispatcher-2026").status_code == 200
    clock.advance(seconds=retry)
    assert _login(client, "operator1", "Demo-operator1-2026").status_code == 200


def test_wrong_passwords_from_one_address_are_throttled(throttled: tuple[TestClient, Any]) -> None:
    client, _clock = throttled
    for name in ("supervisor", "admin", "handler.power", "handler.water", "reviewer.longwan"):
        assert _login(client, name, "guess").status_code == 401
    _refused(_login(client, "handler.longwan", "guess"))


def test_public_tickets_are_limited_per_phone_and_per_address(throttled: tuple[TestClient, Any]) -> None:
    client, clock = throttled

    def submit(phone: str) -> Any:
        body = {"kind": "complaint", "content": "小区门口路灯不亮", "citizen_phone": phone}
        return client.post("/api/v1/public/tickets", json=body)

    assert [submit("13800000001").status_code for _ in range(2)] == [201, 201]
    _refused(submit("13800000001"))  # a third from one phone within the hour
    assert [submit("13800000002").status_code for _ in range(2)] == [201, 201]
    _refused(submit("13800000003"))  # five from one address within the hour
    clock.advance(hours=1)
    assert submit("13800000003").status_code == 201


def test_guessing_the_phone_to_withdraw_is_throttled(throttled: tuple[TestClient, Any]) -> None:
    client, _clock = throttled
    body = {"kind": "complaint", "content": "噪音扰民", "citizen_phone": "13800000009"}
    code = client.post("/api/v1/public/tickets", json=body).json()["tracking_code"]
    for guess in ("13900000001", "13900000002", "13900000003"):
        r = client.post(f"/api/v1/track/{code}/withdraw", json={"citizen_phone": guess})
        assert r.status_code == 403, r.text
    # the fourth attempt is refused before the phone is even compared, right or wrong
    _refused(client.post(f"/api/v1/track/{code}/withdraw", json={"citizen_phone": "13800000009"}))
    assert client.get(f"/api/v1/track/{code}").json()["status"] != "withdrawn"


def test_tracking_lookups_are_limited_per_address(throttled: tuple[TestClient, Any]) -> None:
    client, clock = throttled
    assert {client.get("/api/v1/track/NOSUCHCODE2").status_code for _ in range(20)} == {404}
    _refused(client.get("/api/v1/track/NOSUCHCODE2"))
    clock.advance(minutes=1)
    assert client.get("/api/v1/track/NOSUCHCODE2").status_code == 404


def test_a_flood_of_logins_does_not_starve_the_tracking_page(platform: Platform, tmp_path: Path) -> None:
    """60 wrong logins at once (unthrottled here) against a real server queue for the password
    checker; a citizen's tracking look-up meanwhile is answered at once instead of waiting for one
    of the threads they would otherwise all hold (before: 23 s of a 37 s flood; now: 0.1 s)."""
    if platform.backend != "sqlite":
        pytest.skip("threads, not the database: measured once (a minute of password hashing)")
    settings = Settings(data_dir=tmp_path, database_url=platform.db.url, demo=False, throttle=False)
    app = create_app(settings, clock=conftest.TestClock(), db=platform.db)
    with TestClient(app), served(app) as base, httpx2.Client(base_url=base, timeout=120) as http:
        http.get("/api/v1/track/NOSUCHCODE3")  # warm
        done: list[float] = []
        start = time.monotonic()

        def guess() -> None:
            with httpx2.Client(base_url=base, timeout=120) as own:  # one connection each, at once
                own.post("/api/v1/auth/login", json={"username": "operator1", "password": "guess"})
            done.append(time.monotonic())

        flood = [threading.Thread(target=guess) for _ in range(60)]
        for t in flood:
            t.start()
        time.sleep(1.0)
        asked = time.monotonic()
        assert http.get("/api/v1/track/NOSUCHCODE3").status_code == 404
        answered = time.monotonic() - asked
        for t in flood:
            t.join(120)
        flood_s = max(done) - start
    assert len(done) == 60
    assert answered < flood_s / 4, (answered, flood_s)


def _page_login(client: TestClient, username: str, password: str) -> Any:
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    data = {"username": username, "password": password, "csrf": token.group(1)}
    return client.post("/login", data=data, follow_redirects=False)


def test_the_login_page_shares_the_apis_counters(throttled: tuple[TestClient, Any]) -> None:
    """Guesses through the API and through the login page count together: switching doors gains nothing."""
    client, clock = throttled
    assert _login(client, "operator1", "guess").status_code == 401
    assert _page_login(client, "operator1", "guess").status_code == 401
    assert _login(client, "operator1", "guess").status_code == 401
    page = _page_login(client, "operator1", "Demo-operator1-2026")
    assert page.status_code == 429 and 0 < int(page.headers["retry-after"]) <= 15 * 60
    assert "秒后再试" in page.text
    _refused(_login(client, "operator1", "Demo-operator1-2026"))
    clock.advance(seconds=int(page.headers["retry-after"]))
    assert _page_login(client, "operator1", "Demo-operator1-2026").status_code == 303
