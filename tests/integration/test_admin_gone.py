"""What every administration form does when the thing it changes is gone — a wrong id, or deleted
meanwhile in another tab — a rule written once for all of them (`web/admin.py`): the refusal page
with the API's 404 and its message, nothing written. An unknown id picked in a *field* is another
matter: said beside that field (422), what was typed kept, the field focused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import csrf_of, logged_in

GONE = 999_999


@pytest.fixture
def admin(isolated: Platform) -> TestClient:
    return logged_in(isolated, "admin")


def audit_total(platform: Platform) -> int:
    return int(Api(platform).get("admin", "/api/v1/audit", params={"limit": 1})["total"])


@pytest.mark.parametrize(
    ("path", "data", "code"),
    [
        (f"/admin/units/{GONE}", {"name": "新名"}, "unit.not_found"),
        (f"/admin/units/{GONE}/move", {"parent_id": "1"}, "unit.not_found"),
        (f"/admin/units/{GONE}/retire", {}, "unit.not_found"),
        (
            f"/admin/people/{GONE}",
            {"display_name": "某人", "role": "operator", "unit_id": "1"},
            "user.not_found",
        ),
        (f"/admin/people/{GONE}/disable", {}, "user.not_found"),
        (f"/admin/categories/{GONE}", {"name": "新名"}, "category.not_found"),
        (f"/admin/categories/{GONE}/retire", {}, "category.not_found"),
        (f"/admin/kb/{GONE}", {"kind": "answer", "title": "标题", "body": "正文"}, "kb.article_not_found"),
        (f"/admin/kb/{GONE}/retire", {}, "kb.article_not_found"),
        (f"/admin/routing-rules/{GONE}", {"name": "规则", "keywords": "噪音"}, "routing.rule_not_found"),
        (f"/admin/routing-rules/{GONE}/delete", {}, "routing.rule_not_found"),
        (f"/admin/webhooks/{GONE}", {"name": "推送", "url": "http://127.0.0.1:9/hook"}, "webhook.not_found"),
        (f"/admin/webhooks/{GONE}/deactivate", {}, "webhook.not_found"),
        (f"/admin/webhooks/1/deliveries/{GONE}/retry", {}, "webhook.not_found"),
        ("/admin/open311/services/no-such", {"category_code": "x"}, "open311.service_not_found"),
        (f"/admin/open311/keys/{GONE}/revoke", {}, "open311.key_not_found"),
    ],
)
def test_a_change_to_something_gone_is_the_refusal_page_and_writes_nothing(
    isolated: Platform, admin: TestClient, path: str, data: dict[str, Any], code: str
) -> None:
    before = audit_total(isolated)
    r = admin.post(path, data={**data, "csrf": csrf_of(admin.get("/admin/units").text)})
    assert r.status_code == 404
    assert f"<code>{code}</code>" in r.text and 'class="panel refusal"' in r.text
    assert 'class="admin-fields"' not in r.text  # not a form drawn again over nothing
    assert audit_total(isolated) == before


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        (
            "/admin/units",
            {"code": "x-1", "name": "无上级", "kind": "street", "parent_id": str(GONE)},
            "parent_id",
        ),
        ("/admin/kb", {"kind": "answer", "title": "标题", "body": "正文", "unit_id": str(GONE)}, "unit_id"),
        (
            "/admin/webhooks",
            {"name": "推送", "url": "http://127.0.0.1:9/hook", "unit_id": str(GONE)},
            "unit_id",
        ),
    ],
)
def test_an_unknown_id_picked_in_a_field_is_said_beside_that_field(
    isolated: Platform, admin: TestClient, path: str, data: dict[str, Any], field: str
) -> None:
    before = audit_total(isolated)
    r = admin.post(path, data={**data, "csrf": csrf_of(admin.get(path).text)})
    assert r.status_code == 422
    assert re.search(rf'id="err-{field}"[^>]*>[^<]*{GONE}', r.text)  # the API's message, beside it
    assert re.search(rf'id="{field}"[^>]*autofocus', r.text)
    assert audit_total(isolated) == before


def test_the_open311_key_form_focuses_the_field_it_refuses_like_every_admin_form(admin: TestClient) -> None:
    r = admin.post(
        "/admin/open311/keys", data={"name": "", "csrf": csrf_of(admin.get("/admin/open311/keys").text)}
    )
    assert r.status_code == 422 and re.search(r'id="name"[^>]*aria-invalid="true"[^>]*autofocus', r.text)
