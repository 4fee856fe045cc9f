"""The centre console over HTTP, on both databases: what each queue holds and in which order, the
actions (each a form that posts and redirects, or shows the API's refusal with its status), search
with every filter narrowing and keyset paging that stays stable, saved filters, export to Excel."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.routing import auto, queue
from hotline.tickets import queries as tickets
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import csrf_of, logged_in


def console_of(platform: Platform, username: str = "dispatcher") -> TestClient:
    """A browser logged in as a centre person (the dispatcher unless told)."""
    return logged_in(platform, username)


def rows_of(html: str) -> list[int]:
    """The ticket ids the table's rows link to, in the page's order."""
    body = html[html.index("<tbody>") :] if "<tbody>" in html else ""
    return [int(x) for x in re.findall(r'<td class="ticket">\s*<a href="/tickets/(\d+)"', body)]


def count_of(html: str, queue_name: str) -> int:
    found = re.search(rf'href="/console\?queue={queue_name}"[^>]*>[^<]*<span class="n">(\d+)</span>', html)
    assert found, queue_name
    return int(found.group(1))


def route_all(platform: Platform) -> None:
    """Run the router over what intake left in its queue: advice stored, text indexed."""
    app: Any = platform.client.app
    queue.drain(platform.db, app.state.routing, auto.Policy.of(app.state.settings), platform.clock)


def test_the_queues_hold_what_the_centre_must_do_most_pressing_first(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    normal = api.intake()["id"]
    p.clock.advance(minutes=1)
    emergency = api.intake(urgency="urgent", content="小区燃气管道漏气味道很大")["id"]
    route_all(p)
    sent_back = api.dispatched("d-longwan")
    api.on("handler.longwan", sent_back, 1, "send-back", {"reason": "不属于本单位职责"})
    extension = api.dispatched("d-longwan")
    api.on("handler.longwan", extension, 1, "acknowledge")
    until = (p.clock() + timedelta(days=20)).isoformat()
    api.on("handler.longwan", extension, 1, "extension", {"until": until, "reason": "需要协调施工队"})
    replied = api.dispatched("d-longwan")
    api.on("handler.longwan", replied, 1, "acknowledge")
    api.on("handler.longwan", replied, 1, "reply", {"reply": "路灯已修复"})
    supervised = api.dispatched("d-longwan")
    api.act("supervisor", supervised, "supervise", {"note": "市领导关注"})
    late = api.dispatched("d-binjiang")
    p.clock.advance(hours=2)  # past the 30-minute acknowledge limit of every pending assignment

    b = console_of(p)
    html = b.get("/console").text
    assert rows_of(html) == [emergency, normal]  # the urgent one first, then the longest waiting
    assert count_of(html, "waiting") == 2 and count_of(html, "decide") == 2
    assert count_of(html, "review") == 1 and count_of(html, "supervised") == 1
    decide = b.get("/console?queue=decide").text
    assert set(rows_of(decide)) == {sent_back, extension}
    assert "不属于本单位职责" in decide and "需要协调施工队" in decide
    assert rows_of(b.get("/console?queue=review").text) == [replied]
    assert rows_of(b.get("/console?queue=supervised").text) == [supervised]
    overdue = rows_of(b.get("/console?queue=overdue").text)
    # pending and unacknowledged for two hours: overdue, the one dispatched first on top
    assert late in overdue and supervised in overdue and replied not in overdue
    assert overdue.index(supervised) < overdue.index(late)
    assert count_of(html, "overdue") == len(overdue)
    # each row links to the ticket page
    assert f'href="/tickets/{emergency}"' in html
    assert b.get("/console?queue=nonsense").status_code == 404


def test_a_unit_handler_has_no_console(platform: Platform) -> None:
    b = logged_in(platform, "handler.longwan")
    r = b.get("/console")
    assert r.status_code == 403
    assert b.get("/console/search?code=ABCD").status_code == 403
    assert 'href="/console"' not in b.get("/inbox").text  # nor a link to it
    assert 'href="/console"' in console_of(platform).get("/console").text


def _post(b: TestClient, path: str, data: dict[str, Any]) -> Any:
    page = b.get(path.rsplit("/", 1)[0])
    return b.post(path, data={"csrf": csrf_of(page.text), **data})


def test_dispatch_supervise_urge_from_the_console(platform: Platform) -> None:
    api = Api(platform)
    tid = api.intake()["id"]
    b = console_of(platform)
    page = b.get(f"/console/tickets/{tid}?back=waiting")
    assert page.status_code == 200 and f'action="/console/tickets/{tid}/dispatch"' in page.text
    lead, assist = platform.unit_id("d-longwan"), platform.unit_id("dept-urban")
    r = _post(
        b,
        f"/console/tickets/{tid}/dispatch",
        {"lead_unit_id": lead, "assist_unit_ids": [assist], "note": "请尽快处理", "back": "waiting"},
    )
    assert (
        r.status_code == 303 and r.headers["location"] == f"/console/tickets/{tid}?done=dispatch&back=waiting"
    )
    ticket = api.get("dispatcher", f"/api/v1/tickets/{tid}")
    assert ticket["lead_unit"]["id"] == lead and [a["unit"]["id"] for a in ticket["assignments"]] == [
        lead,
        assist,
    ]
    assert "已派单" in b.get(r.headers["location"]).text
    assert _post(b, f"/console/tickets/{tid}/supervise", {"note": "重点关注"}).status_code == 303
    assert _post(b, f"/console/tickets/{tid}/urge", {"no": "1", "note": "请加快"}).status_code == 303
    ticket = api.get("dispatcher", f"/api/v1/tickets/{tid}")
    assert ticket["supervised"] and ticket["assignments"][0]["urges"] == 1
    # supervising twice is the API's refusal: its message and its status, nothing written
    r = _post(b, f"/console/tickets/{tid}/supervise", {})
    assert r.status_code == 409 and "该工单已在督办中" in r.text and "(409)" in r.text
    assert len(api.events("dispatcher", tid)) == 4  # received, dispatched, supervised, urged


def test_a_console_form_without_its_csrf_token_changes_nothing(platform: Platform) -> None:
    api = Api(platform)
    tid = api.intake()["id"]
    b = console_of(platform)
    r = b.post(f"/console/tickets/{tid}/dispatch", data={"lead_unit_id": platform.unit_id("d-longwan")})
    assert r.status_code == 403
    assert api.get("dispatcher", f"/api/v1/tickets/{tid}")["status"] == "received"


def test_bad_fields_are_refused_naming_the_field(platform: Platform) -> None:
    tid = Api(platform).intake()["id"]
    b = console_of(platform)
    r = _post(b, f"/console/tickets/{tid}/dispatch", {"lead_unit_id": "abc"})
    assert r.status_code == 422 and "lead_unit_id" in r.text
    r = _post(b, f"/console/tickets/{tid}/dispatch", {"lead_unit_id": "999999"})
    assert r.status_code == 422 and "999999" in r.text
    r = _post(b, f"/console/tickets/{tid}/supervise", {"note": "<script>alert(1)</script>"})
    assert r.status_code == 422 and "HTML" in r.text  # markup is refused as the API refuses it
    r = _post(b, f"/console/tickets/{tid}/fly", {})
    assert r.status_code == 404
    assert b.get("/console/search?status=lost").status_code == 422
    assert b.get("/console/search?since=2026-13-01").status_code == 422
    assert b.get("/console/search?since=2026-05-02&until=2026-05-01").status_code == 422
    assert b.get("/console/search?code=A&after=xyz").status_code == 422
    assert b.get("/console/search?phone=abc").status_code == 422
    assert not Api(platform).get("dispatcher", f"/api/v1/tickets/{tid}")["supervised"]


def test_send_back_accepted_and_redispatched_extension_and_review_decided(platform: Platform) -> None:
    api = Api(platform)
    b = console_of(platform)
    sent = api.dispatched("d-longwan")
    api.on("handler.longwan", sent, 1, "send-back", {"reason": "应由滨江区办理"})
    page = b.get(f"/console/tickets/{sent}").text
    assert "应由滨江区办理" in page
    binjiang = platform.unit_id("d-binjiang")
    r = _post(b, f"/console/tickets/{sent}/send_back", {"no": "1", "accept": "yes", "lead_unit_id": binjiang})
    assert r.status_code == 303
    ticket = api.get("dispatcher", f"/api/v1/tickets/{sent}")
    assert ticket["lead_unit"]["id"] == binjiang and ticket["status"] == "dispatched"

    ext = api.dispatched("d-longwan")
    api.on("handler.longwan", ext, 1, "acknowledge")
    until = (platform.clock() + timedelta(days=30)).isoformat()
    api.on("handler.longwan", ext, 1, "extension", {"until": until, "reason": "等待材料"})
    r = _post(b, f"/console/tickets/{ext}/extension", {"no": "1", "approve": "no"})
    assert r.status_code == 422 and "请填写原因" in r.text  # refusing needs a reason: the API's rule
    r = _post(b, f"/console/tickets/{ext}/extension", {"no": "1", "approve": "yes"})
    assert r.status_code == 303
    assert api.get("dispatcher", f"/api/v1/tickets/{ext}")["assignments"][0]["extensions_approved"] == 1

    rep = api.dispatched("d-longwan")
    api.on("handler.longwan", rep, 1, "acknowledge")
    api.on("handler.longwan", rep, 1, "reply", {"reply": "已处理完毕"})
    assert _post(b, f"/console/tickets/{rep}/review", {"no": "1", "approve": "yes"}).status_code == 303
    # reviewed: close needs a reason (not followed up); with one it closes
    r = _post(b, f"/console/tickets/{rep}/close", {"reason": ""})
    assert r.status_code == 422 and "办结须说明原因" in r.text
    assert _post(b, f"/console/tickets/{rep}/close", {"reason": "诉求人电话无法接通"}).status_code == 303
    assert api.get("dispatcher", f"/api/v1/tickets/{rep}")["status"] == "closed"


def test_merge_by_number_or_tracking_code(platform: Platform) -> None:
    api = Api(platform)
    target = api.intake()
    dup, dup2 = api.intake()["id"], api.intake()["id"]
    b = console_of(platform)
    assert _post(b, f"/console/tickets/{dup}/merge", {"into": target["number"]}).status_code == 303
    assert (
        _post(b, f"/console/tickets/{dup2}/merge", {"into": target["tracking_code"].lower()}).status_code
        == 303
    )
    assert api.get("dispatcher", f"/api/v1/tickets/{target['id']}")["duplicate_ids"] == [dup, dup2]
    r = _post(b, f"/console/tickets/{api.intake()['id']}/merge", {"into": "NOSUCHCODE"})
    assert r.status_code == 422 and "NOSUCHCODE" in r.text


def test_a_supervisor_is_shown_only_the_forms_the_role_may_use(platform: Platform) -> None:
    tid = Api(platform).dispatched("d-longwan")
    html = console_of(platform, "supervisor").get(f"/console/tickets/{tid}").text
    assert f"/console/tickets/{tid}/supervise" in html and f"/console/tickets/{tid}/urge" in html
    assert f"/console/tickets/{tid}/merge" not in html and f"/console/tickets/{tid}/dispatch" not in html


# --- search ---------------------------------------------------------------------------------------


def found(b: TestClient, query: str) -> list[int]:
    r = b.get(f"/console/search?{query}")
    assert r.status_code == 200, r.text
    return rows_of(r.text)


def test_each_search_filter_narrows(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    b = console_of(p)
    before = found(b, "status=received")
    a = api.intake(content="龙湾区中山路路灯不亮", citizen_phone="13900001111", channel="web")
    p.clock.advance(days=2)
    p.tokens.clear()  # logins expire after 12 hours
    c = api.intake(
        content="海滨公园噪音扰民严重", citizen_phone="13900002222", category_code="urban.streetlight"
    )
    route_all(p)
    d = api.dispatched("d-longwan")
    b = console_of(p)
    assert found(b, f"code={a['tracking_code']}") == [a["id"]]
    assert found(b, f"code={a['tracking_code'].lower()}") == [a["id"]]
    assert found(b, "phone=139-0000-2222") == [c["id"]]
    assert a["id"] in found(b, "q=路灯不亮") and c["id"] not in found(b, "q=路灯不亮")
    assert found(b, "q=噪音扰民") == [c["id"]]
    assert found(b, "channel=web") == [a["id"]]
    assert found(b, "category=urban") == [c["id"]] == found(b, "category=urban.streetlight")
    assert found(b, "category=housing") == []
    longwan = p.unit_id("d-longwan")
    assert d in found(b, f"unit={longwan}") and a["id"] not in found(b, f"unit={longwan}")
    assert found(b, "status=received") == [c["id"], a["id"], *before]

    def day(ticket: dict[str, Any]) -> str:
        n = ticket["number"]
        return f"{n[:4]}-{n[4:6]}-{n[6:8]}"

    on_day_a = found(b, f"since={day(a)}&until={day(a)}")
    assert a["id"] in on_day_a and c["id"] not in on_day_a
    assert found(b, f"since={day(c)}") == [d, c["id"]] == found(b, f"since={day(c)}&until={day(c)}")
    assert found(b, f"until={day(a)}&channel=web") == [a["id"]]
    assert found(b, f"since={day(c)}&channel=web") == []


def test_search_pages_are_stable_by_keyset(isolated: Platform) -> None:
    """Tickets received in the same instant are paged by id: no row twice, none left out, and a
    page asked for again is the same page even after newer tickets came in."""
    p, api = isolated, Api(isolated)
    ids = [api.intake(channel="wechat")["id"] for _ in range(13)]
    with p.db.read() as s:
        from hotline.auth.service import user_for_token

        user = user_for_token(s, p.headers("dispatcher")["Authorization"].split()[1], p.clock())
    zone = tickets.ZoneInfo("Asia/Shanghai")
    f = tickets.TicketFilter(channel="wechat")
    pages, after = [], None
    with p.db.read() as s:
        while True:
            page = tickets.search_centre(s, user, f, zone, "zh", after=after, limit=5)
            pages.append([it.ticket_id for it in page.items])
            if page.next_after is None:
                break
            after = page.next_after
    assert [len(x) for x in pages] == [5, 5, 3]
    assert [i for x in pages for i in x] == sorted(ids, reverse=True)
    api.intake(channel="wechat")  # a newer one comes in: the second page stays as it was
    with p.db.read() as s:
        first = tickets.search_centre(s, user, f, zone, "zh", limit=5)
        again = tickets.search_centre(s, user, f, zone, "zh", after=(first.next_after), limit=5)
        second = tickets.search_centre(s, user, f, zone, "zh", after=after, limit=5)
    assert [it.ticket_id for it in second.items] == pages[-1]
    assert [it.ticket_id for it in again.items] == pages[0][4:] + pages[1][:4]
    # the page's own "next" link carries the cursor
    b = console_of(p)
    html = b.get("/console/search?channel=wechat").text
    assert len(rows_of(html)) == 14 and 'rel="next"' not in html


def test_saved_filters_are_per_person_and_audited(platform: Platform) -> None:
    b = console_of(platform)
    page = b.get("/console/search?channel=wechat&status=received")
    r = b.post(
        "/console/filters",
        data={"csrf": csrf_of(page.text), "name": "微信待派", "channel": "wechat", "status": "received"},
    )
    assert (
        r.status_code == 303
        and r.headers["location"] == "/console/search?status=received&channel=wechat&notice=saved"
    )
    html = b.get("/console/search").text
    assert "微信待派" in html and 'href="/console/search?status=received&amp;channel=wechat"' in html
    other = console_of(platform, "operator1")
    assert "微信待派" not in other.get("/console/search").text
    # this filter's own delete form (the session's platform may hold other tests' filters)
    filter_id = int(re.search(r'微信待派</a>.*?action="/console/filters/(\d+)/delete"', html, re.S).group(1))  # type: ignore[union-attr]
    r = other.post(
        f"/console/filters/{filter_id}/delete", data={"csrf": csrf_of(other.get("/console/search").text)}
    )
    assert r.status_code == 404
    r = b.post("/console/filters", data={"csrf": csrf_of(html), "name": " ", "channel": "wechat"})
    assert r.status_code == 422
    r = b.post(f"/console/filters/{filter_id}/delete", data={"csrf": csrf_of(html)})
    assert r.status_code == 303 and "微信待派" not in b.get("/console/search").text
    with platform.db.read() as s:
        actions = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_type == "saved_filter", AuditEntry.entity_id == str(filter_id)
            )
        ).all()
    assert sorted(actions) == ["console.filter.create", "console.filter.delete"]


def test_export_holds_the_search_rows_with_headers_in_the_readers_language(platform: Platform) -> None:
    api = Api(platform)
    made = [api.intake(channel="mailbox", content=f"=1+1 信件 {i}")["id"] for i in range(3)]
    b = console_of(platform)
    r = b.get("/console/search.xlsx?channel=mailbox")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工单编号", "查询码", "受理时间")
    numbers = [row[0] for row in rows[1:]]
    expected = [api.get("dispatcher", f"/api/v1/tickets/{t}")["number"] for t in reversed(made)]
    assert numbers[:3] == expected
    assert rows[1][10] == "'=1+1 信件 2"  # citizen text never becomes a formula
    en = b.get("/console/search.xlsx?channel=mailbox&lang=en")
    header = next(load_workbook(BytesIO(en.content)).active.iter_rows(values_only=True))
    assert header[0] == "Number"
    assert b.get("/console/search.xlsx").status_code == 422
    with platform.db.read() as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "console.export")) is not None


@pytest.mark.parametrize("path", ["/console", "/console/search?q=<script>", "/console/search"])
def test_console_pages_in_english(platform: Platform, path: str) -> None:
    b = console_of(platform)
    html = b.get(path + ("&" if "?" in path else "?") + "lang=en").text
    assert 'lang="en"' in html and "Centre console" in html and "<script>" not in html.split("</head>")[1]
