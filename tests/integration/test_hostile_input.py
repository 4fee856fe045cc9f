"""Hostile and careless input, on both databases: every fault a clear 4xx (or a 503 to retry), never
a 500 — huge numbers, NUL and other control characters, explicit nulls, raw UTF-8 forms, chunked
bodies over the limit, webhook URLs into the network, a database connection lost mid-request."""

from __future__ import annotations

import select
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import uvicorn
from sqlalchemy import create_engine, event, text, update

from hotline.app import create_app
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.notify.egress import parse_networks, refusal
from hotline.open311.models import Open311Request
from tests import conftest
from tests.conftest import ADMIN_PG_URL, LOCAL_RECEIVERS, Platform
from tests.integration.api import Api
from tests.integration.open311_api import BASE, DEMO_KEY, STREETLIGHT, Open311

INT4_OVER = 2**31
INT8_OVER = 2**63


@pytest.fixture
def api(platform: Platform) -> Api:
    return Api(platform)


def _fields(problem: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in problem.get("errors", [])}


# --- 1. numbers beyond what the database holds ---------------------------------------------------


@pytest.mark.parametrize("big", [INT4_OVER, INT8_OVER, 10**30])
def test_an_id_in_the_path_beyond_the_database_is_not_found(api: Api, big: int) -> None:
    for path in (
        f"/api/v1/tickets/{big}",
        f"/api/v1/tickets/{big}/events",
        f"/api/v1/tickets/{big}/routing",
        f"/api/v1/kb/articles/{big}",
    ):
        assert api.get("dispatcher", path, expect=404)["code"] == "http.not_found", path
    api.post("handler.longwan", f"/api/v1/tickets/1/assignments/{big}/acknowledge", expect=404)
    api.call("PATCH", "admin", f"/api/v1/routing/rules/{big}", {"name": "x"}, expect=404)
    api.call("PATCH", "admin", f"/api/v1/admin/webhooks/{big}", {"name": "x"}, expect=404)
    api.post("admin", f"/api/v1/open311/keys/{big}/revoke", expect=404)


@pytest.mark.parametrize("big", [INT4_OVER, INT8_OVER])
def test_offsets_and_ids_in_queries_and_bodies_beyond_the_database_name_the_field(api: Api, big: int) -> None:
    for path in ("/api/v1/tickets", "/api/v1/inbox", "/api/v1/kb/articles", "/api/v1/audit"):
        bad = api.get("supervisor", f"{path}?offset={big}", expect=422)
        assert _fields(bad) == {"offset": "less_than_equal"}, (path, bad)
    assert _fields(api.get("supervisor", f"/api/v1/tickets?unit_id={big}", expect=422)) == {
        "unit_id": "less_than_equal"
    }
    t = api.intake()["id"]
    bad = api.act("dispatcher", t, "dispatch", {"lead_unit_id": big}, expect=422)
    assert _fields(bad) == {"lead_unit_id": "less_than_equal"}
    bad = api.act(
        "dispatcher",
        t,
        "dispatch",
        {"lead_unit_id": api.p.unit_id("d-longwan"), "assist_unit_ids": [big]},
        expect=422,
    )
    assert _fields(bad) == {"assist_unit_ids.0": "less_than_equal"}
    bad = api.post("admin", "/api/v1/kb/articles", {"title": "t", "body": "b", "unit_id": big}, expect=422)
    assert _fields(bad) == {"unit_id": "less_than_equal"}
    # the largest id the database holds is an ordinary "no such ticket"
    assert api.get("dispatcher", f"/api/v1/tickets/{2**31 - 1}", expect=404)["code"] == "ticket.not_found"


def test_open311_ids_beyond_the_database_find_nothing(platform: Platform) -> None:
    o311 = Open311(platform)
    for raw in (str(INT4_OVER), str(INT8_OVER), "²", "-1"):
        o311.get(f"requests/{raw}", "json", expect=404)
        ET.fromstring(o311.get(f"requests/{raw}", "xml", expect=404).content)
        assert o311.json("requests", service_request_id=raw) == []
    rid = o311.create()["service_request_id"]
    found = o311.json("requests", service_request_id=f"{INT4_OVER},{rid}")
    assert [d["service_request_id"] for d in found] == [rid]


# --- 2 and 4. NUL and other control characters ------------------------------------------------------


