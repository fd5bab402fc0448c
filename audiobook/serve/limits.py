"""Request limits: a per-client rate and a cap on work running at once. Past either: 429."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

__all__ = ["Gate", "LimitExceeded", "RateLimiter"]


class LimitExceeded(Exception):
    """A limit was reached; the server answers ``status`` with ``Retry-After``."""

    def __init__(self, message: str, status: int = 429, retry_after: int = 1) -> None:
        super().__init__(message)
        self.status = status
        """HTTP status of the answer (413 or 429)."""
        self.retry_after = retry_after
        """Seconds after which the same request may succeed."""


class RateLimiter:
    """At most ``per_minute`` requests per client in any sliding minute."""

    def __init__(self, per_minute: int, clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self._clients = clients
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> None:
        """Count one request of ``client``; raises ``LimitExceeded`` past the rate."""
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        with self._lock:
            times = self._seen.get(client)
            if times is None:
                if len(self._seen) >= self._clients:
                    # Many addresses at once: forget those that have been quiet for a minute.
                    self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < 60}
                times = self._seen.setdefault(client, deque())
            while times and now - times[0] >= 60:
                times.popleft()
            if len(times) >= self.per_minute:
                wait = math.ceil(60 - (now - times[0]))
                raise LimitExceeded(f"more than {self.per_minute} requests a minute from {client}; wait {wait} s", 429, wait)
            times.append(now)


class Gate:
    """At most ``size`` holders at once; one more is refused rather than queued."""

    def __init__(self, size: int, what: str) -> None:
        self.size = size
        self.what = what
        self._sem = threading.BoundedSemaphore(size)

    def enter(self) -> None:
        """Take a place; raises ``LimitExceeded`` when all are taken."""
        if not self._sem.acquire(blocking=False):
            raise LimitExceeded(f"{self.size} {self.what} are running already; try again in a moment", 429, 2)

    def leave(self) -> None:
        """Give the place back."""
        self._sem.release()
