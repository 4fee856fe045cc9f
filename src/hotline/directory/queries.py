"""Reads of the directory for other packages: units, the tree, categories."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from hotline.directory.models import ApiToken, Category, Unit, User
from hotline.domain.permissions import CENTRE_REVIEWER, Reviewer


@dataclass(frozen=True)
class UnitPaths:
    """The `UnitTree` the workflow rules need, answered from materialised paths."""

    paths: dict[int, str]

    def is_descendant(self, unit: int, ancestor: int) -> bool:
        u, a = self.paths.get(unit), self.paths.get(ancestor)
        return u is not None and a is not None and u != a and u.startswith(a)


@dataclass(frozen=True)
class Credentials:
    """An active user's stored password hash, for login."""

    user_id: int
    password_hash: str


def credentials(session: Session, username: str) -> Credentials | None:
    row = session.execute(
        select(User.id, User.password_hash).where(User.username == username, User.active.is_(True))
    ).first()
    return None if row is None else Credentials(row.id, row.password_hash)


@dataclass(frozen=True)
class TokenHolder:
    """The user a stored token belongs to, with the token's validity and the user's unit."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    unit_id: int
    unit_path: str
    unit_name: str
    expires_at: datetime
    revoked_at: datetime | None
    unit_name_en: str | None = None
    must_change_password: bool = False


# Built once: this runs on every authenticated request (intake included), and building the
# statement (and loading two ORM objects, as it once did) cost more than the query itself.
_TOKEN_HOLDER = (
    select(
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.active,
        Unit.id.label("unit_id"),
        Unit.path,
        Unit.name,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        Unit.name_en,
        User.must_change_password,
    )
    .join(ApiToken, ApiToken.user_id == User.id)
    .join(Unit, Unit.id == User.unit_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def token_holder(session: Session, token_hash: str) -> TokenHolder | None:
    """Who holds the token with this SHA-256, in one statement; None for an unknown token."""
    row = session.connection().execute(_TOKEN_HOLDER, {"token_hash": token_hash}).first()
    if row is None:
        return None
    return TokenHolder(
        row.id,
        row.username,
        row.display_name,
        row.role,
        row.active,
        row.unit_id,
        row.path,
        row.name,
        row.expires_at,
        row.revoked_at,
        row.name_en,
        bool(row.must_change_password),
    )


def unit_paths(session: Session, ids: list[int]) -> UnitPaths:
    rows = session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(ids))).all()
    return UnitPaths({r.id: r.path for r in rows})


@dataclass(frozen=True)
class Reviewers:
    """The `ReviewerTree` the workflow rules need: for each delegating unit asked about, the
    nearest unit at or above it that has an active reviewer; the centre when none has."""

    nearest: dict[int, Reviewer]

    def reviewer_for(self, delegating_unit: int) -> Reviewer:
        return self.nearest.get(delegating_unit, CENTRE_REVIEWER)


def reviewers(session: Session, ids: Collection[int]) -> Reviewers:
    """Who reviews the work each of these units delegates: two statements (the units' paths, then
    the reviewers among all their ancestors), whatever the depth of the tree."""
    wanted = set(ids)
    if not wanted:
        return Reviewers({})
    paths = {r.id: r.path for r in session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(wanted)))}
    chains = {u: [int(x) for x in p.strip("/").split("/") if x] for u, p in paths.items()}
    above = {a for chain in chains.values() for a in chain}
    reviewing = session.execute(
        select(Unit.id, Unit.name, Unit.name_en)
        .join(User, User.unit_id == Unit.id)
        .where(
            Unit.id.in_(above),
            Unit.kind != "centre",
            User.role == "unit_reviewer",
            User.active.is_(True),
        )
        .distinct()
    ).all()
    named = {r.id: Reviewer(r.id, r.name, r.name_en or r.name) for r in reviewing}
    nearest = {}
    for unit, chain in chains.items():
        found = next((named[a] for a in reversed(chain) if a in named), None)
        if found is not None:
            nearest[unit] = found
    centre = session.execute(select(Unit.name, Unit.name_en).where(Unit.kind == "centre").limit(1)).first()
    if centre is not None:
        fallback = Reviewer(None, centre.name, centre.name_en or centre.name)
        nearest.update({u: fallback for u in chains if u not in nearest})
    return Reviewers(nearest)


def child_units(session: Session, unit_id: int) -> list[UnitInfo]:
    """The active units directly below this one, in tree order (where work can be delegated)."""
    rows = session.scalars(
        select(Unit).where(Unit.parent_id == unit_id, Unit.active.is_(True)).order_by(Unit.path)
    )
    return [_unit(u) for u in rows]


def active_unit_ids(session: Session, ids: list[int]) -> set[int]:
    return set(session.scalars(select(Unit.id).where(Unit.id.in_(ids), Unit.active.is_(True))))


def parent_ids(session: Session, ids: set[int]) -> dict[int, int]:
    """Each unit's superior, for the units that have one."""
    rows = session.execute(select(Unit.id, Unit.parent_id).where(Unit.id.in_(ids))).all()
    return {r.id: r.parent_id for r in rows if r.parent_id is not None}