@pytest.mark.parametrize("char", ["\u0000", "\u0001", "\u001b", "\u007f"])
def test_control_characters_in_text_are_refused_naming_the_field(api: Api, char: str) -> None:
    body = {"kind": "complaint", "content": f"ab{char}cd", "citizen_phone": "13812345678"}
    bad = api.post(None, "/api/v1/public/tickets", body, expect=422)
    assert _fields(bad) == {"content": "text.control_character"}
    assert _fields(api.intake(expect=422, content=f"路灯{char}坏了")) == {"content": "text.control_character"}
    assert _fields(api.intake(expect=422, category_code=f"x{char}")) == {
        "category_code": "text.control_character"
    }
    bad = api.post(None, "/api/v1/auth/login", {"username": f"admin{char}", "password": "x"}, expect=422)
    assert _fields(bad) == {"username": "text.control_character"}
    # newline, carriage return and tab are text
    assert api.intake(content="第一行\r\n第二行\t缩进")["content"] == "第一行\r\n第二行\t缩进"


def test_a_nul_in_a_tracking_code_or_token_finds_nothing(platform: Platform) -> None:
    c = platform.client
    r = c.get("/api/v1/track/AB%00CD")
    assert r.status_code == 404 and r.json()["code"] == "tracking.not_found"
    r = c.post("/api/v1/track/AB%00CD/withdraw", json={"citizen_phone": "13812345678"})
    assert r.status_code == 404, r.text
    for fmt in ("json", "xml"):
        r = c.get(f"{BASE}/tokens/AB%00CD.{fmt}")
        assert r.status_code == 404, r.text
    ET.fromstring(c.get(f"{BASE}/tokens/AB%00CD.xml").content)


@pytest.mark.parametrize(
    "field",
    [
        "description",
        "first_name",
        "last_name",
        "address_string",
        "email",
        "device_id",
        "account_id",
        "attribute[details]",
        "service_code",
        "jurisdiction_id",
    ],
)
def test_open311_fields_with_a_nul_are_refused_naming_the_field(platform: Platform, field: str) -> None:
    o311 = Open311(platform)
    for fmt in ("json", "xml"):
        form = {**STREETLIGHT, "api_key": DEMO_KEY, field: "ab\x00cd"}
        r = o311.post(fmt, expect=400, **form)
        text = r.text
        assert field in text and "control" in text, text
        if fmt == "xml":
            ET.fromstring(r.content)


def test_open311_xml_stays_well_formed_whatever_text_is_stored(platform: Platform) -> None:
    """Text stored before intake refused control characters (or written by another door) must not
    break the feed for XML clients; error documents echoing a bad path neither."""
    o311 = Open311(platform)
    rid = o311.create(description="路灯不亮")["service_request_id"]
    with platform.db.write() as s:  # the feed's copy (the ticket's own log stays as it was)
        s.execute(
            update(Open311Request)
            .where(Open311Request.ticket_id == int(rid))
            .values(description="路灯\x01不亮\x1f")
        )
    doc = ET.fromstring(o311.get("requests", "xml", service_request_id=rid).content)
    assert doc.findtext("request/description") == "路灯\ufffd不亮\ufffd"
    assert o311.one(rid)["description"] == "路灯\x01不亮\x1f"  # JSON escapes them itself
    for path in ("requests/%10.xml", "requests/%01%00.xml", "services/%00.xml", "nowhere%0b.xml"):
        r = platform.client.get(f"{BASE}/{path}")
        assert r.status_code == 404, (path, r.text)
        ET.fromstring(r.content)


# --- 3. explicit null on a field that must have a value -----------------------------------------------


def test_patch_with_null_on_a_required_field_names_the_field(api: Api) -> None:
    article = api.post(
        "admin", "/api/v1/kb/articles", {"title": "社保卡补办", "body": "带身份证到社保大厅"}, expect=201
    )
    for field in ("title", "body", "kind", "keywords"):
        bad = api.call("PATCH", "admin", f"/api/v1/kb/articles/{article['id']}", {field: None}, expect=422)
        assert _fields(bad) == {field: "value.required"}, bad
    rule = api.post(
        "admin",
        "/api/v1/routing/rules",
        {"name": "r", "keywords": ["井盖"], "category_code": None, "unit_id": api.p.unit_id("dept-urban")},
        expect=201,
    )
    for field in ("name", "keywords", "exclude_keywords", "confidence", "active"):
        bad = api.call("PATCH", "admin", f"/api/v1/routing/rules/{rule['id']}", {field: None}, expect=422)
        assert _fields(bad) == {field: "value.required"}, bad
    hook = api.post(
        "admin", "/api/v1/admin/webhooks", {"name": "h", "url": "http://127.0.0.1:9/h"}, expect=201
    )
    for field in ("name", "url", "secret", "active"):
        bad = api.call("PATCH", "admin", f"/api/v1/admin/webhooks/{hook['id']}", {field: None}, expect=422)
        assert _fields(bad) == {field: "value.required"}, bad
    # a field that may be empty is cleared by null, and the article is still there unchanged
    kept = api.call("PATCH", "admin", f"/api/v1/kb/articles/{article['id']}", {"category_code": None})
    assert kept["title"] == "社保卡补办" and kept["category"] is None


