"""The grid worker (docs/grid.md), on both databases: a report from the street (channel grid, its
photo, a resend that makes no second ticket, a bad photo that makes nothing), the grid's own
assignment (acknowledge, arrive on site, contact, reply with photos before and after), and
verification on site (核查): who may ask, passed, failed sending the reply back to the unit."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.media.models import MediaRow
from hotline.tickets.models import TicketRow
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.portal_client import photo
from tests.integration.test_pages import csrf_of, logged_in

BOAI_GRID_1 = {"latitude": 20.007, "longitude": 110.2905}  # the centre of 博爱社区第一网格


def _counts(platform: Platform) -> tuple[int, int]:
    with platform.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(TicketRow)) or 0,
            s.scalar(select(func.count()).select_from(MediaRow)) or 0,
        )


def _report(
    worker: TestClient, key: str, *, photos: list[bytes] | None = None, json: bool = True, **fields: Any
) -> Any:
    token = csrf_of(worker.get("/grid/report").text)
    data = {
        "csrf": token,
        "idempotency_key": key,
        "kind": "help",
        "content": "博爱路12号前井盖缺失，行人容易踩空",
        "address": "博爱路12号",
        "latitude": "20.0070000",
        "longitude": "110.2905000",
        **fields,
    }
    files = [("photos", (f"p{i}.jpg", p, "image/jpeg")) for i, p in enumerate(photos or [])]
    headers = {"Accept": "application/json"} if json else {}
    return worker.post("/grid/report", data=data, files=files or None, headers=headers)


def test_a_report_from_the_street_enters_as_channel_grid_once_with_its_photo(platform: Platform) -> None:
    api = Api(platform)
    worker = logged_in(platform, "grid.boai1")
    home = worker.get("/grid")
    assert home.status_code == 200 and "上报问题" in home.text
    before = _counts(platform)
    key = f"grid-{platform.backend}-one"
    r = _report(worker, key, photos=[photo((2400, 1800))], category_code="")
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["replayed"] is False and first["tracking_code"]
    # the phone did not hear the answer and sends again: the same ticket, no second one, one photo
    again = _report(worker, key, photos=[photo((2400, 1800))], category_code="")
    assert again.status_code == 200 and again.json() == {**first, "replayed": True}
    assert _counts(platform) == (before[0] + 1, before[1] + 1)
    t = api.get("dispatcher", f"/api/v1/tickets/{first['ticket_id']}")
    assert t["channel"] == "grid" and t["kind"] == "help"
    assert (t["latitude"], t["longitude"]) == (20.007, 110.2905)
    media = api.get("dispatcher", f"/api/v1/tickets/{first['ticket_id']}/media")
    assert len(media) == 1 and max(media[0]["width"], media[0]["height"]) <= 1600
    # it is in the worker's own list
    assert first["tracking_code"] in worker.get("/grid").text


def test_a_report_without_javascript_redirects_and_a_bad_one_makes_nothing(platform: Platform) -> None:
    worker = logged_in(platform, "grid.boai1")
    before = _counts(platform)
    r = _report(worker, f"grid-{platform.backend}-bad", photos=[b"not a photo at all"], json=False)
    assert r.status_code == 422
    assert "照片" in r.text or "图片" in r.text  # the message beside the photos field
    r = _report(worker, f"grid-{platform.backend}-bad2", photos=[b"\xff\xd8\xff broken"], json=True)
    assert r.status_code == 422 and r.json()["code"].startswith("media.")
    assert "photos" in r.json()["errors"]
    r = _report(worker, f"grid-{platform.backend}-empty", content="", json=True)
    assert r.status_code == 422 and "content" in r.json()["errors"]
    assert _counts(platform) == before  # nothing written
    r = _report(worker, f"grid-{platform.backend}-plain", json=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/grid?reported=")


def test_only_grid_workers_open_the_grid_pages(platform: Platform) -> None:
    english = logged_in(platform, "grid.boai2", **{"Accept-Language": "en"})
    assert "Report a problem" in english.get("/grid").text
    assert "Send report" in english.get("/grid/report").text
    handler = logged_in(platform, "handler.boai")
    assert handler.get("/grid").status_code == 403
    assert handler.get("/grid/report").status_code == 403


def _dispatched_to_boai(api: Api) -> int:
    t = api.intake(content="博爱社区3栋门口路灯不亮", **BOAI_GRID_1)
    api.act("dispatcher", t["id"], "dispatch", {"lead_unit_id": api.p.unit_id("c-longwan-boai")})
    return int(t["id"])


def test_the_grid_works_its_assignment_arrives_on_site_and_replies_with_photos(platform: Platform) -> None:
    api = Api(platform)
    ticket = _dispatched_to_boai(api)
    api.on("handler.boai", ticket, 1, "acknowledge")
    api.on("handler.boai", ticket, 1, "delegate", {"unit_id": platform.unit_id("g-longwan-boai-1")})
    worker = logged_in(platform, "grid.boai1")
    home = worker.get("/grid").text
    assert f"/grid/a/{ticket}/2" in home and 'data-due="' in home  # with its countdown
    page = worker.get(f"/grid/a/{ticket}/2")
    token = csrf_of(page.text)
    assert worker.post(f"/grid/a/{ticket}/2/acknowledge", data={"csrf": token}).status_code == 303
    # arrival through the API: once, with the phone's position
    t = api.on("grid.boai1", ticket, 2, "arrive", {"latitude": 20.0071, "longitude": 110.2906})
    assert t["assignments"][1]["arrived_at"] is not None
    api.on("grid.boai1", ticket, 2, "arrive", {}, expect=409)
    half = api.on("grid.boai1", ticket, 2, "arrive", {"latitude": 20.0}, expect=400)  # as intake says it
    assert half["errors"][0]["code"] == "coordinates.incomplete"
    api.on("grid.boai1", ticket, 2, "arrive", {"latitude": 91.0, "longitude": 110.0}, expect=422)
    api.on("grid.boai2", ticket, 2, "arrive", {}, expect=403)
    assert (
        worker.post(f"/grid/a/{ticket}/2/contact", data={"csrf": token, "note": "已电话联系"}).status_code
        == 303
    )
    # a bad photo refuses the reply and writes nothing
    bad = worker.post(
        f"/grid/a/{ticket}/2/reply",
        data={"csrf": token, "reply": "已更换灯泡"},
        files=[("photos_after", ("x.jpg", b"garbage", "image/jpeg"))],
    )
    assert bad.status_code == 422
    assert api.get("dispatcher", f"/api/v1/tickets/{ticket}")["assignments"][1]["state"] == "contacted"
    r = worker.post(
        f"/grid/a/{ticket}/2/reply",
        data={"csrf": token, "reply": "已更换灯泡，恢复照明"},
        files=[
            ("photos_before", ("before.jpg", photo((800, 600)), "image/jpeg")),
            ("photos_after", ("after.jpg", photo((800, 600)), "image/jpeg")),
        ],
    )
    assert r.status_code == 303, r.text
    events = api.events("dispatcher", ticket)
    tags = [e["tag"] for e in events]
    assert "assignment.arrived" in tags
    replied = next(e for e in events if e["tag"] == "assignment.replied")
    assert replied["assignment_no"] == 2
    assert len(api.get("dispatcher", f"/api/v1/tickets/{ticket}/media")) == 2
    page = worker.get(f"/grid/a/{ticket}/2").text
    assert "已更换灯泡，恢复照明" in page and "到达现场" in page


def _replied_by_boai(api: Api) -> int:
    ticket = _dispatched_to_boai(api)
    api.on("handler.boai", ticket, 1, "acknowledge")
    api.on("handler.boai", ticket, 1, "reply", {"reply": "已修复路灯"})
    return ticket


def test_who_may_ask_a_grid_to_verify_a_reply(platform: Platform) -> None:
    api = Api(platform)
    ticket = _replied_by_boai(api)
    grid = platform.unit_id("g-longwan-boai-1")
    api.on("handler.boai", ticket, 1, "verification", {"grid_unit_id": grid}, expect=403)
    api.on("grid.boai1", ticket, 1, "verification", {"grid_unit_id": grid}, expect=403)
    refused = api.on("reviewer.urban", ticket, 1, "verification", {"grid_unit_id": grid}, expect=403)
    assert refused["code"] == "verification.not_above"
    not_grid = api.on(
        "dispatcher",
        ticket,
        1,
        "verification",
        {"grid_unit_id": platform.unit_id("c-longwan-boai")},
        expect=422,
    )
    assert not_grid["code"] == "verification.not_a_grid"
    # a reviewer of a unit above the community may ask; the grid of the place is found by itself
    t = api.on("reviewer.longwan", ticket, 1, "verification", {"note": "路灯修好了吗？"})
    assert t["assignments"][0]["verify_unit"]["id"] == grid
    api.on("supervisor", ticket, 1, "verification", {}, expect=409)
    # review waits for the grid's finding
    api.on("dispatcher", ticket, 1, "review", {"approve": True}, expect=409)
    api.on("grid.boai2", ticket, 1, "verification/answer", {"passed": True}, expect=403)


def test_a_verification_fails_then_passes_on_the_grid_workers_page(platform: Platform) -> None:
    api = Api(platform)
    ticket = _replied_by_boai(api)
    due = api.get("dispatcher", f"/api/v1/tickets/{ticket}")["assignments"][0]["reply_due_at"]
    # the dispatcher asks from the staff ticket page: the grid of the place
    staff = logged_in(platform, "dispatcher")
    page = staff.get(f"/tickets/{ticket}").text
    assert "要求核查" in page
    r = staff.post(
        f"/tickets/{ticket}/assignments/1/verification", data={"csrf": csrf_of(page), "note": "灯亮了吗"}
    )
    assert r.status_code == 303
    worker = logged_in(platform, "grid.boai1")
    home = worker.get("/grid").text
    assert f"/grid/v/{ticket}/1" in home and "灯亮了吗" in home
    page = worker.get(f"/grid/v/{ticket}/1")
    assert page.status_code == 200 and "已修复路灯" in page.text
    token = csrf_of(page.text)
    # failed needs a reason; a bad photo is refused; neither changes anything
    r = worker.post(f"/grid/v/{ticket}/1", data={"csrf": token, "outcome": "failed"})
    assert r.status_code == 422
    r = worker.post(
        f"/grid/v/{ticket}/1",
        data={"csrf": token, "outcome": "failed", "note": "仍不亮"},
        files=[("photos", ("x.jpg", b"GIF89a nope", "image/jpeg"))],
    )
    assert r.status_code == 422
    assert api.get("dispatcher", f"/api/v1/tickets/{ticket}")["status"] == "replied"
    r = worker.post(
        f"/grid/v/{ticket}/1",
        data={
            "csrf": token,
            "outcome": "failed",
            "note": "晚上8点查看，路灯仍不亮",
            **{k: str(v) for k, v in BOAI_GRID_1.items()},
        },
        files=[("photos", ("night.jpg", photo((1200, 900)), "image/jpeg"))],
    )
    assert r.status_code == 303 and r.headers["location"] == "/grid?verified=failed"
    t = api.get("dispatcher", f"/api/v1/tickets/{ticket}")
    a = t["assignments"][0]
    assert t["status"] == "in_progress" and a["state"] == "acknowledged" and a["reply"] is None
    assert a["verifications_failed"] == 1 and a["reply_due_at"] == due  # same deadlines
    failed = next(e for e in api.events("dispatcher", ticket) if e["tag"] == "verification.failed")
    assert failed["assignment_no"] == 1
    # the unit replies again; the centre asks once more, naming the grid; it passes (API)
    api.on("handler.boai", ticket, 1, "reply", {"reply": "已更换整套灯具"})
    api.on("dispatcher", ticket, 1, "verification", {"grid_unit_id": platform.unit_id("g-longwan-boai-1")})
    api.on("grid.boai1", ticket, 1, "verification/answer", {"passed": False}, expect=422)
    t = api.on("grid.boai1", ticket, 1, "verification/answer", {"passed": True, **BOAI_GRID_1})
    assert t["status"] == "replied" and t["assignments"][0]["verify_unit"] is None
    api.on("dispatcher", ticket, 1, "review", {"approve": True})
    tags = [e["tag"] for e in api.events("dispatcher", ticket)]
    assert tags.count("verification.requested") == 2 and "verification.passed" in tags


def test_a_grid_worker_lands_on_the_grid_page_and_a_handler_on_the_inbox(platform: Platform) -> None:
    """Logged in without a page asked for, each lands on their own first page; an asked-for page wins."""
    from tests.integration.test_pages import browser

    def land(username: str, next_page: str | None = None) -> str:
        b = browser(platform)
        token = csrf_of(b.get("/login" + (f"?next={next_page}" if next_page else "")).text)
        data = {"username": username, "password": f"Demo-{username}-2026", "csrf": token}
        if next_page:
            data["next"] = next_page
        r = b.post("/login", data=data)
        assert r.status_code == 303, r.text
        return r.headers["location"]

    assert land("grid.boai1") == "/grid"
    assert land("handler.longwan") == "/inbox"
    assert land("operator1") == "/workbench"
    assert land("grid.boai1", "/inbox") == "/inbox"
