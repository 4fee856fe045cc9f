"""Routing over HTTP: suggestions for any text, a ticket's routing advice, rules, status."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import func, select

from hotline.audit.service import Actor
from hotline.auth.deps import UserDep
from hotline.auth.service import CurrentUser
from hotline.db.engine import Database
from hotline.domain.errors import forbidden, invalid, not_found
from hotline.domain.vocabulary import Role
from hotline.kb import queries as kb_queries
from hotline.routing import accuracy, auto, rules, views
from hotline.routing import schemas as s
from hotline.routing.models import RoutingRule, TicketRouting
from hotline.routing.runtime import Runtime
from hotline.routing.service import RouteRequest, advise
from hotline.search import queries as search_queries
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep
from hotline.web.numbers import Id

router = APIRouter(prefix="/api/v1", tags=["routing 智能分拨"])

CENTRE_DESK = {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
#: Who reads how right 秒派 was: those who dispatch, supervise and configure routing.
ACCURACY_READERS = {Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
#: The longest period of an accuracy report, in days (as for the rates).
MAX_DAYS = 400


def runtime_of(request: Request) -> Runtime:
    """The app's routing runtime (made on first use when the app did not make one)."""
    state = request.app.state
    if getattr(state, "routing", None) is None:
        state.routing = Runtime(state.settings.data_dir)
    return state.routing  # type: ignore[no-any-return]


def _require(user: CurrentUser, roles: set[Role], action: str) -> None:
    if user.role not in roles:
        raise forbidden("permission.role", role=user.role.value, action=action)


@router.post("/routing/suggest", response_model=s.SuggestOut)
def suggest(
    body: s.SuggestIn,
    request: Request,
    db: DbDep,
    user: UserDep,
    now: NowDep,
    zone: ZoneDep,
    lang: LangDep,
    settings: SettingsDep,
) -> s.SuggestOut:
    """Where a request goes and why: ranked (category, unit, confidence) with the reasons of each,
    the place, an emergency to hand off, open tickets it may duplicate, kb answers."""
    _require(user, CENTRE_DESK | {Role.GRID_WORKER}, "routing.suggest")
    return suggestions(db, runtime_of(request), body, now, zone, lang, settings)


def suggestions(
    db: Database, runtime: Runtime, body: s.SuggestIn, now: datetime, zone: ZoneInfo, lang: str, settings: Any
) -> s.SuggestOut:
    """The answer of `POST /routing/suggest` (the operator's workbench asks the same while typing);
    the caller's permission is checked by whoever calls."""
    policy = auto.Policy.of(settings)
    req = RouteRequest(
        text=body.text,
        title=body.title,
        kind=body.kind,
        channel=body.channel,
        address=body.address,
        latitude=body.latitude,
        longitude=body.longitude,
        category_code=body.category_code,
    )
    with db.read() as session:
        advice = advise(
            session,
            runtime,
            req,
            now,
            k=body.limit,
            duplicate_window_hours=policy.duplicate_window_hours,
            duplicate_distance_m=policy.duplicate_distance_m,
        )
    decision = auto.decide(advice, body.kind or "", "received", policy)
    rendered = views.render(views.advice_json(advice), lang, zone)
    limit = auto.threshold(advice, policy)
    return s.SuggestOut(
        **rendered.model_dump(),
        auto_dispatch_threshold=limit.value,
        threshold_basis=limit.basis,
        would_auto_dispatch=decision == "auto_dispatched",
        decision=decision,
        decision_label=views.decision_label(decision, lang),
    )


@router.get("/tickets/{ticket_id}/routing", response_model=s.TicketRoutingOut)
def ticket_routing(
    ticket_id: Id,
    request: Request,
    db: DbDep,
    user: UserDep,
    now: NowDep,
    zone: ZoneDep,
    lang: LangDep,
    settings: SettingsDep,
) -> s.TicketRoutingOut:
    """What routing advised at intake, with duplicates looked up again (new calls may have come)."""
    _require(user, CENTRE_DESK, "routing.view")
    with db.read() as session:
        row = session.get(TicketRouting, ticket_id)
        if row is None:
            raise not_found("routing.no_advice", id=ticket_id)
        stored = {
            "suggestions": row.suggestions,
            "place": row.place,
            "emergency": row.emergency,
            "duplicates": row.duplicates,
            "answers": row.answers,
            "model_used": row.model_used,
            "model_version": row.model_version,
            "model_note": row.model_note,
        }
        computed_at, decision, auto_dispatched = row.computed_at, row.decision, row.auto_dispatched
    fresh = auto.refresh_duplicates(db, runtime_of(request), auto.Policy.of(settings), ticket_id, now)
    if fresh is not None:
        stored["duplicates"] = fresh
    rendered = views.render(stored, lang, zone)
    return s.TicketRoutingOut(
        **rendered.model_dump(),
        ticket_id=ticket_id,
        computed_at=computed_at.astimezone(zone),
        decision=decision,
        decision_label=views.decision_label(decision, lang),
        auto_dispatched=auto_dispatched,
    )


@router.get(
    "/public/city-map",
    tags=["public 公众"],
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}, 304: {"description": "Not modified"}},
)
def city_map(request: Request, db: DbDep, lang: LangDep) -> Response:
    """The city's districts and streets as GeoJSON (`[lon, lat]`), from the directory's own
    polygons: the staff workbench and the public portal draw their maps from it, without tiles.
    Cached: built once per directory version, with an ETag (304 when unchanged)."""
    with db.read() as session:
        world = runtime_of(request).world(session)
    body, etag = views.city_map(world, lang)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300", "Vary": "Accept-Language, Cookie"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/geo+json", headers=headers)


