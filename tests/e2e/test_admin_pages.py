"""An administrator's round in the browser (Debian's Chromium through Playwright, 1366×768): create
a unit and a person in it on the admin pages; the person logs in at /login; once disabled they
cannot, and the session they had stops; the audit page shows each change with before and after.
Screenshots of every admin page go to build/screenshots/admin-*.png (the Open311 keys page too)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Platform, _platform
from tests.e2e.shots import screenshot


@pytest.fixture
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A database of this test's own: the units and people it creates stay out of other tests."""
    data_dir = tmp_path_factory.mktemp("admin-e2e")
    yield from _platform("sqlite", f"sqlite:///{data_dir / 'hotline.db'}", data_dir)


def log_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")


def test_an_administrator_creates_a_unit_and_a_person_who_logs_in_until_disabled(
    platform: Platform, live_url: str, browser: Any
) -> None:
    viewport = {"width": 1366, "height": 768}
    admin = browser.new_context(locale="zh-CN", viewport=viewport).new_page()
    log_in(admin, live_url, "admin", "Demo-admin-2026")
    admin.wait_for_url(live_url + "/admin")  # a centre person starts at their own desk
    screenshot(admin, "admin-index", full_page=False)
    admin.click('main a[href="/admin/units"]')
    admin.wait_for_url(live_url + "/admin/units")
    screenshot(admin, "admin-units", full_page=False)

    # a new community under 中山街道
    admin.select_option("#parent_id", label="\u3000\u3000龙湾区中山街道办事处")
    admin.select_option("#kind", "community")
    admin.fill("#name", "新河社区")
    admin.fill("#code", "c-longwan-xinhe")
    admin.fill("#keywords", "新河 滨河路")
    admin.click("text=新建 >> nth=-1")
    admin.wait_for_url("**/admin/units/*?done=created")
    assert "单位已新建：新河社区" in admin.inner_text("[role=status]")
    assert "龙湾区中山街道办事处" in admin.inner_text(".crumbs")
    screenshot(admin, "admin-unit", full_page=False)

    # a refused form says why beside the field and keeps what was typed
    admin.goto(live_url + "/admin/people")
    admin.fill("#display_name", "陈晨")
    admin.fill("#username", "chen.chen")
    admin.select_option("#role", "unit_handler")
    admin.select_option("#unit_id", label="\u3000\u3000\u3000新河社区")
    admin.fill("#password", "aaaaaaaaaa")  # long enough for the browser, too simple for the server
    admin.click("form.admin-fields button[type=submit]")
    assert "密码太简单" in admin.inner_text("#err-password")
    assert admin.input_value("#username") == "chen.chen"
    screenshot(admin, "admin-people-refused", full_page=False)
    admin.fill("#password", "Xinhe-Pass-2026")
    admin.click("form.admin-fields button[type=submit]")
    admin.wait_for_url("**/admin/people/*?done=created")
    person_url = admin.url.split("?")[0]
    screenshot(admin, "admin-person", full_page=False)

    # the new person logs in at /login, replaces the password the administrator chose, and
    # reaches their inbox
    user = browser.new_context(locale="zh-CN", viewport=viewport).new_page()
    log_in(user, live_url, "chen.chen", "Xinhe-Pass-2026")
    user.wait_for_url(live_url + "/password")
    screenshot(user, "admin-password-change", full_page=False)
    user.fill("#current_password", "Xinhe-Pass-2026")
    user.fill("#new_password", "Chen-Own-Pass-2026")
    user.fill("#repeat_password", "Chen-Own-Pass-2026")
    user.press("#repeat_password", "Enter")
    user.wait_for_url(live_url + "/inbox")
    assert "陈晨" in user.inner_text("header")

    # disabled: the open session ends and the password no longer works
    admin.goto(person_url)
    admin.click("text=停用 >> nth=-1")
    admin.wait_for_url("**?done=disabled")
    user.goto(live_url + "/inbox")
    assert "/login" in user.url
    log_in(user, live_url, "chen.chen", "Chen-Own-Pass-2026")
    assert "用户名或密码错误" in user.inner_text("[role=alert]")

    # the audit page shows the three changes, newest first, with before and after
    admin.click('header nav a[href="/admin"]')
    admin.click('main a[href="/admin/audit"]')
    admin.fill("#action", "directory")
    admin.click("text=筛选")
    rows = admin.locator("table.audit > tbody > tr")
    actions = [rows.nth(i).locator("td").nth(2).locator("strong").inner_text() for i in range(3)]
    assert actions == ["停用人员", "本人修改密码", "新建人员"], actions
    disabled = rows.nth(0).locator("table.diff")
    assert disabled.locator("th[scope=row]").inner_text() == "active"
    assert (disabled.locator("td.was").inner_text(), disabled.locator("td.now").inner_text()) == ("✓", "✗")
    screenshot(admin, "admin-audit", full_page=False)

    admin.goto(live_url + "/admin/categories")
    screenshot(admin, "admin-categories", full_page=False)
    admin.click("table.tree a >> nth=1")
    admin.wait_for_url("**/admin/categories/*")
    screenshot(admin, "admin-category", full_page=False)
    admin.goto(live_url + "/admin/open311/keys")
    admin.fill("#name", "市民通 App")
    admin.fill("#contact", "app@example.org")
    admin.click("form.admin-fields button[type=submit]")
    assert admin.inner_text("#issued-key").startswith("hk_")
    screenshot(admin, "admin-open311-keys", full_page=False)
    admin.goto(live_url + "/admin/audit?lang=en")
    screenshot(admin, "admin-audit-en", full_page=False)


