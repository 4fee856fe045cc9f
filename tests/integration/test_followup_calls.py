"""Robot follow-up calls (机器人回访): the worker's campaign calls due tasks within calling hours,
the keys come back (in process or as a signed callback) and answer the task as an operator's answer
would, unclear calls go to an operator, unanswered ones are tried again at the next calling time —
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from hotline.followup import service
from hotline.followup.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, SimulatedCalls, SimulatedSms, sign
from hotline.followup.models import CallRow, FollowUpTaskRow
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_followup import reviewed, tags, task_of

SECRET = "test-call-secret"


@pytest.fixture
def p(isolated: Platform) -> Iterator[Platform]:
    """The isolated platform with the call simulator (reporting nothing by itself) and a secret, its
    clock at 09:30 in Shanghai on a day of the test's own; the test's open tasks are put away after
    it (the module shares one database, and the campaign calls every due task)."""
    app: Any = isolated.client.app
    wiring = app.state.wiring
    app.state.wiring = replace(
        wiring, followup=replace(wiring.followup, sms=None, calls=SimulatedCalls(), call_secret=SECRET)
    )
    isolated.clock.now = datetime.combine(isolated.clock.now.date() + timedelta(days=1), time(1, 30), UTC)
    isolated.tokens.clear()
    yield isolated
    app.state.wiring = wiring
    with isolated.db.write() as s:
        s.execute(update(FollowUpTaskRow).where(FollowUpTaskRow.state == "open").values(state="cancelled"))


@pytest.fixture
def api(p: Platform) -> Api:
    return Api(p)


def policy(p: Platform) -> service.Policy:
    return p.client.app.state.wiring.followup  # type: ignore[attr-defined,no-any-return]


def gateway(p: Platform) -> SimulatedCalls:
    calls = policy(p).calls
    assert isinstance(calls, SimulatedCalls)
    return calls


def at_utc(p: Platform, hour: int, minute: int = 0) -> datetime:
    """That UTC time on the test's day."""
    return datetime.combine(p.clock.now.date(), time(hour, minute), UTC)


def sweep(p: Platform) -> service.SweepResult:
    return service.sweep(p.db, p.clock(), policy(p), clock=p.clock)


def called(p: Platform, api: Api, phone: str = "13812345601") -> tuple[int, str]:
    """A ticket approved, its task due two hours later (11:30 in Shanghai) and called: the call's id."""
    tid = reviewed(api, citizen_phone=phone)
    assert sweep(p).calls_placed == 0  # not before it is due
    p.clock.advance(hours=2)
    p.tokens.clear()
    assert sweep(p).calls_placed == 1
    call_id, to = gateway(p).placed[-1]
    assert to == phone
    return tid, call_id


def report(p: Platform, body: dict[str, Any], *, secret: str = SECRET, skew_s: int = 0) -> Any:
    raw = json.dumps(body).encode()
    stamp = str(int(p.clock().timestamp()) + skew_s)
    headers = {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign(secret, stamp, raw),
        "content-type": "application/json",
    }
    return p.client.post("/api/v1/follow-ups/calls/results", content=raw, headers=headers)


def test_a_satisfied_robot_answer_closes_the_ticket_with_a_robot_follow_up(p: Platform, api: Api) -> None:
    tid, call_id = called(p, api)
    assert sweep(p).calls_placed == 0  # a call in flight is not placed twice
    done = report(p, {"call_id": call_id, "status": "answered", "keys": "111"})
    assert done.status_code == 200, done.text
    assert done.json()["ticket_status"] == "closed" and done.json()["result"] == "answered"
    events = api.events("dispatcher", tid)
    followed = [e for e in events if e["tag"] == "ticket.followed_up"]
    assert len(followed) == 1 and "robot" in json.dumps(followed[0])
    task = task_of(p, tid)
    assert task.state == "done" and task.method == "robot" and task.satisfaction == "satisfied"


def test_an_unsatisfied_robot_answer_reopens_to_the_same_unit(p: Platform, api: Api) -> None:
    tid, call_id = called(p, api)
    done = report(p, {"call_id": call_id, "status": "answered", "keys": "113"}).json()
    assert done["ticket_status"] == "reopened"
    assert tags(api, tid)[-2:] == ["ticket.followed_up", "ticket.reopened"]


