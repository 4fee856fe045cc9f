"""The staff pages over HTTP: log in to a session cookie, CSRF on every form, the unit inbox and
the ticket page with the same permissions as the API, escaping, the language switch, log out."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Platform
from tests.integration.api import Api


def browser(platform: Platform, **headers: str) -> TestClient:
    """A client of its own (its own cookie jar), as a browser would be; it follows no redirect."""
    return TestClient(platform.client.app, follow_redirects=False, headers=headers)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def logged_in(platform: Platform, username: str, **headers: str) -> TestClient:
    b = browser(platform, **headers)
    token = csrf_of(b.get("/login").text)
    r = b.post(
        "/login",
        data={"username": username, "password": f"Demo-{username}-2026", "csrf": token, "next": "/inbox"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/inbox", r.text
    return b


def test_login_sets_a_session_cookie_that_scripts_cannot_read(platform: Platform) -> None:
    b = browser(platform)
    r = b.get("/inbox")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Finbox")
    token = csrf_of(b.get("/login").text)
    r = b.post("/login", data={"username": "handler.longwan", "password": "wrong", "csrf": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    token = csrf_of(r.text)
    r = b.post(
        "/login",
        data={"username": "handler.longwan", "password": "Demo-handler.longwan-2026", "csrf": token},
    )
    assert r.status_code == 303
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("hotline_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http here; served over https it is Secure (next test)
    page = b.get("/inbox")
    assert page.status_code == 200 and "吴晓东" in page.text and 'lang="zh-CN"' in page.text


def test_the_cookie_is_secure_over_https(platform: Platform) -> None:
    b = TestClient(platform.client.app, base_url="https://testserver", follow_redirects=False)
    token = csrf_of(b.get("/login").text)
    r = b.post(
        "/login",
        data={"username": "handler.longwan", "password": "Demo-handler.longwan-2026", "csrf": token},
    )
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("hotline_session="))
    assert "Secure" in cookie


def test_a_login_without_its_csrf_token_is_refused(platform: Platform) -> None:
    b = browser(platform)
    b.get("/login")
    r = b.post(
        "/login", data={"username": "handler.longwan", "password": "Demo-handler.longwan-2026", "csrf": "x"}
    )
    assert r.status_code == 403 and "hotline_session" not in r.headers.get("set-cookie", "")


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(platform: Platform) -> None:
    api = Api(platform)
    tid = api.dispatched("d-longwan")
    b = logged_in(platform, "handler.longwan")
    r = b.post("/inbox/acknowledge", data={"pick": f"{tid}:1"})
    assert r.status_code == 403 and "安全令牌" in r.text
    r = b.post("/inbox/acknowledge", data={"pick": f"{tid}:1", "csrf": "0" * 64})
    assert r.status_code == 403
    # another session's token does not fit this one
    other = logged_in(platform, "handler.longwan")
    r = b.post("/inbox/acknowledge", data={"pick": f"{tid}:1", "csrf": csrf_of(other.get("/inbox").text)})
    assert r.status_code == 403
    assert api.get("handler.longwan", f"/api/v1/tickets/{tid}")["assignments"][0]["state"] == "pending"
    r = b.post("/logout", data={})
    assert r.status_code == 403 and b.get("/inbox").status_code == 200


def test_inbox_sorted_by_what_falls_due_first_with_subordinates_marked(platform: Platform) -> None:
    api = Api(platform)
    first = api.dispatched("d-longwan")
    platform.clock.advance(minutes=5)
    second = api.dispatched("d-longwan")
    delegated = api.dispatched("d-longwan")
    api.on("handler.longwan", delegated, 1, "acknowledge")
    api.on(
        "handler.longwan",
        delegated,
        1,
        "delegate",
        {"unit_id": platform.unit_id("s-longwan-zhongshan"), "note": "请街道核实"},
    )
    b = logged_in(platform, "handler.longwan")
    html = b.get("/inbox").text
    html = html[
        html.index('<div id="inbox">') :
    ]  # the assignments (the notifications above are newest first)
    number = {t: api.get("operator1", f"/api/v1/tickets/{t}")["number"] for t in (first, second, delegated)}
    # the one dispatched first is due first, so it comes before the later one
    assert html.index(number[first]) < html.index(number[second])
    assert f'value="{delegated}:2"' not in html  # a subordinate's assignment is not acknowledged here
    sub_row = html[html.index(f"/tickets/{delegated}") :]
    sub_row = sub_row[: sub_row.index("</tr>")]
    assert "下级" in sub_row and "中山街道" in sub_row
    # each deadline travels as an ISO timestamp with its time zone, for the browser to tick
    assert re.search(r'data-due="2026-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00"', html)


def test_acknowledge_many_at_once_then_redirect(platform: Platform) -> None:
    api = Api(platform)
    a, b_ = api.dispatched("d-longwan"), api.dispatched("d-longwan")
    b = logged_in(platform, "handler.longwan")
    token = csrf_of(b.get("/inbox").text)
    r = b.post("/inbox/acknowledge", data={"pick": [f"{a}:1", f"{b_}:1"], "csrf": token})
    assert r.status_code == 303 and r.headers["location"] == "/inbox?acknowledged=2"
    assert "已签收 2 件" in b.get(r.headers["location"]).text
    for t in (a, b_):
        assert api.get("handler.longwan", f"/api/v1/tickets/{t}")["assignments"][0]["state"] == "acknowledged"
    # acknowledging again is refused by the workflow, and the page says so
    r = b.post("/inbox/acknowledge", data={"pick": [f"{a}:1"], "csrf": token})
    again = b.get(r.headers["location"]).text
    assert "已签收 0 件" not in again and "未能签收" in again
    # htmx gets the table alone to swap in
    frag = b.get("/inbox", headers={"HX-Request": "true"}).text
    assert frag.lstrip().startswith('<div id="inbox">') and "<html" not in frag


def test_a_unit_cannot_open_another_units_ticket_page(platform: Platform) -> None:
    api = Api(platform)
    tid = api.dispatched("ent-water")
    b = logged_in(platform, "handler.longwan")
    r = b.get(f"/tickets/{tid}")
    assert r.status_code == 403 and "permission.not_visible" in r.text
    assert "中山路的路灯坏了三天" not in r.text
    assert logged_in(platform, "handler.water").get(f"/tickets/{tid}").status_code == 200


def test_citizen_text_with_markup_is_shown_escaped(platform: Platform) -> None:
    """Markup is refused at the API's door; a ticket that holds some anyway (a channel or an import
    that does not check) is still shown as text. It is stored through intake's own service."""
    from hotline.intake import service as intake
    from hotline.intake.schemas import TicketIn

    api = Api(platform)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    checked = TicketIn(kind="complaint", content="路灯坏了")
    unchecked = checked.model_copy(update={"content": attack, "title": attack, "citizen_name": "<b>张</b>"})
    tid = intake.submit(platform.db, unchecked, platform.clock(), lambda _s: None).ticket_id
    api.act("dispatcher", tid, "dispatch", {"lead_unit_id": platform.unit_id("d-longwan")})
    b = logged_in(platform, "handler.longwan")
    for path in ("/inbox", f"/tickets/{tid}"):
        html = b.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>张</b>" not in html
        assert "&lt;script&gt;alert(" in html


