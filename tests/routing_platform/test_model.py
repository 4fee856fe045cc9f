"""The classifier in the platform: loaded from the data directory only, used as one more source
of evidence, retrained from the platform's own closed tickets — and never needed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.classifier import model as classifier
from hotline.routing import retrain as rt
from tests.conftest import Platform
from tests.integration.api import Api
from tests.routing_platform.conftest import suggest

# Labelled like the public 12345 messages: first-level labels of their taxonomy.
MESSAGES = [
    ("小区路灯坏了很久没人修，晚上出行很不安全", "城乡建设"),
    ("马路上的井盖丢了，请尽快修复", "城乡建设"),
    ("老旧小区改造什么时候开始", "城乡建设"),
    ("小区物业不作为，电梯经常坏", "城乡建设"),
    ("公交车司机态度恶劣，随意甩站", "交通运输"),
    ("出租车拒载还绕路多收费", "交通运输"),
    ("公交线路太少，等车要一个小时", "交通运输"),
    ("驾校收费后不安排练车考试", "交通运输"),
    ("公司拖欠工资半年不发，要求劳动仲裁", "劳动和社会保障"),
    ("失业保险金怎么领取", "劳动和社会保障"),
    ("单位不给员工缴纳养老保险", "劳动和社会保障"),
    ("社保缴费年限怎么计算，退休金太低", "劳动和社会保障"),
]


def model_dir(p: Platform) -> Path:
    return Path(p.client.app.state.settings.data_dir)  # type: ignore[attr-defined]


@pytest.fixture
def clean_model(rp: Platform) -> Iterator[Path]:
    """The data directory; whatever model a test leaves there is removed afterwards."""
    folder = model_dir(rp)
    yield folder
    shutil.rmtree(folder / classifier.MODEL_SUBDIR, ignore_errors=True)
    rp.client.app.state.routing.reload_model()  # type: ignore[attr-defined]


def test_without_a_model_routing_works_from_kb_rules_and_history(api: Api, clean_model: Path) -> None:
    assert not (clean_model / classifier.MODEL_SUBDIR).exists()
    out = suggest(api, text="电梯坏了三天没人修，老人上不了楼")
    assert out["model_used"] is False and out["suggestions"]


def test_a_model_in_the_data_directory_adds_its_evidence(api: Api, clean_model: Path) -> None:
    text = "小区路灯坏了很久没人修，晚上很黑"
    before = suggest(api, text=text)["suggestions"][0]
    texts, labels = zip(*(MESSAGES * 2), strict=True)
    classifier.train(list(texts), list(labels), threshold=0.5).save(clean_model)
    api.client.app.state.routing.reload_model()  # type: ignore[attr-defined]

    out = suggest(api, text=text)
    top = out["suggestions"][0]
    assert out["model_used"] is True
    assert top["category"]["code"] == before["category"]["code"] == "urban.streetlight"
    model_reason = next(r for r in top["reasons"] if r["source"] == "classifier_level1")
    assert model_reason["source_label"] == "分类模型" and "城乡建设" in model_reason["text"]
    assert top["confidence"] > before["confidence"]
    status = api.get("dispatcher", "/api/v1/routing/status")
    assert status["model_present"] is True and set(status["model_labels"]) == set(labels)


def test_a_broken_model_file_is_reported_and_routing_goes_on(api: Api, clean_model: Path) -> None:
    folder = clean_model / classifier.MODEL_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / classifier.MODEL_FILE).write_bytes(b"not a model")
    api.client.app.state.routing.reload_model()  # type: ignore[attr-defined]
    status = api.get("dispatcher", "/api/v1/routing/status")
    assert status["model_present"] is False and status["model_error"]
    out = suggest(api, text="出租车司机拒载")
    assert (
        out["model_used"] is False
        and out["suggestions"][0]["unit"]["name"] == "海滨市交通运输综合行政执法支队"
    )


def _close(api: Api, content: str, category: str, handler: str) -> int:
    t = api.intake(content=content, category_code=category)
    assert t["status"] == "dispatched", t["routing"]  # the operator's category: dispatched at once
    api.on(handler, t["id"], 1, "acknowledge")
    api.on(handler, t["id"], 1, "reply", {"reply": "已处理"})
    api.on("dispatcher", t["id"], 1, "review", {"approve": True})
    api.act(
        "operator1", t["id"], "follow-up", {"contacted": True, "solved": True, "satisfaction": "satisfied"}
    )
    assert api.act("operator1", t["id"], "close")["status"] == "closed"
    return int(t["id"])


def test_retraining_from_closed_tickets_saves_a_model_the_platform_uses(
    api: Api, rp: Platform, clean_model: Path, tmp_path: Path
) -> None:
    closed = [
        _close(api, "紫荆路片区晚上突然停电了", "utilities.power", "handler.power"),
        _close(api, "家里电压不稳，灯一闪一闪的，老跳闸", "utilities.power", "handler.power"),
        _close(api, "紫荆路片区停水一上午了", "utilities.water_supply", "handler.water"),
        _close(api, "自来水发黄有异味，水压也很低", "utilities.water_supply", "handler.water"),
    ]
    with rp.db.read() as s:
        rows = rt.examples(s)
    mine = [e for e in rows if e.ticket_id in closed]
    assert [(e.category, e.unit, e.source) for e in mine] == [
        ("utilities.power", "ent-power", "closed"),
        ("utilities.power", "ent-power", "closed"),
        ("utilities.water_supply", "ent-water", "closed"),
        ("utilities.water_supply", "ent-water", "closed"),
    ]
    assert rt.write_csv(rows, tmp_path / "training.csv") == len(rows)
    assert "紫荆路片区晚上突然停电了" in (tmp_path / "training.csv").read_text(encoding="utf-8")

    model, report = rt.train_and_save(rows, clean_model)
    assert report["examples"] == len(rows) and set(model.labels) >= {
        "utilities.power",
        "utilities.water_supply",
    }  # type: ignore[attr-defined]
    api.client.app.state.routing.reload_model()  # type: ignore[attr-defined]
    top = suggest(api, text="晚上又停电了，电压也不稳")["suggestions"][0]
    assert top["category"]["code"] == "utilities.power"
    assert any(r["source"] == "classifier" for r in top["reasons"])
