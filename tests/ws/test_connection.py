"""The shared connection: heartbeat, idle close, failures, clock skew, reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import anyio
import pytest
from aiohttp import web
from ratelimit_helpers import slow_localhost
from server_helpers import serve
from ws_helpers import (
    BUSY,
    FAST,
    RATES,
    AnyStream,
    client_with_ws,
    consuming,
    exchange,
    opened,
    until,
)

import okxasync
from okxasync.testing import Activity, FakeExchange, WsFaults


async def test_a_client_that_stops_pinging_is_closed_4004_and_recovers() -> None:
    quiet = dataclasses.replace(FAST, ping_after=5.0)  # longer than the server's idle limit
    async with exchange(idle_limit=0.3, timing=quiet) as (fake, client, truth):
        stream = client.funding.watch_deposits(reconcile_every=0.2)
        async with consuming(stream) as seen:
            await opened(stream)
            fake.start_activity()
            await until(lambda: fake.ws.stats["closed_4004"] >= 2 and stream.stats.reconnects >= 2)
            fake.settle()
            await until(lambda: seen.last() == truth.last("deposit"))
        assert fake.ws.stats["closed_4004"] >= 2 and stream.stats.reconnects >= 2
        assert seen.last() == truth.last("deposit") and len(seen.pairs) == len(set(seen.pairs))


async def test_pings_keep_a_quiet_connection_open() -> None:
    async with exchange(idle_limit=0.5) as (fake, client, _):  # FAST pings after 0.2 s
        stream = client.funding.watch_withdrawals()
        async with consuming(stream):
            await opened(stream)
            await asyncio.sleep(1.5)  # three idle limits without a single push
            assert fake.ws.stats["closed_4004"] == 0
            assert stream.stats.connects == 1 and fake.ws.stats["connections"] == 1


async def test_a_silent_server_is_detected_by_the_heartbeat_and_replaced() -> None:
    async with exchange(ws_faults=WsFaults(every=0.2, kinds=("stall",))) as (fake, client, _):
        stream = client.funding.watch_deposits()
        async with consuming(stream):
            await until(lambda: stream.stats.reconnects >= 2)
            await until(lambda: fake.ws.open_connections == 1)
            # each silent connection was closed by the client, not left to the GC
            assert fake.ws.open_connections == 1
        assert fake.ws.faults.injected["stall"] >= 2
        assert stream.stats.reconnects >= 2


async def test_a_notice_opens_the_replacement_before_the_old_connection_closes() -> None:
    faults = WsFaults(every=0.2, kinds=("notice",), notice_grace=2.0)
    async with exchange(ws_faults=faults) as (fake, client, _):
        stream = client.funding.watch_deposits()
        async with consuming(stream):
            await until(lambda: stream.stats.connects >= 3)
        assert fake.ws.faults.injected["notice"] >= 2 and stream.stats.connects >= 3
        # each replacement was open before its predecessor closed (at the server's end of
        # the grace period, which the client did not wait for)
        assert fake.ws.stats["most_open"] == 2 and fake.ws.stats["closed_1001"] == 0
        assert fake.ws.stats["subscribes"] == fake.ws.stats["connections"]  # once each


async def drain(
    stream: okxasync.EventStream[okxasync.Deposit]
    | okxasync.EventStream[okxasync.WithdrawalRecord],
) -> None:
    async with stream:
        async for _ in stream:
            pass


@pytest.mark.parametrize(
    ("field", "codes"),
    [
        ("passphrase", {"60024", "50105"}),
        ("api_key", {"60032", "50111"}),
        ("secret_key", {"60007", "50113"}),
    ],
)
async def test_wrong_credentials_raise_at_once_without_reconnecting(
    field: str, codes: set[str]
) -> None:
    # The login or the opening REST read, whichever the server refuses first, ends it.
    async with exchange() as (fake, _, _):
        credentials = {**fake.credentials, field: "wrong-" + field}
        async with okxasync.Client(base_url=fake.url, watch_timing=FAST, **credentials) as client:  # type: ignore[arg-type]
            stream = client.funding.watch_deposits()
            with anyio.fail_after(5), pytest.raises(okxasync.AuthenticationError) as raised:
                await drain(stream)
            assert raised.value.code in codes
            await asyncio.sleep(0.3)  # several backoffs: no further attempt
        assert fake.ws.stats["connections"] <= 1 and fake.ws.stats["logins"] == 0
        assert fake.ws.stats["login_errors"] == fake.ws.stats["connections"]
        assert "wrong-" not in repr(raised.value) and fake.credentials["secret_key"] not in str(
            raised.value
        )


async def test_a_refused_channel_raises_in_its_stream_only() -> None:
    async with exchange() as (fake, client, truth):
        fake.ws.refused_channels.add("withdrawal-info")
        deposits = client.funding.watch_deposits(reconcile_every=0.2)
        async with consuming(deposits) as seen:
            with anyio.fail_after(5), pytest.raises(okxasync.APIError) as raised:
                await drain(client.funding.watch_withdrawals())
            assert raised.value.code == "60018"
            fake.start_activity()
            await asyncio.sleep(0.3)
            fake.settle()
            await until(lambda: seen.last() == truth.last("deposit"))
        assert seen.last() == truth.last("deposit") and truth.changes["deposit"]
        assert fake.ws.stats["connections"] == 1  # the refusal did not cost the connection


@pytest.mark.parametrize("skew_ms", [120_000, -120_000])
async def test_a_skewed_server_clock_is_learned_before_logging_in_again(skew_ms: int) -> None:
    async with exchange(clock_skew_ms=skew_ms) as (fake, client, truth):
        stream = client.funding.watch_deposits(reconcile_every=0.2)
        async with consuming(stream) as seen:
            await opened(stream)
            fake.start_activity()
            await asyncio.sleep(0.5)
            fake.settle()
            await until(lambda: seen.last() == truth.last("deposit"))
        assert seen.last() == truth.last("deposit") and truth.changes["deposit"]
        assert abs(client.clock_offset_ms - skew_ms) < 5_000
        assert fake.ws.stats["logins"] >= 1


async def test_two_streams_share_one_connection_and_unsubscribe_when_closed() -> None:
    async with exchange() as (fake, client, _):
        deposits = client.funding.watch_deposits()
        withdrawals = client.funding.watch_withdrawals(ccy=["USDT", "BTC"])
        async with deposits, withdrawals:
            await opened(deposits)
            await opened(withdrawals)
            assert fake.ws.stats["connections"] == 1 and fake.ws.open_connections == 1
            assert fake.ws.stats["subscribes"] == 3  # deposit-info; withdrawal-info x2 ccys
            await deposits.aclose()
            await until(
                lambda: (
                    fake.ws.subscriptions()
                    == {("withdrawal-info", "BTC"), ("withdrawal-info", "USDT")}
                )
            )
            assert fake.ws.open_connections == 1
        await until(lambda: fake.ws.open_connections == 0)
        assert fake.ws.open_connections == 0 and fake.ws.stats["connections"] == 1


async def test_pushes_arriving_while_other_channels_subscribe_are_kept() -> None:
    # Regression: frames set aside while a second channel waited for its ack were read
    # back in a loop that never yielded, freezing the event loop.
    busy = Activity(tick=0.005, new_deposits=2.0, new_withdrawals=1.0, advance=0.5, paused=True)
    async with exchange(activity=busy) as (fake, client, truth):
        deposits = client.funding.watch_deposits(reconcile_every=0.3)
        withdrawals = client.funding.watch_withdrawals(ccy=["USDT", "BTC"], reconcile_every=0.3)
        async with consuming(deposits) as seen_d, consuming(withdrawals) as seen_w:
            await opened(deposits)
            await opened(withdrawals)
            fake.start_activity()
            for _ in range(3):  # every reconnect subscribes three channels in turn
                before = deposits.stats.reconnects
                fake.ws.abort_all()
                await until(lambda: deposits.stats.reconnects > before)  # noqa: B023
                await asyncio.sleep(0.2)
            fake.settle()
            await until(lambda: seen_d.last() == truth.last("deposit"))
        assert deposits.stats.reconnects >= 3 and deposits.stats.pushed > 0
        assert seen_d.last() == truth.last("deposit")
        assert len(seen_w.pairs) == len(set(seen_w.pairs))


async def test_refused_connection_attempts_back_off_and_never_end_the_stream() -> None:
    faults = WsFaults(every=0.1, kinds=("abrupt",), refuse=0.6, seed=3)
    async with exchange(ws_faults=faults) as (fake, client, _):
        stream = client.funding.watch_deposits()
        async with consuming(stream):
            await until(lambda: stream.stats.connects >= 3)
        assert fake.ws.faults.injected["refused"] >= 1 and stream.stats.connects >= 3
        assert fake.ws.stats["connections"] == stream.stats.connects  # refused: no socket


@contextlib.asynccontextmanager
async def all_connected(clients: list[okxasync.Client]) -> AsyncIterator[list[AnyStream]]:
    """Each client (opened here) consumes a deposit stream, all opened at once; yields
    the streams once every one has connected."""
    streams: list[AnyStream] = [c.funding.watch_deposits() for c in clients]
    async with contextlib.AsyncExitStack() as stack:
        for c in clients:
            await stack.enter_async_context(c)
        for s in streams:
            await stack.enter_async_context(consuming(s))
        await until(lambda: all(s.stats.connects >= 1 for s in streams))
        yield streams


async def test_clients_sharing_a_limiter_share_its_connection_window() -> None:
    """The connection limit is per IP: two clients given one limiter open their
    connections through its one `ws-connect` window (here 1 per 0.5 s, both at once),
    and each client's stats count its own."""
    connect = okxasync.Rate(1, 0.5)
    rates = {**RATES, "ws-connect": connect}
    shared = okxasync.LocalLimiter()
    async with FakeExchange(seed=0, rate_limits=rates, activity=BUSY) as fake:
        clients = [
            okxasync.Client(
                base_url=fake.url,
                rate_limits=rates,
                limiter=shared,
                watch_timing=FAST,
                **fake.credentials,
            )
            for _ in range(3)
        ]
        async with all_connected(clients) as streams:
            assert all(s.stats.connects == 1 for s in streams)
            stats = [c.rate_limit_stats()["ws-connect"] for c in clients]
    assert fake.limits.rejections["ws-connect"] == 0
    assert fake.ws.stats["connections"] == 3
    assert [s.sent for s in stats] == [1, 1, 1]
    assert sum(s.wait_total > 0.4 for s in stats) == 2  # the second and third waited


