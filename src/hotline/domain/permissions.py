"""Which role may issue which command: the first check on every command.

Holding rules (only the unit of an assignment acts on it) need the ticket's state and live in
`ticket.py`; this table is the coarse gate. Who reviews delegated work is answered here too
(`Reviewer`, `may_review`): the rules ask it, and so do the pages, to show only what one may do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hotline.domain import commands as c
from hotline.domain.errors import DomainError, forbidden
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
    # the platform itself (follow-up tasks): reopen on an unhappy answer, close a satisfied one
    c.Reopen: _CENTRE_DESK | {R.SYSTEM},
    c.Close: _CENTRE_DESK | {R.SYSTEM},
    c.Acknowledge: _UNIT_WORK,
    c.RecordContact: _UNIT_WORK,
    c.Delegate: _UNIT_WORK,
    c.Reply: _UNIT_WORK,
    c.SendBack: _UNIT_WORK,
    c.RequestExtension: _UNIT_WORK,
    c.ReviewReply: frozenset({R.DISPATCHER, R.UNIT_REVIEWER}),
    c.DecideSendBack: frozenset({R.DISPATCHER, R.UNIT_REVIEWER}),
    c.DecideExtension: frozenset({R.DISPATCHER}),
    c.RecordArrival: _UNIT_WORK,
    # the centre (dispatcher, supervisor) for any reply; a unit reviewer for its own units' replies
    c.RequestVerification: frozenset({R.DISPATCHER, R.SUPERVISOR, R.UNIT_REVIEWER}),
    c.AnswerVerification: frozenset({R.GRID_WORKER}),
}


def may(role: Role, command: type[c.Command]) -> bool:
    return role in ALLOWED[command]


def check_role(command: c.Command, role: Role) -> None:
    if not may(role, type(command)):
        raise forbidden("permission.role", role=role.value, action=command.action())


@dataclass(frozen=True)
class Reviewer:
    """Who reviews work a unit delegated (a reply, a send-back): the reviewers of the nearest unit
    at or above the delegating unit that has any, else the centre's dispatchers (``unit`` None).
    A community without a reviewer must not leave its grids' replies unreviewable forever."""

    unit: int | None
    name: str = "上级单位"
    name_en: str = "the parent unit"

    @property
    def role(self) -> Role:
        return R.DISPATCHER if self.unit is None else R.UNIT_REVIEWER


CENTRE_REVIEWER = Reviewer(None, "热线中心", "the centre")


class ReviewerTree(Protocol):
    """The part of the directory that says who reviews a unit's delegated work."""

    def reviewer_for(self, delegating_unit: int) -> Reviewer: ...


def reviewer_of(delegating_unit: int | None, tree: ReviewerTree | None) -> Reviewer:
    """The reviewer of an assignment: the centre for what the centre dispatched (no delegating
    unit); else the tree's answer (without a tree, the delegating unit itself)."""
    if delegating_unit is None:
        return CENTRE_REVIEWER
    return Reviewer(delegating_unit) if tree is None else tree.reviewer_for(delegating_unit)


def may_review(role: Role, unit_id: int | None, reviewer: Reviewer) -> bool:
    if reviewer.unit is None:
        return role is R.DISPATCHER
    return role is R.UNIT_REVIEWER and unit_id == reviewer.unit


def not_reviewer(reviewer: Reviewer) -> DomainError:
    """The refusal, naming who may review instead."""
    return forbidden(
        "permission.not_reviewer",
        role=reviewer.role.value,
        reviewer_unit=reviewer.name,
        reviewer_unit_en=reviewer.name_en or reviewer.name,
    )
