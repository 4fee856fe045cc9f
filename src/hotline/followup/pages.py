"""The operator's follow-up queue (/follow-ups): due tasks first, the script with the three
questions, one-key answers, and the outcomes of a call that got no answer. Thin handlers over the
same queries and service functions as the JSON API; forms post and redirect (POST → 303 → GET)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from hotline.auth.pages import CheckedFormDep, PageRefusal, PageSession, PageSessionDep
from hotline.db.engine import Database
from hotline.domain.errors import DomainError, forbidden, message
from hotline.domain.vocabulary import Satisfaction
from hotline.followup import queries, service
from hotline.followup import schemas as s
from hotline.followup.routes import DESK_ROLES, PolicyDep, record_answer, record_attempt
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.numbers import Id
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")

RETRY_CHOICES = (30, 120, 1440)
_YES_NO = {"1": True, "2": False}
_SATISFACTION = {
    "1": Satisfaction.SATISFIED,
    "2": Satisfaction.FAIRLY_SATISFIED,
    "3": Satisfaction.UNSATISFIED,
}


def _desk(session: PageSession) -> None:
    if session.user.role not in DESK_ROLES:
        raise PageRefusal(forbidden("permission.followup"), session)


def _back(**params: object) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse("/follow-ups" + (f"?{query}" if query else ""), status_code=303)


def _field_problem(exc: ValidationError) -> str:
    return ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())


def _recorded(
    db: Database,
    task_id: Id,
    write: Callable[[], service.Done],
    zone: ZoneInfo,
    lang: str,
    now: datetime,
    outcome: str | None = None,
) -> RedirectResponse:
    """Run the write and go back to the queue saying what happened (or why it was refused)."""
    try:
        done = write()
    except DomainError as err:
        return _back(task=task_id, refused=message(err.code, lang, **err.params))
    with db.read() as sess:
        number = queries.task(sess, task_id, now, zone, lang).number
    if outcome is None:
        return _back(done=done.ticket_status, number=number)
    return _back(done="retry" if done.state == "open" else "given_up", number=number, outcome=outcome)


def install(app: FastAPI) -> None:
    @app.get("/follow-ups", include_in_schema=False, response_class=HTMLResponse)
    def follow_up_queue(
        request: Request,
        db: DbDep,
        session: PageSessionDep,
        now: NowDep,
        zone: ZoneDep,
        lang: LangDep,
        policy: PolicyDep,
    ) -> HTMLResponse:
        _desk(session)
        q = request.query_params
        wanted = int(q["task"]) if q.get("task", "").isdigit() and len(q["task"]) < 10 else None
        with db.read() as sess:
            found = queries.queue(sess, now, zone, lang)
            current = None
            if wanted is not None:
                try:
                    current = queries.task(sess, wanted, now, zone, lang)
                except DomainError:
                    current = None
            elif found.due:
                current = queries.task(sess, found.due[0].id, now, zone, lang)
        return pages.render(
            request,
            "followup.html",
            {
                "queue": found,
                "current": current,
                "max_attempts": policy.max_attempts,
                "retry_choices": RETRY_CHOICES,
                "retry_default": round(policy.retry.total_seconds() / 60),
                "done": q.get("done"),
                "number": q.get("number", "")[:20],
                "outcome": q.get("outcome")
                if q.get("outcome") in {o.value for o in service.Outcome}
                else None,
                "refused": q.get("refused", "")[:300] or None,
                "missing": bool(q.get("missing")),
            },
            user=session.user,
            csrf=session.csrf,
            now=now,
        )

    @app.post("/follow-ups/{task_id}/answer", include_in_schema=False)
    def answer(
        task_id: Id,
        db: DbDep,
        session: PageSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        zone: ZoneDep,
        lang: LangDep,
        policy: PolicyDep,
    ) -> Response:
        _desk(session)
        contacted = _YES_NO.get(str(form.get("contacted", "")))
        solved = _YES_NO.get(str(form.get("solved", "")))
        satisfaction = _SATISFACTION.get(str(form.get("satisfaction", "")))
        if contacted is None or solved is None or satisfaction is None:
            return _back(task=task_id, missing=1)
        close_instead = form.get("close_instead") == "1"
        try:
            body = s.AnswerIn(
                contacted=contacted,
                solved=solved,
                satisfaction=satisfaction,
                comment=str(form.get("comment", "")) or None,
                close_reason=str(form.get("close_reason", "")) if close_instead else None,
            )
        except ValidationError as exc:
            return _back(task=task_id, refused=_field_problem(exc))
        return _recorded(
            db, task_id, lambda: record_answer(db, task_id, body, session.user, now, policy), zone, lang, now
        )

    @app.post("/follow-ups/{task_id}/attempt", include_in_schema=False)
    def attempt(
        task_id: Id,
        db: DbDep,
        session: PageSessionDep,
        form: CheckedFormDep,
        now: NowDep,
        zone: ZoneDep,
        lang: LangDep,
        policy: PolicyDep,
    ) -> Response:
        _desk(session)
        retry = str(form.get("retry_in_minutes", ""))
        try:
            body = s.AttemptIn(
                outcome=str(form.get("outcome", "")),  # type: ignore[arg-type]
                retry_in_minutes=int(retry) if retry.isdigit() and len(retry) < 6 else None,
            )
        except ValidationError as exc:
            return _back(task=task_id, refused=_field_problem(exc))
        return _recorded(
            db,
            task_id,
            lambda: record_attempt(db, task_id, body, session.user, now, policy),
            zone,
            lang,
            now,
            body.outcome.value,
        )
