"""Page-index paging (RFQ trade history): ``pageIdx`` pages newest first, skipping trades
that new trades pushed onto later pages."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

from .. import models as m
from .._errors import OkxError, PagingError, ResponseError
from .cursors import next_page_index, stamps_of

__all__ = ["MAX_STALLS", "IndexPages", "SeenTrades"]

#: Full pages in a row that may bring no new trade: new trades can push a whole page of
#: trades already yielded onto the next index, once; more means the server is not paging.
MAX_STALLS = 1


class IndexPages:
    """RFQ history by ``pageIdx``, skipping trades that later pages repeat.

    Stops with :class:`PagingError` when the pages make no progress (a server that ignores
    ``pageIdx``, with or without ``totalPageCnt``, would otherwise be asked forever): a
    page equal to the one before, or more than ``MAX_STALLS`` full pages in a row without
    a trade not yielded before. Such an error (and a page out of order) is raised again
    by every later call: the pages cannot be trusted, and the iteration never just ends.
    """

    def __init__(self, fetch: Callable[[int], Awaitable[m.HistoryPage]], page_size: int) -> None:
        self._fetch = fetch
        self._page_size = page_size
        self._index: int | None = 0
        self._seen = SeenTrades()
        self._last_ids: list[str] = []
        self._stalls = 0
        self._failure: OkxError | None = None

    async def next_page(self) -> list[m.HistoryTrade] | None:
        index = self._index
        if index is None:
            return None
        if self._failure is not None:  # raised afresh: its traceback does not grow
            raise self._failure.with_traceback(None)
        page = await self._fetch(index)
        try:
            fresh = self._seen.fresh(page.trades)
            self._check_progress(index, [t.trade_id for t in page.trades], bool(fresh))
        except (PagingError, ResponseError) as error:
            self._failure = error
            raise
        self._index = next_page_index(index, len(page.trades), self._page_size, page.total_page_cnt)
        return fresh

    def _check_progress(self, index: int, ids: list[str], fresh: bool) -> None:
        if ids and ids == self._last_ids:
            reason = (
                f"RFQ history page {index} repeats page {index - 1}: the server ignores pageIdx"
            )
            raise PagingError(None, self._page_size, reason)
        self._last_ids = ids
        self._stalls = 0 if fresh else self._stalls + 1
        if self._stalls > MAX_STALLS and len(ids) >= self._page_size:
            reason = (
                f"RFQ history pages {index - self._stalls + 1}..{index} brought no new trade:"
                " the server does not page by pageIdx"
            )
            raise PagingError(None, self._page_size, reason)

    async def aclose(self) -> None:
        self._index = None

    def cancel(self) -> None:
        self._index = None


class SeenTrades:
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
        stamps = stamps_of(trades, 0, None, "RFQ history")
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
