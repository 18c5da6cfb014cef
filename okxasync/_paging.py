"""History iterators: lazy, streaming, cancellable paging over the history endpoints.

Two kinds of paging:

* **Time cursors** (deposits, withdrawals, bills): the API's ``after=T`` returns records
  strictly older than ``T`` and ``before=T`` strictly newer, newest first, at most
  ``limit`` per page. A full page may end in the middle of a millisecond, and
  ``after=oldest_ts`` would lose the rest of it, so a page's oldest millisecond is
  *held back* and fetched again, whole, at the head of the next page (``after=oldest+1``).
  Every yielded record therefore comes from a page that held its millisecond completely:
  each record is yielded exactly once, without remembering ids. Only a millisecond with
  more records than a page can hold defeats this; a smaller ``page_size`` is then widened
  to the API's maximum for that millisecond, and beyond that :class:`PagingError` names it.
* **Page indexes** (RFQ trade history): ``pageIdx`` counts from 0; new trades push older
  ones to later pages while paging, so trades already yielded are skipped (only the ids at
  the oldest millisecond seen so far are remembered: pages are newest first).

The cursor arithmetic is pure functions (:func:`cursor_args`, :func:`held_back`,
:func:`next_page_index`); :class:`HistoryIterator` drives one *source* of pages. With
``concurrency=k`` the window ``[since, until)`` is cut into half-open time shards paged
by ``k`` workers (a record on a boundary belongs to one shard); a worker that runs out of
work splits the unfinished shard expected to hold the most, so uneven histories keep all
workers busy. Without ``since`` the history's start is unknown: shards then grow
geometrically from the newest records down, instead of halving the time back to 1970.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from . import models as m
from ._endpoints import RFQ_HISTORY, Endpoint
from ._errors import PagingError, ResponseError, ValidationError
from ._params import ccy_codes, encode, to_ms
from ._ratelimit import Priority

if TYPE_CHECKING:
    from ._client import Client

__all__ = [
    "MAX_PAGE",
    "HistoryIterator",
    "cursor_args",
    "held_back",
    "iter_rfq_history",
    "iter_time_paged",
    "newest_first",
    "next_page_index",
    "take_newest",
    "union_page",
]

#: The API's largest page (``limit`` / ``pageSz``).
MAX_PAGE = 100
#: A bounded time shard is split only when it is expected to hold this many pages.
MIN_SPLIT_PAGES = 4
#: More workers than this cannot help: every rate group admits fewer requests per window.
MAX_CONCURRENCY = 32


class Stamped(Protocol):
    """A history record: its ``ts`` in Unix milliseconds (``None`` if the server left it out)."""

    @property
    def ts_ms(self) -> int | None: ...


R = TypeVar("R", bound=Stamped)
R_co = TypeVar("R_co", bound=Stamped, covariant=True)
T = TypeVar("T")
Fetch = Callable[[Mapping[str, int]], Awaitable[list[R]]]


# ---------------------------------------------------------------- cursor arithmetic


def cursor_args(lo: int, hi: int | None, limit: int) -> dict[str, int]:
    """Query arguments selecting ``lo <= ts < hi`` (``hi=None``: no upper bound).

    ``after`` and ``before`` are exclusive on the wire, hence ``before = lo - 1``
    (left out for ``lo = 0``: no timestamp is negative).
    """
    args = {"limit": limit}
    if hi is not None:
        args["after"] = hi
    if lo > 0:
        args["before"] = lo - 1
    return args


def held_back(stamps: Sequence[int], limit: int) -> int | None:
    """The millisecond a page must leave for the next page, or ``None`` for the last page.

    A page shorter than ``limit`` holds every record of its window. A full page may
    have cut its oldest millisecond in two, so that millisecond is held back: only
    records strictly newer are final, and the next page starts at it (``after = ms + 1``).
    Raises :class:`_FullMillisecond` when a full page is all one millisecond.
    """
    if len(stamps) < limit:
        return None
    oldest = min(stamps)
    if oldest == max(stamps):
        raise _FullMillisecond(oldest)
    return oldest


def next_page_index(index: int, count: int, page_size: int, total_pages: int | None) -> int | None:
    """The ``pageIdx`` after page ``index`` (0-based) that held ``count`` trades, or ``None``.

    A short or empty page is the last. ``totalPageCnt`` ends a full page's run when it
    is consistent (more than ``index``); a value the current page contradicts is ignored.
    """
    if count < page_size:
        return None
    if total_pages is not None and total_pages > index and index + 1 >= total_pages:
        return None
    return index + 1


class _FullMillisecond(Exception):
    def __init__(self, ts_ms: int) -> None:
        self.ts_ms = ts_ms


def _stamps(records: Sequence[Stamped], lo: int, hi: int | None, what: str) -> list[int]:
    """Each record's ``ts``; a missing one, or one outside ``[lo, hi)``, is a bad response."""
    stamps: list[int] = []
    for record in records:
        ts = record.ts_ms
        if ts is None or ts < lo or (hi is not None and ts >= hi):
            reason = f"{what}: record ts {ts!r} is outside the requested [{lo}, {hi})"
            raise ResponseError(reason, 200, b"")
        stamps.append(ts)
    return stamps