# --- rules -------------------------------------------------------------------------------------


def _rule_out(r: RoutingRule, zone: ZoneDep) -> s.RuleOut:
    return s.RuleOut(
        id=r.id,
        name=r.name,
        keywords=list(r.keywords),
        exclude_keywords=list(r.exclude_keywords or []),
        category_code=r.category_code,
        unit_id=r.unit_id,
        area_unit_id=r.area_unit_id,
        confidence=r.confidence,
        active=r.active,
        updated_at=r.updated_at.astimezone(zone),
    )


@router.get("/routing/rules", response_model=list[s.RuleOut])
def list_rules(db: DbDep, user: UserDep, zone: ZoneDep) -> list[s.RuleOut]:
    _require(user, CENTRE_DESK, "routing.rules")
    with db.read() as session:
        return [_rule_out(r, zone) for r in rules.listing(session)]


@router.post("/routing/rules", response_model=s.RuleOut, status_code=201)
def create_rule(body: s.RuleIn, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep) -> s.RuleOut:
    """Add an explicit rule (administrators): keywords (and an area) → category and/or unit."""
    _require(user, {Role.ADMIN}, "routing.rules.create")
    with db.write() as session:
        return _rule_out(rules.create(session, body.model_dump(), Actor.of(user), now), zone)


@router.patch("/routing/rules/{rule_id}", response_model=s.RuleOut)
def update_rule(
    rule_id: Id, body: s.RulePatch, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep
) -> s.RuleOut:
    _require(user, {Role.ADMIN}, "routing.rules.update")
    with db.write() as session:
        return _rule_out(
            rules.update(session, rule_id, body.model_dump(exclude_unset=True), Actor.of(user), now), zone
        )


@router.delete("/routing/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: Id, db: DbDep, user: UserDep, now: NowDep) -> Response:
    _require(user, {Role.ADMIN}, "routing.rules.delete")
    with db.write() as session:
        rules.delete(session, rule_id, Actor.of(user), now)
    return Response(status_code=204)


@router.get("/routing/status", response_model=s.StatusOut)
def status(request: Request, db: DbDep, user: UserDep, settings: SettingsDep) -> s.StatusOut:
    """Is a model loaded, which labels does it know, how full are the kb and the ticket index."""
    _require(user, CENTRE_DESK, "routing.status")
    runtime = runtime_of(request)
    model = runtime.model()
    with db.read() as session:
        count = lambda q: int(session.scalar(q) or 0)  # noqa: E731
        kb_duties = kb_queries.active_count(session, "duty")
        kb_answers = kb_queries.active_count(session, "answer")
        indexed = search_queries.document_count(session, "ticket")
        n_rules = count(select(func.count()).select_from(RoutingRule).where(RoutingRule.active.is_(True)))
        categories = len(runtime.world(session).leaves)
    return s.StatusOut(
        model_present=model is not None,
        model_labels=list(model.labels) if model is not None else [],
        model_threshold=model.auto_dispatch_threshold if model is not None else None,
        model_trained_at=(model.meta or {}).get("trained_at") if model is not None else None,
        model_error=runtime.model_error,
        auto_dispatch=settings.routing_auto_dispatch,
        auto_dispatch_threshold=settings.routing_auto_dispatch_threshold,
        kb_duties=kb_duties,
        kb_answers=kb_answers,
        indexed_tickets=indexed,
        rules=n_rules,
        categories=categories,
    )


# --- live accuracy of 秒派 ----------------------------------------------------------------------


def _accuracy_row(t: accuracy.Tally) -> s.AccuracyRow:
    return s.AccuracyRow.model_validate(t.as_json())


def accuracy_report(
    db: Database, user: CurrentUser, zone: ZoneInfo, lang: str, start: date, end: date
) -> accuracy.Report:
    """The period's report for a reader allowed to see it: the API and the page (`pages.py`) both
    call this, so they show the same numbers and refuse the same periods and people."""
    _require(user, ACCURACY_READERS, "routing.accuracy")
    if end < start:
        raise invalid("routing.period", field="to")
    if (end - start).days + 1 > MAX_DAYS:
        raise invalid("routing.period_too_long", field="to", max_days=MAX_DAYS)
    first = datetime.combine(start, time(), tzinfo=zone)
    after = datetime.combine(end + timedelta(days=1), time(), tzinfo=zone)
    with db.read() as session:
        return accuracy.report(session, first, after, lang)


@router.get("/routing/accuracy", response_model=s.AccuracyOut, response_model_by_alias=True)
def routing_accuracy(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    lang: LangDep,
    start: Annotated[date, Query(alias="from", description="First day of the period (centre's zone)")],
    end: Annotated[date, Query(alias="to", description="Last day of the period (inclusive)")],
) -> s.AccuracyOut:
    """How often tickets dispatched at once (秒派) in the period were wrong — sent back and
    re-dispatched — per category and per unit the router chose (docs/routing-platform.md)."""
    found = accuracy_report(db, user, zone, lang, start, end)
    return s.AccuracyOut(
        from_=start,
        to=end,
        total=_accuracy_row(found.total),
        by_category=[_accuracy_row(t) for t in found.by_category],
        by_unit=[_accuracy_row(t) for t in found.by_unit],
    )
