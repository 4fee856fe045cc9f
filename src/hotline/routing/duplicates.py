"""Duplicates (并单): is a new request about a problem already being handled?

Candidates are open tickets received within a window (default 72 hours) that are near the same
place — within a distance (default 500 m) when both have a point, or in the same community (or
street, when a community is unknown) — and whose text is alike (character-bigram cosine).
Thresholds: near and similarity ≥ 0.3, or near and the same category and similarity ≥ 0.15;
without a place for either, only a similarity ≥ 0.6 counts. The operator sees them and merges
through the workflow's merge command; nothing is merged automatically.

Reads the tickets' projection directly (read-only), joined with routing's own advice rows, which
hold each ticket's resolved place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.domain.vocabulary import TicketStatus
from hotline.routing import history
from hotline.routing.models import TicketRouting
from hotline.routing.places import Place, distance_m
from hotline.routing.world import CategoryInfo, World
from hotline.search.tokens import cosine
from hotline.tickets import queries as tickets
from hotline.tickets.queries import TicketBrief

OPEN: Final = (
    TicketStatus.RECEIVED,
    TicketStatus.DISPATCHED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.REPLIED,
    TicketStatus.REOPENED,
    TicketStatus.SENT_BACK,
)
SIMILAR: Final = 0.3
SIMILAR_SAME_CATEGORY: Final = 0.15
SIMILAR_NO_PLACE: Final = 0.6
MAX_CANDIDATES: Final = 500
COMPARED_CHARS: Final = history.INDEXED_CHARS  # the same n-grams as history's (shared)


@dataclass
class Duplicate:
    ticket_id: int
    tracking_code: str
    status: str
    title: str | None
    content: str
    received_at: datetime
    similarity: float
    distance_m: float | None
    same_place: str | None  # the shared community or street, by name
    same_category: bool
    duplicates: int  # callers already merged into it
    zh: list[str] = field(default_factory=list)
    en: list[str] = field(default_factory=list)


#: A routed ticket's stored street, community and top category (its advice row).
RoutedPlace = tuple[int | None, int | None, str | None]


def places_of(session: Session, ids: list[int]) -> dict[int, RoutedPlace]:
    """The stored place and top category of those of these tickets that routing advised on."""
    if not ids:
        return {}
    return {
        r.ticket_id: (r.street_id, r.community_id, r.top_category_code)
        for r in session.execute(
            select(
                TicketRouting.ticket_id,
                TicketRouting.street_id,
                TicketRouting.community_id,
                TicketRouting.top_category_code,
            ).where(TicketRouting.ticket_id.in_(ids))
        )
    }


def find(
    session: Session,
    world: World,
    text: str,
    place: Place | None,
    latitude: float | None,
    longitude: float | None,
    category: CategoryInfo | None,
    now: datetime,
    *,
    exclude: int | None = None,
    window_hours: float = 72,
    max_distance_m: float = 500,
    limit: int = 5,
    candidates: list[int] | None = None,
    rows: Mapping[int, TicketBrief] | None = None,
    places: Mapping[int, RoutedPlace] | None = None,
) -> list[Duplicate]:
    """Open tickets that look like the same problem, best first. ``candidates`` are the ids the
    full-text index found alike (history.search_tickets); without them, the newest open tickets
    of the window are compared one by one. ``rows``: the candidates' rows when the caller read
    them already (`history.candidates`), so they are not read twice; ``places`` likewise (`places_of`)."""
    since = now - timedelta(hours=window_hours)
    if rows is not None and candidates is not None:
        open_ = {s.value for s in OPEN}
        pool = [rows[i] for i in candidates if i in rows]
        found = [r for r in pool if r.received_at >= since and r.status in open_]
        found.sort(key=lambda r: r.received_at, reverse=True)
        window = found[:MAX_CANDIDATES]
    else:
        window = tickets.recent_briefs(session, since, [s.value for s in OPEN], candidates, MAX_CANDIDATES)
    routed = places if places is not None else places_of(session, [r.id for r in window])
    mine = history.ngrams(text)
    my_community = place.community.id if place and place.community else None
    my_street = place.street.id if place and place.street else None
    found: list[Duplicate] = []
    for r in window:
        if r.id == exclude:
            continue
        sim = cosine(mine, history.ngrams(history.ticket_text(r.title, r.content)))
        if sim < SIMILAR_SAME_CATEGORY:
            continue
        street_id, community_id, top_category_code = routed.get(r.id, (None, None, None))
        metres = None
        if None not in (latitude, longitude, r.latitude, r.longitude):
            metres = distance_m(latitude, longitude, r.latitude, r.longitude)  # type: ignore[arg-type]
        shared = None
        if my_community is not None and community_id == my_community:
            shared = world.units[my_community].name if my_community in world.units else None
        elif (
            my_street is not None
            and street_id == my_street
            and (my_community is None or community_id is None)
        ):
            shared = world.units[my_street].name if my_street in world.units else None
        near = (metres is not None and metres <= max_distance_m) or shared is not None
        their_category = r.category_code or top_category_code
        same_category = (
            category is not None
            and their_category is not None
            and (
                their_category == category.code
                or (
                    their_category in world.categories
                    and world.categories[their_category].top_code == category.top_code
                )
            )
        )
        known_place = metres is not None or (
            place is not None and (street_id is not None or community_id is not None)
        )
        if near:
            ok = sim >= SIMILAR or (same_category and sim >= SIMILAR_SAME_CATEGORY)
        else:
            ok = not known_place and sim >= SIMILAR_NO_PLACE
        if not ok:
            continue
        d = Duplicate(
            ticket_id=r.id,
            tracking_code=r.tracking_code,
            status=r.status,
            title=r.title,
            content=r.content[:200],
            received_at=r.received_at,
            similarity=round(sim, 4),
            distance_m=None if metres is None else round(metres, 1),
            same_place=shared,
            same_category=bool(same_category),
            duplicates=len(r.duplicate_ids or []),
        )
        d.zh.append(f"内容相似度 {sim:.2f}")
        d.en.append(f"text similarity {sim:.2f}")
        if metres is not None and metres <= max_distance_m:
            d.zh.append(f"相距 {metres:.0f} 米")
            d.en.append(f"{metres:.0f} m away")
        if shared:
            d.zh.append(f"同在{shared}")
            d.en.append(f"same place ({shared})")
        if same_category:
            d.zh.append("同类诉求")
            d.en.append("same category")
        if d.duplicates:
            d.zh.append(f"已并入 {d.duplicates} 件")
            d.en.append(f"{d.duplicates} already merged into it")
        found.append(d)
    # the incident that already gathered callers first, then the most alike, then the oldest
    found.sort(key=lambda d: (-min(d.duplicates, 1), -d.similarity, d.received_at))
    return found[:limit]
