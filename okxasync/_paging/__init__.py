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

from .cursors import MAX_PAGE, cursor_args, held_back, next_page_index
from .history import iter_rfq_history, iter_time_paged
from .iterator import HistoryIterator
from .merge import newest_first, take_newest

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
]
