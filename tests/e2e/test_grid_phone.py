"""A grid worker on a phone (390×844, touch, emulated position) in a real browser: reports a
problem with a photo shrunk on the phone; reports two more without signal (kept on the phone, the
form itself opened again from the service worker) and exactly two tickets exist once the signal is
back; works an assignment (acknowledge, arrive on site, contact, reply with photos before and
after); verifies a reply on site and fails it, which sends it back to the unit. Screenshots at
phone size in build/screenshots/grid-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from hotline.tickets.models import TicketRow
from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.integration.api import Api

BOAI_GRID_1 = {"latitude": 20.007, "longitude": 110.2905, "accuracy": 8}
PHONE = {"width": 390, "height": 844}


def _phone(browser: Any, live_url: str, username: str) -> tuple[Any, Any]:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation=BOAI_GRID_1,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_url + "/login?next=/grid")
    page.fill("#username", username)
    page.fill("#password", f"Demo-{username}-2026")
    page.press("#password", "Enter")
    page.wait_for_url("**/grid")
    return context, page


def _camera_photo(folder: Path, name: str = "drain.png") -> Path:
    path = folder / name
    image = Image.new("RGB", (3000, 2000), (60, 60, 60))
    for x in range(0, 3000, 120):
        image.paste((200, 180, 40), (x, 800, x + 60, 1200))
    image.save(path, "PNG")
    return path


def _reports_by(platform: Platform, text: str) -> int:
    with platform.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.content.contains(text))) or 0
        )


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_a_grid_worker_reports_online_and_offline_and_nothing_is_lost(
    platform: Platform, live_url: str, browser: Any, tmp_path: Path
) -> None:
    context, page = _phone(browser, live_url, "grid.boai1")
    _no_sideways_scroll(page)
    page.click("#report-link")
    page.wait_for_url("**/grid/report")
    page.wait_for_function("() => document.querySelector('input.lat').value !== ''")
    assert "已获取位置" in page.inner_text(".position")
    page.select_option("#category_code", index=1)
    page.fill("#content", "博爱路12号前井盖缺失，行人容易踩空（在线）")
    page.set_input_files("#photos", str(_camera_photo(tmp_path)))
    page.wait_for_function("() => document.querySelector('.photos-ready').textContent !== ''")
    _no_sideways_scroll(page)
    screenshot(page, "grid-phone-report")
    page.click("button[type=submit].big")
    page.wait_for_selector("#outbox-sent li")
    assert "已发送" in page.inner_text("#outbox-sent")
    assert _reports_by(platform, "（在线）") == 1

    # the form is kept by the service worker before the signal goes
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null)")
    context.set_offline(True)
    for n in (1, 2):
        page.fill("#content", f"地下车库积水，排水泵不工作（离线{n}）")
        page.click("button[type=submit].big")
        page.wait_for_function(f"() => document.getElementById('outbox').dataset.count === '{n}'")
    assert "待发送 2 条" in page.inner_text("#outbox")
    assert "无网络" in page.inner_text("#outbox")
    screenshot(page, "grid-phone-offline")
    assert _reports_by(platform, "离线") == 0
    # the page opened again without signal: the service worker's copy, the two still waiting
    page.reload()
    page.wait_for_function("() => document.getElementById('outbox').dataset.count === '2'")

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('outbox').dataset.count === '0'", timeout=30_000)
    assert page.locator("#outbox-sent li").count() == 2
    assert _reports_by(platform, "离线1") == 1 and _reports_by(platform, "离线2") == 1
    screenshot(page, "grid-phone-sent")
    page.goto(live_url + "/grid")
    assert "离线2" in page.inner_text("#reports")
    context.close()


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_a_grid_worker_works_an_assignment_and_fails_a_verification(
    platform: Platform, live_url: str, browser: Any, tmp_path: Path
) -> None:
    api = Api(platform)
    point = {"latitude": 20.007, "longitude": 110.2905}
    t = api.intake(content="博爱社区5栋旁垃圾堆放三天无人清理", **point)
    api.act("dispatcher", t["id"], "dispatch", {"lead_unit_id": platform.unit_id("c-longwan-boai")})
    api.on("handler.boai", t["id"], 1, "acknowledge")
    api.on("handler.boai", t["id"], 1, "delegate", {"unit_id": platform.unit_id("g-longwan-boai-1")})
    checked = api.intake(content="博爱路口路灯不亮，晚上很黑", **point)
    api.act("dispatcher", checked["id"], "dispatch", {"lead_unit_id": platform.unit_id("c-longwan-boai")})
    api.on("handler.boai", checked["id"], 1, "acknowledge")
    api.on("handler.boai", checked["id"], 1, "reply", {"reply": "已更换路灯灯泡"})
    api.on("dispatcher", checked["id"], 1, "verification", {"note": "请夜间查看路灯是否亮"})

    context, page = _phone(browser, live_url, "grid.boai1")
    page.wait_for_selector("#assignments .clock[data-due]")
    assert "请夜间查看路灯是否亮" in page.inner_text("#verifications")
    _no_sideways_scroll(page)
    screenshot(page, "grid-phone-home")

    page.click(f"a[href='/grid/a/{t['id']}/2']")
    page.click("form[action$='/acknowledge'] button")
    page.wait_for_selector("#arrive")
    page.wait_for_function("() => document.querySelector('input.lat').value !== ''")
    page.click("#arrive")
    page.wait_for_selector("text=已登记到达现场")
    page.fill("#contact-note", "已电话联系楼长")
    page.click("form[action$='/contact'] button")
    page.wait_for_selector("#reply")
    page.set_input_files("#photos_before", str(_camera_photo(tmp_path, "before.png")))
    page.set_input_files("#photos_after", str(_camera_photo(tmp_path, "after.png")))
    page.wait_for_function("() => [...document.querySelectorAll('.photos-ready')].every(p => p.textContent)")
    page.fill("#reply", "已联系环卫清运，现场已清理干净")
    _no_sideways_scroll(page)
    screenshot(page, "grid-phone-assignment")
    page.click("form[action$='/reply'] button")
    page.wait_for_selector("text=已提交办理反馈")
    screenshot(page, "grid-phone-replied")
    ticket = api.get("dispatcher", f"/api/v1/tickets/{t['id']}")
    arrived = ticket["assignments"][1]["arrived_at"]
    assert arrived is not None and ticket["assignments"][1]["state"] == "replied"
    assert len(api.get("dispatcher", f"/api/v1/tickets/{t['id']}/media")) == 2
    arrival = next(e for e in api.events("dispatcher", t["id"]) if e["tag"] == "assignment.arrived")
    assert arrival["assignment_no"] == 2

    page.goto(live_url + f"/grid/v/{checked['id']}/1")
    page.wait_for_function("() => document.querySelector('input.lat').value !== ''")
    page.check("input[name=outcome][value=failed]")
    page.fill("#note", "晚上8点查看，路灯仍不亮")
    page.set_input_files("#photos", str(_camera_photo(tmp_path, "night.png")))
    page.wait_for_function("() => document.querySelector('.photos-ready').textContent !== ''")
    _no_sideways_scroll(page)
    screenshot(page, "grid-phone-verify")
    page.click("#verify-form button[type=submit]")
    page.wait_for_url("**/grid?verified=failed")
    assert "未通过" in page.inner_text(".notice")
    back = api.get("dispatcher", f"/api/v1/tickets/{checked['id']}")
    assert back["status"] == "in_progress" and back["assignments"][0]["state"] == "acknowledged"
    context.close()
