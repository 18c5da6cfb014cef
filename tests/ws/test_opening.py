"""The promise at the edges (found by review; each test failed before its fix): changes
made while a stream opens, while REST is down at the open, behind a skewed clock, to a
pending record older than a page, and with a small `WatchTiming.recent`."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import pytest
from ws_helpers import RATES, consuming, opened, until

import okxasync
from okxasync.testing import Activity, FakeExchange, Faults, WsFaults

#: Slow enough for a change to land inside a stream's opening read (latency 0.3 s/answer).
OPENING = okxasync.WatchTiming(
    ping_after=5, pong_timeout=2, login_timeout=5, backoff_base=0.02, backoff_cap=0.2, overlap=10
)


Polled = Literal["poll", "websocket"]


@contextlib.asynccontextmanager
async def exchange(
    timing: okxasync.WatchTiming = OPENING, **options: Any
) -> AsyncIterator[tuple[FakeExchange, okxasync.Client]]:
    async with (
        FakeExchange(seed=1, rate_limits=RATES, activity=Activity(paused=True), **options) as fake,
        okxasync.Client(
            base_url=fake.url, rate_limits=RATES, watch_timing=timing, **fake.credentials
        ) as client,
    ):
        yield fake, client


def deposit(fake: FakeExchange, ts_ms: int) -> dict[str, str]:
    """A new pending deposit created at ``ts_ms`` (pushed to subscribers)."""
    assert fake.activity is not None
    return fake.activity.new_deposit(ts_ms)


def credit(fake: FakeExchange, row: dict[str, str], state: str) -> None:
    """Move a deposit to ``state`` at the server (pushed to subscribers)."""
    row["state"] = state
    fake.state.changed("deposit", row)


async def subscribed(fake: FakeExchange) -> None:
    await until(lambda: bool(fake.ws.subscriptions()))


@pytest.mark.parametrize("states", [["1"], ["1", "2"]], ids=["credited", "final"])
async def test_a_change_made_while_the_stream_opens_is_yielded(states: list[str]) -> None:
    """The opening read (a few slow answers) already shows the change and took it for the
    state before the stream opened; its push was then a duplicate: never yielded."""
    async with exchange(latency=0.3) as (fake, client):
        row = deposit(fake, fake._now_ms() - 3000)  # pending before the open
        stream = client.funding.watch_deposits(reconcile_every=0.5)
        async with consuming(stream) as seen:
            await subscribed(fake)
            assert stream.stats.fills == 0  # the opening read is still running
            for state in states:
                credit(fake, row, state)
            await until(lambda: seen.last().get(row["depId"]) == states[-1], within=10)
    assert [p for p in seen.pairs if p[0] == row["depId"]] == [(row["depId"], states[-1])]


@pytest.mark.parametrize("skew_ms", [0, 20_000], ids=["synced", "client 20 s behind"])
async def test_with_since_a_push_older_than_the_read_does_not_win(skew_ms: int) -> None:
    """With `since=`, a record read in its new state was followed by the held push of its
    previous state: the consumer ended on the old state, the new one a 'duplicate' (and
    still so with the client's clock behind the server's, until streams learnt it)."""
    async with exchange(latency=0.3, clock_skew_ms=skew_ms) as (fake, client):
        stream = client.funding.watch_deposits(since=fake._now_ms() - 1000, reconcile_every=0.5)
        async with consuming(stream) as seen:
            await subscribed(fake)
            row = deposit(fake, fake._now_ms())  # pushed, state 0
            await asyncio.sleep(0.2)
            credit(fake, row, "1")
            await until(lambda: stream.stats.fills >= 3, within=15)
    mine = [p for p in seen.pairs if p[0] == row["depId"]]
    assert mine and mine[-1] == (row["depId"], "1") and len(mine) == len(set(mine))


async def test_changes_while_rest_is_down_at_the_open_are_yielded() -> None:
    """The opening read failed and was retried while pushes waited; what changed meanwhile
    was read as the state before the stream opened, and swallowed."""
    async with exchange() as (fake, client):
        rows = [deposit(fake, fake._now_ms() - 5000) for _ in range(3)]
        fake.faults = Faults(rate=1.0, kinds=("busy_503",))  # REST down
        stream = client.funding.watch_deposits(reconcile_every=0.5)
        async with consuming(stream) as seen:
            await subscribed(fake)
            for row in rows:
                credit(fake, row, "1")
                credit(fake, row, "2")
            await until(lambda: fake.injected.get("busy_503", 0) >= 3)
            fake.faults = Faults()
            await until(lambda: all(seen.last().get(r["depId"]) == "2" for r in rows))
    assert sorted(seen.pairs) == sorted((r["depId"], "2") for r in rows)


async def test_a_push_behind_a_skewed_clock_is_read_back_at_once() -> None:
    """The client's clock 20 s ahead (the API accepts it, so no sync): a push after a fill
    looked older than the fill and was dropped until the next fill (`reconcile_every`)."""
    async with exchange(clock_skew_ms=-20_000) as (fake, client):
        row = deposit(fake, fake._now_ms() - 60_000)
        stream = client.funding.watch_deposits(reconcile_every=30)
        async with consuming(stream) as seen:
            await until(lambda: stream.stats.fills >= 2)  # opened, and filled once live
            credit(fake, row, "1")
            started = time.monotonic()
            await until(lambda: bool(seen.pairs), within=20)
            waited = time.monotonic() - started
    assert seen.pairs == [(row["depId"], "1")]
    assert waited < 15  # read back by id at once, not at the next fill 30 s later


async def test_a_credit_pushed_behind_a_skewed_clock_is_yielded_though_it_moves_on() -> None:
    """With the client's clock 20 s ahead, the push of a credit looked older than the last
    fill: read back by id, it was already final, and the credit was never yielded."""
    async with exchange(clock_skew_ms=-20_000) as (fake, client):
        row = deposit(fake, fake._now_ms() - 60_000)
        stream = client.funding.watch_deposits(reconcile_every=30)
        async with consuming(stream) as seen:
            await until(lambda: stream.stats.fills >= 2)
            credit(fake, row, "1")
            credit(fake, row, "2")
            await until(lambda: seen.last().get(row["depId"]) == "2", within=20)
    assert seen.pairs == [(row["depId"], "1"), (row["depId"], "2")]


@pytest.mark.parametrize("transport", ["poll", "websocket"])
async def test_a_pending_record_older_than_a_page_is_followed(transport: Polled) -> None:
    """Only the newest 100 records of each unsettled state (all currencies) were tracked:
    an older pending deposit's credit was lost when no push told it."""
    timing = okxasync.WatchTiming(
        ping_after=5, pong_timeout=2, login_timeout=5, backoff_base=0.02, overlap=2, poll_every=0.3
    )
    async with exchange(timing) as (fake, client):
        hour_ago = fake._now_ms() - 3_600_000
        rows = [deposit(fake, hour_ago + i * 1000) for i in range(120)]
        oldest = rows[0]
        stream = client.funding.watch_deposits(
            ccy=oldest["ccy"], transport=transport, reconcile_every=0.3
        )
        async with consuming(stream) as seen:
            await opened(stream)
            fake.ws_faults = WsFaults(lose=1.0)  # no push arrives
            credit(fake, oldest, "1")
            await until(lambda: bool(seen.pairs), within=10)
    assert seen.pairs == [(oldest["depId"], "1")]


@pytest.mark.parametrize("transport", ["poll", "websocket"])
async def test_a_small_recent_never_repeats_a_record(transport: Polled) -> None:
    """Past `WatchTiming.recent` settled records the oldest were forgotten though the
    next fill read them again: each was yielded again at every fill."""
    timing = okxasync.WatchTiming(
        ping_after=5, pong_timeout=2, login_timeout=5, overlap=10, poll_every=0.3, recent=2
    )
    async with exchange(timing) as (fake, client):
        stream = client.funding.watch_deposits(transport=transport, reconcile_every=0.3)
        async with consuming(stream) as seen:
            await opened(stream)
            rows = [deposit(fake, fake._now_ms()) for _ in range(6)]
            for row in rows:
                credit(fake, row, "2")
            fills = stream.stats.fills
            await until(lambda: stream.stats.fills >= fills + 5)
    repeated = {k: n for k, n in collections.Counter(seen.pairs).items() if n > 1}
    assert not repeated
    assert {r["depId"] for r in rows} <= {i for i, state in seen.pairs if state == "2"}
