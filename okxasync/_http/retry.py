"""When to retry a failed attempt, and after how long.

One decision function, ``delay``, sees every failed attempt and
returns the seconds to wait before the next one, or ``None`` to give up:

* a rate-limit rejection (HTTP 429 whatever its body, code 50011, funding's 58102) was
  not executed by the server, so it is retried for every endpoint, POST included, after
  ``Retry-After`` (seconds or an HTTP date) or else one rate-limit window; but an HTTP
  429 whose envelope says "busy" or success may have been executed: a withdrawal or trade
  answered so is reconciled, not resent;
* a ``Retry-After`` longer than ``max_retry_after`` is not waited out: the error is raised
  at once, carrying ``retry_after``;
* a connection that could not be opened sent nothing, so it is retried for every
  endpoint too, withdrawals and trades included;
* reads and other retry-safe calls are retried on transport errors, HTTP 5xx and the
  API's "busy" codes (50001, 50013), with exponential backoff and full jitter (or after
  the answer's ``Retry-After``);
* no retry starts when it would begin more than ``deadline`` seconds after the call began
  (the call's first wait in the rate-limit queue counts);
* a withdrawal or RFQ trade is never resent on an ambiguous failure: it is reconciled
  by its client id instead (see ``reconcile``), using ``lookups`` and ``lookup_interval``.

Every retry goes through the rate-limit scheduler again (the loop is in ``Pipeline.request``).
A rejected timestamp (50102 / 50112) is handled separately: the client syncs its clock
with the server and re-signs once (see ``clock``).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from .._errors import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    OkxError,
    RateLimitError,
    ResponseError,
    TransportError,
    ValidationError,
)

__all__ = [
    "BUSY_CODES",
    "CLOCK_CODES",
    "RetryPolicy",
    "clock_rejected",
    "is_transient",
    "may_have_executed",
    "retry_after",
]

#: Envelope codes meaning "the service is busy, try again".
BUSY_CODES = frozenset({"50001", "50013"})
#: Envelope codes meaning "the server timed out: it may or may not have executed the request"
#: (50004, HTTP 400: "does not mean that the request was successful or failed").
TIMEOUT_CODES = frozenset({"50004"})
#: Envelope codes meaning "your timestamp is off": the request was refused, not executed.
CLOCK_CODES = frozenset({"50102", "50112"})


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries, and how it settles ambiguous withdrawals and trades.

    Reads (and quotes) are retried on connection errors, timeouts, HTTP 5xx and the busy
    codes; a rate-limit rejection is retried for every call. A withdrawal or trade is never
    resent: when its answer is ambiguous it is looked up by its client id instead. Every
    duration is in seconds.

    Attributes:
        attempts: Tries of a failed read, the first included (`1`: no retries).
        rate_limit_attempts: Tries of any call the server refused for its rate limit.
        initial_delay: The first backoff bound: delays are drawn uniformly from
            `[0, min(max_delay, initial_delay * 2**(attempt-1))]` (full jitter).
        max_delay: The largest backoff bound.
        deadline: No retry starts later than this after the call began (its first wait
            in the rate-limit queue included).
        max_retry_after: The longest server `Retry-After` waited out; a longer one (or
            one that would end past the deadline) is raised at once.
        lookups: Lookups by client id of an ambiguous withdrawal or trade.
        lookup_interval: Seconds between those lookups.

    Raises:
        ValidationError: A count below 1, or a negative duration.
    """

    attempts: int = 4
    rate_limit_attempts: int = 4
    initial_delay: float = 0.2
    max_delay: float = 5.0
    deadline: float = 60.0
    max_retry_after: float = 30.0
    lookups: int = 3
    lookup_interval: float = 1.0

    def __post_init__(self) -> None:
        if min(self.attempts, self.rate_limit_attempts, self.lookups) < 1:
            raise ValidationError(f"attempts, rate_limit_attempts and lookups must be >= 1: {self}")
        durations = (
            self.initial_delay,
            self.max_delay,
            self.deadline,
            self.max_retry_after,
            self.lookup_interval,
        )
        if min(durations) < 0:
            raise ValidationError(f"delays and the deadline must not be negative: {self}")

    def delay(
        self,
        error: OkxError,
        attempt: int,
        *,
        retry_safe: bool,
        window: float,
        elapsed: float = 0.0,
    ) -> float | None:
        """Whether and when to retry a failed attempt.

        Args:
            error: The error the attempt ended with.
            attempt: The attempt that failed, 1-based.
            retry_safe: Whether sending the request again is harmless (reads, quotes).
            window: The rate-limit window of the endpoint's group, in seconds (the wait after a
                rate-limit rejection without `Retry-After`).
            elapsed: Seconds since the call began.

        Returns:
            Seconds to wait before the next attempt, or `None` to raise `error` (not retryable,
            attempts spent, or the retry would start past `deadline`).
        """
        wait = self._wait(error, attempt, retry_safe, window)
        if wait is None or elapsed + wait > self.deadline:
            return None
        return wait

    def _wait(self, error: OkxError, attempt: int, retry_safe: bool, window: float) -> float | None:
        hint = error.retry_after if isinstance(error, APIError) else None
        if hint is not None and hint > self.max_retry_after:
            return None
        if isinstance(error, RateLimitError):
            if attempt >= self.rate_limit_attempts or (not retry_safe and may_have_executed(error)):
                return None
            return hint if hint is not None else window
        if attempt >= self.attempts or not is_transient(error):
            return None
        if not retry_safe and not _unsent(error):
            return None
        return hint if hint is not None else self.backoff(attempt)

    def backoff(self, attempt: int) -> float:
        """A backoff delay with full jitter.

        Args:
            attempt: The attempt that failed, 1-based.

        Returns:
            Seconds, uniform in `[0, min(max_delay, initial_delay * 2**(attempt-1))]`.
        """
        return random.uniform(0, min(self.max_delay, self.initial_delay * 2 ** (attempt - 1)))


