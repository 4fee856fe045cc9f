"""The whole workflow over HTTP, on SQLite and on PostgreSQL, as the people at each desk do it."""

from __future__ import annotations

import pytest

from tests.conftest import Platform
from tests.integration.api import Api


@pytest.fixture
def api(platform: Platform) -> Api:
    return Api(platform)


def test_full_loop_intake_dispatch_delegate_review_follow_up_close(api: Api) -> None:
    p = api.p
    t = api.intake(title="路灯不亮", category_code="urban.streetlight", citizen_name="王先生")
    tid = t["id"]
    assert t["status"] == "received" and t["status_label"] == "已受理"
    assert len(t["tracking_code"]) == 10 and t["number"].endswith(f"{tid:06d}")

    t = api.act(
        "dispatcher",
        tid,
        "dispatch",
        {"lead_unit_id": p.unit_id("d-longwan"), "assist_unit_ids": [p.unit_id("ent-power")]},
    )
    assert t["status"] == "dispatched"
    assert [(a["no"], a["role"], a["state"]) for a in t["assignments"]] == [
        (1, "lead", "pending"),
        (2, "assist", "pending"),
    ]
    assert t["lead_unit"]["name"] == "龙湾区人民政府"

    t = api.on("handler.longwan", tid, 1, "acknowledge")
    assert t["status"] == "in_progress" and t["assignments"][0]["acknowledged_at"]
    t = api.on("handler.longwan", tid, 1, "delegate", {"unit_id": p.unit_id("s-longwan-zhongshan")})
    child = t["assignments"][-1]
    assert (child["no"], child["parent_no"], child["state"]) == (3, 1, "pending")
    api.on("handler.zhongshan", tid, 3, "acknowledge")
    api.on("handler.zhongshan", tid, 3, "contact", {"note": "已电话联系王先生"})
    t = api.on("handler.zhongshan", tid, 3, "reply", {"reply": "已更换灯泡，路灯恢复照明"})
    assert t["status"] == "in_progress"  # the district still has to review its street's reply

    t = api.on("reviewer.longwan", tid, 3, "review", {"approve": True})
    lead = t["assignments"][0]
    assert t["status"] == "replied" and lead["state"] == "replied"
    assert lead["reply"] == "已更换灯泡，路灯恢复照明"

    # The centre cannot approve while the assisting power company has not replied.
    problem = api.on("dispatcher", tid, 1, "review", {"approve": True}, expect=409)
    assert problem["code"] == "ticket.assists_open"
    api.on("handler.power", tid, 2, "acknowledge")
    api.on("handler.power", tid, 2, "reply", {"reply": "线路正常，已配合检查"})

    t = api.on("dispatcher", tid, 1, "review", {"approve": True})
    assert t["status"] == "reviewed"
    t = api.act(
        "operator2", tid, "follow-up", {"contacted": True, "solved": True, "satisfaction": "satisfied"}
    )
    assert t["status"] == "followed_up" and t["follow_up"]["satisfaction_label"] == "满意"
    t = api.act("operator2", tid, "close", {})
    assert t["status"] == "closed" and t["closed_at"]

    log = api.events("dispatcher", tid)
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert [e["tag"] for e in log] == [
        "ticket.received",
        "ticket.dispatched",
        "assignment.acknowledged",
        "assignment.delegated",
        "assignment.acknowledged",
        "assignment.contacted",
        "assignment.replied",
        "assignment.approved",
        "assignment.acknowledged",
        "assignment.replied",
        "assignment.approved",
        "ticket.followed_up",
        "ticket.closed",
    ]
    assert (log[1]["from_status"], log[1]["to_status"]) == ("received", "dispatched")
    assert log[5]["reason"] == "已电话联系王先生"
    assert log[3]["actor"]["user_name"] and log[3]["actor"]["unit"]["name"] == "龙湾区人民政府"
    assert log[0]["occurred_at"].endswith("+08:00")

    # Any further step on a closed ticket is refused.
    assert api.act("operator1", tid, "reopen", {"reason": "再看看"}, expect=409)["code"] == "ticket.terminal"

    public = api.get(None, f"/api/v1/track/{t['tracking_code']}")
    assert public["status"] == "closed"
    text = str(public)
    assert "13812345678" not in text and "王先生" not in text and "中山路" not in text
    descriptions = [s["description"] for s in public["timeline"]]
    assert descriptions[0] == "您的诉求已受理" and "已派至龙湾区办理" in descriptions
    assert descriptions[-1] == "已办结"


