"""The work of a ticket in the browser, from its page, as each person does it: the district
acknowledges and delegates, the street replies, the district's reviewer (from the inbox's "to
review") and then the centre approve; a send-back refused by the centre; an extension asked and
approved. The forms go over htmx (no page load: a marker set on the window survives each step); a
refusal comes back in place with its field focused; the street's reply carries a photo (a file
that is no photo refused first). Screenshots of each state in build/screenshots/pages-action-*.png."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.conftest import Platform
from tests.e2e.shots import screenshot
from tests.integration.api import Api


def _as(browser: Any, live_url: str, username: str, lang: str = "zh-CN") -> Any:
    context = browser.new_context(locale=lang, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(live_url + "/login")
    page.fill("#username", username)
    page.fill("#password", f"Demo-{username}-2026")
    page.press("#password", "Enter")
    # a unit's people land on their inbox, the centre's on their own desk (the console)
    page.wait_for_url(lambda url: not url.endswith("/login"))
    return page


def _open(page: Any, summary: str) -> None:
    page.click(f"details.action summary:has-text('{summary}')")


def _done(page: Any, action: str) -> None:
    """Wait for the message of this action (an earlier one's may still be shown until the swap)."""
    page.wait_for_selector(f".flash .ok:has-text('已提交：{action}')")


def _mark(page: Any) -> None:
    """A marker on the window: still there later means no page was loaded in between (htmx)."""
    page.evaluate("window.__noReload = true")


def _not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__noReload === true"))


def _photo() -> bytes:
    image = Image.new("RGB", (1200, 900), (60, 120, 70))
    for x in range(300, 900):
        for y in range(380, 420):
            image.putpixel((x, y), (240, 220, 80))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("platform", ["sqlite", "postgresql"], indirect=True)
def test_delegate_reply_and_two_reviews_in_the_browser(
    platform: Platform, live_url: str, browser: Any
) -> None:
    api = Api(platform)
    t = api.dispatched("d-longwan")
    shots = platform.backend == "sqlite"

    district = _as(browser, live_url, "handler.longwan")
    district.click(f'table.inbox a[href="/tickets/{t}"]')
    _mark(district)
    district.click("button:has-text('签收')")
    _done(district, "签收")
    _open(district, "下派")
    district.select_option("#delegate-unit-1", label="龙湾区中山街道办事处")
    district.fill("#delegate-note-1", "请街道核实并处理")
    if shots:
        screenshot(district, "pages-action-delegate-zh", full_page=False)
    district.click("details.action[open] button:has-text('下派')")
    _done(district, "下派")
    assert district.inner_text(".flash .ok") == "已提交：下派"
    assert "下派" in district.locator("ol.timeline li strong").all_inner_texts()
    assert _not_reloaded(district)

    street = _as(browser, live_url, "handler.zhongshan")
    street.click(f'table.inbox a[href="/tickets/{t}"]')
    _mark(street)
    street.click("#a2 button:has-text('签收')")
    _done(street, "签收")
    _open(street, "办理反馈")
    street.fill("#reply-reply-2", "已派人更换路灯灯泡，夜间照明恢复")
    not_a_photo = {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"meeting notes, not a photo"}
    street.set_input_files("#reply-photos-2", files=[not_a_photo])
    street.click("#a2 details.action[open] button:has-text('办理反馈')")
    street.wait_for_selector(".flash .error")
    street.wait_for_selector("#reply-photos-2:focus")
    assert "照片" in street.inner_text(".flash .error")
    assert street.inner_text("#reply-error-2") in street.inner_text(".flash .error")  # said beside it too
    assert street.input_value("#reply-reply-2") == "已派人更换路灯灯泡，夜间照明恢复"  # kept
    if shots:
        screenshot(street, "pages-action-photo-refused-zh", full_page=False)
    lamp = {"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    street.set_input_files("#reply-photos-2", files=[lamp])
    street.click("#a2 details.action[open] button:has-text('办理反馈')")
    _done(street, "办理反馈")
    assert street.locator("#a2 ul.photos img").count() == 1 and _not_reloaded(street)
    street.locator("#a2 ul.photos img").evaluate("img => img.decode()")  # served and drawn
    if shots:
        screenshot(street, "pages-action-reply-photo-zh", full_page=False)

    reviewer = _as(browser, live_url, "reviewer.longwan")
    to_review = reviewer.locator("section.to-review")
    assert "已派人更换路灯灯泡" in to_review.inner_text()
    if shots:
        screenshot(reviewer, "pages-inbox-to-review-zh", full_page=False)
    to_review.locator(f'a[href="/tickets/{t}#a2"]').click()
    reviewer.wait_for_selector("#a2 ul.photos img")  # the reviewer sees the street's photo
    _mark(reviewer)
    reviewer.click("#a2 button:has-text('退回重办')")  # no reason: refused in place, the page says why
    assert reviewer.inner_text(".flash .error") == "审核答复 未能提交： 请填写原因"
    reviewer.wait_for_selector("#review-reason-2:focus")
    assert reviewer.inner_text("#review-error-2") == "请填写原因"
    assert _not_reloaded(reviewer)
    if shots:
        screenshot(reviewer, "pages-action-refused-zh", full_page=False)
    reviewer.fill("#review-reason-2", "已现场核实，路灯恢复照明")
    reviewer.click("#a2 button:has-text('审核通过')")
    _done(reviewer, "审核答复")
    assert api.get("dispatcher", f"/api/v1/tickets/{t}")["assignments"][0]["state"] == "replied"

    centre = _as(browser, live_url, "dispatcher")
    centre.goto(f"{live_url}/tickets/{t}")
    assert centre.inner_text(".your-turn") == "待您决定： 派单 1 · 审核答复"
    assert centre.locator("#a1 details.action[open] summary").inner_text() == "审核答复"
    if shots:
        screenshot(centre, "pages-action-review-zh", full_page=False)
    centre.click("#a1 button:has-text('审核通过')")
    _done(centre, "审核答复")
    assert centre.inner_text("h1 .status") == "已审核"
    # the approved answer's photo is now the citizen's to see: marked so for the staff
    assert centre.locator("#a2 ul.photos .badge.public").count() == 1
    if shots:
        screenshot(centre, "pages-action-answer-photo-zh", full_page=True)
    for page in (district, street, reviewer, centre):
        page.context.close()


@pytest.mark.parametrize("platform", ["sqlite", "postgresql"], indirect=True)
def test_send_back_refused_then_an_extension_approved(
    platform: Platform, live_url: str, browser: Any
) -> None:
    api = Api(platform)
    t = api.dispatched("dept-market")
    shots = platform.backend == "sqlite"

    unit = _as(browser, live_url, "handler.market")
    unit.goto(f"{live_url}/tickets/{t}")
    _open(unit, "退单")
    unit.fill("#send_back-reason-1", "不属于市场监管职责，应由城管处理")
    unit.click("details.action[open] button:has-text('退单')")
    _done(unit, "退单")

    centre = _as(browser, live_url, "dispatcher")
    centre.goto(f"{live_url}/tickets/{t}")
    centre.fill("#decide_send_back-reason-1", "店外占道经营属市场监管职责，请继续办理")
    if shots:
        screenshot(centre, "pages-action-send-back-decision-zh", full_page=False)
    centre.click("button:has-text('不同意退单')")
    _done(centre, "审批退单")

    unit.goto(f"{live_url}/tickets/{t}")
    unit.click("button:has-text('签收')")
    _done(unit, "签收")
    _open(unit, "申请延期")
    unit.fill("#extension-until-1", "2026-12-05T17:30")
    unit.fill("#extension-reason-1", "需要联合执法，现场检测需三个工作日")
    if shots:
        screenshot(unit, "pages-action-extension-zh", full_page=False)
    unit.click("details.action[open] button:has-text('申请延期')")
    _done(unit, "申请延期")
    assert "延期申请（待审批）" in unit.inner_text("#a1")

    centre.goto(f"{live_url}/tickets/{t}")
    centre.fill("#decide_extension-reason-1", "同意")
    centre.click("button:has-text('批准延期')")
    _done(centre, "审批延期")
    shown = api.get("dispatcher", f"/api/v1/tickets/{t}")["assignments"][0]
    assert shown["extensions_approved"] == 1 and shown["reply_due_at"].startswith("2026-12-05T17:30")

    english = _as(browser, live_url, "handler.market", lang="en-US")
    english.goto(f"{live_url}/tickets/{t}?lang=en")
    assert english.get_attribute("html", "lang") == "en"
    assert "Reply" in english.locator("details.action summary").all_inner_texts()
    if shots:
        screenshot(english, "pages-action-ticket-en", full_page=False)
        english.goto(f"{live_url}/inbox")
        screenshot(english, "pages-inbox-notices-en", full_page=False)
    for page in (unit, centre, english):
        page.context.close()
