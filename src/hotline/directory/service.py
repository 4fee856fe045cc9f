"""Writes to the directory: loading a city (the demo, or a centre's own JSON file) and users."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.directory.models import ApiToken, Category, Unit, User
from hotline.directory.passwords import MAX_LENGTH as PASSWORD_MAX
from hotline.directory.passwords import MIN_LENGTH as PASSWORD_MIN
from hotline.directory.passwords import hash_password, password_problem, temporary_password, verify_password
from hotline.domain.errors import conflict, invalid, not_found
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


#: The levels each kind of unit stands at (DESIGN.md, GLOSSARY "level"): centre 1; district,
#: city department or public enterprise 2 (a department or enterprise may also sit under a
#: district, at 3); street or town 3; community or village 4; grid 5.
KIND_LEVELS: Final[dict[str, frozenset[int]]] = {
    "centre": frozenset({1}),
    "district": frozenset({2}),
    "department": frozenset({2, 3}),
    "enterprise": frozenset({2, 3}),
    "street": frozenset({3}),
    "town": frozenset({3}),
    "community": frozenset({4}),
    "village": frozenset({4}),
    "grid": frozenset({5}),
}


def _check_kind_level(kind: str, level: int, field: str) -> None:
    """A unit's kind fits the level it would stand at: a street under a street is a mistake."""
    allowed = KIND_LEVELS.get(kind)
    if allowed is not None and level not in allowed:
        levels = "/".join(str(n) for n in sorted(allowed))
        raise invalid("unit.kind_level", field=field, unit_kind=kind, level=level, levels=levels)


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
            cat.revision += 1
            updated += 1
    if retire_others:
        wanted = {spec.code for spec in specs}
        for cat in existing.values():
            if cat.code not in wanted and cat.active:
                cat.active = False
                retired += 1
    session.flush()
    return created, updated, retired


# --- administration: units, people and categories, each change audited in its own transaction ---

#: The unit tree's depth: centre → district/department → street/town → community/village → grid.
MAX_UNIT_LEVEL: Final = 5
#: The category tree's depth: 大类 → 中类 → 小类.
MAX_CATEGORY_LEVEL: Final = 3
#: The kinds an administrator may create (the centre exists once, made when the city is loaded).
NEW_UNIT_KINDS: Final = frozenset(LEVEL_KINDS - {"centre"})
#: The roles people are given (citizens and the system are not people of the directory).
STAFF_ROLES: Final = frozenset(r.value for r in Role if r not in (Role.CITIZEN, Role.SYSTEM))
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
_UNIT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CATEGORY_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

OpenWork = Callable[[Session, int], int]
"""How many open assignments a unit holds (the ticket workflow answers; the directory cannot see
tickets): retiring a unit with work in hand is refused."""


def _unit_snapshot(unit: Unit) -> dict[str, Any]:
    return audit.snapshot(unit, exclude=("area", "revision"))


def _user_snapshot(user: User) -> dict[str, Any]:
    return audit.snapshot(user, exclude=("password_hash",))


def _category_snapshot(cat: Category) -> dict[str, Any]:
    return audit.snapshot(cat, exclude=("revision",))


def _get_unit(session: Session, unit_id: int, field: str | None = None) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        params = {"field": field} if field else {}
        raise (invalid if field else not_found)("unit.not_found", unit=unit_id, **params)
    return unit


def _live_parent(session: Session, parent_id: int) -> Unit:
    parent = _get_unit(session, parent_id, field="parent_id")
    if not parent.active:
        raise invalid("unit.parent_retired", field="parent_id", unit=parent.name)
    return parent


