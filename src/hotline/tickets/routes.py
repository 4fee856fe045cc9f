"""Ticket actions over HTTP: one thin handler per workflow step, each one service call.

Every action answers with the ticket as it now stands. Refusals come back as problem+json:
409 for a step the ticket's state does not allow, 403 for a role or unit that may not take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import BaseModel, ValidationError

from hotline.auth.deps import UserDep
from hotline.auth.service import CurrentUser
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.domain import commands as c
from hotline.domain.vocabulary import Kind, TicketStatus
from hotline.media import queries as media_queries
from hotline.media.routes import photo_response
from hotline.media.service import storage_of
from hotline.tickets import photos, queries, service
from hotline.tickets import schemas as s
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep
from hotline.web.numbers import Id, Offset

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets 工单"])


@dataclass(frozen=True)
class Desk:
    """Who acts, when, and how the answer is shown: what every ticket handler needs, as one
    dependency instead of the same five parameters on each."""

    db: Database
    user: CurrentUser
    now: datetime
    zone: ZoneInfo
    lang: str
    deadlines: service.Deadlines


async def get_desk(
    request: Request, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep, lang: LangDep
) -> Desk:
    return Desk(db, user, now, zone, lang, request.app.state.wiring.deadlines)


DeskDep = Annotated[Desk, Depends(get_desk)]


def _show(desk: Desk, ticket_id: int) -> s.TicketOut:
    with desk.db.read() as session:
        return queries.ticket_detail(session, ticket_id, desk.user, desk.zone, desk.lang, desk.now)


@router.get("", response_model=s.TicketPage)
def list_tickets(
    desk: DeskDep,
    status: TicketStatus | None = None,
    kind: Kind | None = None,
    unit_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> s.TicketPage:
    with desk.db.read() as session:
        return queries.list_tickets(
            session,
            desk.user,
            desk.zone,
            desk.lang,
            status=status,
            kind=kind,
            unit_id=unit_id,
            limit=limit,
            offset=offset,
        )


@router.get("/{ticket_id}", response_model=s.TicketOut)
def get_ticket(ticket_id: Id, desk: DeskDep) -> s.TicketOut:
    """The ticket, its assignments and each one's deadlines with the time left (时限与剩余时间).
    The citizen's name, phone and address are masked unless the caller calls citizens; a full view
    is recorded in the audit (``ticket.personal_data_viewed``)."""
    shown = _show(desk, ticket_id)
    service.note_personal_data_view(desk.db, shown, desk.user, desk.now)
    return shown


@router.get("/{ticket_id}/events", response_model=list[s.EventOut])
def get_events(ticket_id: Id, desk: DeskDep) -> list[s.EventOut]:
    with desk.db.read() as session:
        return queries.ticket_events(session, ticket_id, desk.user, desk.zone, desk.lang)


def _run(desk: Desk, ticket_id: int, command: c.Command) -> s.TicketOut:
    service.execute(desk.db, ticket_id, command, desk.user.actor, desk.now, desk.deadlines)
    return _show(desk, ticket_id)


# --- the centre --------------------------------------------------------------------------------


@router.post("/{ticket_id}/answer", response_model=s.TicketOut)
def answer(ticket_id: Id, body: s.AnswerIn, desk: DeskDep):
    """Answer a consultation at intake from the knowledge base (直接答复); no dispatch."""
    return _run(desk, ticket_id, c.AnswerAtIntake(answer=body.answer))


@router.post("/{ticket_id}/dispatch", response_model=s.TicketOut)
def dispatch(ticket_id: Id, body: s.DispatchIn, desk: DeskDep):
    """Send to a lead unit (主办) and optional assisting units (协办)."""
    cmd = c.Dispatch(
        lead_unit=body.lead_unit_id,
        assist_units=tuple(body.assist_unit_ids),
        category=body.category_code,
        note=body.note,
        complex=body.complex,
    )
    return _run(desk, ticket_id, cmd)


@router.post("/{ticket_id}/hand-off", response_model=s.TicketOut)
def hand_off(ticket_id: Id, body: s.HandOffIn, desk: DeskDep):
    """Hand an emergency to 110 / 119 / 120 / 122 (转紧急热线)."""
    return _run(desk, ticket_id, c.HandOff(service=body.service, reason=body.reason))


@router.post("/{ticket_id}/withdraw", response_model=s.TicketOut)
def withdraw(ticket_id: Id, body: s.ReasonIn, desk: DeskDep):
    """Withdraw on the citizen's behalf (撤单)."""
    return _run(desk, ticket_id, c.Withdraw(reason=body.reason))


