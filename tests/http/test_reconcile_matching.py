"""Reconciliation finds *this* operation: a lookup by client id compares what it finds
with the request as it was sent, and a duplicate-id refusal is settled by that lookup.

Each test failed before the fix it names (found by review): against the FakeExchange, or
a small loopback server where the emulator cannot answer as the real API does.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from server_helpers import CREDENTIALS, envelope, serve

import okxasync
from okxasync import APIError, OutcomeUnknownError, Rate, RetryPolicy
from okxasync._ratelimit import BUCKETS
from okxasync.testing import FakeExchange, Faults

FAST = RetryPolicy(attempts=3, initial_delay=0.01, max_delay=0.05, lookups=2, lookup_interval=0.05)
WIDE = {name: Rate(200, 1.0) for name in BUCKETS}
WITHDRAWAL = "/api/v5/asset/withdrawal"
WITHDRAWAL_HISTORY = "/api/v5/asset/withdrawal-history"


def bad_gateway() -> web.Response:
    """An answer that settles nothing: the operation may or may not have been made."""
    return web.Response(status=502, text="<html>502</html>", content_type="text/html")


def client_for(url: str) -> okxasync.Client:
    return okxasync.Client(base_url=url, timeout=1.0, retry=FAST, rate_limits=WIDE, **CREDENTIALS)


def fake_client(fake: FakeExchange, **options: Any) -> okxasync.Client:
    return okxasync.Client(
        base_url=fake.url, timeout=1.0, retry=FAST, rate_limits=WIDE, **fake.credentials, **options
    )


async def test_a_lower_case_currency_still_finds_its_transfer_and_trade() -> None:
    """The encoder sends "usdt" as "USDT"; the lookup compared the record with "usdt" and
    called the executed transfer and trade "most likely refused as a duplicate"."""
    async with (
        FakeExchange(rate_limits=WIDE, faults=Faults(drop_after_commit=1.0)) as fake,
        fake_client(fake) as client,
    ):
        moved = await client.funding.transfer(
            ccy="usdt", amt="1.5", from_="6", to="18", client_id="lower1"
        )
        quote = await client.convert.estimate_quote(
            base_ccy="btc", quote_ccy="usdt", side="buy", rfq_sz="50", rfq_sz_ccy="usdt"
        )
        traded = await client.convert.trade(
            quote_id=quote.quote_id,
            base_ccy="btc",
            quote_ccy="usdt",
            side="buy",
            sz="20",
            sz_ccy="usdt",
            cl_t_req_id="lower2",
        )
    assert [t["transId"] for t in fake.state.moves.transfers if t["clientId"] == "lower1"] == [
        moved.trans_id
    ]
    assert [t["tradeId"] for t in fake.state.convert.trades if t["clTReqId"] == "lower2"] == [
        traded.trade_id
    ]
    assert fake.injected == {"drop_after_commit": 2}  # both answers were lost


async def test_a_transfer_id_reused_for_another_sub_account_is_refused() -> None:
    """The duplicate (50071) was looked up and the transfer to another sub-account
    returned as this one's success: `type` and `subAcct` were not compared."""
    async with FakeExchange(rate_limits=WIDE) as fake, fake_client(fake) as client:
        args: dict[str, Any] = {"ccy": "USDT", "amt": "1", "from_": "6", "to": "6", "type": "1"}
        first = await client.funding.transfer(**args, sub_acct="mini", client_id="reuse1")
        with pytest.raises(APIError, match="50071"):
            await client.funding.transfer(**args, sub_acct="desk2", client_id="reuse1")
        same = await client.funding.transfer(**args, sub_acct="mini", client_id="reuse1")
    assert same.trans_id == first.trans_id
    assert [t["subAcct"] for t in fake.state.moves.transfers if t["clientId"] == "reuse1"] == [
        "mini"
    ]