def test_ticket_page_shows_the_timeline(platform: Platform) -> None:
    api = Api(platform)
    tid = api.dispatched("d-longwan")
    b = logged_in(platform, "handler.longwan")
    page = b.get(f"/tickets/{tid}")
    token = csrf_of(page.text)
    assert "受理" in page.text and "派单" in page.text
    r = b.post(f"/tickets/{tid}/assignments/1/acknowledge", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"] == f"/tickets/{tid}"
    html = b.get(f"/tickets/{tid}").text
    assert html.count("<li>") >= 3 and "吴晓东" in html  # received, dispatched, acknowledged by him


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_language_switch_sticks_and_accept_language_is_heard(platform: Platform) -> None:
    b = logged_in(platform, "handler.longwan")
    assert "本单位待办" in b.get("/inbox").text
    r = b.get("/lang/en?next=/inbox")
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    html = b.get("/inbox").text
    assert 'lang="en"' in html and "Unit inbox" in html and "本单位待办" not in html
    assert b.get("/lang/en?next=https://evil.example/").headers["location"] == "/"
    english = logged_in(platform, "handler.longwan", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert "Unit inbox" in english.get("/inbox").text


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_logout_and_expiry_end_the_session(platform: Platform) -> None:
    b = logged_in(platform, "handler.longwan")
    token = csrf_of(b.get("/inbox").text)
    stolen = b.cookies.get("hotline_session")
    r = b.post("/logout", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"] == "/login?out=1"
    assert "已退出登录" in b.get("/login?out=1").text
    # the token is revoked on the server, not only forgotten by the browser
    replay = browser(platform)
    replay.cookies.set("hotline_session", stolen)
    assert replay.get("/inbox").status_code == 303
    b = logged_in(platform, "handler.longwan")
    saved = platform.clock.now
    platform.clock.advance(hours=12, seconds=1)  # the token's lifetime (token_ttl_hours) is over
    try:
        r = b.get("/inbox")
        assert r.status_code == 303 and "expired=1" in r.headers["location"]
        assert "登录已过期" in b.get(r.headers["location"]).text
    finally:  # the shared platform's other tests keep their clock and their API logins
        platform.clock.now = saved
        platform.tokens.clear()


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page_after_login(platform: Platform) -> None:
    """The form's own address takes only POST: after logging in again the person is back on the
    page the form was on, never on a 405 (and never led to another site)."""
    gone = browser(platform)
    gone.cookies.set("hotline_session", "expired-or-revoked")
    reply = "/tickets/1/assignments/1/reply"
    page = "http://testserver/tickets/1?lang=en"
    r = gone.post(reply, data={"reply": "已处理"}, headers={"referer": page})
    assert (
        r.status_code == 303 and r.headers["location"] == "/login?next=%2Ftickets%2F1%3Flang%3Den&expired=1"
    )
    r = gone.post(reply, data={}, headers={"HX-Request": "true", "HX-Current-URL": page})
    assert r.headers["HX-Redirect"] == "/login?next=%2Ftickets%2F1%3Flang%3Den&expired=1"
    for referer in ["https://evil.example/tickets/1", ""]:
        r = gone.post(reply, data={}, headers={"referer": referer})
        assert r.headers["location"] == "/login?expired=1", referer
    # a page asked for keeps its own address, as before
    assert (
        browser(platform).get("/tickets/1?lang=en").headers["location"]
        == "/login?next=%2Ftickets%2F1%3Flang%3Den"
    )

    # and the login page sends the person there
    b = browser(platform)
    token = csrf_of(b.get("/login?next=%2Ftickets%2F1").text)
    r = b.post(
        "/login",
        data={
            "username": "dispatcher",
            "password": "Demo-dispatcher-2026",
            "csrf": token,
            "next": "/tickets/1",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/tickets/1"


@pytest.mark.parametrize("platform", ["sqlite"], indirect=True)
def test_pages_load_only_local_files_and_no_inline_script(platform: Platform) -> None:
    """Ready for a Content-Security-Policy without 'unsafe-inline': scripts are files, all local."""
    api = Api(platform)
    tid = api.dispatched("d-longwan")
    b = logged_in(platform, "handler.longwan")
    for path in ("/login", "/inbox", f"/tickets/{tid}"):
        page = (b if path != "/login" else browser(platform)).get(path).text
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
        assert "/static/vendor/htmx/htmx.min.js" in assets and "/static/countdown.js" in assets, path
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page), path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"<[^>]*\son[a-z]+=", page), path  # no inline event handlers either
        for asset in assets:
            assert b.get(asset).status_code == 200, asset