def _subtree(session: Session, unit: Unit) -> list[Unit]:
    """The unit and every unit below it, parents before children."""
    rows = session.scalars(select(Unit).where(Unit.path.startswith(unit.path, autoescape=True)))
    return sorted(rows, key=lambda u: u.path.count("/"))


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    parent_id: int,
    actor: audit.Actor,
    now: datetime,
    name_en: str | None = None,
    public_name: str | None = None,
    duties: list[str] | None = None,
    keywords: list[str] | None = None,
) -> Unit:
    """A new unit under an active parent, at most `MAX_UNIT_LEVEL` deep."""
    if not _UNIT_CODE.match(code):
        raise invalid("unit.code_invalid", field="code")
    if kind not in NEW_UNIT_KINDS:
        raise invalid("unit.kind_invalid", field="kind", value=kind)
    if not name.strip():
        raise invalid("value.required", field="name")
    parent = _live_parent(session, parent_id)
    if parent.level + 1 > MAX_UNIT_LEVEL:
        raise invalid("unit.too_deep", field="parent_id", max=MAX_UNIT_LEVEL)
    _check_kind_level(kind, parent.level + 1, "kind")
    if session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise conflict("unit.code_taken", field="code", value=code)
    unit = Unit(
        code=code,
        name=name.strip(),
        name_en=name_en or None,
        public_name=public_name or name.strip(),
        kind=kind,
        level=parent.level + 1,
        parent_id=parent.id,
        path="",
        duties=list(duties or []),
        keywords=list(keywords or []),
        area=None,
        active=True,
        revision=0,
    )
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path}{unit.id}/"
    session.flush()
    audit.record(
        session, actor, "directory.unit.created", "unit", unit.id, at=now, after=_unit_snapshot(unit)
    )
    return unit


def update_unit(
    session: Session, unit_id: int, changes: dict[str, Any], actor: audit.Actor, now: datetime
) -> Unit:
    """Rename a unit (name, English name, public name, duties, keywords) and/or move it under
    another parent (`parent_id`): its whole subtree moves with it, the tree stays at most
    `MAX_UNIT_LEVEL` deep and without cycles. One audit entry: `moved` when the parent changed."""
    unit = _get_unit(session, unit_id)
    before = _unit_snapshot(unit)
    moved = 0
    new_parent = changes.get("parent_id")
    if new_parent is not None and new_parent != unit.parent_id:
        moved = _move(session, unit, new_parent)
    for key in ("name", "name_en", "public_name", "duties", "keywords"):
        if key in changes:
            value = changes[key]
            if key == "name" and not (value or "").strip():
                raise invalid("value.required", field="name")
            if key in ("name_en", "public_name") and not value:
                value = None if key == "name_en" else unit.name
            setattr(unit, key, list(value or []) if key in ("duties", "keywords") else value)
    after = _unit_snapshot(unit)
    if after == before:
        return unit
    unit.revision += 1
    session.flush()
    action = "directory.unit.moved" if moved else "directory.unit.updated"
    note = f"{moved - 1} units below moved with it" if moved > 1 else None
    details = {"units_moved_below": moved - 1} if moved > 1 else None
    audit.record(
        session,
        actor,
        action,
        "unit",
        unit.id,
        at=now,
        before=before,
        after=after,
        note=note,
        details=details,
    )
    return unit


def _move(session: Session, unit: Unit, parent_id: int) -> int:
    """Re-hang the unit's subtree under ``parent_id``; returns how many units moved."""
    if unit.parent_id is None:
        raise conflict("unit.root")
    parent = _live_parent(session, parent_id)
    if parent.path.startswith(unit.path):
        raise invalid("unit.cycle", field="parent_id")
    subtree = _subtree(session, unit)
    depth_below = max(u.level for u in subtree) - unit.level
    if parent.level + 1 + depth_below > MAX_UNIT_LEVEL:
        raise invalid("unit.too_deep", field="parent_id", max=MAX_UNIT_LEVEL)
    _check_kind_level(unit.kind, parent.level + 1, "parent_id")
    old_path, new_path = unit.path, f"{parent.path}{unit.id}/"
    shift = parent.level + 1 - unit.level
    unit.parent_id = parent.id
    for u in subtree:
        u.path = new_path + u.path[len(old_path) :]
        u.level += shift
        if u is not unit:
            u.revision += 1
    return len(subtree)