async def test_a_withdrawal_id_reused_for_another_address_is_not_its_success() -> None:
    """An unsent withdrawal to a new address was looked up and the earlier one, to another
    address, returned as its success: the address was not compared."""
    async with FakeExchange(rate_limits=WIDE) as fake, fake_client(fake) as client:
        args: dict[str, Any] = {"ccy": "USDT", "amt": Decimal("1.5"), "dest": "4", "fee": "1"}
        await client.funding.withdraw(
            **args, to_addr="TAddrOLD", chain="USDT-TRC20", client_id="wdre2"
        )
        fake.faults = Faults(drop_before_commit=1.0)  # the next POST is lost, not executed
        with pytest.raises(OutcomeUnknownError, match="earlier withdrawal"):
            await client.funding.withdraw(
                **args, to_addr="TAddrNEW", chain="USDT-TRC20", client_id="wdre2"
            )
        with pytest.raises(OutcomeUnknownError, match="earlier withdrawal"):
            await client.funding.withdraw(
                **args, to_addr="TAddrOLD", chain="USDT-ERC20", client_id="wdre2"
            )
    assert [w["to"] for w in fake.state.withdrawals if w["clientId"] == "wdre2"] == ["TAddrOLD"]


async def test_a_withdrawal_called_again_with_its_id_returns_what_the_first_call_made() -> None:
    """The duplicate refusal (58237) is looked up, as for transfers and Convert: the same
    details return the first withdrawal; other details raise the refusal."""
    async with FakeExchange(rate_limits=WIDE) as fake, fake_client(fake) as client:
        args: dict[str, Any] = {"ccy": "USDT", "dest": "4", "to_addr": "TN4hxx", "fee": "1"}
        args |= {"chain": "USDT-TRC20", "client_id": "again1"}
        first = await client.funding.withdraw(**args, amt=Decimal("1.5"))
        again = await client.funding.withdraw(**args, amt=Decimal("1.50"))
        with pytest.raises(APIError, match="58237") as refused:
            await client.funding.withdraw(**args, amt=Decimal("2"))
    assert again == first
    assert not isinstance(refused.value, OutcomeUnknownError)
    assert [r.code for r in fake.requests if r.path == WITHDRAWAL] == ["0", "58237", "58237"]
    assert sum(w["clientId"] == "again1" for w in fake.state.withdrawals) == 1


def history_record(to: str, chain: str = "USDT-TRC20") -> dict[str, str]:
    """A withdrawal-history record of the withdrawal ``withdraw_once`` asks for."""
    return {
        "chain": chain,
        "fee": "1",
        "ccy": "USDT",
        "clientId": "mask1",
        "amt": "1.5",
        "txId": "",
        "from": "156****359",
        "to": to,
        "state": "0",
        "ts": "1700000000000",
        "wdId": "9001",
    }


async def withdraw_once(url: str, to_addr: str) -> okxasync.Withdrawal:
    async with client_for(url) as client:
        return await client.funding.withdraw(
            ccy="USDT",
            amt="1.5",
            dest="4",
            to_addr=to_addr,
            fee="1",
            chain="USDT-TRC20",
            client_id="mask1",
        )


@pytest.mark.parametrize(
    ("shown", "to_addr", "found"),
    [
        ("TN8CKTQMnpWfT******8KipbJ24ErguhF", "TN8CKTQMnpWfTabcdef8KipbJ24ErguhF", True),
        ("0xa30d1fab********7cf18c7b6c579", "0xA30D1FAB00000000007CF18C7B6C579", True),
        ("ARDOR-7JF3-8F2E-QUWZ-CAN7F", "ARDOR-7JF3-8F2E-QUWZ-CAN7F:123456", True),
        (
            "qqkv9wr69ry2p9l53lxp635va4h86wv435995w8p2h",
            "bitcoincash:qqkv9wr69ry2p9l53lxp635va4h86wv435995w8p2h",
            True,
        ),
        ("TN8CKTQMnpWfT******8KipbJ24ErguhF", "TXXXXXXXXXXXXabcdef8KipbJ24ErguhF", False),
        ("TN8CKTQMnpWfT******8KipbJ24ErguhF", "TN8CKTQMnpWfT8KipbJ24ErguhF", False),
    ],
)
async def test_an_address_is_compared_as_the_api_shows_it(
    shown: str, to_addr: str, found: bool
) -> None:
    """The history masks addresses (the reference's own example), may change their case,
    and shows an ``address:tag`` without its tag; a real other address still differs."""

    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            return bad_gateway()
        return envelope([history_record(shown)])

    async with serve(handler) as (url, seen):
        if found:
            assert (await withdraw_once(url, to_addr)).wd_id == "9001"
        else:
            with pytest.raises(OutcomeUnknownError, match="earlier withdrawal"):
                await withdraw_once(url, to_addr)
    assert seen.requests == [f"POST {WITHDRAWAL}", f"GET {WITHDRAWAL_HISTORY}"]


