"""From evidence to ranked suggestions: how the sources are combined, in one place.

Each source gives evidence for a candidate (category, unit): a **strength** in [0, 1] (how well
it matched) and the source's **reliability** (how often such a match is right):

| source | strength | reliability |
|---|---|---|
| category chosen by the operator at intake | 1 | 0.97 |
| explicit rule (administrators) | 1 | the rule's confidence (default 0.95) |
| similar past tickets, routed by people or closed | 1 − Π(1 − similarity) over the 3 most alike | 0.9 |
| classifier, label = a category or unit code | its calibrated probability | 0.9 |
| classifier, label = a first-level category | its calibrated probability | 0.75 (supports, never proposes) |
| category keywords found in the text | 1 − 0.5^hits (a keyword shared by n categories counts 1/n) | 0.8 |
| kb duty list of the unit (BM25) | s / (s + 8) | 0.7 |
| kb answer filed under the category (BM25) | s / (s + 8) | 0.6 |

Within a source the strongest evidence counts; across sources they combine like independent
witnesses (noisy-OR): ``raw = 1 − Π(1 − reliability × strength)``. Then competition: each of
the three strongest candidates for *another* unit takes away half of its own raw score in share,
``confidence = raw × Π(1 − raw_other / 2)``, so two equally good answers are each about 0.45 and
none is dispatched on its own — except a candidate backed by a person's explicit decision (the
operator's category, an administrator's rule), which keeps its raw score. These numbers are hand-set, documented in docs/routing.md, and
meant to be refitted on the platform's own routed tickets.

**The model alone** (DECISIONS.md, Routing 4): when no source but the classifier found anything
for the request, the candidates' confidence is the model's own calibrated probability, neither
discounted by a hand-set reliability nor by the model's other answers (its probabilities already
share among its labels), and intake compares it with the model's own threshold, chosen in
training for the target precision. The number shown is then the number that decides (Routing 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from hotline.routing.world import CategoryInfo, UnitInfo, World

RELIABILITY: Final = {
    "operator": 0.97,
    "rule": 0.95,
    "history": 0.9,
    "classifier": 0.9,
    "classifier_level1": 0.75,
    "keywords": 0.8,
    "duty": 0.7,
    "answer": 0.6,
    "place": 0.0,  # says which unit answers for a territorial category; never which category
}
#: Sources that are a person's explicit decision: their candidates are not discounted for competing
#: evidence (the operator chose the category; an administrator wrote the rule).
EXPLICIT: Final = frozenset({"operator", "rule"})
BM25_HALF: Final = 8.0  # the BM25 score at which kb evidence counts one half
COMPETITORS: Final = 3
#: The classifier's sources (a category or unit label; a first-level label).
MODEL_SOURCES: Final = frozenset({"classifier", "classifier_level1"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason for a suggestion, in Chinese and English, with the source's own details."""

    source: str
    strength: float
    zh: str
    en: str
    reliability: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def weight(self) -> float:
        r = RELIABILITY[self.source] if self.reliability is None else self.reliability
        return max(0.0, min(1.0, r * self.strength))

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "strength": round(self.strength, 4),
            "weight": round(self.weight, 4),
            "zh": self.zh,
            "en": self.en,
            "detail": self.detail,
        }


@dataclass
class Candidate:
    category: CategoryInfo | None
    unit: UnitInfo | None
    evidence: list[Evidence] = field(default_factory=list)
    raw: float = 0.0
    confidence: float = 0.0

    @property
    def key(self) -> tuple[str | None, int | None]:
        return (self.category.code if self.category else None, self.unit.id if self.unit else None)

    def score(self) -> float:
        best: dict[str, float] = {}
        for ev in self.evidence:
            best[ev.source] = max(best.get(ev.source, 0.0), ev.weight)
        doubt = 1.0
        for weight in best.values():
            doubt *= 1.0 - weight
        self.raw = 1.0 - doubt
        return self.raw


def saturate(score: float, half: float = BM25_HALF) -> float:
    """A BM25 score as a strength in [0, 1): ``half`` gives 0.5."""
    return score / (score + half) if score > 0 else 0.0


class Board:
    """The candidates being gathered for one request."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._by_key: dict[tuple[str | None, int | None], Candidate] = {}
        self._unit_only: list[tuple[int, Evidence]] = []  # supports whatever category the unit gets
        self._level1: list[tuple[frozenset[str], Evidence]] = []  # supports candidates under these tops

    def add(self, category: CategoryInfo | None, unit_id: int | None, evidence: Evidence) -> Candidate:
        unit = self.world.units.get(unit_id) if unit_id is not None else None
        key = (category.code if category else None, unit.id if unit else None)
        cand = self._by_key.get(key)
        if cand is None:
            cand = self._by_key[key] = Candidate(category, unit)
        cand.evidence.append(evidence)
        return cand

    def support_unit(self, unit_id: int, evidence: Evidence) -> None:
        """Evidence for a unit but not for one of its categories (a duty list, a past ticket with
        no category): added to every candidate of that unit, or one of its own if there is none."""
        self._unit_only.append((unit_id, evidence))

    def support_level1(self, top_codes: frozenset[str], evidence: Evidence) -> None:
        """Evidence for a first-level category (the classifier's labels): it strengthens candidates
        under it that other sources found, and proposes none."""
        self._level1.append((top_codes, evidence))

    def candidates(self) -> list[Candidate]:
        for unit_id, ev in self._unit_only:
            matching = [c for c in self._by_key.values() if c.unit is not None and c.unit.id == unit_id]
            if matching:
                for cand in matching:
                    cand.evidence.append(ev)
            else:
                self.add(None, unit_id, ev)
        self._unit_only.clear()
        for tops, ev in self._level1:
            for cand in self._by_key.values():
                if cand.category is not None and cand.category.top_code in tops:
                    cand.evidence.append(ev)
        self._level1.clear()
        return list(self._by_key.values())


def model_alone(candidates: list[Candidate]) -> bool:
    """True when the classifier is the only source that found anything: every piece of evidence
    that says something (strength > 0: a place that names the unit counts, a prompt to give an
    address does not) comes from the model."""
    found = [ev for cand in candidates for ev in cand.evidence if ev.strength > 0]
    return bool(found) and all(ev.source in MODEL_SOURCES for ev in found)


def rank(candidates: list[Candidate], k: int) -> list[Candidate]:
    """Scores, competition between units, best first (ties: more evidence, then code).

    With the model alone, each candidate's confidence is the model's own probability for it.
    """
    alone = model_alone(candidates)
    for cand in candidates:
        cand.score()
        if alone:
            cand.raw = max((ev.strength for ev in cand.evidence if ev.source in MODEL_SOURCES), default=0.0)
    pool = [c for c in candidates if c.raw > 0]
    for cand in pool:
        if alone:
            cand.confidence = cand.raw
            continue
        if any(ev.source in EXPLICIT for ev in cand.evidence):
            cand.confidence = cand.raw
            continue
        others = sorted(
            (
                o.raw
                for o in pool
                if o is not cand and (o.unit is None or cand.unit is None or o.unit.id != cand.unit.id)
            ),
            reverse=True,
        )[:COMPETITORS]
        share = 1.0
        for raw in others:
            share *= 1.0 - raw / 2
        cand.confidence = cand.raw * share
    pool.sort(key=lambda c: (-c.confidence, -len(c.evidence), c.key[0] or "", c.key[1] or 0))
    return pool[:k]
