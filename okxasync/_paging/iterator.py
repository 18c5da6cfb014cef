"""The public iterator over one page *source*, and the protocol sources implement."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from types import TracebackType
from typing import Generic, Protocol, TypeVar

from .cursors import Stamped

__all__ = ["HistoryIterator", "Source"]

R = TypeVar("R", bound=Stamped)
R_co = TypeVar("R_co", bound=Stamped, covariant=True)


class Source(Protocol[R_co]):
    async def next_page(self) -> Sequence[R_co] | None:
        """The next batch of records (possibly empty), or ``None`` when exhausted."""

    async def aclose(self) -> None:
        """Stop fetching and wait until nothing is in flight."""

    def cancel(self) -> None:
        """Stop fetching without waiting (safe from ``__del__``)."""


class HistoryIterator(Generic[R]):
    """An async iterator over history records, fetching one page at a time when needed.

    The history calls (`funding.iter_deposits()`, ...) return one; you do not build it
    yourself. Use `async for record in it`; `await it.aclose()` (or `async with it:`) stops
    all fetching, including pages prefetched by concurrent workers. Leaving an `async for`
    with `break` stops it too once the iterator is no longer referenced; when you keep a
    reference to it, close it. Memory stays bounded by a few pages.

    Iterating raises what the underlying requests raise (see the call that made it), and
    [`PagingError`][okxasync.PagingError] when one millisecond holds more records than the
    largest page, or when page-index pages (RFQ history) make no progress. After an
    error the iterator stays open: iterating again resumes where it stopped (the failed
    request is sent again; with `concurrency > 1` or several currencies the other
    fetches went on meanwhile), so catching the error, backing off and iterating on
    yields every record exactly once.

    Args:
        source: Where the pages come from (the library's pagers).
        what: What is iterated, for `repr()` (e.g. `Deposit from GET
            /api/v5/asset/deposit-history ccy='USDT'`).
    """

    def __init__(self, source: Source[R], what: str = "") -> None:
        self._source = source
        self._what = what
        self._buffer: deque[R] = deque()
        self._exhausted = False
        self._yielded = 0

    def __repr__(self) -> str:
        """What is iterated and how far: ``<HistoryIterator Deposit from GET
        /api/v5/asset/deposit-history ccy='USDT' since=... : 120 yielded, open>``."""
        state = "finished" if self._exhausted else "open"
        what = f" {self._what}" if self._what else ""
        return f"<HistoryIterator{what}: {self._yielded} yielded, {state}>"

    def __aiter__(self) -> HistoryIterator[R]:
        return self

    async def __anext__(self) -> R:
        while not self._buffer:
            if self._exhausted:
                raise StopAsyncIteration
            page = await self._source.next_page()
            if page is None or self._exhausted:  # exhausted: closed while fetching
                self._exhausted = True
                raise StopAsyncIteration
            self._buffer.extend(page)
        self._yielded += 1
        return self._buffer.popleft()

    async def aclose(self) -> None:
        """Stop fetching; cancel and wait for any request in flight. Safe to call twice."""
        self._exhausted = True
        self._buffer.clear()
        await self._source.aclose()

    async def __aenter__(self) -> HistoryIterator[R]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        self._source.cancel()
