"""Deadlines over HTTP: set at dispatch from the stored policy and the official calendar, shown on
the ticket with the time left, kept in the event log. Hand-worked with the real Chinese calendar."""

from __future__ import annotations

from typing import Any

from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.timeline import Timeline, cst


def _deadlines(ticket: dict[str, Any], no: int = 1) -> dict[str, dict[str, Any]]:
    a = next(x for x in ticket["assignments"] if x["no"] == no)
    return {d["step"]: d for d in a["deadlines"]}


def test_dispatched_friday_1730_before_national_day_with_three_working_days(
    platform: Platform, timeline: Timeline
) -> None:
    api = Api(platform)
    timeline.set(cst(2024, 9, 27, 17, 20))
    t = api.intake()
    timeline.set(cst(2024, 9, 27, 17, 30))
    body = {"lead_unit_id": platform.unit_id("dept-urban")}
    shown = api.act("dispatcher", t["id"], "dispatch", body)
    d = _deadlines(shown)
    assert d["acknowledge"]["due_at"] == "2024-09-27T18:00:00+08:00"
    assert d["acknowledge"]["limit"] == "30m" and d["acknowledge"]["limit_label"] == "30分钟"
    assert d["acknowledge"]["remaining_seconds"] == 1800 and d["acknowledge"]["state"] == "on_time"
    # Sun Sep 29 is an adjusted working day (调休); Oct 1–7 are the National Day holiday.
    assert d["contact"]["due_at"] == "2024-09-29T17:30:00+08:00"
    assert d["reply"]["due_at"] == "2024-10-08T17:30:00+08:00"
    assert d["reply"]["warn_at"] == "2024-10-08T12:06:00+08:00"
    assert d["reply"]["limit_label"] == "3个工作日"
    a = shown["assignments"][0]
    assert a["reply_due_at"] == "2024-10-08T17:30:00+08:00" and a["original_reply_due_at"] is None

    timeline.set(cst(2024, 9, 27, 17, 55))
    d = _deadlines(api.get("handler.urban", f"/api/v1/tickets/{t['id']}"))
    assert d["acknowledge"]["state"] == "warning" and d["acknowledge"]["remaining_seconds"] == 300
    timeline.set(cst(2024, 9, 27, 18, 1))
    d = _deadlines(api.get("handler.urban", f"/api/v1/tickets/{t['id']}"))
    assert d["acknowledge"]["state"] == "overdue" and d["acknowledge"]["remaining_seconds"] == -60
    assert d["acknowledge"]["state_label"] == "超期"
    shown = api.on("handler.urban", t["id"], 1, "acknowledge")
    d = _deadlines(shown)
    assert d["acknowledge"]["state"] == "met_late" and d["acknowledge"]["remaining_seconds"] is None
    assert d["acknowledge"]["done_at"] == "2024-09-27T18:01:00+08:00"
    assert d["contact"]["state"] == "on_time"
    en = api.get("handler.urban", f"/api/v1/tickets/{t['id']}?lang=en")
    assert _deadlines(en)["reply"]["limit_label"] == "3 working days"
    assert _deadlines(en)["acknowledge"]["state_label"] == "Done late"

    # The deadlines are in the dispatch event: the log alone reproduces them.
    dispatched = next(ev for ev in api.events("dispatcher", t["id"]) if ev["tag"] == "ticket.dispatched")
    steps = dispatched["payload"]["assignments"][0]["deadlines"]
    assert [(x["step"], x["limit"]) for x in steps] == [
        ("acknowledge", "30m"),
        ("contact", "1wd"),
        ("reply", "3wd"),
    ]


def test_emergency_and_complex_tickets_get_their_own_limits(platform: Platform, timeline: Timeline) -> None:
    api = Api(platform)
    timeline.set(cst(2026, 11, 21, 22, 10))  # a Saturday night
    t = api.intake(urgency="emergency", content="小区主供水管爆裂，水漫进楼道")
    shown = api.act("dispatcher", t["id"], "dispatch", {"lead_unit_id": platform.unit_id("ent-water")})
    d = _deadlines(shown)
    assert d["contact"]["due_at"] == "2026-11-21T22:40:00+08:00" and d["contact"]["limit"] == "30m"
    assert d["reply"]["due_at"] == "2026-11-23T17:30:00+08:00" and d["reply"]["limit"] == "1wd"

    timeline.set(cst(2026, 11, 23, 10))
    t = api.intake()
    body = {"lead_unit_id": platform.unit_id("dept-urban"), "complex": True}
    shown = api.act("dispatcher", t["id"], "dispatch", body)
    assert shown["complex"] is True
    assert _deadlines(shown)["reply"]["due_at"] == "2026-12-02T17:30:00+08:00"


def test_assists_get_the_same_deadlines_and_an_extension_keeps_the_original(
    platform: Platform, timeline: Timeline
) -> None:
    api = Api(platform)
    timeline.set(cst(2026, 11, 23, 10))
    t = api.intake()
    body = {
        "lead_unit_id": platform.unit_id("dept-urban"),
        "assist_unit_ids": [platform.unit_id("ent-power")],
    }
    shown = api.act("dispatcher", t["id"], "dispatch", body)
    assert _deadlines(shown, 1)["reply"]["due_at"] == _deadlines(shown, 2)["reply"]["due_at"]
    api.on("handler.urban", t["id"], 1, "acknowledge")
    timeline.set(cst(2026, 11, 25, 9))
    until = "2026-12-03T17:30:00+08:00"
    api.on("handler.urban", t["id"], 1, "extension", {"until": until, "reason": "需要协调施工单位"})
    shown = api.on("dispatcher", t["id"], 1, "extension/decision", {"approve": True})
    a = shown["assignments"][0]
    assert a["reply_due_at"] == until and a["original_reply_due_at"] == "2026-11-26T17:30:00+08:00"
    assert a["extensions_approved"] == 1
    reply = _deadlines(shown)["reply"]
    assert reply["due_at"] == until and reply["warn_at"] == "2026-12-02T10:36:00+08:00"
