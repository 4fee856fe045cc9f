"""The rankings in the browser (Debian's Chromium through Playwright): a supervisor reads the month's
ranking per peer group with movement and a chart, the lists, clicks a figure down to its tickets;
a unit's handler sees its own standing; English."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.integration.api import Api

CST = ZoneInfo("Asia/Shanghai")
FAIR = (True, True, "fairly_satisfied")
BAD = (False, False, "unsatisfied")
OK = (True, True, "satisfied")
HANDLERS = {
    "dept-urban": "handler.urban",
    "dept-market": "handler.market",
    "dept-transport-enforcement": "handler.transport-enforcement",
    "ent-water": "handler.water",
    "ent-power": "handler.power",
    "d-longwan": "handler.longwan",
}
TEXTS = [
    "人行道地砖松动，雨天踩上去溅一身水",
    "夜市油烟扰民到凌晨",
    "出租车拒载并辱骂乘客",
    "小区停水两天没有通知",
]


def _walk(api: Api, unit: str, answers: list[tuple[bool, bool, str]]) -> None:
    handler = HANDLERS[unit]
    for i, (contacted, solved, satisfaction) in enumerate(answers):
        tid = int(api.intake(content=TEXTS[i % len(TEXTS)], title=TEXTS[i % len(TEXTS)][:10])["id"])
        api.act("dispatcher", tid, "dispatch", {"lead_unit_id": api.p.unit_id(unit)})
        api.on(handler, tid, 1, "acknowledge")
        api.on(handler, tid, 1, "reply", {"reply": "已到现场处理，并电话告知诉求人"})
        api.on("dispatcher", tid, 1, "review", {"approve": True})
        body = {"contacted": contacted, "solved": solved, "satisfaction": satisfaction}
        api.act("operator2", tid, "follow-up", body)


def _login(context: Any, base: str, user: str, target: str) -> Any:
    page = context.new_page()
    page.goto(base + "/login?next=" + quote(target, safe=""))
    page.fill("#username", user)
    page.fill("#password", f"Demo-{user}-2026")
    page.press("#password", "Enter")
    page.wait_for_url(base + target)
    return page


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_a_supervisor_reads_the_rankings_and_drills_down(
    platform: Platform, live_url: str, browser: Any
) -> None:
    saved = platform.clock.now
    try:
        api = Api(platform)
        platform.clock.now = datetime(2027, 2, 10, 10, tzinfo=CST)  # a month of this test's own
        platform.tokens.clear()
        _walk(api, "dept-urban", [OK] * 3 + [BAD] * 2)
        _walk(api, "dept-market", [OK] * 5)
        _walk(api, "dept-transport-enforcement", [OK] * 4 + [FAIR])
        platform.clock.now = datetime(2027, 3, 9, 10, tzinfo=CST)
        platform.tokens.clear()
        _walk(api, "dept-urban", [OK] * 6)
        _walk(api, "dept-transport-enforcement", [OK] * 4 + [BAD])
        _walk(api, "dept-market", [OK] * 3 + [BAD, FAIR])
        _walk(api, "ent-water", [OK] * 4 + [FAIR])
        _walk(api, "ent-power", [OK, BAD])
        _walk(api, "d-longwan", [OK] * 5)

        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        target = "/assessment?period=month&date=2027-03-09"
        page = _login(context, live_url, "supervisor", target)
        assert page.inner_text('header nav a[aria-current="page"]') == "排名考核"
        departments = page.locator("section.as-group").filter(has_text="市直部门")
        rows = departments.locator("tbody tr")
        assert rows.nth(0).locator("td.unit").inner_text().startswith("海滨市城市管理局")
        assert "▲ 2" in rows.nth(0).inner_text()  # third in February, first now
        assert "▼" in departments.locator("tr", has_text="海滨市市场监督管理局").inner_text()
        page.wait_for_selector("section.as-group .as-chart svg")  # ECharts drew the bars
        assert page.locator(".as-list.red li").count() >= 1
        screenshot(page, "rankings-month-zh", full_page=False)
        screenshot(page, "rankings-month-zh-full")

        # the market bureau's composite figure, down to its tickets
        departments.locator("tr", has_text="海滨市市场监督管理局").locator("td.fig a").first.click()
        page.wait_for_url("**/assessment/tickets?**")
        assert "÷ 5 =" in page.inner_text(".as-figure .big")
        assert page.locator("table.as-tickets tbody tr").count() == 5
        screenshot(page, "rankings-drilldown-zh", full_page=False)

        english = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 768})
        en = _login(english, live_url, "supervisor", target)
        en.goto(live_url + "/lang/en?next=" + quote(target, safe=""))
        en.goto(live_url + target)
        assert "City departments" in en.inner_text("main")
        en.wait_for_selector("section.as-group .as-chart svg")
        screenshot(en, "rankings-month-en", full_page=False)

        unit = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
        own = _login(unit, live_url, "handler.market", target)
        assert "市直部门第 2 名" in own.inner_text(".as-own")  # tied with transport enforcement (0.8)
        assert own.locator("section.as-group").count() == 0
        screenshot(own, "rankings-own-unit-zh", full_page=False)
    finally:
        platform.clock.now = saved
        platform.tokens.clear()
