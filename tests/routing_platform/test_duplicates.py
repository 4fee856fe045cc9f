"""Duplicates (并单): a burst of calls about one power cut becomes one incident with many callers."""

from __future__ import annotations

from tests.integration.api import Api

CALLS = [
    "金鱼路一带停电两个小时了，什么时候来电",
    "金鱼路这边停电了，冰箱里的东西都要坏了",
    "我们金鱼路停电好久了，供电公司有人管吗",
    "金鱼路附近全部停电，家里老人热得受不了",
]


def test_a_burst_of_calls_about_one_power_cut_becomes_one_incident(api: Api) -> None:
    p = api.p
    first = api.intake(content=CALLS[0], address="钟楼社区")
    assert first["routing"]["advice"]["duplicates"] == []
    api.act(
        "dispatcher",
        first["id"],
        "dispatch",
        {"lead_unit_id": p.unit_id("ent-power"), "category_code": "utilities.power"},
    )

    for i, text in enumerate(CALLS[1:], start=1):
        call = api.intake(content=text, address="钟楼社区", citizen_phone=f"1390000000{i}")
        routing = call["routing"]
        assert call["status"] == "received" and routing["decision"] == "duplicate"
        dup = routing["advice"]["duplicates"][0]
        assert dup["ticket_id"] == first["id"] and dup["same_place"] and "同在" in dup["reason"]
        assert dup["merged_callers"] == i - 1
        merged = api.act(
            "operator1", call["id"], "merge", {"into_ticket_id": first["id"], "reason": "同一停电事件"}
        )
        assert merged["status"] == "merged"

    incident = api.get("dispatcher", f"/api/v1/tickets/{first['id']}")
    assert len(incident["duplicate_ids"]) == len(CALLS) - 1
    assert incident["status"] == "dispatched"


def test_the_same_words_elsewhere_are_not_a_duplicate(api: Api) -> None:
    here = api.intake(content="银杏路整条街停电了，什么时候来电", address="江东社区")
    there = api.intake(content="银杏路整条街停电了，什么时候来电", address="灯塔社区")
    assert here["id"] not in [d["ticket_id"] for d in there["routing"]["advice"]["duplicates"]]


def test_points_within_the_distance_are_near(api: Api) -> None:
    a = api.intake(content="桂溪街道这边的自来水停水一整天了", latitude=19.9700, longitude=110.4500)
    b = api.intake(content="自来水停水一天了还没来水", latitude=19.9705, longitude=110.4503)
    dup = b["routing"]["advice"]["duplicates"][0]
    assert dup["ticket_id"] == a["id"] and dup["distance_m"] < 100 and "相距" in dup["reason"]
    far = api.intake(content="自来水停水一天了还没来水", latitude=19.9900, longitude=110.5100)
    assert a["id"] not in [d["ticket_id"] for d in far["routing"]["advice"]["duplicates"]]


def test_ticket_routing_looks_duplicates_up_again(api: Api) -> None:
    first = api.intake(content="樟树街的路灯全都不亮了", address="椰林社区")
    assert first["routing"]["advice"]["duplicates"] == []
    second = api.intake(content="樟树街路灯全部不亮", address="椰林社区")
    assert second["routing"]["advice"]["duplicates"][0]["ticket_id"] == first["id"]
    # the first ticket's advice now shows the second call
    again = api.get("dispatcher", f"/api/v1/tickets/{first['id']}/routing")
    assert [d["ticket_id"] for d in again["duplicates"]] == [second["id"]]
