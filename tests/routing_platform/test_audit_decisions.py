"""Routing's decisions in the audit: each routed ticket has one `routing.decided` entry by the
router (suggestions with their confidence, the decision and why, threshold and model), readable by
an administrator; what was dispatched at once stays in the ticket's event log as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hotline.routing import auto
from tests.conftest import Platform, _platform
from tests.routing_platform.conftest import RoutedApi, _with_routing, fresh_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def own(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A routing platform of this module's own: its tickets must not become other tests' duplicates."""
    data_dir = tmp_path_factory.mktemp(f"routing-audit-{request.param}")
    with fresh_database(request.param, data_dir) as url:
        yield from _with_routing(_platform(request.param, url, data_dir))


@pytest.fixture
def api(own: Platform) -> RoutedApi:
    return RoutedApi(own)


def _decisions(api: RoutedApi, ticket: int) -> list[dict[str, Any]]:
    params = {"entity_type": "ticket", "entity_id": ticket, "action": "routing"}
    return api.get("admin", "/api/v1/audit", params=params)["items"]  # type: ignore[no-any-return]


def test_an_auto_dispatch_is_audited_with_its_confidence_and_threshold(api: RoutedApi) -> None:
    t = api.intake(content="燃气表后面的管子有点松，想请人来看看", category_code="utilities.gas")
    assert t["routing"]["decision"] == "auto_dispatched"
    [decided] = _decisions(api, t["id"])
    assert decided["action"] == "routing.decided" and decided["actor"]["name"] == "router"
    after = decided["after"]
    assert after["decision"] == "auto_dispatched" and after["auto_dispatch"] is True
    top = after["suggestions"][0]
    assert top["category_code"] == "utilities.gas" and top["unit_id"] == t["lead_unit"]["id"]
    assert top["confidence"] == t["routing"]["advice"]["suggestions"][0]["confidence"] >= after["threshold"]
    assert top["sources"] and decided["note"].startswith("已自动派单")


def test_a_ticket_routed_again_keeps_both_decisions(api: RoutedApi) -> None:
    t = api.intake(content="家里的宽带断了两天，客服一直说在排查", category_code="utilities.broadband")
    state = api.client.app.state  # type: ignore[attr-defined]

    auto.after_intake(api.p.db, state.routing, state.wiring.routing_policy, t["id"], api.p.clock())
    second, first = _decisions(api, t["id"])
    assert first["after"]["decision"] == t["routing"]["decision"]
    assert (
        second["after"]["decision"] == "not_received"
        if t["status"] == "dispatched"
        else first["after"]["decision"]
    )
    assert api.get("dispatcher", f"/api/v1/tickets/{t['id']}/routing")["decision"] == "not_received"


def test_an_auto_dispatch_refused_by_the_workflow_is_audited(api: RoutedApi) -> None:
    """The router decided to dispatch, but a dispatcher was quicker: the refusal is recorded too."""
    from hotline.routing.service import RouteRequest, advise

    text = "小区门口的燃气调压箱在漏气，味道很重"
    ticket = api.post("operator1", "/api/v1/tickets", {"kind": "complaint", "content": text}, expect=201)[
        "id"
    ]
    api.act("dispatcher", ticket, "dispatch", {"lead_unit_id": api.p.unit_id("ent-gas")})
    state = api.client.app.state  # type: ignore[attr-defined]
    policy = state.wiring.routing_policy
    with api.p.db.read() as s:
        request = RouteRequest(text=text, kind="complaint", category_code="utilities.gas", ticket_id=ticket)
        advice = advise(s, state.routing, request, api.p.clock())
    assert advice.top is not None and advice.top.unit is not None
    assert auto._dispatch(api.p.db, ticket, advice, policy, api.p.clock()) == "dispatch_refused"
    refused = [e for e in _decisions(api, ticket) if e["action"] == "routing.dispatch_refused"]
    assert len(refused) == 1 and refused[0]["actor"]["name"] == "router"
    assert refused[0]["after"]["decision"] == "dispatch_refused" and refused[0]["after"]["refusal"]