def _unsent(error: OkxError) -> bool:
    return isinstance(error, TransportError) and not error.maybe_sent


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date
    (relative to ``now``, epoch seconds, default the current time; a past date is ``0``).
    ``None`` when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
        seconds = max(0.0, when - (time.time() if now is None else now))
    return seconds if 0 <= seconds < float("inf") else None


def is_transient(error: OkxError) -> bool:
    """Whether ``error`` says "try again later" rather than "this request is wrong"."""
    if isinstance(error, TransportError):
        return True
    if isinstance(error, APIError):
        return error.code in BUSY_CODES or error.code in TIMEOUT_CODES or error.status >= 500
    return isinstance(error, ResponseError) and error.status >= 500


def may_have_executed(error: OkxError) -> bool:
    """Whether a request that failed with ``error`` may nevertheless have been executed.

    Conservative: only answers that say "refused" are definite. A rate-limit or
    authentication rejection, a 4xx/2xx envelope with an error code (except 50004, the
    server's own "request timeout, outcome unknown"), and a connection that could not be
    opened are definite; a timeout, a lost connection, any HTTP 5xx
    (HTML or envelope), a "busy" code and an unreadable body are not. Neither is an HTTP
    429 whose envelope says "busy" (50013 is documented with HTTP 429) or success
    (code ``0``): the status alone does not say the request was turned away.
    """
    if isinstance(error, RateLimitError):
        return error.code == "0" or error.code in BUSY_CODES
    if isinstance(error, AuthenticationError):
        return False
    if isinstance(error, (TransportError, ClientClosedError)):
        return error.maybe_sent
    if isinstance(error, APIError):
        return error.status >= 500 or error.code in BUSY_CODES or error.code in TIMEOUT_CODES
    return isinstance(error, ResponseError)


def clock_rejected(error: OkxError) -> bool:
    """Whether the server refused the request because of its timestamp."""
    return isinstance(error, APIError) and error.code in CLOCK_CODES
