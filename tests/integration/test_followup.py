"""Follow-up tasks (回访): made when a reply is approved, answered by an operator or by SMS, and
what each answer does to the ticket — on SQLite and PostgreSQL, each on a database of its own
(the sweep looks at every ticket waiting for a follow-up)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.followup import service
from hotline.followup.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, SimulatedSms, sign
from hotline.followup.models import FollowUpTaskRow, SmsReplyRow
from tests.conftest import Platform
from tests.integration.api import Api

SECRET = "test-sms-secret"


@pytest.fixture
def p(isolated: Platform) -> Iterator[Platform]:
    """The isolated platform with the SMS simulator and a callback secret wired in."""
    app: Any = isolated.client.app
    wiring = app.state.wiring
    app.state.wiring = replace(
        wiring, followup=replace(wiring.followup, sms=SimulatedSms(), sms_secret=SECRET)
    )
    yield isolated
    app.state.wiring = wiring


@pytest.fixture
def api(p: Platform) -> Api:
    return Api(p)


def _policy(p: Platform) -> service.Policy:
    return p.client.app.state.wiring.followup  # type: ignore[attr-defined,no-any-return]


def sweep(p: Platform) -> service.SweepResult:
    return service.sweep(p.db, p.clock(), _policy(p))


def reviewed(api: Api, ticket: int | None = None, **intake: Any) -> int:
    """A ticket taken in, dispatched to Longwan district, replied and approved: waiting for follow-up."""
    tid = ticket or api.intake(**intake)["id"]
    api.act("dispatcher", tid, "dispatch", {"lead_unit_id": api.p.unit_id("d-longwan")})
    return approve_again(api, tid, 1)


def approve_again(api: Api, tid: int, no: int) -> int:
    api.on("handler.longwan", tid, no, "acknowledge")
    api.on("handler.longwan", tid, no, "reply", {"reply": "已修复路灯，恢复照明"})
    assert api.on("dispatcher", tid, no, "review", {"approve": True})["status"] == "reviewed"
    return tid


def task_of(p: Platform, tid: int, round: int = 0) -> FollowUpTaskRow:
    with p.db.read() as s:
        row = s.scalars(
            select(FollowUpTaskRow).where(FollowUpTaskRow.ticket_id == tid, FollowUpTaskRow.round == round)
        ).one()
        s.expunge(row)
        return row


def tags(api: Api, tid: int) -> list[str]:
    return [e["tag"] for e in api.events("dispatcher", tid)]


def audit_count(p: Platform, task_id: int) -> int:
    with p.db.read() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity_type == "followup_task", AuditEntry.entity_id == str(task_id))
            )
            or 0
        )


def test_a_task_appears_when_the_reply_is_approved_and_falls_due_after_the_delay(
    p: Platform, api: Api
) -> None:
    tid = reviewed(api, citizen_phone="13812340001", citizen_name="王女士")
    approved = p.clock()
    assert sweep(p).created == 1
    assert sweep(p).created == 0  # a second pass (or a second worker) makes no second task
    task = task_of(p, tid)
    assert task.state == "open" and task.phone == "13812340001" and task.citizen_name == "王女士"
    assert task.due_at == approved + timedelta(hours=2)  # HOTLINE_FOLLOWUP_DELAY_HOURS default
    queue = api.get("operator1", "/api/v1/follow-ups")
    assert tid not in [t["ticket_id"] for t in queue["due"]]
    assert tid in [t["ticket_id"] for t in queue["upcoming"]]
    p.clock.advance(hours=2)
    p.tokens.clear()
    queue = api.get("operator1", "/api/v1/follow-ups")
    assert tid in [t["ticket_id"] for t in queue["due"]]
    assert audit_count(p, task.id) == 1  # followup.task.created, by the sweep


def test_anonymous_callers_are_exempt_and_their_ticket_closed_with_the_reason(p: Platform, api: Api) -> None:
    tid = reviewed(api, citizen_phone=None)
    assert sweep(p).exempt == 1
    task = task_of(p, tid)
    assert task.state == "exempt" and task.phone is None and task.reason == "anonymous"
    ticket = api.get("dispatcher", f"/api/v1/tickets/{tid}")
    assert ticket["status"] == "closed" and ticket["close_reason"].startswith("免回访")


def test_a_merged_incident_is_followed_up_once_through_a_caller_who_left_a_number(
    p: Platform, api: Api
) -> None:
    incident = api.intake(citizen_phone=None)["id"]
    dup = api.intake(citizen_phone="13812340002", citizen_name="李先生")["id"]
    api.act("operator1", dup, "merge", {"into_ticket_id": incident, "reason": "同一路灯"})
    reviewed(api, incident)
    assert sweep(p).created == 1
    task = task_of(p, incident)
    assert task.phone == "13812340002" and task.contact_ticket_id == dup
    with p.db.read() as s:  # the merged duplicate has no task of its own
        assert s.scalar(select(func.count()).where(FollowUpTaskRow.ticket_id == dup)) == 0


def test_a_consultation_answered_at_intake_gets_no_task(p: Platform, api: Api) -> None:
    t = api.intake(kind="consultation", content="请问公积金提取需要什么材料？")
    api.act("operator1", t["id"], "answer", {"answer": "携带身份证和购房合同到公积金中心办理"})
    sweep(p)
    with p.db.read() as s:
        assert s.scalar(select(func.count()).where(FollowUpTaskRow.ticket_id == t["id"])) == 0


def test_a_satisfied_answer_closes_the_ticket_and_the_task_refuses_a_second(p: Platform, api: Api) -> None:
    tid = reviewed(api, citizen_phone="13812340003")
    sweep(p)
    task = task_of(p, tid)
    body = {"contacted": True, "solved": True, "satisfaction": "fairly_satisfied", "comment": "修得挺快"}
    done = api.post("operator1", f"/api/v1/follow-ups/{task.id}/answer", body)
    assert done["ticket_status"] == "closed" and done["state"] == "done" and done["outcome"] == "answered"
    assert tags(api, tid)[-2:] == ["ticket.followed_up", "ticket.closed"]
    ticket = api.get("dispatcher", f"/api/v1/tickets/{tid}")
    assert ticket["follow_up"]["satisfaction"] == "fairly_satisfied"
    followed = api.events("dispatcher", tid)[-2]
    assert followed["payload"]["note"] == "修得挺快" and followed["actor"]["role"] == "operator"
    again = api.post("operator1", f"/api/v1/follow-ups/{task.id}/answer", body, expect=409)
    assert again["code"] == "followup.finished"
    attempt = api.post(
        "operator1", f"/api/v1/follow-ups/{task.id}/attempt", {"outcome": "no_answer"}, expect=409
    )
    assert attempt["code"] == "followup.finished"
    assert tags(api, tid)[-1] == "ticket.closed"


def test_unsatisfied_reopens_to_the_same_unit_and_the_next_approval_makes_a_new_round(
    p: Platform, api: Api
) -> None:
    tid = reviewed(api, citizen_phone="13812340004")
    sweep(p)
    first = task_of(p, tid)
    body = {"contacted": True, "solved": True, "satisfaction": "unsatisfied"}
    assert api.post("operator1", f"/api/v1/follow-ups/{first.id}/answer", body)["ticket_status"] == "reopened"
    ticket = api.get("dispatcher", f"/api/v1/tickets/{tid}")
    assert ticket["reopen_count"] == 1
    leads = [a for a in ticket["assignments"] if a["role"] == "lead"]
    assert [a["unit"]["id"] for a in leads] == [p.unit_id("d-longwan")] * 2
    assert tags(api, tid)[-2:] == ["ticket.followed_up", "ticket.reopened"]
    approve_again(api, tid, leads[-1]["no"])
    assert sweep(p).created == 1
    second = task_of(p, tid, round=1)
    assert second.state == "open" and second.id != first.id


def test_not_solved_reopens_even_when_satisfied(p: Platform, api: Api) -> None:
    tid = reviewed(api, citizen_phone="13812340005")
    sweep(p)
    body = {"contacted": False, "solved": False, "satisfaction": "satisfied"}
    assert api.post("operator1", f"/api/v1/follow-ups/{task_of(p, tid).id}/answer", body)[
        "ticket_status"
    ] == ("reopened")


def test_the_centre_may_close_an_unhappy_answer_with_its_reason(p: Platform, api: Api) -> None:
    tid = reviewed(api, citizen_phone="13812340006")
    sweep(p)
    task = task_of(p, tid)
    body = {"contacted": True, "solved": False, "satisfaction": "unsatisfied", "close_reason": "   "}
    bad = api.post("dispatcher", f"/api/v1/follow-ups/{task.id}/answer", body, expect=422)
    assert bad["errors"][0]["field"] == "close_reason"
    body["close_reason"] = "诉求超出政策范围，已按政策解释"
    assert api.post("dispatcher", f"/api/v1/follow-ups/{task.id}/answer", body)["ticket_status"] == "closed"
    ticket = api.get("dispatcher", f"/api/v1/tickets/{tid}")
    assert ticket["close_reason"] == "诉求超出政策范围，已按政策解释" and ticket["reopen_count"] == 0


def test_no_answer_is_tried_again_later_until_the_attempts_run_out(p: Platform, api: Api) -> None:
    tid = reviewed(api, citizen_phone="13812340007")
    sweep(p)
    task = task_of(p, tid)
    url = f"/api/v1/follow-ups/{task.id}/attempt"
    first = api.post("operator1", url, {"outcome": "no_answer"})
    assert first["state"] == "open"
    assert task_of(p, tid).due_at == p.clock() + timedelta(minutes=120)
    api.post("operator1", url, {"outcome": "no_answer", "retry_in_minutes": 30})
    assert task_of(p, tid).due_at == p.clock() + timedelta(minutes=30) and task_of(p, tid).attempts == 2
    last = api.post("operator1", url, {"outcome": "no_answer"})
    assert last["state"] == "done" and last["outcome"] == "no_answer" and last["ticket_status"] == "closed"
    assert api.get("dispatcher", f"/api/v1/tickets/{tid}")["close_reason"] == "回访3次均未接通，予以办结"
    bad = api.post("operator1", url, {"outcome": "answered"}, expect=422)
    assert bad["errors"][0]["field"] == "outcome"


def test_a_wrong_number_ends_the_task_at_once(p: Platform, api: Api) -> None:
    tid = reviewed(api, citizen_phone="13812340008")
    sweep(p)
    done = api.post(
        "operator1", f"/api/v1/follow-ups/{task_of(p, tid).id}/attempt", {"outcome": "wrong_number"}
    )
    assert done["state"] == "done" and done["outcome"] == "wrong_number"


def test_a_refused_answer_writes_nothing_and_a_moved_on_ticket_cancels_its_task(
    p: Platform, api: Api
) -> None:
    tid = reviewed(api, citizen_phone="13812340009")
    sweep(p)
    task = task_of(p, tid)
    url = f"/api/v1/follow-ups/{task.id}/answer"
    bad = api.post("operator1", url, {"contacted": True, "solved": True, "satisfaction": "great"}, expect=422)
    assert bad["errors"][0]["field"] == "satisfaction"
    # the centre closed the ticket itself meanwhile: the answer is refused and nothing is written
    api.act("dispatcher", tid, "close", {"reason": "诉求人来电表示已解决"})
    before = (tags(api, tid), audit_count(p, task.id))
    ok = {"contacted": True, "solved": True, "satisfaction": "satisfied"}
    assert api.post("operator1", url, ok, expect=409)["code"] == "ticket.terminal"
    assert (tags(api, tid), audit_count(p, task.id)) == before
    assert task_of(p, tid).state == "open" and task_of(p, tid).attempts == 0
    assert sweep(p).cancelled == 1
    assert task_of(p, tid).state == "cancelled"


def test_two_operators_answering_at_once_record_one_answer(p: Platform, api: Api) -> None:
    tid = reviewed(api, citizen_phone="13812340013")
    sweep(p)
    url = f"/api/v1/follow-ups/{task_of(p, tid).id}/answer"
    bodies = [
        ("operator1", {"contacted": True, "solved": True, "satisfaction": "satisfied"}),
        ("dispatcher", {"contacted": True, "solved": False, "satisfaction": "unsatisfied"}),
    ]
    headers = {user: p.headers(user) for user, _ in bodies}
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda ub: p.client.post(url, json=ub[1], headers=headers[ub[0]]), bodies))
    assert sorted(r.status_code for r in answers) == [200, 409]
    assert [r.json()["code"] for r in answers if r.status_code == 409] == ["followup.finished"]
    assert tags(api, tid).count("ticket.followed_up") == 1


def test_only_operators_and_dispatchers_do_follow_ups(p: Platform, api: Api) -> None:
    assert api.get("handler.longwan", "/api/v1/follow-ups", expect=403)["code"] == "permission.followup"
    assert api.get("supervisor", "/api/v1/follow-ups", expect=403)["code"] == "permission.followup"
    assert (
        api.post("operator1", "/api/v1/follow-ups/999999/attempt", {"outcome": "refused"}, expect=404)["code"]
        == "followup.not_found"
    )


# --- SMS ---------------------------------------------------------------------------------------


def _callback(p: Platform, body: dict[str, Any], *, secret: str = SECRET, skew_s: int = 0) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    stamp = str(int(p.clock().timestamp()) + skew_s)
    headers = {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign(secret, stamp, raw),
        "content-type": "application/json",
    }
    return p.client.post("/api/v1/follow-ups/sms/replies", content=raw, headers=headers)


def _texted(p: Platform, api: Api, phone: str) -> tuple[int, FollowUpTaskRow]:
    tid = reviewed(api, citizen_phone=phone)
    sweep(p)
    assert task_of(p, tid).sms_sent_at is None  # not before it is due
    p.clock.advance(hours=2)
    p.tokens.clear()
    sent = sweep(p).sms_sent
    assert sent >= 1
    task = task_of(p, tid)
    gateway = _policy(p).sms
    assert isinstance(gateway, SimulatedSms)
    message = next(m for m in gateway.sent if m.message_id == task.sms_message_id)
    assert message.phone == phone and "回复1满意 2基本满意 3不满意" in message.text
    return tid, task


def test_an_sms_reply_answers_once_however_often_the_gateway_calls_back(p: Platform, api: Api) -> None:
    tid, task = _texted(p, api, "13812340010")
    assert sweep(p).sms_sent == 0  # one message per task
    reply = {"message_id": "gw-1", "reply_to": task.sms_message_id, "phone": "13812340010", "text": "111"}
    first = _callback(p, reply)
    assert first.status_code == 200, first.text
    assert first.json()["ticket_status"] == "closed" and first.json()["replayed"] is False
    again = _callback(p, reply)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert tags(api, tid).count("ticket.followed_up") == 1
    ticket = api.get("dispatcher", f"/api/v1/tickets/{tid}")
    assert ticket["follow_up"]["satisfaction"] == "satisfied"
    assert api.events("dispatcher", tid)[-2]["payload"]["method"] == "sms"
    late = _callback(p, {**reply, "message_id": "gw-2", "text": "113"})
    assert late.status_code == 409 and late.json()["code"] == "followup.finished"
    with p.db.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(SmsReplyRow).where(SmsReplyRow.task_id == task.id)) == 1
        )


def test_an_unhappy_sms_reply_reopens_and_an_unclear_one_is_left_to_an_operator(
    p: Platform, api: Api
) -> None:
    tid, task = _texted(p, api, "13812340011")
    base = {"reply_to": task.sms_message_id, "phone": "+86 138 1234 0011"}
    unclear = _callback(p, {**base, "message_id": "gw-3", "text": "还没修好，你们再来看看"})
    assert unclear.status_code == 200 and unclear.json()["result"] == "unclear"
    assert task_of(p, tid).state == "open" and task_of(p, tid).last_outcome == "unclear"
    shown = api.get("operator1", f"/api/v1/follow-ups/{task.id}")
    assert shown["last_outcome"] == "unclear"
    unhappy = _callback(p, {**base, "message_id": "gw-4", "text": "１２３"})  # full-width digits
    assert unhappy.status_code == 200 and unhappy.json()["ticket_status"] == "reopened"
    events = api.events("dispatcher", tid)
    assert events[-1]["tag"] == "ticket.reopened" and events[-1]["actor"]["role"] == "system"


def test_a_callback_with_a_bad_signature_or_an_old_timestamp_is_refused(p: Platform, api: Api) -> None:
    tid, task = _texted(p, api, "13812340012")
    reply = {"message_id": "gw-5", "reply_to": task.sms_message_id, "phone": "13812340012", "text": "111"}
    forged = _callback(p, reply, secret="guessed")
    assert forged.status_code == 401 and forged.json()["code"] == "followup.sms_signature"
    unsigned = p.client.post("/api/v1/follow-ups/sms/replies", json=reply)
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "followup.sms_signature"
    stale = _callback(p, reply, skew_s=-3600)
    assert stale.status_code == 401 and stale.json()["code"] == "followup.sms_stale"
    other = _callback(p, {**reply, "phone": "13900000000"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "phone"
    unknown = _callback(p, {**reply, "reply_to": "fu-nothing"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "followup.sms_unknown"
    malformed = _callback(p, {"message_id": "gw-6"})
    assert malformed.status_code == 422
    assert task_of(p, tid).state == "open" and tags(api, tid)[-1] != "ticket.followed_up"
    with p.db.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(SmsReplyRow).where(SmsReplyRow.task_id == task.id)) == 0
        )


# --- the operator's queue page (forms without JavaScript: POST → 303 → GET) ----------------------


def test_the_queue_page_answers_with_one_form_and_tells_what_happened(p: Platform, api: Api) -> None:
    from tests.integration.test_pages import csrf_of, logged_in

    tid = reviewed(api, citizen_phone="13812340014", citizen_name="赵阿姨")
    sweep(p)
    task = task_of(p, tid)
    p.clock.advance(hours=3)
    p.tokens.clear()
    b = logged_in(p, "operator1")
    page = b.get(f"/follow-ups?task={task.id}")
    assert page.status_code == 200 and "13812340014" in page.text and "赵阿姨" in page.text
    assert "已修复路灯，恢复照明" in page.text  # the unit's reply, read out to the citizen
    assert 'href="/follow-ups" aria-current="page"' in page.text  # the header's link
    token = csrf_of(page.text)
    missing = b.post(f"/follow-ups/{task.id}/answer", data={"csrf": token, "contacted": "1"})
    assert missing.status_code == 303 and "missing=1" in missing.headers["location"]
    assert task_of(p, tid).state == "open"
    done = b.post(
        f"/follow-ups/{task.id}/answer",
        data={"csrf": token, "contacted": "1", "solved": "1", "satisfaction": "1", "comment": "满意"},
    )
    assert done.status_code == 303 and "done=closed" in done.headers["location"]
    shown = b.get(done.headers["location"])
    assert "已回访并办结" in shown.text
    assert api.get("dispatcher", f"/api/v1/tickets/{tid}")["status"] == "closed"
    again = b.post(
        f"/follow-ups/{task.id}/answer",
        data={"csrf": token, "contacted": "1", "solved": "1", "satisfaction": "1"},
    )
    assert "refused=" in again.headers["location"]
    assert "回访任务已结束" in b.get(again.headers["location"]).text


def test_the_queue_page_records_no_answer_and_schedules_the_retry(p: Platform, api: Api) -> None:
    from tests.integration.test_pages import csrf_of, logged_in

    tid = reviewed(api, citizen_phone="13812340015")
    sweep(p)
    task = task_of(p, tid)
    p.clock.advance(hours=3)
    p.tokens.clear()
    b = logged_in(p, "dispatcher")
    token = csrf_of(b.get(f"/follow-ups?task={task.id}").text)
    r = b.post(
        f"/follow-ups/{task.id}/attempt",
        data={"csrf": token, "outcome": "no_answer", "retry_in_minutes": "30"},
    )
    assert r.status_code == 303 and "done=retry" in r.headers["location"]
    assert task_of(p, tid).due_at == p.clock() + timedelta(minutes=30)
    forged = b.post(f"/follow-ups/{task.id}/attempt", data={"csrf": "nope", "outcome": "refused"})
    assert forged.status_code == 403 and task_of(p, tid).state == "open"


def test_the_queue_page_is_the_centre_desks(p: Platform) -> None:
    from tests.integration.test_pages import logged_in

    b = logged_in(p, "handler.longwan")
    r = b.get("/follow-ups")
    assert r.status_code == 403 and "只有话务员和派单员可以回访" in r.text
    assert 'href="/follow-ups"' not in b.get("/inbox").text
