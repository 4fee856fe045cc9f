"""Reads of the directory for other packages: units, the tree, categories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.directory.models import Category, Unit, User


@dataclass(frozen=True)
class UnitPaths:
    """The `UnitTree` the workflow rules need, answered from materialised paths."""

    paths: dict[int, str]

    def is_descendant(self, unit: int, ancestor: int) -> bool:
        u, a = self.paths.get(unit), self.paths.get(ancestor)
        return u is not None and a is not None and u != a and u.startswith(a)


def unit_paths(session: Session, ids: list[int]) -> UnitPaths:
    rows = session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(ids))).all()
    return UnitPaths({r.id: r.path for r in rows})


def active_unit_ids(session: Session, ids: list[int]) -> set[int]:
    return set(session.scalars(select(Unit.id).where(Unit.id.in_(ids), Unit.active.is_(True))))


def centre_unit_id(session: Session) -> int | None:
    return session.scalar(select(Unit.id).where(Unit.kind == "centre").order_by(Unit.id).limit(1))


def category_exists(session: Session, code: str) -> bool:
    return (
        session.scalar(select(Category.id).where(Category.code == code, Category.active.is_(True)))
        is not None
    )


def units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.path)))


def unit_names(session: Session, ids: set[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}


def categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.level, Category.code)))


def users(session: Session) -> list[User]:
    """Every active user (the demo history acts as them)."""
    return list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))
