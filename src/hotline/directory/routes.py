"""Read the directory (the unit tree with duties, the category tree) and administer it: units,
people and categories under `/api/v1/admin/…`, administrators only, each change audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from hotline.audit.service import Actor
from hotline.auth.deps import UserDep
from hotline.auth.service import CurrentUser
from hotline.directory import queries, service
from hotline.directory import schemas as s
from hotline.directory.queries import CategoryInfo, Person, UnitInfo
from hotline.domain.errors import forbidden, not_found
from hotline.domain.vocabulary import Role
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.numbers import Id

router = APIRouter(prefix="/api/v1", tags=["directory 单位与分类"])


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    level: int
    parent_id: int | None
    public_name: str | None
    duties: list[str]
    keywords: list[str]
    area: Any


class CategoryOut(BaseModel):
    id: int
    code: str
    name: str
    level: int
    parent_id: int | None
    default_unit_id: int | None
    territorial: bool
    keywords: list[str]


@router.get("/units", response_model=list[UnitOut])
def units(db: DbDep, user: UserDep, lang: LangDep) -> list[UnitOut]:
    with db.read() as s:
        return [
            UnitOut(
                id=u.id,
                code=u.code,
                name=(u.name_en or u.name) if lang == "en" else u.name,
                kind=u.kind,
                level=u.level,
                parent_id=u.parent_id,
                public_name=u.public_name,
                duties=list(u.duties or []),
                keywords=list(u.keywords or []),
                area=u.area,
            )
            for u in queries.units(s)
        ]


@router.get("/categories", response_model=list[CategoryOut])
def categories(db: DbDep, user: UserDep, lang: LangDep) -> list[CategoryOut]:
    with db.read() as s:
        return [
            CategoryOut(
                id=c.id,
                code=c.code,
                name=(c.name_en or c.name) if lang == "en" else c.name,
                level=c.level,
                parent_id=c.parent_id,
                default_unit_id=c.default_unit_id,
                territorial=c.territorial,
                keywords=list(c.keywords or []),
            )
            for c in queries.categories(s)
        ]


# --- administration -------------------------------------------------------------------------------

admin = APIRouter(prefix="/api/v1/admin", tags=["directory admin 单位、人员与分类管理"])


def require_admin(user: CurrentUser) -> Actor:
    """The administrator as the audit names them; anyone else is refused (403)."""
    if user.role is not Role.ADMIN:
        raise forbidden("permission.admin")
    return Actor.of(user)


def unit_out(u: UnitInfo) -> s.AdminUnitOut:
    return s.AdminUnitOut(
        id=u.id,
        code=u.code,
        name=u.name,
        name_en=u.name_en,
        public_name=u.public_name,
        kind=u.kind,
        level=u.level,
        parent_id=u.parent_id,
        duties=u.duties,
        keywords=u.keywords,
        active=u.active,
    )


def person_out(p: Person, zone: ZoneDep) -> s.UserOut:
    return s.UserOut(
        id=p.id,
        username=p.username,
        display_name=p.display_name,
        role=p.role,
        unit_id=p.unit_id,
        unit_name=p.unit_name,
        active=p.active,
        created_at=p.created_at.astimezone(zone),
    )


def category_out(c: CategoryInfo) -> s.AdminCategoryOut:
    return s.AdminCategoryOut(
        id=c.id,
        code=c.code,
        name=c.name,
        name_en=c.name_en,
        level=c.level,
        parent_id=c.parent_id,
        default_unit_id=c.default_unit_id,
        territorial=c.territorial,
        keywords=c.keywords,
        description=c.description,
        active=c.active,
    )


def open_work(request: Request) -> service.OpenWork:
    """The ticket workflow's count of a unit's open assignments, from the platform's wiring."""
    return request.app.state.wiring.open_work  # type: ignore[no-any-return]


def _unit(db: DbDep, unit_id: int) -> s.AdminUnitOut:
    with db.read() as session:
        found = queries.unit(session, unit_id)
    if found is None:
        raise not_found("unit.not_found", unit=unit_id)
    return unit_out(found)


def _person(db: DbDep, user_id: int, zone: ZoneDep) -> s.UserOut:
    with db.read() as session:
        found = queries.people(session, user_id)
    if not found:
        raise not_found("user.not_found", user=user_id)
    return person_out(found[0], zone)


def _category(db: DbDep, category_id: int) -> s.AdminCategoryOut:
    with db.read() as session:
        found = queries.category(session, category_id)
    if found is None:
        raise not_found("category.not_found", category=category_id)
    return category_out(found)


@admin.get("/units", response_model=list[s.AdminUnitOut])
def admin_units(db: DbDep, user: UserDep) -> list[s.AdminUnitOut]:
    """Every unit, retired ones too, in tree order."""
    require_admin(user)
    with db.read() as session:
        return [unit_out(u) for u in queries.units(session)]


@admin.post("/units", response_model=s.AdminUnitOut, status_code=201)
def create_unit(body: s.UnitIn, response: Response, db: DbDep, user: UserDep, now: NowDep) -> s.AdminUnitOut:
    """Add a unit under an active parent; routing sees it on its next request."""
    actor = require_admin(user)
    with db.write() as session:
        unit_id = service.create_unit(session, **body.model_dump(), actor=actor, now=now).id
    response.headers["Location"] = f"/api/v1/admin/units/{unit_id}"
    return _unit(db, unit_id)


