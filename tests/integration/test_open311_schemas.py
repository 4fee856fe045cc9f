"""Every JSON document the Open311 endpoint serves validates against the spec's schemas.

The schemas (tests/contract/georeport_schemas.py) want ids and codes as strings, booleans as real
booleans, lat/long as numbers and every datetime with its zone offset.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import Platform
from tests.contract import georeport_schemas as schemas
from tests.integration.api import Api
from tests.integration.open311_api import Open311

LANGS = ["zh", "en"]


@pytest.fixture
def o311(platform: Platform) -> Open311:
    return Open311(platform)


def _datetimes(doc: Any) -> list[str]:
    if isinstance(doc, dict):
        return [v for k, v in doc.items() if k.endswith(("datetime", "changeset")) and isinstance(v, str)] + [
            d for v in doc.values() for d in _datetimes(v)
        ]
    if isinstance(doc, list):
        return [d for v in doc for d in _datetimes(v)]
    return []


def _in_demo_zone(doc: Any) -> None:
    found = _datetimes(doc)
    assert all(re.search(r"\+08:00$", d) for d in found), found


@pytest.mark.parametrize("lang", LANGS)
def test_discovery_services_and_every_definition(o311: Open311, lang: str) -> None:
    discovery = o311.json("discovery", lang=lang)
    schemas.check(schemas.DISCOVERY, discovery)
    _in_demo_zone(discovery)
    services = o311.json("services", lang=lang)
    schemas.check(schemas.SERVICES, services)
    assert services
    for service in services:
        schemas.check(schemas.SERVICE_DEFINITION, o311.json(f"services/{service['service_code']}", lang=lang))


@pytest.mark.parametrize("lang", LANGS)
def test_posted_read_and_token_documents(o311: Open311, platform: Platform, lang: str) -> None:
    api = Api(platform)
    created = o311.post(**_form(lang)).json()
    schemas.check(schemas.CREATED, created)
    rid, token = created[0]["service_request_id"], created[0]["token"]
    schemas.check(schemas.TOKEN, o311.json(f"tokens/{token}", lang=lang))

    # through the workflow: dispatched, with a reply deadline, then closed
    tid = int(rid)
    api.act("dispatcher", tid, "dispatch", {"lead_unit_id": platform.unit_id("dept-urban")})
    api.on("handler.urban", tid, 1, "acknowledge")
    until = (platform.clock.now + timedelta(days=10)).replace(microsecond=0).isoformat()
    api.on("handler.urban", tid, 1, "extension", {"until": until, "reason": "等待配件"})
    api.on("dispatcher", tid, 1, "extension/decision", {"approve": True})
    for params in ({}, {"extensions": "true"}):
        doc = o311.json(f"requests/{rid}", lang=lang, **params)
        schemas.check(schemas.REQUESTS, doc)
        assert "expected_datetime" in doc[0]
        _in_demo_zone(doc)
    api.act("dispatcher", tid, "withdraw", {"reason": "诉求人撤回"})
    closed = o311.json(f"requests/{rid}", extensions="true", lang=lang)
    schemas.check(schemas.REQUESTS, closed)
    assert closed[0]["status"] == "closed"


def test_request_lists_of_every_kind_validate(o311: Open311, platform: Platform) -> None:
    # a phone ticket of a published service: its nulls must be valid too
    Api(platform).intake(category_code="transport.parking", content="小区门口长期有车乱停")
    o311.post(**_form("zh"))
    for params in (
        {},
        {"extensions": "true"},
        {"status": "open", "service_code": "101,201"},
        {"page": "1", "page_size": "5", "lang": "en"},
        {"service_code": "no-such-code"},  # the empty list
    ):
        docs = o311.json("requests", **params)
        schemas.check(schemas.REQUESTS, docs)
        _in_demo_zone(docs)
    assert o311.json("requests", service_code="no-such-code") == []


def test_the_schemas_are_not_toothless() -> None:
    """The checks above would catch the usual mistakes: numbers as ids, strings as booleans."""
    good = {
        "service_request_id": "1",
        "status": "open",
        "service_code": "101",
        "requested_datetime": "2026-11-20T09:30:00+08:00",
        "lat": 20.1,
    }
    schemas.check(schemas.REQUESTS, [good])
    for bad in (
        {**good, "service_request_id": 1},
        {**good, "service_code": 101},
        {**good, "lat": "20.1"},
        {**good, "requested_datetime": "2026-11-20T09:30:00"},
        {**good, "status": "received"},
    ):
        with pytest.raises(AssertionError):
            schemas.check(schemas.REQUESTS, [bad])
    service = {"service_code": "1", "service_name": "x", "metadata": "true", "type": "realtime"}
    with pytest.raises(AssertionError):
        schemas.check(schemas.SERVICES, [service])
    with pytest.raises(AssertionError):
        schemas.check(schemas.ERRORS, [{"code": "400", "description": "x"}])


def _form(lang: str) -> dict[str, Any]:
    from tests.integration.open311_api import DEMO_KEY, STREETLIGHT

    return {**STREETLIGHT, "api_key": DEMO_KEY, "lang": lang}
