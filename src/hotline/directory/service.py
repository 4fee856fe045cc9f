"""Writes to the directory: loading a city (the demo, or a centre's own JSON file) and users."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.directory.models import ApiToken, Category, Unit, User
from hotline.directory.passwords import hash_password
from hotline.domain.vocabulary import Role

LEVEL_KINDS = {
    "centre",
    "district",
    "department",
    "enterprise",
    "street",
    "town",
    "community",
    "village",
    "grid",
}


def demo_city() -> dict[str, Any]:
    """The demo city shipped with the platform (units, users, categories), as parsed JSON."""
    text = resources.files("hotline.directory").joinpath("demo_city.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def read_city(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Unit)) == 0


def load_city(
    session: Session, city: dict[str, Any], now: datetime, actor: audit.Actor = audit.LOADER
) -> dict[str, int]:
    """Insert a city's units, categories and users into an empty directory; returns the counts.
    (`bootstrap.load_city` loads a whole city: this, and its time limits.)

    Units come parent-before-child; each gets a materialised path so a unit's subtree is one
    prefix query. Passwords are hashed here; the JSON holds the demo passwords in clear because
    they are documented for trying the platform, never for production.
    """
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    for spec in city["units"]:
        if spec["kind"] not in LEVEL_KINDS:
            raise ValueError(f"unit {spec['code']}: unknown kind {spec['kind']!r}")
        parent = spec.get("parent")
        if parent is not None and parent not in ids:
            raise ValueError(f"unit {spec['code']}: parent {parent!r} must come before it")
        unit = Unit(
            code=spec["code"],
            name=spec["name"],
            name_en=spec.get("name_en"),
            public_name=spec.get("public_name") or spec["name"],
            kind=spec["kind"],
            level=1 if parent is None else paths[parent].count("/"),
            parent_id=None if parent is None else ids[parent],
            path="",
            duties=list(spec.get("duties") or []),
            keywords=list(spec.get("keywords") or []),
            area=spec.get("area"),
            active=True,
        )
        session.add(unit)
        session.flush()
        ids[spec["code"]] = unit.id
        unit.path = (paths[parent] if parent is not None else "/") + f"{unit.id}/"
        paths[spec["code"]] = unit.path

    n_categories = 0

    def add_categories(specs: list[dict[str, Any]], parent: Category | None) -> None:
        nonlocal n_categories
        for spec in specs:
            default_unit = spec.get("default_unit")
            if default_unit is not None and default_unit not in ids:
                raise ValueError(f"category {spec['code']}: unknown default unit {default_unit!r}")
            cat = Category(
                code=spec["code"],
                name=spec["name"],
                name_en=spec.get("name_en"),
                parent_id=None if parent is None else parent.id,
                level=1 if parent is None else parent.level + 1,
                default_unit_id=None if default_unit is None else ids[default_unit],
                territorial=bool(spec.get("territorial", False)),
                keywords=list(spec.get("keywords") or []),
                description=spec.get("description"),
                active=True,
            )
            session.add(cat)
            session.flush()
            n_categories += 1
            add_categories(spec.get("children") or [], cat)

    add_categories(city.get("categories") or [], None)

    for spec in city.get("users") or []:
        session.add(
            User(
                username=spec["username"],
                display_name=spec["display_name"],
                password_hash=hash_password(spec["password"]),
                role=Role(spec["role"]).value,
                unit_id=ids[spec["unit"]],
                active=True,
                created_at=now,
            )
        )
    session.flush()
    counts = {"units": len(ids), "categories": n_categories, "users": len(city.get("users") or [])}
    loaded = {
        **counts,
        "unit_codes": list(ids),
        "users_by_role": {u["username"]: u["role"] for u in city.get("users") or []},
    }
    audit.record(session, actor, "directory.city.loaded", "directory", None, at=now, after=loaded)
    return counts


def add_token(session: Session, token_hash: str, user_id: int, now: datetime, expires_at: datetime) -> None:
    """Store a new bearer token of a user (its SHA-256 only)."""
    session.add(ApiToken(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at))


def revoke_token(session: Session, token_hash: str, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.token_hash == token_hash).values(revoked_at=now))


@dataclass(frozen=True)
class CategorySpec:
    """A category as an import wants it (routing's taxonomy import); parents come before children."""

    code: str
    name: str
    parent_code: str | None
    level: int
    default_unit_id: int | None
    territorial: bool
    description: str | None = None


def put_categories(session: Session, specs: list[CategorySpec], retire_others: bool) -> tuple[int, int, int]:
    """Insert the new categories and update the known ones (parent, default unit, territorial,
    active); retire every other active category when ``retire_others``. Returns (created, updated,
    retired)."""
    existing = {c.code: c for c in session.scalars(select(Category))}
    created = updated = retired = 0
    for spec in specs:
        parent = existing.get(spec.parent_code) if spec.parent_code is not None else None
        cat = existing.get(spec.code)
        if cat is None:
            cat = Category(
                code=spec.code,
                name=spec.name,
                name_en=None,
                parent_id=parent.id if parent else None,
                level=spec.level,
                default_unit_id=spec.default_unit_id,
                territorial=spec.territorial,
                keywords=[],
                description=spec.description,
                active=True,
            )
            session.add(cat)
            session.flush()
            existing[spec.code] = cat
            created += 1
        else:
            cat.parent_id = parent.id if parent else None
            cat.default_unit_id, cat.territorial, cat.active = spec.default_unit_id, spec.territorial, True
            updated += 1
    if retire_others:
        wanted = {spec.code for spec in specs}
        for cat in existing.values():
            if cat.code not in wanted and cat.active:
                cat.active = False
                retired += 1
    session.flush()
    return created, updated, retired
