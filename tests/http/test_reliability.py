"""Reliability against the FakeExchange with injected faults: retries, exactly-once
withdrawals and trades, clock skew, and bounded effort."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import okxasync
from okxasync import (
    APIError,
    AuthenticationError,
    OutcomeUnknownError,
    Rate,
    RetryPolicy,
    Trade,
    TransportError,
    Withdrawal,
)
from okxasync.testing import FakeExchange, FaultKind, Faults

Client = okxasync.Client

#: Quick retries, so that fault-heavy tests stay fast.
FAST = RetryPolicy(
    attempts=8, initial_delay=0.01, max_delay=0.05, deadline=20.0, lookups=2, lookup_interval=0.05
)
#: Generous limits: these tests are about faults, not about pacing.
WIDE = {"funding": Rate(100, 1.0), "otc": Rate(100, 1.0)}
WITHDRAWAL = "/api/v5/asset/withdrawal"
WITHDRAWAL_HISTORY = "/api/v5/asset/withdrawal-history"
TRADE = "/api/v5/otc/rfq/trade"


@asynccontextmanager
async def connect(
    fake: FakeExchange,
    *,
    retry: RetryPolicy = FAST,
    timeout: float = 0.3,
    rate_limits: dict[str, Rate] = WIDE,
    **options: object,
) -> AsyncIterator[Client]:
    async with Client(
        base_url=fake.url,
        timeout=timeout,
        retry=retry,
        rate_limits=rate_limits,
        **fake.credentials,
        **options,  # type: ignore[arg-type]
    ) as client:
        yield client


def fake_exchange(**options: Any) -> FakeExchange:
    """An emulator enforcing the same (generous) limits as the clients of these tests."""
    return FakeExchange(**{"rate_limits": WIDE, **options})


def requests_to(fake: FakeExchange, method: str, path: str) -> int:
    return sum(1 for r in fake.requests if (r.method, r.path) == (method, path))


async def withdraw(client: Client, client_id: str | None = None) -> Withdrawal:
    return await client.funding.withdraw(
        ccy="USDT",
        amt=Decimal("1.5"),
        dest="4",
        to_addr="TN4hxxxxxxxxxxxizqs",
        fee=Decimal("1"),
        chain="USDT-TRC20",
        client_id=client_id,
    )


async def trade(client: Client, cl_t_req_id: str | None = None) -> Trade:
    quote = await client.otc.quote(
        base_ccy="ETH", quote_ccy="USD", side="buy", rfq_sz=Decimal("0.1"), rfq_sz_ccy="ETH"
    )
    return await client.otc.trade(
        quote_id=quote.quote_id,
        base_ccy="ETH",
        quote_ccy="USD",
        side="buy",
        sz=Decimal("0.1"),
        sz_ccy="ETH",
        cl_t_req_id=cl_t_req_id,
    )


def sent_id(body: str) -> str | None:
    """The client id of a withdrawal or trade request body."""
    sent = json.loads(body) if body else {}
    return sent.get("clientId") or sent.get("clTReqId")


def recorded_withdrawals(fake: FakeExchange, client_id: str) -> list[str]:
    return [w["wdId"] for w in fake.state.withdrawals if w["clientId"] == client_id]


def recorded_trades(fake: FakeExchange, cl_t_req_id: str) -> list[str]:
    return [t["tradeId"] for t in fake.state.rfq_trades if t["clTReqId"] == cl_t_req_id]


# --- reads: retried through the scheduler, bounded -----------------------------------


@pytest.mark.parametrize("kind", ["http_502", "busy_503", "disconnect", "delay"])
async def test_reads_survive_each_fault_kind(kind: FaultKind) -> None:
    faults = Faults(rate=0.3, kinds=(kind,), delay=0.6, seed=11)
    async with fake_exchange(faults=faults) as fake, connect(fake) as client:
        for _ in range(12):
            assert len(await client.funding.balances()) == len(fake.state.balances)
        # Each fault cost exactly one more request, made by the client's own loop
        # (aiohttp's hidden resend of GETs is off).
        assert fake.injected[kind] >= 2
        assert len(fake.requests) == 12 + fake.injected[kind]


async def test_retries_pass_the_rate_limit_scheduler_again() -> None:
    period, count = 0.4, 4
    faults = Faults(rate=0.4, kinds=("http_502", "busy_503", "disconnect"), seed=5)
    limits = {"funding": Rate(count, period)}
    async with (
        fake_exchange(faults=faults, rate_limits=limits) as fake,
        connect(fake, rate_limits=limits) as client,
    ):
        await asyncio.gather(*(client.funding.balances() for _ in range(12)))
    assert fake.rejections == 0  # the strict emulator saw no more than the limit
    arrivals = [r.arrival for r in fake.requests]
    assert fake.injected.total() >= 3
    assert len(arrivals) == 12 + fake.injected.total()
    # No more than `count` requests in any window slightly shorter than the period
    # (the tolerance absorbs loopback transit jitter).
    for i, start in enumerate(arrivals):
        assert sum(1 for t in arrivals[i:] if t - start < period * 0.9) <= count


@pytest.mark.parametrize(
    ("kind", "error"), [("busy_503", APIError), ("disconnect", TransportError)]
)
async def test_reads_give_up_after_the_attempts(kind: FaultKind, error: type[Exception]) -> None:
    policy = RetryPolicy(attempts=3, initial_delay=0.01, max_delay=0.02)
    async with (
        fake_exchange(faults=Faults(rate=1.0, kinds=(kind,))) as fake,
        connect(fake, retry=policy) as client,
    ):
        with pytest.raises(error):
            await client.funding.balances()
    assert len(fake.requests) == 3


async def test_retries_stop_at_the_deadline() -> None:
    policy = RetryPolicy(attempts=100, initial_delay=0.05, max_delay=0.1, deadline=1.0)
    faults = Faults(rate=1.0, kinds=("delay",), delay=0.5)
    async with fake_exchange(faults=faults) as fake, connect(fake, retry=policy, timeout=0.2) as c:
        started = time.monotonic()
        with pytest.raises(TransportError, match="timed out"):
            await c.funding.balances()
        elapsed = time.monotonic() - started
    # Counted, not timed: without the deadline there would be 100 attempts of 0.2 s each.
    # The last retry starts before 1.0 s; a busy box only makes the attempts fewer.
    assert elapsed > 0.8
    assert 2 <= len(fake.requests) <= 8


HISTORIES = {  # iterator -> (state list, id field, record attribute)
    "iter_deposits": ("deposits", "depId", "dep_id"),
    "iter_withdrawals": ("withdrawals", "wdId", "wd_id"),
    "iter_bills": ("bills", "billId", "bill_id"),
}


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_history_iterators_yield_the_exact_set_under_15_percent_faults(
    concurrency: int,
) -> None:
    faults = Faults(rate=0.15, delay=0.5, seed=21)
    async with fake_exchange(faults=faults) as fake, connect(fake) as client:
        for name, (state, id_field, attr) in HISTORIES.items():
            iterator = getattr(client.funding, name)(page_size=20, concurrency=concurrency)
            got = [str(getattr(record, attr)) async for record in iterator]
            truth = [row[id_field] for row in getattr(fake.state, state)]
            if concurrency == 1:
                assert got == truth, name  # every record once, newest first
            else:
                assert sorted(got) == sorted(truth) and len(set(got)) == len(got), name
        trades = [t.trade_id async for t in client.otc.iter_history(page_size=7)]
        assert trades == [t["tradeId"] for t in fake.state.rfq_trades]
    assert fake.injected.total() >= 6
    assert set(fake.injected) == {"http_502", "busy_503", "disconnect", "delay"}


# --- withdrawals and trades: sent once, reconciled by client id ----------------------


@pytest.mark.parametrize("kind", ["drop_after_commit", "timeout_after_commit"])
async def test_withdrawal_answer_lost_after_commit_is_found_by_client_id(kind: str) -> None:
    """Executed, then the answer is lost, or is the server's own "request timeout, outcome
    unknown" (50004, HTTP 400): looked up, never resent and never reported as refused."""
    async with (
        fake_exchange(faults=Faults(**{kind: 1.0})) as fake,  # type: ignore[arg-type]
        connect(fake) as client,
    ):
        result = await withdraw(client)  # the client id is generated
        [wd_id] = recorded_withdrawals(fake, result.client_id)
    assert (result.wd_id, result.ccy, result.amt, result.chain) == (
        wd_id,
        "USDT",
        Decimal("1.5"),
        "USDT-TRC20",
    )
    assert requests_to(fake, "POST", WITHDRAWAL) == 1
    answered = {"drop_after_commit": 0, "timeout_after_commit": 400}[kind]
    assert [r.status for r in fake.requests if r.method == "POST"] == [answered]
    lookup = next(r for r in fake.requests if r.path == WITHDRAWAL_HISTORY)
    assert lookup.query == {"clientId": result.client_id}


