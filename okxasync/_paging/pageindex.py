"""Page-index paging (RFQ trade history): ``pageIdx`` pages newest first, skipping trades
that new trades pushed onto later pages."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

from .. import models as m
from .._errors import ResponseError
from .cursors import next_page_index, stamps_of

__all__ = ["IndexPages", "SeenTrades"]


class IndexPages:
    """RFQ history by ``pageIdx``, skipping trades that later pages repeat."""

    def __init__(self, fetch: Callable[[int], Awaitable[m.HistoryPage]], page_size: int) -> None:
        self._fetch = fetch
        self._page_size = page_size
        self._index: int | None = 0
        self._seen = SeenTrades()

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
