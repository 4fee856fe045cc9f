"""The rest of the administration on pages: the `/admin` index behind one header link, the unit
inbox for units only (the centre is sent to its own desk), and the pages for what was API-only:
the knowledge base, time limits, routing rules, webhooks and Open311 services. Each page calls the
API's own service, is audited, refuses beside the field with what was typed kept, and is closed to
anyone but an administrator."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import csrf_of, logged_in


@pytest.fixture
def admin(isolated: Platform) -> TestClient:
    return logged_in(isolated, "admin")


def post(b: TestClient, path: str, data: dict[str, Any], page: str | None = None) -> Any:
    """Submit a form of ``page`` (the path itself by default) with the session's CSRF token."""
    token = csrf_of(b.get(page or path).text)
    return b.post(path, data={**data, "csrf": token})


def latest_audit(platform: Platform, action: str) -> dict[str, Any]:
    items = Api(platform).get("admin", "/api/v1/audit", params={"action": action, "limit": 1})["items"]
    assert items, f"no audit entry {action}"
    return dict(items[0])


def header_nav(html: str) -> str:
    found = re.search(r"<nav aria-label=[^>]*>(.*?)</nav>", html, re.S)
    assert found, "the page has no header nav"
    return found.group(1)


def test_the_administration_is_one_header_link_to_an_index_of_its_pages(
    isolated: Platform, admin: TestClient
) -> None:
    r = admin.get("/inbox")
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    html = admin.get("/admin").text
    nav = header_nav(html)
    assert 'href="/admin"' in nav and 'aria-current="page"' in nav
    assert "/admin/units" not in nav and 'href="/inbox"' not in nav
    main = html[html.index("<main") :]
    for path in ("/admin/units", "/admin/people", "/admin/categories", "/admin/open311/keys", "/admin/audit"):
        assert f'href="{path}"' in main, path
    assert "五级单位树" in main
    # on a page under it, the one link is the current one
    assert 'aria-current="page"' in header_nav(admin.get("/admin/units").text)
    assert "Administration" in admin.get("/admin?lang=en").text


@pytest.mark.parametrize(
    ("who", "desk"), [("dispatcher", "/console"), ("operator1", "/workbench"), ("supervisor", "/console")]
)
def test_the_centre_is_sent_from_the_unit_inbox_to_its_own_desk(
    isolated: Platform, who: str, desk: str
) -> None:
    b = logged_in(isolated, who)
    r = b.get("/inbox")
    assert r.status_code == 303 and r.headers["location"] == desk
    nav = header_nav(b.get(desk).text)
    assert 'href="/inbox"' not in nav and 'href="/admin"' not in nav
    r = b.get("/admin")
    assert r.status_code == 403 and "只有管理员" in r.text
    assert 'href="/inbox"' not in r.text  # the refusal's way back is the person's own desk


def test_a_unit_keeps_its_inbox_link(isolated: Platform) -> None:
    b = logged_in(isolated, "handler.longwan")
    html = b.get("/inbox")
    assert html.status_code == 200
    nav = header_nav(html.text)
    assert 'href="/inbox"' in nav and "/admin" not in nav


