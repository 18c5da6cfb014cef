"""Construction and lifecycle: a bad base URL fails at once, OKX_BASE_URL is the default,
calls in flight when the client closes end typed, and a client outlives an event loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Awaitable
from decimal import Decimal

import pytest

from okxasync import (
    Client,
    ClientClosedError,
    OutcomeUnknownError,
    Rate,
    RetryPolicy,
    ValidationError,
)
from okxasync._endpoints import funding as ep
from okxasync._http.clock import ServerClock
from okxasync._http.pipeline import Pipeline
from okxasync._http.signing import Credentials
from okxasync._http.transport import AiohttpTransport
from okxasync._ratelimit import LocalLimiter, Scheduler
from okxasync.testing import FakeCredentials, FakeExchange

WIDE = {"funding": Rate(500, 1.0), "otc": Rate(500, 1.0)}
CREDS = FakeCredentials(api_key="k", secret_key="s", passphrase="p")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.okx.com:99999",
        "https://www.okx.com:abc",
        "https://www.okx.com:0",
        "https://www.okx.com:-1",
        "http://[::1",
        "ftp://www.okx.com",
        "https://",
        "",
    ],
)
def test_a_bad_base_url_fails_at_construction(url: str) -> None:
    with pytest.raises(ValidationError, match="base_url"):
        Client(base_url=url, **CREDS)


def test_okx_base_url_is_the_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKX_BASE_URL", "https://eea.okx.com/")
    assert Client(**CREDS).base_url == "https://eea.okx.com"
    assert Client(base_url="https://www.okx.com", **CREDS).base_url == "https://www.okx.com"
    monkeypatch.setenv("OKX_BASE_URL", "http://api.example.com")  # checked like an argument
    with pytest.raises(ValidationError, match="https"):
        Client(**CREDS)
    monkeypatch.delenv("OKX_BASE_URL")
    assert Client(**CREDS).base_url == "https://www.oklink.com"


async def test_okx_base_url_points_a_client_at_the_emulator(
    fake: FakeExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKX_BASE_URL", fake.url)
    async with Client(**fake.credentials) as client:
        assert len(await client.funding.balances()) == len(fake.state.balances)
    assert [r.path for r in fake.requests] == ["/api/v5/asset/balances"]


async def test_calls_in_flight_when_the_client_closes_end_as_okx_errors() -> None:
    """They end as ClientClosedError that may have been sent, at once: not retried (a
    retry would take a rate-limit slot only to be refused)."""
    policy = RetryPolicy(lookups=1, lookup_interval=0.01)
    async with FakeExchange(rate_limits=WIDE, latency=0.3) as fake:
        client = Client(base_url=fake.url, retry=policy, rate_limits=WIDE, **fake.credentials)
        calls: list[Awaitable[object]] = [client.funding.balances() for _ in range(6)]
        calls.append(
            client.funding.withdraw(ccy="USDT", amt=Decimal(1), dest="4", to_addr="TN4h", fee="1")
        )
        tasks = [asyncio.ensure_future(call) for call in calls]
        await asyncio.sleep(0.15)  # all of them sent, none answered
        await client.aclose()
        *reads, withdrawal = await asyncio.gather(*tasks, return_exceptions=True)
        sent = client.rate_limit_stats()["funding"].sent
    assert all(isinstance(r, ClientClosedError) and r.maybe_sent for r in reads), reads
    assert all("closed while the request was in flight" in str(r) for r in reads), reads
    assert sent == len(tasks)  # no retry, no lookup took a slot
    # The withdrawal may have executed: its outcome is unknown, not "closed".
    assert isinstance(withdrawal, OutcomeUnknownError), withdrawal
    assert "closed while the request was in flight" in str(withdrawal)


async def test_calls_waiting_for_a_slot_when_the_client_closes_fail_at_once() -> None:
    """A call queued for its rate-limit slot is refused when ``aclose()`` runs, not when
    its window would have let it through (5 s later here)."""
    tight = {"funding": Rate(1, 5.0)}
    async with FakeExchange(rate_limits=tight, latency=0.1) as fake:
        client = Client(base_url=fake.url, rate_limits=tight, **fake.credentials)
        in_flight = asyncio.ensure_future(client.funding.balances())
        await asyncio.sleep(0.02)
        queued = asyncio.ensure_future(client.funding.balances())
        await asyncio.sleep(0.02)
        closed_at = time.monotonic()
        await client.aclose()
        done, _ = await asyncio.wait([in_flight, queued], timeout=1.0)
        assert done == {in_flight, queued}, f"{time.monotonic() - closed_at:.2f} s"
        assert client.rate_limit_stats()["funding"].waiting == 0
    error = queued.exception()
    assert isinstance(error, ClientClosedError) and not error.maybe_sent, error
    assert isinstance(in_flight.exception(), ClientClosedError)
    assert len(fake.requests) == 1


async def test_a_closed_client_takes_no_slot_of_a_limiter_it_shares() -> None:
    """Client ``a``'s twelve queued calls fail when it closes: none takes a unit of the
    limiter it shares with ``b``, which waits only for ``a``'s two calls that went."""
    rate = {"funding": Rate(2, 1.0)}
    limiter = LocalLimiter()
    async with FakeExchange(rate_limits=rate) as fake:
        a = Client(base_url=fake.url, rate_limits=rate, limiter=limiter, **fake.credentials)
        b = Client(base_url=fake.url, rate_limits=rate, limiter=limiter, **fake.credentials)
        calls = [asyncio.ensure_future(a.funding.balances()) for _ in range(12)]
        await asyncio.sleep(0.05)  # two answered, ten queued
        await a.aclose()
        started = time.monotonic()
        for _ in range(4):
            await b.funding.balances()
        took = time.monotonic() - started
        await b.aclose()
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert sum(isinstance(o, ClientClosedError) for o in outcomes) == 10
    assert a.rate_limit_stats()["funding"].sent == 2
    assert len(fake.requests) == 6
    # b's 3rd and 4th calls wait for a's units (1 s) and b's own first two (2 s); a's ten
    # queued calls, had they taken units, would have pushed them later.
    assert took < 2.5, took