@pytest.mark.parametrize(
    "answer",
    [
        {"code": "50013", "msg": "Systems are busy. Please try again later.", "data": []},
        {"code": "0", "msg": "", "data": [{"wdId": "W1", "ccy": "USDT", "amt": "1.5"}]},
    ],
)
async def test_a_withdrawal_answered_429_busy_or_success_is_looked_up_not_resent(
    answer: dict[str, object],
) -> None:
    """HTTP 429 was a rate limit whatever its body, and a rate limit is resent: but 50013
    ("busy", documented with HTTP 429) may have executed, and code 0 says it did."""
    posts = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal posts
        if request.method == "POST":
            posts += 1
            return web.json_response(answer, status=429)
        return envelope([history_record("TN4hxx") | {"wdId": "W1"}])

    async with serve(handler) as (url, seen):
        found = await withdraw_once(url, "TN4hxx")
    assert (found.wd_id, posts) == ("W1", 1)
    assert seen.requests == [f"POST {WITHDRAWAL}", f"GET {WITHDRAWAL_HISTORY}"]


async def test_a_withdrawal_answered_429_rate_limited_is_still_resent() -> None:
    """A 429 that says "rate limit" (50011 / 58102 / no envelope) was not executed."""
    posts = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal posts
        if request.method == "POST":
            posts += 1
            if posts == 1:
                return web.json_response({"code": "58102", "msg": "Rate limit"}, status=429)
            answer = {"wdId": "W2", "ccy": "USDT", "amt": "1.5", "clientId": "mask1"}
            return envelope([answer | {"chain": "USDT-TRC20"}])
        return envelope([])

    async with serve(handler) as (url, seen):
        assert (await withdraw_once(url, "TN4hxx")).wd_id == "W2"
    assert seen.requests == [f"POST {WITHDRAWAL}"] * 2


async def test_an_rfq_trade_found_without_its_client_id_field_is_found() -> None:
    """The reference's `GET /otc/rfq/trade` example answers with `clQReqId`, not
    `clTReqId`: the lookup dropped that record and reported the trade unknown."""

    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            return bad_gateway()
        assert request.query["clTReqId"] == "otc1"
        trade = {"baseCcy": "ETH", "clQReqId": "otc1", "filledBaseSz": "0.05"}
        trade |= {"filledQuoteSz": "199.06336", "instId": "ETH-USD", "px": "3981.2672"}
        trade |= {"quoteCcy": "USD", "quoteId": "q1", "side": "sell", "state": "FullyFilled"}
        return envelope([trade | {"tradeId": "T1", "ts": "1710326102144"}])

    async with serve(handler) as (url, seen), client_for(url) as client:
        trade = await client.otc.trade(
            quote_id="q1",
            base_ccy="ETH",
            quote_ccy="USD",
            side="sell",
            sz="0.05",
            sz_ccy="ETH",
            cl_t_req_id="otc1",
        )
    assert (trade.trade_id, trade.quote_id) == ("T1", "q1")
    assert seen.requests == ["POST /api/v5/otc/rfq/trade", "GET /api/v5/otc/rfq/trade"]


