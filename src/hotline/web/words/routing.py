"""Words of the routing pages: how right 秒派 (dispatch at once) was, per category and per unit."""

WORDS: dict[str, tuple[str, str]] = {
    "nav.routing_accuracy": ("秒派准确率", "Dispatch accuracy"),
    "routing.accuracy.heading": ("秒派准确率", "How right instant dispatch was"),
    "routing.accuracy.period": (
        "统计期间：{first} 至 {last}（按秒派时间）",
        "Period: {first} to {last} (by time of the instant dispatch)",
    ),
    "routing.accuracy.from": ("起始日期", "From"),
    "routing.accuracy.to": ("截止日期", "To"),
    "routing.accuracy.show": ("查看", "Show"),
    "routing.accuracy.last_days": ("最近 {n} 天", "Last {n} days"),
    "routing.accuracy.total": ("全部秒派", "All instant dispatches"),
    "routing.accuracy.by_category": ("按诉求分类（准确率最低在前）", "By category (least right first)"),
    "routing.accuracy.by_unit": ("按承办单位（准确率最低在前）", "By unit (least right first)"),
    "routing.accuracy.none": ("本期间没有秒派工单。", "No ticket was dispatched at once in this period."),
    "routing.accuracy.col.category": ("诉求分类", "Category"),
    "routing.accuracy.col.unit": ("承办单位", "Unit"),
    "routing.accuracy.col.auto": ("秒派", "Dispatched at once"),
    "routing.accuracy.col.sent_back": ("被退回", "Sent back"),
    "routing.accuracy.col.wrong": ("退回后改派（错派）", "Re-dispatched (wrong)"),
    "routing.accuracy.col.rejected": ("退回被驳回", "Send-back rejected"),
    "routing.accuracy.col.pending": ("退回待审", "Send-back undecided"),
    "routing.accuracy.col.right": ("准确率", "Share right"),
    "routing.accuracy.col.right_of": ("正确 / 已定", "Right / decided"),
    "routing.accuracy.undecided": ("未定", "none decided"),
    "routing.accuracy.definition.heading": ("口径", "Definition"),
    "routing.accuracy.definition": (
        "秒派：智能分拨不经人工、直接派给承办单位的工单（按派单时间计入期间）。"
        "错派：承办单位退回且中心同意退回、改派他处的秒派工单。"
        "退回被中心驳回的，派单算作正确；退回尚未审核的（退回待审）暂不计入准确率。"
        "准确率 = (秒派 − 退回待审 − 错派) ÷ (秒派 − 退回待审)。",
        "Dispatched at once: tickets routing sent straight to a unit with no person involved "
        "(counted in the period of that dispatch). Wrong: the unit sent the ticket back and the "
        "centre accepted the send-back and re-dispatched it. A send-back the centre rejected leaves "
        "the dispatch right; one not yet decided is left out of the share until it is. "
        "Share right = (dispatched at once − undecided − wrong) ÷ (dispatched at once − undecided).",
    ),
    "routing.accuracy.api": (
        "同一数据：GET /api/v1/routing/accuracy?from=…&to=…",
        "The same figures: GET /api/v1/routing/accuracy?from=…&to=…",
    ),
}