async def test_withdrawal_lost_before_commit_is_outcome_unknown() -> None:
    async with (
        fake_exchange(faults=Faults(drop_before_commit=1.0)) as fake,
        connect(fake) as client,
    ):
        with pytest.raises(OutcomeUnknownError) as info:
            await withdraw(client, client_id="payout2024x17")
    assert info.value.client_id == "payout2024x17"
    assert "payout2024x17" in str(info.value)
    assert isinstance(info.value.__cause__, TransportError)
    assert recorded_withdrawals(fake, "payout2024x17") == []
    assert requests_to(fake, "POST", WITHDRAWAL) == 1
    assert requests_to(fake, "GET", WITHDRAWAL_HISTORY) == FAST.lookups


@pytest.mark.parametrize("kind", ["drop_after_commit", "timeout_after_commit"])
async def test_trade_answer_lost_after_commit_is_found_by_client_id(kind: str) -> None:
    async with (
        fake_exchange(faults=Faults(**{kind: 1.0})) as fake,  # type: ignore[arg-type]
        connect(fake) as client,
    ):
        result = await trade(client, "tradeAbc1")
        assert result == await client.otc.get_trade(trade_id=result.trade_id)
    assert recorded_trades(fake, "tradeAbc1") == [result.trade_id]
    assert requests_to(fake, "POST", TRADE) == 1


