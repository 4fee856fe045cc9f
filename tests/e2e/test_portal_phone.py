"""A citizen on a phone (390×844, touch, emulated position) in a real browser: submits a request
with a photo and the phone's position, follows it with the code and the phone's last digits, adds
information, rates the result, and withdraws another request. Screenshots at phone size."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from hotline.followup import service as followup
from hotline.media.models import MediaRow
from hotline.tickets.models import TicketRow
from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.integration.api import Api

HAIKOU = {"latitude": 20.0311, "longitude": 110.3294, "accuracy": 12}
PHONE = {"width": 390, "height": 844}


def _phone(browser: object, locale: str = "zh-CN") -> object:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        geolocation=HAIKOU,
        permissions=["geolocation"],
    )
    return context.new_page()


def _camera_photo(folder: Path) -> Path:
    """A large PNG from the 'camera': the phone turns it into a small JPEG before sending."""
    path = folder / "street-light.png"
    image = Image.new("RGB", (3000, 2000), (40, 60, 90))
    for x in range(0, 3000, 100):
        image.paste((230, 200, 60), (x, 900, x + 50, 1100))
    image.save(path, "PNG")
    return path


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_a_citizen_on_a_phone_submits_tracks_adds_rates_and_withdraws(
    platform: Platform, live_url: str, browser: object, tmp_path: Path
) -> None:
    api = Api(platform)
    page = _phone(browser)
    page.goto(live_url + "/")
    page.click("a.portal-link")
    page.wait_for_url("**/portal")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    screenshot(page, "portal-phone-home")

    page.click("text=我要提交诉求")
    page.wait_for_url("**/portal/new")
    page.check("input[name=kind][value=complaint]")
    page.fill("#content", "楼道里着火了")  # the hint comes while typing
    page.wait_for_selector("#emergency .urgent")
    assert "请立即拨打 119" in page.inner_text("#emergency")
    screenshot(page, "portal-phone-emergency", full_page=False)
    page.fill("#content", "滨海大道32号门口的路灯坏了三天，晚上很黑，老人出门不安全。")
    page.wait_for_function("() => !document.querySelector('#emergency .urgent')")

    page.click("#locate")
    page.wait_for_function("() => document.getElementById('latitude').value !== ''")
    assert "已获取位置" in page.inner_text("#located")
    page.set_input_files("#photos", str(_camera_photo(tmp_path)))
    page.wait_for_function("() => document.getElementById('photos-ready').textContent !== ''")
    page.fill("#address", "龙华区滨海大道32号")
    page.fill("#citizen_name", "王女士")
    page.fill("#citizen_phone", "13912345678")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "portal-phone-new")
    page.click("button[type=submit].big")
    page.wait_for_selector(".received .code")
    code = page.inner_text(".received .code").strip()
    screenshot(page, "portal-phone-received")

    with platform.db.read() as s:
        ticket = s.scalars(select(TicketRow).where(TicketRow.tracking_code == code)).one()
        [photo] = s.scalars(select(MediaRow).where(MediaRow.ticket_id == ticket.id)).all()
        tid = ticket.id
        assert (ticket.latitude, ticket.longitude) == pytest.approx((20.0311, 110.3294), abs=1e-6)
        assert ticket.channel == "web" and ticket.citizen_phone == "13912345678"
        # shrunk on the phone: a JPEG of at most 1600 px arrived, not the 3000 px PNG
        assert photo.original_type == "image/jpeg" and max(photo.width, photo.height) == 1600
    shown = page.locator("ul.photos img")
    assert shown.count() == 1 and shown.evaluate("img => img.naturalWidth") == 1600

    # another phone follows it: the code alone says only that it exists
    other = _phone(browser)
    other.goto(live_url + "/portal")
    other.fill("#code", code.lower())
    other.fill("#digits", "0000")
    other.click("form[action='/portal/track'] button")
    other.wait_for_selector("p.error")
    assert "后四位不正确" in other.inner_text("p.error")
    assert "路灯坏了" not in other.inner_text("body")
    other.fill("#digits", "5678")
    other.click("form[action='/portal/track'] button")
    other.wait_for_url(f"**/portal/r/{code}")
    assert "路灯坏了三天" in other.inner_text("body") and "139****5678" in other.inner_text("body")

    other.fill("#text", "今晚又灭了两盏，位置在公交站旁边。")
    other.set_input_files("#add-information #photos", str(_camera_photo(tmp_path)))
    other.wait_for_function(
        "() => document.querySelector('#add-information #photos-ready').textContent !== ''"
    )
    other.click("#add-information button[type=submit]")
    other.wait_for_selector("p.notice")
    assert "补充信息已提交" in other.inner_text("p.notice")
    assert other.locator("ul.photos img").count() == 2
    screenshot(other, "portal-phone-tracked")

    api.act("dispatcher", tid, "dispatch", {"lead_unit_id": platform.unit_id("d-longwan")})
    api.on("handler.longwan", tid, 1, "acknowledge")
    api.on("handler.longwan", tid, 1, "reply", {"reply": "已更换路灯 3 盏，照明恢复正常。"})
    api.on("dispatcher", tid, 1, "review", {"approve": True})
    wiring: Any = platform.client.app.state.wiring  # type: ignore[attr-defined]
    followup.sweep(platform.db, platform.clock(), wiring.followup)  # the worker makes the follow-up task
    other.goto(f"{live_url}/portal/r/{code}")
    assert "已更换路灯 3 盏" in other.inner_text(".answer")
    assert "12345正在对您的诉求进行回访" in other.inner_text("#rate-heading + p")
    other.check("input[name=contacted][value=yes]")
    other.check("input[name=solved][value=yes]")
    other.check("input[name=satisfaction][value=satisfied]")
    screenshot(other, "portal-phone-rate")
    other.click("form[action$='/rate'] button")
    other.wait_for_selector("p.notice")
    assert "感谢您的评价" in other.inner_text("p.notice")
    # the rating answered the follow-up task: satisfied and solved closes the ticket
    assert api.get("operator1", f"/api/v1/tickets/{tid}")["status"] == "closed"

    # a second request, withdrawn from the phone
    page.goto(live_url + "/portal/new")
    page.check("input[name=kind][value=help]")
    page.fill("#content", "小区楼下垃圾三天没人清运。")
    page.fill("#citizen_phone", "13912345678")
    page.click("button[type=submit].big")
    page.wait_for_selector(".received .code")
    second = page.inner_text(".received .code").strip()
    page.fill("#reason", "已经清运了")
    page.click("form[action$='/withdraw'] button")
    page.wait_for_selector("p.notice")
    assert "诉求已撤回" in page.inner_text("p.notice") and "已撤单" in page.inner_text("ol.steps")
    screenshot(page, "portal-phone-withdrawn")
    with platform.db.read() as s:
        assert s.scalar(select(TicketRow.status).where(TicketRow.tracking_code == second)) == "withdrawn"


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_the_portal_in_english_on_a_phone_and_on_a_desktop(
    platform: Platform, live_url: str, browser: object
) -> None:
    page = _phone(browser, locale="en-GB")
    page.goto(live_url + "/portal/new?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == "Submit a request"
    page.click("button[type=submit].big")  # nothing filled in: the server names each field
    page.wait_for_selector("p.error")
    assert "Please correct what is marked" in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "portal-phone-errors-en")

    desk = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")  # type: ignore[attr-defined]
    desk.goto(live_url + "/portal/new")
    screenshot(desk, "portal-desktop-new")
    assert io is not None
