"""Every endpoint through the public API against the FakeExchange on loopback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Literal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from secret_helpers import assert_secret_free

import okxasync
from okxasync import (
    AuthenticationError,
    BillType,
    DepositState,
    ResponseError,
    Side,
    TradeState,
    ValidationError,
    WithdrawalState,
)
from okxasync.testing import FakeCredentials, FakeExchange

Client = okxasync.Client


async def test_balances(client: Client, fake: FakeExchange) -> None:
    balances = await client.funding.balances()
    assert {b.ccy for b in balances} == {r["ccy"] for r in fake.state.balances}
    by_ccy = {r["ccy"]: r for r in fake.state.balances}
    for b in balances:
        assert b.avail_bal == Decimal(by_ccy[b.ccy]["availBal"])
        assert isinstance(b.bal, Decimal)
    some = await client.funding.balances(ccy=["BTC", "ETH"])
    assert {b.ccy for b in some} == {"BTC", "ETH"}
    assert fake.requests[-1].query == {"ccy": "BTC,ETH"}


async def test_currencies(client: Client, fake: FakeExchange) -> None:
    usdt = await client.funding.currencies(ccy="USDT")
    assert len(usdt) >= 2
    assert all(c.ccy == "USDT" for c in usdt)
    assert {c.chain for c in usdt} == {
        r["chain"] for r in fake.state.currencies if r["ccy"] == "USDT"
    }
    assert all(isinstance(c.min_fee, Decimal) and isinstance(c.can_wd, bool) for c in usdt)


async def test_deposit_address(client: Client) -> None:
    addrs = await client.funding.deposit_address("BTC")
    assert addrs
    assert all(a.ccy == "BTC" and a.addr for a in addrs)


async def test_deposit_history_page(client: Client, fake: FakeExchange) -> None:
    page = await client.funding.deposit_history(limit=50)
    truth = fake.state.deposits[:50]
    assert [d.dep_id for d in page] == [r["depId"] for r in truth]
    assert all(d.ts is not None and d.ts.tzinfo is not None for d in page)
    assert all(isinstance(d.state, DepositState) for d in page)
    cursor = page[-1].ts_ms
    assert cursor is not None
    older = await client.funding.deposit_history(after=cursor, limit=10)
    assert len(older) == 10  # the checks below must not pass on an empty page
    assert all(d.ts_ms is not None and d.ts_ms < cursor for d in older)
    moment = datetime.fromtimestamp(cursor / 1000, tz=timezone.utc)
    assert [d.dep_id for d in await client.funding.deposit_history(after=moment, limit=10)] == [
        d.dep_id for d in older
    ]


async def test_deposit_history_filters(client: Client, fake: FakeExchange) -> None:
    record = fake.state.deposits[7]
    found = await client.funding.deposit_history(dep_id=record["depId"])
    assert [d.dep_id for d in found] == [record["depId"]]
    by_state = await client.funding.deposit_history(state=DepositState.SUCCESSFUL, limit=100)
    assert by_state
    assert all(d.state is DepositState.SUCCESSFUL for d in by_state)


async def test_bills(client: Client, fake: FakeExchange) -> None:
    bills = await client.funding.bills(limit=100)
    assert [b.bill_id for b in bills] == [r["billId"] for r in fake.state.bills[:100]]
    deposits_only = await client.funding.bills(type=BillType.DEPOSIT)
    assert deposits_only
    assert all(b.type is BillType.DEPOSIT for b in deposits_only)


async def test_withdraw_is_recorded(client: Client, fake: FakeExchange) -> None:
    before = len(fake.state.withdrawals)
    result = await client.funding.withdraw(
        ccy="USDT",
        amt=Decimal("12.5"),
        dest="4",
        to_addr="TN4hxxxxxxxxxxxizqs",
        fee=Decimal("1"),
        chain="USDT-TRC20",
        client_id="order42",
    )
    assert (result.ccy, result.amt, result.client_id) == ("USDT", Decimal("12.5"), "order42")
    assert result.wd_id
    assert len(fake.state.withdrawals) == before + 1
    [record] = await client.funding.withdrawal_history(client_id="order42")
    assert (record.wd_id, record.amt, record.fee) == (result.wd_id, Decimal("12.5"), Decimal(1))
    assert record.state is WithdrawalState.PENDING
    assert record.ts is not None
    sent = fake.requests[-2]
    assert sent.method == "POST"
    assert '"amt":"12.5"' in sent.body


async def test_withdraw_generates_a_client_id(client: Client) -> None:
    result = await client.funding.withdraw(
        ccy="BTC",
        amt="0.01",
        dest="4",
        to_addr="17DKe3kkkkiiiiTvAKKi2vMPbm1Bz3CMKw",
        fee="0.0005",
    )
    assert len(result.client_id) == 32
    assert result.client_id.isalnum()


async def test_withdrawal_history(client: Client, fake: FakeExchange) -> None:
    records = await client.funding.withdrawal_history(limit=100)
    assert [r.wd_id for r in records] == [r["wdId"] for r in fake.state.withdrawals[:100]]
    assert all(isinstance(r.state, WithdrawalState) for r in records)


async def test_rfq_round_trip(client: Client, fake: FakeExchange) -> None:
    instruments = await client.otc.instruments()
    assert {i.inst_id for i in instruments} == {r["instId"] for r in fake.state.rfq_instruments}
    assert all(i.ts is not None for i in instruments)
    quote = await client.otc.quote(
        base_ccy="ETH",
        quote_ccy="USD",
        side=Side.SELL,
        rfq_sz=Decimal("0.05"),
        rfq_sz_ccy="ETH",
        cl_q_req_id="q1",
    )
    assert quote.quote_id
    assert quote.bid_px is not None and quote.bid_px > 0
    assert quote.expires_at is not None and quote.expires_at > datetime.now(timezone.utc)
    trade = await client.otc.trade(
        quote_id=quote.quote_id,
        base_ccy="ETH",
        quote_ccy="USD",
        side="sell",
        sz=Decimal("0.05"),
        sz_ccy="ETH",
        cl_t_req_id="t1",
    )
    assert trade.state is TradeState.FULLY_FILLED
    assert trade.filled_base_sz == Decimal("0.05")
    assert '"sz":"0.05"' in fake.requests[-1].body
    assert await client.otc.get_trade(trade_id=trade.trade_id) == trade
    assert (await client.otc.get_trade(cl_t_req_id="t1")).trade_id == trade.trade_id
    page = await client.otc.history(page_idx=0, page_sz=100)
    assert trade.trade_id in {t.trade_id for t in page.trades}
    assert page.page_idx == 0


async def test_rfq_history_pages(client: Client, fake: FakeExchange) -> None:
    first = await client.otc.history(page_sz=10, page_idx=0)
    second = await client.otc.history(page_sz=10, page_idx=1)
    assert first.total_record_cnt == len(fake.state.rfq_trades)
    ids = [t.trade_id for t in first.trades + second.trades]
    assert ids == [r["tradeId"] for r in fake.state.rfq_trades[:20]]


async def test_api_error_carries_code(client: Client) -> None:
    with pytest.raises(okxasync.APIError) as info:
        await client.funding.withdraw(
            ccy="BTC",
            amt="100000",
            dest="4",
            to_addr="17DKe3kkkkiiiiTvAKKi2vMPbm1Bz3CMKw",
            fee="0.0005",
        )
    assert (info.value.code, info.value.status) == ("58350", 200)


@pytest.mark.parametrize(
    ("change", "code"),
    [("secret_key", "50113"), ("passphrase", "50105"), ("api_key", "50111")],
)
async def test_wrong_credentials(
    fake: FakeExchange, change: Literal["api_key", "secret_key", "passphrase"], code: str
) -> None:
    creds = fake.credentials
    creds[change] = "wrong-value-123"
    async with Client(base_url=fake.url, **creds) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.funding.balances()
    assert (info.value.code, info.value.status) == (code, 401)
    secrets = [fake.credentials["secret_key"], fake.credentials["passphrase"]]
    assert_secret_free(str(info.value) + repr(info.value), secrets)


async def test_demo_header(fake: FakeExchange) -> None:
    async with Client(base_url=fake.url, demo=True, **fake.credentials) as client:
        await client.funding.balances()
    async with Client(base_url=fake.url, **fake.credentials) as client:
        await client.funding.balances()
    assert [r.simulated_trading for r in fake.requests] == [True, False]


async def test_validation_sends_nothing(client: Client, fake: FakeExchange) -> None:
    with pytest.raises(ValidationError, match="amt"):
        await client.funding.withdraw(ccy="BTC", amt=0.1, dest="4", to_addr="x", fee="0.1")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="limit"):
        await client.funding.deposit_history(limit=500)
    with pytest.raises(ValidationError, match="ccy"):
        await client.funding.balances(ccy=[f"C{i}" for i in range(21)])
    assert fake.requests == []


async def test_credentials_from_environment(
    fake: FakeExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = fake.credentials
    monkeypatch.setenv("OKX_API_KEY", creds["api_key"])
    monkeypatch.setenv("OKX_SECRET_KEY", creds["secret_key"])
    monkeypatch.setenv("OKX_PASSPHRASE", creds["passphrase"])
    async with Client(base_url=fake.url) as client:
        assert await client.funding.balances()


def test_missing_credentials_name_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OKX_API_KEY", "OKX_SECRET_KEY", "OKX_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="OKX_SECRET_KEY, OKX_PASSPHRASE"):
        Client(api_key="k")


def test_base_url_must_be_https_unless_loopback() -> None:
    creds: FakeCredentials = {"api_key": "k", "secret_key": "s", "passphrase": "p"}
    with pytest.raises(ValidationError, match="https"):
        Client(base_url="http://www.okx.com", **creds)
    with pytest.raises(ValidationError):
        Client(base_url="ftp://localhost", **creds)
    assert Client(base_url="http://127.0.0.1:8080/", **creds).base_url == "http://127.0.0.1:8080"
    assert Client(base_url=okxasync.OKX, **creds).base_url == "https://openapi.okx.com"
    assert Client(base_url=okxasync.OKX_EEA, **creds).base_url == "https://eea.okx.com"


async def test_repr_logs_and_errors_are_secret_free(
    fake: FakeExchange, caplog: pytest.LogCaptureFixture
) -> None:
    creds = fake.credentials
    wrong_key: FakeCredentials = {**creds, "api_key": "nope"}
    caplog.set_level(logging.DEBUG, logger="okxasync")
    async with Client(base_url=fake.url, **creds) as client:
        await client.funding.balances()
        text = repr(client) + str(vars(client))
    async with Client(base_url=fake.url, **wrong_key) as bad:
        with pytest.raises(AuthenticationError) as info:
            await bad.funding.balances()
    everything = text + caplog.text + str(info.value) + repr(info.value)
    assert caplog.text  # the pipeline does log
    assert_secret_free(everything, [creds["secret_key"], creds["passphrase"]])


async def test_aclose_is_idempotent_and_final(fake: FakeExchange) -> None:
    client = Client(base_url=fake.url, **fake.credentials)
    await client.funding.balances()
    await client.aclose()
    await client.aclose()
    with pytest.raises(okxasync.OkxError, match="closed"):
        await client.funding.balances()


# --- malformed server answers, from a real aiohttp server -----------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[Client]]]:
    servers: list[TestServer] = []
    clients: list[Client] = []

    async def start(handler: Handler) -> Client:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        client = Client(
            base_url=str(server.make_url("")),
            api_key="k",
            secret_key="s",
            passphrase="p",
            timeout=2.0,
        )
        clients.append(client)
        return client

    yield start
    for c in clients:
        await c.aclose()
    for s in servers:
        await s.close()


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (404, "<html><body>Not Found</body></html>", "text/html"),
        (200, '{"code":"0","msg":"","data":[{"ccy":"BTC","bal":', "application/json"),
        (200, '{"code":"0","msg":"","data":[{"ccy":"BTC","bal":{"x":1}}]}', "application/json"),
        (200, "", "application/json"),
    ],
)
async def test_malformed_answers_raise_response_error(
    serve: Callable[[Handler], Awaitable[Client]], status: int, body: str, content_type: str
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    client = await serve(handler)
    with pytest.raises(ResponseError) as info:
        await client.funding.balances()
    assert info.value.status == status
    assert info.value.excerpt == " ".join(body.split())[:200]


async def test_empty_data_for_a_single_record_call(
    serve: Callable[[Handler], Awaitable[Client]],
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"code": "0", "msg": "", "data": []})

    client = await serve(handler)
    with pytest.raises(ResponseError, match="no record"):
        await client.otc.get_trade(trade_id="1")
