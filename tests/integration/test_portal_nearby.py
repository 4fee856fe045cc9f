"""The portal's map and "similar requests nearby", on both databases: what the citizen sees, and
that it follows the Open311 public feed's rules — other channels' places are never shown."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.tickets.models import TicketRow
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.open311_api import Open311
from tests.integration.portal_client import code_of, submit

# 东海区海港街道 in the demo city (its street polygon spans 20.01–20.03 N, 110.38–110.52 E)
HERE = (20.0200, 110.4500)


def _north(metres: float) -> str:
    return f"{HERE[0] + metres / 111_195:.7f}"


def _east(metres: float) -> str:
    return f"{HERE[1] + metres / (111_195 * math.cos(math.radians(HERE[0]))):.7f}"


def _classified(platform: Platform, code: str, category: str = "urban.streetlight") -> None:
    """The dispatcher files the portal's request under a category (as routing or a person does)."""
    with platform.db.read() as s:
        tid = s.scalar(select(TicketRow.id).where(TicketRow.tracking_code == code))
    Api(platform).act(
        "dispatcher",
        tid,
        "dispatch",
        {"lead_unit_id": platform.unit_id("ent-power"), "category_code": category},
    )


def _marks(html: str) -> list[dict[str, Any]]:
    found = re.search(r'<script type="application/json" id="nearby-marks">(.*?)</script>', html, re.S)
    assert found, html[:1500]
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def test_nearby_shows_open311_requests_with_their_place_and_only_counts_the_others(
    platform: Platform,
) -> None:
    o311, api = Open311(platform), Api(platform)
    citizen = TestClient(platform.client.app)
    code = code_of(submit(citizen, latitude=str(HERE[0]), longitude=str(HERE[1])))
    page = citizen.get(f"/portal/r/{code}").text
    # the request's own page: its place on the city map, and the offer (nothing fetched yet)
    assert 'class="placemap citymap"' in page and f'data-lat="{HERE[0]}"' in page
    assert f'href="/portal/r/{code}/nearby"' in page and "显示附近的同类诉求" in page

    # not classified yet: nothing to compare with
    r = citizen.get(f"/portal/r/{code}/nearby")
    assert r.status_code == 200 and "尚未分类" in r.text
    _classified(platform, code)

    o311.create(lat=_north(200), long=str(HERE[1]), description="路灯闪烁，电话 13912345678")
    o311.create(lat=str(HERE[0]), long=_east(900))  # too far
    o311.create(service_code="102", lat=_north(100), long=str(HERE[1]))  # another kind
    o311.create(lat=_north(300), long=str(HERE[1]), address_string="海港路 3 号")
    # two phone calls of the same kind: one at the very point, one in another street
    api.intake(
        category_code="urban.streetlight",
        content="我家住海港路 8 号 402，门口路灯坏了",
        address="海港路 8 号 402 室",
        latitude=HERE[0],
        longitude=HERE[1],
    )
    api.intake(category_code="urban.streetlight", content="路灯坏了", latitude=20.04, longitude=110.36)

    r = citizen.get(f"/portal/r/{code}/nearby")
    assert r.status_code == 200
    html = r.text
    assert "近 30 天内、500 米范围内" in html
    marks = _marks(html)
    assert [m["name"] for m in marks] == [
        "1",
        "2",
    ]  # the two Open311 street lights within 500 m, nearest first
    assert marks[0]["lat"] == float(_north(200)) and marks[1]["lat"] == float(_north(300))
    assert "约 200 米" in html and "约 300 米" in html and "海港路 3 号" in html
    assert "139****5678" in html and "13912345678" not in html  # masked as the feed does
    # the phone call: counted in its street, never placed, its words and address never shown
    assert "另有 1 件同类诉求" in html and "海港街道" in html
    assert "402" not in html and "海港路 8 号" not in html
    assert all(m["lat"] != HERE[0] or m["lon"] != HERE[1] for m in marks)

    # in English too
    citizen.get("/lang/en")
    html = citizen.get(f"/portal/r/{code}/nearby").text
    assert "Similar requests nearby" in html and "within 500 m in the last 30 days" in html
    assert "1 more of this kind came by phone" in html and "about 200 m" in html


def test_nearby_needs_the_code_and_the_digits_and_is_throttled(platform: Platform) -> None:
    citizen = TestClient(platform.client.app)
    code = code_of(submit(citizen, latitude=str(HERE[0]), longitude=str(HERE[1])))
    stranger = TestClient(platform.client.app)
    r = stranger.get(f"/portal/r/{code}/nearby")
    assert r.status_code == 200 and "marks" not in r.text and "后四位" in r.text  # asks for the digits
    assert stranger.get("/portal/r/ZZZZZZZZ/nearby").status_code == 404
    # a consultation without a phone: nothing proves who asks, so its place is not a search centre
    anon = TestClient(platform.client.app)
    anon_code = code_of(
        submit(anon, kind="consultation", citizen_phone="", latitude=str(HERE[0]), longitude=str(HERE[1]))
    )
    assert anon.get(f"/portal/r/{anon_code}/nearby").status_code == 403


def test_a_request_without_a_position_has_no_map(platform: Platform) -> None:
    citizen = TestClient(platform.client.app)
    code = code_of(submit(citizen, address="海港路 1 号"))
    assert "placemap" not in citizen.get(f"/portal/r/{code}").text
    assert "没有位置" in citizen.get(f"/portal/r/{code}/nearby").text


def test_the_form_offers_the_city_map_loaded_on_a_tap(platform: Platform) -> None:
    html = TestClient(platform.client.app).get("/portal/new").text
    assert 'id="pick-map"' in html and 'id="pickmap"' in html
    assert "/api/v1/public/city-map" in html
    assert "echarts" not in html  # loaded by portal.js only when the person asks for the map
