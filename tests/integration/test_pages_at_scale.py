"""The bounded queries behind the staff pages at a million tickets (bench/pages.py) return what the
plain ones did: BM25 search read in full against a reference read of every posting, the window a
common query falls back to, the console's capped tab counts."""

from __future__ import annotations

import math
import secrets
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from hotline.search import queries as search
from hotline.search import service as index
from hotline.search.models import SearchDocument, SearchPosting
from tests.conftest import Platform
from tests.integration.api import Api
from tests.integration.test_console import console_of, count_of, route_all
from tests.integration.test_pages import logged_in

NOW = datetime(2026, 5, 1, tzinfo=UTC)
TEXTS = [
    "路灯不亮，晚上很黑",
    "小区路灯不亮已经一周",
    "噪音扰民，晚上施工",
    "路面坑洼，路灯也不亮",
    "垃圾没人清运，气味很大",
    "晚上广场舞噪音很大",
    "公交站台路灯损坏",
    "社会保险缴费咨询",
    "路灯杆倾斜有危险",
    "供暖不热，室温很低",
]


def reference(session, scope: str, query: str, limit: int, newest: int | None = None):  # type: ignore[no-untyped-def]
    """BM25 over every posting of the query's terms, by hand (what `search` did before it was
    bounded); ``newest`` keeps the newest documents only, with document frequencies counted over
    all of them (the window's ranking when they are below the cap)."""
    docs = session.execute(
        select(SearchDocument.id, SearchDocument.ref_id, SearchDocument.length).where(
            SearchDocument.scope == scope
        )
    ).all()
    n_docs, avg = len(docs), max(sum(d.length for d in docs) / len(docs), 1.0)
    window = {d.id for d in sorted(docs, key=lambda d: d.id)[-(newest or len(docs)) :]}
    ref_of = {d.id: (d.ref_id, d.length) for d in docs}
    wanted = list(dict.fromkeys(search.tokens.terms(query)))
    postings = session.execute(
        select(SearchPosting.document_id, SearchPosting.term, SearchPosting.tf).where(
            SearchPosting.scope == scope, SearchPosting.term.in_(wanted)
        )
    ).all()
    df: dict[str, int] = defaultdict(int)
    for p in postings:
        df[p.term] += 1
    common = {t for t in df if n_docs >= 50 and df[t] > n_docs / 2}
    scores: dict[int, float] = defaultdict(float)
    for p in postings:
        if p.term in common or p.document_id not in window:
            continue
        ref_id, length = ref_of[p.document_id]
        w = math.log(1.0 + (n_docs - df[p.term] + 0.5) / (df[p.term] + 0.5))
        scores[ref_id] += (
            w * p.tf * (search.K1 + 1) / (p.tf + search.K1 * (1 - search.B + search.B * length / avg))
        )
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [(ref_id, round(score, 6)) for ref_id, score in best]


@pytest.fixture
def scope(platform: Platform) -> str:
    """A scope of this test's own, 60 documents (the TEXTS six times over), ids growing with time."""
    name = f"t{secrets.token_hex(6)}"
    with platform.db.write() as s:
        for i in range(60):
            index.index(s, name, 1000 + i, TEXTS[i % len(TEXTS)] + f"，第{i}件", NOW)
    return name


@pytest.mark.parametrize("query", ["路灯不亮", "晚上噪音", "社会保险", "供暖", "完全无关的词语"])
def test_search_read_in_full_ranks_as_every_posting_does(platform: Platform, scope: str, query: str) -> None:
    with platform.db.read() as s:
        found = [(h.ref_id, h.score) for h in search.search(s, scope, query, limit=20)]
        assert found == reference(s, scope, query, 20)
    if query == "路灯不亮":
        assert found and found[0][0] in {1000 + i for i in range(60) if "路灯不亮" in TEXTS[i % len(TEXTS)]}


QUERIES = ["路灯不亮", "晚上噪音", "社会保险", "", "供暖不热", "完全无关的词语", "路灯不亮"]


