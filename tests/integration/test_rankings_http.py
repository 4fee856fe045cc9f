"""Rankings after tickets walked through the real workflow, on SQLite and PostgreSQL (a database of
this module's own): places within the peer group, the lists, a unit's own standing, closing a
month (frozen, audited, refused twice or early) and the tickets behind a figure."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import csrf_of, logged_in

CST = ZoneInfo("Asia/Shanghai")
GOOD = (True, True, "satisfied")
BAD = (False, False, "unsatisfied")


def _reviewed(api: Api, unit: str, handler: str) -> int:
    tid = api.dispatched(lead=unit)
    api.on(handler, tid, 1, "acknowledge")
    api.on(handler, tid, 1, "reply", {"reply": "已处理完毕"})
    api.on("dispatcher", tid, 1, "review", {"approve": True})
    return tid


def _follow_up(api: Api, tid: int, answer: tuple[bool, bool, str]) -> None:
    contacted, solved, satisfaction = answer
    api.act(
        "operator2",
        tid,
        "follow-up",
        {"contacted": contacted, "solved": solved, "satisfaction": satisfaction},
    )


@pytest.fixture(scope="module")
def walked(isolated: Platform) -> dict[str, int]:
    """November 2026: the urban bureau 5 good answers (score 1.0), transport enforcement 4 good and
    1 bad (0.8), the market bureau 3 good and 2 bad (0.6) and one ticket not yet followed up, the
    water company 2 good answers (too few to rank)."""
    isolated.clock.now = datetime(2026, 11, 20, 10, tzinfo=CST)
    isolated.tokens.clear()
    api = Api(isolated)
    plan = {
        ("dept-urban", "handler.urban"): [GOOD] * 5,
        ("dept-transport-enforcement", "handler.transport-enforcement"): [GOOD] * 4 + [BAD],
        ("dept-market", "handler.market"): [GOOD] * 3 + [BAD] * 2,
        ("ent-water", "handler.water"): [GOOD] * 2,
    }
    for (unit, handler), answers in plan.items():
        for answer in answers:
            _follow_up(api, _reviewed(api, unit, handler), answer)
    return {"late": _reviewed(api, "dept-market", "handler.market")}


@pytest.fixture
def api(isolated: Platform, walked: dict[str, int]) -> Api:
    return Api(isolated)


def _rankings(api: Api, user: str, expect: int = 200, **params: str) -> Any:
    return api.get(user, "/api/v1/rankings", expect=expect, params={"date": "2026-11-20", **params})


def _group(body: dict[str, Any], group: str) -> list[dict[str, Any]]:
    return next(g["placings"] for g in body["groups"] if g["group"] == group)


def test_departments_are_ranked_among_themselves_with_their_figures(isolated: Platform, api: Api) -> None:
    body = _rankings(api, "supervisor", period="month")
    assert (body["period"], body["start"], body["end"], body["closed"]) == (
        "2026-11",
        "2026-11-01",
        "2026-11-30",
        False,
    )
    departments = _group(body, "department")
    ranked = [(p["name"], p["place"], p["of"], p["volume"]) for p in departments if p["place"]]
    assert [r[0] for r in ranked] == [
        "海滨市城市管理局",
        "海滨市交通运输综合行政执法支队",
        "海滨市市场监督管理局",
    ]
    assert [r[1:] for r in ranked] == [(1, 3, 5), (2, 3, 5), (3, 3, 5)]
    market = ranked_by_name(departments, "海滨市市场监督管理局")
    assert market["score"] == pytest.approx(0.6)
    figures = {f["code"]: f for f in market["figures"]}
    assert (figures["resolution"]["numerator"], figures["resolution"]["denominator"]) == (3, 5)
    assert market["bottom"] and market["movement"] is None and market["previous_place"] is None
    # Departments without tickets, and the water company with two answers, are listed unranked.
    assert all(p["place"] is None for p in departments[3:])
    water = ranked_by_name(_group(body, "enterprise"), "海滨水务集团有限公司")
    assert (water["place"], water["volume"]) == (None, 2)
    assert body["definition"].startswith("响应率、解决率、满意率按权重加权")
    weekly = _rankings(api, "dispatcher", period="week", group="department")
    assert weekly["period"] == "2026-W47" and [g["group"] for g in weekly["groups"]] == ["department"]


def ranked_by_name(placings: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(p for p in placings if p["name"] == name)


def test_the_lists_name_the_best_and_the_worst(api: Api) -> None:
    body = api.get("supervisor", "/api/v1/rankings/lists", params={"date": "2026-11-20"})
    assert body["periods"] == ["2026-09", "2026-10", "2026-11"]
    assert [p["name"] for p in body["red"]] == ["海滨市城市管理局"]
    assert [p["name"] for p in body["black"]] == ["海滨市市场监督管理局"]
    assert body["watchlist"] == []  # September and October ranked nobody
    assert body["settings"]["min_volume"] == 5


def test_a_unit_sees_its_own_standing_only(isolated: Platform, api: Api) -> None:
    body = _rankings(api, "handler.market")
    (group,) = body["groups"]
    assert group["group"] == "department" and [
        (p["name"], p["place"], p["of"]) for p in group["placings"]
    ] == [("海滨市市场监督管理局", 3, 3)]
    lists = api.get("handler.market", "/api/v1/rankings/lists", params={"date": "2026-11-20"})
    assert lists["red"] == [] and [p["name"] for p in lists["black"]] == ["海滨市市场监督管理局"]
    assert _rankings(api, "handler.boai")["groups"] == []  # a community is not ranked
    assert _rankings(api, "grid.boai1", expect=403)["code"] == "permission.rankings"


def test_bad_parameters_are_refused_naming_the_field(api: Api) -> None:
    body = _rankings(api, "supervisor", expect=422, period="year")
    assert "period" in str(body)
    assert "group" in str(_rankings(api, "supervisor", expect=422, group="villages"))
    for day in ("9999-12-31", "0001-01-01"):  # no next or previous period: refused, not a 500
        body = _rankings(api, "supervisor", expect=422, date=day)
        assert body["code"] == "assessment.date" and "date" in str(body)
    close = {"period": "month", "date": "9999-12-01"}
    assert api.post("admin", "/api/v1/rankings/close", close, expect=422)["code"] == "assessment.date"


def test_closing_a_month_freezes_it_and_is_audited(
    isolated: Platform, api: Api, walked: dict[str, int]
) -> None:
    close = {"period": "month", "date": "2026-11-15"}
    assert (
        api.post("supervisor", "/api/v1/rankings/close", close, expect=422)["code"]
        == "assessment.period_open"
    )
    assert api.post("handler.market", "/api/v1/rankings/close", close, expect=403)["code"] == (
        "permission.rankings_close"
    )
    saved = isolated.clock.now
    try:
        isolated.clock.now = datetime(2026, 12, 2, 9, tzinfo=CST)
        isolated.tokens.clear()
        body = api.post("supervisor", "/api/v1/rankings/close", close)
        assert body["closed"] and body["closed_at"].startswith("2026-12-02T09:00")
        assert api.post("admin", "/api/v1/rankings/close", close, expect=409)["code"] == "assessment.closed"
        entries = api.get("admin", "/api/v1/audit", params={"action": "assessment.period.closed"})["items"]
        assert [(e["entity_id"], e["actor"]["name"]) for e in entries] == [("month:2026-11", "supervisor")]
        # A late answer for a November ticket: the live rates move, the closed ranking does not.
        isolated.clock.now = datetime(2026, 12, 2, 10, tzinfo=CST)
        _follow_up(api, walked["late"], GOOD)
        market_id = str(isolated.unit_id("dept-market"))
        rates = api.get("supervisor", "/api/v1/rates", params={"from": "2026-11-01", "to": "2026-11-30"})
        live = next(r for r in rates["rows"] if r["key"] == market_id)
        assert next(x for x in live["rates"] if x["code"] == "composite")["denominator"] == 6
        frozen = _rankings(api, "supervisor")
        assert frozen["closed"]
        market = ranked_by_name(_group(frozen, "department"), "海滨市市场监督管理局")
        assert (market["volume"], market["score"]) == (5, pytest.approx(0.6))
        # The drill-down of the closed month counts as of the closing instant, and says so.
        page = logged_in(isolated, "supervisor").get(
            "/assessment/tickets", params={"unit": market_id, "rate": "composite", "period": "2026-11"}
        )
        assert page.status_code == 200
        assert "3 ÷ 5 = 60.0%" in page.text and "封存时的数字：3 ÷ 5" in page.text
        assert page.text.count('href="/tickets/') == 6  # every ticket it led, the late one uncounted
        assert "不计入（无有效回访）" in page.text
        # The rankings page of the closed month shows the lock, and no close button.
        ranking_page = logged_in(isolated, "supervisor").get("/assessment?period=month&date=2026-11-01").text
        assert (
            "已封存于 2026-12-02 09:00" in ranking_page and 'action="/assessment/close"' not in ranking_page
        )
    finally:
        isolated.clock.now = saved
        isolated.tokens.clear()


def test_the_centre_page_shows_every_group_the_lists_and_links_to_the_tickets(
    isolated: Platform, api: Api
) -> None:
    b = logged_in(isolated, "supervisor")
    page = b.get("/assessment?period=month&date=2026-11-20")
    assert page.status_code == 200
    text = page.text
    for words in (
        "市直部门",
        "区（县）",
        "蜗牛席",
        "红榜",
        "黑榜",
        "海滨市城市管理局",
        "未排名",
        "后两名",
        "本期无有效回访",
    ):
        assert words in text, words
    market_id = isolated.unit_id("dept-market")
    assert f"/assessment/tickets?unit={market_id}&amp;rate=composite&amp;period=2026-11" in text
    assert 'class="as-chart" data-group="department"' in text
    assert re.search(r'<script type="application/json" id="as-chart-data">\{.*"department"', text)
    # A month still running cannot be closed from the page either.
    assert 'action="/assessment/close"' not in text


def test_a_unit_page_shows_its_own_standing_and_only_its_own_tickets(isolated: Platform, api: Api) -> None:
    b = logged_in(isolated, "handler.market")
    page = b.get("/assessment?period=month&date=2026-11-20").text
    assert "本单位排名" in page and "市直部门第 3 名，共 3 个单位排名" in page
    assert "海滨市城市管理局" not in page and "蜗牛席" not in page
    own = isolated.unit_id("dept-market")
    other = isolated.unit_id("dept-urban")
    ok = b.get("/assessment/tickets", params={"unit": own, "rate": "resolution", "period": "2026-11"})
    assert ok.status_code == 200 and "3 ÷ 5 = 60.0%" in ok.text
    assert "回访中答复“已解决”的工单数 ÷ 有效回访工单数" in ok.text
    refused = b.get("/assessment/tickets", params={"unit": other, "rate": "composite", "period": "2026-11"})
    assert refused.status_code == 403
    closure = b.get("/assessment/tickets", params={"unit": own, "rate": "closure", "period": "2026-11"})
    assert closure.status_code == 200 and "办结率" in closure.text  # every rate drills down (issue 14)
    bad = b.get("/assessment/tickets", params={"unit": own, "rate": "speed", "period": "2026-11"})
    assert bad.status_code == 422 and "指标（rate）" in bad.text
    assert b.get("/assessment/tickets", params={"unit": own, "period": "Nov"}).status_code == 422


def test_closing_from_the_page_needs_the_token(isolated: Platform, api: Api) -> None:
    b = logged_in(isolated, "admin")
    token = csrf_of(b.get("/assessment").text)
    assert b.post("/assessment/close", data={"period": "week", "date": "2026-11-09"}).status_code == 403
    r = b.post(
        "/assessment/close",
        data={"period": "week", "date": "2026-11-09", "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "closed=1" in r.headers["location"]
    assert "本期排名已封存" in b.get(r.headers["location"]).text