def retire_unit(
    session: Session, unit_id: int, actor: audit.Actor, now: datetime, open_work: OpenWork
) -> Unit:
    """Retire a unit: it gets no new work and leaves the routing's view. Refused while it has
    active units below it, active people, or open assignments (they must be finished or moved
    first, so nothing is left with nobody to do it)."""
    unit = _get_unit(session, unit_id)
    if not unit.active:
        return unit
    if unit.parent_id is None or unit.kind == "centre":
        raise conflict("unit.root")
    children = session.scalar(select(func.count()).where(Unit.parent_id == unit.id, Unit.active.is_(True)))
    if children:
        raise conflict("unit.has_units", count=children)
    people = session.scalar(select(func.count()).where(User.unit_id == unit.id, User.active.is_(True)))
    if people:
        raise conflict("unit.has_people", count=people)
    work = open_work(session, unit.id)
    if work:
        raise conflict("unit.has_open_work", count=work)
    before = _unit_snapshot(unit)
    unit.active = False
    unit.revision += 1
    session.flush()
    audit.record(
        session,
        actor,
        "directory.unit.retired",
        "unit",
        unit.id,
        at=now,
        before=before,
        after=_unit_snapshot(unit),
    )
    return unit


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("user.not_found", user=user_id)
    return user


def _staff_unit(session: Session, unit_id: int) -> Unit:
    unit = _get_unit(session, unit_id, field="unit_id")
    if not unit.active:
        raise invalid("unit.retired", field="unit_id", unit=unit.name)
    return unit


def _check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise invalid(problem, field="password", min=PASSWORD_MIN, max=PASSWORD_MAX)


def revoke_sessions(session: Session, user_id: int, now: datetime) -> int:
    """Revoke every live token of a user (pages and API alike); returns how many."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    unit_id: int,
    password: str,
    actor: audit.Actor,
    now: datetime,
) -> User:
    """A new person who can log in at once with the password given (rules: `passwords.py`)."""
    username = username.strip()
    if not _USERNAME.match(username):
        raise invalid("user.username_invalid", field="username")
    if not display_name.strip():
        raise invalid("value.required", field="display_name")
    if role not in STAFF_ROLES:
        raise invalid("user.role_invalid", field="role", role=role)
    _staff_unit(session, unit_id)
    _check_password(password, username)
    taken = session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if taken is not None:
        raise conflict("user.username_taken", field="username", username=username)
    user = User(
        username=username,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
        active=True,
        created_at=now,
        # a password an administrator chose for someone else is theirs to replace at first login
        must_change_password=actor.user_id is not None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "directory.user.created", "user", user.id, at=now, after=_user_snapshot(user)
    )
    return user


def update_user(
    session: Session, user_id: int, changes: dict[str, Any], actor: audit.Actor, now: datetime
) -> User:
    """Change a person's name, role or unit. An administrator cannot take away their own role
    (the platform would be left without anyone to give it back)."""
    user = _get_user(session, user_id)
    before = _user_snapshot(user)
    if "display_name" in changes:
        if not (changes["display_name"] or "").strip():
            raise invalid("value.required", field="display_name")
        user.display_name = changes["display_name"].strip()
    if "role" in changes and changes["role"] != user.role:
        if changes["role"] not in STAFF_ROLES:
            raise invalid("user.role_invalid", field="role", role=changes["role"])
        if user.id == actor.user_id:
            raise conflict("user.self", field="role")
        user.role = changes["role"]
    if "unit_id" in changes and changes["unit_id"] != user.unit_id:
        user.unit_id = _staff_unit(session, changes["unit_id"]).id
    after = _user_snapshot(user)
    if after != before:
        session.flush()
        audit.record(
            session, actor, "directory.user.updated", "user", user.id, at=now, before=before, after=after
        )
    return user


def reset_password(
    session: Session, user_id: int, actor: audit.Actor, now: datetime, password: str | None = None
) -> str | None:
    """Set the password given, or a temporary one that is returned to be handed over once (it is
    stored hashed only). Either way the person's sessions and tokens stop working."""
    user = _get_user(session, user_id)
    temporary = None
    if password is None:
        temporary = password = temporary_password()
    else:
        _check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = actor.user_id is not None and actor.user_id != user.id
    revoked = revoke_sessions(session, user.id, now)
    audit.record(
        session,
        actor,
        "directory.user.password_reset",
        "user",
        user.id,
        at=now,
        after={"username": user.username, "temporary": temporary is not None},
        note=f"{revoked} sessions revoked",
        details={"sessions_revoked": revoked},
    )
    return temporary


