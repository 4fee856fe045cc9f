"""The administration pages and the audit page over HTTP: only administrators open them; every
form is CSRF-checked, validated by the API's schema and refused next to its field with nothing
written; a person created on the page logs in at /login, a disabled one cannot; the audit page
shows each change with its before and after, filtered and paged."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import browser, csrf_of, logged_in


@pytest.fixture
def admin(isolated: Platform) -> TestClient:
    return logged_in(isolated, "admin")


def post(b: TestClient, path: str, data: dict[str, Any], page: str | None = None) -> Any:
    """Submit a form of ``page`` (the path itself by default) with the session's CSRF token."""
    token = csrf_of(b.get(page or path).text)
    return b.post(path, data={**data, "csrf": token})


def audit_count(platform: Platform) -> int:
    return int(Api(platform).get("admin", "/api/v1/audit", params={"limit": 1})["total"])


def can_log_in(platform: Platform, username: str, password: str) -> int:
    b = browser(platform)
    token = csrf_of(b.get("/login").text)
    return b.post("/login", data={"username": username, "password": password, "csrf": token}).status_code


def test_only_administrators_open_the_admin_and_audit_pages(isolated: Platform) -> None:
    for who in ("dispatcher", "supervisor", "handler.longwan"):
        b = logged_in(isolated, who)
        for path in ("/admin/units", "/admin/people", "/admin/categories", "/admin/audit", "/admin/people/1"):
            r = b.get(path)
            assert r.status_code == 403 and "只有管理员" in r.text, (who, path)
        home = b.get("/inbox")
        if home.status_code == 303:  # a centre person is sent to their own desk
            home = b.get(home.headers["location"])
        assert 'href="/admin' not in home.text  # no header link either
    b = logged_in(isolated, "admin")
    page = b.get("/admin").text
    assert all(p in page for p in ('href="/admin/units"', 'href="/admin/people"', 'href="/admin/audit"'))
    assert browser(isolated).get("/admin/units").status_code == 303  # to the login


def test_forms_without_the_csrf_token_are_refused_and_change_nothing(
    isolated: Platform, admin: TestClient
) -> None:
    before = audit_count(isolated)
    parent = isolated.unit_id("d-longwan")
    r = admin.post(
        "/admin/units", data={"code": "s-x", "name": "新街道", "kind": "street", "parent_id": parent}
    )
    assert r.status_code == 403 and "安全令牌" in r.text
    r = admin.post("/admin/people/2/disable", data={"csrf": "forged"})
    assert r.status_code == 403
    assert audit_count(isolated) == before
    assert can_log_in(isolated, "operator2", "Demo-operator2-2026") == 303


def test_an_administrator_creates_a_unit_and_a_person_who_then_logs_in(
    isolated: Platform, admin: TestClient
) -> None:
    street = isolated.unit_id("s-longwan-zhongshan")
    r = post(
        admin,
        "/admin/units",
        {"code": "c-longwan-xinhe", "name": "新河社区", "kind": "community", "parent_id": street},
    )
    assert r.status_code == 303
    unit_page = admin.get(r.headers["location"])
    assert unit_page.status_code == 200 and "单位已新建：新河社区" in unit_page.text
    unit_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    assert "新河社区" in admin.get("/admin/units").text

    person = {
        "display_name": "陈晨",
        "username": "chen.chen",
        "role": "unit_handler",
        "unit_id": unit_id,
        "password": "Xinhe-Pass-2026",
    }
    r = post(admin, "/admin/people", person)
    assert r.status_code == 303
    assert "人员已新建：陈晨" in admin.get(r.headers["location"]).text
    assert can_log_in(isolated, "chen.chen", "Xinhe-Pass-2026") == 303

    user_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    r = post(admin, f"/admin/people/{user_id}/disable", {}, page=f"/admin/people/{user_id}")
    assert r.status_code == 303
    assert can_log_in(isolated, "chen.chen", "Xinhe-Pass-2026") == 401

    audit = admin.get("/admin/audit", params={"action": "directory"}).text
    assert "新建单位" in audit and "新建人员" in audit and "停用人员" in audit
    assert re.search(r'class="was">✓</td>\s*<td class="now">✗</td>', audit)  # active: ✓ → ✗
    assert "Xinhe-Pass-2026" not in audit


def test_a_refused_form_says_why_next_to_the_field_and_keeps_what_was_typed(
    isolated: Platform, admin: TestClient
) -> None:
    before = audit_count(isolated)
    person = {
        "display_name": "赵磊",
        "username": "zhao.lei",
        "role": "operator",
        "unit_id": isolated.unit_id("centre"),
        "password": "short",
    }
    r = post(admin, "/admin/people", person)
    assert r.status_code == 422
    assert 'id="err-password"' in r.text and "密码至少 10 个字符" in r.text
    assert 'value="zhao.lei"' in r.text and "short" not in re.findall(r'name="password"[^>]*', r.text)[0]
    r = post(admin, "/admin/people", person | {"username": "operator1", "password": "Long-enough-1"})
    assert r.status_code == 409 and "用户名已存在：operator1" in r.text
    grid = isolated.unit_id("g-longwan-boai-1")
    r = post(admin, "/admin/units", {"code": "g-x", "name": "<b>网格</b>", "kind": "grid", "parent_id": grid})
    assert r.status_code == 422 and 'id="err-name"' in r.text and "<b>网格</b>" not in r.text
    r = post(admin, "/admin/units", {"code": "g-x", "name": "子网格", "kind": "grid", "parent_id": grid})
    assert r.status_code == 422 and "单位层级最多 5 级" in r.text
    district = isolated.unit_id("d-longwan")
    r = post(admin, f"/admin/units/{district}/retire", {}, page=f"/admin/units/{district}")
    assert r.status_code == 409 and "下级单位" in r.text
    r = post(
        admin,
        f"/admin/units/{district}/move",
        {"parent_id": isolated.unit_id("s-longwan-zhongshan")},
        page=f"/admin/units/{district}",
    )
    assert r.status_code == 422 and "不能把单位移到它自己" in r.text
    assert audit_count(isolated) == before


