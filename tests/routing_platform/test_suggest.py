"""POST /api/v1/routing/suggest: ranked (category, unit, confidence) with the reasons of each,
from the kb's duties, category keywords, rules and the place — and a clear answer to bad input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api import Api
from tests.routing_platform.conftest import suggest

BOAI_GRID_1 = (20.0071, 110.2906)  # a point in 博爱社区第一网格, 中山街道, 龙湾区


def sources(suggestion: dict[str, Any]) -> set[str]:
    return {r["source"] for r in suggestion["reasons"]}


def test_a_street_light_goes_to_urban_management_with_its_duty_and_keywords_as_reasons(api: Api) -> None:
    out = suggest(api, text="解放路的路灯一到晚上就不亮")
    top = out["suggestions"][0]
    assert (top["category"]["code"], top["unit"]["name"]) == ("urban.streetlight", "海滨市城市管理局")
    assert {"keywords", "duty"} <= sources(top)
    duty = next(r for r in top["reasons"] if r["source"] == "duty")
    assert "负责城市道路照明（路灯）设施的建设和维护" in duty["text"] and duty["source_label"] == "职责清单"
    assert all(s["reasons"] for s in out["suggestions"])  # every suggestion says why
    confidences = [s["confidence"] for s in out["suggestions"]]
    assert confidences == sorted(confidences, reverse=True) and 0 < confidences[0] < 1
    # kb and keywords alone are not enough to dispatch at once: the operator picks
    assert out["would_auto_dispatch"] is False and out["decision"] == "below_threshold"
    assert out["model_used"] is False and out["place"] is None


def test_reasons_in_english_on_request(api: Api) -> None:
    out = api.post("operator1", "/api/v1/routing/suggest?lang=en", {"text": "出租车司机拒载还绕路"})
    top = out["suggestions"][0]
    assert top["unit"]["name"] == "Haibin Transport Administrative Law Enforcement Detachment"
    assert any(r["text"].startswith("Keywords of") for r in top["reasons"])


def test_a_point_sends_a_territorial_category_to_the_street_of_the_place(api: Api) -> None:
    lat, lon = BOAI_GRID_1
    out = suggest(api, text="门口有人占道经营乱摆卖，堵得走不了", latitude=lat, longitude=lon)
    assert out["place"]["description"] == "龙湾区 › 中山街道 › 博爱社区 › 博爱社区第一网格"
    assert out["place"]["method"] == "point"
    top = out["suggestions"][0]
    assert (top["category"]["code"], top["unit"]["name"]) == ("urban.appearance", "龙湾区中山街道办事处")
    place = next(r for r in top["reasons"] if r["source"] == "place")
    assert "中山街道的职责" in place["text"]


def test_an_address_names_the_place(api: Api) -> None:
    out = suggest(api, text="楼下商铺装修噪音太大，晚上十点还在施工", address="骑楼老街社区5号")
    assert out["place"]["community"]["name"] == "骑楼老街社区" and out["place"]["method"] == "address"
    top = out["suggestions"][0]
    assert (top["category"]["code"], top["unit"]["name"]) == (
        "environment.neighbourhood_noise",
        "龙湾区骑楼街道办事处",
    )


def test_a_territorial_category_without_a_place_asks_for_one(api: Api) -> None:
    out = suggest(api, text="有人私搭乱建违章搭建")
    top = out["suggestions"][0]
    assert top["category"]["code"] == "urban.illegal_building" and top["unit"] is None
    assert any("请补充地点" in r["text"] for r in top["reasons"])
    assert out["decision"] == "no_unit" or out["decision"] == "below_threshold"


def test_a_consultation_finds_its_kb_answer(api: Api) -> None:
    out = suggest(api, text="社保卡丢了怎么补办", kind="consultation")
    assert out["answers"][0]["title"] == "社保卡丢失了怎么补办？"
    assert out["suggestions"][0]["unit"]["name"] == "海滨市人力资源和社会保障局"
    assert out["decision"] == "answer_at_intake" and out["would_auto_dispatch"] is False


def test_an_emergency_is_recognised_and_never_dispatched(api: Api) -> None:
    out = suggest(api, text="楼下饭店厨房着火了，浓烟很大")
    assert out["emergency"]["service"] == "119"
    assert out["emergency"]["prompt"] == "请立即转 119 火警（消防）"
    assert out["decision"] == "emergency" and out["would_auto_dispatch"] is False


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "empty"), ("   \n ", "empty"), ("🙂🙂🔥！！", "no_words"), ("。。。，，，？？？", "no_words")],
)
def test_text_with_nothing_to_route_gets_a_reason(api: Api, text: str, code: str) -> None:
    out = suggest(api, text=text)
    assert out["suggestions"] == [] and out["nothing"]["code"] == code
    assert out["nothing"]["message"] and out["decision"] == "nothing_to_route"


def test_english_text_is_routed_by_english_category_names_or_answered_clearly(api: Api) -> None:
    out = suggest(api, text="The street lights on my road are off")
    assert out["suggestions"][0]["category"]["code"] == "urban.streetlight"
    out = api.post("operator1", "/api/v1/routing/suggest?lang=en", {"text": "My cat is sad"})
    assert (
        out["suggestions"] == []
        and out["nothing"]["message"] == "No category or unit matched: route it by hand."
    )


def test_traditional_chinese_is_routed_like_simplified(api: Api) -> None:
    out = suggest(api, text="路燈不亮了，晚上很黑")
    assert out["suggestions"][0]["category"]["code"] == "urban.streetlight"


def test_a_100000_character_text_is_read_from_its_head(api: Api) -> None:
    text = "小区门口的路灯坏了。" + "今天天气很好。" * 14_285
    assert len(text) >= 100_000
    out = suggest(api, text=text)
    assert out["truncated"] is True
    assert out["suggestions"][0]["category"]["code"] == "urban.streetlight"
    problem = suggest(api, text="路" * 200_001, expect=422)
    assert problem["errors"][0]["field"] == "text"


def test_half_a_point_is_refused(api: Api) -> None:
    problem = suggest(api, text="路灯坏了", latitude=20.0, expect=400)  # as intake answers it
    assert problem["errors"][0]["code"] == "coordinates.incomplete"


def test_a_rule_routes_with_its_confidence_and_only_in_its_area(api: Api) -> None:
    p = api.p
    rule = api.post(
        "admin",
        "/api/v1/routing/rules",
        {
            "name": "骑楼老街文物建筑",
            "keywords": ["骑楼立面", "骑楼外墙"],
            "category_code": "education.culture_sports",
            "unit_id": p.unit_id("dept-culture"),
            "area_unit_id": p.unit_id("s-longwan-qilou"),
            "confidence": 0.96,
        },
        expect=201,
    )
    out = suggest(api, text="骑楼外墙的灰塑掉下来了", address="骑楼老街")
    top = out["suggestions"][0]
    assert top["unit"]["name"] == "海滨市旅游和文化广电体育局" and top["confidence"] >= 0.9
    assert any(r["source"] == "rule" and "骑楼老街文物建筑" in r["text"] for r in top["reasons"])
    assert out["would_auto_dispatch"] is True and out["decision"] == "auto_dispatched"
    # outside its area the rule says nothing
    out = suggest(api, text="骑楼外墙的灰塑掉下来了", address="石塔村")
    assert all(r["source"] != "rule" for s in out["suggestions"] for r in s["reasons"])
    # retired, it says nothing anywhere
    api.call("PATCH", "admin", f"/api/v1/routing/rules/{rule['id']}", {"active": False})
    out = suggest(api, text="骑楼外墙的灰塑掉下来了", address="骑楼老街")
    assert all(r["source"] != "rule" for s in out["suggestions"] for r in s["reasons"])
    api.call("DELETE", "admin", f"/api/v1/routing/rules/{rule['id']}", expect=204)


def test_rules_are_written_by_administrators_only_and_checked(api: Api) -> None:
    body = {"name": "x", "keywords": ["某词"], "unit_id": api.p.unit_id("ent-gas")}
    assert api.post("operator1", "/api/v1/routing/rules", body, expect=403)["code"] == "permission.role"
    problem = api.post("admin", "/api/v1/routing/rules", {"name": "x", "keywords": ["某词"]}, expect=400)
    assert problem["errors"][0]["code"] == "rule.no_target"
    problem = api.post(
        "admin", "/api/v1/routing/rules", {**body, "unit_id": api.p.unit_id("centre")}, expect=422
    )
    assert problem["code"] == "dispatch.centre"
    problem = api.post("admin", "/api/v1/routing/rules", {**body, "category_code": "no.such"}, expect=422)
    assert problem["code"] == "category.not_found"
    assert (
        api.call("DELETE", "admin", "/api/v1/routing/rules/999999", expect=404)["code"]
        == "routing.rule_not_found"
    )


def test_status_tells_what_routing_works_from(api: Api) -> None:
    status = api.get("dispatcher", "/api/v1/routing/status")
    assert status["model_present"] is False and status["model_labels"] == []
    assert status["kb_duties"] == 86 and status["kb_answers"] >= 36
    assert status["auto_dispatch"] is True and status["auto_dispatch_threshold"] == 0.9
    assert status["categories"] == 80
    assert api.get("handler.power", "/api/v1/routing/status", expect=403)["code"] == "permission.role"
