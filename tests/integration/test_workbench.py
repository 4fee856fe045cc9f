"""The operator's workbench over HTTP (both databases): the caller's history, suggestions while
typing, every next step (dispatch, answer, hand-off, merge, register) through the same services as
the API, errors next to their field with nothing written, the handling time stored and shown, the
city map's GeoJSON, escaping of citizen text."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.intake import service as intake
from hotline.intake.schemas import TicketIn
from hotline.kb import service as kb
from hotline.tickets.models import TicketRow
from tests.conftest import Platform, _platform, temporary_postgres_database
from tests.integration.api import Api
from tests.integration.test_pages import csrf_of, logged_in


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform of this module's own (both databases): the calls taken here are dispatched to
    units whose inboxes other tests count, and the kb answers loaded here change suggestions."""
    data_dir = tmp_path_factory.mktemp(f"workbench-{request.param}")
    if request.param == "sqlite":
        yield from _platform("sqlite", f"sqlite:///{data_dir / 'hotline.db'}", data_dir)
        return
    with temporary_postgres_database("hotline_workbench") as url:
        yield from _platform("postgresql", url, data_dir)


_phones = itertools.count(1)
STALL = "中山街道博爱社区门口有人占道经营乱摆卖，堵住了人行道"


def with_answers(p: Platform) -> None:
    """The demo city's kb answers (a running demo loads them at start-up; loading is idempotent)."""
    with p.db.write() as s:
        kb.load_answers(s, kb.demo_answers(), p.clock())


def phone() -> str:
    """A number no other test uses (the platform is shared by the session's tests)."""
    return f"1390000{next(_phones):04d}"


def ticket_count(p: Platform) -> int:
    with p.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(TicketRow)) or 0)


def opened(b: TestClient) -> tuple[str, str]:
    page = b.get("/workbench")
    assert page.status_code == 200, page.text
    stamp = re.search(r'name="opened_at" value="([^"]+)"', page.text)
    assert stamp
    return csrf_of(page.text), stamp.group(1)


def take(b: TestClient, csrf: str, stamp: str, **fields: Any) -> Any:
    data = {"csrf": csrf, "opened_at": stamp, "channel": "phone", "urgency": "normal", **fields}
    return b.post("/workbench", data=data)


def done_id(r: Any) -> int:
    assert r.status_code == 303, r.text
    found = re.match(r"/workbench\?done=(\d+)$", r.headers["location"])
    assert found, r.headers["location"]
    return int(found.group(1))


def routes_of(html: str) -> list[tuple[str, int]]:
    """(radio value, percent shown) of each suggested unit, in the page's order."""
    values = re.findall(r'name="route" value="([^"]*)"', html)
    percents = [int(p) for p in re.findall(r'class="pct">(\d+)%<', html)]
    return list(zip(values, percents, strict=True))


def test_the_workbench_is_for_the_centre_desk(platform: Platform) -> None:
    operator = logged_in(platform, "operator1")
    page = operator.get("/workbench")
    assert page.status_code == 200
    assert 'href="/workbench" aria-current="page"' in page.text
    for label in ("来电号码", "诉求内容", "地址", "Alt+Enter", "快捷键"):
        assert label in page.text
    handler = logged_in(platform, "handler.longwan")
    assert 'href="/workbench"' not in handler.get("/inbox").text
    refused = handler.get("/workbench")
    assert refused.status_code == 403 and "permission.role" in refused.text


def test_leaving_the_phone_field_shows_the_callers_latest_tickets(platform: Platform) -> None:
    api = Api(platform)
    caller = phone()
    first = api.intake(citizen_phone=caller, kind="consultation", content="社保卡丢了怎么补办")
    api.act("operator1", first["id"], "answer", {"answer": "携带身份证到任一社保网点补办"})
    for n in range(5):
        platform.clock.advance(minutes=1)
        api.intake(citizen_phone=caller, content=f"第 {n} 次反映：路灯不亮 a < b")
    # markup is refused at the API's door; one stored anyway (a channel that does not check) is text
    platform.clock.advance(minutes=1)
    attack = TicketIn(kind="complaint", content="x", citizen_phone=caller).model_copy(
        update={"content": "第 5 次反映 <script>alert(1)</script>"}
    )
    intake.submit(platform.db, attack, platform.clock(), lambda _s: None)
    b = logged_in(platform, "operator1")
    shown = b.get("/workbench/caller", params={"citizen_phone": caller}, headers={"HX-Request": "true"})
    assert shown.status_code == 200
    assert "<html" not in shown.text  # the fragment alone
    items = re.findall(r'<a href="/tickets/(\d+)"', shown.text)
    assert len(items) == 5, "the latest five only"
    assert [int(i) for i in items] == sorted((int(i) for i in items), reverse=True)
    assert "第 5 次反映" in shown.text and str(first["id"]) not in items
    assert "<script>alert(1)</script>" not in shown.text and "&lt;script&gt;" in shown.text
    assert "此号码最近 5 件诉求" in shown.text and "已受理" in shown.text
    # the answered consultation shows its outcome once it is among the latest
    only = phone()
    answered = api.intake(citizen_phone=only, kind="consultation", content="公积金怎么提取")
    api.act("operator1", answered["id"], "answer", {"answer": "带身份证和购房合同到公积金中心"})
    one = b.get("/workbench/caller", params={"citizen_phone": only}).text
    assert "带身份证和购房合同到公积金中心" in one and "已直接答复" in one
    none = b.get("/workbench/caller", params={"citizen_phone": phone()}).text
    assert "此号码没有历史诉求" in none


