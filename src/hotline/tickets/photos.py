"""A ticket's photos: the one place that links media/'s stored files to the ticket's workflow.

media/ knows files and their rows (checked, re-encoded, stored outside the web root) and nothing of
tickets; this module knows which photo came with what — the citizen's request or addition, or a
unit's reply (the `assignment.replied` event names its photos) — and so who may see it:

- staff who may see the ticket see every photo (`tickets.queries.require_visible` first);
- the citizen sees the photos they sent and those of the **public answer**: the reply of the lead
  unit the centre dispatched to (its latest assignment), once that reply is approved. A unit's
  other photos (a rejected reply, a delegated unit's reply not carried up, an assisting unit's)
  stay internal.

Writing a reply with photos stages the files, then appends the reply's event and the photos'
rows in one transaction (`service.execute(..., also=...)`); a refusal removes the files again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.service import CurrentUser
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.domain import commands as c
from hotline.domain.errors import invalid
from hotline.domain.ticket import Ticket
from hotline.domain.vocabulary import AssignmentRole, AssignmentState
from hotline.media import queries as media_queries
from hotline.media import service as media
from hotline.media.images import Prepared, prepare
from hotline.tickets import queries, service, store

FIELD = "photos"


@dataclass(frozen=True)
class TicketPhoto:
    """One stored photo and where it came from: `source` is "citizen" (the request or an
    addition), "reply" (a unit's reply, `assignment_no`) or "staff" (anything else a person
    attached); `public` when it belongs to the approved public answer."""

    name: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    uploaded_by: str
    created_at: datetime
    source: str
    assignment_no: int | None
    public: bool


def public_answer_media(state: Ticket) -> frozenset[str]:
    """The photos of the public answer: the latest top-level lead assignment's reply, approved."""
    leads = [a for a in state.assignments if a.role is AssignmentRole.LEAD and a.parent_no is None]
    if not leads:
        return frozenset()
    lead = max(leads, key=lambda a: a.no)
    return frozenset(lead.reply_media) if lead.state is AssignmentState.APPROVED else frozenset()


def of_ticket(session: Session, ticket_id: int) -> list[TicketPhoto]:
    """Every photo of the ticket, oldest first, with its source (for staff who may see it)."""
    stored = media_queries.of_ticket(session, ticket_id)
    if not stored:
        return []
    replied: dict[str, int] = {}
    for ev in queries.log_of(session, ticket_id):
        if ev.tag == "assignment.replied":
            names = (
                *ev.payload.get("media", ()),
                *ev.payload.get("before", ()),
                *ev.payload.get("after", ()),
            )
            for name in names:
                replied[name] = int(ev.payload["no"])
    public = public_answer_media(store.load(session, ticket_id))
    return [
        TicketPhoto(
            m.name,
            m.content_type,
            m.width,
            m.height,
            m.size_bytes,
            m.uploaded_by,
            m.created_at,
            "reply" if m.name in replied else ("citizen" if m.uploaded_by == "citizen" else "staff"),
            replied.get(m.name),
            m.name in public,
        )
        for m in stored
    ]


def for_staff(session: Session, ticket_id: int, user: CurrentUser) -> list[TicketPhoto]:
    """All of the ticket's photos, for a person who may see the ticket (403/404 otherwise)."""
    queries.require_visible(session, ticket_id, user)
    return of_ticket(session, ticket_id)


def for_citizen(session: Session, ticket_id: int) -> list[TicketPhoto]:
    """What the citizen who proved the request is theirs may see: their own photos and the public
    answer's. The caller has checked the tracking code and the phone's digits."""
    return [p for p in of_ticket(session, ticket_id) if p.source == "citizen" or p.public]


def checked(files: Sequence[bytes], settings: Settings) -> list[Prepared]:
    """The uploaded photos, checked and re-encoded; refused (422 naming `photos`) before anything
    is written. Replies carry no position: every EXIF block, GPS included, is dropped."""
    limits = media.limits_of(settings)
    if len(files) > limits.max_files:
        raise invalid("media.too_many", field=FIELD, max=limits.max_files)
    return [prepare(b, limits, field=FIELD) for b in files]


def reply_with_photos(
    db: Database,
    root: Path,
    ticket_id: int,
    no: int,
    reply: str,
    photos: Sequence[Prepared],
    user: CurrentUser,
    now: datetime,
    deadlines: service.Deadlines,
) -> Ticket:
    """The unit's reply and its photos: files staged, then the event and the rows together."""
    with media.staged(root, photos) as staging:

        def rows(session: Session) -> None:
            media.attach(session, ticket_id, staging.stored, audit.Actor.of(user), now)

        names = tuple(s.name for s in staging.stored)
        command = c.Reply(assignment_no=no, reply=reply, media=names)
        return service.execute(
            db, ticket_id, command, user.actor, now, deadlines, also=rows if names else None
        )
