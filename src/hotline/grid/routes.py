"""The grid steps over HTTP: arrival on site, asking a grid to verify a reply, and its finding.
Thin handlers like the other ticket actions; each answers with the ticket as it now stands."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hotline.domain import commands as c
from hotline.grid import schemas as g
from hotline.grid import service
from hotline.tickets import queries
from hotline.tickets import schemas as s
from hotline.tickets import service as workflow
from hotline.tickets.routes import Desk, DeskDep
from hotline.web.numbers import Id

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets 工单"])

_A = "/{ticket_id}/assignments/{no}"


def _show(desk: Desk, ticket_id: int) -> s.TicketOut:
    with desk.db.read() as session:
        return queries.ticket_detail(session, ticket_id, desk.user, desk.zone, desk.lang, desk.now)


def _run(desk: Desk, ticket_id: int, command: c.Command) -> s.TicketOut:
    workflow.execute(desk.db, ticket_id, command, desk.user.actor, desk.now, desk.deadlines)
    return _show(desk, ticket_id)


@router.post(_A + "/arrive", response_model=s.TicketOut)
def arrive(ticket_id: Id, no: Id, body: g.ArriveIn, desk: DeskDep):
    """Record arrival on site (到达现场), once, with the phone's position (WGS-84) when it has one."""
    return _run(
        desk, ticket_id, c.RecordArrival(assignment_no=no, latitude=body.latitude, longitude=body.longitude)
    )


@router.post(_A + "/verification", response_model=s.TicketOut)
def request_verification(ticket_id: Id, no: Id, body: g.VerificationIn, desk: DeskDep, request: Request):
    """Ask a grid to verify a reply on site (核查): the centre (dispatcher, supervisor) for any
    reply, a reviewer of a unit above the holder for its units' replies. Without a grid named, the
    grid of the request's place is asked. Review waits until the grid has answered."""
    service.request_verification(
        desk.db,
        request.app.state.routing,
        ticket_id,
        no,
        body.grid_unit_id,
        body.note,
        desk.user,
        desk.now,
        desk.deadlines,
    )
    return _show(desk, ticket_id)


@router.post(_A + "/verification/answer", response_model=s.TicketOut)
def answer_verification(ticket_id: Id, no: Id, body: g.VerificationAnswerIn, desk: DeskDep):
    """The asked grid's finding: passed, or failed with the reason in `note`, which sends the reply
    back to the unit (it works on with the deadlines it had)."""
    cmd = c.AnswerVerification(
        assignment_no=no, passed=body.passed, note=body.note, latitude=body.latitude, longitude=body.longitude
    )
    return _run(desk, ticket_id, cmd)
