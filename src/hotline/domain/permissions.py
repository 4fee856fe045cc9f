"""Which role may issue which command: the first check on every command.

Holding rules (only the unit of an assignment acts on it; only its parent unit or the centre
reviews it) need the ticket's state and live in `ticket.py`; this table is the coarse gate.
"""

from __future__ import annotations

from hotline.domain import commands as c
from hotline.domain.errors import forbidden
from hotline.domain.vocabulary import Role

R = Role
_CENTRE_DESK = frozenset({R.OPERATOR, R.DISPATCHER})
_UNIT_WORK = frozenset({R.UNIT_HANDLER, R.GRID_WORKER})

ALLOWED: dict[type[c.Command], frozenset[Role]] = {
    c.SubmitTicket: frozenset({R.OPERATOR, R.DISPATCHER, R.GRID_WORKER, R.CITIZEN, R.SYSTEM}),
    c.AnswerAtIntake: _CENTRE_DESK,
    c.Dispatch: _CENTRE_DESK | {R.SYSTEM},
    c.HandOff: _CENTRE_DESK,
    c.Withdraw: _CENTRE_DESK | {R.CITIZEN},
    c.AddInformation: _CENTRE_DESK | {R.CITIZEN},
    c.MergeInto: _CENTRE_DESK,
    c.AttachDuplicate: _CENTRE_DESK,
    c.Supervise: frozenset({R.SUPERVISOR, R.DISPATCHER}),
    c.Urge: frozenset({R.SUPERVISOR, R.DISPATCHER, R.SYSTEM}),
    c.RecordDeadline: frozenset({R.SYSTEM}),
    c.RecordFollowUp: _CENTRE_DESK | {R.SYSTEM, R.CITIZEN},
    c.Reopen: _CENTRE_DESK,
    c.Close: _CENTRE_DESK,
    c.Acknowledge: _UNIT_WORK,
    c.RecordContact: _UNIT_WORK,
    c.Delegate: _UNIT_WORK,
    c.Reply: _UNIT_WORK,
    c.SendBack: _UNIT_WORK,
    c.RequestExtension: _UNIT_WORK,
    c.ReviewReply: frozenset({R.DISPATCHER, R.UNIT_REVIEWER}),
    c.DecideSendBack: frozenset({R.DISPATCHER, R.UNIT_REVIEWER}),
    c.DecideExtension: frozenset({R.DISPATCHER}),
}


def may(role: Role, command: type[c.Command]) -> bool:
    return role in ALLOWED[command]


def check_role(command: c.Command, role: Role) -> None:
    if not may(role, type(command)):
        raise forbidden("permission.role", role=role.value, action=command.action())
