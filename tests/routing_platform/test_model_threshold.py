"""The model's own threshold (DECISIONS.md, Routing 4) and the model recorded with the advice.

When the classifier is the only evidence, its own calibrated probability is the confidence shown
and its own auto-dispatch threshold (chosen in training, stored with the model) decides; when any
other source (keywords, rules, kb duties, place, history) found something too, the platform's
setting decides. A ticket routed with a model records that the model was used, and which one, in
the stored advice and in the audit.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.classifier import model as classifier
from tests.conftest import Platform, _platform
from tests.routing_platform.conftest import RoutedApi, _with_routing, fresh_database, suggest

# Texts no other source knows (no category keyword, no duty list, no kb answer, no place): only a
# model trained on them can say where they go. Labels are the demo city's category codes.
ONLY_THE_MODEL = [
    ("嘀嗒嘀嗒咕噜咕噜", "utilities.gas"),
    ("咕噜咕噜嘀嗒嘀嗒嗡嗡", "utilities.gas"),
    ("嘀嗒咕噜嘀嗒咕噜", "utilities.gas"),
    ("嘀嘀嗒嗒咕咕噜噜", "utilities.gas"),
    ("叮咚叮咚哗啦哗啦", "transport.taxi"),
    ("哗啦哗啦叮咚叮咚嗡嗡", "transport.taxi"),
    ("叮咚哗啦叮咚哗啦", "transport.taxi"),
    ("叮叮咚咚哗哗啦啦", "transport.taxi"),
    ("扑通扑通呼噜呼噜", "urban.streetlight"),
    ("呼噜呼噜扑通扑通嗡嗡", "urban.streetlight"),
    ("扑通呼噜扑通呼噜", "urban.streetlight"),
    ("扑扑通通呼呼噜噜", "urban.streetlight"),
]
ASKED = "嘀嗒嘀嗒咕噜叮咚"  # the model: utilities.gas, ≈ 0.8


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def own(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A routing platform of this module's own (its tickets must not be other tests' duplicates)."""
    data_dir = tmp_path_factory.mktemp(f"routing-threshold-{request.param}")
    with fresh_database(request.param, data_dir) as url:
        yield from _with_routing(_platform(request.param, url, data_dir))


@pytest.fixture
def api(own: Platform) -> Iterator[RoutedApi]:
    yield RoutedApi(own)
    shutil.rmtree(Path(own.client.app.state.settings.data_dir) / classifier.MODEL_SUBDIR, ignore_errors=True)  # type: ignore[attr-defined]
    own.client.app.state.routing.reload_model()  # type: ignore[attr-defined]


def _model_with_threshold(api: RoutedApi, offset: float) -> tuple[float, str]:
    """Train the model, set its threshold ``offset`` from its confidence in ASKED, install it."""
    texts, labels = zip(*(ONLY_THE_MODEL * 2), strict=True)
    model = classifier.train(list(texts), list(labels))
    confidence = model.route(ASKED).suggestions[0].confidence
    model.auto_dispatch_threshold = confidence + offset
    model.save(Path(api.client.app.state.settings.data_dir))  # type: ignore[attr-defined]
    api.client.app.state.routing.reload_model()  # type: ignore[attr-defined]
    return confidence, str(model.meta["trained_at"])


def _decided(api: RoutedApi, ticket: int) -> dict[str, Any]:
    params = {"entity_type": "ticket", "entity_id": ticket, "action": "routing"}
    [entry] = api.get("admin", "/api/v1/audit", params=params)["items"]
    return entry["after"]  # type: ignore[no-any-return]


def test_the_model_alone_is_dispatched_at_its_own_threshold(api: RoutedApi) -> None:
    confidence, version = _model_with_threshold(api, -0.01)
    assert confidence < 0.9  # below the setting: only the model's threshold can dispatch it
    out = suggest(api, text=ASKED)
    top = out["suggestions"][0]
    assert [r["source"] for r in top["reasons"]] == ["classifier"]
    assert top["category"]["code"] == "utilities.gas"
    assert top["confidence"] == pytest.approx(confidence, abs=1e-4)  # the number shown decides
    assert out["threshold_basis"] == "model"
    assert out["auto_dispatch_threshold"] == pytest.approx(confidence - 0.01)
    assert out["would_auto_dispatch"] is True

    t = api.intake(content=ASKED)
    assert t["status"] == "dispatched" and t["routing"]["decision"] == "auto_dispatched"
    assert t["lead_unit"]["id"] == api.p.unit_id("ent-gas")
    advice = t["routing"]["advice"]
    assert advice["model_used"] is True and advice["model_version"] == version
    after = _decided(api, t["id"])
    assert after["threshold_basis"] == "model" and after["threshold"] == pytest.approx(confidence - 0.01)
    assert after["model_used"] is True and after["model"]["version"] == version
    events = api.get("dispatcher", f"/api/v1/tickets/{t['id']}/events")
    dispatched = next(e for e in events if e["tag"] == "ticket.dispatched")
    assert "分类模型阈值" in dispatched["payload"]["note"]
    api.act("dispatcher", t["id"], "withdraw", {"reason": "测试完毕"})  # not a duplicate of the next


def test_the_model_alone_just_below_its_threshold_waits_for_the_operator(api: RoutedApi) -> None:
    confidence, _ = _model_with_threshold(api, +0.01)
    out = suggest(api, text=ASKED)
    assert out["suggestions"][0]["confidence"] == pytest.approx(confidence, abs=1e-4)
    assert out["threshold_basis"] == "model" and out["would_auto_dispatch"] is False
    t = api.intake(content=ASKED)
    assert t["status"] == "received" and t["routing"]["decision"] == "below_threshold"
    assert t["routing"]["advice"]["model_used"] is True
    api.act("dispatcher", t["id"], "withdraw", {"reason": "测试完毕"})


def test_combined_evidence_is_held_to_the_setting(api: RoutedApi) -> None:
    """Keywords and the model together: the setting decides, even above the model's threshold."""
    confidence, _ = _model_with_threshold(api, -0.5)
    out = suggest(api, text=ASKED + "，燃气")
    top = out["suggestions"][0]
    sources = {r["source"] for r in top["reasons"]}
    assert "classifier" in sources and sources - {"classifier", "classifier_level1", "place"}
    assert out["threshold_basis"] == "setting"
    assert out["auto_dispatch_threshold"] == api.client.app.state.settings.routing_auto_dispatch_threshold  # type: ignore[attr-defined]
    assert confidence - 0.5 < top["confidence"] < 0.9, top  # would pass the model's own threshold
    assert out["would_auto_dispatch"] is False


def test_without_a_model_the_advice_records_none(api: RoutedApi) -> None:
    t = api.intake(content="电梯坏了三天没人修，老人上不了楼")
    advice = t["routing"]["advice"]
    assert advice["model_used"] is False and advice["model_version"] is None
    after = _decided(api, t["id"])
    assert after["model_used"] is False and after["model"] is None and after["threshold_basis"] == "setting"