def test_unsatisfied_follow_up_reopens_to_the_same_lead_unit(api: Api) -> None:
    tid = api.dispatched("ent-water")
    api.on("handler.water", tid, 1, "acknowledge")
    api.on("handler.water", tid, 1, "reply", {"reply": "已检修"})
    api.on("dispatcher", tid, 1, "review", {"approve": True})
    api.act(
        "operator1", tid, "follow-up", {"contacted": True, "solved": False, "satisfaction": "unsatisfied"}
    )
    # Closing an unsatisfied ticket needs a reason; reopening it goes back to the water company.
    assert api.act("operator1", tid, "close", {}, expect=422)["code"] == "close.reason_required"
    t = api.act("operator1", tid, "reopen", {"reason": "诉求人反映仍然停水"})
    assert t["status"] == "reopened" and t["reopen_count"] == 1
    again = t["assignments"][-1]
    assert (again["no"], again["unit"]["id"], again["state"]) == (2, api.p.unit_id("ent-water"), "pending")
    assert api.on("handler.water", tid, 2, "acknowledge")["status"] == "in_progress"


def test_consultation_answered_at_intake_then_closed(api: Api) -> None:
    t = api.intake(kind="consultation", content="请问公积金提取需要什么材料？")
    t = api.act("operator1", t["id"], "answer", {"answer": "携带身份证和购房合同到公积金中心办理"})
    assert t["status"] == "answered" and t["answer"].startswith("携带身份证")
    assert api.act("operator1", t["id"], "close", {})["status"] == "closed"


def test_send_back_accepted_with_redispatch_and_rejected_as_improper(api: Api) -> None:
    p = api.p
    tid = api.dispatched("ent-power")
    assert (
        api.on("handler.power", tid, 1, "send-back", {"reason": ""}, expect=422)["code"]
        == "validation.failed"
    )
    t = api.on("handler.power", tid, 1, "send-back", {"reason": "属于燃气管道问题，非我司职责"})
    assert t["status"] == "sent_back" and t["assignments"][0]["awaiting_send_back_decision"]
    # Only the centre decides on a top-level send-back.
    api.on("reviewer.urban", tid, 1, "send-back/decision", {"accept": True}, expect=403)
    t = api.on(
        "dispatcher", tid, 1, "send-back/decision", {"accept": True, "redispatch_to": p.unit_id("ent-gas")}
    )
    assert t["status"] == "dispatched" and t["lead_unit"]["id"] == p.unit_id("ent-gas")

    tid2 = api.dispatched("ent-power")
    api.on("handler.power", tid2, 1, "acknowledge")
    api.on("handler.power", tid2, 1, "send-back", {"reason": "不归我们管"})
    t = api.on("dispatcher", tid2, 1, "send-back/decision", {"accept": False, "reason": "停电属供电公司职责"})
    a = t["assignments"][0]
    assert t["status"] == "in_progress" and a["state"] == "acknowledged" and a["improper_send_backs"] == 1


def test_extension_requested_then_approved_keeps_the_original_deadline(api: Api) -> None:
    tid = api.dispatched("dept-urban")
    api.on("handler.urban", tid, 1, "acknowledge")
    until = "2026-12-01T17:30:00+08:00"
    t = api.on("handler.urban", tid, 1, "extension", {"until": until, "reason": "需协调多个部门现场勘查"})
    assert t["assignments"][0]["pending_extension"]["until"] == until
    again = api.on("handler.urban", tid, 1, "extension", {"until": until, "reason": "再延"}, expect=409)
    assert again["code"] == "extension.pending"
    api.on("handler.urban", tid, 1, "extension/decision", {"approve": True}, expect=403)
    t = api.on("dispatcher", tid, 1, "extension/decision", {"approve": True})
    a = t["assignments"][0]
    assert a["reply_due_at"] == until and a["extensions_approved"] == 1 and a["pending_extension"] is None
    past = api.on(
        "handler.urban",
        tid,
        1,
        "extension",
        {"until": "2020-01-01T00:00:00+08:00", "reason": "x"},
        expect=422,
    )
    assert past["code"] == "extension.not_later"
    naive = api.on(
        "handler.urban", tid, 1, "extension", {"until": "2026-12-09T17:30:00", "reason": "x"}, expect=422
    )
    assert naive["errors"][0]["field"] == "until"


def test_supervise_and_urge(api: Api) -> None:
    tid = api.dispatched("dept-market")
    t = api.act("supervisor", tid, "supervise", {"note": "群众反映强烈"})
    assert t["supervised"] is True
    assert api.act("supervisor", tid, "supervise", {}, expect=409)["code"] == "supervise.already"
    t = api.on("supervisor", tid, 1, "urge", {"note": "请尽快签收"})
    assert t["assignments"][0]["urges"] == 1
    assert api.on("operator1", tid, 1, "urge", {}, expect=403)["code"] == "permission.role"


