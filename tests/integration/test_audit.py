"""The audit of admin changes: every change an administrator makes (kb, routing rules, time limits,
webhooks, Open311 services and keys) leaves one entry saying who, when, what, before and after,
in the transaction of the change; refused changes leave none; secrets never appear; only
administrators read it, filtered and paged, in the centre's zone."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from hotline.audit.service import Actor
from hotline.kb import service as kb
from hotline.routing import queue, taxonomy
from tests.conftest import Platform
from tests.integration.api import Api

ADMIN = "admin"
WEBHOOK_SECRET = "audit-test-signing-secret-0123456789"


@pytest.fixture
def api(isolated: Platform) -> Api:
    return Api(isolated)


def entries(api: Api, **filters: Any) -> dict[str, Any]:
    return api.get(ADMIN, "/api/v1/audit", params={"limit": 200, **filters})  # type: ignore[no-any-return]


def only(api: Api, **filters: Any) -> dict[str, Any]:
    page = entries(api, **filters)
    assert page["total"] == 1, page
    return page["items"][0]  # type: ignore[no-any-return]


def total(api: Api) -> int:
    return int(entries(api, limit=1)["total"])


def test_a_kb_article_created_edited_and_retired_leaves_three_entries_by_the_administrator(api: Api) -> None:
    body = {"kind": "answer", "title": "犬只免疫", "body": "每年接种一次狂犬疫苗。", "keywords": ["狂犬疫苗"]}
    article = api.post(ADMIN, "/api/v1/kb/articles", body, expect=201)
    api.call("PATCH", ADMIN, f"/api/v1/kb/articles/{article['id']}", {"body": "每年须接种兽用狂犬疫苗。"})
    api.call("DELETE", ADMIN, f"/api/v1/kb/articles/{article['id']}", expect=204)

    page = entries(api, entity_type="kb_article", entity_id=article["id"])
    retired, updated, created = page["items"]  # newest first
    assert [e["action"] for e in (created, updated, retired)] == [
        "kb.article.created",
        "kb.article.updated",
        "kb.article.retired",
    ]
    admin_id = api.get(ADMIN, "/api/v1/auth/me")["id"]
    for e in page["items"]:
        assert e["actor"] == {"user_id": admin_id, "name": "admin"}
        assert e["at"].endswith("+08:00")
    assert created["before"] is None and created["after"]["title"] == "犬只免疫"
    assert updated["before"]["body"] == "每年接种一次狂犬疫苗。"
    assert updated["after"]["body"] == "每年须接种兽用狂犬疫苗。"
    assert updated["changed"] == ["body"]
    assert retired["before"]["active"] is True and retired["after"]["active"] is False


def test_a_refused_change_writes_nothing(api: Api) -> None:
    before = total(api)
    bad_article = {"kind": "answer", "title": "x", "body": "y", "category_code": "no.such"}
    api.post(ADMIN, "/api/v1/kb/articles", bad_article, expect=422)
    api.post("dispatcher", "/api/v1/kb/articles", {"kind": "answer", "title": "x", "body": "y"}, expect=403)
    api.call("PATCH", ADMIN, "/api/v1/kb/articles/999999", {"title": "x"}, expect=404)
    api.call("PUT", ADMIN, "/api/v1/admin/time-limits", {"rules": [{"reply": "3d"}]}, expect=422)
    api.call("PUT", "dispatcher", "/api/v1/admin/time-limits", {"rules": [{"reply": "3wd"}]}, expect=403)
    api.post(
        ADMIN, "/api/v1/routing/rules", {"name": "x", "keywords": ["某词"], "category_code": "no"}, expect=422
    )
    api.call("DELETE", ADMIN, "/api/v1/routing/rules/999999", expect=404)
    api.post(ADMIN, "/api/v1/admin/webhooks", {"name": "x", "url": "ftp://example.org/"}, expect=422)
    api.post(ADMIN, "/api/v1/open311/services", {"code": "901", "category_code": "nope"}, expect=422)
    api.post(ADMIN, "/api/v1/open311/keys/999999/revoke", expect=404)
    assert total(api) == before


def test_a_change_that_fails_after_its_entry_leaves_neither(isolated: Platform, api: Api) -> None:
    admin = Actor("admin", api.get(ADMIN, "/api/v1/auth/me")["id"])
    with pytest.raises(RuntimeError), isolated.db.write() as s:
        made = kb.create(
            s, {"kind": "answer", "title": "回滚", "body": "不会留下。"}, admin, isolated.clock()
        )
        lost = made.id
        raise RuntimeError("the change fails after record()")
    assert entries(api, entity_type="kb_article", entity_id=lost)["total"] == 0
    api.get(ADMIN, f"/api/v1/kb/articles/{lost}", expect=404)


def test_replacing_the_time_limit_policy_keeps_the_old_and_the_new_rules(api: Api) -> None:
    old = api.get(ADMIN, "/api/v1/time-limits")["rules"]
    new = {"rules": [{"acknowledge": "30m", "contact": "1wd", "reply": "5wd"}]}
    api.call("PUT", ADMIN, "/api/v1/admin/time-limits", new)
    e = entries(api, action="time_limits.policy.replaced")["items"][0]
    assert e["actor"]["name"] == "admin" and e["entity_type"] == "time_limit_policy"
    assert [r.get("reply") for r in e["before"]] == [r.get("reply") for r in old]
    assert e["after"] == [{"acknowledge": "30m", "contact": "1wd", "reply": "5wd"}]
    restore = [{k: v for k, v in r.items() if k != "labels"} for r in old]
    api.call("PUT", ADMIN, "/api/v1/admin/time-limits", {"rules": restore})


def test_routing_rules_are_audited_from_creation_to_deletion(isolated: Platform, api: Api) -> None:
    body = {"name": "骑楼外墙", "keywords": ["骑楼外墙"], "unit_id": isolated.unit_id("dept-culture")}
    rule = api.post(ADMIN, "/api/v1/routing/rules", body, expect=201)
    api.call("PATCH", ADMIN, f"/api/v1/routing/rules/{rule['id']}", {"confidence": 0.8})
    api.call("DELETE", ADMIN, f"/api/v1/routing/rules/{rule['id']}", expect=204)
    deleted, updated, created = entries(api, entity_type="routing_rule", entity_id=rule["id"])["items"]
    assert (created["action"], updated["action"], deleted["action"]) == (
        "routing.rule.created",
        "routing.rule.updated",
        "routing.rule.deleted",
    )
    assert updated["changed"] == ["confidence"] and updated["after"]["confidence"] == 0.8
    assert deleted["before"]["name"] == "骑楼外墙" and deleted["after"] is None


def test_secrets_never_appear_in_the_audit(api: Api) -> None:
    sub = api.post(
        ADMIN,
        "/api/v1/admin/webhooks",
        {"name": "城管系统", "url": "http://127.0.0.1:9/hook", "secret": WEBHOOK_SECRET},
        expect=201,
    )
    replaced = "audit-test-replaced-secret-987654321"
    api.call("PATCH", ADMIN, f"/api/v1/admin/webhooks/{sub['id']}", {"secret": replaced})
    api.call("DELETE", ADMIN, f"/api/v1/admin/webhooks/{sub['id']}", expect=204)
    key = api.post(ADMIN, "/api/v1/open311/keys", {"name": "审计测试客户端"}, expect=201)
    api.post(ADMIN, f"/api/v1/open311/keys/{key['id']}/revoke")

    hooks = entries(api, entity_type="webhook", entity_id=sub["id"])["items"]
    assert [e["action"] for e in hooks] == ["webhook.deactivated", "webhook.updated", "webhook.created"]
    assert hooks[1]["note"] and "secret" in hooks[1]["note"]
    assert hooks[2]["after"]["secret"] == "***" and hooks[2]["after"]["url"] == "http://127.0.0.1:9/hook"
    keys = entries(api, entity_type="open311_key", entity_id=key["id"])["items"]
    assert [e["action"] for e in keys] == ["open311.key.revoked", "open311.key.issued"]
    assert keys[1]["after"]["key_hash"] == "***" and keys[0]["after"]["revoked_at"] is not None

    everything = json.dumps(entries(api), ensure_ascii=False)
    for secret in (WEBHOOK_SECRET, replaced, key["key"]):
        assert secret not in everything


def test_open311_service_changes_are_audited(api: Api) -> None:
    body = {"code": "931", "category_code": "urban.construction_site", "keywords": ["扬尘"]}
    created = api.post(ADMIN, "/api/v1/open311/services", body, expect=201)
    api.call("PATCH", ADMIN, "/api/v1/open311/services/931", {"published": False})
    updated, made = entries(api, entity_type="open311_service", entity_id=created["code"])["items"]
    assert (made["action"], updated["action"]) == ("open311.service.created", "open311.service.updated")
    assert updated["before"]["published"] is True and updated["after"]["published"] is False
    assert updated["changed"] == ["published"]


def test_loading_the_city_is_audited_as_the_loader(api: Api) -> None:
    loaded = only(api, action="directory.city.loaded")
    assert loaded["actor"] == {"user_id": None, "name": "loader"}
    assert loaded["after"]["units"] > 10 and "admin" in loaded["after"]["users_by_role"]
    services = entries(api, actor="loader", action="open311.service")
    assert services["total"] >= 1 and {e["action"] for e in services["items"]} == {"open311.service.created"}
    duties = entries(api, actor="loader", action="kb.article.created", entity_type="kb_article")
    assert duties["total"] >= 10 and all("同步" in e["note"] for e in duties["items"])


def test_a_taxonomy_import_is_one_entry_with_the_tree_before_and_after(isolated: Platform, api: Api) -> None:
    rows = [("审计测试一级", "审计测试二级", "审计测试三级")]
    with isolated.db.write() as s:
        taxonomy.import_rows(s, rows, isolated.clock(), replace=False)
    e = entries(api, action="routing.taxonomy.imported")["items"][0]
    assert e["actor"] == {"user_id": None, "name": "cli"} and e["entity_type"] == "category_tree"
    assert e["after"]["created"] == 3 and e["after"]["retired"] == 0 and e["after"]["replace"] is False
    assert e["after"]["categories"] == e["before"]["categories"] + 3


def test_filters_and_pages(isolated: Platform, api: Api) -> None:
    start = isolated.clock()
    isolated.clock.advance(hours=3)
    try:
        made = [
            api.post(
                ADMIN,
                "/api/v1/kb/articles",
                {"kind": "answer", "title": f"筛选{i}", "body": "正文"},
                expect=201,
            )
            for i in range(3)
        ]
        later = isolated.clock() - timedelta(minutes=1)
        window = entries(api, **{"from": later.isoformat(), "action": "kb.article.created"})
        assert [e["entity_id"] for e in window["items"]] == [str(a["id"]) for a in reversed(made)]
        naive = later.astimezone(isolated.client.app.state.settings.zone).replace(tzinfo=None)  # type: ignore[attr-defined]
        assert entries(api, **{"from": naive.isoformat(), "action": "kb"})["total"] == 3
        assert entries(api, **{"to": later.isoformat(), "entity_id": made[0]["id"]})["total"] == 0
        page = api.get(ADMIN, "/api/v1/audit", params={"from": later.isoformat(), "limit": 2, "offset": 1})
        assert page["total"] == 3 and [e["entity_id"] for e in page["items"]] == [
            str(made[1]["id"]),
            str(made[0]["id"]),
        ]
        assert entries(api, actor="admin", **{"from": later.isoformat()})["total"] == 3
        assert entries(api, actor="loader", **{"from": later.isoformat()})["total"] == 0
        assert entries(api, action="kb.article")["total"] >= 3
        assert entries(api, action="kb.art")["total"] == 0  # a prefix ends at a dot
        problem = api.get(
            ADMIN, "/api/v1/audit", params={"from": later.isoformat(), "to": start.isoformat()}, expect=422
        )
        assert problem["code"] == "audit.time_range" and problem["errors"][0]["field"] == "to"
    finally:
        isolated.clock.now = start


def test_only_administrators_read_the_audit(api: Api) -> None:
    for user in ("operator1", "dispatcher", "supervisor", "handler.urban"):
        assert api.get(user, "/api/v1/audit", expect=403)["code"] == "permission.admin"
    api.get(None, "/api/v1/audit", expect=401)


def test_a_routing_decision_is_readable_by_an_administrator(isolated: Platform, api: Api) -> None:
    state = isolated.client.app.state  # type: ignore[attr-defined]
    queue.drain(isolated.db, state.routing, state.wiring.routing_policy, isolated.clock)
    ticket = api.intake(content="望海社区门口那盏路灯闪个不停")["id"]
    assert queue.drain(isolated.db, state.routing, state.wiring.routing_policy, isolated.clock) == 1

    decided = only(api, entity_type="ticket", entity_id=ticket, action="routing")
    advice = api.get("dispatcher", f"/api/v1/tickets/{ticket}/routing")
    assert decided["action"] == "routing.decided" and decided["actor"] == {"user_id": None, "name": "router"}
    assert decided["after"]["decision"] == advice["decision"] == "disabled"  # auto-dispatch is off here
    assert decided["note"].startswith("未开启自动派单")
    assert [(s["category_code"], s["confidence"]) for s in decided["after"]["suggestions"]] == [
        (s["category"]["code"] if s["category"] else None, s["confidence"]) for s in advice["suggestions"]
    ]
    assert decided["after"]["threshold"] == state.settings.routing_auto_dispatch_threshold
    assert "model" in decided["after"]
