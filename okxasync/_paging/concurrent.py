"""Concurrent time paging: ``k`` workers over shards of one window, work stealing by
splitting the shard expected to hold the most."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

from .._ratelimit import Rate
from .._tasks import cancel_and_wait
from .cursors import MIN_SPLIT_PAGES, Stamped
from .shard import Shard
from .timepaging import TimePager

__all__ = ["Concurrent"]

R = TypeVar("R", bound=Stamped)

#: Shards paged at once to keep a rate limit busy, relative to its rate times the round
#: trip (Little's law): twice that, as round trips and admissions jitter, and a shard
#: pauses between its pages (decoding, waiting for a split).
IN_FLIGHT_SLACK = 2.0


@dataclass(frozen=True)
class _Failed:
    """A worker's error, delivered in order with the pages, and the shard it was paging
    (unchanged by the failed request: paged again on the next call)."""

    error: Exception
    shard: Shard


@dataclass(frozen=True)
class _Done:
    """Every worker has finished."""


class Concurrent(Generic[R]):
    """``workers`` tasks paging time shards into a bounded queue.

    The first page is fetched alone (a small export stays one request, and it bounds
    an open ``until``); then the rest is cut, one shard per worker (``_cut``). Each
    worker pages its shard to the end, then splits the shard expected to hold the most
    records, when worth it, and takes its older part; with nothing worth splitting it
    waits for the next page's news. A split costs about half a request (the part kept
    ends in a partial page) and only helps when more requests in flight would be sent
    sooner: so no more shards are paged at once than keep ``rate`` (the endpoint's rate
    limit, when known) busy. The queue holds at most ``workers`` pages, so memory is
    bounded and fetching pauses when the consumer does. Workers reference only this
    object, never the iterator, so dropping the iterator (a ``break``) lets it be
    collected and cancel them.

    A worker's error is raised by ``next_page``; the other workers go on, and the next
    call starts a worker on the failed shard where it stopped: iterating again after an
    error resumes, as a sequential source does.
    """

    def __init__(
        self, pager: TimePager[R], lo: int, hi: int | None, workers: int, rate: Rate | None = None
    ) -> None:
        self._pager = pager
        self._workers = workers
        self._rate = rate
        self._fastest = math.inf  # the quickest page so far, seconds: the round trip
        self._first: Shard | None = Shard(lo, hi, floorless=lo == 0)
        self._active: list[Shard] = []
        self._queue: asyncio.Queue[list[R] | _Failed | _Done] = asyncio.Queue(maxsize=workers)
        self._progress = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._failed: list[Shard] = []  # shards whose worker failed, paged again next call
        self._running = 0
        self._pages = 0  # fetched so far, by every worker
        self._closed = False

    async def next_page(self) -> list[R] | None:
        if self._closed:
            return None
        if self._first is not None:
            return await self._first_page(self._first)
        if self._failed:  # each still counted in ``_running``: its worker ended early
            self._tasks = [task for task in self._tasks if not task.done()]
        while self._failed:
            self._tasks.append(asyncio.ensure_future(self._work(self._failed.pop())))
        item = await self._queue.get()
        if isinstance(item, _Failed):
            self._failed.append(item.shard)
            raise item.error
        if isinstance(item, _Done):
            self._closed = True
            return None
        return item

    async def _first_page(self, shard: Shard) -> list[R]:
        started = time.monotonic()
        page = await self._pager.next_page(shard)
        self._fastest = time.monotonic() - started
        self._pages, self._first = 1, None
        if shard.done:
            self._closed = True
        else:
            owned = self._cut(shard)
            self._active += owned
            self._running = len(owned)
            self._tasks = [asyncio.ensure_future(self._work(own)) for own in owned]
        return page

    def _cut(self, shard: Shard) -> list[Shard]:
        """The first shards, one per worker (none, if one request at a time keeps the
        rate limiter busy): equal parts of a bounded window; for a floorless one, chunks
        of ``MIN_SPLIT_PAGES`` pages and the rest."""
        shards = [shard]
        for parts in range(self._workers if self._shards_needed() > 1 else 1, 1, -1):
            tail = shards[-1]
            if tail.span < 2 or not self._worth_splitting(tail, observed=True):
                break
            shards.append(tail.split(tail.keep_for(self._chunk(), parts)))
        return shards

    def _steal(self) -> Shard | None:
        """The older part of the shard expected to hold the most, if worth it; now active."""
        if len(self._active) >= self._shards_needed():
            return None
        eligible = [s for s in self._active if s.span >= 2 and self._worth_splitting(s)]
        victim = max(eligible, key=Shard.expected, default=None)
        if victim is None:
            return None
        shard = victim.split(victim.keep_for(self._chunk(), 2))
        self._active.append(shard)
        return shard

    def _worth_splitting(self, shard: Shard, observed: bool = False) -> bool:
        """A split costs about one request (each part's last page is partial): a bounded
        shard needs ``MIN_SPLIT_PAGES`` pages expected. A floorless one must have been
        read itself first (else empty years would be split again and again)."""
        if shard.floorless:
            return observed or shard.observed
        return shard.expected() >= MIN_SPLIT_PAGES * self._pager.limit

    def _chunk(self) -> float:
        """Records a floorless shard's owner keeps: as many pages as read so far (at
        least ``MIN_SPLIT_PAGES``), so parts grow geometrically and stay few. A little
        under whole pages, as each page after the first re-reads its boundary."""
        return max(MIN_SPLIT_PAGES, self._pages) * self._pager.limit * 0.9

    def _shards_needed(self) -> int:
        """How many shards to page at once (at most ``workers``): enough requests in flight
        to keep the rate limiter busy, by Little's law ``count / period`` times the round
        trip (the fastest page so far), times ``IN_FLIGHT_SLACK``."""
        if self._rate is None:
            return self._workers
        needed = IN_FLIGHT_SLACK * self._rate.count * self._fastest / self._rate.period
        return max(1, min(self._workers, math.ceil(needed)))

    async def _work(self, shard: Shard | None) -> None:
        while self._active:
            if shard is None:
                await self._progress.wait()
            else:
                try:
                    await self._page_through(shard)
                except Exception as error:
                    await self._queue.put(_Failed(error, shard))
                    return
            shard = self._steal()
        self._running -= 1
        if self._running == 0:
            await self._queue.put(_Done())

    async def _page_through(self, shard: Shard) -> None:
        while not shard.done:
            started = time.monotonic()
            page = await self._pager.next_page(shard)
            self._fastest = min(self._fastest, time.monotonic() - started)
            self._pages += 1
            if shard.done:
                self._active.remove(shard)
            self._announce()
            if page:
                await self._queue.put(page)

    def _announce(self) -> None:
        """Wake idle workers: a shard moved, so a split may now be worth it (or all is done)."""
        self._progress.set()
        self._progress = asyncio.Event()

    async def aclose(self) -> None:
        self.cancel()
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)

    def cancel(self) -> None:
        self._closed = True
        self._first = None
        for task in self._tasks:
            if not task.done() and not task.get_loop().is_closed():
                task.cancel()
