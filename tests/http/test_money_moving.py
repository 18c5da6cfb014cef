"""Withdrawals and trades: a stale kept-alive connection can never make their outcome
unknown, a connection that could not be opened is retried, and a success answer without
the server's id is no confirmation."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal

import pytest
from aiohttp import web
from ratelimit_helpers import slow_localhost
from server_helpers import CREDENTIALS, envelope, serve

from okxasync import Client, OutcomeUnknownError, Rate, RetryPolicy, Trade, Withdrawal
from okxasync.testing import FakeExchange, Faults

FAST = RetryPolicy(
    attempts=10, initial_delay=0.02, max_delay=0.1, deadline=20.0, lookups=2, lookup_interval=0.02
)
WIDE = {"funding": Rate(500, 1.0), "otc": Rate(500, 1.0)}
WITHDRAWAL = "/api/v5/asset/withdrawal"
WITHDRAWAL_HISTORY = "/api/v5/asset/withdrawal-history"
TRADE = "/api/v5/otc/rfq/trade"


async def withdraw(client: Client, client_id: str) -> Withdrawal:
    return await client.funding.withdraw(
        ccy="USDT",
        amt=Decimal("1.5"),
        dest="4",
        to_addr="TN4hxx",
        fee="1",
        chain="USDT-TRC20",  # its fee range holds 1 (the main chain's, USDT-ERC20, does not)
        client_id=client_id,
    )


async def test_200_withdrawals_over_connections_closed_while_idle_are_all_known() -> None:
    """The emulator treats a connection idle for 0.25 s as closed by the server just as the
    next request arrives (the race that made 33 of 200 withdrawals unknown)."""
    rng = random.Random(7)
    outcomes: list[Withdrawal | OutcomeUnknownError] = []

    async def worker(n: int, client: Client) -> None:
        for k in range(10):
            await client.funding.balances()  # keeps pooled connections around
            await asyncio.sleep(rng.uniform(0.2, 0.35))  # idle around the server's limit
            try:
                outcomes.append(await withdraw(client, f"idle{n}x{k}"))
            except OutcomeUnknownError as error:
                outcomes.append(error)

    faults = Faults(idle_close=0.25)
    async with (
        FakeExchange(rate_limits=WIDE, faults=faults) as fake,
        Client(base_url=fake.url, retry=FAST, rate_limits=WIDE, **fake.credentials) as client,
    ):
        await asyncio.gather(*(worker(n, client) for n in range(20)))
    assert fake.injected["idle_close"] >= 3  # the reads did meet closed connections
    assert len(outcomes) == 200
    assert [o for o in outcomes if isinstance(o, OutcomeUnknownError)] == []
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 200 and all(r.status == 200 for r in posts)
    assert sum(1 for w in fake.state.withdrawals if w["clientId"].startswith("idle")) == 200


async def test_a_withdrawal_whose_connection_cannot_be_opened_is_retried_once_it_can() -> None:
    async with FakeExchange(rate_limits=WIDE) as fake:
        port, credentials = int(fake.url.rsplit(":", 1)[1]), fake.credentials
    url = f"http://127.0.0.1:{port}"
    patient = RetryPolicy(attempts=100, initial_delay=0.02, max_delay=0.05)
    async with Client(base_url=url, retry=patient, rate_limits=WIDE, **credentials) as client:
        task = asyncio.create_task(withdraw(client, "refusedThenOk"))
        await asyncio.sleep(0.3)  # the first attempts find nothing listening
        assert not task.done()
        async with FakeExchange(rate_limits=WIDE, port=port) as fake:
            result = await task
    assert [w["wdId"] for w in fake.state.withdrawals if w["clientId"] == "refusedThenOk"] == [
        result.wd_id
    ]
    assert [r.path for r in fake.requests] == [WITHDRAWAL]  # sent once, no lookup


@pytest.mark.parametrize("found", [True, False])
async def test_an_empty_success_for_a_withdrawal_is_reconciled(found: bool) -> None:
    recorded = {"amt": "1.5", "wdId": "9001", "ccy": "USDT", "clientId": "empty1"}
    record = {
        **recorded,
        **{"ts": "1700000000000", "state": "0", "fee": "1", "to": "TN4hxx", "chain": "USDT-TRC20"},
        **{"from": "", "txId": ""},  # every field a withdrawal-history record always has
    }

    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            return envelope([{}])
        return envelope([record] if found else [])

    async with (
        serve(handler) as (url, seen),
        Client(base_url=url, retry=FAST, rate_limits=WIDE, **CREDENTIALS) as c,
    ):
        if found:
            result = await withdraw(c, "empty1")
            assert (result.wd_id, result.client_id, result.amt) == (
                "9001",
                "empty1",
                Decimal("1.5"),
            )
        else:
            # {} lacks every field of the answer: a bad response, so looked up, not trusted
            with pytest.raises(OutcomeUnknownError, match="missing required field") as info:
                await withdraw(c, "empty1")
            assert info.value.client_id == "empty1"
    assert seen.requests[0] == f"POST {WITHDRAWAL}"
    assert seen.requests[1:] == [f"GET {WITHDRAWAL_HISTORY}"] * (1 if found else FAST.lookups)


@pytest.mark.parametrize("answer", [[{}], [{"tradeId": ""}], []])
async def test_an_empty_success_for_a_trade_is_reconciled(answer: list[dict[str, str]]) -> None:
    async def handler(request: web.Request) -> web.Response:
        return envelope(answer if request.method == "POST" else [])

    async with (
        serve(handler) as (url, seen),
        Client(base_url=url, retry=FAST, rate_limits=WIDE, **CREDENTIALS) as c,
    ):
        with pytest.raises(OutcomeUnknownError) as info:
            await c.otc.trade(
                quote_id="q1",
                base_ccy="ETH",
                quote_ccy="USD",
                side="buy",
                sz="0.1",
                sz_ccy="ETH",
                cl_t_req_id="emptyT1",
            )
    assert info.value.client_id == "emptyT1"
    assert seen.requests == [f"POST {TRADE}"] + [f"GET {TRADE}"] * FAST.lookups


async def test_a_confirmed_trade_still_returns_at_once(fake: FakeExchange) -> None:
    async with Client(base_url=fake.url, retry=FAST, **fake.credentials) as client:
        quote = await client.otc.quote(
            base_ccy="ETH", quote_ccy="USD", side="buy", rfq_sz=Decimal("0.1"), rfq_sz_ccy="ETH"
        )
        trade = await client.otc.trade(
            quote_id=quote.quote_id,
            base_ccy="ETH",
            quote_ccy="USD",
            side="buy",
            sz=Decimal("0.1"),
            sz_ccy="ETH",
        )
    assert isinstance(trade, Trade) and trade.trade_id
    assert [r.method for r in fake.requests if r.path == TRADE] == ["POST"]


async def test_a_withdrawal_timed_out_before_its_connection_opened_is_sent_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The host name takes longer to resolve than the client's timeout: the attempt
    times out before a connection exists, so the withdrawal provably never left. It is
    sent again (not reported as of unknown outcome) and executes once."""
    lookups = slow_localhost(monkeypatch, 1.5, first=1)
    fake = FakeExchange(seed=0)
    async with fake:
        url = fake.url.replace("127.0.0.1", "localhost")
        async with Client(base_url=url, timeout=1.0, **fake.credentials) as client:
            result = await withdraw(client, "slowdns1")
    assert result.client_id == "slowdns1" and result.wd_id
    assert lookups  # the slow one (the retry may find its answer cached)
    assert [r.status for r in fake.requests if r.method == "POST"] == [200]
