"""秒派 in the demo: after the first start wrote the city's past and routing learnt from it, free text
typed by an operator — no category chosen — is dispatched at once to the right unit, with reasons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hotline.app import create_app
from hotline.config import Settings
from hotline.kb import service as kb
from tests import conftest
from tests.demo.conftest import END, Written
from tests.routing_platform.conftest import RoutedApi


@pytest.fixture(scope="module")
def api(written: Written) -> Iterator[RoutedApi]:
    assert written.report.model.get("examples", 0) > 200, written.report.model
    with written.db.write() as s:  # what the demo's start-up loads too (routing.runtime.start)
        if not kb.has_answers(s):
            kb.load_answers(s, kb.demo_answers(), END)
    url = written.db.engine.url.render_as_string(hide_password=False)
    settings = Settings(data_dir=written.folder, database_url=url, demo=True, routing_auto_dispatch=True)
    clock = conftest.TestClock(now=END)
    with TestClient(create_app(settings, clock=clock, db=written.db)) as client:
        yield RoutedApi(conftest.Platform(written.backend, written.db, client, clock))


@pytest.mark.parametrize(
    ("text", "unit", "category"),
    [
        ("路灯不亮了，晚上很黑", "海滨市城市管理局", "urban.streetlight"),
        ("金鱼路停电两个小时了", "海滨供电有限责任公司", "utilities.power"),
    ],
)
def test_free_text_is_dispatched_at_once_to_the_right_unit(
    api: RoutedApi, text: str, unit: str, category: str
) -> None:
    api.p.clock.advance(minutes=7)  # each call a little later, as calls come in
    t = api.intake(kind="help", content=text)  # no category_code: the operator chose nothing
    tops = [
        (x["category"], x["confidence"], [r["source"] for r in x["reasons"]])
        for x in t["routing"]["advice"]["suggestions"][:2]
    ]
    assert t["status"] == "dispatched", tops
    assert t["lead_unit"]["name"] == unit
    routing = t["routing"]
    assert routing["decision"] == "auto_dispatched"
    top = routing["advice"]["suggestions"][0]
    assert top["category"]["code"] == category and top["confidence"] >= 0.9
    sources = {r["source"] for r in top["reasons"]}
    assert {"classifier", "history"} <= sources, sources  # learnt from the demo's own past
    dispatched = [e for e in api.events("dispatcher", t["id"]) if e["tag"] == "ticket.dispatched"]
    assert dispatched[0]["actor"]["role"] == "system" and "秒派" in dispatched[0]["payload"]["note"]


def test_an_unclear_request_still_waits_for_the_operator(api: RoutedApi) -> None:
    t = api.intake(kind="help", content="我想问一下这个事情到底归谁管")
    assert t["status"] == "received" and t["routing"]["decision"] != "auto_dispatched"
