"""A dispatcher's round in the centre console, in the browser (Debian's Chromium through
Playwright) at 1366×768: the queues, a search by text, the filter saved, the result exported to
Excel (the downloaded workbook read back), a send-back re-dispatched from its queue, English."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.integration.api import Api
from tests.integration.test_console import route_all


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_dispatcher_searches_saves_exports_and_redispatches(
    platform: Platform, live_url: str, browser: Any, tmp_path: Path
) -> None:
    api = Api(platform)
    marker = secrets.token_hex(3).upper()  # a word no other test's ticket holds
    wanted = [
        api.intake(content=f"滨江区江畔路井盖缺失很危险，编号{marker}", citizen_phone="13700001234")
        for _ in range(2)
    ]
    api.intake(urgency="urgent", content="幸福小区燃气管道漏气，味道很大")
    api.intake(content="龙湾区中山路路灯不亮，晚上很黑")
    sent = api.dispatched("d-longwan")
    api.on("handler.longwan", sent, 1, "send-back", {"reason": "该路段属于滨江区，请改派"})
    route_all(platform)

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 768}, accept_downloads=True
    )
    page = context.new_page()
    page.goto(live_url + "/console")
    page.fill("#username", "dispatcher")
    page.fill("#password", "Demo-dispatcher-2026")
    page.press("#password", "Enter")
    page.wait_for_url(live_url + "/console")
    assert page.locator(".tabs a[aria-current=page]").inner_text().startswith("待派单")
    screenshot(page, "console-queues-zh", full_page=False)

    # search by text: both tickets with the marker, nothing else
    page.click(".subnav >> text=工单查询")
    page.fill("#f-q", f"井盖缺失 {marker}")
    page.click("button:has-text('查询')")
    page.wait_for_selector("table.results")
    shown = page.locator("table.results td.ticket a").all_inner_texts()
    assert sorted(shown) == sorted(t["number"] for t in wanted), shown
    screenshot(page, "console-search-zh", full_page=False)

    # save the filter under a name: it is listed, and runs the same search again
    page.fill("#filter-name", f"井盖 {marker}")
    page.click("button:has-text('保存当前条件')")
    page.wait_for_selector(".flash .ok")
    saved = page.locator("ul.saved a", has_text=f"井盖 {marker}")
    assert saved.count() == 1
    page.goto(live_url + "/console/search")
    page.locator("ul.saved a", has_text=f"井盖 {marker}").click()
    page.wait_for_selector("table.results")
    assert sorted(page.locator("table.results td.ticket a").all_inner_texts()) == sorted(shown)

    # export: the downloaded workbook holds exactly the rows shown, with Chinese headers
    with page.expect_download() as info:
        page.click("a:has-text('导出 Excel')")
    target = tmp_path / "export.xlsx"
    info.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and sorted(r[0] for r in rows[1:]) == sorted(shown)
    assert all(marker in r[10] for r in rows[1:])

    # the send-back waits in its queue; the dispatcher accepts it and re-dispatches at once
    page.goto(live_url + "/console?queue=decide")
    row = page.locator("table.console tr", has=page.locator(f'a[href="/tickets/{sent}"]'))
    assert "该路段属于滨江区" in row.inner_text()
    screenshot(page, "console-decide-zh", full_page=False)
    row.locator("a.button").click()
    page.wait_for_url(f"{live_url}/console/tickets/{sent}?back=decide")
    binjiang = platform.unit_id("d-binjiang")
    page.check("input[name=accept][value=yes]")
    page.select_option("#sb-1", str(binjiang))
    screenshot(page, "console-ticket-zh", full_page=True)
    page.click("form[action$='/send_back'] button[type=submit]")
    page.wait_for_selector(".flash .ok")
    assert "已处理退单" in page.inner_text(".flash .ok")
    ticket = api.get("dispatcher", f"/api/v1/tickets/{sent}")
    assert ticket["lead_unit"]["id"] == binjiang and ticket["status"] == "dispatched"
    page.click("text=返回队列")
    assert page.locator(f'table.console a[href="/tickets/{sent}"]').count() == 0

    # a refusal keeps the page and says why, with the API's status
    page.goto(f"{live_url}/console/tickets/{sent}")
    page.click("form[action$='/supervise'] button[type=submit]")
    page.wait_for_selector(".flash .ok")
    page.goto(f"{live_url}/console/tickets/{wanted[0]['id']}")
    page.fill("#merge-into", "NOSUCHTICKET")
    page.click("form[action$='/merge'] button[type=submit]")
    assert page.inner_text("#refusal") == "未能完成 (422): 没有编号或查询码为 NOSUCHTICKET 的工单"
    screenshot(page, "console-refusal-zh", full_page=False)

    # English, the switch that sticks
    page.goto(live_url + "/console?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator(".tabs a").first.inner_text().startswith("Waiting for dispatch")
    screenshot(page, "console-queues-en", full_page=False)
    page.goto(live_url + f"/console/search?q={marker}&lang=en")
    screenshot(page, "console-search-en", full_page=False)
    context.close()
