"""The stored time-limit policy: read it, replace it (administrators), seed the defaults, and build
the deadline calculator the workflow uses at dispatch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.directory import queries as directory
from hotline.domain.deadlines import DEFAULT_POLICY, TimeLimitError, TimeLimitPolicy
from hotline.domain.errors import invalid
from hotline.sla.calculator import PolicyDeadlines, SlaSettings
from hotline.sla.models import TimeLimitRule


def _row_config(row: TimeLimitRule) -> dict[str, object]:
    values = {
        "urgency": row.urgency,
        "kind": row.kind,
        "category": row.category_code,
        "complex": row.complex,
        "acknowledge": row.acknowledge,
        "contact": row.contact,
        "reply": row.reply,
    }
    return {k: v for k, v in values.items() if v is not None}


def stored_rules(session: Session) -> list[dict[str, object]]:
    rows = session.scalars(select(TimeLimitRule).order_by(TimeLimitRule.position))
    return [_row_config(r) for r in rows]


def load_policy(session: Session) -> TimeLimitPolicy:
    """The policy in force: the stored rules, or the built-in defaults when none are stored."""
    rules = stored_rules(session)
    if not rules:
        return DEFAULT_POLICY
    return TimeLimitPolicy.from_config(rules)


def save_policy(
    session: Session, rules: Sequence[Mapping[str, Any]], now: datetime, actor: audit.Actor
) -> TimeLimitPolicy:
    """Replace the whole policy. Checked first: limits (30m/4h/3wd), names, duplicates, categories.

    Only new deadlines follow it; deadlines already set stay as they were (they are in the events).
    """
    if not rules:
        raise invalid("time_limits.invalid", detail="至少需要一条规则 / at least one rule is needed")
    try:
        policy = TimeLimitPolicy.from_config([{k: v for k, v in r.items() if v is not None} for r in rules])
    except TimeLimitError as exc:
        raise invalid("time_limits.invalid", detail=str(exc)) from exc
    codes = {rule.category for rule in policy.rules if rule.category is not None}
    if codes:
        known = directory.category_codes(session, among=codes)
        for code in sorted(codes - known):
            raise invalid("category.not_found", category=code, field="category")
    before = stored_rules(session)
    session.execute(delete(TimeLimitRule))
    session.flush()
    for position, rule in enumerate(policy.rules):
        cfg = rule.to_config()
        session.add(
            TimeLimitRule(
                position=position,
                urgency=rule.urgency,
                kind=rule.kind,
                category_code=rule.category,
                complex=rule.complex,
                acknowledge=cfg.get("acknowledge"),
                contact=cfg.get("contact"),
                reply=cfg.get("reply"),
                updated_at=now,
                updated_by_user_id=actor.user_id,
            )
        )
    session.flush()
    after = stored_rules(session)
    audit.record(
        session,
        actor,
        "time_limits.policy.replaced",
        "time_limit_policy",
        None,
        at=now,
        before=before,
        after=after,
    )
    return policy


def seed_policy(session: Session, now: datetime, rules: Sequence[Mapping[str, Any]] | None = None) -> bool:
    """Store a city's policy (its ``time_limits``, else the defaults the demo city uses) when no policy
    is stored yet; True if it did."""
    if session.scalar(select(func.count()).select_from(TimeLimitRule)):
        return False
    save_policy(session, rules if rules else DEFAULT_POLICY.to_config(), now, audit.LOADER)
    return True


def category_paths(session: Session) -> dict[str, tuple[str, ...]]:
    """Every category's path of codes from the root, for rules set on a parent category."""
    by_id = {cid: (code, parent) for cid, code, parent in directory.category_links(session)}
    paths: dict[str, tuple[str, ...]] = {}
    for code, parent in by_id.values():
        path = [code]
        seen = 0
        while parent is not None and parent in by_id and seen < 32:
            parent_code, parent = by_id[parent]
            path.append(parent_code)
            seen += 1
        paths[code] = tuple(reversed(path))
    return paths


def calculator(session: Session, sla: SlaSettings) -> PolicyDeadlines:
    """The calculator for one command: the policy in force now and, if it names categories, the tree."""
    policy = load_policy(session)
    paths = category_paths(session) if any(r.category for r in policy.rules) else {}
    return PolicyDeadlines(policy, sla, paths)


@dataclass(frozen=True)
class DeadlineSource:
    """The workflow's deadline calculator for one transaction, in the centre's working time: what
    `tickets.service.execute` is handed (by `bootstrap`), so tickets need not know where policies live."""

    sla: SlaSettings

    def __call__(self, session: Session) -> PolicyDeadlines:
        return calculator(session, self.sla)
