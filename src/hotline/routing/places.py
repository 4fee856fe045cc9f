"""Place resolution: a point or an address → grid → community → street → district.

The directory gives districts, streets and towns as polygons (``[[lat, lon], …]``) and
communities, villages and grids as points (their centres). So a point is located in two steps:

1. the deepest polygon that covers it (shapely, an STRtree over all polygons): a street or town,
   whose parents give the district;
2. below that polygon, the nearest community or village centre, and below that the nearest grid
   centre — each point unit stands for the cells nearest to it (a Voronoi partition of its parent).

An address (or the text of a request) is located by the place names it mentions: each territorial
unit's full name, public name and the short form of its name (龙湾区, 中山街道, 博爱社区, 石塔村);
the deepest unit named wins, and names that contradict each other are reported.

A territorial category goes to the **lowest unit of the place whose duties cover it**: community or
village, then street or town, then district, taking a unit when one of its own duties (not a duty
that only assists, "协助…") or its keywords names the category or one of its keywords; when none
does, the district answers for its territory.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from shapely import STRtree
from shapely.geometry import Point, Polygon

from hotline.search.tokens import fold

TERRITORIAL_KINDS: Final = frozenset({"district", "street", "town", "community", "village", "grid"})
#: Kinds a territorial category may be dispatched to (grids verify on site; they are not dispatched to).
DISPATCH_KINDS: Final = ("community", "village", "street", "town", "district")
_LEVEL_OF_KIND: Final = {"district": 0, "street": 1, "town": 1, "community": 2, "village": 2, "grid": 3}

_SUFFIXES: Final = ("人民政府", "办事处", "居民委员会", "村民委员会")


@dataclass(frozen=True, slots=True)
class PlaceUnit:
    """What place resolution needs of a unit."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    public_name: str | None = None
    name_en: str | None = None
    area: Any = None
    duties: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def short_name(self) -> str:
        return self.public_name or self.name


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved place, from the district down as far as it was known."""

    district: PlaceUnit | None = None
    street: PlaceUnit | None = None
    community: PlaceUnit | None = None
    grid: PlaceUnit | None = None
    method: str = "point"  # point | address | text
    matched: tuple[str, ...] = ()  # the names found in the text (address and text methods)
    conflicts: tuple[str, ...] = ()  # names found that lie elsewhere

    @property
    def chain(self) -> list[PlaceUnit]:
        """District first, then street, community and grid, as far as known."""
        return [u for u in (self.district, self.street, self.community, self.grid) if u is not None]

    @property
    def lowest(self) -> PlaceUnit | None:
        chain = self.chain
        return chain[-1] if chain else None

    def describe(self, lang: str = "zh") -> str:
        names = [(u.name_en or u.short_name) if lang == "en" else u.short_name for u in self.chain]
        return " › ".join(names)


def _is_polygon(area: Any) -> bool:
    return (
        isinstance(area, list)
        and len(area) >= 3
        and all(isinstance(p, list | tuple) and len(p) == 2 for p in area)
    )


def _is_point(area: Any) -> bool:
    return isinstance(area, list | tuple) and len(area) == 2 and all(isinstance(v, int | float) for v in area)


def _names(unit: PlaceUnit, parents: Sequence[PlaceUnit]) -> set[str]:
    """The names a person would use for a unit: full, public, and without the parents' names or
    the organisation's suffix (龙湾区中山街道办事处 → 中山街道)."""
    names = {unit.name, unit.short_name}
    # a community's or village's own keywords name it (骑楼老街, 滨海花园); two characters are too
    # easily part of other words (解放路, 中山路), so only longer ones count
    if unit.kind in ("community", "village", "grid"):
        names.update(k for k in unit.keywords if len(k) >= 3)
    for name in list(names):
        stem = name
        for suffix in _SUFFIXES:
            stem = stem.removesuffix(suffix)
        for parent in parents:
            for prefix in (parent.short_name, parent.name):
                stem = stem.removeprefix(prefix)
        names.add(stem)
    return {fold(n) for n in names if len(n) >= 2}


