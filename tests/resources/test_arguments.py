"""Every documented argument of client.funding and client.otc reaches the server under its
API name and in the API's text form, as the emulator received it (``fake.requests``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from paging_helpers import FAST

import okxasync
from okxasync import BillType, DepositState, Side, WithdrawalState
from okxasync.testing import FakeExchange, RecordedRequest

JUNE_1 = datetime(2022, 6, 1, tzinfo=timezone.utc)
JUNE_1_MS = 1654041600000  # date -u -d 2022-06-01 +%s, in ms


#: The ``fake`` fixture (tests/conftest.py, through the okxasync pytest plugin) with these options.
pytestmark = pytest.mark.fake_exchange(seed=0, rate_limits=FAST)


@pytest.fixture
async def client(fake: FakeExchange) -> AsyncIterator[okxasync.Client]:
    async with okxasync.Client(base_url=fake.url, rate_limits=FAST, **fake.credentials) as c:
        yield c


def last(fake: FakeExchange, method: str, path: str) -> RecordedRequest:
    """The last request the emulator accepted for ``method path``."""
    [*_, request] = [r for r in fake.requests if (r.method, r.path) == (method, path)]
    assert request.status == 200, request
    return request


def body(request: RecordedRequest) -> dict[str, object]:
    sent: dict[str, object] = json.loads(request.body)
    return sent


async def test_balances_and_currencies_send_ccy(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    await client.funding.balances()
    assert last(fake, "GET", "/api/v5/asset/balances").query == {}
    await client.funding.balances(ccy="ETH")
    assert last(fake, "GET", "/api/v5/asset/balances").query == {"ccy": "ETH"}
    await client.funding.currencies()
    assert last(fake, "GET", "/api/v5/asset/currencies").query == {}
    await client.funding.currencies(ccy=("USDT", "BTC"))
    assert last(fake, "GET", "/api/v5/asset/currencies").query == {"ccy": "USDT,BTC"}
    await client.funding.deposit_address("LTC")
    assert last(fake, "GET", "/api/v5/asset/deposit-address").query == {"ccy": "LTC"}


async def test_deposit_history_sends_every_argument(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    await client.funding.deposit_history(
        ccy="BTC",
        dep_id="123",
        tx_id="0xabc",
        state=DepositState.SUCCESSFUL,
        after=JUNE_1,
        before=JUNE_1_MS - 86_400_000,
        limit=7,
    )
    assert last(fake, "GET", "/api/v5/asset/deposit-history").query == {
        "ccy": "BTC",
        "depId": "123",
        "txId": "0xabc",
        "state": "2",
        "after": str(JUNE_1_MS),
        "before": str(JUNE_1_MS - 86_400_000),
        "limit": "7",
    }
    await client.funding.deposit_history()
    assert last(fake, "GET", "/api/v5/asset/deposit-history").query == {}


async def test_bills_send_every_argument(client: okxasync.Client, fake: FakeExchange) -> None:
    await client.funding.bills(
        ccy="USDT",
        type=BillType.WITHDRAWAL,
        client_id="abc1",
        after=JUNE_1_MS + 5,
        before=JUNE_1_MS,
        limit=3,
    )
    assert last(fake, "GET", "/api/v5/asset/bills").query == {
        "ccy": "USDT",
        "type": "2",
        "clientId": "abc1",
        "after": str(JUNE_1_MS + 5),
        "before": str(JUNE_1_MS),
        "limit": "3",
    }


async def test_withdrawal_history_sends_every_argument(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    await client.funding.withdrawal_history(
        ccy="ETH",
        wd_id="42",
        client_id="cid9",
        tx_id="0xdef",
        state=WithdrawalState.SENT,
        after=JUNE_1,
        before=0,
        limit=100,
    )
    assert last(fake, "GET", "/api/v5/asset/withdrawal-history").query == {
        "ccy": "ETH",
        "wdId": "42",
        "clientId": "cid9",
        "txId": "0xdef",
        "state": "2",
        "after": str(JUNE_1_MS),
        "before": "0",
        "limit": "100",
    }


async def test_withdraw_sends_every_argument_once(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    await client.funding.withdraw(
        ccy="USDT",
        amt=Decimal("12.50"),
        dest="3",
        to_addr="TN4hxxxxxxxxxxxizqs",
        fee="1E+0",
        chain="USDT-TRC20",
        client_id="argsWd1",
    )
    assert body(last(fake, "POST", "/api/v5/asset/withdrawal")) == {
        "ccy": "USDT",
        "amt": "12.5",
        "dest": "3",
        "toAddr": "TN4hxxxxxxxxxxxizqs",
        "fee": "1",
        "chain": "USDT-TRC20",
        "clientId": "argsWd1",
    }
    result = await client.funding.withdraw(
        ccy="BTC", amt=1, dest="4", to_addr="17DKe3kkkkiiiiTvAKKi2vMPbm1Bz3CMKw", fee="0.0005"
    )
    sent = body(last(fake, "POST", "/api/v5/asset/withdrawal"))
    assert "chain" not in sent
    assert sent["clientId"] == result.client_id  # the generated id is the one sent
    assert sum(r.method == "POST" for r in fake.requests) == 2


@pytest.mark.parametrize("amt", [Decimal("1e99999999"), Decimal("1e999999999999")])
async def test_an_amount_of_absurd_size_is_refused_and_nothing_is_sent(
    client: okxasync.Client, fake: FakeExchange, amt: Decimal
) -> None:
    """Before: a 100 MB body was built and sent, or a stray MemoryError raised."""
    with pytest.raises(okxasync.ValidationError, match="amt"):
        await client.funding.withdraw(ccy="USDT", amt=amt, dest="4", to_addr="x", fee="1")
    assert not [r for r in fake.requests if r.path == "/api/v5/asset/withdrawal"]


async def test_quote_and_trade_send_every_argument(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    quote = await client.otc.quote(
        base_ccy="BTC",
        quote_ccy="USDT",
        side=Side.BUY,
        rfq_sz=Decimal("0.500"),
        rfq_sz_ccy="BTC",
        cl_q_req_id="q77",
        cl_q_req_ts=JUNE_1,
    )
    assert body(last(fake, "POST", "/api/v5/otc/rfq/quote")) == {
        "baseCcy": "BTC",
        "quoteCcy": "USDT",
        "side": "buy",
        "rfqSz": "0.5",
        "rfqSzCcy": "BTC",
        "clQReqId": "q77",
        "clQReqTs": str(JUNE_1_MS),
    }
    trade = await client.otc.trade(
        quote_id=quote.quote_id,
        base_ccy="BTC",
        quote_ccy="USDT",
        side="buy",
        sz="0.5",
        sz_ccy="BTC",
        cl_t_req_id="t77",
        cl_t_req_ts=JUNE_1_MS + 1,
    )
    assert body(last(fake, "POST", "/api/v5/otc/rfq/trade")) == {
        "clTReqId": "t77",
        "clTReqTs": str(JUNE_1_MS + 1),
        "quoteId": quote.quote_id,
        "baseCcy": "BTC",
        "quoteCcy": "USDT",
        "side": "buy",
        "sz": "0.5",
        "szCcy": "BTC",
    }
    assert trade.cl_t_req_id == "t77"


async def test_get_trade_and_history_send_every_argument(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    known = fake.state.rfq_trades[3]
    by_id = await client.otc.get_trade(trade_id=known["tradeId"])
    assert last(fake, "GET", "/api/v5/otc/rfq/trade").query == {"tradeId": known["tradeId"]}
    by_client_id = await client.otc.get_trade(cl_t_req_id=known["clTReqId"])
    assert last(fake, "GET", "/api/v5/otc/rfq/trade").query == {"clTReqId": known["clTReqId"]}
    assert by_id == by_client_id and by_id.trade_id == known["tradeId"]
    page = await client.otc.history(begin=JUNE_1, end=JUNE_1_MS * 2, page_sz=5, page_idx=2)
    assert last(fake, "GET", "/api/v5/otc/rfq/history").query == {
        "begin": str(JUNE_1_MS),
        "end": str(JUNE_1_MS * 2),
        "pageSz": "5",
        "pageIdx": "2",
    }
    assert page.page_idx == 2 and len(page.trades) == 5


@pytest.mark.parametrize(
    ("iterator", "path", "filters", "wire"),
    [
        (
            "iter_deposits",
            "/api/v5/asset/deposit-history",
            {"ccy": "BTC", "tx_id": "0x1", "state": DepositState.CREDITED},
            {"ccy": "BTC", "txId": "0x1", "state": "1"},
        ),
        (
            "iter_withdrawals",
            "/api/v5/asset/withdrawal-history",
            {"ccy": "ETH", "client_id": "c1", "tx_id": "0x2", "state": WithdrawalState.FAILED},
            {"ccy": "ETH", "clientId": "c1", "txId": "0x2", "state": "-1"},
        ),
        (
            "iter_bills",
            "/api/v5/asset/bills",
            {"ccy": "USDT", "type": BillType.DEPOSIT, "client_id": "c2"},
            {"ccy": "USDT", "type": "1", "clientId": "c2"},
        ),
    ],
)
async def test_history_iterators_send_their_filters_on_every_page(
    client: okxasync.Client,
    fake: FakeExchange,
    iterator: str,
    path: str,
    filters: dict[str, object],
    wire: dict[str, str],
) -> None:
    since, until = JUNE_1_MS, JUNE_1_MS * 2
    records = getattr(client.funding, iterator)(since=since, until=until, **filters)
    assert [r async for r in records] == []  # no seeded record has these ids
    pages = [r.query for r in fake.requests if r.path == path]
    assert len(pages) == 1  # nothing found: one short page
    [query] = pages
    assert {k: query.get(k) for k in wire} == wire
    # [since, until) as the API's exclusive bounds: before = since - 1, after = until
    assert (query["before"], query["after"]) == (str(since - 1), str(until))
