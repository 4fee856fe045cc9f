"""The `tickets` row of a domain state: what the projection stores (written by `store`, and used
by `queries` to answer from a state just written)."""

from __future__ import annotations

from typing import Any

from hotline.domain.ticket import Ticket


def ticket_columns(t: Ticket) -> dict[str, Any]:
    """The `tickets` row of a state: what the projection stores."""
    lead = t.lead
    fu = t.follow_up
    return {
        "tracking_code": t.tracking_code,
        "channel": t.channel.value,
        "kind": t.kind.value,
        "urgency": t.urgency.value,
        "status": t.status.value,
        "title": t.title,
        "content": t.content,
        "category_code": t.category,
        "citizen_name": t.citizen_name,
        "citizen_phone": t.citizen_phone,
        "address": t.address,
        "latitude": t.latitude,
        "longitude": t.longitude,
        "intake_seconds": t.intake_seconds,
        "lead_unit_id": lead.unit if lead is not None else _last_lead_unit(t),
        "supervised": t.supervised,
        "complex": t.complex,
        "reopen_count": t.reopen_count,
        "answer": t.answer,
        "merged_into_id": t.merged_into,
        "duplicate_ids": list(t.duplicates),
        "handed_off_to": t.handed_off_to.value if t.handed_off_to else None,
        "followup_contacted": fu.contacted if fu else None,
        "followup_solved": fu.solved if fu else None,
        "satisfaction": fu.satisfaction.value if fu else None,
        "close_reason": t.close_reason,
        "received_at": t.received_at,
        "updated_at": t.updated_at,
        "closed_at": t.closed_at,
        "version": t.version,
    }


def _last_lead_unit(t: Ticket) -> int | None:
    leads = [a for a in t.assignments if a.role.value == "lead" and a.parent_no is None]
    return leads[-1].unit if leads else None
