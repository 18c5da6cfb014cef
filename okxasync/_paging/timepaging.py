"""Time-cursor paging of one shard (:class:`TimePager`) and the one-request-at-a-time
source over a whole window (:class:`Sequential`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

from .._errors import PagingError
from .cursors import MAX_PAGE, FullMillisecond, Stamped, cursor_args, held_back, stamps_of
from .shard import Shard

__all__ = ["Fetch", "Sequential", "TimePager"]

R = TypeVar("R", bound=Stamped)
Fetch = Callable[[Mapping[str, int]], Awaitable[list[R]]]


class TimePager(Generic[R]):
    """Fetches the next page of a shard and advances it (see the module docstring)."""

    def __init__(self, fetch: Fetch[R], limit: int, what: str) -> None:
        self._fetch = fetch
        self.limit = limit
        self._what = what

    async def next_page(self, shard: Shard) -> list[R]:
        """Final records of the next page of ``shard``, newest first; advances ``shard``.

        ``shard.lo`` may rise while the request is in flight (a split gave the older
        part away); records below it are dropped here, the new shard fetches them.
        """
        lo, hi = shard.lo, shard.hi
        page = await self._fetch(cursor_args(lo, hi, self.limit))
        stamps = stamps_of(page, lo, hi, self._what)
        try:
            cut = held_back(stamps, self.limit)
            keep, shard.hi = (page, lo) if cut is None else (newer_than(page, cut), cut + 1)
            if cut is not None:
                shard.observe(stamps)
        except FullMillisecond as full:
            keep, shard.hi = await self._whole_millisecond(full.ts_ms), full.ts_ms
        return [r for r in keep if (r.ts_ms or 0) >= shard.lo]

    async def _whole_millisecond(self, ts_ms: int) -> list[R]:
        """Every record of one millisecond, in one page of the largest size the API allows."""
        if self.limit < MAX_PAGE:
            page = await self._fetch(cursor_args(ts_ms, ts_ms + 1, MAX_PAGE))
            stamps_of(page, ts_ms, ts_ms + 1, self._what)
            if len(page) < MAX_PAGE:
                return page
        raise PagingError(ts_ms, MAX_PAGE)


def newer_than(page: list[R], ts_ms: int) -> list[R]:
    return [r for r in page if (r.ts_ms or 0) > ts_ms]


class Sequential(Generic[R]):
    """One shard, one request at a time, each made inside the consumer's ``__anext__``."""

    def __init__(self, pager: TimePager[R], lo: int, hi: int | None) -> None:
        self._pager = pager
        self._shard = Shard(lo, hi)
        self._closed = False

    async def next_page(self) -> list[R] | None:
        if self._closed or self._shard.done:
            return None
        return await self._pager.next_page(self._shard)

    async def aclose(self) -> None:
        self._closed = True

    def cancel(self) -> None:
        self._closed = True