@admin.patch("/units/{unit_id}", response_model=s.AdminUnitOut)
def update_unit(unit_id: Id, body: s.UnitPatch, db: DbDep, user: UserDep, now: NowDep) -> s.AdminUnitOut:
    """Rename a unit, or move it (`parent_id`) with every unit below it."""
    actor = require_admin(user)
    with db.write() as session:
        service.update_unit(session, unit_id, body.model_dump(exclude_unset=True), actor, now)
    return _unit(db, unit_id)


@admin.post("/units/{unit_id}/retire", response_model=s.AdminUnitOut)
def retire_unit(unit_id: Id, request: Request, db: DbDep, user: UserDep, now: NowDep) -> s.AdminUnitOut:
    """Retire a unit: refused (409) while it has active subordinate units (`unit.has_units`),
    active people (`unit.has_people`) or open assignments (`unit.has_open_work`)."""
    actor = require_admin(user)
    with db.write() as session:
        service.retire_unit(session, unit_id, actor, now, open_work(request))
    return _unit(db, unit_id)


@admin.get("/users", response_model=list[s.UserOut])
def admin_users(db: DbDep, user: UserDep, zone: ZoneDep) -> list[s.UserOut]:
    """Every person, disabled ones too."""
    require_admin(user)
    with db.read() as session:
        return [person_out(p, zone) for p in queries.people(session)]


@admin.post("/users", response_model=s.UserOut, status_code=201)
def create_user(
    body: s.UserIn, response: Response, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep
) -> s.UserOut:
    """Add a person with a role in an active unit; they can log in at once."""
    actor = require_admin(user)
    with db.write() as session:
        user_id = service.create_user(session, **body.model_dump(), actor=actor, now=now).id
    response.headers["Location"] = f"/api/v1/admin/users/{user_id}"
    return _person(db, user_id, zone)


@admin.patch("/users/{user_id}", response_model=s.UserOut)
def update_user(
    user_id: Id, body: s.UserPatch, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep
) -> s.UserOut:
    """Change a person's name, role or unit."""
    actor = require_admin(user)
    with db.write() as session:
        service.update_user(session, user_id, body.model_dump(exclude_unset=True), actor, now)
    return _person(db, user_id, zone)


@admin.post("/users/{user_id}/password", response_model=s.PasswordOut)
def reset_password(user_id: Id, body: s.PasswordIn, db: DbDep, user: UserDep, now: NowDep) -> s.PasswordOut:
    """Set a person's password, or make a temporary one (answered once, stored hashed). Their
    sessions and tokens stop working either way."""
    actor = require_admin(user)
    with db.write() as session:
        temporary = service.reset_password(session, user_id, actor, now, body.password)
    return s.PasswordOut(temporary_password=temporary)


@admin.post("/users/{user_id}/disable", response_model=s.UserOut)
def disable_user(user_id: Id, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep) -> s.UserOut:
    """Disable a person: they cannot log in, and their sessions and tokens stop working now."""
    actor = require_admin(user)
    with db.write() as session:
        service.set_user_active(session, user_id, False, actor, now)
    return _person(db, user_id, zone)


@admin.post("/users/{user_id}/enable", response_model=s.UserOut)
def enable_user(user_id: Id, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep) -> s.UserOut:
    """Let a disabled person log in again (with their password, or one reset for them)."""
    actor = require_admin(user)
    with db.write() as session:
        service.set_user_active(session, user_id, True, actor, now)
    return _person(db, user_id, zone)


@admin.get("/categories", response_model=list[s.AdminCategoryOut])
def admin_categories(db: DbDep, user: UserDep) -> list[s.AdminCategoryOut]:
    """Every category, retired ones too, by level then code."""
    require_admin(user)
    with db.read() as session:
        return [category_out(c) for c in queries.categories(session)]


@admin.post("/categories", response_model=s.AdminCategoryOut, status_code=201)
def create_category(
    body: s.CategoryIn, response: Response, db: DbDep, user: UserDep, now: NowDep
) -> s.AdminCategoryOut:
    """Add a category (three levels at most)."""
    actor = require_admin(user)
    with db.write() as session:
        category_id = service.create_category(session, **body.model_dump(), actor=actor, now=now).id
    response.headers["Location"] = f"/api/v1/admin/categories/{category_id}"
    return _category(db, category_id)


@admin.patch("/categories/{category_id}", response_model=s.AdminCategoryOut)
def update_category(
    category_id: Id, body: s.CategoryPatch, db: DbDep, user: UserDep, now: NowDep
) -> s.AdminCategoryOut:
    """Rename, re-describe or move a category (`parent_id: null`: to the top)."""
    actor = require_admin(user)
    with db.write() as session:
        service.update_category(session, category_id, body.model_dump(exclude_unset=True), actor, now)
    return _category(db, category_id)


@admin.post("/categories/{category_id}/retire", response_model=s.AdminCategoryOut)
def retire_category(category_id: Id, db: DbDep, user: UserDep, now: NowDep) -> s.AdminCategoryOut:
    """Retire a category: refused (409, `category.has_children`) while subcategories are active."""
    actor = require_admin(user)
    with db.write() as session:
        service.retire_category(session, category_id, actor, now)
    return _category(db, category_id)
