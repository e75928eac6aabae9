"""Per-connection limits: a token bucket for events per second and a sliding presence window."""

from __future__ import annotations

import time
from collections import deque

__all__ = ["RateLimit", "WindowLimit"]


class RateLimit:
    """Allows `rate` events per second on average, bursting up to `rate`."""

    def __init__(self, rate: int) -> None:
        self._rate = float(rate)
        self._tokens = float(rate)
        self._at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._rate, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class WindowLimit:
    """At most `calls` events within any `window` seconds."""

    def __init__(self, calls: int, window: float) -> None:
        self._calls = calls
        self._window = window
        self._times: deque[float] = deque()

    def take(self) -> bool:
        now = time.monotonic()
        while self._times and now - self._times[0] > self._window:
            self._times.popleft()
        if len(self._times) >= self._calls:
            return False
        self._times.append(now)
        return True
