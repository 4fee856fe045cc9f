"""The monthly report as a supervisor sees it and prints it (Debian's Chromium through
Playwright), on a week of the demo city's history: the page, its A4 print rendering (a PDF and a
screenshot in print media), the workbook downloaded from the page."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from openpyxl import load_workbook

from hotline.app import create_app
from hotline.config import Settings
from hotline.demo import history
from tests import conftest
from tests.demo.conftest import DEADLINES, END, PLAN, demo_city_database
from tests.e2e.shots import FOLDER, screenshot


@pytest.fixture(scope="module")
def history_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The platform over real HTTP on a database holding a week of the demo city's history."""
    folder: Path = tmp_path_factory.mktemp("report-e2e")
    with demo_city_database("sqlite", folder) as db:
        history.generate(db, PLAN, END, DEADLINES)
        settings = Settings(
            data_dir=folder,
            database_url=f"sqlite:///{folder / 'demo.db'}",
            demo=False,
            routing_auto_dispatch=False,
            webhook_allowed_networks=conftest.LOCAL_RECEIVERS,
            throttle=False,
        )
        app = create_app(settings, clock=conftest.TestClock(END), db=db)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)


def test_a_supervisor_reads_prints_and_downloads_the_monthly_report(history_url: str, browser: Any) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.goto(history_url + "/login?next=/reports/monthly")
    page.fill("#username", "supervisor")
    page.fill("#password", "Demo-supervisor-2026")
    page.press("#password", "Enter")
    page.wait_for_url(history_url + "/reports/monthly")
    # Without a month: the last whole month (the test clock is in November 2026).
    assert page.input_value("input[name=month]") == "2026-10"
    page.fill("input[name=month]", "2026-11")
    page.click("form.report-tools button[type=submit]")
    page.wait_for_url("**/reports/monthly?month=2026-11")
    assert page.inner_text("h1") == "12345热线月度考核报告（2026-11）"
    assert page.inner_text('header nav a[aria-current="page"]') == "周报月报"
    headline = page.inner_text(".headline")
    assert "满意率" in headline and "%" in headline
    assert page.locator("table.report.units tbody tr").count() >= 5
    assert page.locator("section[aria-labelledby=s-ranking] h3").count() >= 2
    assert page.locator("table.report.top").first.locator("tbody tr").count() >= 3
    assert page.locator("table.report.cases").count() >= 2
    ranking = page.locator("section[aria-labelledby=s-ranking]")
    assert "较上期" in ranking.inner_text() and ranking.locator("td.move").count() >= 3
    ranking.scroll_into_view_if_needed()
    ranking.screenshot(path=str(FOLDER / "reports-ranking.png"))
    screenshot(page, "reports-monthly")
    screenshot(page, "reports-monthly-top", full_page=False)

    # Printed: A4, the bar and the tools gone, the definitions at the end.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 720, "height": 1020})  # A4's printable width at 96 dpi
    assert not page.is_visible("header.bar") and not page.is_visible("form.report-tools")
    screenshot(page, "reports-monthly-print")
    pdf = page.pdf(format="A4", print_background=True)
    (FOLDER / "reports-monthly.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and {(int(float(w)), int(float(h))) for w, h in boxes} == {(595, 842)}  # A4
    assert 3 <= len(boxes) <= 16, len(boxes)  # pages: the demo city has some 50 units
    page.emulate_media(media="screen")

    with page.expect_download() as got:
        page.click("a.button[href^='/reports/monthly.xlsx']")
    book = load_workbook(BytesIO(Path(got.value.path()).read_bytes()))
    assert book.worksheets[0].cell(1, 1).value == "12345热线月度考核报告（2026-11）"
    assert [s.title for s in book.worksheets][-1] == "指标定义"
    context.close()
