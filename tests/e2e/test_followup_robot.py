"""A robot call the robot could not finish, as the operator sees it in the follow-up queue: the
last try "机器人未识别" and the robot's note on the task in hand."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hotline.followup import service
from hotline.followup.adapters import SimulatedCalls
from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.e2e.test_followup_queue import _reviewed
from tests.integration.api import Api


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_the_operator_reads_why_the_robot_handed_over(
    platform: Platform, live_url: str, browser: Any
) -> None:
    api = Api(platform)
    app: Any = platform.client.app
    wiring = app.state.wiring
    robot = SimulatedCalls(answers=lambda phone: ("answered", "1" + "9_"))
    policy = replace(wiring.followup, sms=None, calls=robot)
    tid = _reviewed(api, "13812345671", "孙女士", "人行道上的共享单车乱停放，堵住了盲道")
    service.sweep(platform.db, platform.clock(), policy)
    platform.clock.advance(hours=2, minutes=5)  # 11:35 in Shanghai: within calling hours
    platform.tokens.clear()
    assert service.sweep(platform.db, platform.clock(), policy).calls_placed >= 1
    task_id = api.get("operator1", "/api/v1/follow-ups")["due"]
    task = next(t for t in task_id if t["ticket_id"] == tid)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(live_url + "/login?next=/follow-ups")
    page.fill("#username", "operator1")
    page.fill("#password", "Demo-operator1-2026")
    page.press("#password", "Enter")
    page.wait_for_url(live_url + "/follow-ups")
    page.goto(f"{live_url}/follow-ups?task={task['id']}")
    notes = page.locator("ul.robot li")
    assert notes.inner_text() == "机器人回访第2题未能识别（9、无按键），请人工回访"
    assert "机器人未识别" in page.locator("table.fu tr.selected").inner_text()
    screenshot(page, "followup-robot-unclear-zh", full_page=False)
    context.close()
