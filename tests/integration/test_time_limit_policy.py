"""The administrator's time-limit policy: seeded with the demo city, read by everyone, replaced by
administrators with checks; new dispatches follow it, deadlines already set do not move; and the
in-process worker of `hotline serve` records deadlines on its own (clock moved by hand)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.app import create_app
from hotline.config import Settings
from hotline.tickets.models import TicketEventRow
from tests.conftest import Platform
from tests.conftest import TestClock as ManualClock
from tests.integration.api import Api
from tests.integration.timeline import Timeline, cst

_TIMELINES: dict[int, Timeline] = {}


def _at(p: Platform, *when: int) -> None:
    _TIMELINES.setdefault(id(p), Timeline(p)).set(cst(*when))


def _reply(ticket: dict[str, Any]) -> dict[str, Any]:
    return next(d for d in ticket["assignments"][0]["deadlines"] if d["step"] == "reply")


def test_the_demo_city_comes_with_the_default_policy(isolated: Platform) -> None:
    api = Api(isolated)
    _at(isolated, 2026, 11, 23, 9)
    policy = api.get("handler.urban", "/api/v1/time-limits")
    assert policy["source"] == "stored"
    assert [(r.get("urgency"), r.get("complex"), r.get("reply")) for r in policy["rules"]] == [
        (None, None, "3wd"),
        ("emergency", None, "1wd"),
        (None, True, "7wd"),
    ]
    assert policy["rules"][0]["acknowledge"] == "30m" and policy["rules"][0]["labels"]["reply"] == "3个工作日"
    assert policy["rules"][1]["contact"] == "30m"
    assert (policy["calendar"], policy["timezone"], policy["office_hours"]) == (
        "cn",
        "Asia/Shanghai",
        "08:30-17:30",
    )
    assert policy["warning_share"] == 0.8
    # November: next year's State Council notice may not be in the installed calendar library yet.
    assert all("2027" in n for n in policy["calendar_notices"])


def test_only_administrators_replace_it_and_bad_policies_are_refused(isolated: Platform) -> None:
    api = Api(isolated)
    _at(isolated, 2026, 11, 23, 9, 30)
    good = {"rules": [{"acknowledge": "30m", "reply": "3wd"}]}
    api.call("PUT", "dispatcher", "/api/v1/admin/time-limits", good, expect=403)
    bad = api.call("PUT", "admin", "/api/v1/admin/time-limits", {"rules": [{"reply": "3d"}]}, expect=422)
    assert bad["code"] == "time_limits.invalid" and "不支持自然日" in bad["title"]
    dup = {"rules": [{"reply": "3wd"}, {"reply": "5wd"}]}
    assert (
        api.call("PUT", "admin", "/api/v1/admin/time-limits", dup, expect=422)["code"]
        == "time_limits.invalid"
    )
    unknown = {"rules": [{"category": "urban.teleport", "reply": "2wd"}]}
    assert (
        api.call("PUT", "admin", "/api/v1/admin/time-limits", unknown, expect=422)["code"]
        == "category.not_found"
    )
    api.call("PUT", "admin", "/api/v1/admin/time-limits", {"rules": []}, expect=422)
    api.call("PUT", "admin", "/api/v1/admin/time-limits", {"rules": [{"urgency": "asap"}]}, expect=422)
    assert api.get("admin", "/api/v1/time-limits")["rules"][0]["reply"] == "3wd"  # unchanged


def test_new_dispatches_follow_a_new_policy_and_old_deadlines_stay(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    _at(p, 2026, 11, 23, 10)
    old = api.intake(category_code="urban.streetlight")["id"]
    shown = api.act("dispatcher", old, "dispatch", {"lead_unit_id": p.unit_id("dept-urban")})
    assert _reply(shown)["due_at"] == "2026-11-26T17:30:00+08:00"
    rules = [
        {"acknowledge": "30m", "contact": "1wd", "reply": "3wd"},
        {"urgency": "emergency", "contact": "30m", "reply": "1wd"},
        {"complex": True, "reply": "7wd"},
        {"category": "urban", "reply": "2wd"},  # a parent category covers its children
        {"category": "urban.streetlight", "kind": "complaint", "acknowledge": "2h"},
    ]
    saved = api.call("PUT", "admin", "/api/v1/admin/time-limits", {"rules": rules})
    assert len(saved["rules"]) == 5 and saved["rules"][3]["labels"]["reply"] == "2个工作日"
    new = api.intake(category_code="urban.streetlight")["id"]
    shown = api.act("dispatcher", new, "dispatch", {"lead_unit_id": p.unit_id("dept-urban")})
    deadlines = {d["step"]: d for d in shown["assignments"][0]["deadlines"]}
    assert (
        deadlines["reply"]["due_at"] == "2026-11-25T17:30:00+08:00" and deadlines["reply"]["limit"] == "2wd"
    )
    assert deadlines["acknowledge"]["due_at"] == "2026-11-23T12:00:00+08:00"
    # An emergency in that category keeps the emergency reply limit (urgency is the most specific key).
    preview = api.post(
        "dispatcher",
        "/api/v1/time-limits/preview",
        {"urgency": "emergency", "category": "urban.streetlight", "start": "2026-11-23T10:00:00+08:00"},
    )
    assert {d["step"]: d["limit"] for d in preview} == {"acknowledge": "2h", "contact": "30m", "reply": "1wd"}
    # The earlier ticket's deadline did not move.
    assert _reply(api.get("dispatcher", f"/api/v1/tickets/{old}"))["due_at"] == "2026-11-26T17:30:00+08:00"
    api.call("PUT", "admin", "/api/v1/admin/time-limits", {"rules": rules[:3]})


def test_the_in_process_worker_of_serve_records_overdue_by_itself(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    _at(p, 2026, 11, 27, 9)
    tid = api.intake()["id"]
    api.act("dispatcher", tid, "dispatch", {"lead_unit_id": p.unit_id("ent-gas")})
    clock = ManualClock(cst(2026, 11, 27, 9, 10))
    settings = Settings(database_url=p.db.url, demo=False, worker_interval_s=0.1)
    app = create_app(settings, clock=clock, db=p.db, run_worker=True)

    def tags() -> list[str]:
        with p.db.read() as s:
            return list(s.scalars(select(TicketEventRow.tag).where(TicketEventRow.ticket_id == tid)))

    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        time.sleep(0.5)
        assert tags() == ["ticket.received", "ticket.dispatched"]
        for minute, tag in ((25, "assignment.deadline_warning"), (31, "assignment.overdue")):
            clock.now = cst(2026, 11, 27, 9, minute)
            waited = time.monotonic()
            while tag not in tags():
                assert time.monotonic() - waited < 15, tags()
                time.sleep(0.1)
    assert tags()[2:] == ["assignment.deadline_warning", "assignment.overdue", "assignment.urged"]


def test_a_311_city_counts_working_days_by_its_own_calendar_and_zone(isolated: Platform) -> None:
    """HOTLINE_CALENDAR=us-ny, HOTLINE_TIMEZONE=America/New_York: Thanksgiving is not a working day."""
    from zoneinfo import ZoneInfo

    from hotline.db.engine import Database

    ny = ZoneInfo("America/New_York")
    db = Database(isolated.db.url, pool_size=2)
    clock = ManualClock(datetime(2026, 11, 25, 16, 0, tzinfo=ny))  # Wednesday before Thanksgiving
    settings = Settings(
        database_url=isolated.db.url, demo=False, calendar="us-ny", timezone="America/New_York"
    )
    try:
        with TestClient(create_app(settings, clock=clock, db=db)) as client:
            token = client.post(
                "/api/v1/auth/login", json={"username": "dispatcher", "password": "Demo-dispatcher-2026"}
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            t = client.post(
                "/api/v1/tickets", json={"kind": "complaint", "content": "Streetlight out"}, headers=auth
            )
            body = {"lead_unit_id": isolated.unit_id("dept-urban")}
            shown = client.post(f"/api/v1/tickets/{t.json()['id']}/dispatch", json=body, headers=auth).json()
            policy = client.get("/api/v1/time-limits", headers=auth).json()
    finally:
        db.dispose()
    # 3 working days: Thu 26 is Thanksgiving → Fri 27, Mon 30, Tue Dec 1; due at 17:30 New York time.
    assert _reply(shown)["due_at"] == "2026-12-01T17:30:00-05:00"
    assert (policy["calendar"], policy["timezone"]) == ("us-ny", "America/New_York")