def test_the_rest_of_the_administration_on_pages(platform: Platform, live_url: str, browser: Any) -> None:
    """Knowledge base, time limits, routing rules, webhooks and Open311 services, from the index:
    a refused form keeps what was typed and puts the cursor in the field to correct."""
    admin = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768}).new_page()
    log_in(admin, live_url, "admin", "Demo-admin-2026")
    admin.wait_for_url(live_url + "/admin")
    assert admin.locator("main ul.admin-index li").count() >= 10

    admin.click('main a[href="/admin/kb"]')
    admin.fill("#title", "居住证办理")
    admin.fill("#body", "携带身份证到社区服务中心办理。")
    admin.fill("#keywords", "居住证")
    admin.click("form.admin-fields button[type=submit]")
    admin.wait_for_url("**/admin/kb/*?done=created")
    screenshot(admin, "admin-kb-article", full_page=False)
    admin.goto(live_url + "/admin/kb?kind=duty")
    screenshot(admin, "admin-kb", full_page=False)

    admin.goto(live_url + "/admin/time-limits")
    admin.fill('[id="rules.0.reply"]', "3xd")
    admin.click("text=保存时限策略")
    assert "时限策略无效" in admin.inner_text('[id="err-rules.0.reply"]')
    assert admin.evaluate("document.activeElement.id") == "rules.0.reply"
    screenshot(admin, "admin-time-limits-refused", full_page=False)
    admin.goto(live_url + "/admin/time-limits?p_urgency=emergency")
    screenshot(admin, "admin-time-limits", full_page=True)

    admin.goto(live_url + "/admin/routing-rules")
    admin.fill("#name", "工地扬尘")
    admin.fill("#keywords", "扬尘 渣土")
    admin.select_option("#category_code", "urban.construction_site")
    admin.click("form.admin-fields button[type=submit]")
    admin.wait_for_url("**/admin/routing-rules?done=created*")
    admin.fill("#try", "楼下工地渣土车漏撒")
    admin.press("#try", "Enter")
    admin.wait_for_url("**try=*")
    assert "命中 1 条规则" in admin.inner_text("#try-result")
    screenshot(admin, "admin-routing-rules", full_page=False)

    admin.goto(live_url + "/admin/webhooks")
    admin.fill("#name", "内网系统")
    admin.fill("#url", "http://10.1.2.3/hook")
    admin.click("form.admin-fields button[type=submit]")
    assert admin.input_value("#name") == "内网系统" and admin.locator("#err-url").count() == 1
    assert admin.evaluate("document.activeElement.id") == "url"
    screenshot(admin, "admin-webhooks-refused", full_page=False)
    admin.fill("#url", "http://127.0.0.1:9/hook")
    admin.click("form.admin-fields button[type=submit]")
    assert len(admin.inner_text("#issued-secret")) >= 32
    admin.click("text=查看订阅")
    admin.wait_for_url("**/admin/webhooks/*")
    screenshot(admin, "admin-webhook", full_page=False)

    admin.goto(live_url + "/admin/open311/services")
    screenshot(admin, "admin-open311-services", full_page=False)
    admin.goto(live_url + "/admin?lang=en")
    screenshot(admin, "admin-index-en", full_page=False)