def test_the_knowledge_base_page_creates_changes_and_retires_an_answer(
    isolated: Platform, admin: TestClient
) -> None:
    html = admin.get("/admin/kb?kind=duty").text
    assert "职责清单" in html and "/admin/kb/" in html
    r = post(
        admin,
        "/admin/kb",
        {
            "kind": "answer",
            "title": "居住证办理",
            "body": "携带身份证到社区服务中心办理。",
            "keywords": "居住证，办理",
        },
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?done=created")
    article = int(r.headers["location"].split("/")[-1].split("?")[0])
    page = admin.get(r.headers["location"]).text
    assert "条目已新建" in page and "携带身份证到社区服务中心办理。" in page
    entry = latest_audit(isolated, "kb.article.created")
    assert entry["entity_id"] == str(article) and entry["actor"]["name"] == "admin"
    assert "居住证办理" in admin.get("/admin/kb?q=居住证").text  # found by the operators' search

    r = post(
        admin, f"/admin/kb/{article}", {"kind": "answer", "title": "居住证办理（新）", "body": "线上办理。"}
    )
    assert r.status_code == 303
    assert Api(isolated).get("admin", f"/api/v1/kb/articles/{article}")["title"] == "居住证办理（新）"
    assert latest_audit(isolated, "kb.article.updated")["entity_id"] == str(article)

    r = post(admin, f"/admin/kb/{article}/retire", {}, page=f"/admin/kb/{article}")
    assert r.status_code == 303 and "条目已撤下" in admin.get(r.headers["location"]).text
    assert admin.get(f"/admin/kb/{article}").status_code == 404


def test_a_refused_article_is_drawn_again_with_the_apis_message_and_what_was_typed(
    isolated: Platform, admin: TestClient
) -> None:
    before = Api(isolated).get("admin", "/api/v1/audit", params={"limit": 1})["total"]
    r = post(admin, "/admin/kb", {"kind": "answer", "title": "", "body": "只写了正文"})
    assert r.status_code == 422
    assert 'id="err-title"' in r.text and "只写了正文" in r.text
    assert re.search(r'id="title"[^>]*autofocus', r.text)  # the field to correct has the focus
    r = post(admin, "/admin/kb", {"kind": "answer", "title": "有标题", "body": "x", "category_code": "nope"})
    assert r.status_code == 422 and 'id="err-category_code"' in r.text and 'value="有标题"' in r.text
    assert Api(isolated).get("admin", "/api/v1/audit", params={"limit": 1})["total"] == before


def test_only_administrators_open_the_new_admin_pages(isolated: Platform) -> None:
    b = logged_in(isolated, "dispatcher")
    pages = ("/admin", "/admin/kb", "/admin/time-limits", "/admin/routing-rules", "/admin/webhooks")
    for path in (*pages, "/admin/open311/services"):
        r = b.get(path)
        assert r.status_code == 403 and "只有管理员" in r.text, path
    token = csrf_of(b.get("/console").text)
    for path in ("/admin/kb", "/admin/time-limits", "/admin/routing-rules", "/admin/webhooks"):
        assert b.post(path, data={"csrf": token, "name": "x", "title": "x"}).status_code == 403, path


def _policy_form(html: str) -> dict[str, list[str]]:
    """The time-limit table's fields as the browser would post them, in order."""
    form: dict[str, list[str]] = {}
    start = html.index('action="/admin/time-limits"')
    table = html[start : html.index("</form>", start)]
    for tag in re.finditer(r"<select([^>]*)>(.*?)</select>|<input([^>]*)>", table, re.S):
        attrs = tag.group(1) or tag.group(3)
        name = re.search(r'name="([^"]+)"', attrs)
        if not name or name.group(1) in ("csrf", "remove"):
            continue
        if tag.group(1) is not None:
            chosen = re.search(r'<option value="([^"]*)" selected', tag.group(2))
            value = chosen.group(1) if chosen else ""
        else:
            found = re.search(r' value="([^"]*)"', attrs)
            value = found.group(1) if found else ""
        form.setdefault(name.group(1), []).append(value)
    return form


def test_the_time_limits_page_saves_the_policy_and_previews_deadlines(
    isolated: Platform, admin: TestClient
) -> None:
    html = admin.get("/admin/time-limits").text
    assert "时限策略" in html and "期限预览" in html and "截止时间" in html
    form = _policy_form(html)
    rows = len(form["reply"])
    # the first blank row becomes an emergency rule: reply within 1 working day
    first_blank = next(i for i in range(rows) if not any(form[f][i] for f in form))
    form["urgency"][first_blank], form["reply"][first_blank] = "emergency", "1wd"
    form["kind"][first_blank] = "help"
    r = admin.post("/admin/time-limits", data={**form, "csrf": csrf_of(html)})
    assert r.status_code == 303 and r.headers["location"] == "/admin/time-limits?done=saved"
    saved = Api(isolated).get("admin", "/api/v1/time-limits")
    assert saved["source"] == "stored"
    assert {"urgency": "emergency", "kind": "help", "reply": "1wd"}.items() <= next(
        rule for rule in saved["rules"] if rule.get("kind") == "help"
    ).items()
    assert latest_audit(isolated, "time_limits.policy.replaced")["actor"]["name"] == "admin"
    preview = admin.get("/admin/time-limits?p_urgency=emergency&p_kind=help").text
    assert "1个工作日" in preview


def test_a_refused_time_limit_is_named_by_its_cell_and_kept(isolated: Platform, admin: TestClient) -> None:
    html = admin.get("/admin/time-limits").text
    form = _policy_form(html)
    form["reply"][0] = "3xd"
    before = Api(isolated).get("admin", "/api/v1/time-limits")["rules"]
    r = admin.post("/admin/time-limits", data={**form, "csrf": csrf_of(html)})
    assert r.status_code == 422 and 'id="err-rules.0.reply"' in r.text and "时限策略无效" in r.text
    assert re.search(r'id="rules.0.reply"[^>]*value="3xd"[^>]*autofocus', r.text)
    form["reply"][0], form["category"][0] = "3wd", "no-such-code"
    r = admin.post("/admin/time-limits", data={**form, "csrf": csrf_of(html)})
    assert r.status_code == 422 and 'id="err-rules.0.category"' in r.text and "分类不存在" in r.text
    assert Api(isolated).get("admin", "/api/v1/time-limits")["rules"] == before


def test_the_routing_rules_page_creates_a_rule_that_a_tried_text_matches(
    isolated: Platform, admin: TestClient
) -> None:
    unit = isolated.unit_id("d-longwan")
    r = post(
        admin,
        "/admin/routing-rules",
        {
            "name": "工地扬尘",
            "keywords": "扬尘，渣土",
            "exclude_keywords": "表扬",
            "category_code": "urban.construction_site",
            "unit_id": str(unit),
            "confidence": "0.9",
        },
    )
    assert r.status_code == 303 and "done=created" in r.headers["location"]
    rule = int(r.headers["location"].split("#rule-")[1])
    entry = latest_audit(isolated, "routing.rule.created")
    assert entry["entity_id"] == str(rule) and entry["after"]["keywords"] == ["扬尘", "渣土"]
    tried = admin.get("/admin/routing-rules", params={"try": "楼下工地渣土车漏撒，扬尘很大"}).text
    result = tried[tried.index('id="try-result"') :]
    assert "命中 1 条规则" in result[: result.index("</p>")] and f'href="#rule-{rule}"' in result
    assert "命中“扬尘”" in tried or "命中“渣土”" in tried
    spared = admin.get("/admin/routing-rules", params={"try": "表扬清理渣土的工人"}).text
    assert "没有规则命中" in spared and "因“表扬”排除" in spared
    # the same rule is what the router uses
    found = Api(isolated).post("dispatcher", "/api/v1/routing/suggest", {"text": "工地渣土车扬尘严重"})
    assert any(str(rule) in str(s_) for s_ in found["suggestions"])

    # changed and paused, then deleted
    r = post(
        admin,
        f"/admin/routing-rules/{rule}",
        {
            "name": "工地扬尘",
            "keywords": "扬尘",
            "category_code": "urban.construction_site",
            "confidence": "0.9",
        },
    )
    assert r.status_code == 303
    assert latest_audit(isolated, "routing.rule.updated")["after"]["active"] is False
    assert "已停用" in admin.get("/admin/routing-rules").text
    r = post(admin, f"/admin/routing-rules/{rule}/delete", {}, page=f"/admin/routing-rules/{rule}")
    assert r.status_code == 303 and admin.get(f"/admin/routing-rules/{rule}").status_code == 404
    assert latest_audit(isolated, "routing.rule.deleted")["entity_id"] == str(rule)


def test_a_refused_rule_keeps_what_was_typed(isolated: Platform, admin: TestClient) -> None:
    r = post(admin, "/admin/routing-rules", {"name": "无目标", "keywords": "井盖"})
    assert r.status_code == 422 and "无目标" in r.text and 'value="井盖"' in r.text
    assert "规则须指定分类或承办单位" in r.text
    r = post(admin, "/admin/routing-rules", {"name": "坏分类", "keywords": "井盖", "category_code": "nope"})
    assert r.status_code == 422 and 'id="err-category_code"' in r.text and "分类不存在" in r.text
    assert re.search(r'id="category_code"[^>]*autofocus', r.text)
    r = post(
        admin,
        "/admin/routing-rules",
        {
            "name": "坏置信度",
            "keywords": "井盖",
            "category_code": "urban.construction_site",
            "confidence": "7",
        },
    )
    assert r.status_code == 422 and 'id="err-confidence"' in r.text and 'value="7"' in r.text


def test_the_webhooks_page_subscribes_shows_deliveries_and_sends_a_failed_one_again(
    isolated: Platform, admin: TestClient
) -> None:
    from sqlalchemy import update

    from hotline.notify import webhooks
    from hotline.notify.models import WebhookDelivery

    r = post(
        admin,
        "/admin/webhooks",
        {"name": "城管局系统", "url": "http://127.0.0.1:9/hook", "event_tags": "ticket.dispatched"},
    )
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    secret = re.search(r'id="issued-secret">([^<]+)<', r.text)
    assert secret and len(secret.group(1)) >= 32
    sub = int(re.search(r'href="/admin/webhooks/(\d+)"', r.text).group(1))  # type: ignore[union-attr]
    assert latest_audit(isolated, "webhook.created")["entity_id"] == str(sub)
    assert secret.group(1) not in admin.get("/admin/webhooks").text  # shown once

    Api(isolated).dispatched("dept-urban")
    webhooks.fan_out(isolated.db, isolated.clock())
    with isolated.db.write() as s:
        s.execute(
            update(WebhookDelivery).where(WebhookDelivery.subscription_id == sub).values(status="failed")
        )
    page = admin.get(f"/admin/webhooks/{sub}").text
    assert "ticket.dispatched" in page and "失败" in page
    delivery = int(re.search(r'id="delivery-(\d+)"', page).group(1))  # type: ignore[union-attr]
    r = post(admin, f"/admin/webhooks/{sub}/deliveries/{delivery}/retry", {}, page=f"/admin/webhooks/{sub}")
    assert r.status_code == 303 and "已安排重新推送" in admin.get(r.headers["location"]).text
    assert latest_audit(isolated, "webhook.delivery.retried")["entity_id"] == str(delivery)

    r = post(
        admin,
        f"/admin/webhooks/{sub}",
        {"name": "城管局系统二期", "url": "http://127.0.0.1:9/v2", "active": "1"},
    )
    assert r.status_code == 303
    assert latest_audit(isolated, "webhook.updated")["after"]["url"] == "http://127.0.0.1:9/v2"
    r = post(admin, f"/admin/webhooks/{sub}/deactivate", {}, page=f"/admin/webhooks/{sub}")
    assert r.status_code == 303 and "订阅已停用" in admin.get(r.headers["location"]).text
    with isolated.db.write() as s:  # leave no subscription behind for other tests of this module
        s.execute(
            update(WebhookDelivery).where(WebhookDelivery.subscription_id == sub).values(status="delivered")
        )


def test_a_refused_webhook_names_the_address_and_keeps_the_form(
    isolated: Platform, admin: TestClient
) -> None:
    r = post(
        admin, "/admin/webhooks", {"name": "内网系统", "url": "http://10.1.2.3/hook", "secret": "s" * 20}
    )
    assert r.status_code == 422 and 'id="err-url"' in r.text and 'value="内网系统"' in r.text
    assert re.search(r'id="url"[^>]*autofocus', r.text) and "s" * 20 not in r.text  # the secret is not echoed
    r = post(
        admin, "/admin/webhooks", {"name": "坏事件", "url": "http://127.0.0.1:9/x", "event_tags": "no.such"}
    )
    assert r.status_code == 422 and 'id="err-event_tags"' in r.text and 'value="no.such"' in r.text


def test_the_open311_services_page_publishes_a_category_and_unpublishes_it(
    isolated: Platform, admin: TestClient
) -> None:
    r = post(
        admin,
        "/admin/open311/services",
        {
            "code": "941",
            "category_code": "urban.construction_site",
            "kind": "complaint",
            "service_type": "realtime",
            "group": "城市管理",
            "keywords": "扬尘 工地",
            "published": "1",
        },
    )
    assert r.status_code == 303 and "done=created" in r.headers["location"]
    assert latest_audit(isolated, "open311.service.created")["entity_id"] == "941"
    listed = isolated.client.get("/open311/v2/services.json").json()
    assert any(svc["service_code"] == "941" for svc in listed)
    page = admin.get("/admin/open311/services/941").text
    assert 'value="城市管理"' in page and "修改服务：941" in page
    r = post(
        admin,
        "/admin/open311/services/941",
        {
            "category_code": "urban.construction_site",
            "kind": "complaint",
            "service_type": "realtime",
            "group": "城管",
        },
    )
    assert r.status_code == 303
    entry = latest_audit(isolated, "open311.service.updated")
    assert entry["before"]["published"] is True and entry["after"]["published"] is False
    listed = isolated.client.get("/open311/v2/services.json").json()
    assert all(svc["service_code"] != "941" for svc in listed)


def test_a_refused_service_names_its_field(isolated: Platform, admin: TestClient) -> None:
    r = post(
        admin, "/admin/open311/services", {"code": "bad code", "category_code": "urban.construction_site"}
    )
    assert r.status_code == 422 and 'id="err-code"' in r.text and 'value="bad code"' in r.text
    r = post(admin, "/admin/open311/services", {"code": "942", "category_code": "nope", "group": "留着"})
    assert r.status_code == 422 and 'id="err-category_code"' in r.text and 'value="留着"' in r.text
    assert re.search(r'id="category_code"[^>]*autofocus', r.text)
    post(admin, "/admin/open311/services", {"code": "943", "category_code": "urban.construction_site"})
    r = post(admin, "/admin/open311/services", {"code": "943", "category_code": "urban.construction_site"})
    assert r.status_code == 409 and 'id="err-code"' in r.text
    assert admin.get("/admin/open311/services/nope").status_code == 404
    assert logged_in(isolated, "supervisor").get("/admin/open311/services").status_code == 403


def _token(platform: Platform, username: str, password: str) -> str:
    r = platform.client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_a_password_an_administrator_set_must_be_changed_before_the_api_answers(isolated: Platform) -> None:
    api = Api(isolated)
    body = {
        "username": "temp.api",
        "display_name": "临时甲",
        "role": "unit_handler",
        "unit_id": isolated.unit_id("d-longwan"),
        "password": "Given-By-Admin-1",
    }
    person = api.post("admin", "/api/v1/admin/users", body, expect=201)
    token = _token(isolated, "temp.api", "Given-By-Admin-1")
    bearer = {"Authorization": f"Bearer {token}"}
    r = isolated.client.get("/api/v1/tickets", headers=bearer)
    assert r.status_code == 403 and r.json()["code"] == "auth.password_change_required"
    r = isolated.client.post(
        "/api/v1/tickets",
        json={"kind": "complaint", "content": "路灯坏了", "citizen_phone": "13812345678"},
        headers=bearer,
    )  # intake too
    assert r.status_code == 403 and r.json()["code"] == "auth.password_change_required"
    assert isolated.client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    change = "/api/v1/auth/password"
    r = isolated.client.post(
        change, json={"current_password": "wrong", "new_password": "Mine-Only-2026"}, headers=bearer
    )
    assert r.status_code == 422 and r.json()["code"] == "password.current_wrong"
    same = {"current_password": "Given-By-Admin-1", "new_password": "Given-By-Admin-1"}
    assert isolated.client.post(change, json=same, headers=bearer).json()["code"] == "password.unchanged"
    short = {"current_password": "Given-By-Admin-1", "new_password": "short"}
    assert isolated.client.post(change, json=short, headers=bearer).json()["code"] == "password.too_short"
    ok = {"current_password": "Given-By-Admin-1", "new_password": "Mine-Only-2026"}
    assert isolated.client.post(change, json=ok, headers=bearer).status_code == 204
    assert (
        isolated.client.get("/api/v1/tickets", headers=bearer).status_code == 200
    )  # the same session goes on
    entry = latest_audit(isolated, "directory.user.password_changed")
    assert entry["entity_id"] == str(person["id"]) and entry["actor"]["name"] == "temp.api"
    # a reset by an administrator makes it temporary again; the person's own change does not
    api.post("admin", f"/api/v1/admin/users/{person['id']}/password", {"password": "Reset-By-Admin-2"})
    token = _token(isolated, "temp.api", "Reset-By-Admin-2")
    r = isolated.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert r.json()["code"] == "auth.password_change_required"


def test_the_pages_send_a_temporary_password_to_be_changed_first(
    isolated: Platform, admin: TestClient
) -> None:
    from tests.integration.test_pages import browser

    r = post(
        admin,
        "/admin/people",
        {
            "display_name": "临时乙",
            "username": "temp.page",
            "role": "unit_handler",
            "unit_id": str(isolated.unit_id("d-longwan")),
            "password": "Given-By-Admin-3",
        },
    )
    assert r.status_code == 303
    b = browser(isolated)
    token = csrf_of(b.get("/login").text)
    r = b.post("/login", data={"username": "temp.page", "password": "Given-By-Admin-3", "csrf": token})
    assert r.status_code == 303
    r = b.get("/inbox")
    assert r.status_code == 303 and r.headers["location"] == "/password"
    form = b.get("/password")
    assert form.status_code == 200 and "临时密码" in form.text
    token = csrf_of(form.text)
    r = b.post(
        "/password",
        data={
            "csrf": token,
            "current_password": "Given-By-Admin-3",
            "new_password": "Mine-Only-2027",
            "repeat_password": "Other-2027x",
        },
    )
    assert r.status_code == 422 and 'id="err-repeat_password"' in r.text and "不一致" in r.text
    r = b.post(
        "/password",
        data={
            "csrf": token,
            "current_password": "nope",
            "new_password": "Mine-Only-2027",
            "repeat_password": "Mine-Only-2027",
        },
    )
    assert r.status_code == 422 and "当前密码不正确" in r.text
    assert re.search(r'id="current_password"[^>]*autofocus', r.text)
    r = b.post(
        "/password",
        data={
            "csrf": token,
            "current_password": "Given-By-Admin-3",
            "new_password": "Mine-Only-2027",
            "repeat_password": "Mine-Only-2027",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    assert b.get("/inbox").status_code == 200


def test_audit_notes_are_data_said_in_the_pages_language(isolated: Platform, admin: TestClient) -> None:
    api = Api(isolated)
    body = {
        "username": "temp.audit",
        "display_name": "临时丙",
        "role": "unit_handler",
        "unit_id": isolated.unit_id("d-longwan"),
        "password": "Given-By-Admin-4",
    }
    person = api.post("admin", "/api/v1/admin/users", body, expect=201)
    _token(isolated, "temp.audit", "Given-By-Admin-4")
    _token(isolated, "temp.audit", "Given-By-Admin-4")
    api.post("admin", f"/api/v1/admin/users/{person['id']}/password", {})
    entry = latest_audit(isolated, "directory.user.password_reset")
    assert entry["details"] == {"sessions_revoked": 2}
    where = f"/admin/audit?entity_type=user&entity_id={person['id']}"
    zh = admin.get(where).text
    assert "已注销 2 个登录会话" in zh and "sessions revoked" not in zh
    assert "2 session(s) ended" in admin.get(where + "&lang=en").text


def test_a_units_kind_must_fit_its_level(isolated: Platform, admin: TestClient) -> None:
    api = Api(isolated)
    street = isolated.unit_id("s-longwan-zhongshan")
    wrong = {"code": "s-under-street", "name": "错层街道", "kind": "street", "parent_id": street}
    problem = api.post("admin", "/api/v1/admin/units", wrong, expect=422)
    assert problem["code"] == "unit.kind_level" and "第 3 级" in problem["title"]
    assert {"field": "kind", "code": "unit.kind_level"} in [
        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
    ]
    r = post(admin, "/admin/units", {**wrong, "parent_id": str(street)})
    assert (
        r.status_code == 422
        and 'id="err-kind"' in r.text
        and "第 4 级" in r.text
        and 'value="错层街道"' in r.text
    )
    # a move that would put a street at level 4 is refused on the new parent
    other = isolated.unit_id("s-longwan-zhongshan")
    community = api.post(
        "admin",
        "/api/v1/admin/units",
        {"code": "c-kind-ok", "name": "合规社区", "kind": "community", "parent_id": other},
        expect=201,
    )
    district = isolated.unit_id("d-longwan")
    problem = api.call(
        "PATCH", "admin", f"/api/v1/admin/units/{community['id']}", {"parent_id": district}, expect=422
    )
    assert problem["code"] == "unit.kind_level" and problem["errors"][0]["field"] == "parent_id", problem
