"""The hotline's controlled vocabularies, named as in the glossary.

Each enum value is the code name stored in the database and used in the API; `LABELS` gives the
Chinese and English words shown to people.
"""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    RECEIVED = "received"
    ANSWERED = "answered"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    REVIEWED = "reviewed"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    SENT_BACK = "sent_back"
    REOPENED = "reopened"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"
    HANDED_OFF = "handed_off"


TERMINAL_STATUSES = frozenset(
    {TicketStatus.CLOSED, TicketStatus.MERGED, TicketStatus.WITHDRAWN, TicketStatus.HANDED_OFF}
)


class AssignmentState(StrEnum):
    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    CONTACTED = "contacted"
    REPLIED = "replied"
    APPROVED = "approved"
    SENT_BACK = "sent_back"
    DELEGATED = "delegated"
    CANCELLED = "cancelled"


# An assignment in one of these states still owes work: it can be urged, withdrawn, cancelled.
OPEN_ASSIGNMENT_STATES = frozenset(
    {
        AssignmentState.PENDING,
        AssignmentState.ACKNOWLEDGED,
        AssignmentState.CONTACTED,
        AssignmentState.DELEGATED,
    }
)
# States in which the holder is working on it (may contact, reply, delegate, ask for time).
WORKING_STATES = frozenset({AssignmentState.ACKNOWLEDGED, AssignmentState.CONTACTED})


class DeadlineStep(StrEnum):
    """The steps of an assignment that carry a time limit (same names as ``deadlines.Step``)."""

    ACKNOWLEDGE = "acknowledge"
    CONTACT = "contact"
    REPLY = "reply"


class DeadlineOutcome(StrEnum):
    WARNING = "warning"
    OVERDUE = "overdue"


class AssignmentRole(StrEnum):
    LEAD = "lead"
    ASSIST = "assist"


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    MAILBOX = "mailbox"
    MESSAGE_BOARD = "message_board"
    GRID = "grid"
    EMAIL = "email"
    VIDEO = "video"
    OPEN311 = "open311"
    UPSTREAM = "upstream"


class Kind(StrEnum):
    CONSULTATION = "consultation"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


class Urgency(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    NORMAL = "normal"


class Role(StrEnum):
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    UNIT_HANDLER = "unit_handler"
    UNIT_REVIEWER = "unit_reviewer"
    SUPERVISOR = "supervisor"
    GRID_WORKER = "grid_worker"
    ADMIN = "admin"
    CITIZEN = "citizen"
    SYSTEM = "system"


CENTRE_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM})


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied"
    UNSATISFIED = "unsatisfied"


class FollowUpMethod(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    ROBOT = "robot"
    PORTAL = "portal"


class EmergencyService(StrEnum):
    """The emergency lines a request can be handed to."""

    POLICE = "110"
    FIRE = "119"
    AMBULANCE = "120"
    TRAFFIC_POLICE = "122"


LABELS: dict[str, tuple[str, str]] = {
    # ticket statuses
    "received": ("已受理", "Received"),
    "answered": ("已直接答复", "Answered at intake"),
    "dispatched": ("已派单", "Dispatched"),
    "in_progress": ("办理中", "In progress"),
    "replied": ("已反馈", "Replied"),
    "reviewed": ("已审核", "Reviewed"),
    "followed_up": ("已回访", "Followed up"),
    "closed": ("已办结", "Closed"),
    "sent_back": ("已退单", "Sent back"),
    "reopened": ("重办", "Reopened"),
    "merged": ("已并单", "Merged"),
    "withdrawn": ("已撤单", "Withdrawn"),
    "handed_off": ("已转紧急热线", "Handed off to emergency line"),
    # assignment states (those not above)
    "pending": ("待签收", "Pending"),
    "acknowledged": ("已签收", "Acknowledged"),
    "contacted": ("已联系", "Contacted"),
    "approved": ("已通过", "Approved"),
    "delegated": ("已下派", "Delegated"),
    "cancelled": ("已取消", "Cancelled"),
    # steps with a time limit, and what the sweeper records about them
    "acknowledge": ("签收", "Acknowledge"),
    "contact": ("联系诉求人", "Contact the citizen"),
    "reply": ("办理反馈", "Reply"),
    "warning": ("预警", "Warning"),
    "overdue": ("超期", "Overdue"),
    "on_time": ("正常", "On time"),
    "met": ("按时完成", "Done on time"),
    "met_late": ("超期完成", "Done late"),
    # roles of assignments
    "lead": ("主办", "Lead"),
    "assist": ("协办", "Assist"),
    # channels
    "phone": ("电话", "Phone"),
    "web": ("网站", "Web"),
    "app": ("App", "App"),
    "wechat": ("微信", "WeChat"),
    "mailbox": ("领导信箱", "Leader's mailbox"),
    "message_board": ("留言板", "Message board"),
    "grid": ("网格员上报", "Grid worker"),
    "email": ("电子邮件", "E-mail"),
    "video": ("视频", "Video"),
    "open311": ("Open311", "Open311"),
    "upstream": ("上级平台转办", "Upstream platform"),
    # kinds
    "consultation": ("咨询", "Consultation"),
    "help": ("求助", "Help"),
    "complaint": ("投诉", "Complaint"),
    "report": ("举报", "Report"),
    "suggestion": ("建议", "Suggestion"),
    "praise": ("表扬", "Praise"),
    # urgency
    "emergency": ("紧急", "Emergency"),
    "urgent": ("加急", "Urgent"),
    "normal": ("一般", "Normal"),
    # roles of people
    "operator": ("话务员", "Operator"),
    "dispatcher": ("派单员", "Dispatcher"),
    "unit_handler": ("承办人", "Unit handler"),
    "unit_reviewer": ("审核人", "Unit reviewer"),
    "supervisor": ("督办员", "Supervisor"),
    "grid_worker": ("网格员", "Grid worker"),
    "admin": ("管理员", "Administrator"),
    "citizen": ("诉求人", "Citizen"),
    "system": ("系统", "System"),
    # satisfaction
    "satisfied": ("满意", "Satisfied"),
    "fairly_satisfied": ("基本满意", "Fairly satisfied"),
    "unsatisfied": ("不满意", "Unsatisfied"),
}


def label(code: str, lang: str = "zh") -> str:
    """The word people see for a code name; the code itself when none is defined."""
    pair = LABELS.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]