# ------------------------------------------------------------------- time shards


class _Shard:
    """The part ``[lo, hi)`` of a window still to fetch (``hi=None``: not yet bounded).

    ``density`` (records per ms) is measured from the shard's own last full page
    (``observed``), or inherited from the shard it was split from. ``floorless``: ``lo``
    is no real bound (no ``since`` was given), the history may end anywhere above it.
    """

    def __init__(
        self, lo: int, hi: int | None, *, density: float | None = None, floorless: bool = False
    ) -> None:
        self.lo = lo
        self.hi = hi
        self.density = density
        self.floorless = floorless
        self.observed = False

    @property
    def done(self) -> bool:
        return self.hi is not None and self.hi <= self.lo

    @property
    def span(self) -> int:
        return 0 if self.hi is None else max(0, self.hi - self.lo)

    def expected(self) -> float:
        """Records expected in the rest of the shard (0 when unknown)."""
        return (self.density or 0.0) * self.span

    def observe(self, stamps: Sequence[int]) -> None:
        self.density = len(stamps) / (max(stamps) - min(stamps) + 1)
        self.observed = True

    def keep_for(self, records: float, parts: int) -> int:
        """How many ms the owner keeps when split: ``1/parts`` of the time left, but for a
        floorless shard only about ``records`` records' worth, so that the older part
        starts where records are rather than far back towards 1970, where each probe
        would cost a request and find nothing."""
        if self.floorless and self.density:
            return math.ceil(records / self.density)
        return self.span // parts

    def split(self, keep_ms: int) -> _Shard:
        """Give away the older part: keep ``[hi - keep_ms, hi)``, return ``[lo, hi - keep_ms)``
        (both non-empty: ``keep_ms`` is clamped)."""
        assert self.hi is not None and self.span >= 2
        mid = self.hi - min(max(keep_ms, 1), self.span - 1)
        older = _Shard(self.lo, mid, density=self.density, floorless=self.floorless)
        self.lo, self.floorless = mid, False
        return older


