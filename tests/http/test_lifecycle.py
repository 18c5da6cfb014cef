"""Construction and lifecycle: a bad base URL fails at once, OKX_BASE_URL is the default,
calls in flight when the client closes end typed, and a client outlives an event loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable
from decimal import Decimal

import pytest

from okxasync import Client, OkxError, OutcomeUnknownError, Rate, RetryPolicy, ValidationError
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
    assert all(type(r) is OkxError and "closed" in str(r) for r in reads), reads
    # The withdrawal may have executed: its outcome is unknown, not "closed".
    assert isinstance(withdrawal, OutcomeUnknownError), withdrawal
    assert "closed while the request was in flight" in str(withdrawal)


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
