"""What the classifier's labels mean in this platform's category tree.

A model trained on the platform's own tickets (`hotline routing retrain`) answers with category
codes (or unit codes); one trained on the public messages answers with first-level labels such as
城乡建设, which `taxonomy_map.json` maps to the built-in first-level categories they cover. A
first-level label says which part of the tree, not which unit: it strengthens candidates other
sources found there and proposes none by itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from hotline.routing.world import CategoryInfo, UnitInfo, World
from hotline.search.tokens import fold


@lru_cache(maxsize=1)
def taxonomy_map() -> dict[str, Any]:
    text = resources.files("hotline.routing").joinpath("taxonomy_map.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Meaning:
    category: CategoryInfo | None = None
    unit: UnitInfo | None = None
    tops: frozenset[str] = frozenset()


def meaning(label: str, world: World) -> Meaning | None:
    """A label as a category, a unit, or a set of first-level categories; None if unknown here."""
    if label in world.categories:
        cat = world.categories[label]
        if cat.level == 1 and any(
            leaf.top_code == cat.code and leaf.code != cat.code for leaf in world.leaves
        ):
            return Meaning(tops=frozenset({cat.code}))
        return Meaning(category=cat)
    if label in world.unit_codes:
        return Meaning(unit=world.units[world.unit_codes[label]])
    named = world.by_name.get(fold(label), [])
    tops = frozenset(c.code for c in named if c.level == 1)
    if tops:
        return Meaning(tops=tops)
    mapped = taxonomy_map()["label_to_top"].get(label)
    if mapped:
        tops = frozenset(code for code in mapped if code in world.categories)
        if tops:
            return Meaning(tops=tops)
    leaves = [c for c in named if c in world.leaves]
    if len(leaves) == 1:
        return Meaning(category=leaves[0])
    return None
