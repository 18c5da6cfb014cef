"""Decoding of the reference's examples for transfers, deposit/withdrawal status, the bills
archive and Convert; the ETA and quote expiry; required fields; the new error codes."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from okxasync import (
    APIError,
    AuthenticationError,
    RateLimitError,
    ResponseError,
)
from okxasync import models as m
from okxasync._http.decode import decode

TRANSFER = b"""{"code":"0","msg":"","data":[{"transId":"754147","ccy":"USDT","clientId":"",
 "from":"6","amt":"0.1","to":"18"}]}"""
TRANSFER_STATE = b"""{"code":"0","msg":"","data":[{"amt":"1.5","ccy":"USDT","clientId":"",
 "from":"18","instId":"","state":"success","subAcct":"test","to":"6","toInstId":"",
 "transId":"1","type":"1"}]}"""
STATUS = b"""{"code":"0","msg":"","data":[{"wdId":"200045249","txId":"16f3638329xxxxxx42d988f97",
 "state":"Pending withdrawal: Wallet is under maintenance, please wait.",
 "estCompleteTime":"01/09/2023, 8:10:48 PM"}]}"""
ARCHIVE = b"""{"code":"0","msg":"","data":[{"billId":"12344","ccy":"BTC","clientId":"",
 "balChg":"2","bal":"12","type":"1","ts":"1597026383085","notes":""}]}"""
CONVERT_CURRENCIES = b"""{"code":"0","msg":"","data":[{"min":"","max":"","ccy":"BTC"},
 {"min":"","max":"","ccy":"ETH"}]}"""
CONVERT_PAIR = b"""{"code":"0","msg":"","data":[{"baseCcy":"BTC","baseCcyMax":"0.5",
 "baseCcyMin":"0.0001","instId":"BTC-USDT","quoteCcy":"USDT","quoteCcyMax":"10000",
 "quoteCcyMin":"1"}]}"""
CONVERT_QUOTE = b"""{"code":"0","msg":"","data":[{"baseCcy":"ETH","baseSz":"0.01023052",
 "clQReqId":"","cnvtPx":"2932.40104429","origRfqSz":"30","quoteCcy":"USDT",
 "quoteId":"quoterETH-USDT16461885104612381","quoteSz":"30","quoteTime":"1646188510461",
 "rfqSz":"30","rfqSzCcy":"USDT","side":"buy","ttlMs":"10000"}]}"""
CONVERT_TRADE = b"""{"code":"0","msg":"","data":[{"baseCcy":"ETH","clTReqId":"",
 "fillBaseSz":"0.01023052","fillPx":"2932.40104429","fillQuoteSz":"30","instId":"ETH-USDT",
 "quoteCcy":"USDT","quoteId":"quoterETH-USDT16461885104612381","side":"buy",
 "state":"fullyFilled","tradeId":"trader16461885203381437","ts":"1646188520338"}]}"""
CONVERT_HISTORY = b"""{"code":"0","msg":"","data":[{"clTReqId":"","instId":"ETH-USDT",
 "side":"buy","fillPx":"2932.401044","baseCcy":"ETH","quoteCcy":"USDT",
 "fillBaseSz":"0.01023052","state":"fullyFilled","tradeId":"trader16461885203381437",
 "fillQuoteSz":"30","ts":"1646188520000"}]}"""


def test_transfer_and_state() -> None:
    [transfer] = decode(m.Transfer, TRANSFER, 200)
    assert transfer == m.Transfer(
        trans_id="754147",
        client_id="",
        ccy="USDT",
        amt=Decimal("0.1"),
        from_=m.AccountType.FUNDING,
        to=m.AccountType.TRADING,
    )
    assert transfer.from_ is m.AccountType.FUNDING and transfer.to is m.AccountType.TRADING
    [state] = decode(m.TransferState, TRANSFER_STATE, 200)
    assert state.state is m.TransferStatus.SUCCESS
    assert state.type is m.TransferType.MASTER_TO_SUB
    assert (state.sub_acct, state.amt, state.from_, state.to) == ("test", Decimal("1.5"), "18", "6")


def test_deposit_withdraw_status_eta_is_utc_plus_8() -> None:
    [status] = decode(m.DepositWithdrawStatus, STATUS, 200)
    assert status.est_complete_time == "01/09/2023, 8:10:48 PM"  # the raw text, as sent
    eta = status.est_complete_at
    assert eta == datetime(2023, 1, 9, 12, 10, 48, tzinfo=timezone.utc)  # 20:10:48 at UTC+8
    assert eta is not None and eta.utcoffset() == timedelta(hours=8)
    assert status.stage == "Pending withdrawal"
    assert status.wd_id == "200045249"


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("12/31/2023, 11:59:59 PM", datetime(2023, 12, 31, 15, 59, 59, tzinfo=timezone.utc)),
        ("01/01/2024, 12:00:00 AM", datetime(2023, 12, 31, 16, 0, 0, tzinfo=timezone.utc)),
        ("06/15/2024, 12:30:00 PM", datetime(2024, 6, 15, 4, 30, 0, tzinfo=timezone.utc)),
    ],
)
def test_eta_midnight_and_noon(text: str, utc: datetime) -> None:
    body = STATUS.replace(b"01/09/2023, 8:10:48 PM", text.encode())
    [status] = decode(m.DepositWithdrawStatus, body, 200)
    assert status.est_complete_at == utc


def test_no_eta_is_none_and_a_bad_one_is_a_bad_response() -> None:
    [status] = decode(m.DepositWithdrawStatus, STATUS.replace(b"01/09/2023, 8:10:48 PM", b""), 200)
    assert status.est_complete_at is None
    for bad in (b"2023-01-09 20:10:48", b"13/09/2023, 8:10:48 PM"):
        with pytest.raises(ResponseError):
            decode(m.DepositWithdrawStatus, STATUS.replace(b"01/09/2023, 8:10:48 PM", bad), 200)


def test_archive_bill_has_notes() -> None:
    [bill] = decode(m.Bill, ARCHIVE, 200)
    assert (bill.bill_id, bill.notes, bill.bal_chg, bill.ts_ms) == (
        "12344",
        "",
        Decimal("2"),
        1597026383085,
    )


def test_convert_records() -> None:
    currencies = decode(m.ConvertCurrency, CONVERT_CURRENCIES, 200)
    assert [(c.ccy, c.min, c.max) for c in currencies] == [("BTC", None, None), ("ETH", None, None)]
    [pair] = decode(m.ConvertPair, CONVERT_PAIR, 200)
    assert (pair.inst_id, pair.base_ccy_min, pair.quote_ccy_max) == (
        "BTC-USDT",
        Decimal("0.0001"),
        Decimal("10000"),
    )
    [trade] = decode(m.ConvertTrade, CONVERT_TRADE, 200)
    assert trade.state is m.ConvertTradeState.FULLY_FILLED and trade.side is m.Side.BUY
    assert trade.quote_id == "quoterETH-USDT16461885104612381"
    assert trade.ts == datetime(2022, 3, 2, 2, 35, 20, 338000, tzinfo=timezone.utc)
    [past] = decode(m.ConvertTrade, CONVERT_HISTORY, 200)
    assert past.quote_id is None and past.fill_px == Decimal("2932.401044")


def test_convert_quote_exposes_its_expiry() -> None:
    [quote] = decode(m.ConvertQuote, CONVERT_QUOTE, 200)
    assert quote.quote_time == datetime(2022, 3, 2, 2, 35, 10, 461000, tzinfo=timezone.utc)
    assert quote.expires_at_ms == 1646188510461 + 10000
    assert quote.expires_at - quote.quote_time == timedelta(seconds=10)
    assert (quote.cnvt_px, quote.base_sz, quote.rfq_sz_ccy) == (
        Decimal("2932.40104429"),
        Decimal("0.01023052"),
        "USDT",
    )


@pytest.mark.parametrize(
    ("record", "body", "field"),
    [
        (m.Transfer, TRANSFER, b'"transId":"754147",'),
        (m.TransferState, TRANSFER_STATE, b'"state":"success",'),
        (m.ConvertQuote, CONVERT_QUOTE, b'"ttlMs":"10000"'),
        (m.ConvertTrade, CONVERT_TRADE, b'"ts":"1646188520338"'),
        (m.ConvertPair, CONVERT_PAIR, b'"baseCcyMax":"0.5",'),
        (m.DepositWithdrawStatus, STATUS, b'"wdId":"200045249",'),
    ],
)
def test_a_missing_required_field_is_a_bad_response(
    record: type[object], body: bytes, field: bytes
) -> None:
    without = body.replace(field, b"").replace(b",}", b"}").replace(b"{,", b"{")
    assert without != body
    json.loads(without)  # still JSON: only the field is missing
    with pytest.raises(ResponseError):
        decode(record, without, 200)


def test_out_of_range_times_are_bad_responses() -> None:
    with pytest.raises(ResponseError):
        decode(m.ConvertTrade, CONVERT_TRADE.replace(b"1646188520338", b"99999999999999999"), 200)
    with pytest.raises(ResponseError):
        decode(m.ConvertQuote, CONVERT_QUOTE.replace(b'"ttlMs":"10000"', b'"ttlMs":"-1"'), 200)


def test_a_convert_quote_expiring_after_year_9999_is_a_bad_response() -> None:
    """Both its times in range, their sum is not: found when decoded, not when read."""
    last = m.MAX_MS - 10000
    [quote] = decode(m.ConvertQuote, CONVERT_QUOTE.replace(b"1646188510461", b"%d" % last), 200)
    assert quote.expires_at == datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)
    late = CONVERT_QUOTE.replace(b"1646188510461", b"%d" % (last + 1))
    with pytest.raises(ResponseError, match="expires after year 9999"):
        decode(m.ConvertQuote, late, 200)


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("58102", 429, RateLimitError),  # funding's own rate limit
        ("58102", 200, RateLimitError),
        ("50119", 401, AuthenticationError),  # API key doesn't exist: the wrong region
        ("50101", 401, AuthenticationError),  # key of the other environment (demo / live)
        ("58124", 200, APIError),  # transfer being processed
        ("58116", 200, APIError),
        ("58215", 200, APIError),
        ("58216", 200, APIError),
        ("58220", 200, APIError),
        ("52909", 200, APIError),
        ("52921", 200, APIError),
        ("52922", 200, APIError),
        ("52925", 200, APIError),
        ("52910", 500, APIError),
    ],
)
def test_funding_and_convert_codes_map_to_classes(
    code: str, status: int, cls: type[APIError]
) -> None:
    body = b'{"code":"%s","msg":"m","data":[]}' % code.encode()
    with pytest.raises(APIError) as info:
        decode(m.ConvertTrade, body, status)
    assert type(info.value) is cls
    assert (info.value.code, info.value.status) == (code, status)
    assert type(pickle.loads(pickle.dumps(info.value))) is cls


def test_the_wrong_region_error_says_which_host_to_use() -> None:
    body = b'{"msg":"API key doesn\'t exist","code":"50119"}'
    with pytest.raises(AuthenticationError) as info:
        decode(m.Balance, body, 401)
    text = str(info.value)
    assert "API key doesn't exist" in text
    assert "OKX_US" in text and "OKX_EEA" in text
    assert pickle.loads(pickle.dumps(info.value)).code == "50119"
