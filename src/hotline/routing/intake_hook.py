"""The one call intake makes: route a ticket just taken in (any channel), and say what was done.

Routing must never cost a citizen their ticket: the ticket is already stored when this runs, and
any failure here is logged and answered with no advice (the operator routes by hand).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import Request

from hotline.routing import auto, views
from hotline.routing import schemas as s
from hotline.routing.models import TicketRouting
from hotline.routing.routes import runtime_of

log = logging.getLogger("hotline.routing")


def on_intake(
    request: Request, ticket_id: int, created: bool, now: datetime, lang: str, zone: ZoneInfo
) -> s.IntakeRouting | None:
    """Advise (and maybe dispatch) a new ticket; for a replayed submission, the advice it got."""
    db = request.app.state.db
    try:
        if created:
            with db.read() as session:  # a channel that cannot tell a replay: advised already?
                created = session.get(TicketRouting, ticket_id) is None
        if created:
            outcome = auto.after_intake(
                db, runtime_of(request), auto.Policy.of(request.app.state.settings), ticket_id, now
            )
            stored, decision, done = (
                views.advice_json(outcome.advice),
                outcome.decision,
                outcome.auto_dispatched,
            )
        else:
            with db.read() as session:
                row = session.get(TicketRouting, ticket_id)
                if row is None:
                    return None
                stored = {
                    "suggestions": row.suggestions,
                    "place": row.place,
                    "emergency": row.emergency,
                    "duplicates": row.duplicates,
                    "answers": row.answers,
                }
                decision, done = row.decision, row.auto_dispatched
    except Exception:
        log.exception("routing failed for ticket %s; the operator routes it by hand", ticket_id)
        return None
    return s.IntakeRouting(
        decision=decision,
        decision_label=views.decision_label(decision, lang),
        auto_dispatched=done,
        advice=views.render(stored, lang, zone),
    )
