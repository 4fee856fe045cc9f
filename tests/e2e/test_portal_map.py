"""The portal's city map on a phone (390×844, touch) in a real browser: the map is loaded only on
a tap, a tap on it sets the place, the request's page shows that place, and "similar requests
nearby" draws the Open311 ones as numbered marks and says what it does not show. Screenshots:
build/screenshots/portal-phone-map-*.png."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from hotline.tickets.models import TicketRow
from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.e2e.test_portal_phone import PHONE, _phone
from tests.integration.api import Api
from tests.integration.open311_api import Open311


def _moved(lat: float, lon: float, north: float, east: float) -> tuple[str, str]:
    return (
        f"{lat + north / 111_195:.7f}",
        f"{lon + east / (111_195 * math.cos(math.radians(lat))):.7f}",
    )


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_a_citizen_picks_the_place_on_the_map_and_sees_similar_requests_nearby(
    platform: Platform, live_url: str, browser: object
) -> None:
    api, o311 = Api(platform), Open311(platform)
    page = _phone(browser)
    page.goto(live_url + "/portal/new")
    assert page.evaluate("typeof window.echarts") == "undefined"  # no megabyte of map before a tap
    page.check("input[name=kind][value=complaint]")
    page.fill("#content", "海港路口的路灯一到晚上就不亮，已经一个星期了。")
    page.click("#pick-map")
    page.wait_for_selector("#pickmap canvas")
    page.wait_for_timeout(300)
    box = page.locator("#pickmap").bounding_box()
    assert box is not None and box["width"] >= 330
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"] + 1  # scrolled into sight
    page.touchscreen.tap(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.5)
    page.wait_for_function("() => document.getElementById('latitude').value !== ''")
    assert "已在地图上选定位置" in page.inner_text("#located")
    lat, lon = float(page.input_value("#latitude")), float(page.input_value("#longitude"))
    assert 19.8 < lat < 20.1 and 110.1 < lon < 110.6, (lat, lon)  # in the demo city
    page.fill("#citizen_phone", "13912345678")
    page.locator("#pickmap").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "portal-phone-map-pick", full_page=False)
    page.click("button[type=submit].big")
    page.wait_for_selector(".received .code")
    code = page.inner_text(".received .code").strip()

    with platform.db.read() as s:
        ticket = s.scalars(select(TicketRow).where(TicketRow.tracking_code == code)).one()
        tid, lat, lon = ticket.id, ticket.latitude, ticket.longitude
    assert lat is not None and lon is not None
    # the request's page shows its place on the map (drawn when it scrolls into view)
    page.locator(".placemap").scroll_into_view_if_needed()
    page.wait_for_selector(".placemap canvas")
    page.wait_for_timeout(300)
    screenshot(page, "portal-phone-map-request", full_page=False)

    # the centre files it as a street light; others reported street lights nearby
    api.act(
        "dispatcher",
        tid,
        "dispatch",
        {"lead_unit_id": platform.unit_id("ent-power"), "category_code": "urban.streetlight"},
    )
    for north, east, words in ((150, 0, "路灯不亮"), (-250, 200, "路灯闪烁"), (0, 2000, "远处的路灯")):
        at = _moved(lat, lon, north, east)
        o311.create(lat=at[0], long=at[1], description=words, address_string=None)
    api.intake(category_code="urban.streetlight", content="我家门口路灯坏了", latitude=lat, longitude=lon)

    page.click("text=显示附近的同类诉求")
    page.wait_for_url(f"**/portal/r/{code}/nearby")
    page.wait_for_selector(".placemap canvas")
    items = page.locator("ol.nearby-list li")
    assert items.count() == 2  # the one 2 km away is not "nearby"
    assert "约 150 米" in items.nth(0).inner_text() and "路灯不亮" in items.nth(0).inner_text()
    assert "另有 1 件同类诉求" in page.inner_text(".others")
    assert "我家门口" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.wait_for_timeout(300)
    screenshot(page, "portal-phone-map-nearby")