def test_markup_in_a_kb_body_names_the_field(api: Api) -> None:
    bad = api.post("admin", "/api/v1/kb/articles", {"title": "t", "body": "<script>x()</script>"}, expect=422)
    assert _fields(bad) == {"body": "text.markup"}


# --- 5. Open311 forms in raw UTF-8 --------------------------------------------------------------------


@pytest.mark.parametrize(
    "ctype", ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8"]
)
def test_a_raw_utf8_form_is_stored_as_written(platform: Platform, ctype: str) -> None:
    """What `curl -d "description=路灯不亮"` sends: the bytes themselves, not percent-escapes."""
    body = (
        f"api_key={DEMO_KEY}&service_code=101&lat=20.0452&long=110.342&description=路灯不亮，中山路"
        "&attribute[pole_number]=HB-LW-0231&attribute[problem]=out"
    )
    r = platform.client.post(
        f"{BASE}/requests.json", content=body.encode("utf-8"), headers={"content-type": ctype}
    )
    assert r.status_code == 200, r.text
    rid = r.json()[0]["service_request_id"]
    assert Open311(platform).one(rid)["description"] == "路灯不亮，中山路"


def test_a_form_that_is_not_the_charset_it_names_is_refused(platform: Platform) -> None:
    r = platform.client.post(
        f"{BASE}/requests.xml",
        content=b"api_key=x&description=\xff\xfe",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400, r.text
    ET.fromstring(r.content)


# --- 8. chunked bodies over the limit ---------------------------------------------------------------


@contextmanager
def served_app(app: Any) -> Iterator[str]:
    """An app behind a real uvicorn on a free loopback port, its lifespan already run by a test
    client (a test client reads a chunked body whole before the app sees it, and has no thread
    pool of a server's size)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served(platform: Platform) -> Iterator[str]:
    with served_app(platform.client.app) as base:
        yield base


def _send_chunked(base: str, path: str, ctype: str, megabytes: int) -> tuple[bytes, int]:
    """POST `megabytes` of chunked body over a raw socket, 64 KiB at a time, watching for an answer
    after each chunk; returns the answer's head and how many bytes had been sent when it came."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    sock.settimeout(5)
    sent = 0
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ctype}\r\nTransfer-Encoding: chunked\r\n\r\n"
        sock.sendall(head.encode())
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        for _ in range(megabytes * 16):
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(chunk)
            except OSError:  # the server closed its side after answering
                break
            sent += 65536
        return sock.recv(4096), sent
    finally:
        sock.close()


@pytest.mark.parametrize("megabytes", [3, 30])
def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(served: str, megabytes: int) -> None:
    """The limit is 2 MB (HOTLINE_MAX_BODY_BYTES): the answer comes while the client is still
    sending, not after the server has read the whole body."""
    for path, ctype in (
        ("/api/v1/public/tickets", "application/json"),
        (f"{BASE}/requests.json", "application/x-www-form-urlencoded"),
    ):
        answer, sent = _send_chunked(served, path, ctype, megabytes)
        assert answer.startswith(b"HTTP/1.1 413"), (path, answer[:300])
        assert sent < 2_000_000 + 4 * 1_048_576, (path, sent)  # the limit, and what sockets buffer


# --- 9. security headers --------------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(platform: Platform) -> None:
    c = platform.client
    for path in (
        "/",
        "/docs",
        "/openapi.json",
        "/api/v1/track/NOSUCHCODE",
        "/static/site.css",
        f"{BASE}/services.xml",
    ):
        r = c.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        csp = r.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        ), path
    assert c.post("/api/v1/public/tickets", content=b"x" * 2_100_000).headers["x-frame-options"] == "DENY"


def test_no_sample_page_that_reaches_the_internet_is_served(platform: Platform) -> None:
    assert platform.client.get("/static/swagger-ui/index.html").status_code == 404
    assert platform.client.get("/static/vendor/swagger-ui/index.html").status_code == 404
    assert platform.client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


# --- 10. webhook URLs into the network ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5:8080/hook",
        "http://192.168.1.1/",
        "http://[fe80::1]/",
        "http://0.0.0.0:5432/",
        "http://nonexistent.invalid/hook",
    ],
)
def test_webhook_urls_into_the_network_are_refused(api: Api, url: str) -> None:
    bad = api.post("admin", "/api/v1/admin/webhooks", {"name": "x", "url": url}, expect=422)
    assert _fields(bad) == {"url": "webhook.url_not_allowed"}, bad
    hook = api.post(
        "admin", "/api/v1/admin/webhooks", {"name": "ok", "url": "http://127.0.0.1:9/h"}, expect=201
    )
    bad = api.call("PATCH", "admin", f"/api/v1/admin/webhooks/{hook['id']}", {"url": url}, expect=422)
    assert _fields(bad) == {"url": "webhook.url_not_allowed"}


