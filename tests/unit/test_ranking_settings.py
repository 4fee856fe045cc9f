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


def test_the_rates_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.domain.rates import AssessmentConfig, PeriodBasis

    assert Settings(_env_file=None).assessment_config == AssessmentConfig()  # type: ignore[call-arg]
    monkeypatch.setenv("HOTLINE_ASSESSMENT_WEIGHTS", "0.2, 0.4, 0.4")
    monkeypatch.setenv("HOTLINE_ASSESSMENT_FAIRLY_SATISFIED_WEIGHT", "0.9")
    monkeypatch.setenv("HOTLINE_ASSESSMENT_BASIS", "closed")
    config = Settings().assessment_config
    assert (config.weights, config.fairly_satisfied_weight, config.basis) == (
        (0.2, 0.4, 0.4),
        0.9,
        PeriodBasis.CLOSED,
    )


@pytest.mark.parametrize("value", ["0.1,0.5", "0.5,0.5,0.5", "a,b,c", "-0.1,0.6,0.5"])
def test_weights_the_composite_cannot_take_are_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HOTLINE_ASSESSMENT_WEIGHTS", value)
    with pytest.raises(ValidationError, match="assessment_weights"):
        Settings()