def test_merge_duplicates_into_one_incident(api: Api) -> None:
    first = api.dispatched("ent-power")
    dup = api.intake(content="金鱼路一带停电了")["id"]
    t = api.act("operator1", dup, "merge", {"into_ticket_id": first, "reason": "同一停电事件"})
    assert t["status"] == "merged" and t["merged_into_id"] == first
    assert api.get("operator1", f"/api/v1/tickets/{first}")["duplicate_ids"] == [dup]
    assert api.act("operator1", first, "merge", {"into_ticket_id": first}, expect=422)["code"] == "merge.self"
    other = api.intake()["id"]
    assert api.act("operator1", other, "merge", {"into_ticket_id": dup}, expect=409)["code"] == (
        "merge.target_finished"
    )


def test_citizen_submits_tracks_and_withdraws_with_their_phone(api: Api) -> None:
    sub = api.post(
        None,
        "/api/v1/public/tickets",
        {"kind": "help", "content": "小区门口井盖缺失很危险", "citizen_phone": "13900001111"},
        expect=201,
    )
    code = sub["tracking_code"]
    assert sub["status"] == "received" and sub["timeline"][0]["description"] == "您的诉求已受理"
    assert api.get(None, f"/api/v1/track/{code.lower()}")["tracking_code"] == code
    wrong = api.post(None, f"/api/v1/track/{code}/withdraw", {"citizen_phone": "13900002222"}, expect=403)
    assert wrong["code"] == "tracking.phone_mismatch"
    done = api.post(None, f"/api/v1/track/{code}/withdraw", {"citizen_phone": "13900001111"})
    assert done["status"] == "withdrawn"
    assert api.get(None, "/api/v1/track/NOSUCHCODE", expect=404)["code"] == "tracking.not_found"


def test_emergency_handoff_to_119(api: Api) -> None:
    t = api.intake(urgency="emergency", content="楼下饭店厨房起火了，有浓烟")
    t = api.act("operator1", t["id"], "hand-off", {"service": "119", "reason": "火情，已转119"})
    assert t["status"] == "handed_off" and t["handed_off_to"] == "119"
    public = api.get(None, f"/api/v1/track/{t['tracking_code']}")
    assert public["timeline"][-1]["description"] == "已转119紧急热线处理"


def test_illegal_transitions_are_refused_with_stable_codes(api: Api) -> None:
    tid = api.dispatched("d-longwan")
    # replying before acknowledging
    r = api.on("handler.longwan", tid, 1, "reply", {"reply": "好了"}, expect=409)
    assert r["code"] == "transition.not_allowed" and r["status"] == 409 and r["type"].endswith(r["code"])
    api.on("handler.longwan", tid, 1, "acknowledge")
    assert api.on("handler.longwan", tid, 1, "acknowledge", expect=409)["code"] == "transition.not_allowed"
    # another unit acting on this unit's assignment
    assert (
        api.on("handler.power", tid, 1, "reply", {"reply": "x"}, expect=403)["code"]
        == "permission.not_holder"
    )
    # an operator may not review; a unit may not review its own top-level reply
    api.on("handler.longwan", tid, 1, "reply", {"reply": "已处理"})
    assert api.on("operator1", tid, 1, "review", {"approve": True}, expect=403)["code"] == "permission.role"
    assert api.on("reviewer.longwan", tid, 1, "review", {"approve": True}, expect=403)["code"] == (
        "permission.not_reviewer"
    )
    # closing while the lead's reply is not even reviewed
    assert api.act("operator1", tid, "close", {"reason": "x"}, expect=409)["code"] == "transition.not_allowed"
    # delegating to a unit that is not below the holder
    tid2 = api.dispatched("d-longwan")
    api.on("handler.longwan", tid2, 1, "acknowledge")
    r = api.on("handler.longwan", tid2, 1, "delegate", {"unit_id": api.p.unit_id("ent-power")}, expect=422)
    assert r["code"] == "delegate.not_subordinate"
    assert api.on("handler.longwan", tid2, 9, "acknowledge", expect=404)["code"] == "assignment.not_found"
    assert api.get("operator1", "/api/v1/tickets/999999", expect=404)["code"] == "ticket.not_found"
    # a refused step leaves nothing behind
    assert len(api.events("dispatcher", tid2)) == 3


def test_english_messages_on_request(api: Api) -> None:
    tid = api.dispatched("d-longwan")
    r = api.on("handler.power", tid, 1, "acknowledge", expect=403, headers={"Accept-Language": "en-US,en"})
    assert r["title"] == "Only the unit holding this assignment may do this"
    zh = api.on("handler.power", tid, 1, "acknowledge", expect=403)
    assert zh["title"] == "只有承办该派单的单位才能执行此操作"
