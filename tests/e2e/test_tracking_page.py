"""A citizen follows a request on the home page, in a real browser (Debian's Chromium driven by
Playwright), against the platform served over real HTTP on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from tests.conftest import Platform
from tests.integration.api import Api

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (scripts/test installs Debian's chromium)")
        pytest.skip("Chromium not installed (apt-get install chromium); the browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def live_url(platform: Platform) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(platform.client.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


# The page reads through the same API on both databases (tested there); one is enough here.
@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_citizen_tracks_a_request_like_a_parcel(platform: Platform, live_url: str, browser: object) -> None:
    api = Api(platform)
    tid = api.dispatched("ent-power")
    code = api.get("operator1", f"/api/v1/tickets/{tid}")["tracking_code"]

    page = browser.new_page(locale="zh-CN")  # type: ignore[attr-defined]
    page.goto(live_url + "/")
    assert "12345" in page.title()
    page.fill("#code", code.lower())
    page.click("button[type=submit]")
    page.wait_for_selector("ol.timeline li")
    text = page.inner_text("#result")
    assert "已派单" in text and "您的诉求已受理" in text and "已派至海滨供电" in text
    assert "13812345678" not in text

    page.fill("#code", "NOSUCHCODE")
    page.click("button[type=submit]")
    page.wait_for_selector("#result .error")
    assert page.inner_text("#result .error") == "查询码不存在"
    page.close()