@router.post("/{ticket_id}/merge", response_model=s.TicketOut)
def merge(ticket_id: Id, body: s.MergeIn, desk: DeskDep):
    """Merge this duplicate into another ticket about the same problem (并单)."""
    service.merge(desk.db, ticket_id, body.into_ticket_id, body.reason, desk.user.actor, desk.now)
    return _show(desk, ticket_id)


@router.post("/{ticket_id}/supervise", response_model=s.TicketOut)
def supervise(ticket_id: Id, body: s.NoteBody, desk: DeskDep):
    """Put the ticket under supervision (督办)."""
    return _run(desk, ticket_id, c.Supervise(note=body.note))


@router.post("/{ticket_id}/follow-up", response_model=s.TicketOut)
def follow_up(ticket_id: Id, body: s.FollowUpIn, desk: DeskDep):
    """Record the follow-up call (回访): contacted? solved? satisfied?"""
    cmd = c.RecordFollowUp(
        contacted=body.contacted,
        solved=body.solved,
        satisfaction=body.satisfaction,
        method=body.method,
        note=body.note,
    )
    return _run(desk, ticket_id, cmd)


@router.post("/{ticket_id}/reopen", response_model=s.TicketOut)
def reopen(ticket_id: Id, body: s.ReasonIn, desk: DeskDep):
    """Send back to the same lead unit after an unsatisfied follow-up (重办)."""
    return _run(desk, ticket_id, c.Reopen(reason=body.reason))


@router.post("/{ticket_id}/close", response_model=s.TicketOut)
def close(
    ticket_id: Id,
    body: s.OptionalReasonBody,
    desk: DeskDep,
):
    """Close (办结). A reason is required when the citizen was unsatisfied or not followed up."""
    return _run(desk, ticket_id, c.Close(reason=body.reason))


# --- the units ---------------------------------------------------------------------------------

_A = "/{ticket_id}/assignments/{no}"


@router.post(_A + "/acknowledge", response_model=s.TicketOut)
def acknowledge(ticket_id: Id, no: Id, desk: DeskDep):
    """Sign for the assignment (签收), within 30 minutes of dispatch."""
    return _run(desk, ticket_id, c.Acknowledge(assignment_no=no))


@router.post(_A + "/contact", response_model=s.TicketOut)
def contact(
    ticket_id: Id,
    no: Id,
    body: s.NoteBody,
    desk: DeskDep,
):
    """Record the first contact with the citizen (联系诉求人)."""
    return _run(desk, ticket_id, c.RecordContact(assignment_no=no, note=body.note))


@router.post(_A + "/delegate", response_model=s.TicketOut)
def delegate(
    ticket_id: Id,
    no: Id,
    body: s.DelegateIn,
    desk: DeskDep,
):
    """Pass the work to a subordinate unit (下派); the unit still answers for it."""
    return _run(desk, ticket_id, c.Delegate(assignment_no=no, to_unit=body.unit_id, note=body.note))


@router.post(_A + "/reply", response_model=s.TicketOut)
def reply(
    ticket_id: Id,
    no: Id,
    body: s.ReplyIn,
    desk: DeskDep,
):
    """Report what was done (办理反馈)."""
    return _run(desk, ticket_id, c.Reply(assignment_no=no, reply=body.reply))


def read_uploads(files: list[UploadFile], limit: int) -> list[bytes]:
    """The bytes of each chosen file (a form's empty file field is no photo); one byte over the
    limit is enough to refuse it. Each upload's spooled file is closed once read."""
    blobs = []
    for f in files:
        with f.file:
            if f.filename or f.size:
                blobs.append(f.file.read(limit + 1))
    return blobs


@router.post(_A + "/reply-with-photos", response_model=s.TicketOut)
def reply_with_photos(
    ticket_id: Id,
    no: Id,
    reply: Annotated[str, Form(description="What was done (办理反馈), as in `/reply`.")],
    desk: DeskDep,
    settings: SettingsDep,
    photos_: Annotated[
        list[UploadFile] | None, File(alias="photos", description="Up to 3 photos (JPEG, PNG or WebP).")
    ] = None,
):
    """Report what was done with photos (multipart): each checked by its content and re-encoded
    without EXIF; a bad photo is 422 naming `photos` and nothing is written. Staff who may see
    the ticket see them; the citizen sees them once the lead unit's reply is approved."""
    try:
        body = s.ReplyIn.model_validate({"reply": reply})
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    checked = photos.checked(read_uploads(photos_ or [], settings.media_max_bytes), settings)
    photos.reply_with_photos(
        desk.db, storage_of(settings), ticket_id, no, body.reply, checked, desk.user, desk.now, desk.deadlines
    )
    return _show(desk, ticket_id)