class _TimePager(Generic[R]):
    """Fetches the next page of a shard and advances it (see the module docstring)."""

    def __init__(self, fetch: Fetch[R], limit: int, what: str) -> None:
        self._fetch = fetch
        self.limit = limit
        self._what = what

    async def next_page(self, shard: _Shard) -> list[R]:
        """Final records of the next page of ``shard``, newest first; advances ``shard``.

        ``shard.lo`` may rise while the request is in flight (a split gave the older
        part away); records below it are dropped here, the new shard fetches them.
        """
        lo, hi = shard.lo, shard.hi
        page = await self._fetch(cursor_args(lo, hi, self.limit))
        stamps = _stamps(page, lo, hi, self._what)
        try:
            cut = held_back(stamps, self.limit)
            keep, shard.hi = (page, lo) if cut is None else (_newer(page, cut), cut + 1)
            if cut is not None:
                shard.observe(stamps)
        except _FullMillisecond as full:
            keep, shard.hi = await self._whole_millisecond(full.ts_ms), full.ts_ms
        return [r for r in keep if (r.ts_ms or 0) >= shard.lo]

    async def _whole_millisecond(self, ts_ms: int) -> list[R]:
        """Every record of one millisecond, in one page of the largest size the API allows."""
        if self.limit < MAX_PAGE:
            page = await self._fetch(cursor_args(ts_ms, ts_ms + 1, MAX_PAGE))
            _stamps(page, ts_ms, ts_ms + 1, self._what)
            if len(page) < MAX_PAGE:
                return page
        raise PagingError(ts_ms, MAX_PAGE)


def _newer(page: list[R], ts_ms: int) -> list[R]:
    return [r for r in page if (r.ts_ms or 0) > ts_ms]


# ------------------------------------------------------------------------ sources


class _Source(Protocol[R_co]):
    async def next_page(self) -> Sequence[R_co] | None:
        """The next batch of records (possibly empty), or ``None`` when exhausted."""

    async def aclose(self) -> None:
        """Stop fetching and wait until nothing is in flight."""

    def cancel(self) -> None:
        """Stop fetching without waiting (safe from ``__del__``)."""


class _Sequential(Generic[R]):
    """One shard, one request at a time, each made inside the consumer's ``__anext__``."""

    def __init__(self, pager: _TimePager[R], lo: int, hi: int | None) -> None:
        self._pager = pager
        self._shard = _Shard(lo, hi)
        self._closed = False

    async def next_page(self) -> list[R] | None:
        if self._closed or self._shard.done:
            return None
        return await self._pager.next_page(self._shard)

    async def aclose(self) -> None:
        self._closed = True

    def cancel(self) -> None:
        self._closed = True


@dataclass(frozen=True)
class _Failed:
    """A worker's error, delivered in order with the pages."""

    error: Exception


@dataclass(frozen=True)
class _Done:
    """Every worker has finished."""


class _Concurrent(Generic[R]):
    """``workers`` tasks paging time shards into a bounded queue.

    The first page is fetched alone (a small export stays one request, and it bounds
    an open ``until``); then the rest is cut, one shard per worker (``_cut``). Each
    worker pages its shard to the end, then splits the shard expected to hold the most
    records, when worth it, and takes its older part; with nothing worth splitting it
    waits for the next page's news. The queue holds at most ``workers`` pages, so memory
    is bounded and fetching pauses when the consumer does. Workers reference only this
    object, never the iterator, so dropping the iterator (a ``break``) lets it be
    collected and cancel them.
    """

    def __init__(self, pager: _TimePager[R], lo: int, hi: int | None, workers: int) -> None:
        self._pager = pager
        self._workers = workers
        self._first: _Shard | None = _Shard(lo, hi, floorless=lo == 0)
        self._active: list[_Shard] = []
        self._queue: asyncio.Queue[list[R] | _Failed | _Done] = asyncio.Queue(maxsize=workers)
        self._progress = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._running = 0
        self._pages = 0  # fetched so far, by every worker
        self._closed = False

    async def next_page(self) -> list[R] | None:
        if self._closed:
            return None
        if self._first is not None:
            return await self._first_page(self._first)
        item = await self._queue.get()
        if isinstance(item, _Failed):
            await self.aclose()
            raise item.error
        if isinstance(item, _Done):
            self._closed = True
            return None
        return item

    async def _first_page(self, shard: _Shard) -> list[R]:
        page = await self._pager.next_page(shard)
        self._pages, self._first = 1, None
        if shard.done:
            self._closed = True
        else:
            owned = self._cut(shard)
            self._active += owned
            self._running = len(owned)
            self._tasks = [asyncio.ensure_future(self._work(own)) for own in owned]
        return page

    def _cut(self, shard: _Shard) -> list[_Shard]:
        """The first shards, one per worker: equal parts of a bounded window; for a
        floorless one, chunks of ``MIN_SPLIT_PAGES`` pages and the rest."""
        shards = [shard]
        for parts in range(self._workers, 1, -1):
            tail = shards[-1]
            if tail.span < 2 or not self._worth_splitting(tail, observed=True):
                break
            shards.append(tail.split(tail.keep_for(self._chunk(), parts)))
        return shards

    def _steal(self) -> _Shard | None:
        """The older part of the shard expected to hold the most, if worth it; now active."""
        eligible = [s for s in self._active if s.span >= 2 and self._worth_splitting(s)]
        victim = max(eligible, key=_Shard.expected, default=None)
        if victim is None:
            return None
        shard = victim.split(victim.keep_for(self._chunk(), 2))
        self._active.append(shard)
        return shard

    def _worth_splitting(self, shard: _Shard, observed: bool = False) -> bool:
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

    async def _work(self, shard: _Shard | None) -> None:
        try:
            while self._active:
                if shard is None:
                    await self._progress.wait()
                else:
                    await self._page_through(shard)
                shard = self._steal()
        except Exception as error:
            await self._queue.put(_Failed(error))
            return
        self._running -= 1
        if self._running == 0:
            await self._queue.put(_Done())

    async def _page_through(self, shard: _Shard) -> None:
        while not shard.done:
            page = await self._pager.next_page(shard)
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
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def cancel(self) -> None:
        self._closed = True
        self._first = None
        for task in self._tasks:
            if not task.done() and not task.get_loop().is_closed():
                task.cancel()