async def test_trade_lost_before_commit_is_outcome_unknown() -> None:
    async with (
        fake_exchange(faults=Faults(drop_before_commit=1.0)) as fake,
        connect(fake) as client,
    ):
        with pytest.raises(OutcomeUnknownError) as info:
            await trade(client)
    assert len(info.value.client_id) == 32  # the generated id is handed back
    assert recorded_trades(fake, info.value.client_id) == []
    assert requests_to(fake, "POST", TRADE) == 1
    assert requests_to(fake, "GET", TRADE) == FAST.lookups


async def test_definite_refusal_is_raised_without_lookup(fake: FakeExchange) -> None:
    async with connect(fake) as client:
        with pytest.raises(APIError) as info:
            await client.funding.withdraw(
                ccy="BTC", amt="100000", dest="4", to_addr="17DKe3kkkk", fee="0.0005"
            )
    assert info.value.code == "58350"
    assert [r.path for r in fake.requests] == [WITHDRAWAL]


async def test_reused_client_id_is_not_mistaken_for_this_withdrawal() -> None:
    async with fake_exchange() as fake, connect(fake) as client:
        await withdraw(client, client_id="reused1")
        fake.faults = Faults(drop_before_commit=1.0)
        with pytest.raises(OutcomeUnknownError, match="earlier withdrawal"):
            await client.funding.withdraw(
                ccy="USDT", amt="99", dest="4", to_addr="TN4hx", fee="1", client_id="reused1"
            )
    assert len(recorded_withdrawals(fake, "reused1")) == 1


