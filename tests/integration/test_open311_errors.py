"""Every refusal GeoReport v2 names, in the format asked for, with the spec's HTTP status.

Errors are `[{code, description}]` in JSON and `<errors><error>…` in XML; the code is the HTTP
status as a number. Descriptions are asked for in English here (`lang=en`).
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import httpx2
import pytest

from tests.conftest import Platform
from tests.contract.georeport_schemas import ERRORS, check
from tests.integration.open311_api import BASE, DEMO_KEY, STREETLIGHT, check_format

FORMATS = ["json", "xml"]


def descriptions(r: httpx2.Response, fmt: str, status: int) -> list[str]:
    """The error descriptions of an answer, after checking its status, format and shape."""
    assert r.status_code == status, r.text
    check_format(r, fmt)
    if fmt == "json":
        doc = r.json()
        check(ERRORS, doc)
        assert {e["code"] for e in doc} == {status}
        return [e["description"] for e in doc]
    root = ET.fromstring(r.content)
    assert root.tag == "errors"
    assert {e.findtext("code") for e in root.findall("error")} == {str(status)}
    return [e.findtext("description") or "" for e in root.findall("error")]


GET_CASES = [
    ("services/999", {}, 404, "Unknown service_code: 999"),
    ("requests/999999999", {}, 404, "No such service request: 999999999"),
    ("requests/abc", {}, 404, "No such service request: abc"),
    ("tokens/NOSUCHCODE", {}, 404, "No such token: NOSUCHCODE"),
    ("services", {"jurisdiction_id": "other.city"}, 404, "Unknown jurisdiction_id: other.city"),
    ("requests", {"jurisdiction_id": "other.city"}, 404, "Unknown jurisdiction_id"),
    ("services/101", {"jurisdiction_id": "other.city"}, 404, "Unknown jurisdiction_id"),
    ("requests", {"start_date": "yesterday"}, 400, "start_date must be a W3C date and time"),
    ("requests", {"updated_after": "2026-13-45"}, 400, "updated_after must be a W3C"),
    (
        "requests",
        {"start_date": "2026-11-10T00:00:00+08:00", "end_date": "2026-11-01T00:00:00+08:00"},
        400,
        "start_date is after end_date",
    ),
    (
        "requests",
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        400,
        "may not span more than 90 days",
    ),
    ("requests", {"status": "pending"}, 400, "status must be open or closed: pending"),
    ("requests", {"page_size": "0"}, 400, "page_size must be a whole number from 1 to 1000"),
    ("requests", {"page_size": "5000"}, 400, "page_size must be a whole number"),
    ("requests", {"page": "first"}, 400, "page must be a whole number"),
    ("frobnicate", {}, 404, "No such Open311 resource"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("path", "params", "status", "words"), GET_CASES)
def test_get_refusals(
    platform: Platform, fmt: str, path: str, params: dict[str, str], status: int, words: str
) -> None:
    r = platform.client.get(f"{BASE}/{path}.{fmt}", params={**params, "lang": "en"})
    assert any(words in d for d in descriptions(r, fmt, status)), r.text


def test_an_unknown_format_is_404_in_xml(platform: Platform) -> None:
    r = platform.client.get(f"{BASE}/services.csv", params={"lang": "en"})
    assert descriptions(r, "xml", 404) == ["The format must be xml or json"]


def _without(*names: str) -> dict[str, Any]:
    return {k: v for k, v in STREETLIGHT.items() if k not in names}


POST_CASES: list[tuple[str, dict[str, Any], int, str]] = [
    ("no key", _without(), 403, "api_key is missing, not valid or revoked"),
    ("wrong key", {**STREETLIGHT, "api_key": "HOTLINE-DEMO-KEY-2"}, 403, "api_key is missing"),
    (
        "other jurisdiction",
        {**STREETLIGHT, "api_key": DEMO_KEY, "jurisdiction_id": "x.gov"},
        404,
        "jurisdiction",
    ),
    ("no service code", {**_without("service_code"), "api_key": DEMO_KEY}, 400, "service_code is required"),
    (
        "unknown service",
        {**STREETLIGHT, "api_key": DEMO_KEY, "service_code": "9"},
        404,
        "Unknown service_code: 9",
    ),
    (
        "no location",
        {**_without("lat", "long", "address_string"), "api_key": DEMO_KEY},
        400,
        "A location is required",
    ),
    (
        "lat without long",
        {**_without("long", "address_string"), "api_key": DEMO_KEY},
        400,
        "lat and long must be given together",
    ),
    (
        "lat too big",
        {**STREETLIGHT, "api_key": DEMO_KEY, "lat": "90.5"},
        400,
        "lat must be between -90 and 90",
    ),
    ("lat too small", {**STREETLIGHT, "api_key": DEMO_KEY, "lat": "-91"}, 400, "lat must be between"),
    (
        "long too big",
        {**STREETLIGHT, "api_key": DEMO_KEY, "long": "180.01"},
        400,
        "long must be between -180",
    ),
    ("long too small", {**STREETLIGHT, "api_key": DEMO_KEY, "long": "-200"}, 400, "long must be between"),
    (
        "lat not a number",
        {**STREETLIGHT, "api_key": DEMO_KEY, "lat": "north"},
        400,
        "lat is not a number: north",
    ),
    (
        "description too long",
        {**STREETLIGHT, "api_key": DEMO_KEY, "description": "灯" * 4001},
        400,
        "description may have at most 4000 characters (got 4001)",
    ),
    (
        "required attribute missing",
        {**_without("attribute[pole_number]"), "api_key": DEMO_KEY},
        400,
        "Required attribute missing: pole_number",
    ),
    (
        "value not in the list",
        {**STREETLIGHT, "api_key": DEMO_KEY, "attribute[problem]": "exploded"},
        400,
        "Attribute problem: the value is not in its list: exploded",
    ),
    (
        "a multivaluelist value not in the list",
        {**STREETLIGHT, "api_key": DEMO_KEY, "attribute[hazards][]": ["wires", "fire"]},
        400,
        "Attribute hazards: the value is not in its list: fire",
    ),
    (
        "two values for a singlevaluelist",
        {**STREETLIGHT, "api_key": DEMO_KEY, "attribute[problem]": ["out", "flickering"]},
        400,
        "Attribute problem takes a single value",
    ),
    (
        "a number that is not",
        {**STREETLIGHT, "api_key": DEMO_KEY, "attribute[lamps_out]": "two"},
        400,
        "Attribute lamps_out must be a number: two",
    ),
    (
        "a datetime that is not",
        {**STREETLIGHT, "api_key": DEMO_KEY, "attribute[noticed_at]": "last night"},
        400,
        "Attribute noticed_at must be a date and time",
    ),
    (
        "markup in the description",
        {**STREETLIGHT, "api_key": DEMO_KEY, "description": "<script>alert(1)</script>"},
        400,
        "description is not valid: HTML",
    ),
    (
        "an address too long for the platform",
        {**STREETLIGHT, "api_key": DEMO_KEY, "address_string": "路" * 201},
        400,
        "address_string is not valid",
    ),
    (
        "a media_url that is no web address",
        {**STREETLIGHT, "api_key": DEMO_KEY, "media_url": "file:///etc/passwd"},
        400,
        "media_url must be an http(s) URL",
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("form", "status", "words"), [c[1:] for c in POST_CASES], ids=[c[0] for c in POST_CASES]
)
def test_post_refusals(platform: Platform, fmt: str, form: dict[str, Any], status: int, words: str) -> None:
    before = _ticket_count(platform)
    r = platform.client.post(f"{BASE}/requests.{fmt}", data=form, params={"lang": "en"})
    assert any(words in d for d in descriptions(r, fmt, status)), r.text
    assert _ticket_count(platform) == before  # nothing was created


def test_every_problem_of_a_post_is_listed_at_once(platform: Platform) -> None:
    form = {
        "api_key": DEMO_KEY,
        "service_code": "101",
        "lat": "95",
        "long": "-190",
        "description": "x" * 4001,
        "attribute[problem]": "gone",
    }
    r = platform.client.post(f"{BASE}/requests.json", data=form, params={"lang": "en"})
    found = " | ".join(descriptions(r, "json", 400))
    for words in ("lat must be", "long must be", "at most 4000", "pole_number", "not in its list: gone"):
        assert words in found, found


def test_a_description_of_exactly_4000_characters_is_accepted(platform: Platform) -> None:
    form = {**STREETLIGHT, "api_key": DEMO_KEY, "description": "灯" * 4000}
    r = platform.client.post(f"{BASE}/requests.json", data=form)
    assert r.status_code == 200, r.text


def test_errors_are_in_chinese_unless_english_is_asked_for(platform: Platform) -> None:
    r = platform.client.get(f"{BASE}/services/999.json")
    assert descriptions(r, "json", 404) == ["未知的服务代码：999"]
    r = platform.client.get(f"{BASE}/services/999.json", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert descriptions(r, "json", 404) == ["Unknown service_code: 999"]


def _ticket_count(platform: Platform) -> int:
    from sqlalchemy import func, select

    from hotline.tickets.models import TicketRow

    with platform.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(TicketRow)) or 0)
