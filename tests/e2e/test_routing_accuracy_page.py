"""How right 秒派 was, as a supervisor sees it (Debian's Chromium through Playwright), on a week of
the demo city's history (half the citizens' tickets dispatched at once, some sent back)."""

from __future__ import annotations

from typing import Any

from tests.e2e.shots import screenshot
from tests.e2e.test_reports_page import history_url  # noqa: F401  (fixture)


def test_a_supervisor_sees_the_least_right_categories_first(
    history_url: str,  # noqa: F811
    browser: Any,
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(history_url + "/login?next=/routing/accuracy")
    page.fill("#username", "supervisor")
    page.fill("#password", "Demo-supervisor-2026")
    page.press("#password", "Enter")
    page.wait_for_url(history_url + "/routing/accuracy")
    assert page.inner_text("h1") == "秒派准确率"
    assert page.inner_text('header nav a[aria-current="page"]') == "秒派准确率"
    rows = page.locator("table.accuracy.categories tbody tr")
    assert rows.count() >= 3
    shares = [
        float(s.rstrip("%"))
        for s in page.locator("table.accuracy.categories tbody td.share").all_inner_texts()
        if s.endswith("%")
    ]
    assert shares == sorted(shares) and shares[0] < 100  # worst first
    assert "/" in page.inner_text(".accuracy-total")  # numerator / denominator
    assert "准确率 =" in page.inner_text("section.definition")
    screenshot(page, "routing-accuracy")
    screenshot(page, "routing-accuracy-top", full_page=False)
    page.goto(history_url + "/routing/accuracy?lang=en")
    assert page.inner_text("h1") == "How right instant dispatch was"
    screenshot(page, "routing-accuracy-en", full_page=False)
    context.close()