async def test_reused_client_id_is_not_mistaken_for_this_trade() -> None:
    async with fake_exchange() as fake, connect(fake) as client:
        first = await trade(client, "reusedT1")
        fake.faults = Faults(drop_before_commit=1.0)  # the second trade's answer is lost
        with pytest.raises(OutcomeUnknownError, match="earlier trade") as info:
            await trade(client, "reusedT1")  # a new quote: the found trade is not this one
    assert info.value.client_id == "reusedT1"
    assert recorded_trades(fake, "reusedT1") == [first.trade_id]
    assert requests_to(fake, "POST", TRADE) == 2


async def test_exactly_one_withdrawal_and_trade_per_client_id_over_many_trials() -> None:
    faults = Faults(rate=0.15, drop_after_commit=0.5, drop_before_commit=0.2, delay=0.5, seed=3)
    outcomes: dict[str, Withdrawal | Trade | OutcomeUnknownError] = {}
    async with fake_exchange(faults=faults) as fake, connect(fake) as client:
        for n in range(30):
            try:
                outcomes[f"wd{n}"] = await withdraw(client, f"wd{n}")
            except OutcomeUnknownError as error:
                outcomes[f"wd{n}"] = error
        for n in range(10):
            try:
                outcomes[f"tr{n}"] = await trade(client, f"tr{n}")
            except OutcomeUnknownError as error:
                outcomes[f"tr{n}"] = error
    assert fake.injected["drop_after_commit"] >= 5
    assert fake.injected["drop_before_commit"] >= 2
    unknown = [o for o in outcomes.values() if isinstance(o, OutcomeUnknownError)]
    # Every request dropped before commit is unknown; every one dropped after is found.
    assert len(unknown) == fake.injected["drop_before_commit"]
    for client_id, outcome in outcomes.items():
        posts = [r for r in fake.requests if r.method == "POST" and sent_id(r.body) == client_id]
        assert len(posts) == 1, client_id  # never sent twice
        if isinstance(outcome, Withdrawal):
            assert recorded_withdrawals(fake, client_id) == [outcome.wd_id]
        elif isinstance(outcome, Trade):
            assert recorded_trades(fake, client_id) == [outcome.trade_id]
        else:
            assert outcome.client_id == client_id
            recorded = recorded_withdrawals(fake, client_id) + recorded_trades(fake, client_id)
            assert len(recorded) <= 1
        if posts[0].status == 200:  # answered: the caller got the result
            assert not isinstance(outcome, OutcomeUnknownError)


async def test_rate_limited_withdrawal_is_retried_because_it_was_not_executed() -> None:
    posts: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        posts.append(await request.text())
        if len(posts) == 1:
            body = {"code": "50011", "msg": "Too Many Requests", "data": []}
            return web.json_response(body, status=429, headers={"Retry-After": "0.05"})
        data = [{"amt": "1.5", "wdId": "77", "ccy": "USDT", "clientId": "rl1", "chain": ""}]
        return web.json_response({"code": "0", "msg": "", "data": data})

    async with serve(handler) as client:
        result = await withdraw(client, "rl1")
    assert result.wd_id == "77"
    assert len(posts) == 2 and posts[0] == posts[1]


@pytest.mark.parametrize(
    ("status", "body"),
    [(502, "<html>502 Bad Gateway</html>"), (503, '{"code":"50001","msg":"busy","data":[]}')],
)
async def test_5xx_answer_to_a_withdrawal_is_reconciled_not_resent(status: int, body: str) -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        if request.method == "POST":
            return web.Response(status=status, text=body, content_type="text/html")
        return web.json_response({"code": "0", "msg": "", "data": []})

    async with serve(handler) as client:
        with pytest.raises(OutcomeUnknownError):
            await withdraw(client, "srv5xx")
    assert seen == [f"POST {WITHDRAWAL}"] + [f"GET {WITHDRAWAL_HISTORY}"] * FAST.lookups


