"""Where near-copies separate from topical neighbours: the data behind ``leakage.MIN_CONTAINMENT``.

    .venv/bin/python bench/routing_leakage.py     # ≈ 15 s

For each raw labelled 12345 message, the containment of its best match in the larger, segmented
file (and in the raw file itself and the unlabelled messages), as a histogram in steps of 0.05; then
every pair above 0.10 by band, and the time the comparison takes. docs/routing.md quotes it.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from hotline.classifier import leakage
from hotline.classifier.datasets import read_csvs

TIPDM = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tipdm2020c_gov_messages"
COLUMNS, LABEL = "留言主题,留言详情", "一级标签"
BINS = np.round(np.arange(0, 1.0001, 0.05), 2)


def histogram(values: np.ndarray) -> str:
    counts, _ = np.histogram(values, bins=BINS)
    return " ".join(f"{lo:.2f}:{c}" for lo, c in zip(BINS[:-1], counts, strict=True) if c)


def main() -> None:
    seen: set[str] = set()
    raw = read_csvs([TIPDM / "messages_labelled.csv"], COLUMNS, LABEL, seen=seen)
    more = read_csvs([TIPDM / "messages_labelled_more.csv"], COLUMNS, LABEL, seen=seen)
    unlabelled = read_csvs([TIPDM / "unlabelled_test_messages.csv"], COLUMNS, None, seen=seen)
    cut = leakage.MIN_CONTAINMENT
    for name, pool in (("larger file", more.texts), ("unlabelled", unlabelled.texts)):
        started = time.perf_counter()
        pairs = leakage.containments(raw.texts, pool)
        seconds = time.perf_counter() - started
        best = np.zeros(len(raw.texts))
        np.maximum.at(best, pairs.row, pairs.data)
        print(f"raw ({len(raw.texts)}) vs {name} ({len(pool)}): {seconds:.1f} s")
        print(f"  best match per raw message: {histogram(best)}")
        print(
            f"  raw messages with a near-copy (≥ {cut}): {(best >= cut).sum()} ({(best >= cut).mean():.1%})"
        )
        print(f"  pairs above 0.10: {histogram(pairs.data[pairs.data >= 0.1])}")
        print(f"  near-copy pairs (≥ {cut}): {(pairs.data >= cut).sum()}")
    pairs = leakage.containments(raw.texts, raw.texts)
    off = pairs.row != pairs.col
    print(f"raw vs raw, other messages: pairs above 0.10: {histogram(pairs.data[off & (pairs.data >= 0.1)])}")


if __name__ == "__main__":
    main()
