"""What each role may see and do, bad input, idempotent intake, offline docs — over HTTP."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from hotline.domain.ticket import replay
from hotline.tickets import store
from hotline.tickets.models import AssignmentRow, TicketRow
from tests.conftest import Platform
from tests.integration.api import Api


@pytest.fixture
def api(platform: Platform) -> Api:
    return Api(platform)


# --- visibility and personal data --------------------------------------------------------------


def test_units_see_their_own_and_their_subordinates_tickets_only(api: Api) -> None:
    p = api.p
    tid = api.dispatched("d-longwan")
    api.on("handler.longwan", tid, 1, "acknowledge")
    api.on("handler.longwan", tid, 1, "delegate", {"unit_id": p.unit_id("s-longwan-zhongshan")})
    power_only = api.dispatched("ent-power")

    # the street sees the ticket delegated to it; the district sees it too (its own assignment)
    assert api.get("handler.zhongshan", f"/api/v1/tickets/{tid}")["id"] == tid
    assert api.get("reviewer.longwan", f"/api/v1/tickets/{tid}")["id"] == tid
    # the power company sees neither the district's ticket nor it in its list
    assert api.get("handler.power", f"/api/v1/tickets/{tid}", expect=403)["code"] == "permission.not_visible"
    assert api.get("handler.power", f"/api/v1/tickets/{tid}/events", expect=403)
    listed = {t["id"] for t in api.get("handler.power", "/api/v1/tickets?limit=200")["items"]}
    assert power_only in listed and tid not in listed
    # a community under the street does not see the street's ticket
    assert api.get("handler.boai", f"/api/v1/tickets/{tid}", expect=403)
    # the centre sees everything
    centre = {t["id"] for t in api.get("supervisor", "/api/v1/tickets?limit=200")["items"]}
    assert {tid, power_only} <= centre


def test_phone_is_masked_for_roles_that_do_not_call_the_citizen(api: Api) -> None:
    tid = api.dispatched("ent-power")
    assert api.get("operator1", f"/api/v1/tickets/{tid}")["citizen_phone"] == "13812345678"
    assert api.get("handler.power", f"/api/v1/tickets/{tid}")["citizen_phone"] == "13812345678"
    assert api.get("supervisor", f"/api/v1/tickets/{tid}")["citizen_phone"] == "138****5678"
    assert api.get("admin", f"/api/v1/tickets/{tid}")["citizen_phone"] == "138****5678"
    received = api.events("supervisor", tid)[0]
    assert received["payload"]["citizen_phone"] == "138****5678"


def test_roles_are_gated(api: Api) -> None:
    t = api.intake()
    # a unit handler cannot take in or dispatch; an admin cannot act in the workflow
    assert api.intake(user="handler.power", expect=403)["code"] == "permission.role"
    body = {"lead_unit_id": api.p.unit_id("ent-power")}
    assert api.act("handler.power", t["id"], "dispatch", body, expect=403)["code"] == "permission.role"
    assert api.act("admin", t["id"], "dispatch", body, expect=403)["code"] == "permission.role"
    # a grid worker reports from the street and sees what they reported
    g = api.intake(user="grid.boai1", channel="grid", content="博爱路井盖松动")
    assert api.get("grid.boai1", f"/api/v1/tickets/{g['id']}")["channel"] == "grid"


def test_login_and_tokens(api: Api) -> None:
    c = api.client
    bad = c.post("/api/v1/auth/login", json={"username": "operator1", "password": "wrong"})
    assert bad.status_code == 401 and bad.json()["code"] == "auth.invalid_credentials"
    assert c.get("/api/v1/tickets").json()["code"] == "auth.required"
    assert c.get("/api/v1/tickets", headers={"Authorization": "Bearer nope"}).status_code == 401
    r = c.post("/api/v1/auth/login", json={"username": "operator2", "password": "Demo-operator2-2026"})
    token = r.json()["access_token"]
    me = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "operator" and me["role_label"] == "话务员"
    assert c.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    after = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401 and after.json()["code"] == "auth.invalid_token"


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content": None}, "content"),
        ({"content": "   "}, "content"),
        ({"content": "很" * 4001}, "content"),
        ({"latitude": 91, "longitude": 110}, "latitude"),
        ({"latitude": 20, "longitude": -181}, "longitude"),
        ({"citizen_phone": "12345abc"}, "citizen_phone"),
        ({"kind": "rant"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"urgency": "now"}, "urgency"),
        ({"content": "<script>alert(1)</script>路灯"}, "content"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_intake_is_refused_naming_the_field(api: Api, change: dict, field: str) -> None:
    body = {"kind": "complaint", "content": "路灯不亮", "citizen_phone": "13812345678", **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = _ticket_count(api.p)
    r = api.post("operator1", "/api/v1/tickets", body, expect=422)
    assert r["code"] == "validation.failed"
    assert field in [e["field"] for e in r["errors"]], r
    assert _ticket_count(api.p) == before


def test_markup_is_refused_with_its_own_code(api: Api) -> None:
    r = api.post(
        "operator1", "/api/v1/tickets", {"kind": "report", "content": "<img src=x onerror=alert(1)>"}, 422
    )
    assert r["errors"][0]["code"] == "text.markup"


def test_sql_in_text_is_stored_as_text(api: Api) -> None:
    evil = "'; DROP TABLE tickets; -- 路灯"
    t = api.intake(content=evil)
    assert api.get("operator1", f"/api/v1/tickets/{t['id']}")["content"] == evil
    assert _ticket_count(api.p) >= 1


def test_unknown_unit_and_category_name_the_field(api: Api) -> None:
    t = api.intake()
    r = api.act("dispatcher", t["id"], "dispatch", {"lead_unit_id": 987654}, expect=422)
    assert r["code"] == "unit.not_found" and r["errors"][0]["field"] == "lead_unit_id"
    body = {"lead_unit_id": api.p.unit_id("ent-power"), "assist_unit_ids": [987654]}
    assert (
        api.act("dispatcher", t["id"], "dispatch", body, expect=422)["errors"][0]["field"]
        == "assist_unit_ids"
    )
    r = api.intake(category_code="no.such.category", expect=422)
    assert r["code"] == "category.not_found" and r["errors"][0]["field"] == "category_code"
    assert api.get("operator1", f"/api/v1/tickets/{t['id']}")["status"] == "received"


def test_malformed_and_oversized_requests(api: Api) -> None:
    headers = {**api.p.headers("operator1"), "content-type": "application/json"}
    r = api.client.post("/api/v1/tickets", content=b'{"kind": "complaint", "content": ', headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "request.malformed"
    assert r.headers["content-type"].startswith("application/problem+json")
    r = api.client.post("/api/v1/tickets", content=b"[1, 2]", headers=headers)
    assert r.status_code == 400
    huge = json.dumps({"kind": "complaint", "content": "x" * 3_000_000}).encode()
    r = api.client.post("/api/v1/tickets", content=huge, headers=headers)
    assert r.status_code == 413 and r.json()["code"] == "request.too_large"


# --- idempotent intake -------------------------------------------------------------------------


def test_retried_intake_with_the_same_key_returns_the_same_ticket(api: Api) -> None:
    body = {"kind": "help", "content": "老人走失，请帮忙", "citizen_phone": "13700000000"}
    h = {"Idempotency-Key": "phone-call-778899"}
    first = api.client.post("/api/v1/tickets", json=body, headers={**api.p.headers("operator1"), **h})
    again = api.client.post("/api/v1/tickets", json=body, headers={**api.p.headers("operator1"), **h})
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    other = api.client.post(
        "/api/v1/tickets", json={**body, "content": "别的事"}, headers={**api.p.headers("operator1"), **h}
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"


def test_concurrent_retries_with_one_key_make_one_ticket(api: Api) -> None:
    body = {"kind": "complaint", "content": "噪音扰民，凌晨施工", "citizen_phone": "13600000000"}
    headers = {**api.p.headers("operator2"), "Idempotency-Key": f"burst-{api.p.backend}"}
    ids: list[int] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        barrier.wait()
        r = api.client.post("/api/v1/tickets", json=body, headers=headers)
        assert r.status_code in (200, 201), r.text
        ids.append(r.json()["id"])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 6 and len(set(ids)) == 1


def test_intake_writes_the_ticket_and_its_rows_at_once(api: Api) -> None:
    """PostgreSQL: the token check, then ONE statement for the ticket, its event, outbox entry,
    routing-queue entry and idempotency key, no BEGIN/COMMIT around them (round trips were the
    cost of intake: docs/performance.md). SQLite: the same rows, one INSERT per table."""
    headers = api.p.headers("operator1")  # logged in before counting
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()[:3]))

    event.listen(api.p.db.engine, "before_cursor_execute", seen)
    try:
        r = api.client.post(
            "/api/v1/tickets",
            json={"kind": "help", "content": "井盖缺失，请尽快处理", "citizen_phone": "13700000001"},
            headers={**headers, "Idempotency-Key": f"one-statement-{api.p.backend}"},
        )
    finally:
        event.remove(api.p.db.engine, "before_cursor_execute", seen)
    assert r.status_code == 201, r.text
    tables = ["ticket_events", "outbox", "routing_queue", "idempotency_keys"]
    if api.p.backend == "postgresql":
        assert statements == ["SELECT users.id, users.username,", "WITH new_ticket AS"]
    else:
        assert statements[:2] == ["BEGIN IMMEDIATE", "SELECT users.id, users.username,"]
        assert statements[2:] == ["INSERT INTO tickets", *(f"INSERT INTO {t}" for t in tables)]
    tid = r.json()["id"]
    with api.p.db.read() as s:
        for table in tables:
            n = s.execute(text(f"SELECT count(*) FROM {table} WHERE ticket_id = :t"), {"t": tid}).scalar()
            assert n == 1, table


# --- the log and the stored state agree --------------------------------------------------------


def test_replaying_each_log_gives_the_stored_state(api: Api) -> None:
    api.dispatched("d-longwan", assists=("ent-water",))  # at least one ticket with assignments
    with api.p.db.read() as s:
        ids = s.scalars(select(TicketRow.id)).all()
        assert ids
        for tid in ids:
            state = replay(store.load_records(s, tid))
            row = s.get(TicketRow, tid)
            stored = {k: getattr(row, k) for k in store.ticket_columns(state)}
            assert stored == store.ticket_columns(state), tid
            rows = s.scalars(
                select(AssignmentRow).where(AssignmentRow.ticket_id == tid).order_by(AssignmentRow.no)
            )
            got = [
                {k: getattr(r, k) for k in store.assignment_columns(a)}
                for r, a in zip(rows, state.assignments, strict=True)
            ]
            assert got == [store.assignment_columns(a) for a in state.assignments], tid


# --- offline docs ------------------------------------------------------------------------------


def test_docs_work_offline(api: Api) -> None:
    """The page and everything it loads come from the platform; what it renders is proved in a real
    browser (tests/e2e/test_api_docs_page.py)."""
    page = api.client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets and "/static/docs.js" in assets
    assert all(a.startswith("/static/") for a in assets), assets
    assert "<script>" not in page  # no inline script: the initializer is a file
    for asset in assets:
        assert api.client.get(asset).status_code == 200, asset
    # swagger-ui's own sample pages (the Petstore from the internet) are not served
    for sample in ("index.html", "swagger-initializer.js", "oauth2-redirect.html"):
        assert api.client.get(f"/static/vendor/swagger-ui/{sample}").status_code == 404
    spec = api.client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/tickets/{ticket_id}/assignments/{no}/acknowledge" in spec["paths"]


def test_vendored_assets_match_their_manifest() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(root / "scripts" / "vendor-assets")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = json.loads((root / "src/hotline/web/static/vendor/manifest.json").read_text())
    packages = {p["name"]: p for p in manifest["packages"]}
    assert set(packages) == {"swagger-ui-dist", "htmx.org", "@alpinejs/csp", "echarts"}
    swagger, htmx = packages["swagger-ui-dist"], packages["htmx.org"]
    assert int(swagger["version"].split(".")[0]) >= 5
    assert swagger["license"] == "Apache-2.0" and "swagger-ui/LICENSE" in swagger["files"]
    assert htmx["version"].startswith("2.0.") and htmx["license"] == "0BSD"
    assert set(htmx["files"]) == {"htmx/htmx.min.js", "htmx/LICENSE"}
    alpine, echarts = packages["@alpinejs/csp"], packages["echarts"]
    assert alpine["version"].startswith("3.") and alpine["license"] == "MIT"
    assert echarts["version"].startswith("5.") and echarts["license"] == "Apache-2.0"
    assert "echarts/LICENSE" in echarts["files"] and "echarts/NOTICE" in echarts["files"]


def _ticket_count(p: Platform) -> int:
    from sqlalchemy import func

    with p.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(TicketRow)) or 0)


def test_a_lone_surrogate_in_json_text_is_refused_naming_the_field(api: Api) -> None:
    """JSON may escape half of a character ("\\ud800"): neither database can store it."""
    headers = {**api.p.headers("operator1"), "content-type": "application/json"}
    before = _ticket_count(api.p)
    body = b'{"kind": "complaint", "content": "\\u8def\\u706f\\ud800\\u574f\\u4e86"}'
    r = api.client.post("/api/v1/tickets", content=body, headers=headers)
    assert r.status_code == 422, r.text
    assert "content" in [e["field"] for e in r.json()["errors"]]
    assert _ticket_count(api.p) == before
