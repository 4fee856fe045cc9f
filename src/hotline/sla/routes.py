"""Time-limit policies over HTTP: everyone signed in reads them (units need to know their limits),
administrators replace them; a preview shows the deadlines a ticket dispatched now would get."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hotline.audit.service import Actor
from hotline.auth.deps import UserDep
from hotline.domain.deadlines import TimeLimit
from hotline.domain.errors import forbidden
from hotline.domain.vocabulary import Role, label
from hotline.sla import schemas as s
from hotline.sla import service
from hotline.sla.calendars import coverage_gaps
from hotline.sla.deps import DeadlinesDep
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep

router = APIRouter(prefix="/api/v1", tags=["time limits 时限"])


def _limit_label(text: str, lang: str) -> str:
    limit = TimeLimit.parse(text)
    return limit.label_en if lang == "en" else limit.label_zh


def _policy_out(
    request: Request, rules: list[dict[str, object]], stored: bool, now: NowDep, lang: str
) -> s.PolicyOut:
    settings = request.app.state.settings
    sla = request.app.state.wiring.sla
    gaps = coverage_gaps(sla.working.calendar, now.astimezone(sla.working.tz).date())  # type: ignore[arg-type]
    out = []
    for rule in rules:
        labels = {
            k: _limit_label(str(rule[k]), lang) for k in ("acknowledge", "contact", "reply") if rule.get(k)
        }
        out.append(s.RuleOut(**rule, labels=labels))  # type: ignore[arg-type]
    return s.PolicyOut(
        rules=out,
        source="stored" if stored else "default",
        calendar=settings.calendar,
        timezone=settings.timezone,
        office_hours=settings.office_hours,
        warning_share=sla.warning_share,
        calendar_notices=[g.message for g in gaps],
    )


@router.get("/time-limits", response_model=s.PolicyOut)
def get_policy(request: Request, db: DbDep, user: UserDep, now: NowDep, lang: LangDep) -> s.PolicyOut:
    """The time limits in force (签收、联系、反馈时限) by urgency, kind, category and complexity."""
    with db.read() as session:
        stored = service.stored_rules(session)
        rules = stored or service.load_policy(session).to_config()
    return _policy_out(request, rules, bool(stored), now, lang)


@router.put("/admin/time-limits", response_model=s.PolicyOut, tags=["admin 管理"])
def put_policy(
    body: s.PolicyIn, request: Request, db: DbDep, user: UserDep, now: NowDep, lang: LangDep
) -> s.PolicyOut:
    """Replace the whole policy. Only tickets dispatched from now on get the new limits; deadlines
    already set stay (they are in the tickets' event logs)."""
    if user.role is not Role.ADMIN:
        raise forbidden("permission.admin")
    rules = [r.model_dump(mode="json", exclude_none=True) for r in body.rules]
    with db.write() as session:
        policy = service.save_policy(session, rules, now, Actor.of(user))
    return _policy_out(request, policy.to_config(), True, now, lang)


@router.post("/time-limits/preview", response_model=list[s.PreviewDeadline])
def preview(
    body: s.PreviewIn,
    db: DbDep,
    deadlines: DeadlinesDep,
    user: UserDep,
    now: NowDep,
    zone: ZoneDep,
    lang: LangDep,
) -> list[s.PreviewDeadline]:
    """The deadlines a ticket like this, dispatched at ``start`` (or now), would get."""
    with db.read() as session:
        calc = deadlines(session)
    made = calc.deadlines(
        urgency=body.urgency.value,
        kind=body.kind.value,
        category=body.category,
        complex=body.complex,
        start=body.start or now,
    )
    return [
        s.PreviewDeadline(
            step=d.step,
            step_label=label(d.step, lang),
            limit=d.limit,
            limit_label=_limit_label(d.limit, lang),
            due_at=d.due_at.astimezone(zone),
            warn_at=None if d.warn_at is None else d.warn_at.astimezone(zone),
        )
        for d in made
    ]
