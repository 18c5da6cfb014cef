"""Shared by the history-iterator tests: an emulator and a client with rate limits out of
the way, and waiting for requests to stop arriving."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cancel_helpers import cancelled_while_closing

import okxasync
from okxasync import HistoryIterator
from okxasync._ratelimit import BUCKETS
from okxasync.testing import FakeExchange

#: Generous limits, enforced by the emulator and kept by the client alike.
#: Every rate-limit bucket out of the way (the paging tests are not about the limits).
FAST = {name: okxasync.Rate(1000, 1.0) for name in BUCKETS}


@contextlib.asynccontextmanager
async def fast_exchange(
    latency: float = 0.0, *, seed: int = 0, history_size: int | None = None
) -> AsyncIterator[tuple[FakeExchange, okxasync.Client]]:
    """An emulator (``seed``, optionally ``history_size`` generated records) and a client,
    both at ``FAST`` rates (paging speed is not the point), ``latency`` seconds of round
    trip apart."""
    async with (
        FakeExchange(
            seed=seed, rate_limits=FAST, latency=latency, history_size=history_size
        ) as fake,
        okxasync.Client(base_url=fake.url, rate_limits=FAST, **fake.credentials) as client,
    ):
        yield fake, client


async def requests_settle(fake: FakeExchange, quiet: float) -> int:
    """The request count once nothing new has arrived for ``quiet`` seconds."""
    count = -1
    while count != len(fake.requests):
        count = len(fake.requests)
        await asyncio.sleep(quiet)
    return count


async def cancel_consumer(fake: FakeExchange, records: AsyncIterator[object]) -> int:
    """Consume ``records`` in a task, cancel it after 0.3 s, and return how many requests
    the emulator saw, checking that none arrives later."""

    async def consume() -> None:
        async for _ in records:
            pass

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0.3)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled()
    settled = await requests_settle(fake, 0.15)
    await asyncio.sleep(0.3)
    assert len(fake.requests) == settled
    return settled


async def closes_quietly_after_a_cancelled_close(
    fake: FakeExchange, records: HistoryIterator[Any]
) -> None:
    """Cancel ``records.aclose()`` while it waits: the cancel is raised, no request
    follows, a second ``aclose()`` completes, and the iterator is over."""
    await cancelled_while_closing(records.aclose())  # was swallowed
    settled = await requests_settle(fake, 0.1)
    await asyncio.sleep(0.3)
    assert len(fake.requests) == settled
    await records.aclose()  # a second close completes
    with pytest.raises(StopAsyncIteration):
        await records.__anext__()
