"""The ticket page's actions over HTTP, as a browser without JavaScript sends them: each form
posts, the same command runs as through the API, and the browser is sent back (303) to the ticket;
only the forms the user may use are shown; a refusal shows the API's message with its status."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_pages import browser, csrf_of, logged_in


def _forms(html: str) -> set[str]:
    """The action paths of the ticket page's forms (after /assignments/{no}/)."""
    return set(re.findall(r'action="/tickets/\d+/assignments/(\d+/[a-z/-]+)"', html))


def _post(b: TestClient, ticket: int, no: int, path: str, **fields: str) -> tuple[int, str]:
    page = b.get(f"/tickets/{ticket}")
    r = b.post(f"/tickets/{ticket}/assignments/{no}/{path}", data={"csrf": csrf_of(page.text), **fields})
    return r.status_code, r.headers.get("location") or r.text


def _state(api: Api, ticket: int, no: int) -> str:
    t = api.get("dispatcher", f"/api/v1/tickets/{ticket}")
    return next(a["state"] for a in t["assignments"] if a["no"] == no)


def test_a_unit_works_a_ticket_from_its_page_and_the_parent_reviews(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("d-longwan")
    b = logged_in(p, "handler.longwan")
    assert _forms(b.get(f"/tickets/{t}").text) == {"1/acknowledge", "1/send-back"}
    assert _post(b, t, 1, "acknowledge") == (303, f"/tickets/{t}")
    assert _forms(b.get(f"/tickets/{t}").text) == {
        "1/contact",
        "1/reply",
        "1/delegate",
        "1/extension",
        "1/send-back",
    }
    page = b.get(f"/tickets/{t}").text
    assert "龙湾区中山街道办事处" in page  # the select of the unit's children
    status, where = _post(b, t, 1, "contact", note="已电话联系市民")
    assert (status, where) == (303, f"/tickets/{t}?done=contact#a1")
    assert "已提交：联系诉求人" in b.get(where).text
    zhongshan = str(p.unit_id("s-longwan-zhongshan"))
    assert _post(b, t, 1, "delegate", unit_id=zhongshan, note="请中山街道核实")[0] == 303
    assert _state(api, t, 2) == "pending"

    street = logged_in(p, "handler.zhongshan")
    assert _post(street, t, 2, "acknowledge")[0] == 303
    assert _post(street, t, 2, "reply", reply="已安排人员修复路灯")[0] == 303
    assert _state(api, t, 2) == "replied"
    # The reviewer of the district sees the review form; the district's handler does not.
    assert "2/review" not in _forms(b.get(f"/tickets/{t}").text)
    reviewer = logged_in(p, "reviewer.longwan")
    # (and, being above the street, may ask a grid to verify the reply on site: docs/grid.md)
    assert _forms(reviewer.get(f"/tickets/{t}").text) == {"2/review", "2/verification"}
    status, body = _post(reviewer, t, 2, "review", decision="reject")
    assert status == 422 and "请填写原因" in body and "办理反馈" in body  # the page again, with the reason
    assert _post(reviewer, t, 2, "review", decision="reject", reason="请补充修复后的情况")[0] == 303
    assert _state(api, t, 2) in ("acknowledged", "contacted")
    assert _post(street, t, 2, "reply", reply="路灯已修复，夜间照明正常")[0] == 303
    assert _post(reviewer, t, 2, "review", decision="approve")[0] == 303
    assert _state(api, t, 1) == "replied"
    centre = logged_in(p, "dispatcher")
    assert "1/review" in _forms(centre.get(f"/tickets/{t}").text)
    assert _post(centre, t, 1, "review", decision="approve")[0] == 303
    assert api.get("dispatcher", f"/api/v1/tickets/{t}")["status"] == "reviewed"


def test_send_back_and_extension_round_trips(platform: Platform) -> None:
    api = Api(platform)
    t = api.dispatched("dept-market")
    unit = logged_in(platform, "handler.market")
    centre = logged_in(platform, "dispatcher")
    assert _post(unit, t, 1, "send-back", reason="不属于市场监管职责")[0] == 303
    assert _forms(centre.get(f"/tickets/{t}").text) == {"1/send-back/decision"}
    status, body = _post(centre, t, 1, "send-back/decision", decision="reject")
    assert status == 422 and "请填写原因" in body
    assert _post(centre, t, 1, "send-back/decision", decision="reject", reason="属于食品经营监管")[0] == 303
    assert _state(api, t, 1) == "pending"

    assert _post(unit, t, 1, "acknowledge")[0] == 303
    status, body = _post(unit, t, 1, "extension", until="2020-01-01T09:00", reason="需要现场检测")
    assert status == 422 and "延期" in body
    assert _post(unit, t, 1, "extension", until="2027-06-30T17:30", reason="需要现场检测")[0] == 303
    shown = api.get("dispatcher", f"/api/v1/tickets/{t}")["assignments"][0]["pending_extension"]
    assert shown["until"].startswith("2027-06-30T17:30:00+08:00")
    assert "1/extension" not in _forms(unit.get(f"/tickets/{t}").text)  # one request at a time
    assert "1/extension/decision" in _forms(centre.get(f"/tickets/{t}").text)
    assert _post(centre, t, 1, "extension/decision", decision="approve", reason="同意")[0] == 303
    detail = api.get("dispatcher", f"/api/v1/tickets/{t}")["assignments"][0]
    assert detail["pending_extension"] is None and detail["extensions_approved"] == 1


def test_the_server_refuses_what_the_page_does_not_offer(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("dept-urban")
    other = logged_in(p, "handler.power")
    status, body = _post_blind(p, other, t, 1, "reply", reply="不是我们的")
    assert status == 403 and "无权查看该工单" in body
    handler = logged_in(p, "handler.urban")
    status, body = _post(handler, t, 1, "review", decision="approve")
    assert status == 403 and _state(api, t, 1) == "pending"
    # Without the CSRF token, nothing is done.
    r = handler.post(f"/tickets/{t}/assignments/1/send-back", data={"reason": "x"})
    assert r.status_code == 403 and _state(api, t, 1) == "pending"
    r = handler.post(f"/tickets/{t}/assignments/1/send-back", data={"reason": "x", "csrf": "forged"})
    assert r.status_code == 403 and _state(api, t, 1) == "pending"


def _post_blind(
    p: Platform, b: TestClient, ticket: int, no: int, path: str, **fields: str
) -> tuple[int, str]:
    """A post from a page of one's own (the inbox's token), to a ticket one may not open."""
    token = csrf_of(b.get("/inbox").text)
    r = b.post(f"/tickets/{ticket}/assignments/{no}/{path}", data={"csrf": token, **fields})
    return r.status_code, r.text


def test_a_reply_with_markup_is_refused_as_the_api_refuses_it_and_shown_back_escaped(
    platform: Platform,
) -> None:
    p, api = platform, Api(platform)
    t = api.dispatched("ent-power")
    b = logged_in(p, "handler.power")
    _post(b, t, 1, "acknowledge")
    status, page = _post(b, t, 1, "reply", reply="已修复 <img src=x onerror=alert(1)>")
    assert status == 422 and _state(api, t, 1) == "acknowledged" and "不能包含 HTML 标记" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page  # kept, as text


def test_unmasked_views_of_the_page_are_recorded_and_others_see_masked_data(platform: Platform) -> None:
    p, api = platform, Api(platform)
    t = api.intake(citizen_name="欧阳建华", address="龙湾区中山路128号3栋502")["id"]
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id("dept-urban")})
    assert "欧阳建华" in logged_in(p, "handler.urban").get(f"/tickets/{t}").text
    page = logged_in(p, "reviewer.urban").get(f"/tickets/{t}").text
    assert "欧阳建华" not in page and "128号" not in page and "欧***" in page
    from tests.integration.test_inbox_defects import _personal_data_views

    assert _personal_data_views(p, t) == ["handler.urban"]
    assert browser(p).get(f"/tickets/{t}").status_code == 303  # no session: to the login page
