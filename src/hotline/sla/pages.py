"""The time-limit policy's administration page (`/admin/time-limits`): the rules in force as an
editable table (a row per rule, blank rows to add, a box to remove one), saved as a whole through
the API's schema and `sla.service.save_policy` (audited there), and the API's preview: the
deadlines a ticket dispatched now would get. A refused policy is drawn again as typed, the
message beside the cell it names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hotline.auth.pages import AdminPageDep, AdminPostDep
from hotline.directory import queries as directory
from hotline.domain.deadlines import TimeLimit, TimeLimitError
from hotline.domain.errors import DomainError, message
from hotline.domain.vocabulary import Kind, Urgency
from hotline.sla import schemas as s
from hotline.sla import service
from hotline.sla.deps import DeadlinesDep
from hotline.web import admin
from hotline.web.admin import Attempt, Page
from hotline.web.deps import LangDep, NowDep, ZoneDep
from hotline.web.forms import Refused, checked
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")

FIELDS = ("urgency", "kind", "category", "complex", "acknowledge", "contact", "reply")
STEPS = ("acknowledge", "contact", "reply")
BLANK_ROWS = 2


def _rows(form: FormData) -> list[dict[str, Any]]:
    """The table's rows as typed (a value per field, "" when empty), the removed ones left out."""
    columns = {f: [str(v).strip() for v in form.getlist(f)] for f in FIELDS}
    count = min(len(v) for v in columns.values()) if columns else 0
    removed = {str(v) for v in form.getlist("remove")}
    rows = []
    for i in range(min(count, 500)):
        row = {f: columns[f][i] for f in FIELDS}
        if str(i) in removed or not any(row.values()):
            continue
        rows.append(row)
    return rows


def _rule(row: dict[str, Any]) -> dict[str, Any]:
    """A typed row as the API's rule: empty means "any"; complex is yes, no or any."""
    rule: dict[str, Any] = {f: (row[f] or None) for f in FIELDS}
    rule["complex"] = {"yes": True, "no": False}.get(row["complex"])
    return rule


def _shown(rule: dict[str, object]) -> dict[str, str]:
    """A stored rule as the table shows it."""
    row = {f: "" if rule.get(f) is None else str(rule[f]) for f in FIELDS}
    row["complex"] = {True: "yes", False: "no"}.get(rule.get("complex"), "")  # type: ignore[arg-type]
    return row


def _check_limits(rows: list[dict[str, Any]], lang: str) -> None:
    """Each limit read as the policy will read it, so a bad one is named by its cell."""
    problems = {}
    for i, row in enumerate(rows):
        for step in STEPS:
            if row[step]:
                try:
                    TimeLimit.parse(row[step])
                except TimeLimitError as exc:
                    problems[f"rules.{i}.{step}"] = message("time_limits.invalid", lang, detail=str(exc))
    if problems:
        raise Refused(problems, 422)


def _limit_label(text: str, lang: str) -> str:
    try:
        limit = TimeLimit.parse(text)
    except TimeLimitError:
        return text
    return limit.label_en if lang == "en" else limit.label_zh


def _in_its_row(rows: list[dict[str, Any]]) -> Callable[[DomainError, str], Refused]:
    """The service's refusal of an unknown category, said in the cell of the row that holds it."""

    def said(err: DomainError, lang: str) -> Refused:
        failed = Refused.of(err, lang)
        if "category" not in failed.problems:
            return failed
        bad = str(err.params.get("category"))
        row = next((i for i, r in enumerate(rows) if r["category"] == bad), None)
        return Refused(
            {"" if row is None else f"rules.{row}.category": failed.problems["category"]}, failed.status
        )

    return said


def install(app: FastAPI) -> None:
    def policy_page(
        page: Page,
        deadlines: DeadlinesDep,
        now: datetime,
        zone: ZoneInfo,
        lang: str,
        sent: Attempt | None = None,
        *,
        rows: list[dict[str, Any]] | None = None,
    ) -> HTMLResponse:
        q = page.request.query_params
        problems = sent.problems if sent else {}
        with page.db.read() as rs:
            stored = service.stored_rules(rs)
            if rows is None:
                rows = [_shown(r) for r in (stored or service.load_policy(rs).to_config())]
            cats = [c for c in directory.categories(rs) if c.active]
            calc = deadlines(rs)
        try:  # the preview: the API's own shape, checked like its body
            asked = s.PreviewIn.model_validate(
                {
                    "urgency": q.get("p_urgency") or "normal",
                    "kind": q.get("p_kind") or "complaint",
                    "category": q.get("p_category") or None,
                    "complex": q.get("p_complex") == "yes",
                }
            )
        except ValidationError:
            asked = s.PreviewIn()
        preview = [
            {
                "step": d.step,
                "limit": _limit_label(d.limit, lang),
                "due_at": d.due_at.astimezone(zone),
                "warn_at": None if d.warn_at is None else d.warn_at.astimezone(zone),
            }
            for d in calc.deadlines(
                urgency=asked.urgency.value,
                kind=asked.kind.value,
                category=asked.category,
                complex=asked.complex,
                start=now,
            )
        ]
        blank = dict.fromkeys(FIELDS, "")
        return admin.render(
            pages,
            page,
            "admin_time_limits.html",
            {
                "rows": [*rows, *([blank] * BLANK_ROWS)],
                "source": "stored" if stored else "default",
                "urgencies": [u.value for u in Urgency],
                "kinds": [k.value for k in Kind],
                "categories": sorted(cats, key=lambda c: c.code),
                "asked": asked,
                "preview": preview,
                "now": now.astimezone(zone),
                "labels": {  # how each limit reads (none for one that does not parse)
                    (i, step): _limit_label(row[step], lang)
                    for i, row in enumerate(rows)
                    for step in STEPS
                    if row[step] and f"rules.{i}.{step}" not in problems
                },
            },
            sent,
        )

    @app.get("/admin/time-limits", include_in_schema=False, response_class=HTMLResponse)
    def admin_time_limits(
        page: AdminPageDep, deadlines: DeadlinesDep, now: NowDep, zone: ZoneDep, lang: LangDep
    ) -> HTMLResponse:
        return policy_page(page, deadlines, now, zone, lang)

    @app.post("/admin/time-limits", include_in_schema=False)
    def save_time_limits(post: AdminPostDep, deadlines: DeadlinesDep, zone: ZoneDep) -> Response:
        rows = _rows(post.form)

        def save() -> str:
            body = checked(s.PolicyIn, {"rules": [_rule(r) for r in rows]}, post.lang)
            _check_limits(rows, post.lang)
            rules = [r.model_dump(mode="json", exclude_none=True) for r in body.rules]
            with post.db.write() as ws:
                service.save_policy(ws, rules, post.now, post.actor)
            return "/admin/time-limits?done=saved"

        return admin.submit(
            post,
            save,
            lambda sent: policy_page(post, deadlines, post.now, zone, post.lang, sent, rows=rows),
            refused=_in_its_row(rows),
        )
