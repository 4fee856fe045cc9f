"""What a new user meets in the first hour: the home page, the citizen's view of a reply, messages
in the reader's language, and bodies that may be left out — over HTTP, on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from tests.conftest import Platform
from tests.integration.api import Api


@pytest.fixture
def api(platform: Platform) -> Api:
    return Api(platform)


# --- the home page -------------------------------------------------------------------------------


def _home(p: Platform, demo: bool, path: str = "/", **headers: str) -> str:
    """The home page of an app on this platform's database with the demo switched on or off (the
    app is not started: the page needs no routing model)."""
    settings = Settings(data_dir=p.client.app.state.settings.data_dir, demo=demo)  # type: ignore[attr-defined]
    r = TestClient(create_app(settings, db=p.db)).get(path, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    return r.text


def test_home_page_shows_the_demo_login_only_in_the_demo(api: Api) -> None:
    assert "Demo-operator1-2026" in _home(api.p, demo=True)
    without = _home(api.p, demo=False)
    assert "Demo-operator1-2026" not in without and "operator1" not in without
    assert "诉求查询" in without


def test_home_page_in_english_on_request(api: Api) -> None:
    en = _home(api.p, demo=True, path="/?lang=en")
    assert '<html lang="en">' in en and "Track your request" in en and "诉求查询" not in en
    assert "Demo-operator1-2026" in en
    by_header = _home(api.p, demo=False, **{"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in by_header
    zh = _home(api.p, demo=False, path="/?lang=zh", **{"Accept-Language": "en"})
    assert '<html lang="zh-CN">' in zh and "诉求查询" in zh


# --- what the citizen sees of the unit's work -----------------------------------------------------


def test_tracking_shows_the_units_reply_and_hides_internal_review(api: Api) -> None:
    tid = api.dispatched("ent-water")
    code = api.get("operator1", f"/api/v1/tickets/{tid}")["tracking_code"]
    api.on("handler.water", tid, 1, "acknowledge")
    api.on("handler.water", tid, 1, "reply", {"reply": "已检修"})
    api.on("dispatcher", tid, 1, "review", {"approve": False, "reason": "答复过于简单，请说明原因和时间"})
    after_rejection = api.get(None, f"/api/v1/track/{code}")
    steps = [s["description"] for s in after_rejection["timeline"]]
    assert not any("审核" in s for s in steps), steps
    assert after_rejection["answer"] is None  # the rejected reply is not the unit's answer

    final = "水管爆裂已于今日16时修复，供水恢复；原因是施工挖断主管。"
    api.on("handler.water", tid, 1, "reply", {"reply": final})
    assert api.get(None, f"/api/v1/track/{code}")["answer"] == final
    api.on("dispatcher", tid, 1, "review", {"approve": True})
    public = api.get(None, f"/api/v1/track/{code}")
    assert public["answer"] == final and public["status"] == "reviewed"
    assert not any("审核" in s["description"] for s in public["timeline"])


def test_tracking_keeps_the_answer_at_intake(api: Api) -> None:
    t = api.intake(kind="consultation", content="请问公积金提取需要什么材料？")
    api.act("operator1", t["id"], "answer", {"answer": "携带身份证和购房合同到公积金中心办理"})
    assert api.get(None, f"/api/v1/track/{t['tracking_code']}")["answer"].startswith("携带身份证")


def test_answer_at_intake_only_for_a_consultation(api: Api) -> None:
    t = api.intake(kind="complaint")
    r = api.act("operator1", t["id"], "answer", {"answer": "请耐心等待"}, expect=422)
    assert r["code"] == "answer.not_consultation" and r["errors"][0]["field"] == "answer"
    assert api.get("operator1", f"/api/v1/tickets/{t['id']}")["status"] == "received"


# --- messages in the reader's language ------------------------------------------------------------


def test_field_messages_follow_the_language(api: Api) -> None:
    body = {"kind": "rant", "content": "很" * 4001, "citizen_phone": "12345abc"}
    zh = api.post("operator1", "/api/v1/tickets", body, expect=422)
    en = api.post("operator1", "/api/v1/tickets?lang=en", body, expect=422)
    zh_by_field = {e["field"]: e for e in zh["errors"]}
    en_by_field = {e["field"]: e for e in en["errors"]}
    assert set(zh_by_field) == set(en_by_field) == {"kind", "content", "citizen_phone"}
    for field in zh_by_field:  # the same codes, the message in each language
        assert zh_by_field[field]["code"] == en_by_field[field]["code"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_by_field[field]["message"]), zh_by_field[field]
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en_by_field[field]["message"]), en_by_field
    assert "4000" in zh_by_field["content"]["message"] and "4000" in en_by_field["content"]["message"]
    assert "complaint" in zh_by_field["kind"]["message"]  # the allowed values are named
    missing = api.post("operator1", "/api/v1/tickets", {"kind": "help"}, expect=422)
    assert missing["errors"] == [{"field": "content", "code": "missing", "message": "必须填写此项"}]


def test_role_refusals_name_the_role_in_words(api: Api) -> None:
    t = api.intake()
    body = {"lead_unit_id": api.p.unit_id("ent-power")}
    zh = api.act("handler.power", t["id"], "dispatch", body, expect=403)
    assert zh["title"] == "您的角色（承办人）无权执行此操作：派单"
    en = api.post("handler.power", f"/api/v1/tickets/{t['id']}/dispatch?lang=en", body, expect=403)
    assert en["title"] == "Your role (Unit handler) may not do this: dispatch"
    state = api.on("handler.power", t["id"], 1, "acknowledge", expect=404)  # not dispatched: no assignment
    assert state["code"] == "assignment.not_found"
    closed = api.act("operator1", t["id"], "close", {"reason": "x"}, expect=409)
    assert closed["title"] == "当前状态（已受理）下不能执行此操作：办结"


# --- bodies whose every field is optional may be left out -----------------------------------------


def test_close_supervise_contact_and_urge_need_no_body(api: Api) -> None:
    t = api.intake(kind="consultation", content="请问公积金提取需要什么材料？")
    api.act("operator1", t["id"], "answer", {"answer": "携带身份证和购房合同到公积金中心办理"})
    h = api.p.headers
    r = api.client.post(f"/api/v1/tickets/{t['id']}/close", headers=h("operator1"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"

    tid = api.dispatched("ent-power")
    r = api.client.post(f"/api/v1/tickets/{tid}/supervise", headers=h("supervisor"))
    assert r.status_code == 200 and r.json()["supervised"] is True, r.text
    api.on("handler.power", tid, 1, "acknowledge")
    r = api.client.post(f"/api/v1/tickets/{tid}/assignments/1/contact", headers=h("handler.power"))
    assert r.status_code == 200 and r.json()["assignments"][0]["state"] == "contacted", r.text
    r = api.client.post(f"/api/v1/tickets/{tid}/assignments/1/urge", headers=h("supervisor"))
    assert r.status_code == 200 and r.json()["assignments"][0]["urges"] == 1, r.text
    # a body that is there but broken is still refused, naming the field
    r = api.client.post(f"/api/v1/tickets/{tid}/supervise", json={"note": 5}, headers=h("supervisor"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"


def test_an_action_that_needs_a_body_says_so_when_there_is_none(api: Api) -> None:
    t = api.intake()
    r = api.client.post(f"/api/v1/tickets/{t['id']}/dispatch", headers=api.p.headers("dispatcher"))
    assert r.status_code == 400 and r.json()["code"] == "request.malformed"
    assert r.json()["title"] == "请求格式错误：须提交 JSON 正文"
    assert r.json()["errors"] == [{"field": None, "code": "body.missing", "message": "须提交 JSON 正文"}]