async def test_connection_refused_is_definite_for_a_withdrawal() -> None:
    async with fake_exchange() as fake:
        url = fake.url
    async with Client(base_url=url, retry=FAST, api_key="k", secret_key="s", passphrase="p") as c:
        with pytest.raises(TransportError, match="could not connect") as info:
            await withdraw(c, "refused1")
    assert info.value.maybe_sent is False


@asynccontextmanager
async def serve(handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[Client]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url(""))
        async with Client(
            base_url=url, retry=FAST, api_key="k", secret_key="s", passphrase="p"
        ) as client:
            yield client
    finally:
        await server.close()


# --- clock --------------------------------------------------------------------------


@pytest.mark.parametrize("skew_ms", [120_000, -120_000])
async def test_skewed_server_clock_still_succeeds(skew_ms: int) -> None:
    async with fake_exchange(clock_skew_ms=skew_ms) as fake, connect(fake) as client:
        assert await client.funding.balances()
        result = await withdraw(client, "skewed1")
        assert await client.funding.balances()
        assert abs(client.clock_offset_ms - skew_ms) < 1_000
    assert recorded_withdrawals(fake, "skewed1") == [result.wd_id]
    assert [(r.path, r.code) for r in fake.requests[:3]] == [
        ("/api/v5/asset/balances", "50102"),
        ("/api/v5/public/time", "0"),
        ("/api/v5/asset/balances", "0"),
    ]
    assert [r.code for r in fake.requests[3:]] == ["0", "0"]  # the offset is kept


async def test_concurrent_refusals_share_one_clock_sync() -> None:
    async with fake_exchange(clock_skew_ms=-90_000) as fake, connect(fake) as client:
        await asyncio.gather(*(client.funding.balances() for _ in range(10)))
    assert requests_to(fake, "GET", "/api/v5/public/time") == 1


async def test_proactive_clock_sync_avoids_refusals() -> None:
    async with fake_exchange(clock_skew_ms=100_000) as fake, connect(fake, clock_sync=60.0) as c:
        await asyncio.gather(c.funding.balances(), c.funding.balances(), c.otc.instruments())
        await c.otc.instruments()
    assert fake.requests[0].path == "/api/v5/public/time"
    assert requests_to(fake, "GET", "/api/v5/public/time") == 1  # shared, and not yet due
    assert [r.code for r in fake.requests] == ["0"] * 5


async def test_proactive_clock_sync_repeats_when_due() -> None:
    async with fake_exchange() as fake, connect(fake, clock_sync=0.2) as client:
        for _ in range(3):
            await client.funding.balances()
            await asyncio.sleep(0.25)
        await client.funding.balances()
    assert [r.path.rsplit("/", 1)[1] for r in fake.requests] == ["time", "balances"] * 4


async def test_cancelled_withdrawal_logs_its_client_id(caplog: pytest.LogCaptureFixture) -> None:
    faults = Faults(rate=1.0, kinds=("delay",), delay=0.5, drop_before_commit=1.0)
    async with fake_exchange(faults=faults) as fake, connect(fake) as client:
        task = asyncio.create_task(withdraw(client, "cancelMe1"))
        await asyncio.sleep(0.2)  # most likely while the first lookup is held
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert "withdrawal cancelMe1 cancelled: it may have been sent" in caplog.text


async def test_a_failing_clock_sync_raises_the_refusal() -> None:
    faults = Faults(rate=1.0, kinds=("busy_503",))  # every GET fails, public/time included
    policy = RetryPolicy(attempts=2, initial_delay=0.01)
    async with (
        fake_exchange(clock_skew_ms=60_000, faults=faults) as fake,
        connect(fake, retry=policy) as client,
    ):
        with pytest.raises(AuthenticationError) as info:
            await withdraw(client, "clock1")
    assert info.value.code == "50102"
    assert isinstance(info.value.__cause__, APIError)
    assert recorded_withdrawals(fake, "clock1") == []
    assert requests_to(fake, "POST", WITHDRAWAL) == 1
