"""The words of the staff pages, Chinese and English, in the same (zh, en) form as the API's
messages (`domain.errors.MESSAGES`) and the vocabulary's labels (`domain.vocabulary.LABELS`).
`text` looks in all three, so a template asks one catalogue for every word it shows."""

from __future__ import annotations

from typing import Any

from hotline.domain.errors import MESSAGES
from hotline.domain.vocabulary import LABELS

PAGE_TEXT: dict[str, tuple[str, str]] = {
    "app.name": ("12345 热线工作台", "12345 Hotline desk"),
    "nav.skip": ("跳到正文", "Skip to content"),
    "nav.inbox": ("本单位待办", "Unit inbox"),
    "nav.logout": ("退出登录", "Log out"),
    "nav.language": ("English", "中文"),
    "nav.language_hint": ("切换到英文", "Switch to Chinese"),
    "nav.signed_in_as": ("当前用户：{name} · {unit}", "Signed in as {name} · {unit}"),
    "login.title": ("工作人员登录", "Staff login"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.expired": ("登录已过期，请重新登录", "Your session has expired; please log in again"),
    "login.logged_out": ("已退出登录", "You have logged out"),
    "inbox.title": ("本单位待办", "Unit inbox"),
    "inbox.intro": (
        "按最先到期排序；下级单位的派单已标注。",
        "Sorted by what falls due first; assignments of subordinate units are marked.",
    ),
    "inbox.empty": ("暂无待办派单", "Nothing waits for your unit"),
    "inbox.count": ("共 {total} 件，显示 {shown} 件", "{total} in all, {shown} shown"),
    "inbox.pick": ("选择", "Select"),
    "inbox.pick_all": ("全选可签收的派单", "Select every assignment that can be acknowledged"),
    "inbox.pick_row": ("选择工单 {number}", "Select ticket {number}"),
    "inbox.ticket": ("工单", "Ticket"),
    "inbox.request": ("诉求", "Request"),
    "inbox.unit": ("承办单位", "Unit"),
    "inbox.state": ("派单状态", "Assignment"),
    "inbox.due": ("下一时限", "Next deadline"),
    "inbox.left": ("剩余", "Left"),
    "inbox.subordinate": ("下级", "Subordinate"),
    "inbox.acknowledge_selected": ("签收所选", "Acknowledge selected"),
    "inbox.acknowledged": ("已签收 {n} 件", "{n} acknowledged"),
    "inbox.refused": ("未能签收", "Not acknowledged"),
    "inbox.none_picked": ("请先选择要签收的派单", "Select the assignments to acknowledge first"),
    "badge.supervised": ("督办", "Supervised"),
    "badge.urged": ("催办 {n}", "Urged {n}"),
    "badge.urgent": ("紧急", "Urgent"),
    "clock.left": ("剩余", "left"),
    "clock.overdue": ("已超时", "overdue by"),
    "clock.days": ("天", "d"),
    "ticket.title": ("工单 {number}", "Ticket {number}"),
    "ticket.back": ("返回待办", "Back to the inbox"),
    "ticket.facts": ("基本信息", "Details"),
    "ticket.status": ("状态", "Status"),
    "ticket.kind": ("类型", "Kind"),
    "ticket.urgency": ("紧急程度", "Urgency"),
    "ticket.received": ("受理时间", "Received"),
    "ticket.citizen": ("诉求人", "Citizen"),
    "ticket.phone": ("联系电话", "Phone"),
    "ticket.address": ("地址", "Address"),
    "ticket.content": ("诉求内容", "Request"),
    "ticket.assignments": ("派单", "Assignments"),
    "ticket.assignment_no": ("派单 {no}", "Assignment {no}"),
    "ticket.of_assignment": ("（第 {no} 号派单）", "(assignment {no})"),
    "ticket.deadlines": ("时限", "Deadlines"),
    "ticket.acknowledge": ("签收", "Acknowledge"),
    "ticket.timeline": ("办理过程", "Timeline"),
    "ticket.by": ("操作人", "By"),
    "ticket.reply": ("答复", "Reply"),
    # the ticket's timeline: one line per event tag (domain/events.py)
    "event.ticket.received": ("受理", "Received"),
    "event.ticket.answered": ("直接答复", "Answered at intake"),
    "event.ticket.dispatched": ("派单", "Dispatched"),
    "event.ticket.handed_off": ("转紧急热线", "Handed off to an emergency line"),
    "event.ticket.withdrawn": ("撤单", "Withdrawn"),
    "event.ticket.merged": ("并单", "Merged"),
    "event.ticket.duplicate_attached": ("重复件并入", "Duplicate attached"),
    "event.ticket.supervised": ("督办", "Supervised"),
    "event.ticket.followed_up": ("回访", "Followed up"),
    "event.ticket.reopened": ("重办", "Reopened"),
    "event.ticket.closed": ("办结", "Closed"),
    "event.assignment.acknowledged": ("签收", "Acknowledged"),
    "event.assignment.contacted": ("联系诉求人", "Citizen contacted"),
    "event.assignment.delegated": ("下派", "Delegated"),
    "event.assignment.replied": ("办理反馈", "Replied"),
    "event.assignment.approved": ("审核通过", "Reply approved"),
    "event.assignment.rejected": ("审核退回", "Reply rejected"),
    "event.assignment.sent_back": ("退单", "Sent back"),
    "event.assignment.send_back_accepted": ("同意退单", "Send-back accepted"),
    "event.assignment.send_back_rejected": ("不同意退单", "Send-back refused"),
    "event.assignment.urged": ("催办", "Urged"),
    "event.assignment.deadline_warning": ("时限预警", "Deadline warning"),
    "event.assignment.overdue": ("超期", "Overdue"),
    "event.assignment.escalated": ("督办升级", "Escalated"),
    "event.assignment.extension_requested": ("申请延期", "Extension requested"),
    "event.assignment.extension_approved": ("批准延期", "Extension approved"),
    "event.assignment.extension_refused": ("不批准延期", "Extension refused"),
    "error.title": ("无法完成", "This could not be done"),
    "error.back": ("返回待办", "Back to the inbox"),
}


def text(key: str, lang: str, default: str | None = None, **params: Any) -> str:
    """The word for ``key`` in ``lang``: a page's own, else an API message, else a vocabulary label;
    ``default`` for keys made from data (an event tag the catalogue does not know yet)."""
    pair = PAGE_TEXT.get(key) or MESSAGES.get(key) or LABELS.get(key)
    if pair is None:
        if default is not None:
            return default
        raise KeyError(f"no text for {key!r} in the catalogue")
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**params) if params else template
