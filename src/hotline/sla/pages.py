"""The time-limit policy's administration page (`/admin/time-limits`): the rules in force as an
editable table (a row per rule, blank rows to add, a box to remove one), saved as a whole through
the API's schema and `sla.service.save_policy` (audited there), and the API's preview: the
deadlines a ticket dispatched now would get. A refused policy is drawn again as typed, the
message beside the cell it names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hotline.audit.service import Actor
from hotline.auth.pages import AdminSessionDep, CheckedFormDep, PageSession
from hotline.directory import queries as directory
from hotline.domain.deadlines import TimeLimit, TimeLimitError
from hotline.domain.errors import DomainError, message
from hotline.domain.vocabulary import Kind, Urgency
from hotline.sla import schemas as s
from hotline.sla import service
from hotline.sla.deps import DeadlinesDep
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.errors import STATUS
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


def install(app: FastAPI) -> None:
    def policy_page(
        request: Request,
        db: DbDep,
        session: PageSession,
        deadlines: DeadlinesDep,
        now: NowDep,
        zone: ZoneDep,
        lang: str,
        *,
        rows: list[dict[str, Any]] | None = None,
        problems: dict[str, str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        q = request.query_params
        with db.read() as rs:
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
        return pages.render(
            request,
            "admin_time_limits.html",
            {
                "rows": [*rows, *([blank] * BLANK_ROWS)],
                "source": "stored" if stored else "default",
                "problems": problems or {},
                "urgencies": [u.value for u in Urgency],
                "kinds": [k.value for k in Kind],
                "categories": sorted(cats, key=lambda c: c.code),
                "asked": asked,
                "preview": preview,
                "now": now.astimezone(zone),
                "done": q.get("done"),
                "labels": {  # how each limit reads (none for one that does not parse)
                    (i, step): _limit_label(row[step], lang)
                    for i, row in enumerate(rows)
                    for step in STEPS
                    if row[step] and f"rules.{i}.{step}" not in (problems or {})
                },
            },
            user=session.user,
            csrf=session.csrf,
            status_code=status,
        )

    @app.get("/admin/time-limits", include_in_schema=False, response_class=HTMLResponse)
    def admin_time_limits(
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        deadlines: DeadlinesDep,
        now: NowDep,
        zone: ZoneDep,
        lang: LangDep,
    ) -> HTMLResponse:
        return policy_page(request, db, session, deadlines, now, zone, lang)

    @app.post("/admin/time-limits", include_in_schema=False)
    def save_time_limits(
        request: Request,
        db: DbDep,
        session: AdminSessionDep,
        form: CheckedFormDep,
        deadlines: DeadlinesDep,
        now: NowDep,
        zone: ZoneDep,
        lang: LangDep,
    ) -> Response:
        rows = _rows(form)
        try:
            body = checked(s.PolicyIn, {"rules": [_rule(r) for r in rows]}, lang)
            _check_limits(rows, lang)
            rules = [r.model_dump(mode="json", exclude_none=True) for r in body.rules]
            with db.write() as ws:
                service.save_policy(ws, rules, now, Actor.of(session.user))
        except Refused as failed:
            return policy_page(
                request, db, session, deadlines, now, zone, lang,
                rows=rows, problems=failed.problems, status=failed.status,
            )  # fmt: skip
        except DomainError as err:
            field = str(err.params.get("field") or "")
            if field == "category":  # name the row whose category is unknown
                bad = str(err.params.get("category"))
                row = next((i for i, r in enumerate(rows) if r["category"] == bad), None)
                field = "" if row is None else f"rules.{row}.category"
            problems = {field: message(err.code, lang, **err.params)}
            return policy_page(
                request, db, session, deadlines, now, zone, lang,
                rows=rows, problems=problems, status=STATUS[err.kind],
            )  # fmt: skip
        return RedirectResponse("/admin/time-limits?done=saved", status_code=303)
