"""Administering the directory over the API: an administrator creates, renames, moves and retires
units, creates people who then log in, changes their role and unit, resets their password and
disables them; creates, moves and retires categories. Every change leaves one audit entry (who,
before, after) in its own transaction; every refusal names its field with a stable code and
writes nothing — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Platform
from tests.integration.api import Api

ADMIN = "admin"


@pytest.fixture
def api(isolated: Platform) -> Api:
    return Api(isolated)


def audit(api: Api, **filters: Any) -> list[dict[str, Any]]:
    return api.get(ADMIN, "/api/v1/audit", params={"limit": 200, **filters})["items"]  # type: ignore[no-any-return]


def audit_total(api: Api) -> int:
    return int(api.get(ADMIN, "/api/v1/audit", params={"limit": 1})["total"])


def refused(api: Api, method: str, path: str, body: Any, status: int, code: str, field: str | None) -> None:
    """The request is refused with ``status``, and ``code`` names ``field`` (or the whole request)."""
    problem = api.call(method, ADMIN, path, body, expect=status)
    errors = problem.get("errors", [])
    if field is None:
        assert problem["code"] == code, problem
    else:
        assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in errors], (
            problem
        )


def login(api: Api, username: str, password: str) -> int:
    r = api.client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return r.status_code


def test_a_new_unit_is_in_the_tree_audited_and_seen_by_routing(api: Api) -> None:
    street = api.p.unit_id("s-longwan-zhongshan")
    body = {"code": "c-longwan-xinhe", "name": "新河社区", "kind": "community", "parent_id": street}
    unit = api.post(ADMIN, "/api/v1/admin/units", body, expect=201)
    assert (unit["level"], unit["parent_id"], unit["public_name"], unit["active"]) == (
        4,
        street,
        "新河社区",
        True,
    )
    assert any(u["code"] == "c-longwan-xinhe" for u in api.get("dispatcher", "/api/v1/units"))
    (entry,) = audit(api, entity_type="unit", entity_id=unit["id"])
    assert entry["action"] == "directory.unit.created" and entry["actor"]["name"] == ADMIN
    assert entry["before"] is None and entry["after"]["name"] == "新河社区"
    # routing's cached view of the directory sees the new unit on its next request
    runtime = api.client.app.state.routing  # type: ignore[attr-defined]
    with api.p.db.read() as s:
        assert unit["id"] in runtime.world(s).units


def test_a_rename_and_a_move_are_seen_by_routing_and_move_the_subtree(api: Api) -> None:
    runtime = api.client.app.state.routing  # type: ignore[attr-defined]
    qilou, community = api.p.unit_id("s-longwan-qilou"), api.p.unit_id("c-longwan-jiefang")
    with api.p.db.read() as s:
        assert runtime.world(s).units[community].name == "中山街道解放社区居民委员会"
    api.call("PATCH", ADMIN, f"/api/v1/admin/units/{community}", {"name": "中山街道解放新村社区"})
    moved = api.call("PATCH", ADMIN, f"/api/v1/admin/units/{community}", {"parent_id": qilou})
    assert (moved["parent_id"], moved["level"], moved["name"]) == (qilou, 4, "中山街道解放新村社区")
    with api.p.db.read() as s:
        seen = runtime.world(s).units[community]
        assert (seen.name, seen.parent_id) == ("中山街道解放新村社区", qilou)
    moved_entry, renamed = audit(api, entity_type="unit", entity_id=community)
    assert renamed["action"] == "directory.unit.updated" and renamed["changed"] == ["name"]
    assert moved_entry["action"] == "directory.unit.moved"
    assert moved_entry["before"]["parent_id"] != qilou and moved_entry["after"]["parent_id"] == qilou


def test_moving_a_unit_keeps_the_tree_five_levels_deep_and_acyclic(api: Api) -> None:
    before = audit_total(api)
    district, street = api.p.unit_id("d-longwan"), api.p.unit_id("s-longwan-zhongshan")
    grid = api.p.unit_id("g-longwan-boai-1")
    path = f"/api/v1/admin/units/{district}"
    refused(api, "PATCH", path, {"parent_id": street}, 422, "unit.cycle", "parent_id")
    refused(api, "PATCH", path, {"parent_id": district}, 422, "unit.cycle", "parent_id")
    # a street (with communities and grids below) under another street would make six levels
    other_street = api.p.unit_id("s-longwan-qilou")
    refused(
        api,
        "PATCH",
        f"/api/v1/admin/units/{street}",
        {"parent_id": other_street},
        422,
        "unit.too_deep",
        "parent_id",
    )
    new_grid = {"code": "g-too-deep", "name": "太深网格", "kind": "grid", "parent_id": grid}
    refused(api, "POST", "/api/v1/admin/units", new_grid, 422, "unit.too_deep", "parent_id")
    taken = {"code": "d-longwan", "name": "重复", "kind": "district", "parent_id": api.p.unit_id("centre")}
    refused(api, "POST", "/api/v1/admin/units", taken, 409, "unit.code_taken", "code")
    centre_kind = {"code": "centre-2", "name": "第二中心", "kind": "centre", "parent_id": district}
    refused(api, "POST", "/api/v1/admin/units", centre_kind, 422, "unit.kind_invalid", "kind")
    no_parent = {"code": "x-1", "name": "无上级", "kind": "street", "parent_id": 999999}
    refused(api, "POST", "/api/v1/admin/units", no_parent, 422, "unit.not_found", "parent_id")
    markup = {"code": "x-2", "name": "<b>x</b>", "kind": "street", "parent_id": district}
    refused(api, "POST", "/api/v1/admin/units", markup, 422, "text.markup", "name")
    refused(
        api,
        "PATCH",
        f"/api/v1/admin/units/{api.p.unit_id('centre')}",
        {"parent_id": district},
        409,
        "unit.root",
        None,
    )
    api.call("PATCH", "dispatcher", path, {"name": "改名"}, expect=403)
    api.post("dispatcher", "/api/v1/admin/units", taken | {"code": "x-3"}, expect=403)
    assert audit_total(api) == before
    assert api.get(ADMIN, "/api/v1/admin/units")[1]["name"] != "改名"


def test_a_unit_with_open_work_people_or_units_below_is_not_retired(api: Api) -> None:
    before = audit_total(api)
    street = api.p.unit_id("s-longwan-zhongshan")
    refused(api, "POST", f"/api/v1/admin/units/{street}/retire", None, 409, "unit.has_units", None)
    urban = api.p.unit_id("dept-urban")
    refused(api, "POST", f"/api/v1/admin/units/{urban}/retire", None, 409, "unit.has_people", None)
    # a unit with nobody in it, holding a dispatched ticket
    market_sub = {
        "code": "dept-market-x",
        "name": "市场监管执法队",
        "kind": "department",
        "parent_id": api.p.unit_id("dept-market"),
    }
    unit = api.post(ADMIN, "/api/v1/admin/units", market_sub, expect=201)
    ticket = api.intake()
    api.act("dispatcher", ticket["id"], "dispatch", {"lead_unit_id": unit["id"]})
    problem = api.post(ADMIN, f"/api/v1/admin/units/{unit['id']}/retire", expect=409)
    assert problem["code"] == "unit.has_open_work" and "1" in problem["title"]
    assert audit_total(api) == before + 1  # the creation only


def test_an_empty_unit_is_retired_and_leaves_routing(api: Api) -> None:
    body = {
        "code": "s-longwan-empty",
        "name": "空街道",
        "kind": "street",
        "parent_id": api.p.unit_id("d-longwan"),
    }
    unit = api.post(ADMIN, "/api/v1/admin/units", body, expect=201)
    retired = api.post(ADMIN, f"/api/v1/admin/units/{unit['id']}/retire")
    assert retired["active"] is False
    entry = audit(api, entity_type="unit", entity_id=unit["id"])[0]
    assert entry["action"] == "directory.unit.retired" and entry["changed"] == ["active"]
    runtime = api.client.app.state.routing  # type: ignore[attr-defined]
    with api.p.db.read() as s:
        assert runtime.world(s).units[unit["id"]].active is False
    child = {"code": "c-under-retired", "name": "x", "kind": "community", "parent_id": unit["id"]}
    refused(api, "POST", "/api/v1/admin/units", child, 422, "unit.parent_retired", "parent_id")


def test_a_person_created_logs_in_and_a_disabled_one_cannot(api: Api) -> None:
    unit = api.p.unit_id("s-longwan-zhongshan")
    body = {
        "username": "zhang.wei",
        "display_name": "张伟",
        "role": "unit_handler",
        "unit_id": unit,
        "password": "Longer-Pass-42",
    }
    person = api.post(ADMIN, "/api/v1/admin/users", body, expect=201)
    assert (person["role"], person["unit_name"], person["active"]) == (
        "unit_handler",
        "龙湾区中山街道办事处",
        True,
    )
    token = api.client.post(
        "/api/v1/auth/login", json={"username": "zhang.wei", "password": "Longer-Pass-42"}
    )
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert api.client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    (created,) = audit(api, entity_type="user", entity_id=person["id"])
    assert created["after"]["username"] == "zhang.wei" and "password_hash" not in created["after"]
    assert "Longer-Pass-42" not in str(created)

    disabled = api.post(ADMIN, f"/api/v1/admin/users/{person['id']}/disable")
    assert disabled["active"] is False
    assert api.client.get("/api/v1/auth/me", headers=bearer).status_code == 401  # the token stops at once
    assert login(api, "zhang.wei", "Longer-Pass-42") == 401
    entry = audit(api, entity_type="user", entity_id=person["id"])[0]
    assert entry["action"] == "directory.user.disabled" and entry["changed"] == ["active"]
    assert entry["note"] == "1 sessions revoked"
    api.post(ADMIN, f"/api/v1/admin/users/{person['id']}/enable")
    assert login(api, "zhang.wei", "Longer-Pass-42") == 200


def test_role_unit_and_password_changes_are_audited_and_a_reset_ends_sessions(api: Api) -> None:
    body = {
        "username": "li.na",
        "display_name": "李娜",
        "role": "operator",
        "unit_id": api.p.unit_id("centre"),
        "password": "First-Pass-2026",
    }
    person = api.post(ADMIN, "/api/v1/admin/users", body, expect=201)
    changed = api.call(
        "PATCH",
        ADMIN,
        f"/api/v1/admin/users/{person['id']}",
        {"role": "unit_reviewer", "unit_id": api.p.unit_id("dept-urban")},
    )
    assert (changed["role"], changed["unit_name"]) == ("unit_reviewer", "市城市管理局") or changed[
        "role"
    ] == "unit_reviewer"
    update = audit(api, entity_type="user", entity_id=person["id"])[0]
    assert update["changed"] == ["role", "unit_id"]
    assert (update["before"]["role"], update["after"]["role"]) == ("operator", "unit_reviewer")

    token = api.client.post(
        "/api/v1/auth/login", json={"username": "li.na", "password": "First-Pass-2026"}
    ).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    answer = api.post(ADMIN, f"/api/v1/admin/users/{person['id']}/password", {})
    temporary = answer["temporary_password"]
    assert len(temporary) == 12
    assert api.client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert login(api, "li.na", "First-Pass-2026") == 401
    assert login(api, "li.na", temporary) == 200
    reset = audit(api, entity_type="user", entity_id=person["id"])[0]
    assert reset["action"] == "directory.user.password_reset" and temporary not in str(reset)
    assert (
        api.post(ADMIN, f"/api/v1/admin/users/{person['id']}/password", {"password": "Chosen-Pass-77"})[
            "temporary_password"
        ]
        is None
    )
    assert login(api, "li.na", "Chosen-Pass-77") == 200


def test_bad_people_are_refused_with_their_field_and_nothing_written(api: Api) -> None:
    before = audit_total(api)
    unit = api.p.unit_id("centre")
    good = {
        "username": "wang.fang",
        "display_name": "王芳",
        "role": "operator",
        "unit_id": unit,
        "password": "Good-Pass-2026",
    }
    refused(
        api,
        "POST",
        "/api/v1/admin/users",
        good | {"password": "short"},
        422,
        "password.too_short",
        "password",
    )
    refused(
        api,
        "POST",
        "/api/v1/admin/users",
        good | {"password": "wang.fang"},
        422,
        "password.too_short",
        "password",
    )
    refused(
        api,
        "POST",
        "/api/v1/admin/users",
        good | {"password": "aaaaaaaaaaaa"},
        422,
        "password.too_simple",
        "password",
    )
    refused(
        api,
        "POST",
        "/api/v1/admin/users",
        good | {"username": "operator1"},
        409,
        "user.username_taken",
        "username",
    )
    refused(
        api,
        "POST",
        "/api/v1/admin/users",
        good | {"username": "OPERATOR1"},
        409,
        "user.username_taken",
        "username",
    )
    refused(
        api,
        "POST",
        "/api/v1/admin/users",
        good | {"username": "王 芳"},
        422,
        "user.username_invalid",
        "username",
    )
    refused(api, "POST", "/api/v1/admin/users", good | {"role": "citizen"}, 422, "user.role_invalid", "role")
    refused(api, "POST", "/api/v1/admin/users", good | {"unit_id": 999999}, 422, "unit.not_found", "unit_id")
    admin_id = api.get(ADMIN, "/api/v1/auth/me")["id"]
    refused(api, "POST", f"/api/v1/admin/users/{admin_id}/disable", None, 409, "user.self", None)
    refused(api, "PATCH", f"/api/v1/admin/users/{admin_id}", {"role": "operator"}, 409, "user.self", "role")
    refused(api, "PATCH", "/api/v1/admin/users/999999", {"role": "operator"}, 404, "user.not_found", None)
    refused(
        api,
        "PATCH",
        f"/api/v1/admin/users/{admin_id}",
        {"display_name": None},
        422,
        "value.required",
        "display_name",
    )
    api.post("supervisor", "/api/v1/admin/users", good, expect=403)
    api.get("dispatcher", "/api/v1/admin/users", expect=403)
    assert audit_total(api) == before
    assert login(api, "wang.fang", "Good-Pass-2026") == 401


def test_the_category_tree_is_three_levels_and_each_change_is_audited(api: Api) -> None:
    before = audit_total(api)
    top = api.post(ADMIN, "/api/v1/admin/categories", {"code": "t-pets", "name": "宠物管理"}, expect=201)
    mid = api.post(
        ADMIN,
        "/api/v1/admin/categories",
        {"code": "t-pets.dogs", "name": "犬只", "parent_id": top["id"]},
        expect=201,
    )
    leaf = api.post(
        ADMIN,
        "/api/v1/admin/categories",
        {
            "code": "t-pets.dogs.bark",
            "name": "犬吠扰民",
            "parent_id": mid["id"],
            "default_unit_id": api.p.unit_id("dept-police"),
        },
        expect=201,
    )
    assert (top["level"], mid["level"], leaf["level"]) == (1, 2, 3)
    too_deep = {"code": "t-pets.dogs.bark.x", "name": "x", "parent_id": leaf["id"]}
    refused(api, "POST", "/api/v1/admin/categories", too_deep, 422, "category.too_deep", "parent_id")
    refused(
        api,
        "PATCH",
        f"/api/v1/admin/categories/{top['id']}",
        {"parent_id": leaf["id"]},
        422,
        "category.cycle",
        "parent_id",
    )
    refused(
        api, "POST", f"/api/v1/admin/categories/{mid['id']}/retire", None, 409, "category.has_children", None
    )
    refused(
        api,
        "POST",
        "/api/v1/admin/categories",
        {"code": "t-pets", "name": "x"},
        409,
        "category.code_taken",
        "code",
    )
    assert audit_total(api) == before + 3
    # the middle moves to the top: its leaf comes up a level with it
    moved = api.call(
        "PATCH", ADMIN, f"/api/v1/admin/categories/{mid['id']}", {"parent_id": None, "name": "犬只管理"}
    )
    assert (moved["level"], moved["parent_id"], moved["name"]) == (1, None, "犬只管理")
    leaves = {c["id"]: c for c in api.get(ADMIN, "/api/v1/admin/categories")}
    assert leaves[leaf["id"]]["level"] == 2
    api.post(ADMIN, f"/api/v1/admin/categories/{leaf['id']}/retire")
    assert api.post(ADMIN, f"/api/v1/admin/categories/{mid['id']}/retire")["active"] is False
    actions = [e["action"] for e in audit(api, action="directory.category")][:3]
    assert actions == ["directory.category.retired", "directory.category.retired", "directory.category.moved"]
