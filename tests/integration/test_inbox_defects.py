"""Defects of issue 13, each shown as a user would meet it: the assignment a unit's notice points
to, who may review a reply when the parent unit has no reviewer, and citizens' personal data."""

from __future__ import annotations

from typing import Any

from tests.conftest import Platform
from tests.integration.api import Api


def _notices(api: Api, user: str, ticket: int) -> list[dict[str, Any]]:
    items = api.get(user, "/api/v1/inbox?limit=200")["items"]
    return [n for n in items if n["ticket_id"] == ticket]


def _new_work(api: Api, user: str, ticket: int) -> list[int | None]:
    return [n["assignment_no"] for n in _notices(api, user, ticket) if n["kind"] == "assignment"]


def test_new_work_notices_point_to_the_units_own_assignment(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("d-longwan", assists=("dept-urban",))
    assert _new_work(api, "handler.longwan", t) == [1]
    assert _new_work(api, "handler.urban", t) == [2]
    api.on("handler.longwan", t, 1, "acknowledge")
    api.on("handler.longwan", t, 1, "delegate", {"unit_id": p.unit_id("s-longwan-zhongshan")})
    assert _new_work(api, "handler.zhongshan", t) == [3]  # its own, not 龙湾区's 1


def test_a_redispatch_notice_points_to_the_new_assignment(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("dept-market")
    api.on("handler.market", t, 1, "send-back", {"reason": "不属于本单位职责"})
    api.on(
        "dispatcher",
        t,
        1,
        "send-back/decision",
        {"accept": True, "redispatch_to": p.unit_id("dept-urban")},
    )
    assert _new_work(api, "handler.urban", t) == [2]


def test_a_reopen_notice_points_to_the_new_assignment(platform: Platform) -> None:
    api = Api(platform)
    t = api.dispatched("ent-water")
    api.on("handler.water", t, 1, "acknowledge")
    api.on("handler.water", t, 1, "reply", {"reply": "已疏通"})
    api.on("dispatcher", t, 1, "review", {"approve": True})
    api.act(
        "operator1",
        t,
        "follow-up",
        {"contacted": True, "solved": False, "satisfaction": "unsatisfied", "method": "phone"},
    )
    api.act("dispatcher", t, "reopen", {"reason": "市民反映仍然堵塞"})
    assert _new_work(api, "handler.water", t) == [2, 1]  # newest first
