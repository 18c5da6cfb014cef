"""The emulator itself, exercised with raw signed aiohttp requests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from okxasync._http.signing import iso_timestamp, sign
from okxasync.testing import ExchangeState, FakeExchange

NOW_MS = 1_720_000_000_000
Reply = tuple[int, dict[str, Any]]


#: The ``fake`` fixture (tests/conftest.py, through the okxasync pytest plugin) with these options.
pytestmark = pytest.mark.fake_exchange(seed=0, enforce_limits=False)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def signed_headers(fake: FakeExchange, method: str, path: str, body: str = "") -> dict[str, str]:
    """The four OK-ACCESS-* headers for ``path`` (which includes the query string)."""
    creds = fake.credentials
    timestamp = iso_timestamp(int(time.time() * 1000))
    return {
        "OK-ACCESS-KEY": creds["api_key"],
        "OK-ACCESS-SIGN": sign(creds["secret_key"], timestamp, method, path, body),
        "OK-ACCESS-TIMESTAMP": timestamp,
        "OK-ACCESS-PASSPHRASE": creds["passphrase"],
        "Content-Type": "application/json",
    }


async def send(
    session: aiohttp.ClientSession,
    fake: FakeExchange,
    method: str,
    path: str,
    body: str = "",
    headers: dict[str, str] | None = None,
) -> Reply:
    """One raw request; signed correctly unless ``headers`` are given."""
    if headers is None:
        headers = signed_headers(fake, method, path, body)
    async with session.request(method, fake.url + path, data=body or None, headers=headers) as r:
        return r.status, await r.json()


async def get(session: aiohttp.ClientSession, fake: FakeExchange, path: str) -> Reply:
    return await send(session, fake, "GET", path)


async def post(
    session: aiohttp.ClientSession, fake: FakeExchange, path: str, payload: dict[str, str]
) -> Reply:
    return await send(session, fake, "POST", path, json.dumps(payload))


def ok_data(reply: Reply) -> list[Any]:
    status, envelope = reply
    assert (status, envelope["code"], envelope["msg"]) == (200, "0", ""), envelope
    data: list[Any] = envelope["data"]
    return data


def assert_error(reply: Reply, status: int, code: str, mentions: str = "") -> None:
    assert reply[0] == status, reply
    assert reply[1]["code"] == code, reply
    assert mentions in reply[1]["msg"]
    assert reply[1]["data"] == []


# ------------------------------------------------------------------- server


async def test_public_time_needs_no_auth(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    async with session.get(fake.url + "/api/v5/public/time") as response:
        body = await response.json()
    assert response.status == 200
    assert body["code"] == "0"
    assert abs(int(body["data"][0]["ts"]) - time.time() * 1000) < 5_000


async def test_start_close_idempotent_and_url() -> None:
    exchange = FakeExchange(seed=3)
    with pytest.raises(RuntimeError):
        _ = exchange.url
    await exchange.start()
    await exchange.start()
    assert exchange.url.startswith("http://127.0.0.1:")
    assert not exchange.url.endswith(":0")
    await exchange.close()
    await exchange.close()


async def test_unknown_path_is_404_envelope(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    assert_error(await get(session, fake, "/api/v5/asset/nope"), 404, "50000")


# --------------------------------------------------------------------- auth


def _skewed(fake: FakeExchange, path: str) -> dict[str, str]:
    headers = signed_headers(fake, "GET", path)
    stale = iso_timestamp(int(time.time() * 1000) - 31_000)
    headers["OK-ACCESS-TIMESTAMP"] = stale
    headers["OK-ACCESS-SIGN"] = sign(fake.credentials["secret_key"], stale, "GET", path)
    return headers


def _tampered(fake: FakeExchange, path: str, case: str) -> dict[str, str]:
    headers = signed_headers(fake, "GET", path)
    if case == "missing key":
        del headers["OK-ACCESS-KEY"]
    elif case == "unknown key":
        headers["OK-ACCESS-KEY"] = "00000000-0000-4000-8000-000000000000"
    elif case == "bad timestamp":
        headers["OK-ACCESS-TIMESTAMP"] = "2024-07-03 10:00:00"
    elif case == "stale timestamp":
        headers = _skewed(fake, path)
    elif case == "wrong passphrase":
        headers["OK-ACCESS-PASSPHRASE"] = "nope"
    elif case == "wrong secret":
        stamp = headers["OK-ACCESS-TIMESTAMP"]
        headers["OK-ACCESS-SIGN"] = sign("0" * 32, stamp, "GET", path)
    elif case == "path without query":
        stamp = headers["OK-ACCESS-TIMESTAMP"]
        headers["OK-ACCESS-SIGN"] = sign(
            fake.credentials["secret_key"], stamp, "GET", path.split("?")[0]
        )
    return headers


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("missing key", "50111"),
        ("unknown key", "50111"),
        ("bad timestamp", "50102"),
        ("stale timestamp", "50102"),
        ("wrong passphrase", "50105"),
        ("wrong secret", "50113"),
        ("path without query", "50113"),
    ],
)
async def test_auth_failures(
    fake: FakeExchange, session: aiohttp.ClientSession, case: str, code: str
) -> None:
    path = "/api/v5/asset/deposit-history?ccy=BTC&limit=5"
    reply = await send(session, fake, "GET", path, headers=_tampered(fake, path, case))
    assert_error(reply, 401, code)
    assert (fake.requests[-1].status, fake.requests[-1].code) == (401, code)


async def test_post_signature_covers_exact_body(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    path = "/api/v5/otc/rfq/quote"
    body = '{"baseCcy":"BTC","quoteCcy":"USD","side":"buy","rfqSz":"1","rfqSzCcy":"BTC"}'
    headers = signed_headers(fake, "POST", path, body)
    reply = await send(session, fake, "POST", path, body.replace(":", ": "), headers=headers)
    assert_error(reply, 401, "50113")
    assert ok_data(await send(session, fake, "POST", path, body, headers=headers))


async def test_signed_get_and_post_are_recorded(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    balances = ok_data(await get(session, fake, "/api/v5/asset/balances?ccy=BTC,ETH"))
    assert [b["ccy"] for b in balances] == ["BTC", "ETH"]
    payload = {"baseCcy": "ETH", "quoteCcy": "USD", "side": "sell", "rfqSz": "2", "rfqSzCcy": "ETH"}
    headers = signed_headers(fake, "POST", "/api/v5/otc/rfq/quote", json.dumps(payload))
    headers["x-simulated-trading"] = "1"
    ok_data(
        await send(session, fake, "POST", "/api/v5/otc/rfq/quote", json.dumps(payload), headers)
    )
    first, second = fake.requests[-2:]
    assert (first.method, first.path, first.query) == (
        "GET",
        "/api/v5/asset/balances",
        {"ccy": "BTC,ETH"},
    )
    assert (first.status, first.code, first.simulated_trading) == (200, "0", False)
    assert (second.method, second.body, second.simulated_trading) == (
        "POST",
        json.dumps(payload),
        True,
    )
    assert first.arrival <= second.arrival


# -------------------------------------------------------------- ground truth


def test_state_is_deterministic_per_seed_and_now() -> None:
    one, two = ExchangeState(7, now_ms=NOW_MS), ExchangeState(7, now_ms=NOW_MS)
    assert one.deposits == two.deposits
    assert one.withdrawals == two.withdrawals
    assert one.bills == two.bills
    assert one.rfq_trades == two.rfq_trades
    assert one.balances == two.balances
    assert ExchangeState(8, now_ms=NOW_MS).deposits != one.deposits
    assert FakeExchange(7).credentials == FakeExchange(7).credentials
    assert FakeExchange(7).credentials != FakeExchange(8).credentials


def test_state_shape() -> None:
    state = ExchangeState(0, now_ms=NOW_MS)
    assert {b["ccy"] for b in state.balances} == {
        "BTC", "ETH", "USDT", "USDC", "OKB", "LTC", "XRP", "TRX"
    }  # fmt: skip
    assert {"USDT-ERC20", "USDT-TRC20"} <= {str(c["chain"]) for c in state.currencies}
    assert (len(state.deposits), len(state.withdrawals), len(state.bills)) == (300, 150, 300)
    assert len(state.rfq_trades) == 40
    assert {w["state"] for w in state.withdrawals} == {
        "-3", "-2", "-1", "0", "1", "2", "3", "4", "5"
    }  # fmt: skip
    assert {d["state"] for d in state.deposits} == {"0", "1", "2", "8", "12", "13"}
    for history in (state.deposits, state.withdrawals, state.bills):
        stamps = [int(r["ts"]) for r in history]
        assert NOW_MS - 91 * 86_400_000 < min(stamps) <= max(stamps) < NOW_MS


@pytest.mark.parametrize(
    ("name", "id_field"), [("deposits", "depId"), ("withdrawals", "wdId"), ("bills", "billId")]
)
def test_histories_are_ordered_and_clustered(name: str, id_field: str) -> None:
    records: list[dict[str, str]] = getattr(ExchangeState(0, now_ms=NOW_MS), name)
    keys = [(int(r["ts"]), int(r[id_field])) for r in records]
    assert keys == sorted(keys, reverse=True)
    assert len({r[id_field] for r in records}) == len(records)
    assert records[99]["ts"] == records[100]["ts"]  # a cluster straddles the first page edge
    sizes: dict[str, int] = {}
    for record in records:
        sizes[record["ts"]] = sizes.get(record["ts"], 0) + 1
    assert {2, 3, 4, 5} <= set(sizes.values())
    straddling_10 = sum(records[i - 1]["ts"] == records[i]["ts"] for i in range(10, 300, 10)
                        if i < len(records))  # fmt: skip
    assert straddling_10 >= 3


def test_large_cluster_straddles_second_page() -> None:
    state = ExchangeState(5, now_ms=NOW_MS)
    for records in (state.deposits, state.bills):
        assert records[199]["ts"] == records[200]["ts"]
        assert sum(r["ts"] == records[200]["ts"] for r in records) == 15


# ------------------------------------------------------------------ history


async def test_history_paging_semantics(fake: FakeExchange, session: aiohttp.ClientSession) -> None:
    truth = fake.state.deposits
    first = ok_data(await get(session, fake, "/api/v5/asset/deposit-history"))
    assert first == truth[:100]
    edge = int(truth[99]["ts"])  # shared with truth[100]: a straddling cluster
    older = ok_data(await get(session, fake, f"/api/v5/asset/deposit-history?after={edge}"))
    assert older == [r for r in truth if int(r["ts"]) < edge][:100]
    newer = ok_data(await get(session, fake, f"/api/v5/asset/deposit-history?before={edge}"))
    assert newer == [r for r in truth if int(r["ts"]) > edge][:100]
    low, high = int(truth[150]["ts"]), int(truth[20]["ts"])
    path = f"/api/v5/asset/deposit-history?after={high}&before={low}&limit=7"
    between = ok_data(await get(session, fake, path))
    assert between == [r for r in truth if low < int(r["ts"]) < high][:7]


async def test_history_filters(fake: FakeExchange, session: aiohttp.ClientSession) -> None:
    btc = ok_data(await get(session, fake, "/api/v5/asset/deposit-history?ccy=BTC&limit=10"))
    assert btc == [r for r in fake.state.deposits if r["ccy"] == "BTC"][:10]
    sent = ok_data(await get(session, fake, "/api/v5/asset/withdrawal-history?state=-2"))
    assert sent == [w for w in fake.state.withdrawals if w["state"] == "-2"]
    fees = ok_data(await get(session, fake, "/api/v5/asset/bills?type=13&ccy=USDT"))
    assert fees == [b for b in fake.state.bills if (b["type"], b["ccy"]) == ("13", "USDT")]
    dep_id = fake.state.deposits[42]["depId"]
    by_id = ok_data(await get(session, fake, f"/api/v5/asset/deposit-history?depId={dep_id}"))
    assert by_id == [fake.state.deposits[42]]


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("after=yesterday", "after"),
        ("before=-5", "before"),
        ("state=7", "state"),
        ("ccy=BTC,ETH", "ccy"),
    ],
)
async def test_history_parameter_errors(
    fake: FakeExchange, session: aiohttp.ClientSession, query: str, mentions: str
) -> None:
    reply = await get(session, fake, f"/api/v5/asset/deposit-history?{query}")
    assert_error(reply, 400, "51000", mentions)


async def test_more_than_20_currencies_rejected(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    many = ",".join(f"C{i}" for i in range(21))
    assert_error(await get(session, fake, f"/api/v5/asset/balances?ccy={many}"), 400, "51000")
    twenty = ",".join(["BTC"] + [f"C{i}" for i in range(19)])
    assert ok_data(await get(session, fake, f"/api/v5/asset/currencies?ccy={twenty}"))


async def test_deposit_address(fake: FakeExchange, session: aiohttp.ClientSession) -> None:
    rows = ok_data(await get(session, fake, "/api/v5/asset/deposit-address?ccy=USDT"))
    assert {r["chain"] for r in rows} == {"USDT-ERC20", "USDT-TRC20", "USDT-Polygon"}
    missing = await get(session, fake, "/api/v5/asset/deposit-address")
    assert_error(missing, 400, "51000", "ccy")


# --------------------------------------------------------------- withdrawals

WITHDRAWAL = "/api/v5/asset/withdrawal"


def _withdrawal(**changes: str) -> dict[str, str]:
    payload = {"ccy": "BTC", "amt": "0.5", "fee": "0.0002", "dest": "4", "toAddr": "bc1qtest"}
    payload.update(changes)
    return payload


async def test_withdrawal_recorded_and_debited(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    before = Decimal(fake.state.balance_rows(["BTC"])[0]["availBal"])
    data = ok_data(await post(session, fake, WITHDRAWAL, _withdrawal(clientId="run42")))
    assert data[0]["amt"] == "0.5"
    assert (data[0]["ccy"], data[0]["clientId"], data[0]["chain"]) == (
        "BTC",
        "run42",
        "BTC-Bitcoin",
    )
    path = "/api/v5/asset/withdrawal-history?clientId=run42"
    (record,) = ok_data(await get(session, fake, path))
    assert (record["wdId"], record["state"], record["to"]) == (data[0]["wdId"], "0", "bc1qtest")
    assert ok_data(await get(session, fake, "/api/v5/asset/withdrawal-history?limit=1")) == [record]
    after = Decimal(fake.state.balance_rows(["BTC"])[0]["availBal"])
    assert before - after == Decimal("0.5002")
    assert fake.state.bills[0]["clientId"] == "run42"
    assert Decimal(fake.state.bills[0]["balChg"]) == Decimal("-0.5002")


async def test_duplicate_client_id_rejected(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    ok_data(await post(session, fake, WITHDRAWAL, _withdrawal(clientId="dup1")))
    count = len(fake.state.withdrawals)
    reply = await post(session, fake, WITHDRAWAL, _withdrawal(clientId="dup1", amt="0.1"))
    assert_error(reply, 200, "58237")
    assert len(fake.state.withdrawals) == count


async def test_insufficient_balance(fake: FakeExchange, session: aiohttp.ClientSession) -> None:
    count = len(fake.state.withdrawals)
    assert_error(await post(session, fake, WITHDRAWAL, _withdrawal(amt="1000000")), 200, "58350")
    assert len(fake.state.withdrawals) == count


@pytest.mark.parametrize(
    ("changes", "mentions"),
    [
        ({"dest": "5"}, "dest"),
        ({"amt": "1e-3"}, "amt"),
        ({"amt": "-1"}, "amt"),
        ({"amt": "0"}, "amt"),
        ({"fee": "abc"}, "fee"),
        ({"toAddr": ""}, "toAddr"),
        ({"chain": "BTC-Nowhere"}, "chain"),
        ({"clientId": "has-dash"}, "clientId"),
        ({"ccy": "NOPE"}, "ccy"),
    ],
)
async def test_withdrawal_parameter_errors(
    fake: FakeExchange, session: aiohttp.ClientSession, changes: dict[str, str], mentions: str
) -> None:
    reply = await post(session, fake, WITHDRAWAL, _withdrawal(**changes))
    assert_error(reply, 400, "51000", mentions)


async def test_post_body_must_be_json_object(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    assert_error(await send(session, fake, "POST", WITHDRAWAL, "[1, 2]"), 400, "51000", "body")


# ----------------------------------------------------------------------- RFQ


def _quote(side: str = "buy", **changes: str) -> dict[str, str]:
    payload = {"baseCcy": "BTC", "quoteCcy": "USDT", "side": side, "rfqSz": "0.5"}
    payload["rfqSzCcy"] = "BTC"
    payload.update(changes)
    return payload


def _trade(quote: dict[str, str], cl_t_req_id: str, side: str = "buy") -> dict[str, str]:
    return {
        "clTReqId": cl_t_req_id,
        "quoteId": quote["quoteId"],
        "baseCcy": quote["baseCcy"],
        "quoteCcy": quote["quoteCcy"],
        "side": side,
        "sz": "0.5",
        "szCcy": quote["baseCcy"],
    }


async def test_instruments(fake: FakeExchange, session: aiohttp.ClientSession) -> None:
    (data,) = ok_data(await get(session, fake, "/api/v5/otc/rfq/instruments"))
    ids = {i["instId"] for i in data["instruments"]}
    assert {"BTC-USD", "ETH-USD", "BTC-USDT", "ETH-USDT", "BTC-HKD"} <= ids
    assert int(data["ts"]) > 0


async def test_quote_trade_lookup_history(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    (quote,) = ok_data(await post(session, fake, "/api/v5/otc/rfq/quote", _quote(clQReqId="q1")))
    assert (quote["ttlMs"], quote["clQReqId"], quote["bidPx"], quote["askBaseSz"]) == (
        "15000",
        "q1",
        "0",
        "0.5",
    )
    assert Decimal(quote["askQuoteSz"]) == Decimal(quote["askPx"]) * Decimal("0.5")
    (trade,) = ok_data(await post(session, fake, "/api/v5/otc/rfq/trade", _trade(quote, "t1")))
    assert (trade["state"], trade["px"], trade["instId"]) == (
        "FullyFilled",
        quote["askPx"],
        "BTC-USDT",
    )
    by_id = ok_data(await get(session, fake, f"/api/v5/otc/rfq/trade?tradeId={trade['tradeId']}"))
    by_cl = ok_data(await get(session, fake, "/api/v5/otc/rfq/trade?clTReqId=t1"))
    assert by_id == by_cl == [trade]
    both = f"/api/v5/otc/rfq/trade?tradeId={trade['tradeId']}&clTReqId=unknown"
    assert ok_data(await get(session, fake, both)) == [trade]
    assert ok_data(await get(session, fake, "/api/v5/otc/rfq/trade?tradeId=nope")) == []
    assert_error(await get(session, fake, "/api/v5/otc/rfq/trade"), 400, "51000")
    (page,) = ok_data(await get(session, fake, "/api/v5/otc/rfq/history?pageSz=5"))
    assert page["trades"][0]["tradeId"] == trade["tradeId"]
    assert (page["trades"][0]["baseSz"], page["totalRecordCnt"], page["totalPageCnt"]) == (
        "0.5",
        "41",
        "9",
    )


async def test_trade_errors(fake: FakeExchange, session: aiohttp.ClientSession) -> None:
    (quote,) = ok_data(await post(session, fake, "/api/v5/otc/rfq/quote", _quote("sell")))
    wrong_side = await post(session, fake, "/api/v5/otc/rfq/trade", _trade(quote, "a1", "buy"))
    assert_error(wrong_side, 400, "51000", "side")
    ok_data(await post(session, fake, "/api/v5/otc/rfq/trade", _trade(quote, "a1", "sell")))
    count = len(fake.state.rfq_trades)
    again = await post(session, fake, "/api/v5/otc/rfq/trade", _trade(quote, "a1", "sell"))
    assert_error(again, 200, "58012")
    reused = await post(session, fake, "/api/v5/otc/rfq/trade", _trade(quote, "a2", "sell"))
    assert_error(reused, 200, "58010")
    assert len(fake.state.rfq_trades) == count
    unknown = await post(session, fake, "/api/v5/otc/rfq/quote", _quote(quoteCcy="EUR"))
    assert_error(unknown, 200, "58000")


async def test_expired_quote_rejected(session: aiohttp.ClientSession) -> None:
    async with FakeExchange(seed=1, quote_ttl_ms=1, enforce_limits=False) as fake:
        (quote,) = ok_data(await post(session, fake, "/api/v5/otc/rfq/quote", _quote()))
        assert quote["ttlMs"] == "1"
        await asyncio.sleep(0.02)
        reply = await post(session, fake, "/api/v5/otc/rfq/trade", _trade(quote, "late"))
        assert_error(reply, 200, "58011")
        assert fake.state.find_trade(trade_id=None, cl_t_req_id="late") is None


async def test_rfq_history_range_and_pages(
    fake: FakeExchange, session: aiohttp.ClientSession
) -> None:
    truth = fake.state.rfq_trades
    begin, end = int(truth[30]["ts"]), int(truth[5]["ts"])
    expected = [t["tradeId"] for t in truth if begin <= int(t["ts"]) <= end]
    got: list[str] = []
    for page_idx in range(10):
        query = f"begin={begin}&end={end}&pageSz=7&pageIdx={page_idx}"
        (page,) = ok_data(await get(session, fake, f"/api/v5/otc/rfq/history?{query}"))
        got += [t["tradeId"] for t in page["trades"]]
    assert got == expected
    assert_error(await get(session, fake, "/api/v5/otc/rfq/history?pageSz=x"), 400, "51000")
