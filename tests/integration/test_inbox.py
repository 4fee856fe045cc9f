"""The in-app inbox: what each person and unit is told (new work, urges, warnings, escalations,
decisions waiting), unread counts per person and per unit, marking read, and who may look."""

from __future__ import annotations

from typing import Any

from hotline.sla import sweeper
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.timeline import Timeline, cst

_TIMELINES: dict[int, Timeline] = {}


def _at(p: Platform, *when: int) -> None:
    _TIMELINES.setdefault(id(p), Timeline(p)).set(cst(*when))


def _inbox(api: Api, user: str, query: str = "") -> list[dict[str, Any]]:
    return api.get(user, f"/api/v1/inbox{query}")["items"]  # type: ignore[no-any-return]


def _unread(api: Api, user: str) -> int:
    return int(api.get(user, "/api/v1/inbox/unread-count")["unread"])


def _for_ticket(items: list[dict[str, Any]], ticket: int) -> list[tuple[str, str | None]]:
    return [(n["kind"], n["step"]) for n in items if n["ticket_id"] == ticket]


def test_the_holder_unit_is_told_of_new_work_urges_warnings_and_overdue(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    _at(p, 2026, 11, 23, 9, 58)
    t = api.intake()["id"]
    _at(p, 2026, 11, 23, 10)
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id("dept-urban")})
    before = _unread(api, "handler.urban")
    items = _inbox(api, "handler.urban")
    assert _for_ticket(items, t) == [("assignment", None)]
    assert items[0]["title"] == "新派单：请及时签收" and items[0]["read"] is False
    assert items[0]["ticket_number"].endswith(f"{t:06d}") and items[0]["unit"]["id"] == p.unit_id(
        "dept-urban"
    )
    # Everyone of the unit sees the unit's notifications; nobody elsewhere does.
    assert _for_ticket(_inbox(api, "reviewer.urban"), t) == [("assignment", None)]
    assert _for_ticket(_inbox(api, "handler.power"), t) == []
    assert _for_ticket(_inbox(api, "operator1"), t) == []

    _at(p, 2026, 11, 23, 10, 10)
    api.on("supervisor", t, 1, "urge", {"note": "市民再次来电"})
    sweeper.sweep(p.db, cst(2026, 11, 23, 10, 24))  # warning (80 % of 30 minutes)
    sweeper.sweep(p.db, cst(2026, 11, 23, 10, 31))  # overdue: an automatic urge
    _at(p, 2026, 11, 23, 10, 32)
    items = _inbox(api, "handler.urban")
    assert _for_ticket(items, t) == [
        ("urge", "acknowledge"),
        ("warning", "acknowledge"),
        ("urge", None),
        ("assignment", None),
    ]
    assert [n["title"] for n in items[:3]] == [
        "超期催办：签收已超期",
        "预警：签收即将到期",
        "催办：请加快办理",
    ]
    assert items[2]["note"] == "市民再次来电"
    en = api.get("handler.urban", "/api/v1/inbox?lang=en")["items"]
    assert en[0]["title"] == "Overdue: Acknowledge is past its deadline" and en[0]["kind_label"] == "Urge"
    assert _unread(api, "handler.urban") == before + 3
    counts = api.get("handler.urban", "/api/v1/inbox/unread-count")
    assert counts["by_kind"]["urge"] >= 2 and counts["by_kind"]["warning"] >= 1


def test_reading_is_per_person_and_a_unit_is_unread_until_someone_there_reads(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    _at(p, 2026, 11, 24, 9)
    t = api.intake()["id"]
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id("ent-water")})
    note = next(n for n in _inbox(api, "handler.water", "?unread=true") if n["ticket_id"] == t)
    water = p.unit_id("ent-water")
    units = {u["unit"]["id"]: u for u in api.get("supervisor", "/api/v1/inbox/units")}
    assert units[water]["unread"] >= 1

    mine = _unread(api, "handler.water")
    api.post("handler.water", f"/api/v1/inbox/{note['id']}/read", expect=204)
    api.post("handler.water", f"/api/v1/inbox/{note['id']}/read", expect=204)  # again: no harm
    assert _unread(api, "handler.water") == mine - 1
    assert next(n for n in _inbox(api, "handler.water") if n["id"] == note["id"])["read"] is True
    units = {u["unit"]["id"]: u for u in api.get("supervisor", "/api/v1/inbox/units")}
    assert water not in units or units[water]["unread"] < mine
    # Someone else's notification cannot be marked (and is not revealed).
    api.post("handler.urban", f"/api/v1/inbox/{note['id']}/read", expect=404)

    marked = api.post("handler.urban", "/api/v1/inbox/read-all")["marked"]
    assert marked >= 1 and _unread(api, "handler.urban") == 0