def test_a_password_reset_on_the_page_shows_the_temporary_password_once(
    isolated: Platform, admin: TestClient
) -> None:
    user_id = Api(isolated).get("operator2", "/api/v1/auth/me")["id"]
    r = post(admin, f"/admin/people/{user_id}/password", {"password": ""}, page=f"/admin/people/{user_id}")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    temporary = re.search(r'id="temporary-password">([^<]+)<', r.text)
    assert temporary is not None
    assert can_log_in(isolated, "operator2", "Demo-operator2-2026") == 401
    assert can_log_in(isolated, "operator2", temporary.group(1)) == 303
    assert temporary.group(1) not in admin.get(f"/admin/people/{user_id}").text


def test_categories_are_created_moved_and_retired_on_their_pages(
    isolated: Platform, admin: TestClient
) -> None:
    r = post(admin, "/admin/categories", {"code": "t-noise", "name": "噪声扰民", "parent_id": ""})
    assert r.status_code == 303
    top = int(r.headers["location"].split("/")[-1].split("?")[0])
    r = post(
        admin,
        "/admin/categories",
        {"code": "t-noise.night", "name": "夜间施工", "parent_id": top, "territorial": "1"},
    )
    assert r.status_code == 303
    leaf = int(r.headers["location"].split("/")[-1].split("?")[0])
    r = post(admin, f"/admin/categories/{top}/retire", {}, page=f"/admin/categories/{top}")
    assert r.status_code == 409 and "下级分类" in r.text
    r = post(
        admin,
        f"/admin/categories/{leaf}",
        {"name": "夜间施工噪声", "parent_id": top, "territorial": "1"},
        page=f"/admin/categories/{leaf}",
    )
    assert r.status_code == 303
    r = post(admin, f"/admin/categories/{leaf}/retire", {}, page=f"/admin/categories/{leaf}")
    assert r.status_code == 303 and "分类已停用" in admin.get(r.headers["location"]).text
    listing = admin.get("/admin/categories").text
    assert "夜间施工噪声" in listing


def test_the_audit_page_filters_pages_and_refuses_a_bad_date(isolated: Platform, admin: TestClient) -> None:
    first = admin.get("/admin/audit").text
    older = re.search(r'rel="next" href="([^"]+)"', first)
    assert older is not None and "较早" in first  # more than a page: the loader's entries
    assert admin.get(older.group(1).replace("&amp;", "&")).text != first
    loaded = admin.get("/admin/audit", params={"actor": "loader", "action": "directory.city"}).text
    assert "载入城市目录" in loaded and "系统" in loaded  # a system actor, marked as such
    r = admin.get("/admin/audit", params={"actor": "nobody-at-all"})
    assert r.status_code == 200 and "没有符合条件的记录" in r.text
    r = admin.get("/admin/audit", params={"from": "2026-13-45"})
    assert r.status_code == 422 and "日期格式" in r.text
    r = admin.get("/admin/audit", params={"entity_type": "unit", "from": "2000-01-01", "to": "2999-12-31"})
    assert r.status_code == 200
    english = admin.get("/admin/audit", params={"lang": "en"}).text
    assert "Audit" in english and "审计记录" not in english


def test_an_open311_key_is_issued_once_on_its_page_and_revoked(isolated: Platform, admin: TestClient) -> None:
    r = post(admin, "/admin/open311/keys", {"name": "", "contact": ""})
    assert r.status_code == 422 and 'id="err-name"' in r.text
    r = post(admin, "/admin/open311/keys", {"name": "市民通 App", "contact": "app@example.org"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    key = re.search(r'id="issued-key">([^<]+)<', r.text)
    assert key is not None and key.group(1).startswith("hk_")
    listing = admin.get("/admin/open311/keys").text
    assert "市民通 App" in listing and key.group(1) not in listing
    issued = next(k for k in Api(isolated).get("admin", "/api/v1/open311/keys") if k["name"] == "市民通 App")
    r = post(admin, f"/admin/open311/keys/{issued['id']}/revoke", {}, page="/admin/open311/keys")
    assert r.status_code == 303 and "密钥已吊销" in admin.get(r.headers["location"]).text
    keys = {k["id"]: k for k in Api(isolated).get("admin", "/api/v1/open311/keys")}
    assert keys[issued["id"]]["active"] is False
    audit = admin.get("/admin/audit", params={"action": "open311.key"}).text
    assert "签发 Open311 密钥" in audit and "吊销 Open311 密钥" in audit and key.group(1) not in audit
    assert logged_in(isolated, "dispatcher").get("/admin/open311/keys").status_code == 403