@router.post(_A + "/send-back", response_model=s.TicketOut)
def send_back(
    ticket_id: Id,
    no: Id,
    body: s.ReasonIn,
    desk: DeskDep,
):
    """Say the ticket is not this unit's (退单), with a reason; the reviewer decides."""
    return _run(desk, ticket_id, c.SendBack(assignment_no=no, reason=body.reason))


@router.post(_A + "/extension", response_model=s.TicketOut)
def request_extension(
    ticket_id: Id,
    no: Id,
    body: s.ExtensionIn,
    desk: DeskDep,
):
    """Ask for more time (延期申请); the centre approves or refuses."""
    cmd = c.RequestExtension(assignment_no=no, until=body.until, reason=body.reason)
    return _run(desk, ticket_id, cmd)


# --- decisions of the reviewer (parent unit or centre) -------------------------------------


@router.post(_A + "/review", response_model=s.TicketOut)
def review(
    ticket_id: Id,
    no: Id,
    body: s.DecisionIn,
    desk: DeskDep,
):
    """Approve or reject a reply (审核): the parent unit for delegated work, the centre otherwise."""
    cmd = c.ReviewReply(assignment_no=no, approve=body.approve, reason=body.reason)
    return _run(desk, ticket_id, cmd)


@router.post(_A + "/send-back/decision", response_model=s.TicketOut)
def decide_send_back(
    ticket_id: Id,
    no: Id,
    body: s.SendBackDecisionIn,
    desk: DeskDep,
):
    """Accept a send-back (optionally re-dispatching at once) or reject it as improper (不当退单)."""
    cmd = c.DecideSendBack(
        assignment_no=no,
        accept=body.accept,
        reason=body.reason,
        redispatch_to=body.redispatch_to,
        redispatch_assists=tuple(body.redispatch_assists),
    )
    return _run(desk, ticket_id, cmd)


@router.post(_A + "/extension/decision", response_model=s.TicketOut)
def decide_extension(
    ticket_id: Id,
    no: Id,
    body: s.DecisionIn,
    desk: DeskDep,
):
    """Approve or refuse an extension; the original deadline is kept for assessment."""
    cmd = c.DecideExtension(assignment_no=no, approve=body.approve, reason=body.reason)
    return _run(desk, ticket_id, cmd)


@router.post(_A + "/urge", response_model=s.TicketOut)
def urge(
    ticket_id: Id,
    no: Id,
    body: s.NoteBody,
    desk: DeskDep,
):
    """Remind the unit (催办)."""
    return _run(desk, ticket_id, c.Urge(assignment_no=no, note=body.note))


# --- photos ------------------------------------------------------------------------------------


class MediaOut(BaseModel):
    name: str
    url: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    uploaded_by: str
    created_at: str
    source: str  # citizen | reply | staff
    assignment_no: int | None
    public: bool  # part of the approved public answer (the citizen sees it)


@router.get("/{ticket_id}/media", response_model=list[MediaOut], tags=["media 附件"])
def list_media(ticket_id: Id, desk: DeskDep) -> list[MediaOut]:
    """The ticket's photos (citizens' and units'), for those who may see the ticket."""
    with desk.db.read() as session:
        found = photos.for_staff(session, ticket_id, desk.user)
    return [
        MediaOut(
            name=m.name,
            url=f"/api/v1/tickets/{ticket_id}/media/{m.name}",
            content_type=m.content_type,
            width=m.width,
            height=m.height,
            size_bytes=m.size_bytes,
            uploaded_by=m.uploaded_by,
            created_at=m.created_at.astimezone(desk.zone).isoformat(),
            source=m.source,
            assignment_no=m.assignment_no,
            public=m.public,
        )
        for m in found
    ]


def staff_photo(
    db: Database, user: CurrentUser, settings: Settings, ticket_id: int, name: str
) -> FileResponse:
    """One photo of a ticket the person may see (403 otherwise, 404 for a name not its own)."""
    with db.read() as session:
        queries.require_visible(session, ticket_id, user)
        info = media_queries.by_name(session, ticket_id, name)
    return photo_response(storage_of(settings), info)


@router.get("/{ticket_id}/media/{name}", response_class=FileResponse, tags=["media 附件"])
def get_media(ticket_id: Id, name: str, db: DbDep, user: UserDep, settings: SettingsDep) -> FileResponse:
    """One photo of the ticket (JPEG or PNG as re-encoded on upload)."""
    return staff_photo(db, user, settings, ticket_id, name)
