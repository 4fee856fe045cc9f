"""Defects of issue 13, each shown as a user would meet it: the assignment a unit's notice points
to, who may review a reply when the parent unit has no reviewer, and citizens' personal data."""

from __future__ import annotations

from itertools import pairwise
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


def _delegate_down(api: Api, ticket: int, chain: list[tuple[str, str]]) -> int:
    """Each (user, unit code) acknowledges its assignment and passes the work to the next unit;
    returns the number of the last assignment made."""
    no = 1
    for (user, _unit), (_next_user, next_unit) in pairwise(chain):
        api.on(user, ticket, no, "acknowledge")
        after = api.on(user, ticket, no, "delegate", {"unit_id": api.p.unit_id(next_unit)})
        no = max(a["no"] for a in after["assignments"])
    return no


def grid_reply_under_boai(api: Api, reply: str) -> tuple[int, int]:
    """A ticket of 龙湾区 passed down to 中山街道, 博爱社区 (no reviewer there) and its first grid,
    which replies; returns (ticket, the grid's assignment number)."""
    t = api.dispatched("d-longwan")
    chain = [
        ("handler.longwan", "d-longwan"),
        ("handler.zhongshan", "s-longwan-zhongshan"),
        ("handler.boai", "c-longwan-boai"),
        ("grid.boai1", "g-longwan-boai-1"),
    ]
    no = _delegate_down(api, t, chain)
    api.on("grid.boai1", t, no, "acknowledge")
    api.on("grid.boai1", t, no, "reply", {"reply": reply})
    return t, no


def test_a_grids_reply_under_a_community_without_reviewer_is_reviewed_by_the_street(
    platform: Platform,
) -> None:
    api = Api(platform)
    t, grid_no = grid_reply_under_boai(api, "已清理楼道杂物")
    told = [(n["kind"], n["assignment_no"]) for n in _notices(api, "reviewer.zhongshan", t)]
    assert ("reply", grid_no) in told
    api.on("handler.boai", t, grid_no, "review", {"approve": True}, expect=403)  # a handler never reviews
    for who in ("dispatcher", "reviewer.longwan"):
        refused = api.on(who, t, grid_no, "review", {"approve": True}, expect=403)
        assert refused["code"] == "permission.not_reviewer"
        assert "龙湾区中山街道办事处" in refused["title"] and "审核人" in refused["title"]
    en = api.post(
        "dispatcher", f"/api/v1/tickets/{t}/assignments/{grid_no}/review?lang=en", {"approve": True}, 403
    )
    assert "Zhongshan Subdistrict" in en["title"]
    api.on("reviewer.zhongshan", t, grid_no, "review", {"approve": True})
    # The grid's reply became 博爱社区's; its reviewer is the street (which delegated it), then 龙湾区, then the centre.
    after = api.on("reviewer.zhongshan", t, grid_no - 1, "review", {"approve": True})
    assert {a["no"]: a["state"] for a in after["assignments"]}[grid_no - 2] == "replied"
    api.on("reviewer.longwan", t, grid_no - 2, "review", {"approve": True})
    api.on("reviewer.longwan", t, 1, "review", {"approve": False, "reason": "请补充照片"}, expect=403)
    done = api.on("dispatcher", t, 1, "review", {"approve": True})
    assert done["status"] == "reviewed"


def test_with_no_reviewer_up_the_tree_the_centre_reviews(platform: Platform) -> None:
    api = Api(platform)
    t = api.dispatched("s-binjiang-jiangdong")
    grid_no = _delegate_down(
        api, t, [("handler.jiangdong", "s-binjiang-jiangdong"), ("grid.jiangdong1", "g-binjiang-jiangdong-1")]
    )
    api.on("grid.jiangdong1", t, grid_no, "acknowledge")
    api.on("grid.jiangdong1", t, grid_no, "reply", {"reply": "已修复"})
    assert ("reply", grid_no) in [(n["kind"], n["assignment_no"]) for n in _notices(api, "dispatcher", t)]
    refused = api.on("reviewer.zhongshan", t, grid_no, "review", {"approve": True}, expect=403)
    assert "派单员" in refused["title"]
    api.on("dispatcher", t, grid_no, "review", {"approve": True})


def _personal_data_views(p: Platform, ticket: int) -> list[str]:
    from sqlalchemy import select

    from hotline.audit.models import AuditEntry

    with p.db.read() as s:
        return list(
            s.scalars(
                select(AuditEntry.actor_name)
                .where(
                    AuditEntry.action == "ticket.personal_data_viewed",
                    AuditEntry.entity_id == str(ticket),
                )
                .order_by(AuditEntry.id)
            )
        )


def test_name_and_address_are_masked_where_the_phone_is_and_full_views_are_recorded(
    platform: Platform,
) -> None:
    p, api = platform, Api(platform)
    t = api.intake(citizen_name="欧阳建华", address="龙湾区中山路128号3栋502")["id"]
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id("dept-urban")})
    full = api.get("handler.urban", f"/api/v1/tickets/{t}")
    assert (full["citizen_name"], full["address"]) == ("欧阳建华", "龙湾区中山路128号3栋502")
    assert full["citizen_phone"] == "13812345678"
    for who in ("reviewer.urban", "supervisor"):
        shown = api.get(who, f"/api/v1/tickets/{t}")
        assert shown["citizen_phone"] == "138****5678"
        assert shown["citizen_name"] == "欧***"
        assert shown["address"].startswith("龙湾区中山路") and "128" not in shown["address"]
        received = api.events(who, t)[0]["payload"]
        assert received["citizen_name"] == "欧***" and "128" not in received["address"]
    assert _personal_data_views(p, t) == ["handler.urban"]
    api.get("operator1", f"/api/v1/tickets/{t}")
    assert _personal_data_views(p, t) == ["handler.urban", "operator1"]