def change_own_password(
    session: Session, user_id: int, current: str, new: str, actor: audit.Actor, now: datetime, keep_token: str
) -> None:
    """A person replaces their own password (the temporary one an administrator set, or any):
    the current one must be right, the new one pass the rules and differ from it. Their other
    sessions end; the one they changed it in (`keep_token`, a token hash) goes on."""
    user = _get_user(session, user_id)
    if not verify_password(user.password_hash, current):
        raise invalid("password.current_wrong", field="current_password")
    _check_new_password(new, user.username)
    if verify_password(user.password_hash, new):
        raise invalid("password.unchanged", field="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoked = session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            ApiToken.token_hash != keep_token,
        )
        .values(revoked_at=now)
    )
    count = int(revoked.rowcount or 0)  # type: ignore[attr-defined]
    audit.record(
        session,
        actor,
        "directory.user.password_changed",
        "user",
        user.id,
        at=now,
        after={"username": user.username},
        note=f"{count} sessions revoked",
        details={"sessions_revoked": count},
    )


def _check_new_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise invalid(problem, field="new_password", min=PASSWORD_MIN, max=PASSWORD_MAX)


def set_user_active(session: Session, user_id: int, active: bool, actor: audit.Actor, now: datetime) -> User:
    """Disable a person (they cannot log in, their sessions and tokens stop working at once) or
    enable them again (into an active unit). Nobody disables themselves."""
    user = _get_user(session, user_id)
    if user.active == active:
        return user
    if not active and user.id == actor.user_id:
        raise conflict("user.self")
    if active:
        _staff_unit(session, user.unit_id)
    before = _user_snapshot(user)
    user.active = active
    revoked = 0 if active else revoke_sessions(session, user.id, now)
    session.flush()
    audit.record(
        session,
        actor,
        "directory.user.enabled" if active else "directory.user.disabled",
        "user",
        user.id,
        at=now,
        before=before,
        after=_user_snapshot(user),
        note=None if active else f"{revoked} sessions revoked",
        details=None if active else {"sessions_revoked": revoked},
    )
    return user


def _get_category(session: Session, category_id: int, field: str | None = None) -> Category:
    cat = session.get(Category, category_id)
    if cat is None:
        params = {"field": field} if field else {}
        raise (invalid if field else not_found)("category.not_found", category=category_id, **params)
    return cat


def _category_parent(session: Session, parent_id: int | None) -> Category | None:
    if parent_id is None:
        return None
    parent = _get_category(session, parent_id, field="parent_id")
    if not parent.active:
        raise invalid("category.parent_retired", field="parent_id", category=parent.name)
    return parent


def _default_unit(session: Session, unit_id: int | None) -> int | None:
    if unit_id is None:
        return None
    unit = _get_unit(session, unit_id, field="default_unit_id")
    if not unit.active:
        raise invalid("unit.retired", field="default_unit_id", unit=unit.name)
    return unit.id


