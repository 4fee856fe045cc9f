"""An operator's calls at the workbench in the browser (Debian's Chromium through Playwright, at
1366×768): a complaint dispatched with one key after the caller's history and the suggestions
appeared and a point was picked on the city map; a consultation answered from the knowledge base;
the whole common path by keyboard only; citizen text with markup shown as text. No page may break
the content security policy (ECharts and Alpine's CSP build run under it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hotline.intake import service as intake
from hotline.intake.schemas import TicketIn
from hotline.kb import service as kb
from hotline.routing import queue
from tests.conftest import Platform, _platform
from tests.e2e.shots import screenshot
from tests.integration.api import Api


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform of this module's own: the calls taken here dispatch to the units whose inboxes
    the other browser tests count."""
    data_dir = tmp_path_factory.mktemp("workbench-e2e")
    yield from _platform("sqlite", f"sqlite:///{data_dir / 'hotline.db'}", data_dir)


STALL = "中山街道博爱社区门口有人占道经营乱摆卖，堵住了人行道，老人孩子只能走机动车道"


def _answers(p: Platform) -> None:
    with p.db.write() as s:
        kb.load_answers(s, kb.demo_answers(), p.clock())


def _counts(message: str) -> bool:
    return not message.startswith(("Failed to load resource", "htmx:"))


