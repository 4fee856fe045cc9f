"""Moving the platform's clock in a test, and putting it back afterwards.

The `platform` fixture is shared by the whole run; tokens expire 12 hours after the clock's "now"
at login, so every move forgets the cached logins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Platform

CST = ZoneInfo("Asia/Shanghai")


def cst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=CST)


class Timeline:
    """Logins made since the last jump stay valid while the clock stays within 11 hours after it."""

    def __init__(self, platform: Platform) -> None:
        self.p = platform
        self.anchor: datetime | None = None

    def set(self, instant: datetime) -> None:
        self.p.clock.now = instant
        if self.anchor is None or not self.anchor <= instant < self.anchor + timedelta(hours=11):
            self.p.tokens.clear()
            self.anchor = instant

    def advance(self, **delta: float) -> datetime:
        self.set(self.p.clock.now + timedelta(**delta))
        return self.p.clock.now


@pytest.fixture
def timeline(platform: Platform) -> Iterator[Timeline]:
    saved = platform.clock.now
    yield Timeline(platform)
    platform.clock.now = saved
    platform.tokens.clear()
