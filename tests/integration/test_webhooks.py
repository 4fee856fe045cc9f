"""Webhooks to a real local HTTP receiver: events reach a department's system signed, with a stable
delivery id; a receiver that is down gets every message later (retries with backoff, clock moved by
hand); nothing is sent again once a 2xx was recorded; administrators manage subscriptions."""

from __future__ import annotations

import hashlib
import hmac
import socket
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select

from hotline.notify import webhooks
from hotline.notify.egress import parse_networks
from hotline.notify.models import WebhookDelivery, WebhookSubscription
from hotline.worker import Worker
from tests.conftest import LOCAL_RECEIVERS, Platform
from tests.integration.api import Api
from tests.integration.receiver import Receiver, running
from tests.integration.timeline import Timeline, cst

SECRET = "a-department-shared-secret-0123456789"
_TIMELINES: dict[int, Timeline] = {}


@pytest.fixture
def receiver() -> Any:
    yield from running(Receiver())


@pytest.fixture(autouse=True)
def _clean(isolated: Platform) -> Any:
    """Each test starts with no subscriptions and an empty outbox (earlier tests' events are fanned out)."""
    yield
    with isolated.db.write() as s:
        s.execute(delete(WebhookDelivery))
        s.execute(delete(WebhookSubscription))
    webhooks.fan_out(isolated.db, isolated.clock())


def _at(p: Platform, when: datetime) -> None:
    _TIMELINES.setdefault(id(p), Timeline(p)).set(when)


def _subscribe(api: Api, url: str, **extra: Any) -> dict[str, Any]:
    body = {"name": "城管局业务系统", "url": url, "secret": SECRET, **extra}
    return api.post("admin", "/api/v1/admin/webhooks", body, expect=201)  # type: ignore[no-any-return]


def _worker(p: Platform) -> Worker:
    return Worker(
        p.db, p.clock, webhook_timeout_s=5, webhook_allowed_networks=parse_networks(LOCAL_RECEIVERS)
    )


def _dispatch(api: Api, p: Platform, unit: str = "dept-urban") -> int:
    t = api.intake()["id"]
    api.act("dispatcher", t, "dispatch", {"lead_unit_id": p.unit_id(unit)})
    return int(t)


def test_events_arrive_signed_with_a_delivery_id_and_the_event(
    isolated: Platform, receiver: Receiver
) -> None:
    p, api = isolated, Api(isolated)
    _at(p, cst(2026, 11, 23, 9))
    sub = _subscribe(api, receiver.url, event_tags=["ticket.dispatched", "assignment.urged"])
    assert sub["secret"] == SECRET and sub["secret_hint"] == SECRET[-4:]
    t = _dispatch(api, p)
    api.on("supervisor", t, 1, "urge", {"note": "加快"})
    result = _worker(p).run_once()
    assert result.deliveries.delivered == 2
    first, second = receiver.got
    assert [r.json["event"]["tag"] for r in receiver.got] == ["ticket.dispatched", "assignment.urged"]
    body = first.json
    assert body["event"]["ticket_id"] == t and body["ticket"]["tracking_code"]
    assert body["delivery_id"] == first.headers["X-Hotline-Delivery"]
    assert first.headers["X-Hotline-Event"] == "ticket.dispatched"
    mac = hmac.new(
        SECRET.encode(), first.headers["X-Hotline-Timestamp"].encode() + b"." + first.body, hashlib.sha256
    )
    assert first.headers["X-Hotline-Signature"] == "sha256=" + mac.hexdigest()
    assert second.json["event"]["payload"]["note"] == "加快"
    # Received once: the next pass sends nothing.
    assert _worker(p).run_once().deliveries.sent == 0 and len(receiver.got) == 2
    out = api.get("admin", "/api/v1/admin/webhooks")[0]
    assert (out["delivered"], out["pending"], out["failed"]) == (2, 0, 0)
    assert "secret" not in out


def test_a_receiver_that_fails_first_gets_the_message_later_with_the_same_delivery_id(
    isolated: Platform, receiver: Receiver
) -> None:
    p, api = isolated, Api(isolated)
    start = cst(2026, 11, 23, 10)
    _at(p, start)
    _subscribe(api, receiver.url, event_tags=["ticket.dispatched"])
    t = _dispatch(api, p)
    receiver.answers = [503, 500]
    w = _worker(p)
    assert w.run_once().deliveries.failed_attempts == 1
    assert w.run_once().deliveries.sent == 0  # not due before its backoff (10 s)
    _at(p, start + timedelta(seconds=10))
    assert w.run_once().deliveries.failed_attempts == 1  # second failure: next in 20 s
    _at(p, start + timedelta(seconds=29))
    assert w.run_once().deliveries.sent == 0
    _at(p, start + timedelta(seconds=30))
    assert w.run_once().deliveries.delivered == 1
    ids = {r.headers["X-Hotline-Delivery"] for r in receiver.got}
    assert [r.status for r in receiver.got] == [503, 500, 200] and len(ids) == 1
    assert all(r.json["event"]["ticket_id"] == t for r in receiver.got)
    _at(p, start + timedelta(hours=5))
    assert w.run_once().deliveries.sent == 0 and len(receiver.got) == 3
    sub_id = api.get("admin", "/api/v1/admin/webhooks")[0]["id"]
    [d] = api.get("admin", f"/api/v1/admin/webhooks/{sub_id}/deliveries")
    assert (d["status"], d["attempts"], d["last_status_code"]) == ("delivered", 3, 200)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_nothing_is_lost_while_the_receiver_is_down(isolated: Platform) -> None:
    p, api = isolated, Api(isolated)
    start = cst(2026, 11, 24, 9)
    _at(p, start)
    port = _closed_port()  # nobody listens here yet
    sub = _subscribe(api, f"http://127.0.0.1:{port}/hook", event_tags=["ticket.dispatched"])
    tickets = [_dispatch(api, p) for _ in range(3)]
    w = _worker(p)
    for minutes in (0, 1, 2, 4, 8, 16):
        _at(p, start + timedelta(minutes=minutes))
        w.run_once()
    with p.db.read() as s:
        rows = s.execute(
            select(WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.last_error).where(
                WebhookDelivery.subscription_id == sub["id"]
            )
        ).all()
    assert [r.status for r in rows] == ["pending"] * 3 and all(r.attempts >= 4 for r in rows)
    assert all("refused" in (r.last_error or "").lower() for r in rows), rows
    # The department's system comes back (at a new address): everything arrives, once.
    late = Receiver()
    late.start()
    try:
        api.call("PATCH", "admin", f"/api/v1/admin/webhooks/{sub['id']}", {"url": late.url})
        _at(p, start + timedelta(hours=2))
        assert w.run_once().deliveries.delivered == 3
        assert sorted(r.json["event"]["ticket_id"] for r in late.got) == sorted(tickets)
        _at(p, start + timedelta(hours=4))
        assert w.run_once().deliveries.sent == 0 and len(late.got) == 3
    finally:
        late.stop()


