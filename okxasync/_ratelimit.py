"""Client-side rate limiting per endpoint group.

Baseline scheduler: a strict sliding window per group (at most ``count`` sends in any
``period`` seconds, plus a safety margin), FIFO within a group.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_RATES", "Priority", "Rate", "Scheduler"]


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests in any window of ``period`` seconds."""

    count: int
    period: float

    def __post_init__(self) -> None:
        if self.count < 1 or not self.period > 0:
            raise ValueError(f"Rate needs count >= 1 and period > 0, got {self}")


DEFAULT_RATES: Mapping[str, Rate] = {"funding": Rate(6, 1.0), "otc": Rate(2, 2.0)}


class Priority(enum.IntEnum):
    """Lower goes first: direct calls before the history iterators' page fetches."""

    DIRECT = 0
    PAGING = 1


class _Window:
    def __init__(self, rate: Rate, margin: float) -> None:
        self.rate = rate
        self.span = rate.period + margin
        self.sent: deque[float] = deque()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                while self.sent and now - self.sent[0] >= self.span:
                    self.sent.popleft()
                if len(self.sent) < self.rate.count:
                    self.sent.append(now)
                    return
                await asyncio.sleep(self.sent[0] + self.span - now)


class Scheduler:
    """Admits requests per rate group; ``await acquire(group)`` returns when one may go."""

    def __init__(self, rates: Mapping[str, Rate], margin: float = 0.05) -> None:
        self._windows = {group: _Window(rate, margin) for group, rate in rates.items()}

    def window(self, group: str) -> float:
        """Seconds for ``group``'s window to clear completely."""
        return self._windows[group].span

    async def acquire(self, group: str, priority: Priority = Priority.DIRECT) -> None:
        await self._windows[group].acquire()