def test_a_retried_result_records_one_answer_and_a_finished_task_refuses_another(
    p: Platform, api: Api
) -> None:
    tid, call_id = called(p, api)
    body = {"call_id": call_id, "status": "answered", "keys": "9" + "111"}  # one invalid key, repeated
    first = report(p, body).json()
    again = report(p, body)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["ticket_status"] == first["ticket_status"] == "closed"
    assert tags(api, tid).count("ticket.followed_up") == 1
    # the operator's answer after the robot's: the task is finished
    url = f"/api/v1/follow-ups/{task_of(p, tid).id}/answer"
    ans = {"contacted": True, "solved": True, "satisfaction": "satisfied"}
    assert api.post("operator1", url, ans, expect=409)["code"] == "followup.finished"


def test_the_operator_first_then_the_robot_is_refused_and_nothing_written(p: Platform, api: Api) -> None:
    tid, call_id = called(p, api)
    url = f"/api/v1/follow-ups/{task_of(p, tid).id}/answer"
    api.post("operator1", url, {"contacted": True, "solved": True, "satisfaction": "satisfied"})
    late = report(p, {"call_id": call_id, "status": "answered", "keys": "223"})
    assert late.status_code == 409 and late.json()["code"] == "followup.finished"
    assert tags(api, tid).count("ticket.followed_up") == 1
    with p.db.read() as s:
        assert s.scalars(select(CallRow.state).where(CallRow.call_id == call_id)).one() == "placed"


def test_unclear_keys_hand_the_task_to_an_operator_with_a_note(p: Platform, api: Api) -> None:
    tid, call_id = called(p, api)
    done = report(p, {"call_id": call_id, "status": "answered", "keys": "1" + "99"}).json()
    assert done["state"] == "open" and done["result"] == "unclear"
    task = api.get("operator1", f"/api/v1/follow-ups/{task_of(p, tid).id}")
    assert task["last_outcome"] == "robot_unclear"
    assert task["call_notes"] == ["机器人回访第2题未能识别（9、9），请人工回访"]
    assert "ticket.followed_up" not in tags(api, tid)
    p.clock.advance(hours=3)
    assert sweep(p).calls_placed == 0  # the robot leaves it to the operator
    from tests.integration.test_pages import logged_in

    page = logged_in(p, "operator1").get(f"/follow-ups?task={task['id']}")
    assert "机器人回访记录" in page.text and "机器人回访第2题未能识别" in page.text


def test_a_hang_up_mid_script_is_unclear_too(p: Platform, api: Api) -> None:
    tid, call_id = called(p, api)
    report(p, {"call_id": call_id, "status": "answered", "keys": "1"})
    assert task_of(p, tid).state == "open"
    assert api.get("operator1", f"/api/v1/follow-ups/{task_of(p, tid).id}")["call_notes"] == [
        "机器人回访中诉求人挂断（第2题），请人工回访"
    ]


def test_no_answer_is_retried_at_the_next_calling_time_then_given_up(p: Platform, api: Api) -> None:
    tid, call_id = called(p, api)  # 11:30 in Shanghai
    report(p, {"call_id": call_id, "status": "no_answer"})
    task = task_of(p, tid)
    # two hours later is 13:30, between the windows: moved to 14:00 Shanghai (06:00 UTC)
    assert task.due_at == at_utc(p, 6)
    assert task.attempts == 1 and task.last_outcome == "no_answer"
    assert sweep(p).calls_placed == 0
    p.clock.now = at_utc(p, 6)
    assert sweep(p).calls_placed == 1
    report(p, {"call_id": gateway(p).placed[-1][0], "status": "busy"})
    p.clock.now = task_of(p, tid).due_at
    assert sweep(p).calls_placed == 1
    done = report(p, {"call_id": gateway(p).placed[-1][0], "status": "no_answer"}).json()
    assert done["state"] == "done" and done["outcome"] == "no_answer"  # the third call without an answer
    assert done["ticket_status"] == "closed"


def test_nobody_is_called_outside_calling_hours(p: Platform, api: Api) -> None:
    tid = reviewed(api, citizen_phone="13812345602")
    p.clock.now = at_utc(p, 13, 30)  # 21:30 in Shanghai
    p.tokens.clear()
    assert sweep(p).calls_placed == 0
    p.clock.now = at_utc(p, 1) + timedelta(days=1)  # 09:00 the next morning
    assert sweep(p).calls_placed == 1
    assert gateway(p).placed[-1][1] == "13812345602"
    assert task_of(p, tid).state == "open"


