"""A unit handler's day in the browser (Debian's Chromium through Playwright): log in, the inbox
with live countdowns, acknowledge two at once, the ticket's timeline, English, log out."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.integration.api import Api

CLOCK = re.compile(r"^剩余 \d\d:\d\d:\d\d$")


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_unit_handler_works_the_inbox(platform: Platform, live_url: str, browser: object) -> None:
    api = Api(platform)
    late = api.dispatched("d-longwan")  # overdue by the time the handler looks
    platform.clock.advance(minutes=6)
    close = api.dispatched("d-longwan")  # in its warning time
    api.act("supervisor", close, "supervise", {"note": "区领导关注"})
    api.on("supervisor", close, 1, "urge", {"note": "市民再次来电"})
    platform.clock.advance(minutes=25)
    fresh = [api.dispatched("d-longwan") for _ in range(2)]
    below = api.dispatched("d-longwan")
    api.on("handler.longwan", below, 1, "acknowledge")
    api.on("handler.longwan", below, 1, "delegate", {"unit_id": platform.unit_id("s-longwan-zhongshan")})
    number = {t: api.get("operator1", f"/api/v1/tickets/{t}")["number"] for t in (late, close, *fresh, below)}

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(live_url + "/inbox")
    assert page.url.startswith(live_url + "/login")
    assert page.get_attribute("html", "lang") == "zh-CN"
    screenshot(page, "pages-login-zh", full_page=False)
    page.fill("#username", "handler.longwan")
    page.fill("#password", "Demo-handler.longwan-2026")
    page.press("#password", "Enter")
    page.wait_for_url(live_url + "/inbox")

    def row(ticket: int) -> object:
        return page.locator("table.inbox tr", has=page.locator(f'a[href="/tickets/{ticket}"]'))

    # sorted by what falls due first: the overdue one, the one in its warning, then the fresh ones
    # (the platform is shared with earlier tests, whose tickets for this unit are left out here)
    ours = set(number.values())
    shown = page.locator("table.inbox td.ticket a").all_inner_texts()
    order = [n for n in shown if n in ours]
    assert order[:2] == [number[late], number[close]], order
    assert row(late).get_attribute("class").split()[0] == "overdue"  # type: ignore[attr-defined]
    assert row(late).locator(".clock").inner_text().startswith("已超时 ")  # type: ignore[attr-defined]
    assert "warning" in row(close).get_attribute("class")  # type: ignore[attr-defined]
    badges = row(close).locator(".badges").inner_text()  # type: ignore[attr-defined]
    assert "督办" in badges and "催办 1" in badges
    # the delegated ticket twice: our own assignment (delegated, still owing the reply) and the
    # street's below it, marked
    assert row(below).count() == 2  # type: ignore[attr-defined]
    sub = page.locator("table.inbox tr.sub", has=page.locator(f'a[href="/tickets/{below}"]'))
    assert "下级" in sub.locator("td.unit").inner_text() and "中山街道" in sub.inner_text()
    # the countdown ticks in the browser, counted from the server's clock
    clock = row(fresh[0]).locator(".clock")  # type: ignore[attr-defined]
    first = clock.inner_text()
    assert CLOCK.match(first) and first[3:8] in ("00:29", "00:30"), first
    page.wait_for_function(
        "([el, before]) => el.textContent !== before", arg=[clock.element_handle(), first], timeout=5000
    )
    screenshot(page, "pages-inbox-zh", full_page=False)

    # acknowledge two at once: htmx swaps the table in place
    assert page.is_visible("#inbox .pick-all")  # select-all appears where scripts run
    for t in fresh:
        page.check(f'input[name=pick][value="{t}:1"]')
    page.click("text=签收所选")
    page.wait_for_selector("#inbox .flash .ok")
    assert page.inner_text("#inbox .flash .ok") == "已签收 2 件"
    assert page.url == live_url + "/inbox"
    for t in fresh:
        assert row(t).locator("td.state").inner_text() == "已签收"  # type: ignore[attr-defined]
        assert page.locator(f'input[name=pick][value="{t}:1"]').count() == 0
        assert api.get("handler.longwan", f"/api/v1/tickets/{t}")["assignments"][0]["state"] == "acknowledged"
    screenshot(page, "pages-inbox-acknowledged-zh", full_page=False)

    # the ticket's full timeline
    page.click(f'a[href="/tickets/{below}"] >> nth=0')
    page.wait_for_selector("ol.timeline li")
    assert "（第 1 号派单）" in page.inner_text("ol.timeline li >> nth=2")
    steps = page.locator("ol.timeline li strong").all_inner_texts()
    assert steps == ["受理", "派单", "签收", "下派"], steps
    screenshot(page, "pages-ticket-zh")

    # English, and it sticks
    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("ol.timeline li strong").all_inner_texts() == [
        "Received",
        "Dispatched",
        "Acknowledged",
        "Delegated",
    ]
    page.click("text=Back to the inbox")
    page.wait_for_selector("h1:has-text('Unit inbox')")
    assert "本单位待办" not in page.inner_text("body")
    assert row(late).locator(".clock").inner_text().startswith("overdue by ")  # type: ignore[attr-defined]
    screenshot(page, "pages-inbox-en", full_page=False)

    page.click("text=Log out")
    page.wait_for_url(re.compile(r".*/login\?out=1$"))
    assert page.inner_text(".notice") == "You have logged out"
    page.goto(live_url + "/inbox")
    assert "/login" in page.url
    context.close()
