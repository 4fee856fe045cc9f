"""Read the directory: the unit tree with duties, and the category tree."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from hotline.auth.deps import UserDep
from hotline.directory import queries
from hotline.web.deps import DbDep, LangDep

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
