"""The demo's past in one call: write the history, make routing learn from it.

Used by `hotline demo-history` and by the demo's first start (`cli._prepare`, when the demo city is
loaded into an empty database). Other packages are reached through their own functions: intake and
tickets (the write path, in `history`), routing (its queue, its ticket index, its retraining).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hotline.db.engine import Database
from hotline.demo import history
from hotline.domain.errors import conflict
from hotline.routing import history as routing_history
from hotline.routing import queue as routing_queue
from hotline.routing import retrain
from hotline.sla.service import DeadlineSource
from hotline.tickets import queries as tickets


@dataclass
class Written:
    history: history.Report
    indexed: int = 0
    model: dict[str, Any] = field(default_factory=dict)
    index_seconds: float = 0.0
    train_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        h = self.history
        return {
            "tickets": h.tickets,
            "commands": h.commands,
            "merged": h.merged,
            "refused": h.refused,
            "by_status": dict(sorted(h.by_status.items())),
            "history_seconds": h.seconds,
            "indexed": self.indexed,
            "index_seconds": self.index_seconds,
            "model": self.model,
            "train_seconds": self.train_seconds,
        }


def write(
    db: Database,
    plan: history.Plan,
    end: datetime,
    data_dir: Path | None,
    deadlines: DeadlineSource,
    append: bool = False,
    bulk: bool = False,
) -> Written:
    """Write ``plan``'s history ending at ``end``, index its texts for routing, and (with a
    ``data_dir``) retrain the routing model from the platform's closed tickets.

    A database that already holds tickets is refused (``demo.not_empty``) unless ``append``: the
    history is then added beside what is there (its days overlap the existing ones).

    ``bulk`` takes the benchmark route (`history.generate`); its tickets are neither indexed for
    routing nor trained on (a year of Haikou is for measuring, not for suggestions)."""
    with db.read() as s:
        if tickets.count(s) and not append:
            raise conflict("demo.not_empty")
    done = Written(history.generate(db, plan, end, deadlines, bulk))
    if bulk:
        return done
    routed = [t for t in done.history.ids if t not in set(done.history.still_received)]
    routing_queue.discard(db, routed)  # people routed them; the newest, still received, wait for the router
    started = time.perf_counter()
    with db.write() as s:
        done.indexed = routing_history.reindex(s, end)
    done.index_seconds = round(time.perf_counter() - started, 1)
    if data_dir is not None:
        started = time.perf_counter()
        with db.read() as s:  # closed tickets, and open ones a person dispatched
            rows = retrain.examples(s, include_dispatched=True)
        try:
            _model, report = retrain.train_and_save(rows, data_dir, checker=False)
            done.model = {k: report[k] for k in ("model", "examples", "labels")}
        except ValueError as exc:  # too short a history to learn from: routing works without a model
            done.model = {"error": str(exc)}
        done.train_seconds = round(time.perf_counter() - started, 1)
    return done
