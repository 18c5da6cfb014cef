"""Timing knobs of the event streams, and the reconnect backoff."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, fields

from .._errors import ValidationError

__all__ = ["WatchTiming", "backoff_delay"]


@dataclass(frozen=True)
class WatchTiming:
    """Seconds that govern the business WebSocket and gap filling (`Client(watch_timing=)`).

    Reconnect delays are drawn uniformly from `0 .. min(backoff_cap, backoff_base *
    2**attempt)` ("full jitter"); a connection that ends within `ping_after` seconds counts
    as a failed attempt.

    Attributes:
        ping_after: Send a text `ping` after this long without any message (below the
            server's 30 s idle rule).
        pong_timeout: A connection still silent this long after a `ping` is dead and
            replaced.
        login_timeout: The longest wait for the connection, the login ack and each
            subscribe ack.
        backoff_base: The first reconnect delay's upper bound.
        backoff_cap: The largest reconnect delay.
        overlap: How far before the previous fill a gap fill reads again (records that
            become visible late, clock error).
        poll_every: The period of `transport="poll"`.
        recent: How many settled records the duplicate filter remembers, besides the
            unsettled ones, before it forgets those no gap fill reads again (it keeps
            more, with a warning, rather than yield one twice).

    Raises:
        ValidationError: A value is not positive, or `ping_after` is 30 s or more.
    """

    ping_after: float = 20.0
    pong_timeout: float = 5.0
    login_timeout: float = 10.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    overlap: float = 60.0
    poll_every: float = 5.0
    recent: int = 10_000

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise ValidationError(f"WatchTiming.{item.name} must be positive, got {value!r}")
        if self.ping_after >= 30:
            raise ValidationError("WatchTiming.ping_after must stay below the 30 s idle rule")


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in ``0 .. min(cap, base * 2**attempt)``."""
    return rng.uniform(0.0, min(cap, base * 2 ** min(attempt, 30)))