def test_forged_stale_unknown_and_malformed_results_are_refused(p: Platform, api: Api) -> None:
    tid, call_id = called(p, api)
    body = {"call_id": call_id, "status": "answered", "keys": "111"}
    assert report(p, body, secret="wrong").json()["code"] == "followup.call_signature"
    assert report(p, body, skew_s=-3600).json()["code"] == "followup.call_stale"
    unsigned = p.client.post("/api/v1/follow-ups/calls/results", json=body)
    assert unsigned.status_code == 401
    unknown = report(p, {**body, "call_id": "nope"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "followup.call_unknown"
    bad_keys = report(p, {**body, "keys": "1a1"})
    assert bad_keys.status_code == 422 and bad_keys.json()["code"] == "followup.call_keys"
    bad_status = report(p, {**body, "status": "maybe"})
    assert bad_status.status_code == 422 and bad_status.json()["code"] == "followup.call_status"
    assert task_of(p, tid).state == "open"  # none of them wrote anything
    assert report(p, body).status_code == 200


def test_the_simulator_reports_in_process_as_the_demo_does(p: Platform, api: Api) -> None:
    app: Any = p.client.app
    wiring = app.state.wiring
    sim = SimulatedCalls(answers=lambda phone: ("answered", "112"))
    app.state.wiring = replace(wiring, followup=replace(wiring.followup, calls=sim))
    tid = reviewed(api, citizen_phone="13812345603")
    p.clock.advance(hours=2, minutes=1)
    p.tokens.clear()
    assert sweep(p).calls_placed == 1
    task = task_of(p, tid)
    assert task.state == "done" and task.satisfaction == "fairly_satisfied"
    assert api.get("dispatcher", f"/api/v1/tickets/{tid}")["status"] == "closed"


def test_a_failing_telephony_counts_as_an_unanswered_call(p: Platform, api: Api) -> None:
    class Broken:
        def call(self, call_id: str, phone: str, report: Any) -> None:
            raise ConnectionError("ARI down")

    app: Any = p.client.app
    wiring = app.state.wiring
    app.state.wiring = replace(wiring, followup=replace(wiring.followup, calls=Broken()))
    tid = reviewed(api, citizen_phone="13812345604")
    p.clock.advance(hours=2)
    p.tokens.clear()
    assert sweep(p).calls_placed == 1
    task = task_of(p, tid)
    assert task.state == "open" and task.attempts == 1 and task.last_outcome == "no_answer"
    assert task.due_at > p.clock() + timedelta(minutes=100)


def test_the_sms_carries_the_portal_link_of_the_request(p: Platform, api: Api) -> None:
    app: Any = p.client.app
    wiring = app.state.wiring
    sms = SimulatedSms()
    app.state.wiring = replace(
        wiring, followup=replace(wiring.followup, sms=sms, public_url="https://12345.example.gov.cn/")
    )
    tid = reviewed(api, citizen_phone="13812345605")
    p.clock.advance(hours=2)
    p.tokens.clear()
    assert sweep(p).sms_sent == 1
    code = api.get("dispatcher", f"/api/v1/tickets/{tid}")["tracking_code"]
    link = f"https://12345.example.gov.cn/portal/r/{code}"
    assert sms.sent[-1].text.endswith(f"也可在网上评价：{link}")
    assert p.client.get(f"/portal/r/{code}").status_code == 200


def test_the_citizen_answers_the_open_task_on_the_portal(p: Platform, api: Api) -> None:
    from fastapi.testclient import TestClient

    from tests.integration.portal_client import code_of, csrf, submit, words
    from tests.integration.test_portal import _ticket_id

    citizen = TestClient(p.client.app)
    code = code_of(submit(citizen, citizen_phone="13812345606"))
    tid = reviewed(api, _ticket_id(p, code))
    sweep(p)
    page = citizen.get(f"/portal/r/{code}")
    assert "12345正在对您的诉求进行回访" in words(page.text)
    r = citizen.post(
        f"/portal/r/{code}/rate",
        data={"csrf": csrf(citizen, f"/portal/r/{code}"), "contacted": "yes", "solved": "no"}
        | {"satisfaction": "unsatisfied", "note": "灯还是不亮"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    task = task_of(p, tid)
    assert task.state == "done" and task.method == "portal" and task.comment == "灯还是不亮"
    assert api.get("dispatcher", f"/api/v1/tickets/{tid}")["status"] == "reopened"
    assert "12345正在对您的诉求进行回访" not in words(citizen.get(f"/portal/r/{code}").text)