def test_after_the_last_attempt_a_delivery_is_kept_as_failed_and_can_be_sent_again(
    isolated: Platform, receiver: Receiver
) -> None:
    p, api = isolated, Api(isolated)
    start = cst(2026, 11, 25, 9)
    _at(p, start)
    sub = _subscribe(api, receiver.url, event_tags=["ticket.dispatched"])
    _dispatch(api, p)
    receiver.then = 410
    w = Worker(
        p.db,
        p.clock,
        webhook_timeout_s=5,
        webhook_max_attempts=3,
        webhook_allowed_networks=parse_networks(LOCAL_RECEIVERS),
    )
    for seconds in (0, 10, 30):
        _at(p, start + timedelta(seconds=seconds))
        w.run_once()
    [d] = api.get("admin", f"/api/v1/admin/webhooks/{sub['id']}/deliveries")
    assert (d["status"], d["attempts"], d["next_attempt_at"]) == ("failed", 3, None)
    _at(p, start + timedelta(days=1))
    assert w.run_once().deliveries.sent == 0
    receiver.then = 204
    api.post("admin", f"/api/v1/admin/webhooks/deliveries/{d['id']}/retry", expect=204)
    assert w.run_once().deliveries.delivered == 1
    assert len({r.headers["X-Hotline-Delivery"] for r in receiver.got}) == 1
    api.post("admin", f"/api/v1/admin/webhooks/deliveries/{d['id']}/retry", expect=404)  # not failed


def test_an_address_no_longer_allowed_at_delivery_time_is_not_contacted(
    isolated: Platform, receiver: Receiver
) -> None:
    """The URL was allowed when saved; by delivery time it leads somewhere that is not (DNS changed,
    or the allowed ranges did): nothing is sent there, and the delivery waits as a failed attempt."""
    p, api = isolated, Api(isolated)
    _at(p, cst(2026, 11, 25, 14))
    sub = _subscribe(api, receiver.url, event_tags=["ticket.dispatched"])
    _dispatch(api, p)
    result = Worker(p.db, p.clock, webhook_timeout_s=5).run_once()  # loopback not allowed here
    assert result.deliveries.sent == 1 and result.deliveries.delivered == 0
    assert receiver.got == []
    [d] = api.get("admin", f"/api/v1/admin/webhooks/{sub['id']}/deliveries")
    assert d["status"] == "pending" and "127.0.0.1 is not a public address" in d["last_error"]


def test_a_unit_subscription_gets_only_its_tickets_and_an_inactive_one_nothing(
    isolated: Platform, receiver: Receiver
) -> None:
    p, api = isolated, Api(isolated)
    _at(p, cst(2026, 11, 26, 9))
    water = _subscribe(api, receiver.url, unit_id=p.unit_id("ent-water"), event_tags=["ticket.dispatched"])
    off = _subscribe(api, receiver.url, event_tags=["ticket.dispatched"], active=False)
    mine = _dispatch(api, p, "ent-water")
    _dispatch(api, p, "dept-urban")
    _worker(p).run_once()
    assert [(r.json["subscription_id"], r.json["event"]["ticket_id"]) for r in receiver.got] == [
        (water["id"], mine)
    ]
    assert off["active"] is False
    api.call("DELETE", "admin", f"/api/v1/admin/webhooks/{water['id']}", expect=204)
    _dispatch(api, p, "ent-water")
    _worker(p).run_once()
    assert len(receiver.got) == 1


def test_only_administrators_manage_subscriptions_and_bad_input_is_refused(isolated: Platform) -> None:
    api = Api(isolated)
    _at(isolated, cst(2026, 11, 26, 10))
    body = {"name": "x", "url": "http://127.0.0.1:9/hook"}
    api.post("dispatcher", "/api/v1/admin/webhooks", body, expect=403)
    api.get("supervisor", "/api/v1/admin/webhooks", expect=403)
    bad = api.post("admin", "/api/v1/admin/webhooks", {**body, "url": "ftp://example.org/x"}, expect=422)
    assert bad["code"] == "webhook.url"
    bad = api.post(
        "admin", "/api/v1/admin/webhooks", {**body, "event_tags": ["ticket.teleported"]}, expect=422
    )
    assert bad["code"] == "validation.failed"
    bad = api.post("admin", "/api/v1/admin/webhooks", {**body, "unit_id": 999999}, expect=422)
    assert bad["code"] == "unit.not_found"
    api.call("PATCH", "admin", "/api/v1/admin/webhooks/999999", {"name": "y"}, expect=404)
