"""Reads of routing's stored advice for other packages (the centre console's dispatch queue)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.routing.models import TicketRouting


@dataclass(frozen=True)
class Suggested:
    """One stored suggestion, in one language: the unit and category routing proposed, and how sure."""

    unit_id: int | None
    unit_name: str | None
    category_code: str | None
    category_name: str | None
    confidence: float


def suggestions(
    session: Session, ticket_ids: Collection[int], lang: str, n: int = 3
) -> dict[int, list[Suggested]]:
    """The first ``n`` suggestions stored at intake for each of these tickets (in the order of their
    confidence, as `GET /api/v1/tickets/{id}/routing` shows them); tickets never routed are left out."""
    if not ticket_ids:
        return {}
    en = lang == "en"
    rows = session.execute(
        select(TicketRouting.ticket_id, TicketRouting.suggestions).where(
            TicketRouting.ticket_id.in_(list(ticket_ids))
        )
    )
    found: dict[int, list[Suggested]] = {}
    for ticket_id, stored in rows:
        found[ticket_id] = [
            Suggested(
                unit_id=x.get("unit_id"),
                unit_name=x.get("unit_en" if en else "unit_zh"),
                category_code=x.get("category_code"),
                category_name=x.get("category_en" if en else "category_zh"),
                confidence=float(x.get("confidence") or 0.0),
            )
            for x in (stored or [])[:n]
        ]
    return found
