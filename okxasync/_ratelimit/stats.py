"""What the scheduler counts per bucket (and per key of a keyed bucket): admissions,
rejections, waits and the busiest period, reported by ``Client.rate_limit_stats()``."""

from __future__ import annotations

import bisect
import operator
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from .rules import Claim

__all__ = ["KEY_STATS", "BucketStats", "RateLimitStats", "with_peak"]


#: How many keys of one bucket ``rate_limit_stats()`` reports (the most recently used).
KEY_STATS = 1000


@dataclass(frozen=True)
class RateLimitStats:
    """Counters for one bucket (or one key of it) since the client was created.

    Attributes:
        sent: Calls admitted (including retries and sends that failed).
        rejected: Server rate-limit answers (50011 / 58102 / HTTP 429) to calls holding it.
        wait_total: Seconds callers spent waiting for a slot, in total.
        wait_max: The longest such wait, in seconds.
        waiting: Callers queued now.
        peak: The most units this client admitted within one `period` (for a keyed
            bucket: in one key's window), counting the units given back by requests
            that never left (no connection could be opened): it can then exceed the
            rate, though the server saw fewer.
        keys: The same per key of a keyed bucket (`"BTC"`, `"BTC/USDT"`), for the most
            recently used 1,000 keys.
    """

    sent: int = 0
    rejected: int = 0
    wait_total: float = 0.0
    wait_max: float = 0.0
    waiting: int = 0
    peak: int = 0
    keys: Mapping[str, RateLimitStats] = field(default_factory=dict)


class _Counter:
    """One bucket's (or key's) counters. The peak is computed in batches: an admission
    only appends its time (one per unit); once they number twice what the last sweep
    kept (at least ``_FOLD_AT``), or when read, they are swept once for the busiest
    period, and the last period's are kept."""

    __slots__ = (
        "fold_at",
        "peak",
        "period",
        "recent",
        "rejected",
        "sent",
        "wait_max",
        "wait_total",
    )

    def __init__(self) -> None:
        self.sent = self.rejected = self.peak = 0
        self.wait_total = self.wait_max = 0.0
        self.period = 0.0
        self.recent: list[float] = []  # admission times, one per unit, not yet swept
        self.fold_at = _FOLD_AT  # sweep when this many: twice what the last sweep kept

    def admitted(self, now: float, period: float, cost: int, waited: float) -> None:
        """Count one admission; ``period`` 0 skips the peak (kept per key instead)."""
        self.sent += 1
        if waited:
            self.wait_total += waited
            if waited > self.wait_max:
                self.wait_max = waited
        if period:
            self.period = period
            recent = self.recent
            if cost == 1:
                recent.append(now)
            else:
                recent.extend([now] * cost)
            if len(recent) >= self.fold_at:
                self._fold()

    def tick(self, now: float) -> None:
        """:meth:`admitted` for one unit taken at once (every call under the limit), with
        ``period`` already set."""
        self.sent += 1
        recent = self.recent
        recent.append(now)
        if len(recent) >= self.fold_at:
            self._fold()

    def _fold(self) -> None:
        """Raise ``peak`` to the most units within one period among ``recent``, then keep
        only the times a later admission can still share a period with.

        ``m`` units fit in one period ``(t - period, t]`` when some time is above the time
        ``m - 1`` places later minus ``period``; that is tested for all places at once in C
        (``map``), first for one more than the peak (usually no: one pass), then by
        bisection, so a sweep is a few C passes, not a Python loop over the times."""
        recent, period = self.recent, self.period
        lows = list(map(period.__rsub__, recent))  # t - period, for each t

        def fits(units: int) -> bool:
            return any(map(operator.gt, recent, lows[units - 1 :]))

        known, most = self.peak, len(recent)
        if known < most and fits(known + 1):
            known += 1
            while known < most:  # the largest count that fits, in (known, most]
                middle = (known + most + 1) // 2
                if fits(middle):
                    known = middle
                else:
                    most = middle - 1
            self.peak = known
        del recent[: bisect.bisect_right(recent, recent[-1] - period)]
        self.fold_at = max(_FOLD_AT, 2 * len(recent))  # amortised O(1) per admission

    def snapshot(
        self, waiting: int = 0, keys: Mapping[str, RateLimitStats] | None = None
    ) -> RateLimitStats:
        if self.recent:
            self._fold()
        return RateLimitStats(
            self.sent, self.rejected, self.wait_total, self.wait_max, waiting, self.peak, keys or {}
        )


#: Units a counter collects before sweeping them for its peak.
_FOLD_AT = 64


class BucketStats:
    __slots__ = ("keys", "total")

    def __init__(self) -> None:
        self.total = _Counter()
        self.keys: OrderedDict[str, _Counter] = OrderedDict()

    def key(self, claim: Claim) -> _Counter | None:
        if not claim.bucket.key:
            return None
        name = "/".join(claim.key)
        counter = self.keys.pop(name, None) or _Counter()
        self.keys[name] = counter  # most recently used last
        if len(self.keys) > KEY_STATS:
            self.keys.popitem(last=False)
        return counter


def with_peak(stats: RateLimitStats, peak: int) -> RateLimitStats:
    return RateLimitStats(
        stats.sent,
        stats.rejected,
        stats.wait_total,
        stats.wait_max,
        stats.waiting,
        peak,
        stats.keys,
    )
