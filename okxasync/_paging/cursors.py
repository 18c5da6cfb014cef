"""Cursor arithmetic of the history endpoints: pure functions over timestamps and page
indexes (see the package docstring for why a page's oldest millisecond is held back)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from .._errors import ResponseError
from .._http.encode import Millis

__all__ = [
    "MAX_CONCURRENCY",
    "MAX_PAGE",
    "MIN_SPLIT_PAGES",
    "FullMillisecond",
    "Stamped",
    "cursor_args",
    "held_back",
    "next_page_index",
    "stamps_of",
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


def cursor_args(lo: int, hi: int | None, limit: int) -> dict[str, int]:
    """Query arguments selecting ``lo <= ts < hi`` (``hi=None``: no upper bound).

    ``after`` and ``before`` are exclusive on the wire, hence ``before = lo - 1``
    (left out for ``lo = 0``: no timestamp is negative).
    """
    args = {"limit": limit}
    if hi is not None:
        args["after"] = Millis(hi)
    if lo > 0:
        args["before"] = Millis(lo - 1)
    return args


def held_back(stamps: Sequence[int], limit: int) -> int | None:
    """The millisecond a page must leave for the next page, or ``None`` for the last page.

    A page shorter than ``limit`` holds every record of its window. A full page may
    have cut its oldest millisecond in two, so that millisecond is held back: only
    records strictly newer are final, and the next page starts at it (``after = ms + 1``).
    Raises :class:`FullMillisecond` when a full page is all one millisecond.
    """
    if len(stamps) < limit:
        return None
    oldest = min(stamps)
    if oldest == max(stamps):
        raise FullMillisecond(oldest)
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


class FullMillisecond(Exception):
    def __init__(self, ts_ms: int) -> None:
        self.ts_ms = ts_ms


def stamps_of(records: Sequence[Stamped], lo: int, hi: int | None, what: str) -> list[int]:
    """Each record's ``ts``; a missing one, or one outside ``[lo, hi)``, is a bad response."""
    stamps: list[int] = []
    for record in records:
        ts = record.ts_ms
        if ts is None or ts < lo or (hi is not None and ts >= hi):
            reason = f"{what}: record ts {ts!r} is outside the requested [{lo}, {hi})"
            raise ResponseError(reason, 200, b"")
        stamps.append(ts)
    return stamps