def centre_unit_id(session: Session) -> int | None:
    return session.scalar(select(Unit.id).where(Unit.kind == "centre").order_by(Unit.id).limit(1))


def category_exists(session: Session, code: str) -> bool:
    return (
        session.scalar(select(Category.id).where(Category.code == code, Category.active.is_(True)))
        is not None
    )


def active_category_id(session: Session, code: str) -> int | None:
    return session.scalar(select(Category.id).where(Category.code == code, Category.active.is_(True)))


def category_codes(session: Session, among: set[str] | None = None) -> set[str]:
    """Codes of every category (active or not), or of those ``among`` the given codes."""
    query = select(Category.code)
    if among is not None:
        query = query.where(Category.code.in_(among))
    return set(session.scalars(query))


def category_links(session: Session) -> list[tuple[int, str, int | None]]:
    """(id, code, parent id) of every category: the tree, for paths from the root."""
    rows = session.execute(select(Category.id, Category.code, Category.parent_id)).all()
    return [(r.id, r.code, r.parent_id) for r in rows]


def unit_codes_by_id(session: Session) -> dict[int, str]:
    return {uid: code for uid, code in session.execute(select(Unit.id, Unit.code))}


def unit_ids_by_code(session: Session) -> dict[str, int]:
    return {code: uid for code, uid in session.execute(select(Unit.code, Unit.id))}


@dataclass(frozen=True)
class UnitState:
    """Whether a unit is there to be sent work: active, and its kind (the centre is not)."""

    id: int
    kind: str
    active: bool


def unit_state(session: Session, unit_id: int) -> UnitState | None:
    row = session.execute(select(Unit.id, Unit.kind, Unit.active).where(Unit.id == unit_id)).first()
    return None if row is None else UnitState(row.id, row.kind, row.active)


@dataclass(frozen=True)
class UnitInfo:
    """A unit as other packages read it."""

    id: int
    code: str
    name: str
    name_en: str | None
    public_name: str | None
    kind: str
    level: int
    parent_id: int | None
    path: str
    duties: list[str]
    keywords: list[str]
    area: Any
    active: bool


@dataclass(frozen=True)
class CategoryInfo:
    """A category as other packages read it."""

    id: int
    code: str
    name: str
    name_en: str | None
    parent_id: int | None
    level: int
    default_unit_id: int | None
    territorial: bool
    keywords: list[str]
    description: str | None
    active: bool


def category_tree(categories: Iterable[CategoryInfo]) -> list[CategoryInfo]:
    """Categories in tree order: each followed by its children, by code (the pages' lists)."""
    children: dict[int | None, list[CategoryInfo]] = {}
    for c in sorted(categories, key=lambda c: c.code):
        children.setdefault(c.parent_id, []).append(c)
    ordered: list[CategoryInfo] = []

    def walk(parent: int | None) -> None:
        for c in children.get(parent, []):
            ordered.append(c)
            walk(c.id)

    walk(None)
    return ordered


def _unit(u: Unit) -> UnitInfo:
    return UnitInfo(
        u.id,
        u.code,
        u.name,
        u.name_en,
        u.public_name,
        u.kind,
        u.level,
        u.parent_id,
        u.path,
        list(u.duties or []),
        list(u.keywords or []),
        u.area,
        u.active,
    )


def _category(c: Category) -> CategoryInfo:
    return CategoryInfo(
        c.id,
        c.code,
        c.name,
        c.name_en,
        c.parent_id,
        c.level,
        c.default_unit_id,
        c.territorial,
        list(c.keywords or []),
        c.description,
        c.active,
    )


