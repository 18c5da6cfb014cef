"""Client-side rate limiting: rules (rates, buckets, priorities), window stores (local,
Redis) and the scheduler that admits each call."""

from __future__ import annotations

from .local import Full, Limiter, LocalLimiter, Need, Slot
from .redis import RedisLimiter
from .rules import (
    BUCKETS,
    DEFAULT_MARGIN,
    DEFAULT_RATES,
    PUBLIC_RATES,
    Bucket,
    Claim,
    Priority,
    Rate,
    check_rates,
)
from .scheduler import RateLimitStats, Scheduler

__all__ = [
    "BUCKETS",
    "DEFAULT_MARGIN",
    "DEFAULT_RATES",
    "PUBLIC_RATES",
    "Bucket",
    "Claim",
    "Full",
    "Limiter",
    "LocalLimiter",
    "Need",
    "Priority",
    "Rate",
    "RateLimitStats",
    "RedisLimiter",
    "Scheduler",
    "Slot",
    "check_rates",
]
