"""A citizen follows a request on the home page, in a real browser (Debian's Chromium driven by
Playwright), against the platform served over real HTTP on loopback."""

from __future__ import annotations

import pytest

from tests.conftest import Platform
from tests.integration.api import Api


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
