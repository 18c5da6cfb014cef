"""Several currencies: per-currency sources merged newest first, or interleaved."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections import deque
from collections.abc import Sequence
from typing import Generic, TypeVar

import anyio

from .._tasks import cancel_and_wait, retrieve
from .cursors import Stamped
from .iterator import Source

__all__ = ["Fanout", "Interleaved", "Merged", "newest_first", "take_newest"]

R = TypeVar("R", bound=Stamped)


def newest_first(pages: Sequence[Sequence[R]]) -> list[R]:
    """The records of ``pages`` (one per currency) as one list, newest first; within a
    millisecond in the order of ``pages``, and within one page in the page's order."""
    return sorted(itertools.chain.from_iterable(pages), key=lambda r: -(r.ts_ms or 0))


def take_newest(buffers: Sequence[deque[R]], live: Sequence[bool]) -> list[R]:
    """Pop records from ``buffers`` (each newest first) in merged newest-first order, ties
    to the lower index, for as long as that order is certain: while every ``live`` buffer
    (one whose source may still deliver more) holds a record. An exhausted source's
    buffer is simply drained. Returns ``[]`` when a live buffer is empty."""
    if any(alive and not buffer for alive, buffer in zip(live, buffers, strict=True)):
        return []
    heads = [(-(b[0].ts_ms or 0), i) for i, b in enumerate(buffers) if b]
    heapq.heapify(heads)
    out: list[R] = []
    while heads:
        _, i = heapq.heappop(heads)
        out.append(buffers[i].popleft())
        if buffers[i]:
            heapq.heappush(heads, (-(buffers[i][0].ts_ms or 0), i))
        elif live[i]:
            break  # its next record is unknown: nothing more is certain
    return out


class Fanout(Generic[R]):
    """Several sources (one per currency), each with at most one ``next_page`` in flight.

    Its tasks reference the sources only, never this object, so dropping the iterator
    cancels them (``cancel`` from ``__del__``). A source's error is raised; the other
    fetches go on, and the next call asks the failed source again (sources resume after
    an error), so iterating again loses nothing.
    """

    def __init__(self, sources: Sequence[Source[R]]) -> None:
        self._sources = list(sources)
        self._live = [True] * len(sources)
        self._tasks: dict[int, asyncio.Task[Sequence[R] | None]] = {}
        self._closed = False

    def _start(self, index: int) -> None:
        if index not in self._tasks:
            self._tasks[index] = asyncio.ensure_future(self._sources[index].next_page())

    async def _next_done(self) -> tuple[int, Sequence[R] | None] | None:
        """A finished fetch (the lowest-numbered one if several are done): its source and
        page (``None`` once that source is exhausted); ``None`` if closed meanwhile; raises
        a failed fetch's error. A cancelled caller loses nothing: the fetches go on and
        the next call collects them."""
        done = [i for i, task in self._tasks.items() if task.done()]
        if not done:
            await asyncio.wait(self._tasks.values(), return_when=asyncio.FIRST_COMPLETED)
            if self._closed:
                return None
            done = [i for i, task in self._tasks.items() if task.done()]
        index = min(done)
        page = self._tasks.pop(index).result()  # an error: that source is asked again next
        if page is None:
            self._live[index] = False
        return index, page

    async def aclose(self) -> None:
        tasks = list(self._tasks.values())
        self.cancel()
        try:
            with contextlib.suppress(Exception):  # a fetch no one will read failed
                await cancel_and_wait(tasks)
        finally:  # cancelled already: each ends soon, even when the caller is cancelled
            with anyio.CancelScope(shield=True):
                for source in self._sources:
                    await source.aclose()

    def cancel(self) -> None:
        self._closed = True
        tasks, self._tasks = self._tasks, {}
        for task in tasks.values():  # a fetch no one will read: its error is dropped
            if task.done():
                retrieve(task)
            elif not task.get_loop().is_closed():
                task.cancel()
                task.add_done_callback(retrieve)
        for source in self._sources:
            source.cancel()


class Merged(Fanout[R]):
    """Sources whose pages are newest first, k-way merged newest first (ties: sources in
    order). A source's next page is fetched only when its buffer is empty and a record
    is needed; sources that all need one (at the start) are fetched concurrently."""

    def __init__(self, sources: Sequence[Source[R]]) -> None:
        super().__init__(sources)
        self._buffers: list[deque[R]] = [deque() for _ in sources]

    async def next_page(self) -> list[R] | None:
        while not self._closed:
            batch = take_newest(self._buffers, self._live)
            if batch:
                return batch
            empty = [i for i, alive in enumerate(self._live) if alive and not self._buffers[i]]
            if not empty:
                break  # every source exhausted and drained
            for index in empty:
                self._start(index)
            got = await self._next_done()
            if got is not None:
                self._buffers[got[0]].extend(got[1] or ())
        self._closed = True
        return None


class Interleaved(Fanout[R]):
    """Sources in no common order (concurrent shards): each page as soon as it arrives."""

    async def next_page(self) -> Sequence[R] | None:
        while not self._closed:
            live = [i for i, alive in enumerate(self._live) if alive]
            if not live:
                break
            for index in live:
                self._start(index)
            got = await self._next_done()
            if got is not None and got[1] is not None:
                return got[1]
        self._closed = True
        return None