def _operator(browser: Any, live_url: str, lang: str = "zh-CN") -> tuple[Any, list[str]]:
    context = browser.new_context(locale=lang, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    problems: list[str] = []
    # a script error or a CSP refusal shows as a console error; a refused request (422 on purpose,
    # or htmx abandoning a stale suggestion request) is not one, and the favicon is not ours
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and _counts(m.text) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(live_url + "/workbench")
    page.fill("#username", "operator1")
    page.fill("#password", "Demo-operator1-2026")
    page.press("#password", "Enter")
    page.wait_for_url(live_url + "/workbench")
    page.wait_for_selector("#citymap canvas")  # the map is drawn
    return page, problems


def _ticket(api: Api, page: Any) -> dict[str, Any]:
    page.wait_for_selector(".done-line")
    href = page.get_attribute(".done-line a", "href")
    return api.get("dispatcher", href.replace("/tickets/", "/api/v1/tickets/"))  # type: ignore[no-any-return]


def test_an_operator_takes_a_call_and_dispatches_it_with_one_key(
    platform: Platform, live_url: str, browser: Any
) -> None:
    api = Api(platform)
    _answers(platform)
    caller = "13988880001"
    earlier = api.intake(citizen_phone=caller, content="博爱社区路灯不亮已经一周了")
    api.act("dispatcher", earlier["id"], "dispatch", {"lead_unit_id": platform.unit_id("d-longwan")})
    page, problems = _operator(browser, live_url)
    screenshot(page, "workbench-empty-zh", full_page=False)
    assert page.evaluate("document.activeElement.id") == "citizen_phone"  # ready for the call

    page.fill("#citizen_phone", caller)
    page.press("#citizen_phone", "Tab")  # leaving the field shows the caller's history
    page.wait_for_selector("#caller-history ol.history li")
    assert "博爱社区路灯不亮已经一周了" in page.inner_text("#caller-history")
    assert "已派单" in page.inner_text("#caller-history")
    page.select_option("#kind", "complaint")
    page.fill("#content", STALL)
    page.wait_for_selector("#suggestions li.route")
    # a point on the city map: the place is located and the suggestions follow it
    box = page.locator("#citymap").bounding_box()
    with page.expect_response("**/workbench/suggest"):
        page.mouse.click(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.55)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert page.input_value("#latitude") != ""
    assert page.inner_text("#point-shown").startswith("地图选点：")
    assert page.inner_text(".elapsed") != "—"  # the handling time runs from the first keystroke
    percents = [int(x.rstrip("%")) for x in page.locator("#suggestions .pct").all_inner_texts()]
    assert percents == sorted(percents, reverse=True), "shown in the order of the confidence shown"
    picked = page.get_attribute("#suggestions input[name=route]:checked", "value")
    assert picked
    screenshot(page, "workbench-suggestions-zh", full_page=False)

    page.keyboard.press("Alt+Enter")  # one key
    page.wait_for_url(f"{live_url}/workbench?done=*")
    ticket = _ticket(api, page)
    assert ticket["status"] == "dispatched"
    assert ticket["lead_unit"]["id"] == int(picked.split("|")[0])
    assert ticket["latitude"] is not None and ticket["citizen_phone"] == caller
    assert ticket["intake_seconds"] is not None and 0 <= ticket["intake_seconds"] < 600
    assert "已派给" in page.inner_text(".done-line")
    assert (
        page.input_value("#content") == "" and page.evaluate("document.activeElement.id") == "citizen_phone"
    )
    screenshot(page, "workbench-dispatched-zh", full_page=False)
    assert problems == [], problems


def test_a_consultation_answered_from_the_knowledge_base(
    platform: Platform, live_url: str, browser: Any
) -> None:
    api = Api(platform)
    _answers(platform)
    page, problems = _operator(browser, live_url)
    page.fill("#citizen_phone", "13988880002")
    page.select_option("#kind", "consultation")
    page.fill("#content", "我的社保卡丢了，请问怎么补办")
    page.wait_for_selector("#suggestions .answers .kb")
    title = page.inner_text("#suggestions .answers .kb strong >> nth=0")
    assert "社保卡" in title
    page.keyboard.press("Alt+I")  # insert the first answer
    body = page.input_value("#answer")
    assert len(body) > 20 and page.evaluate("document.activeElement.id") == "answer"
    screenshot(page, "workbench-consultation-zh", full_page=False)
    page.keyboard.press("Alt+A")  # answer at intake
    page.wait_for_url(f"{live_url}/workbench?done=*")
    ticket = _ticket(api, page)
    assert ticket["status"] == "answered" and ticket["answer"] == body
    assert "已直接答复" in page.inner_text(".done-line")
    assert problems == [], problems


def test_the_common_path_by_keyboard_only(platform: Platform, live_url: str, browser: Any) -> None:
    api = Api(platform)
    page, problems = _operator(browser, live_url)
    kb_ = page.keyboard
    kb_.type("13988880003")  # the number field has the focus when the page opens
    kb_.press("Enter")  # looks the caller up, never submits
    page.wait_for_selector("#caller-history p.muted")
    assert "done=" not in page.url
    kb_.press("Tab")  # name
    kb_.press("Tab")  # channel: phone already
    kb_.press("Tab")  # kind
    assert page.evaluate("document.activeElement.id") == "kind"
    kb_.press("ArrowDown")
    kb_.press("ArrowDown")
    kb_.press("ArrowDown")
    assert page.input_value("#kind") == "complaint"
    kb_.press("Alt+2")
    assert page.evaluate("document.activeElement.id") == "content"
    kb_.type(STALL)
    kb_.press("Alt+3")
    kb_.type("龙湾区中山街道博爱社区")
    page.wait_for_selector("#suggestions li.route")
    page.wait_for_function(
        "() => document.querySelectorAll('#suggestions input[name=route]:not([disabled])').length > 1"
    )
    page.wait_for_timeout(900)  # the last suggestions (after the address) have settled
    first = page.get_attribute("#suggestions input[name=route]:checked", "value")
    kb_.press("Alt+ArrowDown")  # the next suggested unit
    second = page.get_attribute("#suggestions input[name=route]:checked", "value")
    assert second and second != first
    screenshot(page, "workbench-keyboard-zh", full_page=False)
    kb_.press("Alt+Enter")
    page.wait_for_url(f"{live_url}/workbench?done=*")
    ticket = _ticket(api, page)
    assert ticket["status"] == "dispatched" and ticket["lead_unit"]["id"] == int(second.split("|")[0])
    assert ticket["address"] == "龙湾区中山街道博爱社区"
    assert problems == [], problems


def test_citizen_text_with_markup_is_shown_as_text(platform: Platform, live_url: str, browser: Any) -> None:
    caller = "13988880004"
    attack = TicketIn(kind="complaint", content="x", citizen_phone=caller).model_copy(
        update={"content": '<img src=x id=pwned><script>document.title="pwned"</script>路灯坏了'}
    )
    intake.submit(platform.db, attack, platform.clock(), lambda _s: None)
    page, problems = _operator(browser, live_url)
    page.fill("#citizen_phone", caller)
    page.press("#citizen_phone", "Enter")
    page.wait_for_selector("#caller-history ol.history li")
    assert "<script>" in page.inner_text("#caller-history")  # shown, as text
    assert page.locator("#pwned").count() == 0 and page.title() != "pwned"
    # and a request typed with markup is refused next to its field, shown as typed
    page.select_option("#kind", "complaint")
    page.fill("#content", "<b>路灯</b>坏了")
    page.keyboard.press("Alt+S")
    page.wait_for_selector("#err-content")
    assert page.input_value("#content") == "<b>路灯</b>坏了"
    assert page.evaluate("document.activeElement.id") == "content"
    screenshot(page, "workbench-error-zh", full_page=False)
    assert problems == [], problems


def test_an_emergency_is_handed_off_with_one_key_in_english(
    platform: Platform, live_url: str, browser: Any
) -> None:
    api = Api(platform)
    page, problems = _operator(browser, live_url, lang="en-GB")
    assert page.get_attribute("html", "lang") == "en"
    page.fill("#citizen_phone", "13988880005")
    page.select_option("#kind", "help")
    page.fill("#content", "楼下着火了，浓烟很大，有人被困在三楼")
    page.wait_for_selector("#suggestions .emergency")
    screenshot(page, "workbench-emergency-en", full_page=False)
    page.keyboard.press("Alt+H")
    page.wait_for_url(f"{live_url}/workbench?done=*")
    ticket = _ticket(api, page)
    assert ticket["status"] == "handed_off" and ticket["handed_off_to"] == "119"
    assert "handed off to 119" in page.inner_text(".done-line")
    assert problems == [], problems


def test_a_second_call_about_the_same_problem_is_merged_with_one_key(
    platform: Platform, live_url: str, browser: Any
) -> None:
    api = Api(platform)
    first = api.intake(content=STALL, address="龙湾区中山街道博爱社区", citizen_phone="13988880006")
    state = platform.client.app.state  # type: ignore[attr-defined]
    queue.drain(platform.db, state.routing, state.wiring.routing_policy, platform.clock)  # the router's turn
    api.act("dispatcher", first["id"], "dispatch", {"lead_unit_id": platform.unit_id("d-longwan")})
    page, problems = _operator(browser, live_url)
    page.fill("#citizen_phone", "13988880007")
    page.select_option("#kind", "complaint")
    page.fill("#address", "龙湾区中山街道博爱社区")
    page.fill("#content", STALL)
    page.wait_for_selector("#suggestions .duplicates li")
    assert f"#{first['id']}" in page.inner_text("#suggestions .duplicates")
    target = int(page.get_attribute('#suggestions button[name=merge_into][data-key="m"]', "value"))
    screenshot(page, "workbench-duplicate-zh", full_page=False)
    page.keyboard.press("Alt+M")  # into the first one shown (the test module's other calls are open too)
    page.wait_for_url(f"{live_url}/workbench?done=*")
    ticket = _ticket(api, page)
    assert ticket["status"] == "merged" and ticket["merged_into_id"] == target
    assert f"已并入 #{target}" in page.inner_text(".done-line")
    assert problems == [], problems
