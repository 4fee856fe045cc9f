"""What routing knows of the directory, built once and reused: units, the category tree, the
place index (polygons, gazetteer) and the category keywords.

Built from the database and cached per database by a fingerprint of the units and categories
tables (counts, largest ids, and the sum of the rows' revisions, which every admin change bumps),
so a city loaded, a taxonomy imported by the CLI, or a unit created, renamed, moved or retired on
the admin pages is seen on the next request without a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy.orm import Session

from hotline.directory import queries as directory
from hotline.routing.places import PlaceIndex, PlaceUnit
from hotline.search.tokens import fold

#: Kinds of units that answer for a territory (a territorial category goes to one of them).
TERRITORIAL_KINDS: Final = frozenset({"district", "street", "town", "community", "village", "grid"})


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    name_en: str | None
    kind: str
    level: int
    parent_id: int | None
    active: bool

    def label(self, lang: str = "zh") -> str:
        return (self.name_en or self.name) if lang == "en" else self.name

    @property
    def territorial(self) -> bool:
        return self.kind in TERRITORIAL_KINDS


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    code: str
    name: str
    name_en: str | None
    level: int
    parent_code: str | None
    top_code: str  # its first-level ancestor (itself at level 1)
    path: tuple[str, ...]  # names from the first level down
    default_unit_id: int | None
    territorial: bool
    keywords: tuple[str, ...]  # folded; the category's own name first

    def label(self, lang: str = "zh") -> str:
        return (self.name_en or self.name) if lang == "en" else " › ".join(self.path)


@dataclass
class World:
    units: dict[int, UnitInfo]
    unit_codes: dict[str, int]
    categories: dict[str, CategoryInfo]  # active ones
    leaves: list[CategoryInfo]  # active categories without active children: what tickets get
    places: PlaceIndex
    centre_id: int | None
    by_name: dict[str, list[CategoryInfo]] = field(default_factory=dict)  # folded names, any level
    # Words of the domain: category keywords and the keywords of units that are not places, with
    # every two-character piece of them (占道经营 gives 占道, 道经, 经营). A search term counts as
    # routing evidence only if it is one of these or a word of the request (see service._good).
    vocabulary: set[str] = field(default_factory=set)
    keywords: set[str] = field(default_factory=set)  # the whole keywords of categories and units
    _keyword_leaves: dict[str, list[CategoryInfo]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for leaf in self.leaves:
            for kw in leaf.keywords:
                self._keyword_leaves.setdefault(kw, []).append(leaf)
                self.keywords.add(kw)
                self.vocabulary.add(kw)
                self.vocabulary.update(
                    kw[i : i + 2] for i in range(len(kw) - 1) if not kw[i : i + 2].isascii()
                )
        for cat in self.categories.values():
            self.by_name.setdefault(fold(cat.name), []).append(cat)

    def keyword_hits(self, folded_text: str) -> dict[str, list[str]]:
        """Leaf categories whose name or keywords occur in the text, with the words found.

        A keyword inside a longer keyword that was also found is not counted again (违章搭建
        found: 违建 is not a second hit)."""
        found = [kw for kw in self._keyword_leaves if kw in folded_text]
        found = [kw for kw in found if not any(kw != other and kw in other for other in found)]
        hits: dict[str, list[str]] = {}
        for kw in found:
            for leaf in self._keyword_leaves[kw]:
                hits.setdefault(leaf.code, []).append(kw)
        return hits

    def keyword_share(self, keyword: str) -> int:
        """How many leaf categories list this keyword."""
        return len(self._keyword_leaves.get(keyword, ()))

    def leaves_of_unit(self, unit_id: int) -> list[CategoryInfo]:
        return [c for c in self.leaves if c.default_unit_id == unit_id]

    def leaves_under(self, top_codes: Iterable[str]) -> list[CategoryInfo]:
        wanted = set(top_codes)
        return [c for c in self.leaves if c.top_code in wanted]


def fingerprint(session: Session) -> tuple[object, ...]:
    """Changes whenever units or categories are added, removed, activated or retired."""
    return directory.fingerprint(session)


def build(session: Session) -> World:
    unit_rows = directory.units(session)
    units = {
        u.id: UnitInfo(u.id, u.code, u.name, u.name_en, u.kind, u.level, u.parent_id, u.active)
        for u in unit_rows
    }
    places = PlaceIndex.build(
        PlaceUnit(
            id=u.id,
            code=u.code,
            name=u.name,
            kind=u.kind,
            parent_id=u.parent_id,
            public_name=u.public_name,
            name_en=u.name_en,
            area=u.area,
            duties=tuple(u.duties or ()),
            keywords=tuple(u.keywords or ()),
        )
        for u in unit_rows
        if u.active
    )
    cat_rows = sorted(directory.categories(session), key=lambda c: (c.level, c.id))
    by_id = {c.id: c for c in cat_rows}
    active = [c for c in cat_rows if c.active]
    has_active_child = {c.parent_id for c in active if c.parent_id is not None}
    categories: dict[str, CategoryInfo] = {}
    for c in active:
        chain = [c]
        while chain[-1].parent_id is not None and chain[-1].parent_id in by_id:
            chain.append(by_id[chain[-1].parent_id])
        chain.reverse()
        words = [fold(c.name), *(fold(k) for k in c.keywords or [])]
        if c.name_en:
            words.append(fold(c.name_en))  # "street lights", for requests in English
        categories[c.code] = CategoryInfo(
            code=c.code,
            name=c.name,
            name_en=c.name_en,
            level=c.level,
            parent_code=by_id[c.parent_id].code if c.parent_id in by_id else None,
            top_code=chain[0].code,
            path=tuple(x.name for x in chain),
            default_unit_id=c.default_unit_id,
            territorial=c.territorial,
            keywords=tuple(dict.fromkeys(w for w in words if len(w) >= 2)),
        )
    leaves = [categories[c.code] for c in active if c.id not in has_active_child]
    centre = next((u.id for u in unit_rows if u.kind == "centre"), None)
    world = World(
        units=units,
        unit_codes={u.code: u.id for u in units.values()},
        categories=categories,
        leaves=leaves,
        places=places,
        centre_id=centre,
    )
    for u in unit_rows:
        if u.kind not in TERRITORIAL_KINDS:
            for kw in (fold(k) for k in u.keywords or []):
                world.keywords.add(kw)
                world.vocabulary.add(kw)
                world.vocabulary.update(kw[i : i + 2] for i in range(len(kw) - 1))
    return world
