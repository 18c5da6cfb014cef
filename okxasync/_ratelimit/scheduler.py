"""Client-side rate limiting: per-group windows, priorities, and where the window lives.

The guarantee, for every rate group with ``Rate(count, period)``: in any interval of
``period`` seconds the server sees at most ``count`` of this account's requests, provided
every client of the account shares one ``Limiter`` (one process: the default
``LocalLimiter``; several processes or hosts: ``RedisLimiter``). An empty window
admits ``count`` requests at once; in steady state the rate approaches ``count/period``.

How a slot is released. Each admitted request holds a slot that frees

* ``period`` seconds after its response arrived (always safe: the server saw the request
  before the client saw the answer, and the next request reaches the server after the
  client sent it), or
* ``period + margin`` seconds after it was admitted, whichever comes first. This second
  rule covers requests still in flight (or lost); it is safe as long as the one-way delay
  of two requests ``count`` apart differs by less than ``margin`` (network jitter plus the
  event-loop delay between admission and the socket write).

A slot is spent once admitted: a request that then fails to send still counts (the server
may have seen it). Waiting is FIFO within a ``Priority``; a direct call waits behind
at most the one page fetch that already holds the group's turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from .._errors import APIError, RateLimitError, ResponseError
from .local import Limiter, LocalLimiter, Slot
from .rules import Priority, Rate

__all__ = ["RateLimitStats", "Scheduler"]

logger = logging.getLogger("okxasync.ratelimit")


@dataclass(frozen=True)
class RateLimitStats:
    """Counters of one rate group since the client was created (`client.rate_limit_stats()`).

    Attributes:
        sent: Slots taken: requests admitted, including retries and sends that failed.
        rejected: Server rate-limit answers (50011 / HTTP 429).
        wait_total: Seconds callers spent waiting for a slot, added up.
        wait_max: The longest any caller waited for a slot, in seconds.
        waiting: Callers queued now.
    """

    sent: int = 0
    rejected: int = 0
    wait_total: float = 0.0
    wait_max: float = 0.0
    waiting: int = 0


@dataclass
class _Group:
    """One group's queue of waiters: whoever holds ``busy`` (the turn) takes the next slot."""

    rate: Rate
    heap: list[tuple[int, int, asyncio.Future[None]]] = field(default_factory=list)
    busy: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    sent: int = 0
    rejected: int = 0
    wait_total: float = 0.0
    wait_max: float = 0.0

    def snapshot(self) -> RateLimitStats:
        waiting = sum(1 for _, _, waiter in self.heap if not waiter.done())
        return RateLimitStats(self.sent, self.rejected, self.wait_total, self.wait_max, waiting)


class Scheduler:
    """Admits requests per rate group, in priority then FIFO order, through a ``Limiter``.

    Use ``async with scheduler.slot(group, priority):`` around one send; the block's
    outcome tells the scheduler whether a response arrived and whether it was a rejection.
    Cancelling a waiting caller takes no slot and never blocks the callers behind it.
    """

    def __init__(self, rates: Mapping[str, Rate], limiter: Limiter | None = None) -> None:
        self.limiter: Limiter = limiter if limiter is not None else LocalLimiter()
        self._groups = {group: _Group(rate) for group, rate in rates.items()}
        self._seq = itertools.count()

    @property
    def rates(self) -> Mapping[str, Rate]:
        return {group: state.rate for group, state in self._groups.items()}

    def window(self, group: str) -> float:
        """Seconds after which every slot ``group`` holds now has certainly freed."""
        return self._groups[group].rate.period + self.limiter.margin

    def stats(self) -> dict[str, RateLimitStats]:
        """A snapshot of every group's counters."""
        return {name: group.snapshot() for name, group in self._groups.items()}

    @contextlib.asynccontextmanager
    async def slot(self, group: str, priority: Priority = Priority.DIRECT) -> AsyncIterator[Slot]:
        """Hold one slot of ``group`` for the block: one request sent inside it."""
        slot = await self.acquire(group, priority)
        try:
            yield slot
        except RateLimitError:
            self._rejected(group)
            await self._settle(slot)
            raise
        except (APIError, ResponseError):
            await self._settle(slot)
            raise
        else:
            await self._settle(slot)

    async def acquire(self, group: str, priority: Priority = Priority.DIRECT) -> Slot:
        """Wait for this caller's turn, then for room in the window; return the slot taken."""
        state = self._groups[group]
        started = time.monotonic()
        await self._turn(state, priority)
        try:
            slot = await self._take(group, state)
        finally:
            self._pass_turn(state)
        waited = time.monotonic() - started
        state.sent += 1
        state.wait_total += waited
        state.wait_max = max(state.wait_max, waited)
        if waited >= 0.001:
            logger.debug("%s: slot taken after waiting %.3f s (%s)", group, waited, priority.name)
        return slot

    async def _turn(self, state: _Group, priority: Priority) -> None:
        if not state.busy:
            state.busy = True
            return
        waiter = asyncio.get_running_loop().create_future()
        heapq.heappush(state.heap, (int(priority), next(self._seq), waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._pass_turn(state)  # handed the turn just as we were cancelled
            raise

    def _pass_turn(self, state: _Group) -> None:
        while state.heap:
            waiter = heapq.heappop(state.heap)[2]
            if not waiter.done():  # cancelled waiters stay in the heap until popped here
                waiter.set_result(None)
                return
        state.busy = False

    async def _take(self, group: str, state: _Group) -> Slot:
        while True:
            state.changed.clear()
            got = await self.limiter.take(group, state.rate)
            if isinstance(got, Slot):
                return got
            logger.debug(
                "%s: window full, next slot in %.3f s (%d queued)", group, got, len(state.heap)
            )
            # A settled slot may free earlier than ``got``: wake up and look again.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(state.changed.wait(), max(got, 0.0))

    async def _settle(self, slot: Slot) -> None:
        await self.limiter.settle(slot)
        self._groups[slot.group].changed.set()

    def _rejected(self, group: str) -> None:
        state = self._groups[group]
        state.rejected += 1
        logger.warning(
            "%s: the server answered rate-limited (50011/429) although the client kept to "
            "%s; is another client using this account without a shared limiter?",
            group,
            state.rate,
        )
