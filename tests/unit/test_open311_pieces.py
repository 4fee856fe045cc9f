"""The Open311 pieces that need no database: XML/JSON rendering, parameters, masking, demo data."""

from __future__ import annotations

import json
from datetime import datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from hotline.directory.service import demo_city
from hotline.open311 import render
from hotline.open311.queries import mask_contacts
from hotline.open311.schemas import AttributeSpec, ServiceIn
from hotline.open311.service import Params, demo_services, parse_datetime

ZONE = ZoneInfo("Asia/Shanghai")


def test_xml_wraps_lists_in_the_specs_element_names() -> None:
    doc = {
        "service_code": "101",
        "attributes": [
            {"code": "a", "required": True, "order": 1, "values": [{"key": "k", "name": "名"}]},
            {"code": "b", "required": False, "datatype_description": None},
        ],
    }
    text = render.to_xml("service_definition", doc)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<service_definition>')
    root = ET.fromstring(text.encode("utf-8"))
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == ["a", "b"]
    assert root.findtext("attributes/attribute/required") == "true"
    assert root.findtext("attributes/attribute/values/value/name") == "名"
    empty = root.find("attributes/attribute[code='b']/datatype_description")
    assert empty is not None and empty.text is None


def test_a_list_under_an_ordinary_name_repeats_the_element() -> None:
    root = ET.fromstring(render.to_xml("request", {"value": ["wires", "leaning"]}).encode())
    assert [v.text for v in root.findall("value")] == ["wires", "leaning"]


def test_json_keeps_types_and_writes_utf8_as_is() -> None:
    text = render.to_json([{"code": 400, "ok": False, "lat": 20.5, "name": "路灯"}])
    assert text == '[{"code":400,"ok":false,"lat":20.5,"name":"路灯"}]'


def test_error_documents_in_both_formats() -> None:
    r = render.errors("json", 403, ["Invalid api_key"])
    assert r.status_code == 403 and json.loads(r.body) == [{"code": 403, "description": "Invalid api_key"}]
    r = render.errors("xml", 400, ["a", "b"])
    root = ET.fromstring(r.body)
    assert [e.findtext("code") for e in root.findall("error")] == ["400", "400"]
    assert r.media_type == "text/xml; charset=utf-8"


def test_params_drop_empty_values_and_read_attributes() -> None:
    p = Params(
        [
            ("service_code", "101"),
            ("lat", ""),
            ("long", "   "),
            ("attribute[problem]", "out"),
            ("attribute[hazards][]", "wires"),
            ("attribute[hazards][]", "leaning"),
            ("attribute[empty]", ""),
            ("attribute[]", "x"),
            ("attribute[bad]x", "y"),
        ]
    )
    assert p.get("service_code") == "101"
    assert p.get("lat") is None and p.get("long") is None
    assert p.attributes() == {"problem": ["out"], "hazards": ["wires", "leaning"]}


def test_w3c_datetimes_with_a_lost_plus_sign_or_no_zone() -> None:
    expected = datetime(2026, 11, 20, 9, 30, tzinfo=ZONE)
    assert parse_datetime("2026-11-20T09:30:00+08:00", ZONE) == expected
    assert parse_datetime("2026-11-20T09:30:00 08:00", ZONE) == expected  # '+' decoded as a space
    assert parse_datetime("2026-11-20T01:30:00Z", ZONE) == expected
    assert parse_datetime("2026-11-20T09:30:00", ZONE) == expected  # no zone: the centre's
    with pytest.raises(ValueError):
        parse_datetime("yesterday", ZONE)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678", "电话138****5678"),
        ("call 138 1234 5678", "call 138****5678"),
        ("座机 0898-66668888", "座机 089****8888"),
        ("(555) 123-4567", "555****4567"),
        ("+44 20 7946 0958", "442****0958"),
        ("mail john.doe@example.com", "mail j***@***"),
        ("2026-11-20 灯杆 HB-LW-0231, 12345", "2026-11-20 灯杆 HB-LW-0231, 12345"),
    ],
)
def test_contacts_in_free_text_are_masked(text: str, masked: str) -> None:
    assert mask_contacts(text) == masked


def test_the_demo_services_are_valid_and_stand_for_demo_categories() -> None:
    demo = demo_services()
    categories = {c["code"] for top in demo_city()["categories"] for c in top.get("children", [])}
    services = [ServiceIn.model_validate(s) for s in demo["services"]]
    codes = [s.code for s in services]
    assert len(codes) == len(set(codes)) and all(isinstance(c, str) for c in codes)
    assert {s.category_code for s in services} <= categories
    datatypes = {a.datatype for s in services for a in s.attributes}
    assert datatypes == {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
    assert demo["demo_key"]["key"] == "HOTLINE-DEMO-KEY"


def test_an_attribute_spec_rejects_values_that_do_not_fit_its_datatype() -> None:
    with pytest.raises(ValueError, match="values_required"):
        AttributeSpec(code="a", datatype="multivaluelist", order=1, description="x")
    with pytest.raises(ValueError, match="values_unexpected"):
        AttributeSpec(
            code="a", datatype="number", order=1, description="x", values=[{"key": "1", "name": "一"}]
        )
    with pytest.raises(ValueError, match="required_not_variable"):
        AttributeSpec(code="a", datatype="string", order=1, description="x", required=True, variable=False)
