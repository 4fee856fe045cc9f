"""Retrain the text classifier from the platform's own tickets (and any CSV a user gives).

Training examples are tickets whose routing was confirmed: **closed** tickets (the work was done
by the unit they went to), and, when asked, tickets an operator or dispatcher dispatched by hand
(the choice is remembered as an example the moment it is made — it is in the event log). Their
text (title + content) is labelled with the final category code (or the lead unit's code with
``label="unit"``). The model is saved in the data directory, which the running platform reloads
on its own (`runtime.Runtime.model`).

The auto-dispatch threshold is chosen as `hotline routing train` chooses it: by leak-free k-fold
cross-validation (near-copies of each fold's test tickets kept out of its training,
`classifier.evaluation.cross_validate`) and the lower-Wilson-bound rule
(`classifier.evaluation.choose_threshold`), on at most ``max_rows`` examples (a random sample) so
that a retrain on a year of tickets stays minutes, not hours. Too few examples to cross-validate
leave the classifier's conservative default (0.9), and the report says so.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session

from hotline.directory import queries as directory
from hotline.domain.vocabulary import TicketStatus
from hotline.routing.history import PEOPLE, ticket_text
from hotline.tickets import queries as tickets

FIELDS: Final = ("ticket_id", "text", "category", "unit", "source")


@dataclass(frozen=True)
class Example:
    ticket_id: int | None
    text: str
    category: str | None
    unit: str | None
    source: str  # closed | dispatched | file


def examples(session: Session, include_dispatched: bool = False) -> list[Example]:
    """Closed tickets (and, if asked, tickets a person dispatched) with their final routing."""
    units = directory.unit_codes_by_id(session)
    rows = tickets.routed_briefs(session)
    by_person: set[int] = set()
    if include_dispatched:
        last = tickets.last_dispatchers(session)
        by_person = {t for t, role in last.items() if role in PEOPLE}
    found = []
    for r in rows:
        if r.status == TicketStatus.CLOSED:
            source = "closed"
        elif r.id in by_person and r.status not in (
            TicketStatus.SENT_BACK,
            TicketStatus.MERGED,
            TicketStatus.WITHDRAWN,
        ):
            source = "dispatched"
        else:
            continue
        found.append(
            Example(r.id, ticket_text(r.title, r.content), r.category_code, units.get(r.lead_unit_id), source)
        )
    return found


def write_csv(rows: list[Example], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for e in rows:
            writer.writerow([e.ticket_id or "", e.text, e.category or "", e.unit or "", e.source])
    return len(rows)


def read_csv(path: Path, text_columns: list[str], label_column: str) -> list[Example]:
    """A user's labelled CSV: the text columns joined, the label as given (a category code, a unit
    code, or a first-level name that `taxonomy_map.json` knows)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in [*text_columns, label_column] if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: 缺少列 missing columns {missing}")
        return [
            Example(
                None,
                "\n".join((r.get(c) or "").strip() for c in text_columns),
                (r.get(label_column) or "").strip(),
                None,
                "file",
            )
            for r in reader
            if (r.get(label_column) or "").strip()
        ]


def label_of(e: Example, label: str) -> str | None:
    return e.unit if label == "unit" and e.source != "file" else e.category


#: Cross-validation folds for the threshold, and the most examples it runs on (Settings'
#: ``routing_retrain_folds`` / ``routing_retrain_max_rows`` and the command's options override them).
FOLDS: Final = 5
MAX_ROWS: Final = 3000


def cross_validated_threshold(
    pairs: list[tuple[str, str]], checker: bool, folds: int, max_rows: int | None, seed: int = 0
) -> tuple[float | None, dict[str, object]]:
    """The threshold leak-free cross-validation chooses on (a sample of) ``pairs``, and what it saw;
    ``None`` with the reason when there is too little to cross-validate."""
    from hotline.classifier import evaluation as ev
    from hotline.classifier import model as classifier

    sample = pairs
    if max_rows is not None and len(pairs) > max_rows:
        sample = random.Random(seed).sample(pairs, max_rows)

    def fit(texts: list[str], labels: list[str], unlabelled: list[str]) -> classifier.TextClassifier:
        return classifier.train(texts, labels, unlabelled, checker_model=checker)

    try:
        cv = ev.cross_validate(fit, [t for t, _ in sample], [y for _, y in sample], folds=folds, seed=seed)
    except ValueError as exc:
        return None, {"folds": folds, "rows": len(sample), "skipped": str(exc)}
    threshold = ev.choose_threshold(cv.labels, cv.predicted, cv.confidence)
    summary = ev.summarise(cv, threshold)
    # No confidence met the target (nothing would be dispatched): the threshold then sits just above
    # the highest confidence seen, which the final model (trained on more) readily passes; so the
    # classifier's default is kept unless that is higher (never looser than before).
    met = summary["auto_dispatch"]["share"] > 0
    if not met:
        threshold = max(threshold, classifier.DEFAULT_THRESHOLD)
    return threshold, {
        "target_met": met,
        "folds": folds,
        "rows": len(sample),
        "scored_rows": len(cv.labels),
        "excluded_near_duplicates": cv.excluded_near_duplicates,
        "target_accuracy": ev.TARGET_ACCURACY,
        "confidence_level": ev.CONFIDENCE_LEVEL,
        "macro_f1": summary["macro_f1"],
        "accuracy": summary["accuracy"],
        "auto_dispatch": summary["auto_dispatch"],
    }


def train_and_save(
    rows: list[Example],
    data_dir: Path,
    label: str = "category",
    checker: bool = True,
    folds: int = 0,
    max_rows: int | None = MAX_ROWS,
) -> tuple[object, dict[str, object]]:
    """Train on the examples and save the model under ``data_dir``; returns it and a report.

    With ``folds`` ≥ 2 the auto-dispatch threshold is chosen by leak-free cross-validation on at
    most ``max_rows`` examples (`cross_validated_threshold`); with 0 (the demo's first start, which
    must be quick) or too few examples it is the classifier's default.
    ``checker=False`` leaves out the second opinion (nine tenths of the training time): the
    suggestions' confidence is then the model's own (the demo's first start, docs/demo-city.md).

    Raises ``ValueError`` (with a bilingual message) when there is too little to learn from.
    """
    from hotline.classifier import model as classifier

    pairs = [(e.text, y) for e in rows if (y := label_of(e, label)) and e.text.strip()]
    counts = Counter(y for _, y in pairs)
    threshold: float | None = None
    crossval: dict[str, object] = {"skipped": "folds=0"}
    if folds >= 2:
        threshold, crossval = cross_validated_threshold(pairs, checker, folds, max_rows)
    model = classifier.train(
        [t for t, _ in pairs], [y for _, y in pairs], checker_model=checker, threshold=threshold
    )
    model.meta["label_space"] = label
    model.meta["sources"] = dict(Counter(e.source for e in rows))
    model.meta["threshold_chosen_by"] = "crossval" if threshold is not None else "default"
    model.meta["crossval"] = crossval
    path = model.save(data_dir)
    report = {
        "model": str(path),
        "examples": len(pairs),
        "labels": len(counts),
        "by_source": dict(Counter(e.source for e in rows)),
        "skipped_rare_labels": model.meta.get("skipped_rare_labels", []),
        "auto_dispatch_threshold": round(model.auto_dispatch_threshold, 4),
        "threshold_chosen_by": model.meta["threshold_chosen_by"],
        "crossval": crossval,
    }
    return model, report