def test_suggestions_while_typing_are_the_apis_in_the_order_of_their_confidence(platform: Platform) -> None:
    api = Api(platform)
    with_answers(platform)
    b = logged_in(platform, "operator1")
    csrf, _ = opened(b)
    frag = b.post("/workbench/suggest", data={"csrf": csrf, "content": STALL, "kind": "complaint"})
    assert frag.status_code == 200
    routes = routes_of(frag.text)
    assert routes, frag.text
    assert [p for _, p in routes] == sorted((p for _, p in routes), reverse=True)
    same = api.post("operator1", "/api/v1/routing/suggest", {"text": STALL, "kind": "complaint"})
    best = max(same["suggestions"], key=lambda s: s["confidence"])
    assert routes[0][0] == f"{best['unit']['id']}|{best['category']['code']}"
    assert f'value="{routes[0][0]}" checked' in frag.text  # the top one is chosen by default
    assert same["decision_label"] in frag.text
    # a consultation the kb answers shows the whole answer to insert
    kb = b.post(
        "/workbench/suggest", data={"csrf": csrf, "content": "社保卡丢了怎么补办", "kind": "consultation"}
    )
    assert "知识库答复" in kb.text and 'data-insert="kb-' in kb.text
    # an emergency: the hand-off buttons
    fire = b.post("/workbench/suggest", data={"csrf": csrf, "content": "楼下着火了，浓烟很大，有人被困"})
    assert 'name="service" value="119"' in fire.text
    # without the CSRF token: refused
    assert b.post("/workbench/suggest", data={"content": STALL}).status_code == 403


def test_an_operator_takes_a_call_and_dispatches_it_with_one_submit(platform: Platform) -> None:
    api = Api(platform)
    b = logged_in(platform, "operator1")
    csrf, stamp = opened(b)
    frag = b.post("/workbench/suggest", data={"csrf": csrf, "content": STALL, "kind": "complaint"})
    (top, _), *rest = routes_of(frag.text)
    lead_id = int(top.split("|")[0])
    assists = [int(v.split("|")[0]) for v, _ in rest if int(v.split("|")[0]) != lead_id][:1]
    platform.clock.advance(seconds=95)
    caller = phone()
    fields = {"citizen_phone": caller, "kind": "complaint", "content": STALL, "route": top}
    r = take(b, csrf, stamp, **fields, assist=[str(a) for a in assists])
    tid = done_id(r)
    ticket = api.get("dispatcher", f"/api/v1/tickets/{tid}")
    assert ticket["status"] == "dispatched" and ticket["lead_unit"]["id"] == lead_id
    assert [a["unit"]["id"] for a in ticket["assignments"]] == [lead_id, *assists]
    assert ticket["category_code"] == top.split("|")[1]
    assert ticket["intake_seconds"] == 95, "measured from the form's opening when no script counted"
    assert ticket["citizen_phone"] == caller and ticket["channel"] == "phone"
    events = api.events("dispatcher", tid)
    assert [e["tag"] for e in events][:2] == ["ticket.received", "ticket.dispatched"]
    after = b.get(r.headers["location"]).text
    assert f"工单 {ticket['number']} 已派给 {ticket['lead_unit']['name']}" in after
    assert "受理用时 95 秒" in after
    # the page's own count (scripts ran) is what is stored
    r = take(b, csrf, stamp, **{**fields, "intake_seconds": "41"})
    assert api.get("dispatcher", f"/api/v1/tickets/{done_id(r)}")["intake_seconds"] == 41


