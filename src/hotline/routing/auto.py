"""Routing at intake: advise on a new ticket, remember the advice, and dispatch at once (秒派)
when routing is sure.

Auto-dispatch happens only when all hold: it is switched on (``HOTLINE_ROUTING_AUTO_DISPATCH``);
the best suggestion's confidence reaches the threshold and names a unit — the threshold is the
model's own (chosen in training for the target precision, stored with the model) when the
classifier is the only evidence, else ``HOTLINE_ROUTING_AUTO_DISPATCH_THRESHOLD`` (default 0.9)
for combined evidence (DECISIONS.md, Routing 4); the request is not an emergency (the operator must hand it off);
no open ticket looks like the same problem (the operator may merge it); and it is not a
consultation the knowledge base answers (the operator answers at intake). The dispatch goes
through the workflow's own Dispatch command by the system actor, with the reasons in its note,
so it stands in the event log like any other dispatch.

Every decision is also audited (`routing.decided`, actor `router`) in the transaction that stores
the advice: what was suggested with which confidence, what was decided and why, the threshold and
the model in force. The `ticket_routing` row is replaced when a ticket is routed again; the audit
keeps each decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.db.engine import Database
from hotline.domain import commands as c
from hotline.domain.errors import DomainError
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import Kind, Role, TicketStatus
from hotline.kb import queries as kb
from hotline.routing import history
from hotline.routing.emergency import EmergencyResult
from hotline.routing.models import RoutingRule, TicketRouting
from hotline.routing.runtime import Runtime
from hotline.routing.service import Advice, Lookups, RouteRequest, active_rules, advise
from hotline.routing.world import World
from hotline.tickets import queries as tickets_queries
from hotline.tickets import service as tickets
from hotline.tickets.service import Deadlines

log = logging.getLogger("hotline.routing")

SYSTEM = Actor(role=Role.SYSTEM)


@dataclass(frozen=True)
class Policy:
    auto_dispatch: bool = True
    threshold: float = 0.9
    duplicate_window_hours: float = 72
    duplicate_distance_m: float = 500
    deadlines: Deadlines | None = None  # the workflow's deadline calculator, which a dispatch needs

    @classmethod
    def of(cls, settings: Any, deadlines: Deadlines | None = None) -> Policy:
        return cls(
            auto_dispatch=settings.routing_auto_dispatch,
            threshold=settings.routing_auto_dispatch_threshold,
            duplicate_window_hours=settings.routing_duplicate_window_hours,
            duplicate_distance_m=settings.routing_duplicate_distance_m,
            deadlines=deadlines,
        )


@dataclass(frozen=True)
class Shared:
    """What every ticket of a router's batch is advised with, read once for the batch: the
    directory view (its fingerprint alone is a query), the active rules (detached rows) and the
    knowledge base in memory."""

    world: World
    rules: list[RoutingRule]
    library: kb.Snapshot

    @classmethod
    def read(cls, session: Session, runtime: Runtime) -> Shared:
        world = runtime.world(session)
        rules = active_rules(session)
        library = runtime.kb(session)
        session.expunge_all()  # kept after the read transaction ends
        return cls(world, rules, library)


@dataclass
class Outcome:
    ticket_id: int
    advice: Advice
    decision: str
    auto_dispatched: bool


@dataclass(frozen=True)
class Threshold:
    """The confidence a suggestion must reach, and whose it is: ``model`` (the classifier alone)
    or ``setting`` (combined evidence)."""

    value: float
    basis: str


def threshold(advice: Advice, policy: Policy) -> Threshold:
    """The model's own threshold when the classifier is the only evidence, else the setting's."""
    if advice.model_alone and advice.model_threshold is not None:
        return Threshold(advice.model_threshold, "model")
    return Threshold(policy.threshold, "setting")


def decide(advice: Advice, kind: str, status: str, policy: Policy) -> str:
    """What to do with the advice: ``auto_dispatched`` or why not."""
    top = advice.top
    if status != TicketStatus.RECEIVED:
        return "not_received"
    if advice.emergency:
        return "emergency"
    if top is None:
        return "nothing_to_route"
    if advice.duplicates:
        return "duplicate"
    if kind == Kind.CONSULTATION and advice.answers:
        return "answer_at_intake"
    if not policy.auto_dispatch:
        return "disabled"
    if top.confidence < threshold(advice, policy).value:
        return "below_threshold"
    if top.unit is None or top.unit.kind == "centre" or not top.unit.active:
        return "no_unit"
    return "auto_dispatched"


def _note(advice: Advice, policy: Policy) -> str:
    top = advice.top
    assert top is not None
    reasons = "；".join(ev.zh for ev in top.evidence[:4])
    limit = threshold(advice, policy)
    whose = "分类模型阈值" if limit.basis == "model" else "阈值"
    return f"智能分拨秒派（置信度 {top.confidence:.2f} ≥ {whose} {limit.value:.2f}）：{reasons}"[:1000]


def row_values(advice: Advice, decision: str, now: datetime) -> dict[str, Any]:
    from hotline.routing.views import advice_json

    top = advice.top
    place = advice.place
    stored = advice_json(advice)
    return {
        "computed_at": now,
        "suggestions": stored["suggestions"],
        "top_category_code": top.category.code if top and top.category else None,
        "top_unit_id": top.unit.id if top and top.unit else None,
        "top_confidence": round(top.confidence, 4) if top else None,
        "emergency_service": advice.emergency.service,
        "emergency": stored["emergency"],
        "district_id": place.district.id if place and place.district else None,
        "street_id": place.street.id if place and place.street else None,
        "community_id": place.community.id if place and place.community else None,
        "grid_id": place.grid.id if place and place.grid else None,
        "place": stored["place"],
        "duplicates": stored["duplicates"],
        "answers": stored["answers"],
        "decision": decision,
        "auto_dispatched": decision == "auto_dispatched",
        "model_used": advice.model_used,
        "model_version": advice.model_version,
        "model_note": advice.model_note[:300] if advice.model_note else None,
    }


def decision_json(advice: Advice, decision: str, policy: Policy) -> dict[str, Any]:
    """What the audit keeps of a decision (the full advice, with its reasons, is in ticket_routing)."""
    limit = threshold(advice, policy)
    return {
        "decision": decision,
        "auto_dispatch": policy.auto_dispatch,
        "threshold": limit.value,
        "threshold_basis": limit.basis,
        "model_used": advice.model_used,
        "suggestions": [
            {
                "category_code": c.category.code if c.category else None,
                "unit_id": c.unit.id if c.unit else None,
                "confidence": round(c.confidence, 4),
                "sources": sorted({ev.source for ev in c.evidence}),
            }
            for c in advice.suggestions
        ],
        "emergency": advice.emergency.service,
        "duplicates": [d.ticket_id for d in advice.duplicates],
        "answers": [a.article_id for a in advice.answers],
        "model": None
        if not advice.model_used
        else {"version": advice.model_version, "threshold": advice.model_threshold},
    }


def _decision_note(decision: str) -> str:
    from hotline.routing.views import DECISIONS

    zh, en = DECISIONS.get(decision, (decision, decision))
    return f"{zh} / {en}"


@dataclass
class Advised:
    """A ticket advised on, its advice not yet stored (a router stores a batch's at once)."""

    ticket: tickets_queries.TicketBrief
    advice: Advice
    decision: str
    decided: dict[str, Any]
    now: datetime


def request_of(t: tickets_queries.TicketBrief) -> RouteRequest:
    """What routing is asked about a stored ticket."""
    return RouteRequest(
        text=t.content,
        title=t.title,
        kind=t.kind,
        channel=t.channel,
        address=t.address,
        latitude=t.latitude,
        longitude=t.longitude,
        category_code=t.category_code,
        ticket_id=t.id,
    )


def look_up(session: Session, batch: list[tickets_queries.TicketBrief]) -> Lookups:
    """The past tickets a batch's advice needs, read for the batch at once."""
    return Lookups.read(session, [request_of(t) for t in batch])


def advise_ticket(
    session: Session,
    runtime: Runtime,
    policy: Policy,
    t: tickets_queries.TicketBrief,
    now: datetime,
    shared: Shared | None = None,
    lookups: Lookups | None = None,
) -> Advised:
    """The advice on a ticket and what to do with it (reads only). ``lookups``: the past tickets
    read for the ticket's whole batch (`look_up`)."""
    advice = advise(
        session,
        runtime,
        request_of(t),
        now,
        duplicate_window_hours=policy.duplicate_window_hours,
        duplicate_distance_m=policy.duplicate_distance_m,
        world=shared.world if shared else None,
        rules=shared.rules if shared else None,
        library=shared.library if shared else None,
        lookups=lookups,
    )
    decision = decide(advice, t.kind, t.status, policy)
    return Advised(t, advice, decision, decision_json(advice, decision, policy), now)


def record(session: Session, batch: list[Advised]) -> None:
    """Store a batch's advice in one transaction: the tickets' text indexed, each advice row
    (replaced when routed again; new ones inserted in one executemany) and each decision audited."""
    if not batch:
        return
    ids = [a.ticket.id for a in batch]
    existing = {
        r.ticket_id: r for r in session.scalars(select(TicketRouting).where(TicketRouting.ticket_id.in_(ids)))
    }
    texts = [(a.ticket.id, a.ticket.title, a.ticket.content) for a in batch]
    history.index_tickets(session, texts, max(a.now for a in batch))
    fresh = []
    for a in batch:
        values = row_values(a.advice, a.decision, a.now)
        row = existing.get(a.ticket.id)
        if row is None:
            fresh.append({"ticket_id": a.ticket.id, **values})
        else:
            for name, value in values.items():
                setattr(row, name, value)
        audit.record(
            session,
            audit.ROUTER,
            "routing.decided",
            "ticket",
            a.ticket.id,
            at=a.now,
            after=a.decided,
            note=_decision_note(a.decision),
        )
    if fresh:
        session.connection().execute(insert(TicketRouting.__table__), fresh)  # Core: plain parameters
    session.flush()


def dispatch(db: Database, a: Advised, policy: Policy) -> str:
    """Dispatch an advised ticket at once (its advice stored first); the decision that stands."""
    return _dispatch(db, a.ticket.id, a.advice, policy, a.now)


def after_intake(
    db: Database,
    runtime: Runtime,
    policy: Policy,
    ticket_id: int,
    now: datetime,
    *,
    shared: Shared | None = None,
    done: Callable[[Session], None] | None = None,
) -> Outcome:
    """Advise on a ticket just taken in; store the advice; dispatch at once when sure.

    Safe to call twice (the advice is replaced; a second dispatch is refused by the workflow).
    ``shared``: the directory view and rules a router read once for its whole batch. ``done``
    runs in the transaction that stores the advice (the router takes the ticket out of its queue
    there) — unless the ticket is to be dispatched: then the caller does it after the dispatch,
    so a router that dies in between leaves the ticket queued, not advised-but-undispatched.
    The router itself advises a whole batch at once (`queue.route_pending`).
    """
    with db.read() as session:
        t = tickets_queries.brief(session, ticket_id)
        if t is None:
            raise LookupError(f"ticket {ticket_id} not found")
        a = advise_ticket(session, runtime, policy, t, now, shared)
    with db.write() as session:
        record(session, [a])
        if done is not None and a.decision != "auto_dispatched":
            done(session)
    decision = dispatch(db, a, policy) if a.decision == "auto_dispatched" else a.decision
    return Outcome(ticket_id, a.advice, decision, decision == "auto_dispatched")


def _dispatch(db: Database, ticket_id: int, advice: Advice, policy: Policy, now: datetime) -> str:
    top = advice.top
    assert top is not None and top.unit is not None
    assert policy.deadlines is not None, "auto-dispatch needs the deadline calculator (bootstrap.wire)"
    command = c.Dispatch(
        lead_unit=top.unit.id,
        category=top.category.code if top.category else None,
        note=_note(advice, policy),
    )
    try:
        tickets.execute(db, ticket_id, command, SYSTEM, now, policy.deadlines)
        return "auto_dispatched"
    except DomainError as exc:  # someone dispatched first, or the unit was retired meanwhile
        log.info("auto-dispatch of ticket %s refused: %s", ticket_id, exc.code)
        with db.write() as session:
            row = session.get(TicketRouting, ticket_id)
            if row is not None:
                row.decision, row.auto_dispatched = "dispatch_refused", False
            audit.record(
                session,
                audit.ROUTER,
                "routing.dispatch_refused",
                "ticket",
                ticket_id,
                at=now,
                before={"decision": "auto_dispatched"},
                after={"decision": "dispatch_refused", "refusal": exc.code},
                note=_decision_note("dispatch_refused"),
            )
        return "dispatch_refused"


def refresh_duplicates(
    db: Database, runtime: Runtime, policy: Policy, ticket_id: int, now: datetime
) -> list[dict[str, Any]] | None:
    """Duplicates of a stored ticket looked up again; None when the ticket is finished."""
    from hotline.routing import duplicates as dup
    from hotline.routing.views import advice_json

    with db.read() as session:
        t = tickets_queries.brief(session, ticket_id)
        r = session.get(TicketRouting, ticket_id)
        if t is None or r is None or t.status not in {s.value for s in dup.OPEN}:
            return None
        world = runtime.world(session)
        lowest = next((i for i in (r.community_id, r.street_id, r.district_id) if i is not None), None)
        place = None
        if lowest is not None and lowest in world.places.units:
            place = world.places.place_of(world.places.units[lowest], "stored")
        text = history.ticket_text(t.title, t.content)
        found = dup.find(
            session,
            world,
            text,
            place,
            t.latitude,
            t.longitude,
            world.categories.get(r.top_category_code) if r.top_category_code else None,
            now,
            exclude=ticket_id,
            window_hours=policy.duplicate_window_hours,
            max_distance_m=policy.duplicate_distance_m,
            candidates=history.search_tickets(session, text),
        )
    empty = Advice([], None, EmergencyResult(()), duplicates=found)
    return list(advice_json(empty)["duplicates"])
