"""The tickets behind every rate, over HTTP, on SQLite and PostgreSQL (a database of this module's
own): after a scripted month — a late acknowledgement, a reopen, an improper send-back, a step the
sweeper records overdue, a withdrawn and a merged ticket — each unit's drill-down of every rate
adds up to the figure `/api/v1/rates` gives that unit, line by line, for the centre and for the
unit's own people; another unit's people are refused; an unknown rate is 422 naming the field."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline.domain.rates import RateCode
from hotline.sla import sweeper
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import logged_in

CST = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 9, 9, tzinfo=CST)  # a Monday
PERIOD = "2026-11"
HANDLERS = {"d-longwan": "handler.longwan", "ent-power": "handler.power"}


def _done(
    api: Api, tid: int, no: int, answer: tuple[bool, bool, str], handler: str = "handler.longwan"
) -> None:
    api.on(handler, tid, no, "reply", {"reply": "已到现场处理完毕"})
    api.on("dispatcher", tid, no, "review", {"approve": True})
    contacted, solved, satisfaction = answer
    body = {"contacted": contacted, "solved": solved, "satisfaction": satisfaction}
    api.act("operator2", tid, "follow-up", body)


@pytest.fixture(scope="module")
def walked(isolated: Platform) -> dict[str, int]:
    """Longwan leads six tickets received on 9 November 2026:
    t1 acknowledged at once, answered satisfied, closed the next day;
    t2 acknowledged two hours late, answered unsatisfied, reopened, acknowledged at once, answered
       fairly satisfied, closed;
    t3 with the power company assisting: the power company's send-back is rejected (improper),
       Longwan never acknowledges, and the sweeper records its steps overdue;
    t4 acknowledged, then withdrawn by the citizen;
    t5 a duplicate merged into t3 (counted under t3);
    t6 acknowledged, still open."""
    p = isolated
    p.clock.now = START
    p.tokens.clear()
    api = Api(p)
    t1 = api.dispatched()
    api.on("handler.longwan", t1, 1, "acknowledge")
    _done(api, t1, 1, (True, True, "satisfied"))
    t2 = api.dispatched()
    t3 = api.dispatched(assists=("ent-power",))
    api.on("handler.power", t3, 2, "send-back", {"reason": "不属于本单位"})
    api.on("dispatcher", t3, 2, "send-back/decision", {"accept": False, "reason": "属于供电线路问题"})
    t4 = api.dispatched()
    api.on("handler.longwan", t4, 1, "acknowledge")
    api.act("operator1", t4, "withdraw", {"reason": "市民来电撤回"})
    t5 = api.dispatched()
    api.act("operator1", t5, "merge", {"into_ticket_id": t3, "reason": "同一地点同一问题"})
    t6 = api.dispatched()
    api.on("handler.longwan", t6, 1, "acknowledge")

    p.clock.now = START + timedelta(hours=2)
    p.tokens.clear()
    api.on("handler.longwan", t2, 1, "acknowledge")  # its 30 minutes are long gone
    _done(api, t2, 1, (True, False, "unsatisfied"))
    api.act("dispatcher", t2, "reopen", {"reason": "市民不满意"})
    api.on("handler.longwan", t2, 2, "acknowledge")
    _done(api, t2, 2, (False, True, "fairly_satisfied"))

    p.clock.now = START + timedelta(days=1)
    p.tokens.clear()
    api.act("operator2", t1, "close", {})
    api.act("operator2", t2, "close", {})
    sweeper.sweep(p.db, p.clock.now)
    p.clock.now = START + timedelta(days=8)
    sweeper.sweep(p.db, p.clock.now)
    p.tokens.clear()
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6}


@pytest.fixture
def api(isolated: Platform, walked: dict[str, int]) -> Api:
    return Api(isolated)


def _rates(api: Api, user: str) -> dict[int, dict[str, Any]]:
    body = api.get(user, "/api/v1/rates", params={"from": "2026-11-01", "to": "2026-11-30"})
    return {int(row["key"]): {x["code"]: x for x in row["rates"]} for row in body["rows"] if row["key"]}


def _down(api: Api, user: str, unit: int, code: str, expect: int = 200) -> Any:
    params = {"unit": str(unit), "rate": code, "period": PERIOD}
    return api.get(user, "/api/v1/rankings/tickets", expect=expect, params=params)


def _adds_up(down: dict[str, Any]) -> None:
    counted = [x for x in down["lines"] if x["counted"]]
    assert len(counted) == down["denominator"], down["code"]
    assert sum(x["adds"] for x in counted) == pytest.approx(down["numerator"], abs=1e-6), down["code"]
    assert all(x["adds"] == 0 for x in down["lines"] if not x["counted"]), down["code"]
    flags = [x["counted"] for x in down["lines"]]
    assert flags == sorted(flags, reverse=True), "counted lines first"


@pytest.mark.parametrize("unit_code", list(HANDLERS))
def test_every_rates_drill_down_adds_up_to_the_units_figure(
    isolated: Platform, api: Api, unit_code: str
) -> None:
    unit = isolated.unit_id(unit_code)
    for reader in ("supervisor", HANDLERS[unit_code]):
        figures = _rates(api, reader)[unit]
        assert set(figures) == {c.value for c in RateCode}
        for code, figure in figures.items():
            down = _down(api, reader, unit, code)
            _adds_up(down)
            assert down["denominator"] == figure["denominator"], (reader, code)
            # hours: SQLite subtracts julian days, exact to about a millisecond per ticket
            assert down["numerator"] == pytest.approx(figure["numerator"], abs=1e-5), (reader, code)
            assert (down["value"] is None) == (figure["value"] is None), (reader, code)
            if figure["value"] is not None:
                assert down["value"] == pytest.approx(figure["value"], abs=1e-5), (reader, code)
            assert (down["measure"], down["definition"]) == (figure["measure"], figure["definition"])


def test_longwans_lines_are_the_ones_worked_out_by_hand(
    isolated: Platform, api: Api, walked: dict[str, int]
) -> None:
    unit = isolated.unit_id("d-longwan")
    t1, t2, t3, t4, t5, t6 = (walked[k] for k in ("t1", "t2", "t3", "t4", "t5", "t6"))

    def lines(code: str) -> dict[tuple[int, str], dict[str, Any]]:
        down = _down(api, "supervisor", unit, code)
        return {(x["ticket_id"], x["why"]): x for x in down["lines"]}

    closure = _down(api, "supervisor", unit, "closure")
    assert (closure["numerator"], closure["denominator"]) == (2, 4)  # t1, t2 closed of t1, t2, t3, t6
    by_ticket = {x["ticket_id"]: x["why"] for x in closure["lines"]}
    assert by_ticket == {t1: "closed", t2: "closed", t3: "open", t6: "open", t4: "status", t5: "status"}
    assert [x["ticket_id"] for x in closure["lines"]][-2:] in ([t4, t5], [t5, t4])  # uncounted last

    ack = lines("timely_acknowledgement")
    assert {k for k in ack} >= {(t1, "acked_in_time"), (t2, "acked_late"), (t3, "not_acked")}
    assert ack[(t2, "acked_late")]["assignment"]["role"] == "lead"
    ack_down = _down(api, "supervisor", unit, "timely_acknowledgement")
    # t1, t2's second, t4 and t6 in time; t2's first late; t3 never; t5 merged before acknowledging
    assert (ack_down["numerator"], ack_down["denominator"]) == (4, 6)

    reopen = _down(api, "supervisor", unit, "reopen")
    assert (reopen["numerator"], reopen["denominator"]) == (1, 2)
    assert reopen["lines"][0]["ticket_id"] == t2  # the reopened one first: it pulls the rate up

    hours = _down(api, "supervisor", unit, "handling_time")
    assert hours["measure"] == "hours" and hours["denominator"] == 2
    assert hours["numerator"] == pytest.approx(48, abs=1e-5)  # two tickets closed a day after intake

    overdue = lines("overdue")
    assert overdue[(t3, "overdue")]["adds"] == 1
    power = _down(api, "supervisor", isolated.unit_id("ent-power"), "improper_send_backs")
    assert (power["numerator"], power["denominator"], power["value"]) == (1, 1, 1)
    assert power["lines"][0]["assignment"]["role"] == "assist"

    fcr = _down(api, "supervisor", unit, "first_contact_resolution")
    assert fcr["value"] is None and {x["why"] for x in fcr["lines"]} <= {"centre_rate", "status"}


def test_a_unit_sees_its_own_lines_only_and_bad_input_names_the_field(isolated: Platform, api: Api) -> None:
    own, other = isolated.unit_id("d-longwan"), isolated.unit_id("ent-power")
    assert _down(api, "handler.power", own, "closure", expect=403)["code"] == "permission.rankings_unit"
    assert _down(api, "handler.power", other, "closure")["unit_id"] == other
    bad = _down(api, "supervisor", own, "speed", expect=422)
    assert bad["code"] == "assessment.rate" and "rate" in str(bad)
    params = {"unit": str(own), "rate": "closure", "period": "Nov"}
    assert api.get("supervisor", "/api/v1/rankings/tickets", expect=422, params=params)["code"] == (
        "assessment.period"
    )
    gone = _down(api, "supervisor", 987654, "closure", expect=404)
    assert gone["code"] == "assessment.unit_not_found"
    b = logged_in(isolated, "handler.power")
    page = b.get("/assessment/tickets", params={"unit": own, "rate": "overdue", "period": PERIOD})
    assert page.status_code == 403


def test_the_page_shows_the_figure_of_the_rates_and_its_lines(
    isolated: Platform, api: Api, walked: dict[str, int]
) -> None:
    unit = isolated.unit_id("d-longwan")
    b = logged_in(isolated, "handler.longwan")
    page = b.get("/assessment/tickets", params={"unit": unit, "rate": "on_time_closure", "period": PERIOD})
    assert page.status_code == 200
    text = page.text
    figure = _rates(api, "handler.longwan")[unit]["on_time_closure"]
    n, d = figure["numerator"], figure["denominator"]
    assert f"{n:g} ÷ {d} = {100 * n / d:.1f}%" in text
    assert "按期办结率" in text and "未办结，不计入" in text
    overdue = b.get("/assessment/tickets", params={"unit": unit, "rate": "overdue", "period": PERIOD}).text
    count = _rates(api, "handler.longwan")[unit]["overdue"]
    assert f"{count['numerator']:g} 件（共 {count['denominator']} 个派单）" in overdue
    assert "有环节超期" in overdue and "主办" in overdue
    # the standing page links every one of the unit's other figures to its tickets
    standing = b.get("/assessment?period=month&date=2026-11-09").text
    for code in RateCode:
        assert f"/assessment/tickets?unit={unit}&amp;rate={code.value}&amp;period={PERIOD}" in standing, code
