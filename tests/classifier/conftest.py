"""Fixtures for routing tests: a tiny hand-written dataset and the shared data folder (if present)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hotline.classifier import model as clf

# The shared data sit beside the repository (…/shared/data); a user's machine has none.
SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

TINY: list[tuple[str, str]] = [
    ("小区路灯坏了很久没人修，晚上出行很不安全", "城乡建设"),
    ("我们小区的物业不作为，电梯经常坏", "城乡建设"),
    ("马路上的井盖丢了，请尽快修复", "城乡建设"),
    ("老旧小区改造什么时候开始", "城乡建设"),
    ("学校食堂饭菜质量差，孩子吃不饱", "教育文体"),
    ("孩子上小学报名难，学校不给学位", "教育文体"),
    ("幼儿园乱收费，老师态度差", "教育文体"),
    ("中学老师有偿补课问题严重", "教育文体"),
    ("工厂排放废气，空气污染严重", "环境保护"),
    ("河里有人倒垃圾，水质污染发臭", "环境保护"),
    ("搅拌站粉尘污染，噪音扰民", "环境保护"),
    ("养猪场污水直排，臭气熏天", "环境保护"),
    ("公交车司机态度恶劣，随意甩站", "交通运输"),
    ("出租车拒载还绕路多收费", "交通运输"),
    ("地铁站出口设置不合理，公交线路太少", "交通运输"),
    ("驾校收费后不安排练车考试", "交通运输"),
    ("社保缴费年限怎么计算，退休金太低", "劳动和社会保障"),
    ("公司拖欠工资半年不发，要求劳动仲裁", "劳动和社会保障"),
    ("失业保险金怎么领取", "劳动和社会保障"),
    ("单位不给员工缴纳养老保险和医保", "劳动和社会保障"),
]


@pytest.fixture(scope="session")
def tiny_model() -> clf.TextClassifier:
    """A model trained on the hand-written dataset above (each row twice, so n-grams recur)."""
    texts = [t for t, _ in TINY] * 2
    labels = [y for _, y in TINY] * 2
    return clf.train(texts, labels, threshold=0.5)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; tests using it are skipped on machines without it."""
    folder = SHARED_DATA.resolve()
    if not (folder / "tipdm2020c_gov_messages").is_dir():
        if os.environ.get("CI"):  # CI has ../shared beside the clone: missing data is a failure there
            pytest.fail(f"shared data not found at {folder}; CI must have ../shared/data")
        pytest.skip(f"shared data not found at {folder} (only on the project's machines)")
    return folder
