"""The rates a supervisor reads after a few tickets walked through the real workflow, on SQLite and
PostgreSQL (a database of this module's own, so the figures are exactly these tickets')."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Platform
from tests.integration.api import Api

DAY = "2026-11-20"  # the test clock's day in the centre's zone


def _happy(api: Api, tid: int, no: int, handler: str = "handler.longwan") -> None:
    api.on(handler, tid, no, "acknowledge")
    api.on(handler, tid, no, "reply", {"reply": "已处理完毕"})
    api.on("dispatcher", tid, no, "review", {"approve": True})


def _follow_up(api: Api, tid: int, contacted: bool, solved: bool, satisfaction: str) -> None:
    body = {"contacted": contacted, "solved": solved, "satisfaction": satisfaction}
    api.act("operator2", tid, "follow-up", body)


@pytest.fixture(scope="module")
def walked(isolated: Platform) -> dict[str, int]:
    """Four tickets of one morning:
    1. Longwan handles it, the citizen is satisfied, closed;
    2. Longwan's first reply leaves the citizen unsatisfied: reopened, handled again, the second
       answer is "fairly satisfied", solved, not contacted; closed;
    3. a consultation answered at intake;
    4. Longwan leads (not yet acknowledged), the power company assists and sends it back, and the
       centre rejects the send-back (an improper send-back)."""
    api = Api(isolated)
    t1 = api.dispatched()
    _happy(api, t1, 1)
    _follow_up(api, t1, True, True, "satisfied")
    api.act("operator2", t1, "close", {})

    t2 = api.dispatched()
    _happy(api, t2, 1)
    _follow_up(api, t2, True, False, "unsatisfied")
    api.act("dispatcher", t2, "reopen", {"reason": "市民不满意"})
    _happy(api, t2, 2)
    _follow_up(api, t2, False, True, "fairly_satisfied")
    api.act("operator2", t2, "close", {})

    t3 = api.intake(kind="consultation", content="公积金怎么提取")["id"]
    api.act("operator1", t3, "answer", {"answer": "可在公积金中心网站办理提取"})

    t4 = api.dispatched(assists=("ent-power",))
    api.on("handler.power", t4, 2, "send-back", {"reason": "不属于本单位"})
    api.on("dispatcher", t4, 2, "send-back/decision", {"accept": False, "reason": "属于供电线路问题"})
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4}


def _rates(api: Api, user: str, expect: int = 200, **params: str) -> Any:
    query = {"from": DAY, "to": DAY, **params}
    return api.get(user, "/api/v1/rates", expect=expect, params=query)


def _by_code(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in row["rates"]}


def _fraction(rate: dict[str, Any]) -> tuple[float, int, float | None]:
    return rate["numerator"], rate["denominator"], rate["value"]


def test_a_supervisor_reads_each_units_rates_with_their_counts(
    isolated: Platform, walked: dict[str, int]
) -> None:
    api = Api(isolated)
    body = _rates(api, "supervisor", group_by="unit")
    assert (body["from"], body["to"], body["basis"]) == (DAY, DAY, "received")
    rows = {row["key"]: row for row in body["rows"]}
    longwan = _by_code(rows[str(isolated.unit_id("d-longwan"))])
    assert rows[str(isolated.unit_id("d-longwan"))]["name"] == "龙湾区人民政府"
    # Two tickets followed up (ticket 2 once, by its last answer), one not contacted.
    assert _fraction(longwan["response"]) == (1, 2, 0.5)
    assert _fraction(longwan["resolution"]) == (2, 2, 1.0)
    assert _fraction(longwan["satisfaction"]) == (2, 2, 1.0)
    assert longwan["composite"]["value"] == pytest.approx(0.1 * 0.5 + 0.5 * 1 + 0.4 * 1)
    assert _fraction(longwan["closure"]) == (2, 3, pytest.approx(2 / 3))
    assert _fraction(longwan["reopen"]) == (1, 2, 0.5)
    assert _fraction(longwan["on_time_closure"]) == (2, 2, 1.0)
    # Tickets 1 and 2 (twice) acknowledged at once; ticket 4's lead is not yet due.
    assert _fraction(longwan["timely_acknowledgement"]) == (3, 3, 1.0)
    assert longwan["first_contact_resolution"]["value"] is None
    assert longwan["satisfaction"]["definition"].startswith("（满意 + w × 基本满意）")
    power = _by_code(rows[str(isolated.unit_id("ent-power"))])
    assert _fraction(power["improper_send_backs"]) == (1, 1, 1.0)
    assert power["satisfaction"]["value"] is None and power["satisfaction"]["denominator"] == 0
    # The consultation answered at intake is nobody's unit: its row has no key.
    assert rows[None]["rates"][0]["denominator"] == 0
    total = _by_code(body["total"])
    assert _fraction(total["first_contact_resolution"]) == (1, 4, 0.25)
    assert _fraction(total["closure"]) == (2, 4, 0.5)


def test_by_channel_and_category_and_district(isolated: Platform, walked: dict[str, int]) -> None:
    api = Api(isolated)
    by_channel = {row["key"]: row for row in _rates(api, "dispatcher", group_by="channel")["rows"]}
    assert list(by_channel) == ["phone"] and by_channel["phone"]["name"] == "电话"
    assert _fraction(_by_code(by_channel["phone"])["first_contact_resolution"]) == (1, 4, 0.25)
    by_district = {row["key"]: row for row in _rates(api, "admin", group_by="district")["rows"]}
    longwan = _by_code(by_district[str(isolated.unit_id("d-longwan"))])
    assert longwan["satisfaction"]["denominator"] == 2
    # The power company is in no district: its send-back is in the row without a key.
    assert _by_code(by_district[None])["improper_send_backs"]["numerator"] == 1


def test_by_closing_time_only_closed_tickets_count(isolated: Platform, walked: dict[str, int]) -> None:
    body = _rates(Api(isolated), "supervisor", group_by="unit", basis="closed")
    total = _by_code(body["total"])
    assert body["basis"] == "closed"
    assert _fraction(total["closure"]) == (2, 2, 1.0)
    assert total["satisfaction"]["denominator"] == 2


def test_english_readers_get_english_names_and_definitions(
    isolated: Platform, walked: dict[str, int]
) -> None:
    api = Api(isolated)
    body = _rates(api, "supervisor", group_by="channel", lang="en")
    rate = _by_code(body["rows"][0])["satisfaction"]
    assert rate["name"] == "Satisfaction rate"
    assert rate["definition"].startswith("(satisfied + w × fairly satisfied)")
    assert body["rows"][0]["name"] == "Phone"


def test_a_unit_handler_sees_only_its_own_unit(isolated: Platform, walked: dict[str, int]) -> None:
    api = Api(isolated)
    body = _rates(api, "handler.power", group_by="unit")
    assert [row["key"] for row in body["rows"]] == [str(isolated.unit_id("ent-power"))]
    assert body["total"] is None
    # By channel, still only its own figures: its one assignment, no ticket it leads.
    phone = _by_code(_rates(api, "handler.power", group_by="channel")["rows"][0])
    assert phone["improper_send_backs"]["denominator"] == 1 and phone["closure"]["denominator"] == 0


def test_a_period_with_no_tickets_has_no_rates(isolated: Platform, walked: dict[str, int]) -> None:
    body = _rates(Api(isolated), "supervisor", group_by="unit", **{"from": "2026-10-01", "to": "2026-10-31"})
    assert body["rows"] == []
    assert all(r["value"] is None and r["denominator"] == 0 for r in body["total"]["rates"])


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"group_by": "street"}, "group_by", "enum"),
        ({"from": "2026-13-01"}, "from", "date_from_datetime_parsing"),
        ({"to": "2026-11-19"}, "to", "rates.period"),
        ({"from": "2025-01-01", "to": "2026-11-20"}, "to", "rates.period_too_long"),
        ({"basis": "followed"}, "basis", "enum"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(
    isolated: Platform, params: dict[str, str], field: str, code: str
) -> None:
    problem = _rates(Api(isolated), "supervisor", expect=422, **params)
    assert problem["errors"][0]["field"] == field
    assert problem["errors"][0]["code"] == code or problem["code"] == code


def test_people_without_a_desk_for_rates_are_refused(isolated: Platform) -> None:
    problem = _rates(Api(isolated), "grid.boai1", expect=403)
    assert problem["code"] == "permission.rates"
