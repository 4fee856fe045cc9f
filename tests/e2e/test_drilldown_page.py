"""A unit's handler, told its on-time closure rate on its standing page, clicks the figure and
reads the tickets that made it so (issue 14), in the browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.e2e.test_rankings_page import _login
from tests.integration.api import Api

CST = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2027, 5, 10, 9, tzinfo=CST)  # a month of this test's own


def _close(api: Api, tid: int) -> None:
    api.on("handler.urban", tid, 1, "reply", {"reply": "已安排人员到现场处理完毕"})
    api.on("dispatcher", tid, 1, "review", {"approve": True})
    api.act("operator2", tid, "follow-up", {"contacted": True, "solved": True, "satisfaction": "satisfied"})
    api.act("operator2", tid, "close", {})


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_a_handler_clicks_its_on_time_closure_and_sees_the_late_ticket(
    platform: Platform, live_url: str, browser: Any
) -> None:
    saved = platform.clock.now
    try:
        api = Api(platform)
        platform.clock.now = MONDAY
        platform.tokens.clear()
        on_time = api.dispatched("dept-urban")
        late = api.dispatched("dept-urban")
        still_open = api.dispatched("dept-urban")
        api.on("handler.urban", on_time, 1, "acknowledge")
        api.on("handler.urban", still_open, 1, "acknowledge")
        _close(api, on_time)
        platform.clock.now = MONDAY + timedelta(days=8)  # past its three working days
        platform.tokens.clear()
        api.on("handler.urban", late, 1, "acknowledge")
        _close(api, late)

        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        target = "/assessment?period=month&date=2027-05-10"
        page = _login(context, live_url, "handler.urban", target)
        figure = page.locator('.as-own table.as-mine td[data-rate="on_time_closure"]')
        assert figure.locator("a").inner_text() == "50.0%"
        assert figure.locator("small").inner_text() == "1/2"
        screenshot(page, "drilldown-standing-zh", full_page=False)

        figure.locator("a").click()
        page.wait_for_url("**/assessment/tickets?**rate=on_time_closure**")
        assert page.inner_text(".as-figure .big") == "1 ÷ 2 = 50.0%"
        rows = page.locator("table.as-tickets tbody tr")
        assert rows.count() == 3
        # the late one first (it pulls the rate down), the open one last and greyed (not counted)
        assert "超期办结：主办单位答复时限 05-13" in rows.nth(0).inner_text()
        assert "答复于 05-18 09:00" in rows.nth(0).inner_text()
        assert rows.nth(0).locator("td.num").inner_text() == "0"
        assert "按期办结" in rows.nth(1).inner_text() and rows.nth(1).locator("td.num").inner_text() == "1"
        assert (
            "未办结，不计入" in rows.nth(2).inner_text() and rows.nth(2).get_attribute("data-counted") == "0"
        )
        screenshot(page, "drilldown-on-time-closure-zh", full_page=False)

        # from there to the handling time: hours, the mean on top
        page.locator(".as-figure .others a", has_text="平均办理时长").click()
        page.wait_for_url("**rate=handling_time**")
        assert "÷ 2 件办结 = 平均" in page.inner_text(".as-figure .big")
        screenshot(page, "drilldown-handling-time-zh", full_page=False)

        # an assignment rate: one line per assignment, the late acknowledgement first
        page.locator(".as-figure .others a", has_text="签收及时率").click()
        page.wait_for_url("**rate=timely_acknowledgement**")
        assert page.inner_text(".as-figure .big") == "2 ÷ 3 = 66.7%"
        first = page.locator("table.as-tickets tbody tr").first.inner_text()
        assert "超时签收" in first and "主办" in first
        screenshot(page, "drilldown-acknowledgement-zh", full_page=False)

        english = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 768})
        en = _login(english, live_url, "handler.urban", target)
        drill = page.url.replace(live_url, "")
        en.goto(live_url + "/lang/en?next=" + quote(drill, safe=""))
        en.goto(live_url + drill)
        assert "acknowledged late" in en.inner_text("table.as-tickets")
        screenshot(en, "drilldown-acknowledgement-en", full_page=False)
    finally:
        platform.clock.now = saved
        platform.tokens.clear()
