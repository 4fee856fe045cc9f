"""Emergency recognition: what belongs to 110/119/120/122 is recognised, negations are not."""

from __future__ import annotations

import pytest

from hotline.routing.emergency import recognise


@pytest.mark.parametrize(
    ("text", "services"),
    [
        ("楼下饭店厨房着火了，浓烟很大", ["119"]),
        ("樓下著火了", ["119"]),  # traditional
        ("电动车在楼道充电时冒烟了", ["119"]),
        ("家里闻到很浓的煤气味", ["119"]),
        ("老人晕倒在路边，叫不醒", ["120"]),
        ("有人受伤流血了", ["120"]),
        ("两个人在店门口打架，一个拿刀砍人", ["110"]),
        ("有人要跳楼", ["110"]),
        ("路口车祸，有人受伤流血", ["122", "120"]),
        ("两车追尾，没有人受伤", ["122"]),
        ("There is a fire in the kitchen and smoke everywhere", ["119"]),
        ("A man is bleeding and unconscious", ["120"]),
        ("Two cars crashed at the corner", ["122"]),
    ],
)
def test_emergencies_are_recognised(text: str, services: list[str]) -> None:
    result = recognise(text)
    assert result.services == services
    assert all(m.reason("zh") and m.reason("en") for m in result.matches)


@pytest.mark.parametrize(
    "text",
    [
        "不是火灾，是邻居在烧烤，油烟很大",
        "楼道堆放杂物，存在火灾隐患",
        "小区消防通道被占用",
        "灭火器过期了没人换",
        "去年工伤受伤了，公司不给赔偿",
        "没有人受伤，只是车被刮了",  # no accident word left either
        "烟囱冒烟污染空气",
        "家里燃气灶打不着火，燃气公司能上门吗",
        "楼道堆满杂物，一旦发生火灾后果不堪设想",  # hypothetical
        "多次拨打人工服务都没有人接",  # 拨打人工 is not 打人
        "游乐场的跳楼机安全吗",
        "这个路口交通事故频发，建议装红绿灯",
        "小区路灯坏了",
        "There is no fire, only noise from the bar",
        "",
        "🔥🔥🔥",
    ],
)
def test_negations_hazards_and_other_matters_are_not_emergencies(text: str) -> None:
    assert not recognise(text), recognise(text)


def test_long_text_and_none_never_raise() -> None:
    assert not recognise(None)
    assert recognise("路灯不亮。" * 20_000 + "着火了").services in ([], ["119"])
