"""When to retry a failed attempt, and after how long.

One decision function, :meth:`RetryPolicy.delay`, sees every failed attempt and
returns the seconds to wait before the next one, or ``None`` to give up:

* a rate-limit rejection (code 50011 / HTTP 429) was not executed by the server, so it
  is retried for every endpoint, POST included, after ``Retry-After`` or one window;
* reads and other retry-safe calls are retried on transport errors, HTTP 5xx and the
  API's "busy" codes (50001, 50013), with exponential backoff and full jitter;
* a withdrawal or RFQ trade is never resent on an ambiguous failure: it is reconciled
  by its client id instead (see ``_resources``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ._errors import APIError, OkxError, RateLimitError, ResponseError, TransportError

__all__ = ["BUSY_CODES", "RetryPolicy"]

#: Envelope codes meaning "the service is busy, try again": nothing was executed.
BUSY_CODES = frozenset({"50001", "50013"})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying. ``attempts`` counts the first try; delays are in seconds."""

    attempts: int = 4
    rate_limit_attempts: int = 4
    initial_delay: float = 0.2
    max_delay: float = 5.0

    def delay(
        self, error: OkxError, attempt: int, *, retry_safe: bool, window: float
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or ``None`` to raise ``error``."""
        if isinstance(error, RateLimitError):
            if attempt >= self.rate_limit_attempts:
                return None
            return min(error.retry_after or window, self.max_delay * 4)
        if not retry_safe or attempt >= self.attempts or not is_transient(error):
            return None
        return self.backoff(attempt)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in ``[0, min(max_delay, initial * 2**(attempt-1))]``."""
        return random.uniform(0, min(self.max_delay, self.initial_delay * 2 ** (attempt - 1)))


def is_transient(error: OkxError) -> bool:
    """Whether ``error`` says "try again later" rather than "this request is wrong"."""
    if isinstance(error, TransportError):
        return True
    if isinstance(error, APIError):
        return error.code in BUSY_CODES or error.status >= 500
    return isinstance(error, ResponseError) and error.status >= 500
