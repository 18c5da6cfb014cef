"""client.convert through the public API against the FakeExchange: every argument on the
wire, quotes that expire and are used once, trades that move the trading account and are
recorded once, the history and its iterator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from paging_helpers import FAST

import okxasync
from okxasync import APIError, ConvertQuote, ConvertTradeState, Side, ValidationError
from okxasync.testing import FakeExchange, RecordedRequest

pytestmark = pytest.mark.fake_exchange(seed=0, rate_limits=FAST)

QUOTE = "/api/v5/asset/convert/estimate-quote"
TRADE = "/api/v5/asset/convert/trade"
HISTORY = "/api/v5/asset/convert/history"


@pytest.fixture
async def client(fake: FakeExchange) -> AsyncIterator[okxasync.Client]:
    async with okxasync.Client(base_url=fake.url, rate_limits=FAST, **fake.credentials) as c:
        yield c


def sent(fake: FakeExchange, method: str, path: str) -> list[RecordedRequest]:
    return [r for r in fake.requests if (r.method, r.path) == (method, path)]


def trading(fake: FakeExchange) -> dict[str, Decimal]:
    return fake.state.moves.ledger[("", "18")]


async def quote_btc(client: okxasync.Client, usdt: str = "100", side: str = "buy") -> ConvertQuote:
    return await client.convert.estimate_quote(
        base_ccy="BTC", quote_ccy="USDT", side=side, rfq_sz=usdt, rfq_sz_ccy="USDT"
    )


async def test_currencies_and_pair(client: okxasync.Client, fake: FakeExchange) -> None:
    currencies = await client.convert.currencies()
    assert {c.ccy for c in currencies} >= {"BTC", "ETH", "USDT"}
    assert sent(fake, "GET", "/api/v5/asset/convert/currencies")[0].query == {}
    pair = await client.convert.currency_pair(from_ccy="USDT", to_ccy="ETH")
    path = "/api/v5/asset/convert/currency-pair"
    assert sent(fake, "GET", path)[0].query == {"fromCcy": "USDT", "toCcy": "ETH"}
    assert (pair.inst_id, pair.base_ccy, pair.quote_ccy) == ("ETH-USDT", "ETH", "USDT")
    assert pair.base_ccy_min < pair.base_ccy_max and pair.quote_ccy_min < pair.quote_ccy_max
    assert await client.convert.currency_pair(from_ccy="ETH", to_ccy="USDT") == pair
    with pytest.raises(APIError) as info:
        await client.convert.currency_pair(from_ccy="ETH", to_ccy="ETH")
    assert info.value.code == "58358"


async def test_quote_then_trade_sends_every_argument_and_moves_the_trading_account(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    before = dict(trading(fake))
    quote = await client.convert.estimate_quote(
        base_ccy="ETH",
        quote_ccy="USDT",
        side=Side.SELL,
        rfq_sz=Decimal("0.5"),
        rfq_sz_ccy="ETH",
        cl_q_req_id="q1",
        tag="desk",
    )
    assert json.loads(sent(fake, "POST", QUOTE)[0].body) == {
        "baseCcy": "ETH",
        "quoteCcy": "USDT",
        "side": "sell",
        "rfqSz": "0.5",
        "rfqSzCcy": "ETH",
        "clQReqId": "q1",
        "tag": "desk",
    }
    assert (quote.cl_q_req_id, quote.side, quote.base_sz) == ("q1", Side.SELL, Decimal("0.5"))
    assert quote.expires_at - quote.quote_time == timedelta(milliseconds=quote.ttl_ms)
    assert quote.expires_at > datetime.now(timezone.utc)
    trade = await client.convert.trade(
        quote_id=quote.quote_id,
        base_ccy="ETH",
        quote_ccy="USDT",
        side="sell",
        sz="0.5",
        sz_ccy="ETH",
        cl_t_req_id="t1",
        tag="desk",
    )
    assert json.loads(sent(fake, "POST", TRADE)[0].body) == {
        "quoteId": quote.quote_id,
        "baseCcy": "ETH",
        "quoteCcy": "USDT",
        "side": "sell",
        "sz": "0.5",
        "szCcy": "ETH",
        "clTReqId": "t1",
        "tag": "desk",
    }
    assert (trade.state, trade.quote_id, trade.cl_t_req_id) == (
        ConvertTradeState.FULLY_FILLED,
        quote.quote_id,
        "t1",
    )
    assert (trade.fill_base_sz, trade.fill_px) == (Decimal("0.5"), quote.cnvt_px)
    assert trading(fake)["ETH"] == before["ETH"] - Decimal("0.5")
    assert trading(fake)["USDT"] == before["USDT"] + trade.fill_quote_sz
    # Tagged trades show in the history only with their tag.
    assert await client.convert.history(cl_t_req_id="t1") == []
    [past] = await client.convert.history(cl_t_req_id="t1", tag="desk")
    assert sent(fake, "GET", HISTORY)[-1].query == {"clTReqId": "t1", "tag": "desk"}
    assert past.trade_id == trade.trade_id and past.quote_id is None
    tagged = [t async for t in client.convert.iter_history(tag="desk")]
    assert [t.trade_id for t in tagged] == [trade.trade_id]
    assert sent(fake, "GET", HISTORY)[-1].query == {"tag": "desk", "limit": "100"}


async def test_a_quote_is_used_once(client: okxasync.Client, fake: FakeExchange) -> None:
    quote = await quote_btc(client)
    args = {"base_ccy": "BTC", "quote_ccy": "USDT", "side": "buy", "sz": "100", "sz_ccy": "USDT"}
    first = await client.convert.trade(quote_id=quote.quote_id, **args)
    with pytest.raises(APIError) as info:
        await client.convert.trade(quote_id=quote.quote_id, **args)
    assert info.value.code == "52921"
    assert [t["tradeId"] for t in fake.state.convert.trades if t["quoteId"] == quote.quote_id] == [
        first.trade_id
    ]


@pytest.mark.fake_exchange(seed=0, rate_limits=FAST, quote_ttl_ms=150)
async def test_a_quote_expires(client: okxasync.Client, fake: FakeExchange) -> None:
    quote = await quote_btc(client)
    assert quote.ttl_ms == 150
    await asyncio.sleep(0.3)
    with pytest.raises(APIError) as info:
        await client.convert.trade(
            quote_id=quote.quote_id,
            base_ccy="BTC",
            quote_ccy="USDT",
            side="buy",
            sz="100",
            sz_ccy="USDT",
        )
    assert info.value.code == "52922"
    assert len(sent(fake, "POST", TRADE)) == 1 and not sent(fake, "GET", HISTORY)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"side": "sell"}, "52919"),  # not what was quoted
        ({"sz": "200"}, "52920"),  # more than quoted
        ({"quote_id": "nosuchquote"}, "52927"),
    ],
)
async def test_trades_that_do_not_fit_the_quote_are_refused(
    client: okxasync.Client, fake: FakeExchange, change: dict[str, str], code: str
) -> None:
    quote = await quote_btc(client)
    args = {
        "quote_id": quote.quote_id,
        "base_ccy": "BTC",
        "quote_ccy": "USDT",
        "side": "buy",
        "sz": "100",
        "sz_ccy": "USDT",
        **change,
    }
    with pytest.raises(APIError) as info:
        await client.convert.trade(**args)
    assert info.value.code == code
    assert not sent(fake, "GET", HISTORY)  # a definite refusal: no lookup


async def test_trading_balance_short_and_size_limits(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    trading(fake)["USDT"] = Decimal(50)
    quote = await quote_btc(client, "100")
    with pytest.raises(APIError) as info:
        await client.convert.trade(
            quote_id=quote.quote_id,
            base_ccy="BTC",
            quote_ccy="USDT",
            side="buy",
            sz="100",
            sz_ccy="USDT",
        )
    assert info.value.code == "52914"
    assert trading(fake)["USDT"] == Decimal(50)
    for size, code in (("0.5", "52917"), ("1000000", "52918")):
        with pytest.raises(APIError) as info:
            await quote_btc(client, size)
        assert info.value.code == code


@pytest.mark.parametrize(
    "kwargs",
    [
        {"side": "two_way"},
        {"rfq_sz": 0.1},
        {"rfq_sz": "0"},
        {"cl_q_req_id": "has space"},
        {"base_ccy": ""},
    ],
)
async def test_bad_quote_arguments_send_nothing(
    client: okxasync.Client, fake: FakeExchange, kwargs: dict[str, object]
) -> None:
    args: dict[str, object] = {
        "base_ccy": "BTC",
        "quote_ccy": "USDT",
        "side": "buy",
        "rfq_sz": "1",
        "rfq_sz_ccy": "USDT",
        **kwargs,
    }
    with pytest.raises(ValidationError):
        await client.convert.estimate_quote(**args)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        await client.convert.trade(
            quote_id="q", base_ccy="BTC", quote_ccy="USDT", side="buy", sz="1", sz_ccy="USDT",
            cl_t_req_id="x" * 33,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        client.convert.iter_history(since=5, until=5)
    assert fake.requests == []


async def test_history_page_sends_every_argument(
    client: okxasync.Client, fake: FakeExchange
) -> None:
    trades = fake.state.convert.trades
    middle = int(trades[50]["ts"])
    page = await client.convert.history(after=middle, before=middle - 86_400_000 * 5, limit=3)
    assert sent(fake, "GET", HISTORY)[0].query == {
        "after": str(middle),
        "before": str(middle - 86_400_000 * 5),
        "limit": "3",
    }
    expected = [t for t in trades if int(t["ts"]) < middle][:3]
    assert [t.trade_id for t in page] == [t["tradeId"] for t in expected]


@pytest.mark.parametrize("page_size", [100, 7, 3])
async def test_iter_history_yields_every_trade_once_newest_first(
    client: okxasync.Client, fake: FakeExchange, page_size: int
) -> None:
    trades = fake.state.convert.trades
    # a same-millisecond cluster straddles the 100-record page boundary
    assert trades[99]["ts"] == trades[100]["ts"]
    got = [t.trade_id async for t in client.convert.iter_history(page_size=page_size)]
    assert got == [t["tradeId"] for t in trades]
    since, until = int(trades[120]["ts"]), int(trades[10]["ts"])
    window = [t.trade_id async for t in client.convert.iter_history(since=since, until=until)]
    assert window == [t["tradeId"] for t in trades if since <= int(t["ts"]) < until]
    assert fake.rejections == 0
