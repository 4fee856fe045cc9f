"""A citizen follows a request on the home page, in a real browser (Debian's Chromium driven by
Playwright), against the platform served over real HTTP on loopback."""

from __future__ import annotations

import pytest

from tests.conftest import Platform
from tests.e2e.shots import screenshot
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

    screenshot(page, "tracking-zh")
    page.fill("#code", "NOSUCHCODE")
    page.click("button[type=submit]")
    page.wait_for_selector("#result .error")
    assert page.inner_text("#result .error") == "查询码不存在"
    page.close()


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_citizen_sees_the_units_reply_not_the_centres_review(
    platform: Platform, live_url: str, browser: object
) -> None:
    api = Api(platform)
    tid = api.dispatched("ent-water")
    code = api.get("operator1", f"/api/v1/tickets/{tid}")["tracking_code"]
    api.on("handler.water", tid, 1, "acknowledge")
    api.on("handler.water", tid, 1, "reply", {"reply": "已检修"})
    api.on("dispatcher", tid, 1, "review", {"approve": False, "reason": "答复过于简单"})
    reply = "爆裂水管已于今日16时修复，供水已恢复。"
    api.on("handler.water", tid, 1, "reply", {"reply": reply})
    api.on("dispatcher", tid, 1, "review", {"approve": True})

    page = browser.new_page(locale="zh-CN")  # type: ignore[attr-defined]
    page.goto(live_url + "/")
    page.fill("#code", code)
    page.click("button[type=submit]")
    page.wait_for_selector("ol.timeline li")
    assert page.inner_text("#result .answer") == "答复：" + reply
    text = page.inner_text("#result")
    assert "已审核" in text  # the status says where the request stands
    assert "未通过审核" not in text and "答复过于简单" not in text and "已检修" not in text
    screenshot(page, "tracking-reply-zh")
    page.close()


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_home_page_in_english_with_lang_en(platform: Platform, live_url: str, browser: object) -> None:
    api = Api(platform)
    tid = api.dispatched("ent-power")
    code = api.get("operator1", f"/api/v1/tickets/{tid}")["tracking_code"]

    page = browser.new_page(locale="zh-CN")  # type: ignore[attr-defined]  # a Chinese browser asks for English
    page.goto(live_url + "/?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h2 >> nth=0") == "Track your request"
    assert "诉求查询" not in page.inner_text("body")
    page.fill("#code", code)
    page.click("button[type=submit]")
    page.wait_for_selector("ol.timeline li")
    text = page.inner_text("#result")
    # the labels and the timeline are both English, whatever the browser's own language
    assert "Dispatched" in text and "Handled by: " in text and "Your request has been received" in text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.replace("海滨供电", "")), text
    screenshot(page, "home-en")
    page.click("nav.lang a")
    page.wait_for_selector("html[lang=zh-CN]")
    assert "诉求查询" in page.inner_text("h2 >> nth=0")
    page.close()
