"""An operator's follow-up calls in the browser (Debian's Chromium through Playwright): the queue
with the due calls first, the script, one-key answers (1, 2, 3 and Enter), a call without an
answer scheduled again, English."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.followup import service
from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.integration.api import Api

CALLS = [
    ("13812345601", "王女士", "龙湾区中山路与人民路口的路灯坏了三天，晚上很黑，老人孩子出行不安全"),
    ("13812345602", "陈先生", "小区门口的下水道井盖松动，车辆经过时响声很大，夜里影响休息"),
    ("13812345603", None, "公交站台的遮雨棚破损，下雨天乘客无处躲雨"),
    ("13812345604", "刘阿姨", "菜市场旁边垃圾桶满了好几天没人清运，气味很大"),
]


def _reviewed(api: Api, phone: str, name: str | None, content: str) -> int:
    fields: dict[str, Any] = {"citizen_phone": phone, "content": content}
    if name:
        fields["citizen_name"] = name
    tid = int(api.intake(**fields)["id"])
    api.act("dispatcher", tid, "dispatch", {"lead_unit_id": api.p.unit_id("d-longwan")})
    api.on("handler.longwan", tid, 1, "acknowledge")
    api.on("handler.longwan", tid, 1, "reply", {"reply": "已安排人员现场处理完毕，并电话告知诉求人"})
    api.on("dispatcher", tid, 1, "review", {"approve": True})
    return tid


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_operator_works_the_follow_up_queue(platform: Platform, live_url: str, browser: Any) -> None:
    api = Api(platform)
    wiring: Any = platform.client.app.state.wiring  # type: ignore[attr-defined]
    tickets = []
    for phone, name, content in CALLS:
        tickets.append(_reviewed(api, phone, name, content))
        platform.clock.advance(minutes=20)
    service.sweep(platform.db, platform.clock(), wiring.followup)
    platform.clock.advance(hours=3)
    platform.tokens.clear()
    later = _reviewed(api, "13812345605", "周先生", "楼道声控灯不亮")  # approved now: due in two hours
    service.sweep(platform.db, platform.clock(), wiring.followup)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(live_url + "/login?next=/follow-ups")
    page.fill("#username", "operator1")
    page.fill("#password", "Demo-operator1-2026")
    page.press("#password", "Enter")
    page.wait_for_url(live_url + "/follow-ups")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text('header nav a[aria-current="page"]') == "回访队列"

    # due calls in the order they fell due, the longest waiting on top and on the script
    times = page.locator(".fu-list > table.fu td.when time").evaluate_all("els => els.map(e => e.dateTime)")
    assert times == sorted(times) and len(times) >= 4
    assert page.locator("table.fu tr.selected").count() == 1
    assert page.locator("details.upcoming summary").inner_text().startswith("未到期")
    screenshot(page, "followup-queue-zh", full_page=False)

    # our first call, picked from the list: its number, the request and the unit's reply
    first_number = api.get("operator1", f"/api/v1/tickets/{tickets[0]}")["number"]
    page.click(f"table.fu td.ticket a:text-is('{first_number}')")
    script = page.locator(".fu-script")
    assert "13812345601" in script.locator(".dial").inner_text()
    assert "已安排人员现场处理完毕" in script.inner_text()

    # one key per question: 1 (contacted), 1 (solved), 2 (fairly satisfied), then Enter records
    page.keyboard.press("1")
    page.keyboard.press("1")
    assert page.locator("fieldset.question.current legend").inner_text().startswith("3.")
    page.keyboard.press("2")
    assert page.is_checked('input[name="satisfaction"][value="2"]')
    screenshot(page, "followup-answering-zh", full_page=False)
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash .ok")
    assert page.inner_text(".flash .ok") == f"工单 {first_number} 已回访并办结"
    assert (
        api.get("dispatcher", f"/api/v1/tickets/{tickets[0]}")["follow_up"]["satisfaction"]
        == "fairly_satisfied"
    )
    assert page.locator(f"table.fu td.ticket a:text-is('{first_number}')").count() == 0

    # the next call gets no answer: called again in 30 minutes; it waits under "not yet due"
    second_number = api.get("operator1", f"/api/v1/tickets/{tickets[1]}")["number"]
    page.click(f"table.fu td.ticket a:text-is('{second_number}')")
    page.select_option("#retry", "30")
    page.click("button[value=no_answer]")
    page.wait_for_selector(".flash .ok")
    assert "无人接听" in page.inner_text(".flash .ok")
    assert page.locator(f".fu-list > table.fu td.ticket a:text-is('{second_number}')").count() == 0
    retried = page.locator("details.upcoming tr", has=page.locator(f"a:text-is('{second_number}')"))
    assert "无人接听" in (retried.text_content() or "")
    screenshot(page, "followup-retry-zh", full_page=False)

    page.goto(live_url + f"/lang/en?next=/follow-ups%3Ftask%3D{_task_id(platform, later)}")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == "Follow-up queue"
    screenshot(page, "followup-queue-en", full_page=False)
    context.close()


def _task_id(platform: Platform, ticket: int) -> int:
    from sqlalchemy import select

    from hotline.followup.models import FollowUpTaskRow

    with platform.db.read() as s:
        return int(s.scalar(select(FollowUpTaskRow.id).where(FollowUpTaskRow.ticket_id == ticket)) or 0)