class _IndexPages:
    """RFQ history by ``pageIdx``, skipping trades that later pages repeat."""

    def __init__(self, fetch: Callable[[int], Awaitable[m.HistoryPage]], page_size: int) -> None:
        self._fetch = fetch
        self._page_size = page_size
        self._index: int | None = 0
        self._seen = _SeenTrades()

    async def next_page(self) -> list[m.HistoryTrade] | None:
        index = self._index
        if index is None:
            return None
        page = await self._fetch(index)
        self._index = next_page_index(index, len(page.trades), self._page_size, page.total_page_cnt)
        return self._seen.fresh(page.trades)

    async def aclose(self) -> None:
        self._index = None

    def cancel(self) -> None:
        self._index = None


class _SeenTrades:
    """Which trades were yielded, for pages ordered newest first.

    A trade newer than the oldest millisecond yielded so far was on an earlier page
    (it was pushed down by new trades); at that millisecond itself the ids decide.
    So only the ids of one millisecond are kept, however long the history.
    """

    def __init__(self) -> None:
        self.ts: int | None = None
        self.ids: set[str] = set()

    def fresh(self, trades: list[m.HistoryTrade]) -> list[m.HistoryTrade]:
        """The trades of a page not yielded before; raises :class:`ResponseError` if the
        page is not newest first (then repeats could not be told from new trades)."""
        stamps = _stamps(trades, 0, None, "RFQ history")
        if any(a < b for a, b in itertools.pairwise(stamps)):
            raise ResponseError("RFQ history page is not ordered newest first", 200, b"")
        out = []
        for trade, ts in zip(trades, stamps, strict=True):
            if self._seen(ts, trade.trade_id):
                continue
            if self.ts is None or ts < self.ts:
                self.ts, self.ids = ts, set()
            self.ids.add(trade.trade_id)
            out.append(trade)
        return out

    def _seen(self, ts: int, trade_id: str) -> bool:
        return self.ts is not None and (ts > self.ts or (ts == self.ts and trade_id in self.ids))


# ------------------------------------------------------------- several currencies


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


