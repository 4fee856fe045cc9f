"""Routing runs off the intake path: intake leaves the ticket in the routing queue (in its own
transaction), a router takes it under a lease and routes it. A router that dies leaves the lease
to run out; two routers never take the same ticket."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from hotline.routing import queue
from hotline.routing.models import RoutingQueueRow
from tests.routing_platform.conftest import RoutedApi


def _post(api: RoutedApi, content: str) -> int:
    body = {"kind": "complaint", "content": content, "citizen_phone": "13800003333"}
    return int(api.post("operator1", "/api/v1/tickets", body, expect=201)["id"])


def _waiting(api: RoutedApi) -> set[int]:
    with api.p.db.read() as s:
        return set(s.scalars(select(RoutingQueueRow.ticket_id)))


def test_intake_leaves_the_ticket_waiting_for_the_router_and_answers_at_once(api: RoutedApi) -> None:
    api.route_waiting()
    ticket = _post(api, "燃气表后面的管子有点松，想请人来看看")
    assert _waiting(api) == {ticket}
    assert api.get("operator1", f"/api/v1/tickets/{ticket}")["status"] == "received"
    api.get("dispatcher", f"/api/v1/tickets/{ticket}/routing", expect=404)  # not routed yet
    assert api.route_waiting() == 1
    assert _waiting(api) == set()
    assert api.get("dispatcher", f"/api/v1/tickets/{ticket}/routing")["suggestions"]


def test_the_router_thread_routes_a_new_ticket_within_moments(api: RoutedApi) -> None:
    api.route_waiting()
    state = api.client.app.state  # type: ignore[attr-defined]
    router = state.wiring.router(state.routing)
    router.start()
    try:
        ticket = _post(api, "望海社区门口那盏路灯闪个不停")
        router.wake()
        deadline = time.monotonic() + 20
        while ticket in _waiting(api) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        router.stop()
    assert ticket not in _waiting(api)
    advice = api.get("dispatcher", f"/api/v1/tickets/{ticket}/routing")
    assert advice["suggestions"][0]["category"]["code"] == "urban.streetlight"


def test_a_router_in_another_process_starts_on_intakes_notice_not_its_poll(api: RoutedApi) -> None:
    """Issue 16: routers beside the web tier (`hotline routing work`) are not woken by intake's
    process. On PostgreSQL intake says so (NOTIFY, from a thread of the web process) and the
    router starts at once — here its poll is a minute, so only the notice can start it; on SQLite
    a router there polls the queue every POLL_SECONDS_SQLITE (a read, no lock)."""
    api.route_waiting()
    state = api.client.app.state  # type: ignore[attr-defined]
    db = api.p.db
    router = state.wiring.router(state.routing)  # not the app's: nothing in this process wakes it
    assert getattr(state, "router", None) is None
    if db.can_listen:
        assert state.routing_waker is not None
        router.poll_seconds = 60.0
    else:
        assert router.poll_seconds == queue.POLL_SECONDS_SQLITE < queue.POLL_SECONDS
    router.start()
    try:
        if db.can_listen:
            assert router.listening.wait(20)
            time.sleep(0.2)  # the pass its first notice started is over
        ticket = _post(api, "望海社区门口那盏路灯又闪个不停了")
        deadline = time.monotonic() + 20
        while ticket in _waiting(api) and time.monotonic() < deadline:
            time.sleep(0.05)
        waited = 20 - (deadline - time.monotonic())
    finally:
        router.stop()
    assert ticket not in _waiting(api)
    assert waited < 20
    api.get("dispatcher", f"/api/v1/tickets/{ticket}/routing")


def test_a_claimed_ticket_is_taken_again_only_when_its_lease_runs_out(api: RoutedApi) -> None:
    api.route_waiting()
    ticket = _post(api, "公交车司机甩站，等了四十分钟")
    db, clock = api.p.db, api.p.clock
    assert queue.claim(db, clock()) == [ticket]  # a router took it ... and died
    assert queue.claim(db, clock()) == []  # nobody else takes it while the lease runs
    clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    assert queue.claim(db, clock()) == [ticket]  # after the lease: taken again, not lost
    clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    assert api.route_waiting() == 1 and _waiting(api) == set()


def test_two_routers_claiming_at_once_never_take_the_same_ticket(api: RoutedApi) -> None:
    api.route_waiting()
    tickets = {_post(api, f"幸福路{n}号门前的下水道堵了，污水漫到路上") for n in range(12)}
    db, clock = api.p.db, api.p.clock
    taken: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def router(i: int) -> None:
        start.wait()
        while got := queue.claim(db, clock(), limit=3):
            taken[i].extend(got)

    threads = [threading.Thread(target=router, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(taken[0] + taken[1]) == sorted(tickets)  # each ticket taken exactly once
    clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    assert api.route_waiting() == len(tickets)


def _route_batch(api: RoutedApi, stopping: object) -> int:
    state = api.client.app.state  # type: ignore[attr-defined]
    return queue.route_pending(
        api.p.db, state.routing, state.wiring.routing_policy, api.p.clock, stopping=stopping
    )


def test_a_slow_batch_keeps_its_tickets_by_renewing_their_leases(api: RoutedApi) -> None:
    """Issue 16, defect 13: the lease is short (a dead router's tickets wait 30 s, not 120), so a
    live router renews what it still holds; another router never takes a ticket being routed."""
    api.route_waiting()
    tickets = [_post(api, f"滨海大道{n}号路灯不亮，晚上很黑") for n in range(3)]
    db, clock = api.p.db, api.p.clock
    stolen: list[int] = []

    def meanwhile() -> bool:  # each ticket takes 20 s; another router tries to claim meanwhile
        clock.advance(seconds=20)
        stolen.extend(queue.claim(db, clock()))
        return False

    assert queue.LEASE.total_seconds() <= 30
    assert _route_batch(api, meanwhile) == 3
    assert stolen == [] and _waiting(api) == set()
    assert all(api.get("dispatcher", f"/api/v1/tickets/{t}/routing")["ticket_id"] == t for t in tickets)


def test_a_stopping_router_hands_back_what_it_did_not_reach(api: RoutedApi) -> None:
    api.route_waiting()
    tickets = [_post(api, f"幸福路{n}号的垃圾三天没人清运") for n in range(3)]
    calls = iter([False, True])
    assert _route_batch(api, lambda: next(calls)) == 1  # the router stops after one ticket
    with api.p.db.read() as s:
        rows = {r.ticket_id: (r.lease_until, r.attempts) for r in s.scalars(select(RoutingQueueRow))}
    assert rows == {t: (None, 0) for t in tickets[1:]}
    assert queue.claim(api.p.db, api.p.clock()) == tickets[1:]  # at once, no lease to wait out


def test_a_batch_is_stored_at_once_and_one_bad_ticket_does_not_hold_back_the_rest(
    api: RoutedApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, defect 13: a batch is advised in one read and stored in one write; a ticket whose
    advice fails stays queued (with its error, retried later), the others are routed."""
    from hotline.routing import auto

    api.p.clock.advance(seconds=queue.LEASE.total_seconds() + 1)  # what earlier tests left claimed
    api.route_waiting()
    tickets = [_post(api, f"海滨路{n}号的井盖缺失，晚上有人踩空") for n in range(4)]
    bad = tickets[1]
    real = auto.advise_ticket

    def advise_ticket(*args: object, **kwargs: object) -> auto.Advised:
        if args[3].id == bad:  # type: ignore[attr-defined]
            raise RuntimeError("the classifier fell over")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(auto, "advise_ticket", advise_ticket)
    assert _route_batch(api, lambda: False) == 3
    with api.p.db.read() as s:
        rows = {r.ticket_id: r.last_error or "" for r in s.scalars(select(RoutingQueueRow))}
    assert set(rows) == {bad} and "classifier fell over" in rows[bad]
    api.get("dispatcher", f"/api/v1/tickets/{bad}/routing", expect=404)
    for t in tickets:
        if t != bad:
            assert api.get("dispatcher", f"/api/v1/tickets/{t}/routing")["suggestions"]
    for t in tickets:  # each routed ticket's decision audited once, the failed one's not yet
        params = {"entity_type": "ticket", "entity_id": t, "action": "routing"}
        assert len(api.get("admin", "/api/v1/audit", params=params)["items"]) == (t != bad)
    monkeypatch.undo()
    api.p.clock.advance(seconds=120)
    assert api.route_waiting() == 1 and _waiting(api) == set()


def test_indexing_a_batch_gives_the_same_postings_as_one_by_one(api: RoutedApi) -> None:
    from hotline.search import service as index
    from hotline.search.models import SearchDocument, SearchPosting

    now = api.p.clock()
    texts = [(900_001, "望海社区路灯不亮 street light"), (900_002, "幸福路下水道堵了"), (900_003, "")]

    def read(scope: str) -> set[tuple[int, str, int]]:
        with api.p.db.read() as s:
            q = (
                select(SearchDocument.ref_id, SearchPosting.term, SearchPosting.tf)
                .join(SearchPosting, SearchPosting.document_id == SearchDocument.id)
                .where(SearchDocument.scope == scope)
            )
            return {(r, t, n) for r, t, n in s.execute(q)}

    with api.p.db.write() as s:
        for ref_id, text in texts:
            index.index(s, "one", ref_id, text, now)
        index.index_many(s, "many", texts, now)
    assert read("many") == read("one") and read("one")
    with api.p.db.write() as s:  # again: replaced, not added to
        index.index_many(s, "many", [(900_001, "公交车甩站"), (900_004, "燃气泄漏")], now)
        index.index(s, "one", 900_001, "公交车甩站", now)
        index.index(s, "one", 900_004, "燃气泄漏", now)
    assert read("many") == read("one")
    with api.p.db.read() as s:
        counted = s.scalars(select(SearchDocument.length).where(SearchDocument.scope == "many")).all()
    assert len(counted) == 4


def test_a_batch_read_at_once_gets_the_advice_each_ticket_gets_alone(api: RoutedApi) -> None:
    """Issue 16, defect 13: the router reads its batch's past tickets at once (one search of all
    texts, their rows, dispatchers and places); each ticket's advice — suggestions with their
    reasons, similar tickets, duplicates, decision — is what reading them ticket by ticket gives."""
    from hotline.routing import auto
    from hotline.routing.views import advice_json
    from hotline.tickets import queries as tickets_queries

    api.p.clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    api.route_waiting()
    for n in range(3):  # the past: dispatched by hand, open, at one address (history, duplicates)
        past = api.intake(content=f"椰海大道{n}号的共享单车堆成小山，盲道全堵住了", address="椰海大道88号")
        if past["status"] == "received":
            api.act("dispatcher", past["id"], "dispatch", {"lead_unit_id": api.p.unit_id("d-longwan")})
    # their own words, so that later tests' advice does not meet these tickets as history
    texts = [
        "椰海大道的共享单车把盲道堵住了",
        "椰海大道盲道上全是共享单车",
        "椰海大道的广告牌被风吹歪了",
        "🙂🙂",
    ]
    waiting = [_post(api, t) for t in texts]
    state = api.client.app.state  # type: ignore[attr-defined]
    runtime, policy, now = state.routing, state.wiring.routing_policy, api.p.clock()

    def advice(batch: bool) -> list[tuple[dict, str]]:  # type: ignore[type-arg]
        with api.p.db.read() as s:
            shared = auto.Shared.read(s, runtime)
            rows = tickets_queries.briefs(s, waiting)
            lookups = auto.look_up(s, list(rows.values())) if batch else None
            advised = [auto.advise_ticket(s, runtime, policy, rows[t], now, shared, lookups) for t in waiting]
        return [(advice_json(a.advice), a.decision) for a in advised]

    together, alone = advice(True), advice(False)
    assert together == alone
    first = together[0][0]
    assert first["duplicates"] and any(  # the lookups were used: past tickets found and compared
        ev["source"] == "history" for c in first["suggestions"] for ev in c["reasons"]
    )
    api.route_waiting()


def test_when_the_batch_read_fails_the_batch_is_routed_ticket_by_ticket(
    api: RoutedApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.routing import auto

    api.p.clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    api.route_waiting()
    tickets = [_post(api, f"椰海大道{n}号的树枝挡住了路牌") for n in range(3)]

    def look_up(*_: object) -> auto.Lookups:
        raise RuntimeError("the search fell over")

    monkeypatch.setattr(auto, "look_up", look_up)
    assert _route_batch(api, lambda: False) == 3
    assert _waiting(api) == set()
    assert all(api.get("dispatcher", f"/api/v1/tickets/{t}/routing")["ticket_id"] == t for t in tickets)