def create_category(
    session: Session,
    *,
    code: str,
    name: str,
    parent_id: int | None,
    actor: audit.Actor,
    now: datetime,
    name_en: str | None = None,
    default_unit_id: int | None = None,
    territorial: bool = False,
    keywords: list[str] | None = None,
    description: str | None = None,
) -> Category:
    """A new category at the top or under an active one, at most `MAX_CATEGORY_LEVEL` deep."""
    if not _CATEGORY_CODE.match(code):
        raise invalid("category.code_invalid", field="code")
    if not name.strip():
        raise invalid("value.required", field="name")
    parent = _category_parent(session, parent_id)
    level = 1 if parent is None else parent.level + 1
    if level > MAX_CATEGORY_LEVEL:
        raise invalid("category.too_deep", field="parent_id", max=MAX_CATEGORY_LEVEL)
    unit = _default_unit(session, default_unit_id)
    if session.scalar(select(Category.id).where(Category.code == code)) is not None:
        raise conflict("category.code_taken", field="code", value=code)
    cat = Category(
        code=code,
        name=name.strip(),
        name_en=name_en or None,
        parent_id=None if parent is None else parent.id,
        level=level,
        default_unit_id=unit,
        territorial=territorial,
        keywords=list(keywords or []),
        description=description or None,
        active=True,
        revision=0,
    )
    session.add(cat)
    session.flush()
    audit.record(
        session,
        actor,
        "directory.category.created",
        "category",
        cat.id,
        at=now,
        after=_category_snapshot(cat),
    )
    return cat


def _category_children(session: Session, parent_ids: set[int]) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.parent_id.in_(parent_ids))))


def update_category(
    session: Session, category_id: int, changes: dict[str, Any], actor: audit.Actor, now: datetime
) -> Category:
    """Rename or re-describe a category, change its default unit, or move it (`parent_id`, null
    for the top): the tree stays at most `MAX_CATEGORY_LEVEL` deep and without cycles."""
    cat = _get_category(session, category_id)
    before = _category_snapshot(cat)
    moved = False
    if "parent_id" in changes and changes["parent_id"] != cat.parent_id:
        moved = True
        _move_category(session, cat, changes["parent_id"])
    if "default_unit_id" in changes:
        cat.default_unit_id = _default_unit(session, changes["default_unit_id"])
    for key in ("name", "name_en", "territorial", "keywords", "description"):
        if key in changes:
            value = changes[key]
            if key == "name" and not (value or "").strip():
                raise invalid("value.required", field="name")
            if key == "keywords":
                value = list(value or [])
            elif key in ("name_en", "description"):
                value = value or None
            setattr(cat, key, value)
    after = _category_snapshot(cat)
    if after == before:
        return cat
    cat.revision += 1
    session.flush()
    action = "directory.category.moved" if moved else "directory.category.updated"
    audit.record(session, actor, action, "category", cat.id, at=now, before=before, after=after)
    return cat


def _move_category(session: Session, cat: Category, parent_id: int | None) -> None:
    parent = _category_parent(session, parent_id)
    below: list[Category] = []
    frontier = {cat.id}
    while frontier:
        children = _category_children(session, frontier)
        below.extend(children)
        frontier = {c.id for c in children}
    if parent is not None and (parent.id == cat.id or parent.id in {c.id for c in below}):
        raise invalid("category.cycle", field="parent_id")
    level = 1 if parent is None else parent.level + 1
    depth_below = max((c.level for c in below), default=cat.level) - cat.level
    if level + depth_below > MAX_CATEGORY_LEVEL:
        raise invalid("category.too_deep", field="parent_id", max=MAX_CATEGORY_LEVEL)
    shift = level - cat.level
    cat.parent_id, cat.level = (None if parent is None else parent.id), level
    for c in below:
        c.level += shift
        c.revision += 1


def retire_category(session: Session, category_id: int, actor: audit.Actor, now: datetime) -> Category:
    """Retire a category: new requests can no longer be filed under it (tickets already filed keep
    it). Refused while categories below it are active."""
    cat = _get_category(session, category_id)
    if not cat.active:
        return cat
    children = session.scalar(
        select(func.count()).where(Category.parent_id == cat.id, Category.active.is_(True))
    )
    if children:
        raise conflict("category.has_children", count=children)
    before = _category_snapshot(cat)
    cat.active = False
    cat.revision += 1
    session.flush()
    audit.record(
        session,
        actor,
        "directory.category.retired",
        "category",
        cat.id,
        at=now,
        before=before,
        after=_category_snapshot(cat),
    )
    return cat
