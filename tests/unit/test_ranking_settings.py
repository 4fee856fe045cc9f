"""The ranking settings are read from `HOTLINE_ASSESSMENT_*`, default to the documented values and
refuse a value the rules cannot take (at start, not at the first ranking)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hotline.config import Settings
from hotline.domain.assessment import RankingConfig


def test_the_defaults_are_the_documented_ones() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.ranking_config == RankingConfig()
    assert settings.ranking_config.min_volume == settings.assessment_config.min_volume == 5


def test_the_environment_sets_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "MIN_VOLUME": "10",
        "BOTTOM": "3",
        "WATCH_PERIODS": "2",
        "RED_TOP": "2",
        "RED_MIN": "0.95",
        "BLACK_BOTTOM": "0",
        "BLACK_MAX": "0.7",
    }.items():
        monkeypatch.setenv(f"HOTLINE_ASSESSMENT_{name}", value)
    settings = Settings()
    assert settings.ranking_config == RankingConfig(10, 3, 2, 2, 0.95, 0, 0.7)
    assert settings.assessment_config.min_volume == 10


@pytest.mark.parametrize(
    ("name", "value"),
    [("MIN_VOLUME", "0"), ("BOTTOM", "0"), ("WATCH_PERIODS", "0"), ("RED_MIN", "1.5"), ("BLACK_MAX", "-0.1")],
)
def test_a_value_the_rules_cannot_take_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"HOTLINE_ASSESSMENT_{name}", value)
    with pytest.raises(ValidationError, match=f"assessment_{name.lower()}"):
        Settings()
