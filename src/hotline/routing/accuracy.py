"""The live measure of 秒派: how often tickets routing dispatched at once were wrong.

A dispatch made by the system actor (routing's auto-dispatch) was **wrong** when its unit sent
the ticket back and the centre accepted the send-back (the unit was right: the ticket was not
its own, and it was re-dispatched). A send-back the centre rejected leaves the dispatch right;
one not yet decided is counted apart (``pending``) and left out of the accuracy until decided.
Read-only, from the ticket workflow's event log (`tickets.queries.system_dispatches`), per
category and per unit the router chose, for dispatches made in a period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.directory import queries as directory
from hotline.tickets import queries as tickets_queries
from hotline.tickets.queries import SystemDispatch


@dataclass
class Tally:
    """The auto-dispatches of one category, one unit, or all."""

    key: str | None
    name: str
    auto_dispatched: int = 0
    sent_back: int = 0  # sent back at least once, whatever the centre decided
    wrong: int = 0  # the send-back was accepted: re-dispatched
    rejected: int = 0  # the send-back was rejected: the dispatch was right
    pending: int = 0  # sent back, not yet decided

    def add(self, d: SystemDispatch) -> None:
        self.auto_dispatched += 1
        self.sent_back += d.send_back is not None
        self.wrong += d.wrong
        self.rejected += d.send_back == "rejected"
        self.pending += d.send_back == "pending"

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "auto_dispatched": self.auto_dispatched,
            "sent_back": self.sent_back,
            "wrong": self.wrong,
            "rejected": self.rejected,
            "pending": self.pending,
            "accuracy": self.accuracy,
        }

    @property
    def decided(self) -> int:
        return self.auto_dispatched - self.pending

    @property
    def accuracy(self) -> float | None:
        """Share of the decided auto-dispatches that were right; None when none is decided."""
        return None if self.decided == 0 else round((self.decided - self.wrong) / self.decided, 4)


@dataclass
class Report:
    start: datetime
    end: datetime
    total: Tally
    by_category: list[Tally]
    by_unit: list[Tally]


def _grouped(
    found: Iterable[SystemDispatch],
    key: Callable[[SystemDispatch], str | None],
    name: Callable[[str | None], str],
) -> list[Tally]:
    tallies: dict[str | None, Tally] = {}
    for d in found:
        k = key(d)
        tally = tallies.get(k)
        if tally is None:
            tally = tallies[k] = Tally(k, name(k))
        tally.add(d)
    return sorted(tallies.values(), key=lambda t: (-t.auto_dispatched, -t.wrong, t.key or ""))


def worst_first(tallies: Iterable[Tally]) -> list[Tally]:
    """The least right first (what the centre should look at), then the most wrong; rows with
    nothing decided yet last, by volume."""
    return sorted(
        tallies,
        key=lambda t: (
            t.accuracy is None,
            t.accuracy if t.accuracy is not None else 0.0,
            -t.wrong,
            -t.auto_dispatched,
            t.key or "",
        ),
    )


def report(session: Session, start: datetime, end: datetime, lang: str = "zh") -> Report:
    """Auto-dispatches made in [start, end), and how many were wrong, per category and per unit."""
    found = tickets_queries.system_dispatches(session, start, end)
    en = lang == "en"
    by_code = {c.code: c for c in directory.categories(session)}
    by_id = {c.id: c for c in by_code.values()}

    def category_name(code: str | None) -> str:
        cat = by_code.get(code) if code else None
        if cat is None:
            return "(no category)" if en else "（未分类）"
        if en:
            return cat.name_en or cat.name
        path = [cat.name]
        parent = by_id.get(cat.parent_id) if cat.parent_id is not None else None
        while parent is not None:
            path.insert(0, parent.name)
            parent = by_id.get(parent.parent_id) if parent.parent_id is not None else None
        return " › ".join(path)

    units = directory.unit_names(session, {d.unit_id for d in found})

    def unit_name(key: str | None) -> str:
        u = units.get(int(key)) if key is not None else None
        if u is None:
            return str(key)
        return (u.name_en or u.name) if en else u.name

    total = Tally(None, "all" if en else "合计")
    for d in found:
        total.add(d)
    return Report(
        start,
        end,
        total,
        _grouped(found, lambda d: d.category_code, category_name),
        _grouped(found, lambda d: str(d.unit_id), unit_name),
    )
