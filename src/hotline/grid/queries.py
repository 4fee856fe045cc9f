"""Reads of the grid pages: which grid covers a ticket's place (routing's place index)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.domain.errors import not_found
from hotline.tickets import queries as tickets


def grid_of_ticket(session: Session, routing: Any, ticket_id: int) -> int | None:
    """The grid of the request's place: its point first, else its address; None when the place is
    not in a grid (the asker then names one); 404 for no such ticket. `routing` is the app's
    routing runtime."""
    brief = tickets.brief(session, ticket_id)
    if brief is None:
        raise not_found("ticket.not_found")
    places = routing.world(session).places
    place = None
    if brief.latitude is not None and brief.longitude is not None:
        place = places.locate(brief.latitude, brief.longitude)
    if (place is None or place.grid is None) and brief.address:
        place = places.find(brief.address, "address")
    return None if place is None or place.grid is None else int(place.grid.id)
