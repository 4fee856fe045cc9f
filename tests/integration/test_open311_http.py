"""Open311 GeoReport v2 over HTTP on both databases: what a 311 app sees, and what staff see of it.

A request posted through Open311 must become an ordinary ticket (channel open311) that moves
through the workflow, and reading it back must follow that ticket — without ever showing the
reporter's personal data.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.open311_api import DEMO_KEY, STREETLIGHT, Open311
from tests.integration.portal_client import exif_of, photo

OFFSET = re.compile(r"\+08:00$")
ZONE = ZoneInfo("Asia/Shanghai")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)


@pytest.fixture
def o311(platform: Platform) -> Open311:
    return Open311(platform)


@pytest.fixture
def api(platform: Platform) -> Api:
    return Api(platform)


@pytest.fixture
def restore_clock(platform: Platform) -> Iterator[None]:
    """Tests that travel in time put the shared clock back (other tests use fixed dates)."""
    saved = platform.clock.now
    yield
    platform.clock.now = saved


# --- discovery and services ---------------------------------------------------------------------


def test_discovery_names_the_endpoint_formats_and_the_demo_key(o311: Open311) -> None:
    doc = o311.json("discovery", lang="en")
    (endpoint,) = doc["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert DEMO_KEY in doc["key_service"] and "demo.hotline" in doc["key_service"]
    assert OFFSET.search(doc["changeset"])
    root = o311.xml("discovery")
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


def test_services_are_the_published_categories_with_string_codes(o311: Open311) -> None:
    services = {s["service_code"]: s for s in o311.json("services")}
    assert {"101", "102", "201", "301", "401"} <= set(services)
    light = services["101"]
    assert light["service_name"] == "路灯"  # the category's own name
    assert light["group"] == "城乡建设"
    assert light["metadata"] is True and services["103"]["metadata"] is False
    assert light["type"] == "realtime"
    assert "路灯" in light["keywords"]
    english = {s["service_code"]: s for s in o311.json("services", lang="en")}
    assert english["101"]["service_name"] == "Street lights"
    root = o311.xml("services")
    assert [s.findtext("service_code") for s in root.findall("service")] == list(services)
    assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]


def test_a_service_definition_has_attributes_of_every_datatype(o311: Open311) -> None:
    doc = o311.json("services/101", lang="en")
    assert doc["service_code"] == "101"
    types = {a["datatype"] for a in doc["attributes"]}
    assert types == {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
    orders = [a["order"] for a in doc["attributes"]]
    assert orders == sorted(orders) and all(isinstance(o, int) for o in orders)
    problem = next(a for a in doc["attributes"] if a["code"] == "problem")
    assert problem["required"] is True and problem["variable"] is True
    assert {"key": "out", "name": "Out"} in problem["values"]
    notice = next(a for a in doc["attributes"] if a["code"] == "safety_notice")
    assert notice["variable"] is False
    root = o311.xml("services/101")
    assert root.tag == "service_definition"
    keys = [k.text for k in root.findall("attributes/attribute[code='problem']/values/value/key")]
    assert keys == ["out", "flickering", "daytime", "pole_damaged"]


# --- POST: an ordinary ticket ------------------------------------------------------------------


def test_a_posted_request_becomes_an_ordinary_ticket_on_channel_open311(o311: Open311, api: Api) -> None:
    created = o311.create(first_name="三", last_name="张", phone="13812345678", email="zhang@example.com")
    rid = created["service_request_id"]
    assert rid.isdigit() and created["token"] in created["service_notice"]
    ticket = api.get("operator1", f"/api/v1/tickets/{rid}")
    assert ticket["channel"] == "open311"
    assert ticket["status"] == "received"
    assert ticket["kind"] == "help"
    assert ticket["category_code"] == "urban.streetlight"
    assert ticket["citizen_name"] == "张三"
    assert ticket["citizen_phone"] == "13812345678"
    assert ticket["address"] == STREETLIGHT["address_string"]
    # the handler reads the answers to the service's questions in the ticket itself
    for words in ("路灯不亮已经三天", "HB-LW-0231", "不亮", "电线外露、灯杆倾斜", "2", "靠近公交站"):
        assert words in ticket["content"], (words, ticket["content"])
    # the citizen follows it on the platform's tracking page with the token
    assert api.get(None, f"/api/v1/track/{created['token']}")["status"] == "received"
    # and it goes through dispatch like any other ticket
    api.act("dispatcher", int(rid), "dispatch", {"lead_unit_id": api.p.unit_id("dept-urban")})
    assert o311.one(rid)["agency_responsible"] == "市城市管理局"


def test_reading_back_follows_the_ticket_through_the_workflow(o311: Open311, api: Api) -> None:
    rid = o311.create()["service_request_id"]
    doc = o311.one(rid, lang="en")
    assert doc["status"] == "open"
    assert doc["status_notes"] == "Your request has been received"
    assert doc["agency_responsible"] is None and "expected_datetime" not in doc
    assert doc["service_code"] == "101" and doc["service_name"] == "Street lights"
    assert doc["lat"] == pytest.approx(20.0452) and doc["long"] == pytest.approx(110.342)
    assert doc["address"] == STREETLIGHT["address_string"]
    assert OFFSET.search(doc["requested_datetime"]) and OFFSET.search(doc["updated_datetime"])

    tid = int(rid)
    api.act("dispatcher", tid, "dispatch", {"lead_unit_id": api.p.unit_id("dept-urban")})
    api.p.clock.advance(minutes=20)
    api.on("handler.urban", tid, 1, "acknowledge")
    doc = o311.one(rid, lang="en")
    assert doc["agency_responsible"] == "Haibin Municipal Urban Management Bureau"
    assert doc["status_notes"] == "Haibin Municipal Urban Management Bureau has taken it on"
    assert doc["updated_datetime"] > doc["requested_datetime"]

    # the current reply deadline is the expected datetime
    until = (api.p.clock.now + timedelta(days=10)).replace(microsecond=0)
    api.on("handler.urban", tid, 1, "extension", {"until": until.isoformat(), "reason": "等待配件"})
    api.on("dispatcher", tid, 1, "extension/decision", {"approve": True})
    doc = o311.one(rid)
    assert doc["expected_datetime"] == until.astimezone(ZONE).isoformat()
    assert doc["status_notes"] == "办理期限已延长"

    api.act("dispatcher", tid, "withdraw", {"reason": "诉求人来电撤回"})
    doc = o311.one(rid, lang="en")
    assert doc["status"] == "closed"
    assert doc["status_notes"] == "Withdrawn"
    assert "expected_datetime" not in doc  # nothing more is expected of a closed request


def test_no_personal_data_of_the_reporter_in_any_get(o311: Open311) -> None:
    personal = {
        "first_name": "Wenjun",
        "last_name": "Qiu-Private",
        "email": "wenjun.qiu@example.org",
        "phone": "+8613912345678",
        "device_id": "device-7f3a9c",
        "account_id": "acct-889900",
    }
    created = o311.create(**personal, description="请回电 13912345678 或发邮件 wenjun.qiu@example.org")
    rid, token = created["service_request_id"], created["token"]
    assert created["account_id"] == "acct-889900"  # echoed to the poster, as the spec says
    answers = [
        o311.get("requests", fmt, service_request_id=rid, extensions="true").text for fmt in ("json", "xml")
    ]
    answers += [o311.get(f"requests/{rid}", fmt, extensions="true").text for fmt in ("json", "xml")]
    answers += [o311.get("requests", fmt).text for fmt in ("json", "xml")]
    answers += [o311.get(f"tokens/{token}", fmt).text for fmt in ("json", "xml")]
    for text in answers:
        for value in [*personal.values(), "13912345678"]:
            assert value not in text, (value, text[:300])
    assert o311.one(rid)["description"] == "请回电 139****5678 或发邮件 w***@***"


def test_a_phone_ticket_of_a_published_category_shows_no_words_or_place(o311: Open311, api: Api) -> None:
    t = api.intake(
        category_code="urban.streetlight",
        content="我住在中山路 18 号 302 室，楼下路灯坏了",
        address="中山路 18 号 302 室",
        latitude=20.0452,
        longitude=110.342,
    )
    doc = o311.one(str(t["id"]))
    assert doc["service_code"] == "101" and doc["status"] == "open"
    assert doc["description"] is None and doc["address"] is None
    assert doc["lat"] is None and doc["long"] is None and doc["media_url"] is None
    # a ticket of no published service is not an Open311 request at all
    other = api.intake(category_code="labour.wages", content="工资拖欠三个月")
    o311.get(f"requests/{other['id']}", expect=404)
    # and a phone ticket's tracking code is no Open311 token
    o311.get(f"tokens/{t['tracking_code']}", expect=404)


def test_tokens_give_the_service_request_id(o311: Open311) -> None:
    created = o311.create()
    token = created["token"]
    assert o311.json(f"tokens/{token}") == [
        {"service_request_id": created["service_request_id"], "token": token}
    ]
    spaced = f"{token[:5].lower()}-{token[5:]}"  # read out over the phone, typed by hand
    root = o311.xml(f"tokens/{spaced}")
    assert root.findtext("request/service_request_id") == created["service_request_id"]


def test_post_reads_parameters_from_the_query_string_and_the_form(o311: Open311) -> None:
    form = {k: v for k, v in STREETLIGHT.items() if k != "service_code"}
    r = o311.post(query={"api_key": DEMO_KEY, "service_code": "101"}, **form)
    assert r.json()[0]["service_request_id"].isdigit()


def test_a_retry_with_the_same_idempotency_key_gets_the_same_request(o311: Open311) -> None:
    form = {**STREETLIGHT, "api_key": DEMO_KEY}
    first = o311.post(headers={"Idempotency-Key": "app-42-retry"}, **form).json()[0]
    again = o311.post(headers={"Idempotency-Key": "app-42-retry"}, **form).json()[0]
    assert first["service_request_id"] == again["service_request_id"]


def test_xml_post_and_read_back(o311: Open311) -> None:
    root = ET.fromstring(o311.post("xml", **{**STREETLIGHT, "api_key": DEMO_KEY}).content)
    assert root.tag == "service_requests"
    rid = root.findtext("request/service_request_id")
    assert rid and rid.isdigit()
    back = o311.xml(f"requests/{rid}", extensions="true")
    assert back.findtext("request/status") == "open"
    assert back.findtext("request/lat") == "20.0452"
    hazards = back.findall("request/extended_attributes/attributes/attribute[code='hazards']/value")
    assert [h.text for h in hazards] == ["wires", "leaning"]


# --- GET requests: filters, window, paging, extensions ---------------------------------------------


def test_service_request_id_overrides_every_other_filter(o311: Open311) -> None:
    a = o311.create()["service_request_id"]
    b = o311.create(service_code="102", **{"attribute[size]": "large"})["service_request_id"]
    docs = o311.json(
        "requests",
        service_request_id=f"{a},{b},999999999",
        service_code="301",
        status="closed",
        start_date="2001-01-01T00:00:00Z",
        end_date="2001-01-02T00:00:00Z",
    )
    assert {d["service_request_id"] for d in docs} == {a, b}


def test_filters_by_service_code_and_status(o311: Open311, api: Api) -> None:
    noise = o311.create(service_code="301", **{"attribute[source]": "dancing"})["service_request_id"]
    closed = o311.create(service_code="301", **{"attribute[source]": "shop"})["service_request_id"]
    api.act("dispatcher", int(closed), "withdraw", {"reason": "重复反映"})
    docs = o311.json("requests", service_code="301")
    assert {noise, closed} <= {d["service_request_id"] for d in docs}
    assert {d["service_code"] for d in docs} == {"301"}
    open_ids = {d["service_request_id"] for d in o311.json("requests", service_code="301", status="open")}
    assert noise in open_ids and closed not in open_ids
    closed_ids = {d["service_request_id"] for d in o311.json("requests", service_code="301", status="closed")}
    assert closed in closed_ids and noise not in closed_ids
    both = {
        d["service_request_id"] for d in o311.json("requests", service_code="301,101", status="open,closed")
    }
    assert {noise, closed} <= both


def test_default_window_is_the_last_90_days(o311: Open311, platform: Platform, restore_clock: None) -> None:
    old = o311.create(service_code="105")["service_request_id"]
    requested = o311.one(old)["requested_datetime"]
    platform.clock.advance(days=91)
    new = o311.create(service_code="105")["service_request_id"]
    recent = {d["service_request_id"] for d in o311.json("requests", service_code="105")}
    assert new in recent and old not in recent
    # asked for explicitly, the old one is there (and the window follows start_date)
    found = {d["service_request_id"] for d in o311.json("requests", service_code="105", start_date=requested)}
    assert old in found and new not in found
    by_end = {d["service_request_id"] for d in o311.json("requests", service_code="105", end_date=requested)}
    assert old in by_end
    # old one still readable by id: the window never hides a request asked for by name
    assert o311.one(old)["service_request_id"] == old


def test_date_range_and_updated_filters(
    o311: Open311, api: Api, platform: Platform, restore_clock: None
) -> None:
    first = o311.create(service_code="104")["service_request_id"]
    platform.clock.advance(hours=1)
    middle = platform.clock.now
    second = o311.create(service_code="104")["service_request_id"]
    platform.clock.advance(hours=1)
    api.act("dispatcher", int(first), "dispatch", {"lead_unit_id": api.p.unit_id("dept-water")})
    after = platform.clock.now

    def ids(**params: str) -> set[str]:
        return {d["service_request_id"] for d in o311.json("requests", service_code="104", **params)}

    # '+' left unencoded in a URL arrives as a space: still read as the offset
    assert second in ids(start_date=middle.isoformat()) and first not in ids(start_date=middle.isoformat())
    before = (middle - timedelta(seconds=1)).isoformat()  # start and end are both inclusive
    assert first in ids(end_date=before) and second not in ids(end_date=before)
    assert ids(updated_after=(after - timedelta(minutes=1)).isoformat()) >= {first}
    assert second not in ids(updated_after=(after - timedelta(minutes=1)).isoformat())
    assert second in ids(updated_before=(after - timedelta(minutes=1)).isoformat())
    local = middle.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S %z")
    spaced = local[:-2] + ":" + local[-2:]  # 2026-11-20T10:30:00 08:00
    assert second in ids(start_date=spaced.replace("+", " "))


def test_paging_and_an_empty_page(o311: Open311) -> None:
    made = [o311.create(service_code="106")["service_request_id"] for _ in range(3)]
    pages = [o311.json("requests", service_code="106", page_size="2", page=str(n)) for n in (1, 2)]
    assert len(pages[0]) == 2
    seen = [d["service_request_id"] for page in pages for d in page]
    assert set(made) <= set(seen) and len(seen) == len(set(seen))
    assert seen == sorted(seen, key=int, reverse=True)  # newest first
    # an empty result is 200 with an empty list, in both formats
    assert o311.json("requests", service_code="106", page="99", page_size="100") == []
    root = o311.xml("requests", service_code="no-such-service")
    assert root.tag == "service_requests" and len(root) == 0


def test_extensions_give_attributes_and_the_public_history(o311: Open311, api: Api) -> None:
    rid = o311.create()["service_request_id"]
    api.act("dispatcher", int(rid), "dispatch", {"lead_unit_id": api.p.unit_id("dept-urban")})
    doc = o311.one(rid, extensions="true", lang="en")
    ext = doc["extended_attributes"]
    values = {a["code"]: a["value"] for a in ext["attributes"]}
    assert values["lamps_out"] == 2 and isinstance(values["lamps_out"], int)
    assert values["hazards"] == ["wires", "leaning"]
    assert values["noticed_at"] == "2026-11-18T19:30:00+08:00"
    assert ext["detailed_status"] == "dispatched"
    assert [n["description"] for n in ext["notes"]] == [
        "Your request has been received",
        "Sent to Haibin Municipal Urban Management Bureau for handling",
    ]
    assert "extended_attributes" not in o311.one(rid)


def test_an_empty_parameter_is_treated_as_absent(o311: Open311) -> None:
    rid = o311.create(service_code="303")["service_request_id"]
    docs = o311.json(
        "requests", service_code="", status="", start_date="", jurisdiction_id="", service_request_id=""
    )
    assert rid in {d["service_request_id"] for d in docs}
    # an empty location is no location
    r = o311.post(expect=400, api_key=DEMO_KEY, service_code="303", lat="", long="", address_string="")
    assert "location" in r.text.lower() or "位置" in r.text


def test_the_demo_jurisdiction_is_accepted(o311: Open311) -> None:
    assert o311.json("services", jurisdiction_id="demo.hotline")
    created = o311.create(jurisdiction_id="demo.hotline")
    assert o311.one(created["service_request_id"], jurisdiction_id="demo.hotline")


# --- media -----------------------------------------------------------------------------------------


def test_a_photo_uploaded_as_media_is_served_back(o311: Open311, platform: Platform, tmp_path: Path) -> None:
    form = {**STREETLIGHT, "api_key": DEMO_KEY}
    rid = o311.post(files={"media": ("light.png", PNG, "image/png")}, **form).json()[0]["service_request_id"]
    url = o311.one(rid)["media_url"]
    assert url.startswith("http://testserver/open311/v2/media/") and url.endswith(".png")
    r = platform.client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(r.content)) as kept:  # re-encoded, same picture (transparency kept)
        assert kept.size == (1, 1) and kept.mode == "RGBA"
    # kept in the platform's data directory, and named in the ticket for the handler
    assert any(p.name == url.rsplit("/", 1)[1] for p in platform_media_dir(platform).iterdir())
    ticket = Api(platform).get("operator1", f"/api/v1/tickets/{rid}")
    assert url in ticket["content"]


def test_a_posted_photo_is_published_without_its_gps_position_or_camera(
    o311: Open311, platform: Platform
) -> None:
    """GeoReport publishes media_url to anyone: the file served is re-encoded, no EXIF at all."""
    original = photo((2400, 1800))
    assert exif_of(original)[1], "the test photo carries a GPS position"
    form = {**STREETLIGHT, "api_key": DEMO_KEY}
    rid = o311.post(files={"media": ("p.jpg", original, "image/jpeg")}, **form).json()[0][
        "service_request_id"
    ]
    url = o311.one(rid)["media_url"]
    served = platform.client.get(url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert exif_of(served.content) == ({}, {}), "no GPS, camera or any other tag"
    with Image.open(io.BytesIO(served.content)) as kept:
        assert max(kept.size) == 1600  # shrunk like the portal's photos
    on_disk = platform_media_dir(platform) / url.rsplit("/", 1)[1]
    assert b"PhoneMaker" not in on_disk.read_bytes() and exif_of(on_disk.read_bytes())[1] == {}
    # a retried upload stores one file (the kept copy's name comes from its content)
    again = o311.post(files={"media": ("p.jpg", original, "image/jpeg")}, **form).json()[0]
    assert o311.one(again["service_request_id"])["media_url"] == url


def test_a_gif_is_still_accepted_and_kept_without_its_metadata(o311: Open311, platform: Platform) -> None:
    buffer = io.BytesIO()
    Image.new("P", (40, 30), 3).save(buffer, "GIF", comment=b"taken at home, 20.05N 110.34E")
    form = {**STREETLIGHT, "api_key": DEMO_KEY}
    rid = o311.post(files={"media": ("a.gif", buffer.getvalue(), "image/gif")}, **form).json()[0][
        "service_request_id"
    ]
    served = platform.client.get(o311.one(rid)["media_url"])
    assert served.status_code == 200 and served.headers["content-type"] in ("image/jpeg", "image/png")
    assert b"taken at home" not in served.content


def platform_media_dir(platform: Platform) -> Path:
    settings = platform.client.app.state.settings  # type: ignore[attr-defined]
    return Path(settings.data_dir) / "media" / "open311"


def test_a_media_url_given_by_the_client_is_shown_back(o311: Open311) -> None:
    rid = o311.create(media_url="https://photos.example.org/p/123.jpg")["service_request_id"]
    assert o311.one(rid)["media_url"] == "https://photos.example.org/p/123.jpg"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_media_that_is_too_large_or_not_an_image_is_refused(o311: Open311, fmt: str) -> None:
    form = {**STREETLIGHT, "api_key": DEMO_KEY}
    big = PNG + b"\0" * 1_000_001
    r = o311.post(fmt, expect=413, files={"media": ("big.png", big, "image/png")}, **form)
    assert "1000000" in r.text
    r = o311.post(fmt, expect=400, files={"media": ("x.png", b"#!/bin/sh\necho hi\n", "image/png")}, **form)
    assert "JPEG" in r.text
    truncated = photo((400, 300))[:-600]  # a JPEG cut short: its header is fine, its pixels are not
    r = o311.post(fmt, expect=400, files={"media": ("x.jpg", truncated, "image/jpeg")}, **form)
    assert "damaged" in r.text or "损坏" in r.text
    o311.get("media/0000000000000000000000000000000000000000", "png", expect=404)


# --- administration -------------------------------------------------------------------------------


def test_only_an_administrator_manages_services_and_keys(api: Api) -> None:
    for user in ("operator1", "dispatcher", "handler.urban"):
        api.get(user, "/api/v1/open311/services", expect=403)
        api.post(user, "/api/v1/open311/keys", {"name": "x"}, expect=403)
    api.get(None, "/api/v1/open311/keys", expect=401)


def test_an_administrator_publishes_unpublishes_and_edits_services(o311: Open311, api: Api) -> None:
    created = api.post(
        "admin",
        "/api/v1/open311/services",
        {
            "code": "107",
            "category_code": "urban.construction_site",
            "kind": "complaint",
            "group": "城乡建设",
            "keywords": ["工地", "扬尘"],
            "description": "工地扬尘、夜间施工。",
            "attributes": [
                {
                    "code": "night",
                    "datatype": "singlevaluelist",
                    "required": True,
                    "order": 1,
                    "description": "是否夜间施工",
                    "values": [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}],
                }
            ],
        },
        expect=201,
    )
    assert created["category_name"] == "建筑工地管理" and created["published"] is True
    assert "107" in {s["service_code"] for s in o311.json("services")}
    assert o311.json("services/107")["attributes"][0]["values"][0] == {"key": "yes", "name": "是"}
    api.post("admin", "/api/v1/open311/services", {"code": "107", "category_code": "urban.road"}, expect=409)
    api.post("admin", "/api/v1/open311/services", {"code": "108", "category_code": "nope"}, expect=422)

    # replace its attributes, then its keywords
    api.call(
        "PUT",
        "admin",
        "/api/v1/open311/services/107/attributes",
        [{"code": "hours", "datatype": "number", "required": True, "order": 1, "description": "几点施工"}],
    )
    (attr,) = o311.json("services/107")["attributes"]
    assert attr["code"] == "hours" and "values" not in attr
    o311.post(expect=400, api_key=DEMO_KEY, service_code="107", address_id="A-1")  # hours is required
    api.call("PATCH", "admin", "/api/v1/open311/services/107", {"keywords": ["噪音"]})
    assert next(s for s in o311.json("services") if s["service_code"] == "107")["keywords"] == "噪音"

    # unpublished: gone from the list, its definition and POST are 404 — its requests stay readable
    rid = o311.create(service_code="107", **{"attribute[hours]": "23"})["service_request_id"]
    api.call("PATCH", "admin", "/api/v1/open311/services/107", {"published": False})
    assert "107" not in {s["service_code"] for s in o311.json("services")}
    o311.get("services/107", expect=404)
    o311.post(expect=404, api_key=DEMO_KEY, service_code="107", address_id="A-1")
    assert o311.one(rid)["service_code"] == "107"
    listed = {s["code"]: s for s in api.get("admin", "/api/v1/open311/services")}
    assert listed["107"]["published"] is False
    api.call("PATCH", "admin", "/api/v1/open311/services/107", {"published": True})
    assert "107" in {s["service_code"] for s in o311.json("services")}


def test_bad_attribute_definitions_are_refused(api: Api) -> None:
    base = {"code": "109", "category_code": "urban.road"}
    for attributes in (
        [{"code": "a", "datatype": "singlevaluelist", "order": 1, "description": "x"}],  # no values
        [
            {
                "code": "a",
                "datatype": "string",
                "order": 1,
                "description": "x",
                "values": [{"key": "k", "name": "n"}],
            }
        ],
        [{"code": "a", "datatype": "colour", "order": 1, "description": "x"}],
        [{"code": "a", "datatype": "string", "order": 1, "description": "x"}] * 2,
    ):
        api.post("admin", "/api/v1/open311/services", {**base, "attributes": attributes}, expect=422)


def test_keys_are_issued_shown_once_and_revoked(o311: Open311, api: Api) -> None:
    issued = api.post(
        "admin", "/api/v1/open311/keys", {"name": "海滨随手拍 App", "contact": "dev@example.org"}, expect=201
    )
    key = issued["key"]
    assert issued["active"] is True and len(key) >= 30
    listed = api.get("admin", "/api/v1/open311/keys")
    assert all("key" not in k for k in listed)
    assert key not in str(listed)
    assert "海滨随手拍 App" in {k["name"] for k in listed}
    o311.create(key=key)
    revoked = api.post("admin", f"/api/v1/open311/keys/{issued['id']}/revoke", expect=200)
    assert revoked["active"] is False and revoked["revoked_at"]
    o311.post(expect=403, **{**STREETLIGHT, "api_key": key})
    api.post("admin", "/api/v1/open311/keys/999999/revoke", expect=404)
    # GET needs no key at all
    assert o311.json("services")


# --- nearby: the extension lat / long / radius ----------------------------------------------------

NEAR = (20.3000, 110.5000)  # far from the other tests' requests


def _north(metres: float) -> float:
    return NEAR[0] + metres / 111_195


def _east(metres: float) -> float:
    return NEAR[1] + metres / (111_195 * math.cos(math.radians(NEAR[0])))


def test_requests_near_a_point_are_the_open311_ones_within_the_radius(o311: Open311, api: Api) -> None:
    here = o311.create(lat=str(NEAR[0]), long=str(NEAR[1]))["service_request_id"]
    north = o311.create(lat=f"{_north(300):.7f}", long=str(NEAR[1]))["service_request_id"]
    east = o311.create(lat=str(NEAR[0]), long=f"{_east(800):.7f}")["service_request_id"]
    # a phone ticket of the same published service at the very point: its place is never
    # published, so no radius finds it (a moving centre would tell where the caller lives)
    call = api.intake(
        category_code="urban.streetlight", content="路灯坏了", latitude=NEAR[0], longitude=NEAR[1]
    )

    def ids(fmt: str = "json", **params: str) -> list[str]:
        point = {"lat": str(NEAR[0]), "long": str(NEAR[1]), **params}
        if fmt == "xml":
            return [r.findtext("service_request_id") or "" for r in o311.xml("requests", **point)]
        return [d["service_request_id"] for d in o311.json("requests", **point)]

    assert ids(radius="500") == [north, here]  # newest first
    assert ids() == [north, here]  # 500 m unless told
    assert ids(radius="1000") == [east, north, here]
    assert ids("xml", radius="1000") == [east, north, here]
    assert ids(radius="299") == [here]
    assert ids(radius="1000", service_code="102") == []
    assert str(call["id"]) not in ids(radius="5000")
    # the phone ticket is still in the feed, without a place
    assert o311.one(str(call["id"]))["lat"] is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"lat": "20.3"}, "lat and long must be given together"),
        ({"long": "110.5", "radius": "100"}, "lat and long must be given together"),
        ({"lat": "north", "long": "110.5"}, "lat is not a number"),
        ({"lat": "20.3", "long": "nan"}, "long must be between -180 and 180"),
        ({"lat": "91", "long": "110.5"}, "lat must be between -90 and 90"),
        ({"lat": "20.3", "long": "110.5", "radius": "0"}, "radius must be a whole number from 1 to 5000"),
        ({"lat": "20.3", "long": "110.5", "radius": "5001"}, "radius must be a whole number from 1 to 5000"),
        ({"lat": "20.3", "long": "110.5", "radius": "1e3"}, "radius must be a whole number from 1 to 5000"),
        ({"radius": "500"}, "radius needs lat and long"),
    ],
)
def test_a_bad_point_or_radius_is_refused_naming_it(
    o311: Open311, fmt: str, params: dict[str, str], says: str
) -> None:
    r = o311.get("requests", fmt, expect=400, lang="en", **params)
    assert says in r.text
