"""Client-side rate limiting: rules (rates, priorities), window stores (local, Redis) and
the scheduler that admits each request."""

from __future__ import annotations

from .local import Limiter, LocalLimiter, Slot
from .redis import RedisLimiter
from .rules import DEFAULT_MARGIN, DEFAULT_RATES, PUBLIC_RATES, Priority, Rate, check_rates
from .scheduler import RateLimitStats, Scheduler

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_RATES",
    "PUBLIC_RATES",
    "Limiter",
    "LocalLimiter",
    "Priority",
    "Rate",
    "RateLimitStats",
    "RedisLimiter",
    "Scheduler",
    "Slot",
    "check_rates",
]
