"""The router's knowledge base in memory (`kb.Snapshot`): the same hits as the SQL search, and an
administrator's edit seen by the next batch without a restart."""

from __future__ import annotations

import random

import pytest
from bench.intake import ticket_body

from hotline.kb import queries as kb
from tests.conftest import Platform
from tests.integration.api import Api

QUERIES = [
    "路灯不亮了，晚上很黑",
    "社保卡丢了怎么补办",
    "租房提取公积金",
    "小区门口噪音扰民，晚上施工",
    "自来水停水三天了",
    "",
    "的",
    "abc 123",
] + [ticket_body(random.Random(seed))["content"] for seed in range(40)]


def _same(memory: list[kb.Found], sql: list[kb.Found]) -> None:
    assert [f.article.id for f in memory] == [f.article.id for f in sql]
    for m, s in zip(memory, sql, strict=True):
        assert m.score == pytest.approx(s.score, abs=1e-5)
        assert (m.matched, m.best_line, m.snippet) == (s.matched, s.best_line, s.snippet)


@pytest.mark.parametrize("kinds", [None, ["duty"], ["answer"]])
def test_memory_search_gives_the_sql_search_hits(rp: Platform, kinds: list[str] | None) -> None:
    with rp.db.read() as s:
        library = kb.Snapshot(s)
        found_any = False
        for query in QUERIES:
            sql = kb.search(s, query, kinds=kinds, limit=16, query_chars=60)
            _same(library.search(query, kinds=kinds, limit=16, query_chars=60), sql)
            found_any = found_any or bool(sql)
    assert found_any


def test_an_edited_article_is_searched_at_once(api: Api, rp: Platform) -> None:
    runtime = rp.client.app.state.routing  # type: ignore[attr-defined]
    with rp.db.read() as s:
        before = runtime.kb(s)
        assert not before.search("彩虹桥下的独角兽")
    created = api.post(
        "admin",
        "/api/v1/kb/articles",
        {"title": "彩虹桥下的独角兽", "body": "彩虹桥下的独角兽由市园林局照看。", "keywords": ["独角兽"]},
        expect=201,
    )
    with rp.db.read() as s:
        after = runtime.kb(s)
        assert after is not before
        assert [f.article.id for f in after.search("彩虹桥下的独角兽")] == [created["id"]]
        assert runtime.kb(s) is after  # unchanged: not read again
    r = rp.client.delete(f"/api/v1/kb/articles/{created['id']}", headers=rp.headers("admin"))
    assert r.status_code == 204, r.text
    with rp.db.read() as s:
        assert created["id"] not in [f.article.id for f in runtime.kb(s).search("彩虹桥下的独角兽")]
