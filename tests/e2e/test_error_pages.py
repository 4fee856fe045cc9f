"""Errors met while browsing, in Debian's Chromium: a handler who follows a mistyped ticket address
reads why on a page of the desk and goes back to work with one click; a citizen who opens a wrong
request link on a phone reads it in the portal's own look. Screenshots: build/screenshots/error-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.e2e.test_admin_pages import log_in


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_a_mistyped_address_is_a_page_with_the_way_back(
    platform: Platform, live_url: str, browser: Any
) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()
    log_in(page, live_url, "handler.longwan", "Demo-handler.longwan-2026")
    page.wait_for_url(live_url + "/inbox")
    response = page.goto(live_url + "/tickets/99999999999")
    assert response is not None and response.status == 404
    assert page.inner_text("[role=alert] h1") == "无法完成"
    assert "资源不存在" in page.inner_text("[role=alert]")
    screenshot(page, "error-desk-zh", full_page=False)
    page.click("text=返回工作页")
    page.wait_for_url(live_url + "/inbox")
    assert "本单位待办" in page.inner_text("h1")

    page.goto(live_url + "/tickets/abc?lang=en")
    assert "ticket_id: Must be a whole number" in page.inner_text("[role=alert]")
    screenshot(page, "error-desk-en", full_page=False)


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_a_wrong_request_link_on_a_phone_stays_in_the_portal(
    platform: Platform, live_url: str, browser: Any
) -> None:
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    ).new_page()
    response = phone.goto(live_url + "/portal/r/NOSUCHCODE")
    assert response is not None and response.status == 404
    assert "查询码不存在" in phone.inner_text("[role=alert]")
    assert "12345 政务服务便民热线" in phone.inner_text("header")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(phone, "error-portal-zh")
    phone.click("text=返回首页")
    phone.wait_for_url(live_url + "/portal")
