"""Refusals of the domain, each with a stable machine-readable code.

The web layer maps `ErrorKind` to an HTTP status (conflict 409, forbidden 403, not found 404,
invalid 422) and the code to a Chinese or English message; the domain only says what went wrong.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from hotline.domain.vocabulary import label


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
    "answer.not_consultation": (
        "只有咨询类诉求可以直接答复，本件为{ticket_kind}，请派单办理",
        "Only a consultation can be answered at intake; this one is a {ticket_kind}: dispatch it",
    ),
    "permission.not_holder": (
        "只有承办该派单的单位才能执行此操作",
        "Only the unit holding this assignment may do this",
    ),
    "permission.not_reviewer": (
        "只有{reviewer_unit}的{role}可以审核此派单",
        "Only a {role} of {reviewer_unit_en} may review this assignment",
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
    "arrival.already": ("到达现场已登记过", "Arrival on site is already recorded"),
    "position.invalid": (
        "位置无效：请同时给出纬度和经度（WGS-84）",
        "Invalid position: give both latitude and longitude (WGS-84)",
    ),
    "verification.not_above": (
        "只有热线中心（派单员、督办员）或承办单位的上级单位审核人可以要求核查",
        "Only the centre (dispatcher, supervisor) or a reviewer of a unit above the holder may ask for a verification",
    ),
    "verification.pending": ("网格员正在现场核查此答复", "A grid worker is verifying this reply on site"),
    "verification.none_pending": (
        "此派单没有待核查的答复",
        "No reply of this assignment waits for verification",
    ),
    "verification.not_grid": (
        "只有被要求核查的网格可以提交核查结果",
        "Only the grid asked to verify may answer",
    ),
    "verification.not_a_grid": ("核查只能交给网格（{unit}）", "Only a grid can verify ({unit})"),
    "verification.no_grid": (
        "无法按诉求位置找到网格，请指定网格",
        "No grid found for the request's place: name the grid",
    ),
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
    # --- time limits, inbox, webhooks ---
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
    # --- every desk: permissions, concurrency, input, references, login, tracking ---
    "permission.admin": ("只有管理员可以执行此操作", "Only an administrator may do this"),
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
    "phone.invalid": (
        "不是有效的电话号码（如 13812345678 或 0898-66668888）",
        "Not a phone number (e.g. 13812345678 or 0898-66668888)",
    ),
    "coordinates.incomplete": (
        "经纬度须同时提供，或都不提供",
        "Give both latitude and longitude, or neither",
    ),
    "unit.not_found": ("单位不存在：{unit}", "No such unit: {unit}"),
    "category.not_found": ("分类不存在：{category}", "No such category: {category}"),
    "auth.invalid_credentials": ("用户名或密码错误", "Wrong username or password"),
    "auth.required": ("请先登录", "Please log in"),
    "auth.invalid_token": ("登录已失效，请重新登录", "The session has expired; log in again"),
    "auth.password_change_required": (
        "管理员为您设置的是临时密码，请先修改密码（POST /api/v1/auth/password）",
        "Your password was set by an administrator: change it first (POST /api/v1/auth/password)",
    ),
    "password.current_wrong": ("当前密码不正确", "The current password is wrong"),
    "password.unchanged": ("新密码不能与当前密码相同", "The new password must differ from the current one"),
    "csrf.invalid": (
        "表单已失效（缺少或错误的安全令牌），请刷新页面后重试",
        "The form has expired (its security token is missing or wrong); reload the page and try again",
    ),
    "tracking.not_found": ("查询码不存在", "No ticket has this tracking code"),
    "information.empty": ("请填写补充内容或附上照片", "Write something or attach a photo to add"),
    "media.empty": ("上传的照片是空文件", "The uploaded photo is empty"),
    "media.too_large": ("照片超过 {max} 字节", "The photo is larger than {max} bytes"),
    "media.too_many_pixels": ("照片像素过多（上限 {max}）", "The photo has too many pixels (at most {max})"),
    "media.type": ("只接受 JPEG、PNG 或 WebP 照片", "Only JPEG, PNG or WebP photos are accepted"),
    "media.malformed": ("照片文件已损坏，无法读取", "The photo file is damaged and cannot be read"),
    "media.too_many": ("最多上传 {max} 张照片", "At most {max} photos can be uploaded"),
    "media.not_found": ("照片不存在", "No such photo"),
    "portal.phone_required": (
        "投诉、求助、建议、举报需留下手机号码，以便回复和查询",
        "Give a phone number (needed to reply and to follow the request) unless it is a consultation",
    ),
    "portal.locked": (
        "请输入登记手机号码的后四位以查看诉求详情",
        "Enter the last four digits of the phone number given to see the request",
    ),
    "portal.digits_wrong": ("手机号码后四位不正确", "Those are not the last four digits of the phone given"),
    "portal.coordinates": ("位置坐标无效", "The position is not valid"),
    "portal.withdraw_reason": ("诉求人在网上撤回", "Withdrawn by the citizen on the portal"),
    "tracking.phone_mismatch": (
        "手机号码与诉求登记的不一致",
        "The phone number does not match the one given with the request",
    ),
    # --- routing and the knowledge base ---
    "kb.article_not_found": ("知识库文章不存在：{id}", "No such knowledge-base article: {id}"),
    "routing.rule_not_found": ("分拨规则不存在：{id}", "No such routing rule: {id}"),
    "routing.no_advice": ("该工单没有智能分拨记录：{id}", "Routing has no advice for ticket {id}"),
    "rule.no_target": (
        "规则须指定分类或承办单位（或两者）",
        "A rule needs a category, a unit, or both",
    ),
    "request.malformed": ("请求格式错误：{detail}", "Malformed request: {detail}"),
    "request.too_large": ("请求过大", "The request is too large"),
    "body.missing": ("须提交 JSON 正文", "A JSON body is required"),
    "http.not_found": ("资源不存在", "Not found"),
    "http.method_not_allowed": ("不支持该请求方法", "Method not allowed"),
    "server.error": ("服务器内部错误", "Internal server error"),
    "webhook.url_not_allowed": (
        "推送地址不允许：{reason}（内网地址需列入 HOTLINE_WEBHOOK_ALLOWED_NETWORKS）",
        "This webhook address is not allowed: {reason} (list intranet ranges in HOTLINE_WEBHOOK_ALLOWED_NETWORKS)",
    ),
    "request.throttled": (
        "尝试过于频繁，请 {seconds} 秒后再试",
        "Too many attempts; try again in {seconds} seconds",
    ),
    "server.unavailable": (
        "服务暂时不可用，请稍后重试（可使用相同的 Idempotency-Key 安全重试）",
        "The service is briefly unavailable; retry shortly (the same Idempotency-Key retries safely)",
    ),
    "request.value_unstorable": (
        "提交的值无法保存（超出范围或含有不允许的字符）",
        "A submitted value cannot be stored (out of range, or holding characters that are not allowed)",
    ),
    "text.control_character": (
        "文本不能包含控制字符（换行和制表符除外）",
        "The text may not contain control characters (other than newline and tab)",
    ),
    "value.required": (
        "{field} 不能为空；不修改请省略该字段",
        "{field} cannot be null; leave it out to keep it",
    ),
    # --- Open311 GeoReport v2 (hotline.open311; docs/open311.md) ---
    "open311.jurisdiction_not_found": (
        "未知的辖区：{jurisdiction}",
        "Unknown jurisdiction_id: {jurisdiction}",
    ),
    "open311.api_key_invalid": (
        "api_key 缺失、无效或已停用，不能提交诉求",
        "The api_key is missing, not valid or revoked: the request cannot be created",
    ),
    "open311.service_code_missing": ("请提供 service_code", "service_code is required"),
    "open311.service_not_found": ("未知的服务代码：{service}", "Unknown service_code: {service}"),
    "open311.service_code_taken": (
        "服务代码已存在：{service}",
        "The service_code is already in use: {service}",
    ),
    "open311.request_not_found": ("诉求不存在：{id}", "No such service request: {id}"),
    "open311.token_not_found": ("令牌不存在：{token}", "No such token: {token}"),
    "open311.media_not_found": ("文件不存在", "No such media file"),
    "open311.resource_not_found": ("Open311 接口没有此资源", "No such Open311 resource"),
    "open311.format_unknown": ("格式只能是 xml 或 json", "The format must be xml or json"),
    "open311.location_missing": (
        "请提供位置：lat 和 long、address_string 或 address_id",
        "A location is required: lat and long, address_string or address_id",
    ),
    "open311.coordinates_incomplete": ("lat 和 long 须同时提供", "lat and long must be given together"),
    "open311.coordinate_invalid": ("{field} 不是数字：{value}", "{field} is not a number: {value}"),
    "open311.latitude_out_of_range": ("纬度 lat 须在 -90 到 90 之间", "lat must be between -90 and 90"),
    "open311.longitude_out_of_range": (
        "经度 long 须在 -180 到 180 之间",
        "long must be between -180 and 180",
    ),
    "open311.description_too_long": (
        "description 最多 {max} 个字符（收到 {length} 个）",
        "description may have at most {max} characters (got {length})",
    ),
    "open311.attribute_required": ("缺少必填属性：{attribute}", "Required attribute missing: {attribute}"),
    "open311.attribute_not_in_list": (
        "属性 {attribute} 的值不在可选列表中：{value}",
        "Attribute {attribute}: the value is not in its list: {value}",
    ),
    "open311.attribute_single": (
        "属性 {attribute} 只能有一个值",
        "Attribute {attribute} takes a single value",
    ),
    "open311.attribute_not_number": (
        "属性 {attribute} 须为数字：{value}",
        "Attribute {attribute} must be a number: {value}",
    ),
    "open311.attribute_not_datetime": (
        "属性 {attribute} 须为带时区的日期时间（如 2026-11-20T09:30:00+08:00）：{value}",
        "Attribute {attribute} must be a date and time with a zone (e.g. 2026-11-20T09:30:00+08:00): {value}",
    ),
    "open311.attribute_too_long": (
        "属性 {attribute} 最多 {max} 个字符",
        "Attribute {attribute} may have at most {max} characters",
    ),
    "open311.field_invalid": ("{field} 无效：{detail}", "{field} is not valid: {detail}"),
    "open311.date_invalid": (
        "{field} 须为 W3C 日期时间（如 2026-11-20T09:30:00+08:00）：{value}",
        "{field} must be a W3C date and time (e.g. 2026-11-20T09:30:00+08:00): {value}",
    ),
    "open311.date_range_reversed": ("start_date 晚于 end_date", "start_date is after end_date"),
    "open311.date_range_too_long": (
        "start_date 与 end_date 之间不能超过 {days} 天",
        "start_date and end_date may not span more than {days} days",
    ),
    "open311.status_invalid": (
        "status 只能是 open 或 closed：{value}",
        "status must be open or closed: {value}",
    ),
    "open311.number_invalid": (
        "{field} 须为 {min} 到 {max} 之间的整数：{value}",
        "{field} must be a whole number from {min} to {max}: {value}",
    ),
    "open311.media_too_large": ("上传的文件超过 {max} 字节", "The uploaded media is larger than {max} bytes"),
    "open311.media_type": (
        "只接受 JPEG、PNG、GIF 或 WebP 图片",
        "Only JPEG, PNG, GIF or WebP images are accepted",
    ),
    "open311.radius_needs_point": (
        "radius 须与 lat、long 一同提供",
        "radius needs lat and long (the point it is measured from)",
    ),
    "open311.media_malformed": ("图片文件已损坏，无法读取", "The media file is damaged and cannot be read"),
    "open311.media_too_many_pixels": (
        "图片像素过多（上限 {max}）",
        "The image has too many pixels (at most {max})",
    ),
    "open311.media_url_invalid": ("media_url 须为 http(s) 网址", "media_url must be an http(s) URL"),
    "open311.key_not_found": ("API 密钥不存在：{id}", "No such API key: {id}"),
    "open311.attributes_invalid": (
        "服务属性定义有误：{detail}",
        "The service's attributes are not valid: {detail}",
    ),
    # --- administration of the directory (directory.service; docs/admin.md) ---
    "unit.code_invalid": (
        "单位代码只能由字母、数字和 . _ - 组成（最多 64 个字符）",
        "A unit code is letters, digits and . _ - (at most 64 characters)",
    ),
    "unit.code_taken": ("单位代码已存在：{value}", "The unit code is already in use: {value}"),
    "unit.kind_invalid": ("不能新建此类单位：{value}", "A unit of this kind cannot be created: {value}"),
    "unit.parent_retired": ("上级单位已撤销：{unit}", "The parent unit is retired: {unit}"),
    "unit.retired": ("单位已撤销：{unit}", "The unit is retired: {unit}"),
    "unit.kind_level": (
        "该类单位只能在第 {levels} 级，放在这里是第 {level} 级（区县在第 2 级，街道乡镇第 3 级，社区村第 4 级，网格第 5 级）",
        "A unit of this kind stands at level {levels}; here it would be at level {level} (districts 2, streets and towns 3, communities and villages 4, grids 5)",
    ),
    "unit.too_deep": (
        "单位层级最多 {max} 级，放在这里会超过",
        "The unit tree has at most {max} levels; this would go deeper",
    ),
    "unit.cycle": (
        "不能把单位移到它自己或它的下级单位下面",
        "A unit cannot be moved under itself or one of its own subordinate units",
    ),
    "unit.root": ("热线中心不能移动或撤销", "The centre cannot be moved or retired"),
    "unit.has_units": (
        "该单位还有 {count} 个在用的下级单位，请先撤销或移走",
        "The unit still has {count} active subordinate units: retire or move them first",
    ),
    "unit.has_people": (
        "该单位还有 {count} 名在用的工作人员，请先调走或停用",
        "The unit still has {count} active people: move or disable them first",
    ),
    "unit.has_open_work": (
        "该单位还有 {count} 件未办结的派单，办完或改派后才能撤销",
        "The unit still holds {count} open assignments: finish or re-dispatch them first",
    ),
    "user.not_found": ("用户不存在：{user}", "No such user: {user}"),
    "user.username_invalid": (
        "用户名须为 2 到 64 个字母、数字或 . _ -，以字母或数字开头",
        "A username is 2 to 64 letters, digits or . _ -, starting with a letter or digit",
    ),
    "user.username_taken": ("用户名已存在：{username}", "The username is already in use: {username}"),
    "user.role_invalid": ("没有这个角色：{role}", "No such role: {role}"),
    "user.self": (
        "不能停用自己，也不能改变自己的角色",
        "You cannot disable yourself or change your own role",
    ),
    "password.too_short": ("密码至少 {min} 个字符", "A password has at least {min} characters"),
    "password.too_long": ("密码最多 {max} 个字符", "A password has at most {max} characters"),
    "password.too_simple": (
        "密码太简单（与用户名相同或只有一两种字符）",
        "The password is too simple (the username, or only one or two different characters)",
    ),
    "category.code_invalid": (
        "分类代码只能由字母、数字和 . _ - 组成（最多 100 个字符）",
        "A category code is letters, digits and . _ - (at most 100 characters)",
    ),
    "category.code_taken": ("分类代码已存在：{value}", "The category code is already in use: {value}"),
    "category.parent_retired": ("上级分类已停用：{category}", "The parent category is retired: {category}"),
    "category.too_deep": (
        "分类最多 {max} 级，放在这里会超过",
        "The category tree has at most {max} levels; this would go deeper",
    ),
    "category.cycle": (
        "不能把分类移到它自己或它的下级分类下面",
        "A category cannot be moved under itself or one of its own subcategories",
    ),
    "category.has_children": (
        "该分类还有 {count} 个在用的下级分类，请先停用",
        "The category still has {count} active subcategories: retire them first",
    ),
    "audit.time_range": ("结束时间（to）早于开始时间（from）", "The end (to) is before the start (from)"),
    "demo.not_empty": (
        "数据库里已有工单：不写入演示历史（要追加请加 --append）",
        "The database already holds tickets: no demo history written (add --append to add to them)",
    ),
    "routing.period": (
        "结束日期（to）早于开始日期（from）",
        "The end date (to) is before the start date (from)",
    ),
    "routing.period_too_long": (
        "统计期间最长 {max_days} 天",
        "A period is at most {max_days} days long",
    ),
    "reports.month": (
        "月份（month）应写作 2026-11 这样的年-月",
        "The month is written year-month, like 2026-11",
    ),
    "reports.week": (
        "周（week）应写作 2026-W47 这样的年-W周次",
        "The week is written year-Wnumber (ISO week), like 2026-W47",
    ),
    "permission.reports": (
        "只有热线中心人员可以查看和导出周报、月报",
        "Only the hotline centre's staff read and export the weekly and monthly reports",
    ),
    "rates.period": (
        "结束日期（to）早于开始日期（from）",
        "The end date (to) is before the start date (from)",
    ),
    "rates.period_too_long": (
        "统计期间最长 {max_days} 天",
        "A period is at most {max_days} days long",
    ),
    "console.no_queue": ("没有这个队列：{queue}", "There is no such queue: {queue}"),
    "console.merge_target_unknown": (
        "没有编号或查询码为 {value} 的工单",
        "No ticket has the number or tracking code {value}",
    ),
    "console.no_action": ("控制台没有这个操作：{action}", "The console has no such action: {action}"),
    "console.field_invalid": ("{field} 无效：{value}", "{field} is not valid: {value}"),
    "console.filter_name": (
        "请给筛选条件起一个名字（最多 60 字）",
        "Give the filter a name (at most 60 characters)",
    ),
    "console.too_many_filters": (
        "已保存的筛选条件最多 {max} 个，请先删除不用的",
        "At most {max} saved filters: delete one you no longer use first",
    ),
    "console.filter_not_found": ("没有这个已保存的筛选条件", "No such saved filter"),
    "permission.rates": (
        "只有热线中心人员、监督员、管理员和承办单位人员可以查看考核数据",
        "Only centre staff, supervisors, administrators and units' people may read the rates",
    ),
    "permission.rankings": (
        "只有热线中心人员、监督员、管理员和承办单位人员可以查看排名",
        "Only centre staff, supervisors, administrators and units' people may read the rankings",
    ),
    "permission.rankings_close": (
        "只有监督员和管理员可以封存考核期",
        "Only supervisors and administrators may close an assessment period",
    ),
    "assessment.period_open": (
        "考核期 {period} 尚未结束，不能封存",
        "The period {period} is not over yet and cannot be closed",
    ),
    "assessment.date": (
        "日期须在 {low} 至 {high} 年之间",
        "The date must fall between the years {low} and {high}",
    ),
    "assessment.unit": ("单位编号（unit）无效", "The unit (unit) is not a unit id"),
    "assessment.unit_not_found": ("没有这个单位", "No such unit"),
    "permission.rankings_unit": (
        "承办单位人员只能查看本单位的考核明细",
        "A unit's people may read their own unit's figures only",
    ),
    "assessment.closed": ("考核期 {period} 已封存", "The period {period} is closed already"),
    "assessment.period_kind": ("考核周期须为 week 或 month", "The period is week or month"),
    "assessment.period": (
        "考核期须写作 2026-11（月）或 2026-W48（周）",
        "A period is written 2026-11 (a month) or 2026-W48 (a week)",
    ),
    "assessment.rate": (
        "指标（rate）须为统计指标中的一项，如 composite、closure、on_time_closure",
        "The rate (rate) is one of the rates' codes, e.g. composite, closure, on_time_closure",
    ),
    "followup.not_found": ("回访任务不存在", "No such follow-up task"),
    "followup.finished": (
        "回访任务已结束（{state}），不再接受答复",
        "The follow-up task is finished ({state}); no further answer is accepted",
    ),
    "followup.outcome": (
        "未接通结果须为：无人接听、拒绝回访或号码错误",
        "The outcome must be no answer, refused or wrong number",
    ),
    "followup.sms_unknown": ("找不到该短信所回复的回访短信", "No follow-up message has that id (reply_to)"),
    "followup.sms_phone": (
        "回复短信的号码与回访任务的号码不符",
        "The reply comes from another number than the follow-up task's",
    ),
    "followup.sms_signature": ("短信回调签名无效", "The SMS callback's signature is not valid"),
    "followup.sms_stale": (
        "短信回调的时间戳超出允许范围（疑似重放）",
        "The SMS callback's timestamp is outside the allowed window (a replay?)",
    ),
    "followup.call_unknown": ("找不到该机器人回访电话", "No robot follow-up call has that id (call_id)"),
    "followup.call_status": (
        "通话结果须为：answered、no_answer、busy 或 failed",
        "The call's status must be answered, no_answer, busy or failed",
    ),
    "followup.call_keys": (
        "按键只能是 0-9、*、#，以及表示未按键的 _（最多64个）",
        "Keys may only be 0-9, *, # and _ for no key (at most 64)",
    ),
    "followup.call_signature": ("通话结果回调签名无效", "The call result callback's signature is not valid"),
    "followup.call_stale": (
        "通话结果回调的时间戳超出允许范围（疑似重放）",
        "The call result callback's timestamp is outside the allowed window (a replay?)",
    ),
    "permission.followup": (
        "只有话务员和派单员可以回访",
        "Only operators and dispatchers do follow-ups",
    ),
}


# Per-field validation problems as the validation library names them (its error `type`): the
# field's error keeps that code, and its message comes from here, in the reader's language. The
# templates use the library's own context (max_length, ge, expected, …). A type not listed keeps
# the library's English message.
FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("必须填写此项", "This field is required"),
    "extra_forbidden": ("不认识的字段", "Unknown field"),
    "string_type": ("须为文本", "Must be text"),
    "string_too_short": ("至少 {min_length} 个字符", "At least {min_length} characters"),
    "string_too_long": ("最多 {max_length} 个字符", "At most {max_length} characters"),
    "int_type": ("须为整数", "Must be a whole number"),
    "int_parsing": ("须为整数", "Must be a whole number"),
    "int_from_float": ("须为整数", "Must be a whole number"),
    "float_type": ("须为数字", "Must be a number"),
    "float_parsing": ("须为数字", "Must be a number"),
    "bool_type": ("须为 true 或 false", "Must be true or false"),
    "bool_parsing": ("须为 true 或 false", "Must be true or false"),
    "list_type": ("须为列表", "Must be a list"),
    "too_long": ("最多 {max_length} 项", "At most {max_length} items"),
    "too_short": ("至少 {min_length} 项", "At least {min_length} items"),
    "greater_than_equal": ("须不小于 {ge}", "Must be at least {ge}"),
    "less_than_equal": ("须不大于 {le}", "Must be at most {le}"),
    "greater_than": ("须大于 {gt}", "Must be greater than {gt}"),
    "less_than": ("须小于 {lt}", "Must be less than {lt}"),
    "enum": ("须为以下之一：{expected}", "Must be one of: {expected}"),
    "literal_error": ("须为以下之一：{expected}", "Must be one of: {expected}"),
    "datetime_type": ("须为日期时间", "Must be a date and time"),
    "datetime_parsing": (
        "须为日期时间（如 2026-11-20T09:30:00+08:00）",
        "Must be a date and time (e.g. 2026-11-20T09:30:00+08:00)",
    ),
    "datetime_from_date_parsing": (
        "须为日期时间（如 2026-11-20T09:30:00+08:00）",
        "Must be a date and time (e.g. 2026-11-20T09:30:00+08:00)",
    ),
    "timezone_aware": ("须带时区（如 +08:00）", "Must carry a time zone (e.g. +08:00)"),
    "model_type": ("须为 JSON 对象", "Must be a JSON object"),
    "model_attributes_type": ("须为 JSON 对象", "Must be a JSON object"),
    "dict_type": ("须为 JSON 对象", "Must be a JSON object"),
    "json_invalid": ("不是有效的 JSON：{error}", "Not valid JSON: {error}"),
    "string_unicode": ("须为有效的 Unicode 文本", "Must be valid Unicode text"),
}

# Commands' action names (commands.py) in words, for messages that name what was refused.
ACTIONS: dict[str, tuple[str, str]] = {
    "submit": ("受理", "intake"),
    "answer": ("直接答复", "answer at intake"),
    "dispatch": ("派单", "dispatch"),
    "hand_off": ("转紧急热线", "emergency handoff"),
    "withdraw": ("撤单", "withdraw"),
    "add_information": ("补充诉求", "add information"),
    "merge": ("并单", "merge"),
    "attach_duplicate": ("并单", "merge"),
    "supervise": ("督办", "supervise"),
    "urge": ("催办", "urge"),
    "record_deadline": ("记录时限", "record a deadline"),
    "follow_up": ("回访", "follow-up"),
    "reopen": ("重办", "reopen"),
    "close": ("办结", "close"),
    "acknowledge": ("签收", "acknowledge"),
    "contact": ("联系诉求人", "contact the citizen"),
    "delegate": ("下派", "delegate"),
    "reply": ("办理反馈", "reply"),
    "send_back": ("退单", "send back"),
    "request_extension": ("申请延期", "ask for more time"),
    "review": ("审核", "review"),
    "decide_send_back": ("审批退单", "decide a send-back"),
    "decide_extension": ("审批延期", "decide an extension"),
}

# Parameters that hold a code name are shown as the word people know (承办人, not unit_handler).
_WORDS = {"role": label, "current": label, "ticket_kind": label, "step": label}


def _in_words(params: dict[str, Any], lang: str) -> dict[str, Any]:
    shown = dict(params)
    for name, value in params.items():
        if name in _WORDS and isinstance(value, str):
            shown[name] = _WORDS[name](value, lang)
        elif name == "action" and value in ACTIONS:
            shown[name] = ACTIONS[value][1 if lang == "en" else 0]
    return shown


def _format(template: str, params: dict[str, Any]) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def message(code: str, lang: str = "zh", **params: Any) -> str:
    """The human message of an error code, in the given language."""
    zh, en = MESSAGES.get(code, (code, code))
    return _format(en if lang == "en" else zh, _in_words(params, lang))


def field_message(code: str, lang: str, fallback: str, **params: Any) -> str:
    """The message of one field's problem: the platform's own codes (MESSAGES), then the validation
    library's types (FIELD_MESSAGES), else the library's own words (`fallback`)."""
    pair = MESSAGES.get(code) or FIELD_MESSAGES.get(code)
    if pair is None:
        return fallback
    return _format(pair[1] if lang == "en" else pair[0], _in_words(params, lang))
