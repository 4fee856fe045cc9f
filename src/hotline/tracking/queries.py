"""The public timeline: each logged event told in plain words, with no personal data.

Only events a citizen should see are shown, and none says who at a unit did it; units appear by
their public name. Internal steps (review decisions, send-back decisions, extension requests) are
left out. The answer is the operator's answer at intake, or the lead unit's reply to the citizen
once it has replied (a reply the centre rejects is withdrawn until the unit replies again).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hotline.directory import queries as directory
from hotline.domain.errors import not_found
from hotline.domain.vocabulary import label
from hotline.tickets import queries as tickets
from hotline.tracking.schemas import PublicStep, PublicTicket

# tag -> (Chinese, English) description; {unit} is the public name of the unit concerned.
PUBLIC_STEPS: dict[str, tuple[str, str]] = {
    "ticket.received": ("您的诉求已受理", "Your request has been received"),
    "ticket.answered": ("已直接答复", "Answered directly"),
    "ticket.dispatched": ("已派至{unit}办理", "Sent to {unit} for handling"),
    "assignment.acknowledged": ("{unit}已签收", "{unit} has taken it on"),
    "assignment.contacted": ("{unit}已与您联系", "{unit} has contacted you"),
    "assignment.delegated": ("{unit}已安排下级单位办理", "{unit} passed it to a local office"),
    "assignment.replied": ("{unit}已反馈办理结果", "{unit} has reported what was done"),
    "assignment.sent_back": ("正在重新确定承办单位", "The responsible unit is being reconsidered"),
    "assignment.extension_approved": ("办理期限已延长", "More time has been granted"),
    "assignment.urged": ("热线中心已催办", "The centre has urged the unit"),
    "ticket.supervised": ("已列入督办", "Placed under supervision"),
    "ticket.information_added": ("您已补充信息", "You added information"),
    "ticket.followed_up": ("已回访", "You were asked about the result"),
    "ticket.reopened": ("已重新办理", "Reopened for further handling"),
    "ticket.closed": ("已办结", "Closed"),
    "ticket.merged": ("已与同一事项合并办理", "Merged with a report of the same problem"),
    "ticket.withdrawn": ("已撤单", "Withdrawn"),
    "ticket.handed_off": ("已转{service}紧急热线处理", "Handed to the {service} emergency line"),
}


def _ticket_by_code(session: Session, code: str) -> tickets.TrackedTicket:
    row = tickets.by_tracking_code(session, code)
    if row is None:
        raise not_found("tracking.not_found")
    return row


def public_ticket(session: Session, code: str, zone: ZoneInfo, lang: str) -> PublicTicket:
    row = _ticket_by_code(session, code)
    events = tickets.log_of(session, row.id)
    assignments = tickets.assignment_units(session, row.id)
    unit_ids = set(assignments.values()) | ({row.lead_unit_id} if row.lead_unit_id else set())
    names = {
        u.id: (u.name_en or u.public_name or u.name) if lang == "en" else (u.public_name or u.name)
        for u in directory.unit_names(session, unit_ids).values()
    }
    steps = []
    for ev in events:
        words = PUBLIC_STEPS.get(ev.tag)
        if words is None:
            continue
        unit_name = names.get(_unit_of(ev.tag, ev.payload, assignments) or -1, "")
        template = words[1] if lang == "en" else words[0]
        steps.append(
            PublicStep(
                at=ev.occurred_at.astimezone(zone),
                status=ev.to_status,
                status_label=label(ev.to_status, lang),
                description=template.format(unit=unit_name, service=ev.payload.get("service", "")),
            )
        )
    return PublicTicket(
        tracking_code=row.tracking_code,
        status=row.status,
        status_label=label(row.status, lang),
        kind=row.kind,
        kind_label=label(row.kind, lang),
        received_at=row.received_at.astimezone(zone),
        updated_at=row.updated_at.astimezone(zone),
        responsible_unit=names.get(row.lead_unit_id) if row.lead_unit_id else None,
        answer=row.answer or tickets.lead_reply(session, row.id),
        timeline=steps,
    )


def _unit_of(tag: str, payload: dict[str, Any], assignments: dict[int, int]) -> int | None:
    if tag == "ticket.dispatched":
        lead = next((a for a in payload.get("assignments", []) if a.get("role") == "lead"), None)
        return lead["unit"] if lead else None
    no = payload.get("no")
    return assignments.get(no) if isinstance(no, int) else None


def ticket_id_for_code(session: Session, code: str) -> tuple[int, str | None]:
    """The ticket id and the phone given at intake, to check a citizen's withdrawal."""
    row = _ticket_by_code(session, code)
    return row.id, row.citizen_phone
