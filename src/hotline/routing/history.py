"""Past tickets as routing evidence: their text is indexed at intake, and a new request is
compared with the ones a person routed (an operator's dispatch) or that were settled (the unit
replied, was reviewed, followed up, closed) — never with tickets only the router itself sent, so
its own guesses do not teach it.

Reads the tickets' projection and event log directly (read-only): tickets/queries.py has no
read of this shape yet.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from hotline.domain.vocabulary import Role, TicketStatus
from hotline.search import queries as search
from hotline.search import service as index
from hotline.search.tokens import char_ngrams, cosine
from hotline.tickets import queries as tickets

SCOPE: Final = "ticket"
#: Characters of a ticket that are indexed and compared: what it is about is said first.
INDEXED_CHARS: Final = 300
MIN_SIMILARITY: Final = 0.25

SETTLED: Final = frozenset(
    {TicketStatus.REPLIED, TicketStatus.REVIEWED, TicketStatus.FOLLOWED_UP, TicketStatus.CLOSED}
)
PEOPLE: Final = frozenset({Role.OPERATOR.value, Role.DISPATCHER.value, Role.UNIT_REVIEWER.value})


def ticket_text(title: str | None, content: str) -> str:
    return f"{title}\n{content}" if title else content


@functools.lru_cache(maxsize=4096)
def ngrams(text: str) -> Counter[str]:
    """The compared head's character bigrams, remembered: a burst's tickets meet the same past
    tickets again and again, in history and in duplicates (treat the result as read-only)."""
    return char_ngrams(text, INDEXED_CHARS)


def candidates(session: Session, ids: list[int]) -> dict[int, tickets.TicketBrief]:
    """The found tickets' rows, read once for both history and duplicates."""
    return tickets.briefs(session, ids) if ids else {}


def index_ticket(session: Session, ticket_id: int, title: str | None, content: str, now: datetime) -> None:
    index.index(session, SCOPE, ticket_id, ticket_text(title, content), now, max_chars=INDEXED_CHARS)


def index_tickets(session: Session, texts: list[tuple[int, str | None, str]], now: datetime) -> None:
    """Index a batch of tickets ``(id, title, content)`` at once (the router's batch)."""
    documents = [(i, ticket_text(title, content)) for i, title, content in texts]
    index.index_many(session, SCOPE, documents, now, max_chars=INDEXED_CHARS)


@dataclass(frozen=True, slots=True)
class PastTicket:
    id: int
    similarity: float
    category_code: str | None
    unit_id: int | None
    status: str
    satisfaction: str | None
    routed_by: str  # person | settled
    received_at: datetime


def search_tickets(session: Session, text: str, limit: int = 20) -> list[int]:
    """Ids of the indexed tickets most alike ``text`` (BM25), best first: the candidates of both
    history and duplicates, so a busy centre's thousands of open tickets are never all compared."""
    return [h.ref_id for h in search.search(session, SCOPE, text, limit=limit, query_chars=INDEXED_CHARS)]


def search_many(session: Session, texts: list[str], limit: int = 20) -> list[list[int]]:
    """:func:`search_tickets` of each text, searched at once (a router's batch)."""
    found = search.search_many(
        session, SCOPE, list(texts), limit=limit, query_chars=INDEXED_CHARS, explain=False
    )
    return [[h.ref_id for h in hits] for hits in found]


def dispatchers(session: Session, ids: list[int]) -> dict[int, str]:
    """Who last dispatched each of these tickets (a role), for :func:`similar`."""
    return tickets.last_dispatchers(session, ids) if ids else {}


def similar(
    session: Session,
    text: str,
    exclude: int | None = None,
    limit: int = 5,
    candidates: list[int] | None = None,
    rows: Mapping[int, tickets.TicketBrief] | None = None,
    last_dispatcher: Mapping[int, str] | None = None,
) -> list[PastTicket]:
    """The past tickets most alike ``text`` whose routing a person made or the work confirmed.
    ``rows`` and ``last_dispatcher``: the candidates' rows and dispatchers when the caller read
    them already (`candidates`, `dispatchers`: a router reads them for its whole batch)."""
    found_ids = search_tickets(session, text) if candidates is None else candidates
    ids = [i for i in found_ids if i != exclude]
    if not ids:
        return []
    if rows is None:
        rows = tickets.briefs(session, ids)
    if last_dispatcher is None:
        last_dispatcher = dispatchers(session, ids)
    mine = ngrams(text)
    found = []
    for ticket_id in ids:
        row = rows.get(ticket_id)
        if row is None or row.lead_unit_id is None:
            continue
        if row.status in SETTLED:
            routed_by = "settled"
        elif last_dispatcher.get(ticket_id) in PEOPLE and row.status != TicketStatus.SENT_BACK:
            routed_by = "person"
        else:
            continue
        sim = cosine(mine, ngrams(ticket_text(row.title, row.content)))
        if sim < MIN_SIMILARITY:
            continue
        found.append(
            PastTicket(
                id=row.id,
                similarity=round(sim, 4),
                category_code=row.category_code,
                unit_id=row.lead_unit_id,
                status=row.status,
                satisfaction=row.satisfaction,
                routed_by=routed_by,
                received_at=row.received_at,
            )
        )
    found.sort(key=lambda p: (-p.similarity, -p.id))
    return found[:limit]


def reindex(session: Session, now: datetime) -> int:
    """Index every ticket's text (after an upgrade, or to rebuild the index); returns how many."""
    n = 0
    for ticket_id, title, content in tickets.texts(session):
        index_ticket(session, ticket_id, title, content, now)
        n += 1
    return n
