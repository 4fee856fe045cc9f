"""The citizen portal and its photos (media/), on both databases: what a citizen and the staff
see, what is refused, and that a refused request leaves nothing behind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.app import create_app
from hotline.config import Settings
from hotline.media.models import MediaRow
from hotline.tickets.models import TicketRow
from tests import conftest
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.portal_client import (
    code_of,
    csrf,
    exif_of,
    photo,
    stored_files,
    submit,
    words,
)
from tests.integration.test_pages import logged_in


def _fresh(platform: Platform) -> TestClient:
    """A browser of its own (own cookies) on the shared app."""
    return TestClient(platform.client.app)


def _data_dir(platform: Platform) -> Path:
    return platform.client.app.state.settings.data_dir  # type: ignore[attr-defined,no-any-return]


def _counts(platform: Platform) -> tuple[int, int]:
    with platform.db.read() as s:
        return s.scalar(select(func.count()).select_from(TicketRow)), s.scalar(
            select(func.count()).select_from(MediaRow)
        )


def _ticket_id(platform: Platform, code: str) -> int:
    with platform.db.read() as s:
        found = s.scalar(select(TicketRow.id).where(TicketRow.tracking_code == code))
    assert found is not None
    return found


def _photo_urls(html: str) -> list[str]:
    return re.findall(r'<img src="(/portal/r/[^"]+/media/[^"]+)"', html)


def test_a_photo_is_kept_resized_without_exif_or_position_and_shown_only_to_its_citizen(
    platform: Platform,
) -> None:
    citizen = _fresh(platform)
    original = photo((3000, 2000))
    assert exif_of(original)[1], "the test photo carries a GPS position"
    r = submit(citizen, [("street.jpg", original, "image/jpeg")], citizen_phone="13800002222")
    code = code_of(r)

    page = citizen.get(r.headers["location"])
    assert page.status_code == 200
    text = words(page.text)
    assert code in text and "已受理" in text and "小区门口的路灯坏了三天" in text
    assert "138****2222" in text and "13800002222" not in text
    [url] = _photo_urls(page.text)

    served = citizen.get(url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert "private" in served.headers["cache-control"]
    tags, gps = exif_of(served.content)
    assert gps == {} and tags == {}, "camera and GPS tags are gone"
    import io

    from PIL import Image

    with Image.open(io.BytesIO(served.content)) as image:
        assert max(image.size) == 1600  # bounded (settings: media_max_side)

    # stored under the data dir, not the web root, by a random name
    name = url.rsplit("/", 1)[1]
    [path] = [p for p in stored_files(_data_dir(platform)) if p.name == name]
    assert "static" not in path.parts
    assert platform.client.get(f"/static/{name}").status_code == 404

    # another browser: neither the photo nor the request's words without the digits
    stranger = _fresh(platform)
    assert stranger.get(url).status_code == 403
    locked = stranger.get(f"/portal/r/{code}")
    assert locked.status_code == 200
    assert "小区门口" not in locked.text and "2222" not in locked.text and "media" not in locked.text
    assert "存在" in words(locked.text)


def test_staff_see_the_photo_if_they_may_see_the_ticket(platform: Platform) -> None:
    api = Api(platform)
    r = submit(_fresh(platform), [("a.png", photo((800, 600), fmt="PNG"), "image/png")])
    tid = _ticket_id(platform, code_of(r))
    listed = api.get("operator1", f"/api/v1/tickets/{tid}/media")
    assert [m["content_type"] for m in listed] == ["image/jpeg"]  # no transparency: kept as JPEG
    assert listed[0]["uploaded_by"] == "citizen" and listed[0]["width"] == 800
    got = platform.client.get(listed[0]["url"], headers=platform.headers("operator1"))
    assert got.status_code == 200 and got.content[:3] == b"\xff\xd8\xff"
    # a unit that does not hold the ticket may not see it, nor its photos
    refused = platform.client.get(listed[0]["url"], headers=platform.headers("handler.water"))
    assert refused.status_code == 403
    assert platform.client.get(listed[0]["url"]).status_code == 401
    # the staff pages' session opens it the same way, under the same rule
    name = listed[0]["name"]
    assert logged_in(platform, "operator1").get(f"/tickets/{tid}/media/{name}").status_code == 200
    assert logged_in(platform, "handler.water").get(f"/tickets/{tid}/media/{name}").status_code == 403
    assert _fresh(platform).get(f"/tickets/{tid}/media/{name}", follow_redirects=False).status_code == 303
    # the audit says who attached what, when
    audit = api.get("admin", f"/api/v1/audit?entity_type=ticket&entity_id={tid}&action=media")["items"]
    assert [e["action"] for e in audit] == ["media.photo.attached"]
    assert audit[0]["actor"] == {"user_id": None, "name": "citizen"}
    assert (
        audit[0]["after"]["content_type"] == "image/jpeg"
        and audit[0]["after"]["original_type"] == "image/png"
    )


def test_sharing_a_position_keeps_the_photos_gps_and_a_gcj02_point_is_converted(platform: Platform) -> None:
    api = Api(platform)
    citizen = _fresh(platform)
    # AMap shows this GCJ-02 point for WGS-84 (39.915, 116.404) (published reference values)
    r = submit(
        citizen,
        [("a.jpg", photo(), "image/jpeg")],
        latitude="39.91640428150164",
        longitude="116.41024449916938",
        datum="gcj02",
    )
    code = code_of(r)
    ticket = api.get("operator1", f"/api/v1/tickets/{_ticket_id(platform, code)}")
    assert ticket["latitude"] == pytest.approx(39.915, abs=1e-6)
    assert ticket["longitude"] == pytest.approx(116.404, abs=1e-6)
    [url] = _photo_urls(citizen.get(f"/portal/r/{code}").text)
    tags, gps = exif_of(citizen.get(url).content)
    assert gps[1] == "N" and gps[3] == "E" and 0x010F not in tags  # the place, not the camera


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (
            ("evil.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/jpeg"),
            "只接受 JPEG、PNG 或 WebP 照片",
        ),
        (("cut.jpg", photo()[:3000], "image/jpeg"), "照片文件已损坏"),
        (("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"), "只接受 JPEG、PNG 或 WebP 照片"),
        (("huge.jpg", b"\xff\xd8\xff" + b"\0" * 10_000_000, "image/jpeg"), "照片超过 10000000 字节"),
    ],
    ids=["not-an-image", "truncated", "gif", "oversized"],
)
def test_a_bad_photo_is_refused_naming_the_field_and_creates_nothing(
    platform: Platform, upload: tuple[str, bytes, str], code: str
) -> None:
    before, files = _counts(platform), stored_files(_data_dir(platform))
    r = submit(_fresh(platform), [upload], expect=422)
    assert code in words(r.text)
    assert 'id="photos"' in r.text and "小区门口的路灯坏了三天" in r.text  # the form comes back filled
    assert _counts(platform) == before
    assert stored_files(_data_dir(platform)) == files


def test_more_photos_than_allowed_are_refused(platform: Platform) -> None:
    before = _counts(platform)
    four = [(f"{i}.jpg", photo((400, 300)), "image/jpeg") for i in range(4)]
    r = submit(_fresh(platform), four, expect=422)
    assert "最多上传 3 张照片" in words(r.text)
    assert _counts(platform) == before


def test_a_failed_transaction_leaves_no_file_behind(platform: Platform) -> None:
    """Files are written before the rows; when the transaction fails, they are removed again."""
    from hotline.media import service
    from hotline.media.images import Limits, prepare

    root = _data_dir(platform) / "media" / "uploads"
    files, before = stored_files(_data_dir(platform)), _counts(platform)
    prepared = [prepare(photo((300, 200)), Limits(), field="photos")]
    with pytest.raises(RuntimeError), service.staged(root, prepared) as staging, platform.db.write() as s:
        service.attach(s, 1, staging.stored, service.CITIZEN, platform.clock())
        assert len(stored_files(_data_dir(platform))) == len(files) + 1
        raise RuntimeError("the database went away")
    assert stored_files(_data_dir(platform)) == files
    assert _counts(platform) == before


def test_form_problems_are_named_and_nothing_is_written(platform: Platform) -> None:
    before = _counts(platform)
    citizen = _fresh(platform)
    r = submit(citizen, expect=422, citizen_phone="", kind="complaint")
    assert "需留下手机号码" in words(r.text)
    r = submit(citizen, expect=422, content="<script>alert(1)</script>")
    assert "HTML" in words(r.text)
    r = submit(citizen, expect=422, latitude="north", longitude="110")
    assert "位置坐标无效" in words(r.text)
    r = submit(citizen, expect=422, kind="")
    assert r.status_code == 422
    r = citizen.post(
        "/portal/new", data={"kind": "complaint", "content": "x", "citizen_phone": "13800001111"}
    )
    assert r.status_code == 403  # no CSRF token
    assert _counts(platform) == before


def test_an_emergency_is_told_to_call_first_and_nothing_is_sent_until_confirmed(platform: Platform) -> None:
    before = _counts(platform)
    citizen = _fresh(platform)
    r = submit(citizen, expect=200, content="楼道里着火了，浓烟很大")
    text = words(r.text)
    assert "请立即拨打 119" in text and 'href="tel:119"' in r.text
    assert _counts(platform) == before
    hint = citizen.post("/portal/emergency", data={"content": "有人晕倒了"})
    assert "请立即拨打 120" in words(hint.text)
    assert citizen.post("/portal/emergency", data={"content": "路灯不亮"}).text.strip() == ""
    submit(citizen, content="楼道里着火了，浓烟很大", not_emergency="1")
    assert _counts(platform)[0] == before[0] + 1


def test_a_consultation_without_phone_shows_its_public_steps_only(platform: Platform) -> None:
    citizen = _fresh(platform)
    r = submit(citizen, kind="consultation", content="社保卡怎么补办？", citizen_phone="")
    code = code_of(r)
    page = _fresh(platform).get(f"/portal/r/{code}")
    text = words(page.text)
    assert "您的诉求已受理" in text and "社保卡" not in text and "补充信息" not in text


def test_the_digits_unlock_the_page_and_a_double_tap_makes_one_request(platform: Platform) -> None:
    citizen = _fresh(platform)
    key = "tap-" + code_of(submit(_fresh(platform)))  # any unique key
    first = submit(citizen, idempotency_key=key, citizen_phone="13800003333")
    second = submit(citizen, idempotency_key=key, citizen_phone="13800003333")
    assert code_of(first) == code_of(second)
    code = code_of(first)

    other = _fresh(platform)
    token = csrf(other)
    wrong = other.post(
        "/portal/track", data={"csrf": token, "code": code, "digits": "0000"}, follow_redirects=False
    )
    assert wrong.status_code == 403 and "后四位不正确" in words(wrong.text) and "小区门口" not in wrong.text
    missing = other.post("/portal/track", data={"csrf": token, "code": "NOSUCH2345", "digits": "3333"})
    assert missing.status_code == 404 and "查询码不存在" in words(missing.text)
    right = other.post(
        "/portal/track", data={"csrf": token, "code": code.lower(), "digits": "3333"}, follow_redirects=False
    )
    assert right.status_code == 303 and right.headers["location"] == f"/portal/r/{code}"
    assert "小区门口" in other.get(f"/portal/r/{code}").text


def test_a_citizen_adds_information_and_a_photo_then_withdraws(platform: Platform) -> None:
    api = Api(platform)
    citizen = _fresh(platform)
    code = code_of(submit(citizen, citizen_phone="13800004444"))
    tid = _ticket_id(platform, code)
    token = csrf(citizen, f"/portal/r/{code}")
    r = citizen.post(
        f"/portal/r/{code}/add",
        data={"csrf": token, "text": "今晚又灭了两盏"},
        files=[("photos", ("b.jpg", photo((900, 700)), "image/jpeg"))],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = citizen.get(r.headers["location"])
    assert "补充信息已提交" in words(page.text) and "您已补充信息" in words(page.text)
    assert len(_photo_urls(page.text)) == 1
    [added] = [e for e in api.events("operator1", tid) if e["tag"] == "ticket.information_added"]
    assert added["payload"]["text"] == "今晚又灭了两盏" and len(added["payload"]["media"]) == 1
    assert added["reason"] == "今晚又灭了两盏"  # the staff timeline shows it (ticket page, API)

    # empty additions and strangers are refused, and write nothing
    empty = citizen.post(f"/portal/r/{code}/add", data={"csrf": token, "text": " "})
    assert empty.status_code == 422 and "请填写补充内容" in words(empty.text)
    stranger = _fresh(platform)
    t2 = csrf(stranger)
    assert stranger.post(f"/portal/r/{code}/add", data={"csrf": t2, "text": "x"}).status_code == 403
    assert stranger.post(f"/portal/r/{code}/withdraw", data={"csrf": t2}).status_code == 403
    assert len([e for e in api.events("operator1", tid) if e["tag"] == "ticket.information_added"]) == 1

    r = citizen.post(
        f"/portal/r/{code}/withdraw", data={"csrf": token, "reason": "已经修好了"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = citizen.get(r.headers["location"])
    assert "诉求已撤回" in words(page.text) and "已撤单" in words(page.text)
    assert api.get("operator1", f"/api/v1/tickets/{tid}")["status"] == "withdrawn"
    late = citizen.post(f"/portal/r/{code}/add", data={"csrf": token, "text": "还有"})
    assert late.status_code == 409


def test_a_citizen_rates_the_result_on_the_portal(platform: Platform) -> None:
    api = Api(platform)
    citizen = _fresh(platform)
    code = code_of(submit(citizen, citizen_phone="13800005555"))
    tid = _ticket_id(platform, code)
    api.act("dispatcher", tid, "dispatch", {"lead_unit_id": platform.unit_id("d-longwan")})
    api.on("handler.longwan", tid, 1, "acknowledge")
    api.on("handler.longwan", tid, 1, "reply", {"reply": "路灯已更换，恢复照明。"})
    api.on("dispatcher", tid, 1, "review", {"approve": True})
    page = citizen.get(f"/portal/r/{code}")
    assert "评价办理结果" in words(page.text) and "路灯已更换，恢复照明。" in words(page.text)
    token = csrf(citizen, f"/portal/r/{code}")
    bad = citizen.post(f"/portal/r/{code}/rate", data={"csrf": token, "contacted": "yes", "solved": "yes"})
    assert bad.status_code == 422
    r = citizen.post(
        f"/portal/r/{code}/rate",
        data={"csrf": token, "contacted": "yes", "solved": "yes", "satisfaction": "satisfied"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    ticket = api.get("operator1", f"/api/v1/tickets/{tid}")
    assert ticket["status"] == "followed_up"
    [fu] = [e for e in api.events("operator1", tid) if e["tag"] == "ticket.followed_up"]
    assert fu["payload"]["method"] == "portal" and fu["payload"]["satisfaction"] == "satisfied"


@pytest.fixture
def strict(platform: Platform, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=platform.db.url,
        demo=False,
        routing_auto_dispatch=False,
        throttle_unlock_per_code="3/1h",
        throttle_tracking_per_address="100/1m",
    )
    with TestClient(create_app(settings, clock=conftest.TestClock(), db=platform.db)) as client:
        yield client


def test_guessing_the_digits_is_throttled_per_code(platform: Platform, strict: TestClient) -> None:
    code = code_of(submit(_fresh(platform), citizen_phone="13800006666"))
    token = csrf(strict)
    for guess in ("0000", "1111", "2222"):
        r = strict.post("/portal/track", data={"csrf": token, "code": code, "digits": guess})
        assert r.status_code == 403
    r = strict.post("/portal/track", data={"csrf": token, "code": code, "digits": "6666"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0  # even the right digits now wait
    assert "尝试次数过多" in words(r.text)
    # a cookie is no way around it: digits in a cookie are checked under the same allowance
    strict.cookies.set("hotline_portal_key", "6666", path=f"/portal/r/{code}")
    assert strict.get(f"/portal/r/{code}").status_code == 429
