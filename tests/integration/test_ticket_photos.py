"""A unit's reply with photos (the ticket page's form and the multipart API), who sees which photo,
and the ticket page's forms over htmx — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.media.models import MediaRow
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.portal_client import code_of, exif_of, photo, stored_files, submit, words
from tests.integration.test_pages import csrf_of, logged_in
from tests.integration.test_portal import _ticket_id

HX = {"HX-Request": "true"}


def _files(*photos: bytes) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("photos", (f"p{i}.jpg", data, "image/jpeg")) for i, data in enumerate(photos)]


def _reply_api(p: Platform, user: str, t: int, no: int, reply: str, *photos: bytes, expect: int = 200) -> Any:
    r = p.client.post(
        f"/api/v1/tickets/{t}/assignments/{no}/reply-with-photos",
        data={"reply": reply},
        files=_files(*photos) or None,
        headers=p.headers(user),
    )
    assert r.status_code == expect, r.text[:1000]
    return r.json()


def _media(api: Api, user: str, t: int) -> list[dict[str, Any]]:
    return api.get(user, f"/api/v1/tickets/{t}/media")  # type: ignore[no-any-return]


def _media_rows(p: Platform) -> int:
    with p.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(MediaRow)) or 0)


def _state(api: Api, t: int, no: int) -> str:
    found = api.get("dispatcher", f"/api/v1/tickets/{t}")["assignments"]
    return str(next(a["state"] for a in found if a["no"] == no))


def _portal_photos(html: str) -> list[str]:
    return re.findall(r'<img src="/portal/r/[^"]+/media/([^"]+)"', html)


def _data_dir(p: Platform) -> Path:
    return p.client.app.state.settings.data_dir  # type: ignore[attr-defined,no-any-return]


def test_the_citizen_sees_their_photos_and_the_approved_answers_never_a_units_internal_ones(
    platform: Platform,
) -> None:
    p, api = platform, Api(platform)
    citizen = TestClient(p.client.app)
    code = code_of(
        submit(citizen, [("street.jpg", photo((800, 600)), "image/jpeg")], citizen_phone="13800007777")
    )
    t = _ticket_id(p, code)
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id("d-longwan")})
    api.on("handler.longwan", t, 1, "acknowledge")
    api.on("handler.longwan", t, 1, "delegate", {"unit_id": p.unit_id("s-longwan-zhongshan")})
    api.on("handler.zhongshan", t, 2, "acknowledge")

    # the street's first reply, with a photo, is rejected by its reviewer: it stays internal
    first = _reply_api(p, "handler.zhongshan", t, 2, "已到现场查看", photo((640, 480)))
    assert next(a for a in first["assignments"] if a["no"] == 2)["state"] == "replied"
    [rejected] = [m for m in _media(api, "reviewer.longwan", t) if m["source"] == "reply"]
    assert rejected["assignment_no"] == 2 and rejected["public"] is False
    api.on("reviewer.longwan", t, 2, "review", {"approve": False, "reason": "请补充修复后的照片"})
    second = _reply_api(p, "handler.zhongshan", t, 2, "路灯已修复", photo((640, 480)), photo((500, 500)))
    assert second["status"] in ("in_progress", "replied")

    # staff who may see the ticket see every photo, each with where it came from
    staff = _media(api, "handler.longwan", t)
    assert [m["source"] for m in staff] == ["citizen", "reply", "reply", "reply"]
    assert all(m["public"] is False for m in staff)
    assert api.get("handler.power", f"/api/v1/tickets/{t}/media", expect=403)

    # not public until the lead unit's reply (carried up from the street) is approved by the centre
    page = citizen.get(f"/portal/r/{code}").text
    [own] = _portal_photos(page)
    assert own == staff[0]["name"]
    api.on("reviewer.longwan", t, 2, "review", {"approve": True})
    assert _portal_photos(citizen.get(f"/portal/r/{code}").text) == [own]
    api.on("dispatcher", t, 1, "review", {"approve": True})

    shown = _portal_photos(citizen.get(f"/portal/r/{code}").text)
    answer = [m["name"] for m in staff[2:]]
    assert shown == [*answer, own]  # the answer's beside the answer, theirs under their request
    assert [m["name"] for m in _media(api, "dispatcher", t) if m["public"]] == answer
    served = citizen.get(f"/portal/r/{code}/media/{answer[0]}")
    assert served.status_code == 200 and exif_of(served.content) == ({}, {})
    # the rejected reply's photo: not on the page, and not served even to the citizen who knows its name
    assert rejected["name"] not in citizen.get(f"/portal/r/{code}").text
    assert citizen.get(f"/portal/r/{code}/media/{rejected['name']}").status_code == 404
    # the public tracking look-up (code alone) names no photo at all
    tracked = p.client.get(f"/api/v1/track/{code}").text
    assert not any(m["name"] in tracked for m in staff)


def test_a_bad_photo_is_refused_naming_photos_and_nothing_is_written(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("dept-urban")
    api.on("handler.urban", t, 1, "acknowledge")
    before_rows, before_files = _media_rows(p), stored_files(_data_dir(p))

    r = p.client.post(
        f"/api/v1/tickets/{t}/assignments/1/reply-with-photos",
        data={"reply": "已处理"},
        files=[
            ("photos", ("a.jpg", photo((300, 200)), "image/jpeg")),
            ("photos", ("b.jpg", b"not a photo", "image/jpeg")),
        ],
        headers=p.headers("handler.urban"),
    )
    assert r.status_code == 422 and r.json()["code"] == "media.type"
    assert [e["field"] for e in r.json()["errors"]] == ["photos"]
    too_many = p.client.post(
        f"/api/v1/tickets/{t}/assignments/1/reply-with-photos",
        data={"reply": "已处理"},
        files=_files(*(photo((100, 100)) for _ in range(4))),
        headers=p.headers("handler.urban"),
    )
    assert too_many.status_code == 422 and too_many.json()["code"] == "media.too_many"
    markup = p.client.post(
        f"/api/v1/tickets/{t}/assignments/1/reply-with-photos",
        data={"reply": "<b>已处理</b>"},
        files=_files(photo((100, 100))),
        headers=p.headers("handler.urban"),
    )
    assert markup.status_code == 422
    # a photo on an assignment the unit does not hold: the workflow refuses, the file is removed
    other = p.client.post(
        f"/api/v1/tickets/{t}/assignments/1/reply-with-photos",
        data={"reply": "已处理"},
        files=_files(photo((100, 100))),
        headers=p.headers("handler.power"),
    )
    assert other.status_code == 403

    # the page's form: 422 with the message beside the photos field, the reply text kept
    b = logged_in(p, "handler.urban")
    token = csrf_of(b.get(f"/tickets/{t}").text)
    page = b.post(
        f"/tickets/{t}/assignments/1/reply",
        data={"csrf": token, "reply": "井盖已更换"},
        files=[("photos", ("x.png", b"\x89PNG broken", "image/png"))],
    )
    assert page.status_code == 422
    assert "井盖已更换" in page.text and re.search(r'id="reply-photos-1"[^>]*autofocus', page.text)
    assert "照片" in words(page.text)

    assert _state(api, t, 1) == "acknowledged"
    assert _media_rows(p) == before_rows and stored_files(_data_dir(p)) == before_files


def test_a_reply_with_photos_from_the_page_without_javascript(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("ent-power")
    b = logged_in(p, "handler.power")
    token = csrf_of(b.get(f"/tickets/{t}").text)
    assert b.post(f"/tickets/{t}/assignments/1/acknowledge", data={"csrf": token}).status_code == 303
    page = b.get(f"/tickets/{t}").text
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
    r = b.post(
        f"/tickets/{t}/assignments/1/reply",
        data={"csrf": token, "reply": "线路已抢修"},
        files=_files(photo((2400, 1800))),
    )
    assert (r.status_code, r.headers["location"]) == (303, f"/tickets/{t}?done=reply#a1")
    page = b.get(r.headers["location"]).text
    [src] = re.findall(r'<img src="(/tickets/\d+/media/[^"]+)"', page)
    served = b.get(src)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert exif_of(served.content) == ({}, {})  # camera and position removed
    assert logged_in(p, "handler.urban").get(src).status_code == 403  # another unit's ticket
    found = api.get("admin", f"/api/v1/audit?action=media.photo.attached&entity_type=ticket&entity_id={t}")
    assert [e["actor"]["name"] for e in found["items"]] == ["handler.power"]  # who attached it, audited


def test_the_ticket_pages_forms_over_htmx(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("dept-market")
    b = logged_in(p, "handler.market")
    page = b.get(f"/tickets/{t}").text
    token = csrf_of(page)
    assert 'id="ticket-main"' in page and "/static/ticket.js" in page
    assert re.search(r'hx-post="/tickets/\d+/assignments/1/send-back"', page)

    # success: the ticket's part of the page, refreshed, without the layout
    r = b.post(f"/tickets/{t}/assignments/1/acknowledge", data={"csrf": token}, headers=HX)
    assert r.status_code == 200 and r.text.lstrip().startswith('<div id="ticket-main"')
    assert "<html" not in r.text and "已提交：签收" in r.text
    assert 'assignments/1/reply"' in r.text and "assignments/1/acknowledge" not in r.text  # new actions
    assert "签收" in words(r.text.split('class="timeline"', 1)[1])  # the timeline has the step

    # a refusal: 422 with the API's message, what was typed kept, the field focused
    r = b.post(
        f"/tickets/{t}/assignments/1/extension",
        data={"csrf": token, "until": "2020-01-01T09:00", "reason": "需要检测"},
        headers=HX,
    )
    assert r.status_code == 422 and r.text.lstrip().startswith('<div id="ticket-main"')
    assert "延期" in words(r.text) and "需要检测" in r.text
    assert re.search(r"<details class=\"action\" open>\s*<summary>申请延期", r.text)
    assert re.search(r'<textarea id="extension-reason-1"[^>]*autofocus', r.text)
    r = b.post(f"/tickets/{t}/assignments/1/send-back", data={"csrf": token, "reason": ""}, headers=HX)
    assert r.status_code == 422 and "请填写原因" in r.text
    assert re.search(r'<textarea id="send_back-reason-1"[^>]*autofocus', r.text)
    assert _state(api, t, 1) == "acknowledged"

    # a reply with a photo over htmx: the fragment shows it under the reply
    r = b.post(
        f"/tickets/{t}/assignments/1/reply",
        data={"csrf": token, "reply": "已责令商户整改"},
        files=_files(photo((400, 300))),
        headers=HX,
    )
    assert r.status_code == 200 and "已提交：办理反馈" in r.text
    assert len(re.findall(r'<img src="/tickets/\d+/media/', r.text)) == 1
    assert _state(api, t, 1) == "replied"


def test_a_reply_may_carry_photos_larger_than_other_bodies(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("dept-urban")
    api.on("handler.urban", t, 1, "acknowledge")
    big = b"\xff\xd8" + b"0" * 2_500_000  # over HOTLINE_MAX_BODY_BYTES (2 MB), under a photo's 10 MB
    r = p.client.post(
        f"/api/v1/tickets/{t}/assignments/1/reply-with-photos",
        data={"reply": "已处理"},
        files=_files(big),
        headers=p.headers("handler.urban"),
    )
    assert r.status_code == 422 and r.json()["code"] == "media.type"  # read, then refused by content
    b = logged_in(p, "handler.urban")
    token = csrf_of(b.get(f"/tickets/{t}").text)
    page = b.post(
        f"/tickets/{t}/assignments/1/reply", data={"csrf": token, "reply": "已处理"}, files=_files(big)
    )
    assert page.status_code == 422
    other = b.post(
        f"/tickets/{t}/assignments/1/contact", data={"csrf": token, "note": "x"}, files=_files(big)
    )
    assert other.status_code == 413  # every other form keeps the ordinary limit
    assert _state(api, t, 1) == "acknowledged"
