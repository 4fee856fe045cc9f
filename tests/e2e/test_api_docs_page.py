"""/docs in a real browser: Swagger UI renders the platform's OpenAPI 3.1 from the platform's own
files, lists the ticket operations, and takes a token to try a call — with nothing fetched from
anywhere but the platform itself."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Platform
from tests.e2e.shots import screenshot


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_api_docs_render_the_ticket_operations_offline(
    platform: Platform, live_url: str, browser: Any
) -> None:
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(live_url + "/docs")
    page.wait_for_selector(".opblock-tag-section", timeout=20_000)
    body = page.inner_text("body")
    assert "Unable to render" not in body and "valid version field" not in body
    assert "OAS 3.1" in body
    paths = page.eval_on_selector_all(
        ".opblock-summary-path", "els => els.map(e => e.getAttribute('data-path'))"
    )
    for op in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}/dispatch",
        "/api/v1/tickets/{ticket_id}/assignments/{no}/acknowledge",
        "/api/v1/tickets/{ticket_id}/assignments/{no}/reply",
        "/api/v1/tickets/{ticket_id}/follow-up",
        "/api/v1/tickets/{ticket_id}/close",
        "/api/v1/track/{code}",
    ):
        assert op in paths, op
    assert "tickets 工单" in body
    screenshot(page, "docs-operations", full_page=False)

    # Authorise with a token, then try a call from the page.
    token = platform.headers("dispatcher")["Authorization"].removeprefix("Bearer ")
    page.click("button.authorize")
    page.fill(".modal-ux input[type=text]", token)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")
    me = page.locator("#operations-auth_登录-me_api_v1_auth_me_get")
    me.locator(".opblock-summary").click()
    me.locator("button.try-out__btn").click()
    me.locator("button.execute").click()
    me.locator(".live-responses-table .response-col_status").first.wait_for()
    answer = me.locator(".live-responses-table").inner_text()
    assert "200" in answer and '"username": "dispatcher"' in answer, answer
    me.scroll_into_view_if_needed()
    screenshot(page, "docs-try-it", full_page=False)

    assert errors == []
    outside = [u for u in requested if not u.startswith(live_url) and not u.startswith("data:")]
    assert outside == [], outside
    page.close()
