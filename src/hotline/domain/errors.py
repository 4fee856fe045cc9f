"""Refusals of the domain, each with a stable machine-readable code.

The web layer maps `ErrorKind` to an HTTP status (conflict 409, forbidden 403, not found 404,
invalid 422) and the code to a Chinese or English message; the domain only says what went wrong.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


class DomainError(Exception):
    """A command was refused. `code` is stable; `params` fill the human message."""

    kind: ErrorKind = ErrorKind.CONFLICT

    def __init__(self, code: str, kind: ErrorKind | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        if kind is not None:
            self.kind = kind
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.kind.value}, {self.params!r})"


def conflict(code: str, **params: Any) -> DomainError:
    return DomainError(code, ErrorKind.CONFLICT, **params)


def forbidden(code: str, **params: Any) -> DomainError:
    return DomainError(code, ErrorKind.FORBIDDEN, **params)


def not_found(code: str, **params: Any) -> DomainError:
    return DomainError(code, ErrorKind.NOT_FOUND, **params)


def unauthorized(code: str, **params: Any) -> DomainError:
    return DomainError(code, ErrorKind.UNAUTHORIZED, **params)


def invalid(code: str, **params: Any) -> DomainError:
    return DomainError(code, ErrorKind.INVALID, **params)


# Every code the platform can answer with, and its message in Chinese and English. Messages are
# str.format templates over the error's params. Tests check that each raised code is listed here.
MESSAGES: dict[str, tuple[str, str]] = {
    "transition.not_allowed": (
        "当前状态（{current}）下不能执行此操作：{action}",
        "This action ({action}) is not allowed in the current state ({current})",
    ),
    "ticket.terminal": (
        "工单已结束（{current}），不能再执行此操作",
        "The ticket is finished ({current}); no further action is possible",
    ),
    "ticket.not_found": ("工单不存在", "No such ticket"),
    "ticket.assists_open": (
        "协办单位尚未全部反馈，不能审核通过主办单位的答复",
        "Assisting units have not all replied; the lead's reply cannot be approved yet",
    ),
    "assignment.not_found": ("该工单没有编号为 {no} 的派单", "The ticket has no assignment number {no}"),
    "assignment.not_top_level": (
        "此操作只适用于中心直接派出的派单",
        "This action applies only to assignments dispatched by the centre",
    ),
    "permission.role": (
        "您的角色（{role}）无权执行此操作：{action}",
        "Your role ({role}) may not do this: {action}",
    ),
    "permission.not_holder": (
        "只有承办该派单的单位才能执行此操作",
        "Only the unit holding this assignment may do this",
    ),
    "permission.not_reviewer": (
        "只有上级单位或热线中心才能审核此派单",
        "Only the parent unit or the centre may review this assignment",
    ),
    "permission.not_visible": ("无权查看该工单", "You may not see this ticket"),
    "delegate.not_subordinate": (
        "只能下派给本单位的下级单位",
        "Work can only be delegated to a subordinate unit",
    ),
    "dispatch.duplicate_unit": (
        "同一单位不能既主办又协办",
        "A unit cannot be both lead and assist",
    ),
    "dispatch.centre": ("不能派单给热线中心本身", "A ticket cannot be dispatched to the centre itself"),
    "extension.pending": ("已有待审批的延期申请", "An extension request is already waiting"),
    "extension.none_pending": ("没有待审批的延期申请", "There is no extension request to decide"),
    "extension.not_later": (
        "申请的办理期限必须晚于当前期限和当前时间",
        "The requested deadline must be later than now and than the current deadline",
    ),
    "send_back.none_pending": ("该派单没有待处理的退单申请", "This assignment has no send-back to decide"),
    "reason.required": ("请填写原因", "A reason is required"),
    "close.reason_required": (
        "诉求人不满意或未回访，办结须说明原因",
        "The citizen is not satisfied or was not followed up: closing needs a reason",
    ),
    "merge.self": ("工单不能并入自身", "A ticket cannot be merged into itself"),
    "merge.target_finished": (
        "目标工单已结束，不能并入",
        "The target ticket is finished; nothing can be merged into it",
    ),
    "supervise.already": ("该工单已在督办中", "The ticket is already under supervision"),
    # --- time limits, inbox, webhooks (issue 3) ---
    "deadline.not_open": (
        "该派单的此环节（{step}）已完成或不再计时",
        "This step ({step}) of the assignment is done or no longer timed",
    ),
    "deadline.stale": (
        "该环节（{step}）的期限已变更，请重新检查",
        "The deadline of this step ({step}) has changed; check again",
    ),
    "deadline.already_recorded": (
        "该环节（{step}）的预警或超期已记录",
        "The warning or overdue of this step ({step}) is already recorded",
    ),
    "deadline.not_reached": (
        "该环节（{step}）尚未到预警或超期时间",
        "This step ({step}) has not reached its warning or its deadline",
    ),
    "time_limits.invalid": ("时限策略无效：{detail}", "Invalid time-limit policy: {detail}"),
    "notification.not_found": ("消息不存在", "No such notification"),
    "webhook.not_found": ("推送订阅不存在", "No such webhook subscription"),
    "webhook.url": (
        "推送地址必须是 http 或 https 网址",
        "The endpoint must be an http or https URL",
    ),
    "permission.admin": ("只有管理员可以执行此操作", "Only an administrator may do this"),
    # --- end of issue 3 ---
    "concurrency.conflict": (
        "工单已被他人同时修改，请刷新后重试",
        "Someone changed this ticket at the same time; reload and try again",
    ),
    "idempotency.key_reused": (
        "该幂等键已用于另一份不同的诉求",
        "This Idempotency-Key was already used for a different request",
    ),
    "validation.failed": ("提交的数据有误", "The submitted data are not valid"),
    "text.markup": (
        "诉求内容不能包含 HTML 标记或脚本",
        "The text may not contain HTML markup or scripts",
    ),
    "unit.not_found": ("单位不存在：{unit}", "No such unit: {unit}"),
    "category.not_found": ("分类不存在：{category}", "No such category: {category}"),
    "auth.invalid_credentials": ("用户名或密码错误", "Wrong username or password"),
    "auth.required": ("请先登录", "Please log in"),
    "auth.invalid_token": ("登录已失效，请重新登录", "The session has expired; log in again"),
    "tracking.not_found": ("查询码不存在", "No ticket has this tracking code"),
    "tracking.phone_mismatch": (
        "手机号码与诉求登记的不一致",
        "The phone number does not match the one given with the request",
    ),
    "request.malformed": ("请求格式错误：{detail}", "Malformed request: {detail}"),
    "request.too_large": ("请求过大", "The request is too large"),
    "http.not_found": ("资源不存在", "Not found"),
    "http.method_not_allowed": ("不支持该请求方法", "Method not allowed"),
    "server.error": ("服务器内部错误", "Internal server error"),
}


def message(code: str, lang: str = "zh", **params: Any) -> str:
    """The human message of an error code, in the given language."""
    zh, en = MESSAGES.get(code, (code, code))
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
