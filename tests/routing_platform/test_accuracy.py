"""The live measure of 秒派: tickets routing dispatched at once, walked through the real workflow
(sent back, the send-back accepted and re-dispatched, or rejected, or left undecided), then read
per category and per unit over HTTP and from the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from hotline.cli import app
from tests.conftest import Platform, _platform
from tests.routing_platform.conftest import RoutedApi, _with_routing, fresh_database

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def own(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A routing platform of this module's own: only its own tickets are counted."""
    data_dir = tmp_path_factory.mktemp(f"routing-accuracy-{request.param}")
    with fresh_database(request.param, data_dir) as url:
        yield from _with_routing(_platform(request.param, url, data_dir))


@pytest.fixture(scope="module")
def walked(own: Platform) -> dict[str, int]:
    """Five tickets: four dispatched at once by routing, one by a dispatcher."""
    api = RoutedApi(own)

    def auto(content: str, category: str) -> int:
        t = api.intake(content=content, category_code=category)
        assert t["routing"]["decision"] == "auto_dispatched", t["routing"]
        return int(t["id"])

    wrong = auto("楼下的电线杆旁边有根管子一直在漏水", "utilities.power")
    api.on("handler.power", wrong, 1, "send-back", {"reason": "是自来水管漏水，不归供电公司"})
    api.on(
        "dispatcher",
        wrong,
        1,
        "send-back/decision",
        {"accept": True, "reason": "退单理由成立，改派", "redispatch_to": own.unit_id("ent-water")},
    )
    rejected = auto("楼道里的电表箱门坏了关不上", "utilities.power")
    api.on("handler.power", rejected, 1, "send-back", {"reason": "电表箱属物业管理"})
    api.on("dispatcher", rejected, 1, "send-back/decision", {"accept": False, "reason": "电表箱归供电公司"})
    right = auto("自来水发黄有异味，水压也很低", "utilities.water_supply")
    pending = auto("小区停水一上午了也没通知", "utilities.water_supply")
    api.on("handler.water", pending, 1, "send-back", {"reason": "小区二次供水属物业管理"})
    by_hand = api.intake(content="路口的红绿灯坏了，车辆乱成一团")["id"]
    api.act("dispatcher", by_hand, "dispatch", {"lead_unit_id": own.unit_id("ent-water")})
    return {"wrong": wrong, "rejected": rejected, "right": right, "pending": pending, "by_hand": by_hand}


def _today(p: Platform) -> str:
    return p.clock().astimezone(ZONE).date().isoformat()


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(r for r in rows if r["key"] == key)


def test_auto_dispatches_sent_back_and_re_dispatched_count_as_wrong(
    own: Platform, walked: dict[str, int]
) -> None:
    api = RoutedApi(own)
    day = _today(own)
    out = api.get("supervisor", "/api/v1/routing/accuracy", params={"from": day, "to": day})
    assert out["from"] == out["to"] == day
    total = out["total"]
    assert (
        total["auto_dispatched"],
        total["sent_back"],
        total["wrong"],
        total["rejected"],
        total["pending"],
    ) == (
        4,
        3,
        1,
        1,
        1,
    )  # the ticket a dispatcher sent is not routing's
    assert total["accuracy"] == pytest.approx(2 / 3, abs=1e-4)  # the undecided one waits
    power = _by(out["by_category"], "utilities.power")
    assert (power["auto_dispatched"], power["wrong"], power["rejected"], power["accuracy"]) == (2, 1, 1, 0.5)
    assert "电" in power["name"]
    water = _by(out["by_category"], "utilities.water_supply")
    assert (water["auto_dispatched"], water["wrong"], water["pending"], water["accuracy"]) == (2, 0, 1, 1.0)
    power_unit = _by(out["by_unit"], str(own.unit_id("ent-power")))
    assert (power_unit["auto_dispatched"], power_unit["wrong"]) == (2, 1) and "供电" in power_unit["name"]
    water_unit = _by(out["by_unit"], str(own.unit_id("ent-water")))
    assert water_unit["auto_dispatched"] == 2  # the re-dispatch there and the dispatcher's are not 秒派
    assert out["by_category"][0]["auto_dispatched"] >= out["by_category"][-1]["auto_dispatched"]

    english = api.client.get(
        "/api/v1/routing/accuracy",
        params={"from": day, "to": day, "lang": "en"},
        headers=own.headers("admin"),
    ).json()
    assert _by(english["by_category"], "utilities.power")["name"] != power["name"]


def test_another_period_has_none(own: Platform, walked: dict[str, int]) -> None:
    day = (own.clock().astimezone(ZONE).date() - timedelta(days=3)).isoformat()
    out = RoutedApi(own).get("dispatcher", "/api/v1/routing/accuracy", params={"from": day, "to": day})
    assert out["total"]["auto_dispatched"] == 0 and out["total"]["accuracy"] is None
    assert out["by_category"] == [] and out["by_unit"] == []


def test_who_may_read_it_and_bad_periods(own: Platform, walked: dict[str, int]) -> None:
    api = RoutedApi(own)
    day = _today(own)
    for user in ("operator1", "handler.power"):
        refused = api.get(user, "/api/v1/routing/accuracy", params={"from": day, "to": day}, expect=403)
        assert refused["code"] == "permission.role"
    backwards = api.get(
        "admin", "/api/v1/routing/accuracy", params={"from": day, "to": "2020-01-01"}, expect=422
    )
    assert backwards["code"] == "routing.period" and backwards["errors"][0]["field"] == "to"
    too_long = api.get(
        "admin", "/api/v1/routing/accuracy", params={"from": "2020-01-01", "to": day}, expect=422
    )
    assert too_long["code"] == "routing.period_too_long"
    missing = api.client.get("/api/v1/routing/accuracy", params={"from": day}, headers=own.headers("admin"))
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "to"


def test_the_command_line_reads_the_same(
    own: Platform, walked: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", own.db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(own.client.app.state.settings.data_dir))  # type: ignore[attr-defined]
    day = _today(own)
    result = CliRunner().invoke(app, ["routing-accuracy", "--from", day, "--to", day])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["total"]["auto_dispatched"] == 4 and report["total"]["wrong"] == 1
    assert "秒派准确率" in result.stdout and "66.7%" in result.stdout
    bad = CliRunner().invoke(app, ["routing-accuracy", "--from", day, "--to", "2020-01-01"])
    assert bad.exit_code == 1