class _Fanout(Generic[R]):
    """Several sources (one per currency), each with at most one ``next_page`` in flight.

    Its tasks reference the sources only, never this object, so dropping the iterator
    cancels them (``cancel`` from ``__del__``). A failure closes every source.
    """

    def __init__(self, sources: Sequence[_Source[R]]) -> None:
        self._sources = list(sources)
        self._live = [True] * len(sources)
        self._tasks: dict[int, asyncio.Task[Sequence[R] | None]] = {}
        self._closed = False

    def _start(self, index: int) -> None:
        if index not in self._tasks:
            self._tasks[index] = asyncio.ensure_future(self._sources[index].next_page())

    async def _next_done(self) -> tuple[int, Sequence[R] | None] | None:
        """A finished fetch (the lowest-numbered one if several are done): its source and
        page (``None`` once that source is exhausted); ``None`` if closed meanwhile. A
        cancelled caller loses nothing: the fetches go on and the next call collects them."""
        done = [i for i, task in self._tasks.items() if task.done()]
        if not done:
            await asyncio.wait(self._tasks.values(), return_when=asyncio.FIRST_COMPLETED)
            if self._closed:
                return None
            done = [i for i, task in self._tasks.items() if task.done()]
        index = min(done)
        try:
            page = self._tasks.pop(index).result()
        except Exception:
            await self.aclose()
            raise
        if page is None:
            self._live[index] = False
        return index, page

    async def aclose(self) -> None:
        tasks = list(self._tasks.values())
        self.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for source in self._sources:
            await source.aclose()

    def cancel(self) -> None:
        self._closed = True
        tasks, self._tasks = self._tasks, {}
        for task in tasks.values():
            if not task.done() and not task.get_loop().is_closed():
                task.cancel()
        for source in self._sources:
            source.cancel()


class _Merged(_Fanout[R]):
    """Sources whose pages are newest first, k-way merged newest first (ties: sources in
    order). A source's next page is fetched only when its buffer is empty and a record
    is needed; sources that all need one (at the start) are fetched concurrently."""

    def __init__(self, sources: Sequence[_Source[R]]) -> None:
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


class _Interleaved(_Fanout[R]):
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


# ----------------------------------------------------------------------- iterator


class HistoryIterator(Generic[R]):
    """An async iterator over history records, fetching one page at a time when needed.

    Use ``async for record in it``; ``await it.aclose()`` (or ``async with it:``) stops
    all fetching, including pages prefetched by concurrent workers. Leaving an
    ``async for`` with ``break`` stops it too once the iterator is no longer referenced;
    when you keep a reference to it, close it. Memory stays bounded by a few pages.
    """

    def __init__(self, source: _Source[R]) -> None:
        self._source = source
        self._buffer: deque[R] = deque()
        self._exhausted = False

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


# ------------------------------------------------------------------- constructors


def _window(since: object, until: object) -> tuple[int, int | None]:
    lo = 0 if since is None else to_ms("since", since)
    hi = None if until is None else to_ms("until", until)
    if hi is not None and lo >= hi:
        raise ValidationError(f"since must be before until, got since={lo} ms, until={hi} ms")
    return lo, hi