def test_loopback_is_allowed_only_when_a_setting_lists_it() -> None:
    assert refusal("http://127.0.0.1:5432/", ()) is not None
    assert refusal("http://localhost:5432/", ()) is not None
    assert refusal("http://[::ffff:127.0.0.1]/", ()) is not None
    assert refusal("http://127.0.0.1:5432/", parse_networks(LOCAL_RECEIVERS)) is None
    assert refusal("http://169.254.169.254/", parse_networks(LOCAL_RECEIVERS)) is not None
    assert refusal("http://10.20.3.4/", parse_networks("10.20.0.0/16")) is None
    with pytest.raises(ValueError):
        Settings(webhook_allowed_networks="10.20.0.0/16, not-a-network")


# --- 11. the database lost mid-request ----------------------------------------------------------------


@pytest.fixture
def fragile(platform: Platform, tmp_path: Any) -> Iterator[tuple[Database, Any]]:
    """A second app on the platform's database, and a way to break its next statement for real:
    on PostgreSQL its connection's backend is terminated by the server; on SQLite another
    connection holds the write lock past the busy timeout."""
    db = Database(platform.db.url, pool_size=2)
    if db.is_sqlite:

        @event.listens_for(db.engine, "connect")
        def _short_wait(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA busy_timeout=200")

    settings = Settings(
        data_dir=tmp_path, database_url=platform.db.url, demo=False, routing_auto_dispatch=False
    )
    app = create_app(settings, clock=conftest.TestClock(), db=db)
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield db, client
    db.dispose()


def test_a_lost_database_connection_answers_503_with_retry_after(
    platform: Platform, fragile: tuple[Database, Any]
) -> None:
    db, client = fragile
    body = {"kind": "complaint", "content": "路灯坏了", "citizen_phone": "13812345678"}
    if db.is_sqlite:
        holder = sqlite3.connect(db.url.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            r = client.post("/api/v1/public/tickets", json=body)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    else:
        admin = create_engine(ADMIN_PG_URL, isolation_level="AUTOCOMMIT")
        fired = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def _terminate(conn: Any, *_args: Any) -> None:
            if not fired:
                fired.append(True)
                pid = conn.connection.dbapi_connection.info.backend_pid
                with admin.connect() as a:
                    a.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        try:
            r = client.get("/api/v1/track/NOSUCHCODE0")
        finally:
            event.remove(db.engine, "before_cursor_execute", _terminate)
            admin.dispose()
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"].isdigit()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "server.unavailable"
    # and the next request is answered again
    assert client.post("/api/v1/public/tickets", json=body).status_code == 201


# --- 12. what the API says about itself ---------------------------------------------------------------


def test_405_says_which_methods_are_allowed(platform: Platform) -> None:
    r = platform.client.delete("/api/v1/public/tickets")
    assert r.status_code == 405 and r.headers["allow"] == "POST", r.headers


def test_coordinates_are_numbers_not_booleans(api: Api) -> None:
    bad = api.post(
        "operator1",
        "/api/v1/routing/suggest",
        {"text": "路灯坏了", "latitude": 20.0, "longitude": True},
        expect=422,
    )
    assert _fields(bad) == {"longitude": "float_type"}
    bad = api.intake(expect=422, latitude="20.0", longitude=110.3)
    assert _fields(bad) == {"latitude": "float_type"}
    assert api.intake(latitude=20, longitude=110.342)["latitude"] == 20


def test_the_openapi_document_describes_the_errors(platform: Platform) -> None:
    spec = platform.client.get("/openapi.json").json()
    paths = spec["paths"]
    act = paths["/api/v1/tickets/{ticket_id}/dispatch"]["post"]["responses"]
    assert {"401", "403", "404", "409", "422", "503"} <= act.keys()
    for path, operations in paths.items():
        for method, op in operations.items():
            for code, response in op["responses"].items():
                if code.startswith(("4", "5")) and path.startswith("/api/"):
                    assert list(response["content"]) == ["application/problem+json"], (method, path, code)
    assert "HTTPValidationError" not in str(spec)
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code"} <= set(problem["required"])


def test_open311_operations_describe_their_parameters(platform: Platform) -> None:
    paths = platform.client.get("/openapi.json").json()["paths"]
    listed = {p["name"] for p in paths["/open311/v2/requests.{fmt}"]["get"]["parameters"]}
    assert {"jurisdiction_id", "service_request_id", "service_code", "start_date", "status", "page"} <= listed
    post = paths["/open311/v2/requests.{fmt}"]["post"]
    form = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"api_key", "service_code", "lat", "long", "description", "email"} <= set(form["properties"])
    assert {"400", "403", "404"} <= post["responses"].keys() and "422" not in post["responses"]
