"""The one write of assessment: closing a period freezes its ranking as a snapshot (audited).

Why freeze: a ranking is published (通报) and units are judged by it; a late follow-up or a reopen
after the period closed must not move a place already announced. Until closed, a period's ranking
is computed from the tickets as they stand (`queries.ranking_of`)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.assessment import queries
from hotline.assessment.models import RankingSnapshot
from hotline.audit import service as audit
from hotline.domain import assessment as a
from hotline.domain import rates as r
from hotline.domain.errors import conflict, invalid


def close(
    session: Session,
    period: a.Period,
    zone: ZoneInfo,
    now: datetime,
    actor: audit.Actor,
    config: r.AssessmentConfig,
    ranking: a.RankingConfig,
) -> queries.RankingView:
    """Freeze the period's ranking as it stands at ``now``; a period not yet over, or closed already,
    is refused (nothing written)."""
    if datetime.combine(period.end, time(), zone) > now:
        raise invalid("assessment.period_open", field="date", period=period.key)
    if queries.snapshot(session, period) is not None:
        raise conflict("assessment.closed", period=period.key)
    view = queries.ranking_of(session, period, zone, now, config, ranking)
    settings = {
        "min_volume": ranking.min_volume,
        "bottom": ranking.bottom,
        "watch_periods": ranking.watch_periods,
        "red_top": ranking.red_top,
        "red_min": ranking.red_min,
        "black_bottom": ranking.black_bottom,
        "black_max": ranking.black_max,
        "weights": list(config.weights),
        "fairly_satisfied_weight": config.fairly_satisfied_weight,
        "basis": config.basis.value,
    }
    row = RankingSnapshot(
        period_kind=period.kind.value,
        period_start=period.start,
        closed_at=now,
        closed_by=actor.name,
        closed_by_user_id=actor.user_id,
        settings=settings,
        ranking=queries.to_json(view),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # closed at the same moment by someone else
        raise conflict("assessment.closed", period=period.key) from None
    ranked = sum(1 for ps in view.groups.values() for p in ps if p.place is not None)
    audit.record(
        session,
        actor,
        "assessment.period.closed",
        "ranking",
        f"{period.kind.value}:{period.key}",
        at=now,
        after={"period": period.key, "kind": period.kind.value, "ranked_units": ranked, "settings": settings},
    )
    return queries.from_snapshot(row)
