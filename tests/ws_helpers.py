"""Shared pieces of the event-stream tests: fast timing, the server's truth, a consumer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import anyio

import okxasync
from okxasync.testing import Activity, FakeExchange, WsFaults

#: Fast knobs so that faults are met and healed within a second.
FAST = okxasync.WatchTiming(
    ping_after=0.2,
    pong_timeout=0.3,
    login_timeout=2.0,
    backoff_base=0.02,
    backoff_cap=0.2,
    overlap=2.0,
    poll_every=0.2,
)
AnyStream = okxasync.EventStream[okxasync.Deposit] | okxasync.EventStream[okxasync.WithdrawalRecord]
#: Rates far above what the tests send: gap filling speed is not the point here.
RATES = {"funding": okxasync.Rate(1000, 1.0), "otc": okxasync.Rate(1000, 1.0)}
BUSY = Activity(tick=0.02, new_deposits=0.5, advance=0.3, paused=True)


@dataclass
class Truth:
    """Every change the server makes, by kind, as ``{id: [states...]}`` in order."""

    changes: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: {"deposit": {}, "withdrawal": {}}
    )

    def __call__(self, kind: str, row: dict[str, str]) -> None:
        record_id = row["depId"] if kind == "deposit" else row["wdId"]
        self.changes[kind].setdefault(record_id, []).append(row["state"])

    def last(self, kind: str) -> dict[str, str]:
        return {i: states[-1] for i, states in self.changes[kind].items()}


@dataclass
class Seen:
    """What a stream yielded, in order, as ``(id, state)``."""

    pairs: list[tuple[str, str]] = field(default_factory=list)

    def last(self) -> dict[str, str]:
        return dict(self.pairs)


def pair(record: okxasync.Deposit | okxasync.WithdrawalRecord) -> tuple[str, str]:
    record_id = record.dep_id if isinstance(record, okxasync.Deposit) else record.wd_id
    return record_id, record.state.value


@contextlib.asynccontextmanager
async def exchange(
    seed: int = 0,
    *,
    ws_faults: WsFaults | None = None,
    activity: Activity = BUSY,
    idle_limit: float = 1.0,
    clock_skew_ms: int = 0,
    timing: okxasync.WatchTiming = FAST,
) -> AsyncIterator[tuple[FakeExchange, okxasync.Client, Truth]]:
    """A FakeExchange with (paused) activity, a client with fast timing, and the truth."""
    async with (
        FakeExchange(
            seed=seed,
            rate_limits=RATES,
            activity=activity,
            ws_faults=ws_faults,
            ws_idle_limit=idle_limit,
            clock_skew_ms=clock_skew_ms,
        ) as fake,
        okxasync.Client(
            base_url=fake.url, rate_limits=RATES, watch_timing=timing, **fake.credentials
        ) as client,
    ):
        truth = Truth()
        fake.state.listeners.append(truth)
        yield fake, client, truth


@contextlib.asynccontextmanager
async def consuming(
    stream: AnyStream,
) -> AsyncIterator[Seen]:
    """Consume ``stream`` in a task while the block runs; the stream is closed after."""
    seen = Seen()

    async def consume() -> None:
        async for record in stream:
            seen.pairs.append(pair(record))

    async with stream:
        task = asyncio.create_task(consume())
        try:
            yield seen
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def until(check: Callable[[], bool], within: float = 15.0) -> None:
    """Wait for ``check()`` (polled every 20 ms, at most ``within`` seconds); the caller
    asserts afterwards."""
    with anyio.move_on_after(within):
        while not check():  # noqa: ASYNC110 - the conditions live in several objects
            await asyncio.sleep(0.02)


async def opened(
    stream: AnyStream,
) -> None:
    """Wait until the stream's opening read is done (and, on the WebSocket, it is live)."""
    await until(
        lambda: (
            stream.stats.fills >= 1 and (stream.transport == "poll" or stream.stats.connects >= 1)
        )
    )


async def withdraw(client: okxasync.Client, n: int) -> list[str]:
    """``n`` small USDT withdrawals over REST (at the chain's minimum fee); their wdIds."""
    [usdt] = [c for c in await client.funding.currencies("USDT") if c.main_net]
    ids = []
    for i in range(n):
        result = await client.funding.withdraw(
            ccy="USDT",
            amt=usdt.min_wd + i,
            dest="4",
            to_addr=f"TN4hx{i:08d}izqs",
            fee=usdt.min_fee,
        )
        ids.append(result.wd_id)
    return ids


def client_with_ws(fake: FakeExchange, url: str) -> okxasync.Client:
    """A client whose REST host is ``fake`` and whose business WebSocket is the loopback
    HTTP server at ``url`` (a test's own)."""
    return okxasync.Client(
        base_url=fake.url,
        rate_limits=RATES,
        ws_url=url.replace("http://", "ws://") + "/ws/v5/business",
        watch_timing=FAST,
        **fake.credentials,
    )
