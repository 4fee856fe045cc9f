"""Throttling: how often one address, user, phone or tracking code may try something.

Counters live in this process's memory, in fixed windows (`10/15m`: ten in fifteen minutes): cheap,
and enough to turn password guessing, floods of anonymous tickets and phone-number guessing from
unlimited into slow. With several server processes each keeps its own counters, so the effective
limit is the setting times the processes. An attempt over the limit is refused with 429 and
`Retry-After` (the seconds until its window ends). Rates are settings (`HOTLINE_THROTTLE_*`).
"""

from __future__ import annotations

import math
import threading

from fastapi import Request

from hotline.config import Rate

_MAX_KEYS = 100_000  # beyond this, expired windows are dropped


class Throttled(Exception):
    """Over a limit: answered 429 with `Retry-After` (web/errors.py)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class Throttle:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    def check(self, scope: str, key: str, rate: Rate | None, now: float) -> None:
        """Refuse (Throttled) if `key` has used up `rate` in its current window; count nothing."""
        if rate is None:
            return
        with self._lock:
            start, used = self._window(scope, key, rate, now)
        if used >= rate.count:
            raise Throttled(max(1, math.ceil(start + rate.period_s - now)))

    def add(self, scope: str, key: str, rate: Rate | None, now: float) -> None:
        """Count one attempt (e.g. a failed login)."""
        if rate is None:
            return
        with self._lock:
            start, used = self._window(scope, key, rate, now)
            self._windows[(scope, key)] = (start, used + 1)
            if len(self._windows) > _MAX_KEYS:
                self._windows = {k: w for k, w in self._windows.items() if now - w[0] < 86_400}

    def hit(self, scope: str, key: str, rate: Rate | None, now: float) -> None:
        """Check, then count: every attempt uses the allowance (public intake, tracking)."""
        self.check(scope, key, rate, now)
        self.add(scope, key, rate, now)

    def _window(self, scope: str, key: str, rate: Rate, now: float) -> tuple[float, int]:
        start, used = self._windows.get((scope, key), (now, 0))
        if now - start >= rate.period_s or now < start:
            return now, 0
        return start, used


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (behind a proxy, uvicorn's --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def throttle_of(request: Request) -> Throttle:
    return request.app.state.throttle  # type: ignore[no-any-return]