async def test_a_rejected_convert_trade_found_is_the_answer() -> None:
    """A rejected trade filled nothing: comparing its fill with the size asked for called
    it "the id of an earlier trade, most likely refused as a duplicate"."""

    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            return bad_gateway()
        trade = {"baseCcy": "BTC", "clTReqId": "cv9", "fillBaseSz": "0", "fillPx": "0"}
        trade |= {"fillQuoteSz": "0", "instId": "BTC-USDT", "quoteCcy": "USDT", "side": "buy"}
        return envelope([trade | {"state": "rejected", "tradeId": "tr1", "ts": "1646188520000"}])

    async with serve(handler) as (url, _), client_for(url) as client:
        trade = await client.convert.trade(
            quote_id="q1",
            base_ccy="BTC",
            quote_ccy="USDT",
            side="buy",
            sz="20",
            sz_ccy="USDT",
            cl_t_req_id="cv9",
        )
    assert (trade.trade_id, trade.state) == ("tr1", okxasync.ConvertTradeState.REJECTED)


async def test_a_failed_clock_sync_does_not_make_a_withdrawal_unknown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The proactive sync's failure came out of the withdrawal's send, which was then
    called ambiguous and ended `OutcomeUnknownError` though nothing was sent."""
    async with (
        FakeExchange(rate_limits=WIDE, faults=Faults(rate=1.0, kinds=("http_502",))) as fake,
        fake_client(fake, clock_sync=30.0) as client,
    ):
        with caplog.at_level(logging.WARNING, logger="okxasync"):
            withdrawal = await client.funding.withdraw(
                ccy="USDT",
                amt="1.5",
                dest="4",
                to_addr="TN4hxx",
                fee="1",
                chain="USDT-TRC20",
                client_id="nosync1",
            )
    assert [w["wdId"] for w in fake.state.withdrawals if w["clientId"] == "nosync1"] == [
        withdrawal.wd_id
    ]
    assert "clock sync before /api/v5/asset/withdrawal failed" in caplog.text


async def test_a_chain_sent_in_another_case_still_finds_its_withdrawal() -> None:
    """The chain was compared exactly: sent as "usdt-trc20", shown as "USDT-TRC20", the
    executed withdrawal was called "most likely refused as a duplicate"."""

    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            return bad_gateway()
        return envelope([history_record("TN4hxx")])

    async with serve(handler) as (url, _), client_for(url) as client:
        found = await client.funding.withdraw(
            ccy="USDT",
            amt="1.5",
            dest="4",
            to_addr="TN4hxx",
            fee="1",
            chain="usdt-trc20",
            client_id="mask1",
        )
    assert found.wd_id == "9001"


async def test_a_duplicate_refusal_says_why_it_stands() -> None:
    """Re-raised without its cause, the refusal lost which withdrawal owns the id, and a
    failed lookup replaced the refusal by the lookup's own error (a rate limit: "not
    executed", though the id belongs to a withdrawal)."""
    async with FakeExchange(rate_limits=WIDE) as fake, fake_client(fake) as client:
        args: dict[str, Any] = {"ccy": "USDT", "dest": "4", "to_addr": "TN4hxx", "fee": "1"}
        args |= {"chain": "USDT-TRC20", "client_id": "why1"}
        first = await client.funding.withdraw(**args, amt=Decimal("1.5"))
        with pytest.raises(APIError, match="58237") as refused:
            await client.funding.withdraw(**args, amt=Decimal("2"))
    assert isinstance(refused.value.__cause__, OutcomeUnknownError)
    assert f"wdId {first.wd_id}" in str(refused.value.__cause__)

    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            return envelope([], code="58237", msg="Duplicate clientId")
        return web.json_response({"code": "50011", "msg": "Rate limit"}, status=429)

    async with serve(handler) as (url, _):
        with pytest.raises(APIError, match="58237") as refused:
            await withdraw_once(url, "TN4hxx")
    assert isinstance(refused.value.__cause__, okxasync.RateLimitError)
