"""One source of numbers (issue 14): the weekly and monthly report's ranking is the rankings' own —
the same places, scores, volumes, movement and list marks as `GET /api/v1/rankings` for the same
period, in the workbook and on the printable page; and the ranking settings come from
`HOTLINE_ASSESSMENT_*`. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from hotline.config import Settings
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import logged_in
from tests.integration.test_rankings_http import walked  # noqa: F401  (fixture)

GROUP_NAMES = {"department": "市直部门", "enterprise": "公共企事业单位"}


@pytest.fixture
def api(isolated: Platform, walked: dict[str, int]) -> Api:  # noqa: F811
    return Api(isolated)


def _placings(api: Api, **params: str) -> dict[str, list[dict[str, Any]]]:
    body = api.get("supervisor", "/api/v1/rankings", params={"date": "2026-11-20", **params})
    return {g["name"]: g["placings"] for g in body["groups"] if g["placings"]}


def _ranking_sheet(isolated: Platform, path: str) -> dict[str, list[tuple[Any, ...]]]:
    """The workbook's ranking sheet: per group heading, its rows (unit, rank, score, volume, move,
    lists)."""
    r = isolated.client.get(path, headers=isolated.headers("supervisor"))
    assert r.status_code == 200, r.text
    sheet = load_workbook(BytesIO(r.content)).worksheets[2]
    groups: dict[str, list[tuple[Any, ...]]] = {}
    current: list[tuple[Any, ...]] | None = None
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if str(row[0]).startswith("本期无有效回访"):  # the group's units without an answer, one line
            assert current is not None
            current.append((row[0],))
        elif row[0] and row[1] is None and row[3] is None:  # a group's heading
            current = groups.setdefault(str(row[0]), [])
        elif row[0] and row[0] != "单位" and current is not None:
            current.append(row[:6])
    return groups


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/reports/monthly.xlsx?month=2026-11", {"period": "month"}),
        ("/api/v1/reports/weekly.xlsx?week=2026-W47", {"period": "week"}),
    ],
)
def test_the_reports_ranking_is_the_rankings_api(
    isolated: Platform, api: Api, path: str, params: dict[str, str]
) -> None:
    expected = _placings(api, **params)
    got = _ranking_sheet(isolated, path)
    assert set(got) == set(expected)  # every peer group with a unit, named as the rankings name it
    lists = api.get("supervisor", "/api/v1/rankings/lists", params={"date": "2026-11-20", **params})
    marks = {p["unit_id"]: [] for ps in expected.values() for p in ps}
    for mark, word in (("watchlist", "蜗牛席"), ("red", "红榜"), ("black", "黑榜")):
        for p in lists[mark]:
            marks[p["unit_id"]].append(word)
    for group, placings in expected.items():
        want = [
            (
                p["name"],
                p["place"] if p["place"] is not None else "不排名",
                pytest.approx(p["score"]) if p["score"] is not None else "—",
                p["volume"],
                "—" if p["place"] is None else "新进" if p["movement"] is None else p["movement"],
                "、".join(marks[p["unit_id"]]) or None,
            )
            for p in placings
            if p["volume"] or p["place"] is not None
        ]
        idle = [p["name"] for p in placings if not p["volume"] and p["place"] is None]
        if idle:  # named in one line under the table, as the rankings page names them
            want.append((f"本期无有效回访，不排名（{len(idle)}）：" + "、".join(idle),))
        assert got[group] == want, group
    assert any(row[-1] == "红榜" for rows in got.values() for row in rows) or params["period"] == "week"


def test_the_printable_page_shows_movement_and_the_lists(isolated: Platform, api: Api) -> None:
    html = logged_in(isolated, "supervisor").get("/reports/monthly?month=2026-11").text
    for words in (
        "市直部门",
        "较上期",
        "新进",
        '<span class="mark red">红榜</span>',
        '<span class="mark black">黑榜</span>',
    ):
        assert words in html, words
    assert "海滨市交通运输综合行政执法支队" in html


@pytest.fixture
def min_volume_two(isolated: Platform) -> Iterator[None]:
    """The platform as if started with HOTLINE_ASSESSMENT_MIN_VOLUME=2 and _RED_TOP=2."""
    app = isolated.client.app
    saved = app.state.settings  # type: ignore[attr-defined]
    app.state.settings = Settings(  # type: ignore[attr-defined]
        **{**saved.model_dump(), "assessment_min_volume": 2, "assessment_red_top": 2}
    )
    try:
        yield
    finally:
        app.state.settings = saved  # type: ignore[attr-defined]


def test_the_ranking_settings_come_from_the_environment(
    isolated: Platform, api: Api, min_volume_two: None
) -> None:
    water = next(
        p for p in _placings(api, period="month")["公共企事业单位"] if p["name"] == "海滨水务集团有限公司"
    )
    assert (water["place"], water["volume"]) == (1, 2)  # two answers are enough now
    lists = api.get("supervisor", "/api/v1/rankings/lists", params={"date": "2026-11-20"})
    assert (lists["settings"]["min_volume"], lists["settings"]["red_top"]) == (2, 2)
    assert "海滨水务集团有限公司" in [p["name"] for p in lists["red"]]
    sheet = _ranking_sheet(isolated, "/api/v1/reports/monthly.xlsx?month=2026-11")
    assert ("海滨水务集团有限公司", 1) in [row[:2] for row in sheet["公共企事业单位"]]


def test_the_rates_api_reads_the_assessment_settings(isolated: Platform, api: Api) -> None:
    """HOTLINE_ASSESSMENT_BASIS=closed makes `/api/v1/rates` count by closing time, exactly as asking
    `basis=closed` does (before, the API used the built-in defaults whatever the settings said)."""
    params = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "unit"}
    by_default = api.get("supervisor", "/api/v1/rates", params=params)
    asked = api.get("supervisor", "/api/v1/rates", params={**params, "basis": "closed"})
    app = isolated.client.app
    saved = app.state.settings  # type: ignore[attr-defined]
    app.state.settings = Settings(**{**saved.model_dump(), "assessment_basis": "closed"})  # type: ignore[attr-defined]
    try:
        configured = api.get("supervisor", "/api/v1/rates", params=params)
        overridden = api.get("supervisor", "/api/v1/rates", params={**params, "basis": "received"})
    finally:
        app.state.settings = saved  # type: ignore[attr-defined]
    assert by_default["basis"] == "received" and configured["basis"] == "closed"
    assert configured["rows"] == asked["rows"] and configured["total"] == asked["total"]
    assert overridden["rows"] == by_default["rows"]  # the request's own basis still wins
    assert configured["total"] != by_default["total"]