@dataclass
class PlaceIndex:
    """Polygons in an STRtree, point units by parent, and a gazetteer of names."""

    units: dict[int, PlaceUnit]
    _polygons: list[PlaceUnit] = field(default_factory=list)
    _tree: STRtree | None = None
    _children_points: dict[int, list[PlaceUnit]] = field(default_factory=dict)
    _gazetteer: list[tuple[str, PlaceUnit]] = field(default_factory=list)
    #: Views made from this index (the city map's GeoJSON), dropped with it when the directory changes.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, units: Iterable[PlaceUnit]) -> PlaceIndex:
        by_id = {u.id: u for u in units if u.kind in TERRITORIAL_KINDS}
        index = cls(units=by_id)
        geoms = []
        for unit in by_id.values():
            if _is_polygon(unit.area):
                index._polygons.append(unit)
                geoms.append(Polygon([(lon, lat) for lat, lon in unit.area]))
            elif _is_point(unit.area) and unit.parent_id is not None:
                index._children_points.setdefault(unit.parent_id, []).append(unit)
        index._tree = STRtree(geoms) if geoms else None
        entries = []
        for unit in by_id.values():
            for name in _names(unit, index.ancestors(unit)):
                entries.append((name, unit))
        # longest names first: 博爱社区第一网格 before 博爱社区
        index._gazetteer = sorted(entries, key=lambda e: (-len(e[0]), e[1].id))
        return index

    @property
    def polygons(self) -> list[PlaceUnit]:
        """The units drawn as areas (districts, streets, towns), in the order they were given."""
        return list(self._polygons)

    # -- the tree ---------------------------------------------------------------------------
    def ancestors(self, unit: PlaceUnit) -> list[PlaceUnit]:
        """Territorial ancestors of ``unit``, nearest first."""
        found = []
        parent = self.units.get(unit.parent_id) if unit.parent_id is not None else None
        while parent is not None:
            found.append(parent)
            parent = self.units.get(parent.parent_id) if parent.parent_id is not None else None
        return found

    def place_of(self, unit: PlaceUnit, method: str, matched: tuple[str, ...] = ()) -> Place:
        slots: dict[str, PlaceUnit] = {}
        for u in [unit, *self.ancestors(unit)]:
            slot = {0: "district", 1: "street", 2: "community", 3: "grid"}[_LEVEL_OF_KIND[u.kind]]
            slots.setdefault(slot, u)
        return Place(method=method, matched=matched, **slots)

    # -- a point ----------------------------------------------------------------------------
    def locate(self, latitude: float, longitude: float) -> Place | None:
        """The place of a point; None outside every polygon (not in this city)."""
        if self._tree is None or not (math.isfinite(latitude) and math.isfinite(longitude)):
            return None
        point = Point(longitude, latitude)
        hits = [self._polygons[i] for i in self._tree.query(point, predicate="covered_by")]
        if not hits:
            return None
        deepest = max(hits, key=lambda u: (_LEVEL_OF_KIND[u.kind], -u.id))
        unit = deepest
        for _ in range(2):  # community below the street, grid below the community
            nearer = self._nearest_child(unit, latitude, longitude)
            if nearer is None:
                break
            unit = nearer
        return self.place_of(unit, "point")

    def _nearest_child(self, parent: PlaceUnit, lat: float, lon: float) -> PlaceUnit | None:
        children = self._children_points.get(parent.id)
        if not children:
            return None
        scale = math.cos(math.radians(lat))
        return min(children, key=lambda u: ((u.area[0] - lat) ** 2 + ((u.area[1] - lon) * scale) ** 2, u.id))

    # -- words ------------------------------------------------------------------------------
    def find(self, text: str | None, method: str = "address") -> Place | None:
        """The place named in ``text``: the deepest unit whose name appears, or None."""
        if not text:
            return None
        folded = fold(text, 2_000)
        found: list[tuple[str, PlaceUnit]] = []
        taken = [False] * len(folded)
        for name, unit in self._gazetteer:
            for match in re.finditer(re.escape(name), folded):
                span = range(match.start(), match.end())
                if any(taken[i] for i in span):
                    continue  # part of a longer name already found (中山街道 inside 中山街道博爱社区)
                for i in span:
                    taken[i] = True
                found.append((name, unit))
        if not found:
            return None
        deepest = max(found, key=lambda f: (_LEVEL_OF_KIND[f[1].kind], -f[1].id))[1]
        line = {deepest.id, *(a.id for a in self.ancestors(deepest))}
        matched = tuple(dict.fromkeys(n for n, u in found if u.id in line))
        conflicts = tuple(dict.fromkeys(n for n, u in found if u.id not in line))
        place = self.place_of(deepest, method, matched)
        return replace(place, conflicts=conflicts) if conflicts else place

    # -- territorial categories -------------------------------------------------------------
    def responsible(self, place: Place, terms: Sequence[str]) -> tuple[PlaceUnit | None, str | None]:
        """The lowest unit of ``place`` whose duties cover ``terms`` (a category's name and
        keywords), and the duty that does; the district (with no duty) when none does."""
        wanted = [fold(t) for t in terms if t]
        candidates = [
            u
            for u in (place.community, place.street, place.district)
            if u is not None and u.kind in DISPATCH_KINDS
        ]
        for unit in candidates:
            for duty in unit.duties:
                if "协助" in duty:
                    continue  # assisting is not answering for it
                folded = fold(duty)
                if any(t in folded for t in wanted):
                    return unit, duty
            if any(
                fold(k) in wanted or any(fold(k) in t or t in fold(k) for t in wanted) for k in unit.keywords
            ):
                hit = next(k for k in unit.keywords if any(fold(k) in t or t in fold(k) for t in wanted))
                return unit, hit
        return place.district, None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))
