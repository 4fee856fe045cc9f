"""The weekly and monthly report: the printable page and the Excel workbook show the numbers the
rates API gives for the same period; centre staff only; every export audited. SQLite and PostgreSQL."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from zipfile import ZipFile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import logged_in
from tests.integration.test_rates_http import _happy, walked  # noqa: F401  (fixture)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMMENT = "路灯修了两天又坏了"


@pytest.fixture(scope="module")
def reported(isolated: Platform, walked: dict[str, int]) -> dict[str, int]:  # noqa: F811
    """The four walked tickets and a fifth whose citizen is unsatisfied and says why."""
    api = Api(isolated)
    t5 = api.dispatched()
    _happy(api, t5, 1)
    body = {"contacted": True, "solved": False, "satisfaction": "unsatisfied", "note": COMMENT}
    api.act("operator2", t5, "follow-up", body)
    return {**walked, "t5": t5}


def _api_rates(api: Api, first: str, last: str, group_by: str = "unit") -> Any:
    params = {"from": first, "to": last, "group_by": group_by}
    return api.get("supervisor", "/api/v1/rates", params=params)


def _book(content: bytes) -> Any:
    return load_workbook(BytesIO(content))


def _sheet_values(book: Any, index: int) -> list[tuple[Any, ...]]:
    return list(book.worksheets[index].iter_rows(values_only=True))


def _cell(value: Any) -> Any:
    return None if value == "—" else value


def test_the_monthly_workbook_holds_the_numbers_of_the_rates_api(
    isolated: Platform, reported: dict[str, int]
) -> None:
    api = Api(isolated)
    r = isolated.client.get(
        "/api/v1/reports/monthly.xlsx?month=2026-11", headers=isolated.headers("supervisor")
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert 'filename="hotline-monthly-2026-11.xlsx"' in r.headers["content-disposition"]
    book = _book(r.content)
    assert [s.title for s in book.worksheets][:3] == ["总体", "单位指标", "排名"]
    expected = _api_rates(api, "2026-11-01", "2026-11-30")
    # The summary: every rate of the whole centre, value, numerator and denominator.
    summary = _sheet_values(book, 0)
    assert summary[0][0] == "12345热线月度考核报告（2026-11）"
    lines = {row[0]: row[1:4] for row in summary[5:] if row[0]}
    for rate in expected["total"]["rates"]:
        value, numerator, denominator = lines[rate["name"]]
        assert (_cell(value), numerator, denominator) == (
            pytest.approx(rate["value"]) if rate["value"] is not None else None,
            pytest.approx(rate["numerator"]),
            rate["denominator"],
        ), rate["code"]
    # Each unit's line: the API's values, by the rate's name in the header.
    units = _sheet_values(book, 1)
    header = units[2]
    by_name = {row[0]: row for row in units[3:]}
    for row in expected["rows"]:
        if row["key"] is None or row["name"] not in by_name:
            continue
        line = by_name[row["name"]]
        for rate in row["rates"]:
            if rate["name"] in header:
                got = _cell(line[header.index(rate["name"])])
                assert got == (pytest.approx(rate["value"]) if rate["value"] is not None else None), rate[
                    "code"
                ]
    longwan = by_name["龙湾区人民政府"]
    assert longwan[1] == 4 and longwan[2] == 3  # tickets it leads; valid follow-ups
    # The charts travel with the workbook; the unsatisfied sheet carries the citizen's words.
    charts = [n for n in ZipFile(BytesIO(r.content)).namelist() if n.startswith("xl/charts/chart")]
    assert charts, charts  # the places' bars (these tickets have no category: no category chart)
    unsatisfied = _sheet_values(book, 7)
    assert any(COMMENT in row for row in unsatisfied)
    definitions = _sheet_values(book, 8)
    assert any(str(row[1]).startswith("（满意 + w × 基本满意）") for row in definitions[3:])
    with isolated.db.read() as s:
        entry = s.execute(
            select(AuditEntry.entity_id, AuditEntry.actor_name).where(AuditEntry.action == "reports.export")
        ).first()
    assert entry is not None and entry.entity_id == "monthly:2026-11" and entry.actor_name


def test_the_weekly_workbook_is_the_rates_of_its_iso_week(
    isolated: Platform, reported: dict[str, int]
) -> None:
    api = Api(isolated)
    r = isolated.client.get(
        "/api/v1/reports/weekly.xlsx",
        params={"week": "2026-W47", "lang": "en"},
        headers=isolated.headers("admin"),
    )
    assert r.status_code == 200, r.text
    book = _book(r.content)
    summary = _sheet_values(book, 0)
    assert summary[0][0] == "12345 Hotline weekly report (2026-W47)"
    assert summary[1][0] == "Period: 2026-11-16 to 2026-11-22 (by time received)"
    expected = {x["name"]: x for x in _api_rates(api, "2026-11-16", "2026-11-22")["total"]["rates"]}
    lines = {row[0]: row for row in summary[5:] if row[0]}
    assert lines["Composite score"][1] == pytest.approx(expected["综合得分"]["value"])
    assert lines["Closure rate"][3] == expected["办结率"]["denominator"] == 5


def test_the_printable_page_shows_the_same_figures(isolated: Platform, reported: dict[str, int]) -> None:
    b = logged_in(isolated, "supervisor")
    page = b.get("/reports/monthly?month=2026-11")
    assert page.status_code == 200
    html = page.text
    total = {x["code"]: x for x in _api_rates(Api(isolated), "2026-11-01", "2026-11-30")["total"]["rates"]}
    assert "12345热线月度考核报告（2026-11）" in html
    assert f"{total['closure']['value'] * 100:.1f}%" in html
    assert f"{total['satisfaction']['numerator']} / {total['satisfaction']['denominator']}" in html
    for words in ("龙湾区人民政府", "三、单位排名", COMMENT, "附：指标定义", "（满意 + w × 基本满意）"):
        assert words in html, words
    assert 'href="/reports/monthly.xlsx?month=2026-11"' in html
    assert '<link rel="stylesheet" href="/static/reports.css">' in html
    # every figure of a unit's row opens the tickets behind it (issue 14)
    longwan = isolated.unit_id("d-longwan")
    for code in ("on_time_closure", "overdue", "handling_time", "timely_acknowledgement"):
        assert f'href="/assessment/tickets?unit={longwan}&amp;rate={code}&amp;period=2026-11"' in html, code
    weekly = b.get("/reports/weekly?week=2026-W47&lang=en")
    assert weekly.status_code == 200 and "12345 Hotline weekly report (2026-W47)" in weekly.text
    assert f"/assessment/tickets?unit={longwan}&amp;rate=closure&amp;period=2026-W47" in weekly.text
    download = b.get("/reports/monthly.xlsx?month=2026-11")
    assert download.status_code == 200 and download.headers["content-type"] == XLSX


def test_a_units_people_and_bad_periods_are_refused(isolated: Platform, reported: dict[str, int]) -> None:
    api = Api(isolated)
    body = api.get("handler.longwan", "/api/v1/reports/monthly.xlsx?month=2026-11", expect=403)
    assert body["code"] == "permission.reports"
    api.get("reviewer.longwan", "/api/v1/reports/weekly.xlsx", expect=403)
    handler = logged_in(isolated, "handler.longwan")
    assert handler.get("/reports/monthly").status_code == 403
    assert handler.get("/reports/weekly.xlsx").status_code == 403
    for path, field in (
        ("/api/v1/reports/monthly.xlsx?month=2026-13", "month"),
        ("/api/v1/reports/monthly.xlsx?month=november", "month"),
        ("/api/v1/reports/weekly.xlsx?week=2026-W60", "week"),
    ):
        problem = api.get("supervisor", path, expect=422)
        assert problem["errors"][0]["field"] == field and problem["code"] == f"reports.{field}", problem
    assert logged_in(isolated, "dispatcher").get("/reports/weekly?week=x").status_code == 422
    with isolated.db.read() as s:
        exports = s.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "reports.export")).all()
    assert "monthly:2026-13" not in exports