def test_the_other_next_steps_answer_hand_off_merge_and_register(platform: Platform) -> None:
    api = Api(platform)
    b = logged_in(platform, "operator1")
    csrf, stamp = opened(b)
    answer = "携带身份证到任一社保经办网点即可补办"
    r = take(
        b, csrf, stamp, kind="consultation", content="社保卡丢了怎么补办", action="answer", answer=answer
    )
    t = api.get("operator1", f"/api/v1/tickets/{done_id(r)}")
    assert t["status"] == "answered" and t["answer"] == answer
    r = take(b, csrf, stamp, kind="help", content="楼下着火了，有人被困", urgency="emergency", service="119")
    t = api.get("operator1", f"/api/v1/tickets/{done_id(r)}")
    assert t["status"] == "handed_off" and t["handed_off_to"] == "119"
    older = api.intake(content=STALL)["id"]
    r = take(b, csrf, stamp, kind="complaint", content=STALL, merge_into=str(older))
    t = api.get("operator1", f"/api/v1/tickets/{done_id(r)}")
    assert t["status"] == "merged" and t["merged_into_id"] == older
    r = take(b, csrf, stamp, kind="complaint", content=STALL, action="save")
    tid = done_id(r)
    assert api.get("operator1", f"/api/v1/tickets/{tid}")["status"] == "received"
    # a step the workflow refuses: the ticket is kept, the page says why
    r = take(b, csrf, stamp, kind="complaint", content=STALL, merge_into=str(10**8))
    assert "refused=" in r.headers["location"]
    page = b.get(r.headers["location"]).text
    assert "已登记，但这一步未完成" in page and "{" not in page.split("已登记，但这一步未完成")[1][:200]
    # only the platform's own codes are shown, never text taken from the address
    assert "Call 555" not in b.get(f"/workbench?done={tid}&refused=Call+555").text


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(platform: Platform) -> None:
    b = logged_in(platform, "operator1")
    csrf, stamp = opened(b)
    before = ticket_count(platform)
    r = take(b, csrf, stamp, content="", citizen_phone="call me", route="")
    assert r.status_code == 422
    assert 'id="kind" name="kind" aria-invalid="true" aria-describedby="err-kind"' in r.text
    for field in ("kind", "content", "citizen_phone", "route"):
        assert f'id="err-{field}"' in r.text, field
    assert "请选择主办单位" in r.text and "有 4 处需要修改" in r.text
    marked = take(b, csrf, stamp, kind="complaint", content="<b>路灯</b>坏了", action="save")
    assert marked.status_code == 422 and 'id="err-content"' in marked.text
    assert "&lt;b&gt;路灯&lt;/b&gt;坏了" in marked.text and "<b>路灯</b>" not in marked.text
    r = take(b, csrf, stamp, kind="consultation", content="问题", action="answer", answer="  ")
    assert r.status_code == 422 and 'id="err-answer"' in r.text
    r = take(b, "not-the-token", stamp, kind="complaint", content=STALL, action="save")
    assert r.status_code == 403
    assert ticket_count(platform) == before


def test_the_api_takes_and_shows_the_handling_time(platform: Platform) -> None:
    api = Api(platform)
    t = api.intake(intake_seconds=215)
    assert t["intake_seconds"] == 215
    assert api.get("dispatcher", f"/api/v1/tickets/{t['id']}")["intake_seconds"] == 215
    assert api.intake()["intake_seconds"] is None
    bad = api.intake(intake_seconds=-1, expect=422)
    assert bad["errors"][0]["field"] == "intake_seconds"
    received = api.events("operator1", t["id"])[0]
    assert received["tag"] == "ticket.received"


def test_the_city_map_is_the_directorys_polygons_as_geojson(platform: Platform) -> None:
    r = platform.client.get("/api/v1/public/city-map")  # public: the citizens' portal draws it too
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    data = r.json()
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    kinds = {f["properties"]["kind"] for f in features}
    assert {"district", "street"} <= kinds
    longwan = next(f for f in features if f["properties"]["name"].startswith("龙湾区"))
    ring = longwan["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1], "closed ring"
    lon, lat = ring[0]
    assert 109 < lon < 112 and 19 < lat < 21, "GeoJSON is [lon, lat]"
    levels = [f["properties"]["level"] for f in features]
    assert levels == sorted(levels, reverse=True), "districts last, drawn over their streets"
    again = platform.client.get("/api/v1/public/city-map", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    english = platform.client.get("/api/v1/public/city-map?lang=en").json()
    assert all(not re.search(r"[\u4e00-\u9fff]", f["properties"]["name"]) for f in english["features"])
    labels = {f["properties"]["label"] for f in english["features"]}
    assert "Longwan" in labels and "Zhongshan" in labels
