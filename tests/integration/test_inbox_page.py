"""The unit inbox page: replies waiting for this unit's review, unread notifications (read one,
read all), paging through a long inbox in a stable order, and the unit named in the page's language."""

from __future__ import annotations

import re

import pytest

from hotline.tickets import pages as ticket_pages
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_inbox_defects import grid_reply_under_boai
from tests.integration.test_pages import csrf_of, logged_in


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_the_street_reviews_what_a_grid_under_a_community_without_reviewer_sent(platform: Platform) -> None:
    t, no = grid_reply_under_boai(Api(platform), "楼道杂物已清理完毕")
    street = _section(logged_in(platform, "reviewer.zhongshan").get("/inbox").text, "review-h")
    assert (
        f'/tickets/{t}#a{no}"' in street and "楼道杂物已清理完毕" in street and "博爱社区第一网格" in street
    )
    district = _section(logged_in(platform, "reviewer.longwan").get("/inbox").text, "review-h")
    assert f"/tickets/{t}#" not in district
    assert 'id="review-h"' not in logged_in(platform, "handler.zhongshan").get("/inbox").text


def test_unread_notifications_are_listed_and_can_be_marked_read(platform: Platform) -> None:
    api = Api(platform)
    t = api.dispatched("ent-water")
    b = logged_in(platform, "handler.water")
    html = b.get("/inbox").text
    notices = _section(html, "notices-h")
    assert f'href="/tickets/{t}#a1"' in notices and "新派单：请及时签收" in notices
    unread = int(re.search(r"(\d+) 条未读", notices).group(1))  # type: ignore[union-attr]
    ids = re.findall(r'action="/inbox/notifications/(\d+)/read"', notices)
    assert ids
    r = b.post(f"/inbox/notifications/{ids[0]}/read", data={"csrf": csrf_of(html)})
    assert r.status_code == 303 and r.headers["location"] == "/inbox?marked=1"
    after = _section(b.get("/inbox").text, "notices-h")
    assert f"{unread - 1} 条未读" in after
    assert b.post(f"/inbox/notifications/{ids[0]}/read", data={}).status_code == 403  # no token
    other = logged_in(platform, "handler.power")
    token = csrf_of(other.get("/inbox").text)
    assert other.post(f"/inbox/notifications/{ids[0]}/read", data={"csrf": token}).status_code == 404
    r = b.post("/inbox/notifications/read-all", data={"csrf": csrf_of(html)})
    assert r.status_code == 303
    assert "没有未读消息" in b.get("/inbox").text


def test_a_long_inbox_pages_in_a_stable_order(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    api = Api(platform)
    for _ in range(5):
        api.dispatched("dept-transport-enforcement")
    monkeypatch.setattr(ticket_pages, "PAGE_SIZE", 2)
    b = logged_in(platform, "handler.transport-enforcement")

    def rows(page: int) -> list[str]:
        html = b.get(f"/inbox?page={page}").text
        return re.findall(r'<td class="ticket">\s*<a href="/tickets/(\d+)"', html)

    first_html = b.get("/inbox").text
    total = int(re.search(r"共 (\d+) 件", first_html).group(1))  # type: ignore[union-attr]
    pages = -(-total // 2)
    assert f"第 1 / {pages} 页" in first_html and 'rel="next"' in first_html
    seen = [tid for p in range(1, pages + 1) for tid in rows(p)]
    assert len(seen) == total and len(set(seen)) == total  # every row once, none twice
    assert rows(1) == rows(1) and rows(0) == rows(1) and rows(pages + 5) == []
    assert b.get("/inbox?page=abc").status_code == 200


def test_the_unit_is_named_in_the_pages_language(platform: Platform) -> None:
    b = logged_in(platform, "handler.longwan")
    assert '<span class="unit">龙湾区人民政府</span>' in b.get("/inbox").text
    en = b.get("/inbox?lang=en").text
    assert '<span class="unit">Longwan District People&#39;s Government</span>' in en
    assert "Longwan District People&#39;s Government" in en.split("</header>")[0]
