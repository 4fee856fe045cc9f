"""What "nothing half-written" means, checked on a whole database: after a crash (test_crash.py),
after a restore (test_backup.py). Each problem is one readable line; none is the goal."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.db.engine import Database
from hotline.routing.models import RoutingQueueRow, TicketRouting
from hotline.tickets import store
from hotline.tickets.models import AssignmentRow, TicketEventRow, TicketRow


def problems(db: Database, routed: bool = True) -> list[str]:
    """Every ticket has its log from its first event on (no gaps), every event its ticket, the
    ticket's version counts its events, the stored rows are what its log replays to, and (with
    ``routed``) each ticket is either waiting for the router or routed."""
    found: list[str] = []
    with db.read() as s:
        tickets = {r.id: r.version for r in s.execute(select(TicketRow.id, TicketRow.version))}
        logs = {
            tid: (n, first, last)
            for tid, n, first, last in s.execute(
                select(
                    TicketEventRow.ticket_id,
                    func.count(),
                    func.min(TicketEventRow.seq),
                    func.max(TicketEventRow.seq),
                ).group_by(TicketEventRow.ticket_id)
            )
        }
        for tid in sorted(set(logs) - set(tickets)):
            found.append(f"events of ticket {tid}, which does not exist")
        for tid, version in sorted(tickets.items()):
            if tid not in logs:
                found.append(f"ticket {tid} has no event")
                continue
            n, first, last = logs[tid]
            if first != 1 or last != n:
                found.append(f"ticket {tid}: its log has gaps (seq {first}..{last}, {n} events)")
            if version != n:
                found.append(f"ticket {tid}: version {version} but {n} events")
        if routed:
            queued = set(s.scalars(select(RoutingQueueRow.ticket_id)))
            advised = set(s.scalars(select(TicketRouting.ticket_id)))
            for tid in sorted(set(tickets) - queued - advised):
                found.append(f"ticket {tid} is neither waiting for the router nor routed")
        ids = sorted(set(tickets) & set(logs))
        for start in range(0, len(ids), 200):
            chunk = ids[start : start + 200]
            states = store.load_many(s, chunk)
            rows = {r.id: r for r in s.scalars(select(TicketRow).where(TicketRow.id.in_(chunk)))}
            assignments: dict[int, list[AssignmentRow]] = {}
            for a in s.scalars(
                select(AssignmentRow).where(AssignmentRow.ticket_id.in_(chunk)).order_by(AssignmentRow.no)
            ):
                assignments.setdefault(a.ticket_id, []).append(a)
            for tid in chunk:
                state, row = states[tid], rows[tid]
                want = store.ticket_columns(state)
                if {k: getattr(row, k) for k in want} != want:
                    found.append(f"ticket {tid}: the stored row is not what its log replays to")
                got = [
                    {k: getattr(r, k) for k in store.assignment_columns(a)}
                    for r, a in zip(assignments.get(tid, []), state.assignments, strict=False)
                ]
                if len(assignments.get(tid, [])) != len(state.assignments) or got != [
                    store.assignment_columns(a) for a in state.assignments
                ]:
                    found.append(f"ticket {tid}: the stored assignments are not what its log replays to")
    return found