async def test_a_call_whose_client_closed_after_it_took_its_slot_gives_it_back(
    fake: FakeExchange,
) -> None:
    """Admitted, then finding the transport closed before it sends: the call sent nothing,
    so its unit goes back at once (it is not held for ``period + margin``)."""
    scheduler = Scheduler({"funding": Rate(1, 60.0)})
    transport = AiohttpTransport(fake.url, timeout=5.0)
    creds = fake.credentials
    pipeline = Pipeline(
        Credentials(creds["api_key"], creds["secret_key"], creds["passphrase"]),
        transport,
        scheduler,
        RetryPolicy(),
        ServerClock(),
    )
    await transport.aclose()
    with pytest.raises(ClientClosedError) as caught:
        await pipeline.request(ep.BALANCES, {})
    assert not caught.value.maybe_sent
    assert scheduler.take_at_once(ep.BALANCES.claims({})) is not None  # the unit is free
    assert fake.requests == []


async def used_client(fake: FakeExchange) -> Client:
    """A client whose two sessions are open: kept-alive (a read) and fresh (a withdrawal)."""
    client = Client(base_url=fake.url, rate_limits=WIDE, **fake.credentials)
    await client.funding.balances()
    await client.funding.withdraw(
        ccy="USDT", amt=Decimal(2), dest="4", to_addr="TN4hxx", fee="1", chain="USDT-TRC20"
    )
    return client


async def test_a_cancelled_aclose_still_closes_both_sessions() -> None:
    """Cancelled at any turn of the loop once it began, ``aclose()`` closes every session
    before the cancel goes on: no "Unclosed client session" (the suite turns that warning
    into a failure; before, the session not yet closed was left open)."""
    async with FakeExchange(rate_limits=WIDE) as fake:
        for turns in range(1, 8):
            client = await used_client(fake)
            closer = asyncio.ensure_future(client.aclose())
            for _ in range(turns):
                await asyncio.sleep(0)
            closer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await closer
            del client, closer
            gc.collect()


def test_one_client_under_several_asyncio_runs() -> None:
    """No ``Event loop is closed``, no "Unclosed client session" (the suite turns that
    warning into a failure): each loop gets its own sessions, closed when it ends."""
    port = 0
    skews = iter([90_000, -90_000, 90_000])  # each run's refusals sync the clock again

    async def use(client: Client | None) -> Client:
        nonlocal port
        skew = next(skews)
        async with FakeExchange(rate_limits=WIDE, port=port, clock_skew_ms=skew) as fake:
            port = int(fake.url.rsplit(":", 1)[1])
            client = client or Client(base_url=fake.url, rate_limits=WIDE, **fake.credentials)
            results = await asyncio.gather(
                client.funding.balances(), client.funding.balances(), client.otc.instruments()
            )
            assert all(results)
            return client

    client = asyncio.run(use(None))
    for _ in range(2):
        assert asyncio.run(use(client)) is client
    del client
    gc.collect()


def test_one_client_under_several_asyncio_runs_when_calls_wait_for_slots() -> None:
    """The same, with the window full: callers queue in the rate-limit scheduler in each
    loop (its waits must not be bound to the first loop)."""
    port = 0
    tight = {"funding": Rate(2, 0.3)}

    async def use(client: Client | None) -> Client:
        nonlocal port
        async with FakeExchange(port=port) as fake:
            port = int(fake.url.rsplit(":", 1)[1])
            client = client or Client(base_url=fake.url, rate_limits=tight, **fake.credentials)
            results = await asyncio.gather(*(client.funding.balances() for _ in range(5)))
            assert all(results)
            assert client.rate_limit_stats()["funding"].waiting == 0  # nobody left queued
            return client

    client = asyncio.run(use(None))
    for _ in range(2):
        assert asyncio.run(use(client)) is client
    stats = client.rate_limit_stats()["funding"]
    assert stats.sent == 15
    assert stats.wait_max > 0  # the window was full: callers did wait, in every loop
    del client
    gc.collect()
