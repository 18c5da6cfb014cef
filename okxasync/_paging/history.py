"""The history iterators as built for the resources: arguments validated up front,
then a source per currency (time paging, sequential or concurrent) or page indexes."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from .. import models as m
from .._endpoints.base import Endpoint
from .._endpoints.otc import RFQ_HISTORY
from .._errors import ResponseError, ValidationError
from .._http.encode import ccy_codes, to_ms
from .._http.pipeline import Pipeline
from .._ratelimit import Priority, Rate
from .concurrent import Concurrent
from .cursors import MAX_CONCURRENCY, MAX_PAGE, Stamped, cursor_args
from .iterator import HistoryIterator, Source
from .merge import Interleaved, Merged
from .pageindex import IndexPages
from .timepaging import Sequential, TimePager

__all__ = ["check_count", "check_window", "iter_rfq_history", "iter_time_paged"]

R = TypeVar("R", bound=Stamped)


def check_window(since: object, until: object) -> tuple[int, int | None]:
    lo = 0 if since is None else to_ms("since", since)
    hi = None if until is None else to_ms("until", until)
    if hi is not None and lo >= hi:
        raise ValidationError(f"since must be before until, got since={since!r}, until={until!r}")
    return lo, hi


def check_count(name: str, value: object, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValidationError(f"{name} must be an int from 1 to {most}, got {value!r}")
    return value


def iter_time_paged(
    client: Pipeline,
    endpoint: Endpoint[R],
    filters: Mapping[str, object],
    *,
    since: object,
    until: object,
    page_size: object,
    concurrency: object,
    priority: Priority = Priority.PAGING,
) -> HistoryIterator[R]:
    """Every record of ``endpoint`` matching ``filters`` with ``since <= ts < until``.

    ``filters["ccy"]`` may name up to ``MAX_CCY`` currencies (repeats dropped): the
    endpoint takes one, so each is paged on its own and the streams are merged newest
    first (ties: currencies in the order given), or with ``concurrency > 1`` interleaved
    as pages arrive, the ``concurrency`` budget shared by all (at most that many requests
    in flight). Arguments are validated here, before any request (:class:`ValidationError`).
    Pages are fetched at ``priority`` (behind direct calls by default).
    """
    lo, hi = check_window(since, until)
    limit = check_count("page_size", page_size, MAX_PAGE)
    workers = check_count("concurrency", concurrency, MAX_CONCURRENCY)
    ccys: Sequence[str | None] = ccy_codes("ccy", filters.get("ccy")) or [None]
    endpoint.encode({**_for(filters, ccys[0]), **cursor_args(lo, hi, limit)})
    shown = {**filters, "ccy": ccys[0] if len(ccys) == 1 else ccys} if "ccy" in filters else filters
    what = describe(endpoint, shown, since=since, until=until, page_size=limit)
    what += f" concurrency={workers}" if workers > 1 else ""
    rate = _full_rate(client, endpoint)
    if len(ccys) == 1:
        pager = _time_pager(client, endpoint, _for(filters, ccys[0]), limit, priority)
        return HistoryIterator(_time_source(pager, lo, hi, workers, rate), what)
    gate = asyncio.Semaphore(workers) if workers > 1 else None  # 1: first pages at once
    share = math.ceil(workers / len(ccys))
    sources = [
        _time_source(
            _time_pager(client, endpoint, _for(filters, c), limit, priority, gate),
            lo,
            hi,
            share,
            rate,
        )
        for c in ccys
    ]
    return HistoryIterator(Merged(sources) if workers == 1 else Interleaved(sources), what)


def _full_rate(client: Pipeline, endpoint: Endpoint[Any]) -> Rate | None:
    """The most requests of ``endpoint`` its rate limit sends: ``count`` per ``period``
    plus the limiter's margin (``None`` if the limit is unknown)."""
    scheduler = client.scheduler
    rate = scheduler.rates.get(endpoint.group)
    if rate is None:
        return None
    return Rate(rate.count, rate.period + scheduler.limiter.margin)


def _for(filters: Mapping[str, object], ccy: str | None) -> dict[str, object]:
    """``filters`` for one currency (unchanged for endpoints without a ``ccy`` filter)."""
    return {**filters, "ccy": ccy} if "ccy" in filters else dict(filters)


def _time_pager(
    client: Pipeline,
    endpoint: Endpoint[R],
    filters: Mapping[str, object],
    limit: int,
    priority: Priority,
    gate: asyncio.Semaphore | None = None,
) -> TimePager[R]:
    """Pages of ``endpoint`` under ``filters``; at most ``gate``'s count in flight at once."""

    async def fetch(cursor: Mapping[str, int]) -> list[R]:
        async with gate or contextlib.nullcontext():
            return await client.request(endpoint, {**filters, **cursor}, priority=priority)

    return TimePager(fetch, limit, endpoint.path)


def _time_source(
    pager: TimePager[R], lo: int, hi: int | None, workers: int, rate: Rate | None
) -> Source[R]:
    if workers == 1:
        return Sequential(pager, lo, hi)
    return Concurrent(pager, lo, hi, workers, rate)


def iter_rfq_history(
    client: Pipeline, *, begin: object, end: object, page_size: object
) -> HistoryIterator[m.HistoryTrade]:
    """Every RFQ trade between ``begin`` and ``end`` (as the API bounds them), newest first."""
    size = check_count("page_size", page_size, MAX_PAGE)
    window = {"begin": begin, "end": end}
    RFQ_HISTORY.encode(window)
    if begin is not None and end is not None and to_ms("begin", begin) > to_ms("end", end):
        raise ValidationError("begin must not be after end")

    async def fetch(index: int) -> m.HistoryPage:
        args = {**window, "page_sz": size, "page_idx": index}
        pages = await client.request(RFQ_HISTORY, args, priority=Priority.PAGING)
        if not pages:
            raise ResponseError("RFQ history: the server answered with no page", 200, b"")
        return pages[0]

    what = describe(RFQ_HISTORY, {}, begin=begin, end=end, page_size=size)
    what = what.replace(m.HistoryPage.__name__, m.HistoryTrade.__name__, 1)
    return HistoryIterator(IndexPages(fetch, size), what)


def describe(endpoint: Endpoint[Any], filters: Mapping[str, object], **more: object) -> str:
    """``Deposit from GET /api/v5/asset/deposit-history ccy='USDT' since=...``: for reprs;
    arguments that are ``None`` are left out."""
    args = " ".join(f"{k}={_shown(v)}" for k, v in {**filters, **more}.items() if v is not None)
    name = getattr(endpoint.record, "__name__", "record")
    return f"{name} from {endpoint.method} {endpoint.path}" + (f" {args}" if args else "")


def _shown(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value)
    return value.isoformat() if isinstance(value, datetime) else repr(value)