def test_a_batch_of_queries_finds_what_each_query_finds_alone(platform: Platform, scope: str) -> None:
    """The router searches its batch at once (one count, the union of the terms, one read of the
    postings): every query gets the same hits, scores and order as when searched alone — also
    when the union of the terms needs more than one counting statement."""
    long = "".join(chr(0x4E00 + i) for i in range(450))  # ~450 distinct bigrams: past one statement
    queries = [*QUERIES, long + "路灯"]
    with platform.db.read() as s:
        alone = [search.search(s, scope, q, limit=20) for q in queries]
        together = search.search_many(s, scope, queries, limit=20)
    assert together == alone
    assert together[0] and together[0] == together[-2]  # the repeated query, the same hits
    with platform.db.read() as s:  # the router's form: the same documents, scores and order, unexplained
        bare = search.search_many(s, scope, queries, limit=20, explain=False)
    assert [[(h.ref_id, h.score) for h in hits] for hits in bare] == [
        [(h.ref_id, h.score) for h in hits] for hits in alone
    ]
    assert all(h.matched == () and h.parts == () for hits in bare for h in hits)


def test_a_common_query_in_a_batch_is_searched_over_the_window(
    platform: Platform, scope: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "MAX_POSTINGS", 5)
    monkeypatch.setattr(search, "WINDOW_DOCS", 20)
    with platform.db.read() as s:
        alone = [search.search(s, scope, q, limit=50) for q in QUERIES]
        together = search.search_many(s, scope, QUERIES, limit=50)
    assert together == alone
    assert together[0] and all(h.ref_id >= 1040 for h in together[0])


def test_a_common_query_is_ranked_over_the_newest_documents(
    platform: Platform, scope: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_POSTINGS for its rarest term, a query reads the newest WINDOW_DOCS documents only:
    the hits are the ones a full read ranks among those documents (here every term is under the
    count's cap, so frequencies are exact and the scores equal)."""
    monkeypatch.setattr(search, "MAX_POSTINGS", 5)
    monkeypatch.setattr(search, "WINDOW_DOCS", 20)
    with platform.db.read() as s:
        found = [(h.ref_id, h.score) for h in search.search(s, scope, "路灯不亮", limit=50)]
        assert found and all(ref_id >= 1040 for ref_id, _ in found)
        expected_ids = [ref_id for ref_id, _ in reference(s, scope, "路灯不亮", 50, newest=20)]
        assert [ref_id for ref_id, _ in found] == expected_ids
        # The console's filter (hold as many of the words as the best) keeps the same tickets.
        hits = search.search(s, scope, "路灯不亮", limit=50)
        best = max(len(h.matched) for h in hits)
        assert {h.ref_id for h in hits if len(h.matched) == best} == {
            1000 + i for i in range(40, 60) if "路灯不亮" in TEXTS[i % len(TEXTS)]
        }


def test_the_scope_size_is_remembered_only_for_a_large_scope(
    platform: Platform, scope: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with platform.db.read() as s:
        assert search.search(s, scope, "供暖", limit=5)[0].ref_id == 1009
    with platform.db.write() as s:
        index.index(s, scope, 2000, "供暖不热，暖气片冰凉，供暖", NOW)
    with platform.db.read() as s:  # small: counted again, the new document is found and ranked
        assert search.search(s, scope, "供暖", limit=5)[0].ref_id == 2000
    monkeypatch.setattr(search, "EXACT_SIZE", 10)
    with platform.db.read() as s:
        first = search.search(s, scope, "供暖", limit=5)
        again = search.search(s, scope, "供暖", limit=5)
    assert first == again


def test_console_tab_counts_are_capped_and_exact_below_the_cap(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api(platform)
    for _ in range(3):
        api.intake()
    b = console_of(platform)
    waiting = count_of(b.get("/console?queue=waiting").text, "waiting")
    assert waiting >= 3
    from hotline.tickets import queries as tickets

    monkeypatch.setattr(tickets, "COUNT_CAP", 2)
    html = b.get("/console?queue=waiting").text
    assert '<span class="n">1+</span>' in html and "共 1+ 件" in html
    assert logged_in(platform, "dispatcher").get("/console?queue=supervised").status_code == 200


def test_the_console_says_when_a_common_phrase_searched_only_the_newest_tickets(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Api(platform)
    ticket = api.intake(content="井盖缺失，行人容易掉进去，十分危险")["id"]
    route_all(platform)
    b = console_of(platform)
    html = b.get("/console/search?q=井盖缺失").text
    assert f'href="/tickets/{ticket}"' in html and "只在最近的" not in html
    monkeypatch.setattr(search, "MAX_POSTINGS", 0)  # every word is "common" now
    html = b.get("/console/search?q=井盖缺失").text
    assert f'href="/tickets/{ticket}"' in html
    assert f"只在最近的 {search.WINDOW_DOCS} 件工单中检索" in html