def test_escalation_reaches_the_superior_unit_and_the_supervisors_only(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    _at(p, 2026, 11, 25, 9)
    t = api.intake()["id"]
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id("s-longwan-zhongshan")})
    api.act("supervisor", t, "supervise", {"note": "区领导批示"})
    sweeper.sweep(p.db, cst(2026, 11, 25, 9, 31))
    _at(p, 2026, 11, 25, 9, 32)
    assert ("escalation", "acknowledge") in _for_ticket(_inbox(api, "handler.longwan"), t)
    assert ("escalation", "acknowledge") in _for_ticket(_inbox(api, "supervisor"), t)
    assert ("escalation", "acknowledge") not in _for_ticket(_inbox(api, "dispatcher"), t)
    assert ("urge", "acknowledge") in _for_ticket(_inbox(api, "handler.zhongshan"), t)
    sup = next(n for n in _inbox(api, "supervisor") if n["ticket_id"] == t)
    assert sup["title"] == "督办升级：签收已超期" and sup["role"] == "supervisor"

    # A city department's superior is the centre itself: only its supervisors are told, once.
    _at(p, 2026, 11, 25, 10)
    t = api.intake()["id"]
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id("dept-market")})
    api.act("supervisor", t, "supervise", {})
    sweeper.sweep(p.db, cst(2026, 11, 25, 10, 31))
    _at(p, 2026, 11, 25, 10, 32)
    assert _for_ticket(_inbox(api, "supervisor"), t) == [("escalation", "acknowledge")]
    assert _for_ticket(_inbox(api, "dispatcher"), t) == []
    assert _for_ticket(_inbox(api, "handler.market"), t) == [("urge", "acknowledge"), ("assignment", None)]


def test_decisions_waiting_for_the_centre_and_their_answers(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    _at(p, 2026, 11, 26, 9)
    t = api.intake()["id"]
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id("dept-urban")})
    api.on("handler.urban", t, 1, "acknowledge")
    until = "2026-12-08T17:30:00+08:00"
    api.on("handler.urban", t, 1, "extension", {"until": until, "reason": "需要采购配件"})
    assert ("extension_requested", None) in _for_ticket(_inbox(api, "dispatcher"), t)
    assert ("extension_requested", None) not in _for_ticket(_inbox(api, "operator1"), t)
    api.on("dispatcher", t, 1, "extension/decision", {"approve": False, "reason": "时限内可完成"})
    assert ("extension_refused", None) in _for_ticket(_inbox(api, "handler.urban"), t)
    api.on("handler.urban", t, 1, "reply", {"reply": "已更换路灯"})
    assert ("reply", None) in _for_ticket(_inbox(api, "dispatcher"), t)


def test_who_may_look_at_a_units_inbox(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    _at(p, 2026, 11, 26, 10)
    zhongshan = p.unit_id("s-longwan-zhongshan")
    api.get("supervisor", f"/api/v1/inbox?unit_id={zhongshan}")
    api.get("reviewer.longwan", f"/api/v1/inbox?unit_id={zhongshan}")  # the district above it
    api.get("handler.urban", f"/api/v1/inbox?unit_id={zhongshan}", expect=403)
    units = {u["unit"]["id"] for u in api.get("handler.longwan", "/api/v1/inbox/units")}
    assert p.unit_id("dept-urban") not in units
    api.get(None, "/api/v1/inbox", expect=401)
