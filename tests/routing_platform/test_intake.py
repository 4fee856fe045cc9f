"""Routing at intake: the ticket is advised, dispatched at once when routing is sure (as an event
of the system actor, with the reasons), left to the operator otherwise; the operator's own
dispatch teaches routing for the next similar ticket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.api import Api
from tests.routing_platform.conftest import RoutedApi


@pytest.fixture
def settings(api: Api) -> Iterator[Any]:
    """The running app's settings; whatever a test changes is put back."""
    s = api.client.app.state.settings  # type: ignore[attr-defined]
    before = (s.routing_auto_dispatch, s.routing_auto_dispatch_threshold)
    yield s
    s.routing_auto_dispatch, s.routing_auto_dispatch_threshold = before


def test_a_sure_ticket_is_dispatched_at_once_by_the_system_with_its_reasons(api: Api) -> None:
    t = api.intake(content="燃气表后面的管子有点松，想请人来看看", category_code="utilities.gas")
    assert t["status"] == "dispatched" and t["lead_unit"]["name"] == "海滨燃气集团有限公司"
    routing = t["routing"]
    assert routing["auto_dispatched"] is True and routing["decision"] == "auto_dispatched"
    assert routing["decision_label"] == "已自动派单（秒派）"
    assert routing["advice"]["suggestions"][0]["confidence"] >= 0.9
    dispatched = [e for e in api.events("dispatcher", t["id"]) if e["tag"] == "ticket.dispatched"]
    assert len(dispatched) == 1
    event = dispatched[0]
    assert event["actor"]["role"] == "system"
    assert "秒派" in event["payload"]["note"] and "燃气" in event["payload"]["note"]
    assert event["payload"]["category"] == "utilities.gas"


def test_an_unsure_ticket_waits_for_the_operator_with_its_suggestions_stored(api: Api) -> None:
    t = api.intake(content="望海社区门口那盏路灯闪个不停")
    assert t["status"] == "received"
    routing = t["routing"]
    assert routing["auto_dispatched"] is False and routing["decision"] == "below_threshold"
    top = routing["advice"]["suggestions"][0]
    assert top["category"]["code"] == "urban.streetlight" and top["reasons"]
    stored = api.get("dispatcher", f"/api/v1/tickets/{t['id']}/routing")
    assert stored["suggestions"][0]["category"] == top["category"]
    assert stored["decision"] == "below_threshold" and stored["place"]["community"]["name"] == "望海社区"
    assert (
        api.get("handler.urban", f"/api/v1/tickets/{t['id']}/routing", expect=403)["code"]
        == "permission.role"
    )


def test_the_threshold_and_the_switch_are_settings(api: Api, settings: Any) -> None:
    settings.routing_auto_dispatch_threshold = 1.0  # nothing is that sure
    t = api.intake(content="家里燃气灶打不着火，燃气公司能上门吗", category_code="utilities.gas")
    assert t["status"] == "received" and t["routing"]["decision"] == "below_threshold"
    settings.routing_auto_dispatch_threshold = 0.9
    settings.routing_auto_dispatch = False
    t = api.intake(content="燃气费缴了但是系统显示欠费", category_code="utilities.gas")
    assert t["status"] == "received" and t["routing"]["decision"] == "disabled"


def test_an_emergency_at_intake_prompts_a_hand_off(api: Api) -> None:
    t = api.intake(content="我们楼下电动车着火了，烟很大，有人被困", category_code="safety.fire_hazard")
    assert t["status"] == "received"
    routing = t["routing"]
    assert routing["decision"] == "emergency" and routing["advice"]["emergency"]["service"] == "119"
    t = api.act(
        "operator1",
        t["id"],
        "hand-off",
        {"service": "119", "reason": routing["advice"]["emergency"]["reasons"][0]},
    )
    assert t["status"] == "handed_off"


def test_a_consultation_the_kb_answers_is_left_for_answering_at_intake(api: Api) -> None:
    t = api.intake(kind="consultation", content="请问租房可以提取公积金吗")
    routing = t["routing"]
    assert t["status"] == "received" and routing["decision"] == "answer_at_intake"
    answer = routing["advice"]["answers"][0]
    assert answer["title"] == "租房可以提取住房公积金吗？"
    article = api.get("operator1", f"/api/v1/kb/articles/{answer['article_id']}")
    t = api.act("operator1", t["id"], "answer", {"answer": article["body"]})
    assert t["status"] == "answered"


def test_a_retried_submission_is_routed_once(api: RoutedApi) -> None:
    api.route_waiting()
    headers = {"Idempotency-Key": "routing-retry-1"}
    body = {
        "kind": "complaint",
        "content": "钟楼社区那边树木倒伏压住了人行道",
        "citizen_phone": "13800001111",
    }
    first = api.post("operator1", "/api/v1/tickets", body, expect=201, headers=headers)
    again = api.post("operator1", "/api/v1/tickets", body, expect=200, headers=headers)
    assert again["id"] == first["id"]
    assert api.route_waiting() == 1  # one ticket waited for the router, not two
    assert api.route_waiting() == 0
    advice = api.get("dispatcher", f"/api/v1/tickets/{first['id']}/routing")
    assert advice["suggestions"], advice


def test_a_citizens_web_submission_is_routed_too(api: RoutedApi) -> None:
    body = {"kind": "complaint", "content": "公交车司机甩站，等了四十分钟", "citizen_phone": "13800002222"}
    public = api.post(None, "/api/v1/public/tickets", body, expect=201)
    assert api.route_waiting() >= 1
    tickets = api.get("dispatcher", "/api/v1/tickets", params={"limit": 200})["items"]
    assert public["tracking_code"]
    ticket = next(x for x in tickets if x["content_excerpt"].startswith("公交车司机甩站，等了四十分钟"))
    stored = api.get("dispatcher", f"/api/v1/tickets/{ticket['id']}/routing")
    assert stored["suggestions"][0]["unit"]["name"] == "海滨公交集团有限公司"


def test_the_operators_choice_teaches_routing(api: Api) -> None:
    p = api.p
    first = api.intake(content="凤翔村村口的大榕树下有人倾倒建筑垃圾，堆了好几车")
    assert first["status"] == "received"  # not sure enough: the operator decides
    api.act(
        "dispatcher",
        first["id"],
        "dispatch",
        {"lead_unit_id": p.unit_id("t-guixi-fengxiang"), "category_code": "rural.village_affairs"},
    )
    second = api.intake(content="凤翔村村口大榕树下又有人倾倒建筑垃圾")
    top = second["routing"]["advice"]["suggestions"][0]
    assert top["unit"]["name"] == "桂溪区凤翔镇人民政府"
    history = next(r for r in top["reasons"] if r["source"] == "history")
    assert f"#{first['id']}" in history["text"] and history["source_label"] == "相似工单"


def test_tickets_only_the_router_sent_do_not_teach_it(api: Api) -> None:
    t = api.intake(content="燃气管道井盖上有裂缝，闻着没味道", category_code="utilities.gas")
    assert t["routing"]["auto_dispatched"] is True, t["routing"]
    again = api.intake(content="燃气管道井盖上有裂缝，闻着没有味道")
    for s in again["routing"]["advice"]["suggestions"]:
        assert all(f"#{t['id']}" not in r["text"] for r in s["reasons"])
