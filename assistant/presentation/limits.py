"""Request limits of the REST API: body sizes enforced while the body streams, and per-client rate limits.

Sizes are enforced by FastAPI's own ``max_body_size`` (Starlette's body-limit middleware counts the bytes as
they arrive, so a chunked upload without Content-Length is cut off at the limit, not spooled to disk first);
this module only holds the numbers and the token buckets.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MEGABYTE = 1024 * 1024
# A JSON request is a question, a short history or one judgement with its citations: far below 1 MB.
JSON_BODY_BYTES = MEGABYTE
# Room for the multipart framing around the uploaded files themselves.
MULTIPART_SLACK = 64 * 1024
# Feedback citations are echoed from an answer (at most a few KB each); their stored JSON is bounded as a whole.
MAX_CITATIONS_BYTES = 64 * 1024
MAX_CITATIONS = 50
MAX_ANSWER_CHARS = 20_000
MAX_HISTORY = 20
# Clients remembered by the rate limiter; the least recently seen is forgotten first (it starts again full).
_MAX_CLIENTS = 10_000


@dataclass(frozen=True)
class RequestLimits:
    """What ``create_api`` enforces; ``rate_per_second`` 0 turns rate limiting off."""

    json_body_bytes: int = JSON_BODY_BYTES
    rate_per_second: float = 5.0
    rate_burst: int = 20


class RateLimiter:
    """A token bucket per client: ``burst`` requests at once, then ``rate`` per second; safe between threads."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, when)
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Take a token for ``client``: 0 when granted, else the seconds until one is free (nothing taken)."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            granted = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if granted else tokens, now)
            while len(self._buckets) > _MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return 0.0 if granted else (1.0 - tokens) / self.rate


def retry_after(seconds: float) -> str:
    """The Retry-After header: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
