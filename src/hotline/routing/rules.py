"""Administrators' explicit routing rules: keyword (and area) → category and/or unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.directory import queries as directory
from hotline.domain.errors import invalid, not_found
from hotline.routing.models import RoutingRule
from hotline.search import tokens


def _check(session: Session, data: dict[str, Any]) -> None:
    code = data.get("category_code")
    if code is not None and directory.active_category_id(session, code) is None:
        raise invalid("category.not_found", category=code, field="category_code")
    for name in ("unit_id", "area_unit_id"):
        unit_id = data.get(name)
        if unit_id is not None:
            unit = directory.unit_state(session, unit_id)
            if unit is None or not unit.active:
                raise invalid("unit.not_found", unit=unit_id, field=name)
            if name == "unit_id" and unit.kind == "centre":
                raise invalid("dispatch.centre", field=name)


def create(session: Session, data: dict[str, Any], actor: audit.Actor, now: datetime) -> RoutingRule:
    _check(session, data)
    rule = RoutingRule(
        name=data["name"],
        keywords=list(data["keywords"]),
        exclude_keywords=list(data.get("exclude_keywords") or []),
        category_code=data.get("category_code"),
        unit_id=data.get("unit_id"),
        area_unit_id=data.get("area_unit_id"),
        confidence=float(data.get("confidence", 0.95)),
        active=True,
        created_at=now,
        updated_at=now,
        updated_by_user_id=actor.user_id,
    )
    session.add(rule)
    session.flush()
    audit.record(
        session, actor, "routing.rule.created", "routing_rule", rule.id, at=now, after=audit.snapshot(rule)
    )
    return rule


def get(session: Session, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise not_found("routing.rule_not_found", id=rule_id)
    return rule


def update(
    session: Session, rule_id: int, changes: dict[str, Any], actor: audit.Actor, now: datetime
) -> RoutingRule:
    rule = get(session, rule_id)
    _check(session, changes)
    before = audit.snapshot(rule)
    for name, value in changes.items():
        setattr(rule, name, list(value) if isinstance(value, list) else value)
    if rule.category_code is None and rule.unit_id is None:
        raise invalid("rule.no_target", field="category_code")
    rule.updated_at = now
    rule.updated_by_user_id = actor.user_id
    session.flush()
    after = audit.snapshot(rule)
    audit.record(
        session, actor, "routing.rule.updated", "routing_rule", rule.id, at=now, before=before, after=after
    )
    return rule


def delete(session: Session, rule_id: int, actor: audit.Actor, now: datetime) -> None:
    rule = get(session, rule_id)
    before = audit.snapshot(rule)
    session.delete(rule)
    audit.record(session, actor, "routing.rule.deleted", "routing_rule", rule_id, at=now, before=before)


def listing(session: Session) -> list[RoutingRule]:
    return list(session.scalars(select(RoutingRule).order_by(RoutingRule.id)))


def hit(rule: RoutingRule, folded: str) -> tuple[str | None, str | None]:
    """Does a rule's text side match ``folded`` (text already `tokens.fold`ed)? The first keyword
    found, and the first exclusion found (a match only when there is a keyword and no exclusion).
    The router and the rules page's "try a text" box both ask this, so they cannot disagree."""
    keyword = next((k for k in rule.keywords if tokens.fold(k) in folded), None)
    excluded = next((k for k in rule.exclude_keywords or [] if tokens.fold(k) in folded), None)
    return keyword, excluded