def _count(name: str, value: object, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValidationError(f"{name} must be an int from 1 to {most}, got {value!r}")
    return value


def iter_time_paged(
    client: Client,
    endpoint: Endpoint[R],
    filters: Mapping[str, object],
    *,
    since: object,
    until: object,
    page_size: object,
    concurrency: object,
) -> HistoryIterator[R]:
    """Every record of ``endpoint`` matching ``filters`` with ``since <= ts < until``.

    ``filters["ccy"]`` may name up to ``MAX_CCY`` currencies (repeats dropped): the
    endpoint takes one, so each is paged on its own and the streams are merged newest
    first (ties: currencies in the order given), or with ``concurrency > 1`` interleaved
    as pages arrive, the ``concurrency`` budget shared by all (at most that many requests
    in flight). Arguments are validated here, before any request (:class:`ValidationError`).
    """
    lo, hi = _window(since, until)
    limit = _count("page_size", page_size, MAX_PAGE)
    workers = _count("concurrency", concurrency, MAX_CONCURRENCY)
    ccys: Sequence[str | None] = ccy_codes("ccy", filters.get("ccy")) or [None]
    encode(endpoint.params, {**filters, "ccy": ccys[0], **cursor_args(lo, hi, limit)})
    if len(ccys) == 1:
        pager = _time_pager(client, endpoint, {**filters, "ccy": ccys[0]}, limit)
        return HistoryIterator(_time_source(pager, lo, hi, workers))
    gate = asyncio.Semaphore(workers) if workers > 1 else None  # 1: first pages at once
    share = math.ceil(workers / len(ccys))
    sources = [
        _time_source(
            _time_pager(client, endpoint, {**filters, "ccy": c}, limit, gate), lo, hi, share
        )
        for c in ccys
    ]
    return HistoryIterator(_Merged(sources) if workers == 1 else _Interleaved(sources))


def _time_pager(
    client: Client,
    endpoint: Endpoint[R],
    filters: Mapping[str, object],
    limit: int,
    gate: asyncio.Semaphore | None = None,
) -> _TimePager[R]:
    """Pages of ``endpoint`` under ``filters``; at most ``gate``'s count in flight at once."""

    async def fetch(cursor: Mapping[str, int]) -> list[R]:
        async with gate or contextlib.nullcontext():
            return await client.request(endpoint, {**filters, **cursor}, priority=Priority.PAGING)

    return _TimePager(fetch, limit, endpoint.path)


def _time_source(pager: _TimePager[R], lo: int, hi: int | None, workers: int) -> _Source[R]:
    if workers == 1:
        return _Sequential(pager, lo, hi)
    return _Concurrent(pager, lo, hi, workers)


async def union_page(client: Client, endpoint: Endpoint[R], args: Mapping[str, object]) -> list[R]:
    """One page of a history ``endpoint`` for ``args``, whose ``ccy`` may name several
    currencies: one request per currency (concurrently, same filters, cursors and
    ``limit``), merged newest first (ties: currencies in the order given), cut to the
    newest ``limit`` (default 100) — the page the API would return for their union.

    One currency (or none) is one request, as sent. Every argument is validated before
    any request; if one request fails, the others are cancelled and its error is raised.
    """
    ccys: Sequence[str | None] = ccy_codes("ccy", args.get("ccy")) or [None]
    encode(endpoint.params, {**args, "ccy": ccys[0]})
    if len(ccys) == 1:
        return await client.request(endpoint, {**args, "ccy": ccys[0]})
    pages = await _gather([client.request(endpoint, {**args, "ccy": c}) for c in ccys])
    limit = args.get("limit")
    return newest_first(pages)[: limit if isinstance(limit, int) else MAX_PAGE]


async def _gather(calls: Sequence[Awaitable[T]]) -> list[T]:
    """The results of ``calls``, run concurrently. The first failure (or the caller's
    cancellation) cancels the others, waits for them, and is raised."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()  # no-op for those done
        await asyncio.wait(tasks)
    errors = [task.exception() for task in tasks if not task.cancelled()]  # all retrieved
    error = next((e for e in errors if e is not None), None)
    if error is not None:
        raise error
    return [task.result() for task in tasks]


def iter_rfq_history(
    client: Client, *, begin: object, end: object, page_size: object
) -> HistoryIterator[m.HistoryTrade]:
    """Every RFQ trade between ``begin`` and ``end`` (as the API bounds them), newest first."""
    size = _count("page_size", page_size, MAX_PAGE)
    window = {"begin": begin, "end": end}
    encode(RFQ_HISTORY.params, window)
    if begin is not None and end is not None and to_ms("begin", begin) > to_ms("end", end):
        raise ValidationError("begin must not be after end")

    async def fetch(index: int) -> m.HistoryPage:
        args = {**window, "page_sz": size, "page_idx": index}
        pages = await client.request(RFQ_HISTORY, args, priority=Priority.PAGING)
        if not pages:
            raise ResponseError("RFQ history: the server answered with no page", 200, b"")
        return pages[0]

    return HistoryIterator(_IndexPages(fetch, size))
