"""Import a three-level category taxonomy (一级分类, 二级分类, 三级分类) into the category tree.

Made for 附件1 of the public 12345 messages (shared/data/tipdm2020c_gov_messages/
label_taxonomy_attachment1.csv): 15 first-level, 118 second-level and 517 third-level categories.
The file is read where it lies and never copied into the repository (no licence is stated).
Without it the built-in tree stays.

Each node gets a stable ASCII code from its path (``tx.`` + 10 hex digits of SHA-1 of
"一级/二级/三级"), so importing again updates rather than duplicates, and the unit that answers
for it from `taxonomy_map.json` (most specific entry wins; "@territorial" = the unit of the place).
By default the imported tree replaces the built-in one: other categories are retired (kept for
the tickets that use them, no longer offered).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.directory import queries as directory_queries
from hotline.directory import service as directory
from hotline.routing.labels import taxonomy_map

COLUMNS: Final = ("一级分类", "二级分类", "三级分类")
TERRITORIAL: Final = "@territorial"
#: Where the shared data lie beside a working tree (…/shared/data); a user's machine has none.
SHARED_FILE: Final = Path("../shared/data/tipdm2020c_gov_messages/label_taxonomy_attachment1.csv")


class TaxonomyError(ValueError):
    """The file cannot be read as a three-level taxonomy."""


def read(path: Path) -> list[tuple[str, str, str]]:
    """Distinct (level 1, level 2, level 3) rows of a CSV with the columns 一级分类, 二级分类, 三级分类."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise TaxonomyError(f"{path}: 缺少列 missing columns {missing}")
            rows = [tuple((r.get(c) or "").strip() for c in COLUMNS) for r in reader]
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path}: {exc}") from exc
    found = list(dict.fromkeys(r for r in rows if all(r)))
    if not found:
        raise TaxonomyError(f"{path}: 没有分类 no categories")
    return found  # type: ignore[return-value]


def code_of(names: Iterable[str]) -> str:
    return "tx." + hashlib.sha1("/".join(names).encode()).hexdigest()[:10]


@dataclass
class Imported:
    created: int = 0
    updated: int = 0
    retired: int = 0
    territorial: int = 0
    without_unit: int = 0


def unit_for(names: tuple[str, ...]) -> str | None:
    """The unit code (or "@territorial") for a node: the most specific mapping entry."""
    units: dict[str, str] = taxonomy_map()["units"]
    for depth in range(len(names), 0, -1):
        found = units.get("/".join(names[:depth]))
        if found:
            return found
    return None


def import_rows(
    session: Session,
    rows: list[tuple[str, str, str]],
    now: datetime,
    *,
    replace: bool = True,
    actor: audit.Actor = audit.CLI,
) -> Imported:
    """Insert or update every node of the taxonomy; retire the other categories when ``replace``.
    Audited as one entry: the tree's size before and after, and what the import did."""
    unit_ids = directory_queries.unit_ids_by_code(session)
    result = Imported()
    nodes: list[tuple[str, ...]] = []
    for row in rows:
        for depth in (1, 2, 3):
            node = row[:depth]
            if node not in nodes:
                nodes.append(node)
    specs = []
    for node in nodes:
        target = unit_for(node)
        territorial = target == TERRITORIAL
        unit_id = None if territorial or target is None else unit_ids.get(target)
        if len(node) == 3:
            result.territorial += territorial
            result.without_unit += not territorial and unit_id is None
        specs.append(
            directory.CategorySpec(
                code=code_of(node),
                name=node[-1],
                parent_code=code_of(node[:-1]) if len(node) > 1 else None,
                level=len(node),
                default_unit_id=unit_id,
                territorial=territorial,
                description="附件1 三级分类（泰迪杯 2020 C 题）",
            )
        )
    before = _tree_size(directory_queries.categories(session))
    result.created, result.updated, result.retired = directory.put_categories(session, specs, replace)
    after = {**_tree_size(directory_queries.categories(session)), **result.__dict__, "replace": replace}
    audit.record(
        session, actor, "routing.taxonomy.imported", "category_tree", None, at=now, before=before, after=after
    )
    return result


def _tree_size(categories: Iterable[directory_queries.CategoryInfo]) -> dict[str, int]:
    found = list(categories)
    return {"categories": len(found), "active": sum(1 for c in found if c.active)}
