"""On the real shared data (skipped where ../shared/data is absent, e.g. on a user's machine).

Small and fast on purpose: the full cross-validation is `hotline routing crossval` (docs/routing.md).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from hotline.classifier import evaluation as ev
from hotline.classifier import leakage
from hotline.classifier import model as clf
from hotline.classifier.datasets import read_csvs

pytestmark = pytest.mark.needs_shared_data

TIPDM = "tipdm2020c_gov_messages"
COLUMNS = "留言主题,留言详情"
LABEL = "一级标签"


def test_shared_files_read_with_their_documented_columns(shared_data: Path) -> None:
    seen: set[str] = set()
    raw = read_csvs([shared_data / TIPDM / "messages_labelled.csv"], COLUMNS, LABEL, seen=seen)
    more = read_csvs([shared_data / TIPDM / "messages_labelled_more.csv"], COLUMNS, LABEL, seen=seen)
    assert raw.report.rows_read == 1102
    assert len(set(raw.labels)) == 7
    assert more.report.rows_read == 8714
    # the larger file repeats about 400 messages of the smaller one in their original wording
    assert more.report.dropped_duplicate > 300
    unlabelled = read_csvs([shared_data / TIPDM / "unlabelled_test_messages.csv"], COLUMNS, None, seen=seen)
    assert unlabelled.report.rows_read == 2801
    assert unlabelled.report.kept > 2500


def test_model_trained_on_segmented_rows_routes_raw_messages(shared_data: Path) -> None:
    """Segmented training text must generalise to raw messages (the sealed evaluation's form)."""
    raw = read_csvs([shared_data / TIPDM / "messages_labelled.csv"], COLUMNS, LABEL)
    more = read_csvs([shared_data / TIPDM / "messages_labelled_more.csv"], COLUMNS, LABEL)
    rng = random.Random(0)
    test_idx = rng.sample(range(len(raw)), 200)
    test_texts = [raw.texts[i] for i in test_idx]
    # keep segmented copies of the test messages out of training
    links = ev.near_duplicate_links(test_texts, more.texts)
    banned = set().union(*links)
    pool = [i for i in range(len(more)) if i not in banned]
    train_idx = rng.sample(pool, 2500)
    model = clf.train([more.texts[i] for i in train_idx], [more.labels[i] for i in train_idx])
    report = ev.evaluate(model, test_texts, [raw.labels[i] for i in test_idx])
    assert report["macro_f1"] >= 0.8, report
    assert report["latency_ms"]["p50"] < 5


def test_new_york_311_requests_route_to_their_agency(shared_data: Path) -> None:
    path = shared_data / "nyc311_full_schema_sample" / "311_service_requests_sample.csv"
    columns, label = "Complaint Type,Descriptor", "Agency"

    def train_fn(x: list[str], y: list[str], _u: list[str]) -> clf.TextClassifier:
        return clf.train(x, y)

    # per request: a complaint type repeats across requests, and that is not a leak
    requests = read_csvs([path], columns, label, dedupe=False)
    per_request = ev.crossval_report(
        ev.cross_validate(train_fn, requests.texts, requests.labels, folds=3, exclude_near_duplicates=False)
    )
    assert per_request["accuracy"] >= 0.95, per_request
    # harder: every (type, descriptor) pair once, never seen in training
    unique = read_csvs([path], columns, label)
    unseen = ev.crossval_report(ev.cross_validate(train_fn, unique.texts, unique.labels, folds=3))
    assert unseen["accuracy"] >= 0.7, unseen

    model = clf.train(requests.texts, requests.labels)
    assert not model.chinese
    top = model.suggest("Noise - Residential\nLoud Music/Party")[0]
    assert top.label == "NYPD"
    assert any(word in r.term for r in top.reasons for word in ("noise", "music", "party"))
    assert model.suggest("HEAT/HOT WATER\nENTIRE BUILDING")[0].label == "HPD"


def test_copies_and_topical_neighbours_are_apart_at_the_cut_off(shared_data: Path) -> None:
    """The near-copy cut-off sits in an empty band of the best-match distribution (docs/routing.md)."""
    seen: set[str] = set()
    raw = read_csvs([shared_data / TIPDM / "messages_labelled.csv"], COLUMNS, LABEL, seen=seen)
    more = read_csvs([shared_data / TIPDM / "messages_labelled_more.csv"], COLUMNS, LABEL, seen=seen)
    best = leakage.best_containment(raw.texts, more.texts)
    copied = best >= 0.4
    assert 0.6 < copied.mean() < 0.75  # most raw messages have a segmented copy in the larger file
    assert not ((best >= leakage.MIN_CONTAINMENT) & ~copied).any()  # none between the cut-off and 0.40