async def test_a_connect_stalled_past_its_slot_is_not_written_late(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Two clients share one limiter and its connection window (1 per 0.3 s here). The
    first connect's host lookup takes 0.6 s, longer than its unit lasts unsent, so the
    second client connects meanwhile. The first upgrade must not then be written: both
    would reach the server within one window. It fails as never sent and goes again
    with a new slot."""
    lookups = slow_localhost(monkeypatch, 0.6, first=1)
    connect = okxasync.Rate(1, 0.3)
    rates = {**RATES, "ws-connect": connect}
    shared = okxasync.LocalLimiter()
    async with FakeExchange(seed=0, rate_limits=rates, activity=BUSY) as fake:
        ws_url = fake.ws_url.replace("127.0.0.1", "localhost")

        def client() -> okxasync.Client:
            return okxasync.Client(
                base_url=fake.url,
                rate_limits=rates,
                limiter=shared,
                ws_url=ws_url,
                watch_timing=FAST,
                **fake.credentials,
            )

        async with client() as first, client() as second:
            streams: list[AnyStream] = [
                first.funding.watch_deposits(),
                second.funding.watch_withdrawals(),
            ]
            async with consuming(streams[0]):
                await asyncio.sleep(0.05)  # the first takes the window's unit
                async with consuming(streams[1]):
                    await until(lambda: all(s.stats.connects >= 1 for s in streams))
                    assert all(s.stats.connects == 1 for s in streams)
    assert len(lookups) >= 2  # the slow lookup, then the second client's
    assert fake.limits.rejections["ws-connect"] == 0
    assert fake.ws.stats["connections"] == 2  # the stalled upgrade never reached it
    lapsed = [r for r in caplog.records if "slot lapsed" in r.getMessage()]
    assert len(lapsed) == 1 and lapsed[0].name == "okxasync.ws"


async def test_a_connect_cut_by_the_server_is_not_resent_behind_the_limiter() -> None:
    """The server drops most connection attempts after reading the upgrade. aiohttp would
    resend such a request by itself at once, on a new connection, under the same slot:
    the hub's session does not let it, so every upgrade that reaches the server was
    admitted by the limiter (here 1 per 0.5 s, enforced by the emulator)."""
    connect = okxasync.Rate(1, 0.5)
    rates = {**RATES, "ws-connect": connect}
    faults = WsFaults(every=0.5, kinds=("abrupt",), refuse=0.6, seed=3)
    async with (
        FakeExchange(seed=0, rate_limits=rates, activity=BUSY, ws_faults=faults) as fake,
        okxasync.Client(
            base_url=fake.url, rate_limits=rates, watch_timing=FAST, **fake.credentials
        ) as client,
    ):
        stream = client.funding.watch_deposits()
        async with consuming(stream):
            await until(lambda: fake.ws.faults.injected["refused"] >= 3)
            stats = client.rate_limit_stats()["ws-connect"]
    assert fake.ws.faults.injected["refused"] >= 3
    assert fake.limits.rejections["ws-connect"] == 0
    assert stats.rejected == 0


async def test_a_connect_answered_429_counts_as_a_rejection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two clients with limiters of their own (the mistake the rate-limit guide warns
    about) connect at once past the server's connection limit: the upgrade answered
    HTTP 429 counts as a rejection in that client's stats (with the warning), and the
    stream connects after its backoff."""
    connect = okxasync.Rate(1, 1.5)  # both connect at once: one is over the limit
    rates = {**RATES, "ws-connect": connect}
    async with FakeExchange(seed=0, rate_limits=rates, activity=BUSY) as fake:
        clients = [
            okxasync.Client(
                base_url=fake.url, rate_limits=rates, watch_timing=FAST, **fake.credentials
            )
            for _ in range(2)
        ]
        async with all_connected(clients):
            rejected = [c.rate_limit_stats()["ws-connect"].rejected for c in clients]
    assert fake.limits.rejections["ws-connect"] >= 1
    assert sum(rejected) == fake.limits.rejections["ws-connect"]
    assert "ws-connect: the server answered rate-limited" in caplog.text
    assert "OKX API error (HTTP 429): WebSocket connect: Too Many Requests" in caplog.text


async def test_a_redirected_connect_is_not_followed_under_the_same_slot() -> None:
    """aiohttp follows a redirect of a WebSocket connect by itself (it has no switch for
    it): that would be a second upgrade request under one rate-limit slot. The second
    request is refused before it takes a connection; every upgrade that reaches a
    server was admitted by the limiter."""
    async with FakeExchange(seed=0, rate_limits=RATES, activity=BUSY) as fake:

        async def moved(request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(fake.url + "/ws/v5/business")  # aiohttp follows http(s)

        async with (
            serve(moved) as (url, seen),
            client_with_ws(fake, url) as client,
        ):
            stream = client.funding.watch_deposits()
            async with consuming(stream):
                await until(lambda: len(seen.requests) >= 3)
                admitted = client.rate_limit_stats()["ws-connect"].sent
        assert len(seen.requests) >= 3 and stream.stats.connects == 0
        assert fake.ws.stats["connections"] == 0  # the redirect's target: never reached
        assert len(seen.requests) <= admitted
