"""Rate-limit rules: what a rate is, the API's defaults, priorities, and their checks."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass

from .._errors import ValidationError

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_RATES",
    "PUBLIC_RATES",
    "Priority",
    "Rate",
    "check_margin",
    "check_rates",
]

#: Default safety margin, seconds. A slot whose response has not come back yet frees
#: ``period + 0.05`` s after admission. 50 ms is several times the jitter of a stable
#: internet route (single-digit ms, p99 ~15 ms) plus asyncio scheduling delay between
#: admission and the socket write under load; it costs at most 5 % of a 1 s window, and
#: nothing when responses come back within 50 ms (then the response rule frees slots).
DEFAULT_MARGIN = 0.05


@dataclass(frozen=True)
class Rate:
    """A rate limit: at most `count` requests in any window of `period` seconds.

    `Client(rate_limits={"otc": Rate(1, 2.0)})` overrides a group's rate.

    Attributes:
        count: Requests allowed per window, at least 1.
        period: The window, in seconds (positive).

    Raises:
        ValidationError: `count` is not an int of at least 1, or `period` is not positive.
    """

    count: int
    period: float

    def __post_init__(self) -> None:
        valid_count = isinstance(self.count, int) and not isinstance(self.count, bool)
        if not valid_count or self.count < 1:
            raise ValidationError(f"Rate count must be an int >= 1, got {self.count!r}")
        if not isinstance(self.period, (int, float)) or not 0 < self.period < math.inf:
            raise ValidationError(f"Rate period must be positive seconds, got {self.period!r}")


#: The API's limits per rate group of the account; most endpoints belong to one of these.
DEFAULT_RATES: Mapping[str, Rate] = {"funding": Rate(6, 1.0), "otc": Rate(2, 2.0)}
#: Per-IP limits of the public endpoints the client calls by itself (``GET
#: /api/v5/public/time``, to sync its clock: 10 requests / 2 s); not an account budget.
PUBLIC_RATES: Mapping[str, Rate] = {"public": Rate(10, 2.0)}


class Priority(enum.IntEnum):
    """Lower goes first: direct calls before the history iterators' page fetches."""

    DIRECT = 0
    PAGING = 1


def check_margin(margin: float) -> float:
    if not isinstance(margin, (int, float)) or not 0 <= margin < math.inf:
        raise ValidationError(f"margin must be non-negative seconds, got {margin!r}")
    return float(margin)


def check_rates(overrides: object) -> dict[str, Rate]:
    """``DEFAULT_RATES`` and ``PUBLIC_RATES`` updated with a user's ``rate_limits=`` mapping
    (validated)."""
    if overrides is None:
        return {**DEFAULT_RATES, **PUBLIC_RATES}
    if not isinstance(overrides, Mapping):
        raise ValidationError(f"rate_limits must be a mapping of group to Rate, got {overrides!r}")
    for group, rate in overrides.items():
        if not isinstance(group, str) or not group:
            raise ValidationError(f"rate_limits keys must be group names, got {group!r}")
        if not isinstance(rate, Rate):
            raise ValidationError(f"rate_limits[{group!r}] must be a Rate, got {rate!r}")
    return {**DEFAULT_RATES, **PUBLIC_RATES, **overrides}