def units(session: Session) -> list[UnitInfo]:
    """Every unit, active or not, in tree order (by path)."""
    return [_unit(u) for u in session.scalars(select(Unit).order_by(Unit.path))]


def unit_names(session: Session, ids: set[int]) -> dict[int, UnitInfo]:
    if not ids:
        return {}
    return {u.id: _unit(u) for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}


def fingerprint(session: Session) -> tuple[object, ...]:
    """Changes whenever units or categories are added, removed, activated, retired, renamed or
    moved (two aggregate reads; an admin change bumps the row's `revision`): for caches of the
    directory."""
    units = session.execute(
        select(
            func.count(),
            func.max(Unit.id),
            func.sum(case((Unit.active.is_(True), 1), else_=0)),
            func.sum(Unit.revision),
        )
    ).one()
    cats = session.execute(
        select(
            func.count(),
            func.max(Category.id),
            func.sum(case((Category.active.is_(True), 1), else_=0)),
            func.sum(Category.revision),
        )
    ).one()
    return (*units, *cats)


def unit_ids_under(path: str) -> Select[tuple[int]]:
    """The ids of the units at or below the unit with this materialised path, as a selectable, for
    packages that filter by a unit's subtree inside one statement of their own."""
    return select(Unit.id).where(Unit.path.startswith(path, autoescape=True))


def user_ids_of_unit(unit_id: ColumnElement[int | None]) -> Select[tuple[int]]:
    """The ids of the people of a unit (a column of the caller's statement, so it may correlate), as
    a selectable for packages that filter by "someone of that unit" inside one statement."""
    return select(User.id).where(User.unit_id == unit_id).correlate_except(User)


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Display names of these users."""
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {uid: name for uid, name in rows}


def unit_exists(session: Session, unit_id: int) -> bool:
    return session.scalar(select(Unit.id).where(Unit.id == unit_id)) is not None


def categories(session: Session) -> list[CategoryInfo]:
    """Every category, active or not, by level then code."""
    return [_category(c) for c in session.scalars(select(Category).order_by(Category.level, Category.code))]


def categories_by_id(session: Session, ids: set[int]) -> dict[int, CategoryInfo]:
    if not ids:
        return {}
    return {c.id: _category(c) for c in session.scalars(select(Category).where(Category.id.in_(ids)))}


def categories_by_code(session: Session, codes: set[str]) -> dict[str, CategoryInfo]:
    if not codes:
        return {}
    return {c.code: _category(c) for c in session.scalars(select(Category).where(Category.code.in_(codes)))}


@dataclass(frozen=True)
class UserInfo:
    """A person as other packages read them (no password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    unit_id: int


def users(session: Session) -> list[UserInfo]:
    """Every active user (the demo history acts as them)."""
    rows = session.execute(
        select(User.id, User.username, User.display_name, User.role, User.unit_id)
        .where(User.active.is_(True))
        .order_by(User.id)
    )
    return [UserInfo(r.id, r.username, r.display_name, r.role, r.unit_id) for r in rows]


def unit(session: Session, unit_id: int) -> UnitInfo | None:
    found = session.get(Unit, unit_id)
    return None if found is None else _unit(found)


def category(session: Session, category_id: int) -> CategoryInfo | None:
    found = session.get(Category, category_id)
    return None if found is None else _category(found)


@dataclass(frozen=True)
class Person:
    """A person as the administration lists them: disabled ones too, with their unit's name."""

    id: int
    username: str
    display_name: str
    role: str
    unit_id: int
    unit_name: str
    unit_name_en: str | None
    active: bool
    created_at: datetime


def people(session: Session, user_id: int | None = None) -> list[Person]:
    """Every person (or the one with ``user_id``), active first, by unit then username."""
    query = (
        select(
            User.id,
            User.username,
            User.display_name,
            User.role,
            User.unit_id,
            Unit.name,
            Unit.name_en,
            User.active,
            User.created_at,
        )
        .join(Unit, Unit.id == User.unit_id)
        .order_by(User.active.desc(), Unit.path, User.username)
    )
    if user_id is not None:
        query = query.where(User.id == user_id)
    return [Person(*row) for row in session.execute(query)]


def people_counts(session: Session) -> dict[int, int]:
    """How many active people each unit has."""
    rows = session.execute(
        select(User.unit_id, func.count()).where(User.active.is_(True)).group_by(User.unit_id)
    )
    return {unit_id: n for unit_id, n in rows}
