"""Decoding of every response example in the reference, and the decoding rules."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from record_helpers import balance, deposit, trade

import okxasync
from okxasync import ResponseError
from okxasync import models as m
from okxasync._http.decode import decode

BALANCES = b"""{"code": "0", "msg": "", "data": [{"availBal": "37.11827078",
 "bal": "37.11827078", "ccy": "ETH", "frozenBal": "0"}]}"""

CURRENCIES = b"""{"code": "0", "msg": "", "data": [{"canDep": true, "canInternal": false,
 "canWd": true, "ccy": "USDT", "chain": "USDT-TRC20",
 "logoLink": "https://static.coinall.ltd/cdn/assets/imgs/221/5F74EB20302D7761.png",
 "mainNet": false, "maxFee": "1.6", "maxWd": "9608350", "minDep": "0.00000001",
 "minDepArrivalConfirm": "1", "minFee": "0.8", "minWd": "2", "minWdUnlockConfirm": "1",
 "name": "Tether", "needTag": false, "usedWdQuota": "0", "wdQuota": "500", "wdTickSz": "3"}]}"""

DEPOSIT_ADDRESS = b"""{"code": "0", "data": [
 {"chain": "BTC-Bitcoin", "ctAddr": "", "ccy": "BTC", "to": "6",
  "addr": "39XNxK1Ryqgg3Bsyn6HzoqV4Xji25pNkv6", "selected": true},
 {"chain": "BTC-OKC", "ctAddr": "", "ccy": "BTC", "to": "6",
  "addr": "0x66d0edc2e63b6b992381ee668fbcb01f20ae0428", "selected": true},
 {"chain": "BTC-ERC20", "ctAddr": "5807cf", "ccy": "BTC", "to": "6",
  "addr": "0x66d0edc2e63b6b992381ee668fbcb01f20ae0428", "selected": true}], "msg": ""}"""

DEPOSIT_HISTORY = b"""{"code": "0", "msg": "", "data": [{"actualDepBlkConfirm": "17",
 "amt": "135.705808", "ccy": "USDT", "chain": "USDT-TRC20", "depId": "34579090", "from": "",
 "state": "2", "to": "TN4hxxxxxxxxxxxizqs", "ts": "1655251200000",
 "txId": "16f36383292f451xxxxxxxxxxxxxxx584f3391642d988f97"}]}"""

BILLS = b"""{"code": "0", "msg": "", "data": [{"billId": "12344", "ccy": "BTC", "clientId": "",
 "balChg": "2", "bal": "12", "type": "1", "ts": "1597026383085"}]}"""

WITHDRAWAL = b"""{"code": "0", "msg": "", "data": [{"amt": "0.1", "wdId": "67485",
 "ccy": "BTC", "clientId": "", "chain": "BTC-Bitcoin"}]}"""

WITHDRAWAL_HISTORY = b"""{"code": "0", "msg": "", "data": [{"chain": "ETH-Ethereum",
 "fee": "0.007", "ccy": "ETH", "clientId": "", "amt": "0.029809", "txId": "0x35c******b360a174d",
 "from": "156****359", "to": "0xa30d1fab********7CF18C7B6C579", "state": "2",
 "ts": "1655251200000", "wdId": "15447421"}]}"""

INSTRUMENTS = b"""{"code": "0", "data": [{"instruments": [{"baseCcy": "BTC",
 "baseSingleMin": "0.1395", "instId": "BTC-HKD", "quoteCcy": "HKD",
 "quoteSingleMin": "78225.84"}], "ts": "1710224803406"}], "msg": ""}"""

QUOTE = b"""{"code": "0", "data": [{"askBaseSz": "0", "askPx": "0", "askQuoteSz": "0",
 "baseCcy": "ETH", "bidBaseSz": "0.05", "bidPx": "3981.2672", "bidQuoteSz": "199.06336",
 "clQReqId": "1709015682", "origRfqSz": "0.05", "quoteCcy": "USD",
 "quoteId": "quoternextETH-USD17103260943476811", "quoteTs": "1710326094347", "rfqSz": "0.05",
 "rfqSzCcy": "ETH", "side": "sell", "ttlMs": "15000"}], "msg": ""}"""

TRADE = b"""{"code": "0", "data": [{"baseCcy": "ETH", "clQReqId": "ETHTest005",
 "filledBaseSz": "0.05", "filledQuoteSz": "199.06336", "instId": "ETH-USD",
 "px": "3981.2672", "quoteCcy": "USD", "quoteId": "quoternextETH-USD17103260943476811",
 "side": "sell", "state": "FullyFilled", "tradeId": "tradernext217103261021411004",
 "ts": "1710326102144"}], "msg": ""}"""

HISTORY = b"""{"code": "0", "data": [{"pageIdx": "1", "totalPageCnt": "0",
 "totalRecordCnt": "1", "trades": [{"baseCcy": "ETH", "baseSz": "0.05",
 "clTReqId": "ETHTest005", "instId": "ETH-USD", "px": "3981.2672", "quoteCcy": "USD",
 "quoteSz": "199.06336", "side": "sell", "tradeId": "tradernext217103261021411004",
 "tradeTs": "1710326102000", "ts": "1710326102000"}], "ts": "1710327316118"}], "msg": ""}"""


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc).replace(
        microsecond=(ms % 1000) * 1000
    )


def test_balance() -> None:
    [b] = decode(m.Balance, BALANCES, 200)
    assert b == m.Balance(
        ccy="ETH",
        bal=Decimal("37.11827078"),
        frozen_bal=Decimal("0"),
        avail_bal=Decimal("37.11827078"),
    )


def test_currency() -> None:
    [c] = decode(m.Currency, CURRENCIES, 200)
    assert (c.ccy, c.chain, c.name) == ("USDT", "USDT-TRC20", "Tether")
    assert (c.can_dep, c.can_wd, c.can_internal, c.main_net, c.need_tag) == (
        True,
        True,
        False,
        False,
        False,
    )
    assert c.min_dep == Decimal("0.00000001")
    assert (c.min_fee, c.max_fee, c.max_wd) == (Decimal("0.8"), Decimal("1.6"), Decimal(9608350))
    assert (c.wd_tick_sz, c.min_dep_arrival_confirm, c.min_wd_unlock_confirm) == (3, 1, 1)
    assert (c.wd_quota, c.used_wd_quota) == (Decimal(500), Decimal(0))
    assert c.logo_link.endswith("5F74EB20302D7761.png")


def test_deposit_address() -> None:
    addrs = decode(m.DepositAddress, DEPOSIT_ADDRESS, 200)
    assert [a.chain for a in addrs] == ["BTC-Bitcoin", "BTC-OKC", "BTC-ERC20"]
    assert addrs[2].ct_addr == "5807cf"
    assert addrs[0].tag is None
    assert all(a.selected and a.to == "6" for a in addrs)


def test_deposit() -> None:
    [d] = decode(m.Deposit, DEPOSIT_HISTORY, 200)
    assert d.amt == Decimal("135.705808")
    assert d.state is m.DepositState.SUCCESSFUL
    assert d.from_ == ""
    assert d.dep_id == "34579090"
    assert d.actual_dep_blk_confirm == 17
    assert d.ts == datetime(2022, 6, 15, tzinfo=timezone.utc)
    assert d.ts_ms == 1655251200000


def test_bill() -> None:
    [b] = decode(m.Bill, BILLS, 200)
    assert (b.bill_id, b.bal_chg, b.bal, b.type) == (
        "12344",
        Decimal(2),
        Decimal(12),
        m.BillType.DEPOSIT,
    )
    assert b.ts == utc(1597026383085)


def test_withdrawal() -> None:
    [w] = decode(m.Withdrawal, WITHDRAWAL, 200)
    assert w == m.Withdrawal(
        amt=Decimal("0.1"), wd_id="67485", ccy="BTC", client_id="", chain="BTC-Bitcoin"
    )


def test_withdrawal_record() -> None:
    [w] = decode(m.WithdrawalRecord, WITHDRAWAL_HISTORY, 200)
    assert (w.fee, w.amt, w.state) == (
        Decimal("0.007"),
        Decimal("0.029809"),
        m.WithdrawalState.SENT,
    )
    assert (w.from_, w.wd_id, w.tag) == ("156****359", "15447421", None)
    assert w.ts == datetime(2022, 6, 15, tzinfo=timezone.utc)


def test_instruments() -> None:
    [lst] = decode(m.InstrumentList, INSTRUMENTS, 200)
    [inst] = lst.instruments
    assert (inst.inst_id, inst.base_single_min, inst.quote_single_min) == (
        "BTC-HKD",
        Decimal("0.1395"),
        Decimal("78225.84"),
    )
    assert lst.ts == utc(1710224803406)


def test_quote() -> None:
    [q] = decode(m.Quote, QUOTE, 200)
    assert q.side is m.Side.SELL
    assert (q.bid_px, q.bid_quote_sz, q.ask_px) == (
        Decimal("3981.2672"),
        Decimal("199.06336"),
        Decimal(0),
    )
    assert q.ttl_ms == 15000
    assert q.quote_ts == utc(1710326094347)
    assert q.expires_at == utc(1710326094347 + 15000)


def test_trade() -> None:
    [t] = decode(m.Trade, TRADE, 200)
    assert t.state is m.TradeState.FULLY_FILLED
    assert (t.trade_id, t.cl_q_req_id, t.inst_id) == (
        "tradernext217103261021411004",
        "ETHTest005",
        "ETH-USD",
    )
    assert (t.filled_base_sz, t.filled_quote_sz) == (Decimal("0.05"), Decimal("199.06336"))
    assert t.ts == utc(1710326102144)


def test_history_page() -> None:
    [page] = decode(m.HistoryPage, HISTORY, 200)
    assert (page.page_idx, page.total_page_cnt, page.total_record_cnt) == (1, 0, 1)
    [trade] = page.trades
    assert trade.trade_ts == utc(1710326102000)
    assert (trade.base_sz, trade.quote_sz, trade.cl_t_req_id) == (
        Decimal("0.05"),
        Decimal("199.06336"),
        "ETHTest005",
    )


def test_empty_text_stays_empty() -> None:
    """Text the API sends as ``""`` (``from``, ``txId`` of internal deposits) keeps it."""
    body = DEPOSIT_HISTORY.replace(b'"txId": "16f', b'"txId": "", "x": "16f')
    [d] = decode(m.Deposit, body, 200)
    assert (d.from_, d.tx_id) == ("", "")


def test_empty_strings_stay_empty_for_optional_text() -> None:
    """An optional text field (``str | None``) keeps ``""``; ``None`` means it was absent."""
    body = WITHDRAWAL_HISTORY.replace(b'"wdId"', b'"tag": "", "memo": "", "wdId"')
    [w] = decode(m.WithdrawalRecord, body, 200)
    assert (w.tag, w.memo, w.pmt_id) == ("", "", None)


def test_empty_strings_become_none_where_a_number_is_optional() -> None:
    body = HISTORY.replace(b'"totalPageCnt": "0"', b'"totalPageCnt": ""')
    [page] = decode(m.HistoryPage, body, 200)
    assert page.total_page_cnt is None
    assert page.trades[0].base_sz == Decimal("0.05")


REQUIRED = [
    (m.Deposit, DEPOSIT_HISTORY, ["ts", "amt", "state", "depId", "ccy", "txId"]),
    (m.WithdrawalRecord, WITHDRAWAL_HISTORY, ["ts", "amt", "fee", "state", "wdId", "clientId"]),
    (m.Bill, BILLS, ["ts", "balChg", "bal", "type", "billId"]),
    (m.Balance, BALANCES, ["ccy", "bal", "availBal", "frozenBal"]),
    (m.Currency, CURRENCIES, ["ccy", "chain", "minWd", "minFee", "maxFee", "canWd"]),
    (m.Withdrawal, WITHDRAWAL, ["wdId", "amt", "clientId"]),
    (m.Quote, QUOTE, ["quoteId", "quoteTs", "ttlMs", "bidPx", "askPx", "side"]),
    (m.Trade, TRADE, ["tradeId", "state", "px", "ts", "quoteId"]),
    (m.HistoryPage, HISTORY, ["trades", "tradeTs", "px", "pageIdx", "totalRecordCnt"]),
    (m.InstrumentList, INSTRUMENTS, ["instruments", "instId", "baseSingleMin", "ts"]),
]


def _without(body: bytes, key: str) -> bytes:
    data = msgspec.json.decode(body)

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != key}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return msgspec.json.encode({**data, "data": strip(data["data"])})


@pytest.mark.parametrize(
    ("record", "body", "keys"), REQUIRED, ids=lambda v: getattr(v, "__name__", "")
)
def test_a_missing_or_empty_required_field_is_a_response_error(
    record: type[msgspec.Struct], body: bytes, keys: list[str]
) -> None:
    assert decode(record, body, 200)  # the reference's example decodes
    for key in keys:
        with pytest.raises(ResponseError, match=key):
            decode(record, _without(body, key), 200)
    for key in keys:
        if key not in TEXT_KEYS and key not in ("trades", "instruments"):
            with pytest.raises(ResponseError, match=key):
                decode(record, _blank(body, key), 200)


#: Text fields: ``""`` is a valid (empty) value for them.
TEXT_KEYS = {
    "ccy",
    "chain",
    "depId",
    "txId",
    "wdId",
    "clientId",
    "billId",
    "quoteId",
    "tradeId",
    "instId",
}


def _blank(body: bytes, key: str) -> bytes:
    """``body`` with ``key`` sent as ``""`` wherever it occurs."""
    data = msgspec.json.decode(body)

    def blank(value: object) -> object:
        if isinstance(value, dict):
            return {k: "" if k == key else blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return value

    return msgspec.json.encode({**data, "data": blank(data["data"])})


@pytest.mark.parametrize("amt", ["sNaN", "NaN", "Infinity", "-Infinity"])
def test_an_amount_that_is_not_a_finite_number_is_a_response_error(amt: str) -> None:
    body = DEPOSIT_HISTORY.replace(b'"135.705808"', f'"{amt}"'.encode())
    with pytest.raises(ResponseError, match="finite"):
        decode(m.Deposit, body, 200)
    nested = HISTORY.replace(b'"3981.2672"', f'"{amt}"'.encode())
    with pytest.raises(ResponseError, match="finite"):
        decode(m.HistoryPage, nested, 200)


@pytest.mark.parametrize(
    "amt", ["1e999999999999", "1e-999999999", "1E+101", "-1E+101", "1E-101", "0E-101"]
)
def test_an_amount_of_absurd_size_is_a_response_error(amt: str) -> None:
    """Finite, yet adding it raised decimal.Overflow and formatting it (``f"{amt:f}"``, as
    the CLI does) took gigabytes: amounts are bounded to 1E-100 .. 1E+101 in size."""
    body = DEPOSIT_HISTORY.replace(b'"135.705808"', f'"{amt}"'.encode())
    with pytest.raises(ResponseError, match="amt is not a finite number within"):
        decode(m.Deposit, body, 200)
    nested = HISTORY.replace(b'"3981.2672"', f'"{amt}"'.encode())
    with pytest.raises(ResponseError, match="px is not a finite number within"):
        decode(m.HistoryPage, nested, 200)


@pytest.mark.parametrize("amt", ["9.99E+100", "-9.99E+100", "1E-100", "0E-100", "0", "0.00"])
def test_an_amount_within_the_bounds_can_be_added_and_formatted(amt: str) -> None:
    body = DEPOSIT_HISTORY.replace(b'"135.705808"', f'"{amt}"'.encode())
    [d] = decode(m.Deposit, body, 200)
    assert d.amt == Decimal(amt)
    assert len(f"{d.amt:f}") <= 103
    assert d.amt + d.amt + Decimal("1e-100") * d.amt == 2 * d.amt + Decimal("1e-100") * d.amt


@pytest.mark.parametrize("amt", ["nan", "INF", "\\u004eaN", "\\u0069nf", "sN\\u0061N"])
def test_a_non_finite_amount_in_any_case_or_json_escape_is_a_response_error(amt: str) -> None:
    """Decimal reads ``nan``/``INF`` in any case, and JSON escapes can spell them: the
    check's fast path (skipped when the page cannot hold one) must still see each."""
    body = DEPOSIT_HISTORY.replace(b'"135.705808"', f'"{amt}"'.encode())
    with pytest.raises(ResponseError, match="finite"):
        decode(m.Deposit, body, 200)


@pytest.mark.parametrize("ts", ["99999999999999999", "-1", "253402300800000"])
def test_a_time_out_of_range_is_a_response_error_when_decoded(ts: str) -> None:
    """Raised while decoding, never later when ``.ts`` is read (``OverflowError``)."""
    body = DEPOSIT_HISTORY.replace(b'"1655251200000"', f'"{ts}"'.encode())
    with pytest.raises(ResponseError, match="ts"):
        decode(m.Deposit, body, 200)
    quote = QUOTE.replace(b'"1710326094347"', f'"{ts}"'.encode())
    with pytest.raises(ResponseError, match="quoteTs"):
        decode(m.Quote, quote, 200)


@pytest.mark.parametrize("p_time", ["99999999999999999", "-1", "253402300800000"])
def test_a_push_time_out_of_range_is_a_response_error_when_decoded(p_time: str) -> None:
    """``pTime`` is a time like ``ts``: it failed later, when ``.p_time`` was read."""
    for record, body in ((m.Deposit, DEPOSIT_HISTORY), (m.WithdrawalRecord, WITHDRAWAL_HISTORY)):
        pushed = body.replace(b'"ts":', f'"pTime": "{p_time}", "ts":'.encode())
        with pytest.raises(ResponseError, match="pTime"):
            decode(record, pushed, 200)


def test_a_push_time_is_read_as_a_datetime() -> None:
    pushed = DEPOSIT_HISTORY.replace(b'"ts":', b'"pTime": "253402300799999", "ts":')
    [d] = decode(m.Deposit, pushed, 200)
    assert d.p_time == datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)


@pytest.mark.parametrize("ttl", ["300000000000000", "-1", "2592000001"])
def test_a_quote_lifetime_out_of_range_is_a_response_error(ttl: str) -> None:
    """Up to 30 days, as a Convert quote's: ``expires_at`` overflowed when read."""
    with pytest.raises(ResponseError, match="ttlMs"):
        decode(m.Quote, QUOTE.replace(b'"15000"', f'"{ttl}"'.encode()), 200)


def test_a_quote_expiring_after_year_9999_is_a_response_error() -> None:
    """Both its times in range, their sum is not: found when decoded, not when read."""
    last = m.MAX_MS - 15000
    [quote] = decode(m.Quote, QUOTE.replace(b'"1710326094347"', f'"{last}"'.encode()), 200)
    assert quote.expires_at == datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)
    late = QUOTE.replace(b'"1710326094347"', f'"{last + 1}"'.encode())
    with pytest.raises(ResponseError, match="expires after year 9999"):
        decode(m.Quote, late, 200)


def read_properties(record: object) -> None:
    """Reads every property of ``record`` (the datetimes derived from its fields)."""
    for name, value in vars(type(record)).items():
        if isinstance(value, property):
            getattr(record, name)


CONVERT_QUOTE = b"""{"code":"0","data":[{"baseCcy":"ETH","baseSz":"0.01","clQReqId":"",
 "cnvtPx":"2932.4","origRfqSz":"30","quoteCcy":"USDT","quoteId":"q1","quoteSz":"30",
 "quoteTime":"1646188510461","rfqSz":"30","rfqSzCcy":"USDT","side":"buy","ttlMs":"10000"}]}"""
PUSHED_DEPOSIT = DEPOSIT_HISTORY.replace(b'"ts":', b'"pTime": "1655251200000", "ts":')
PUSHED_WITHDRAWAL = WITHDRAWAL_HISTORY.replace(b'"ts":', b'"pTime": "1655251200000", "ts":')


@pytest.mark.parametrize(
    ("record", "body", "key"),
    [
        (m.Quote, QUOTE, "quoteTs"),
        (m.Quote, QUOTE, "ttlMs"),
        (m.ConvertQuote, CONVERT_QUOTE, "quoteTime"),
        (m.ConvertQuote, CONVERT_QUOTE, "ttlMs"),
        (m.Deposit, PUSHED_DEPOSIT, "ts"),
        (m.Deposit, PUSHED_DEPOSIT, "pTime"),
        (m.WithdrawalRecord, PUSHED_WITHDRAWAL, "pTime"),
        (m.Trade, TRADE, "ts"),
        (m.HistoryPage, HISTORY, "tradeTs"),
    ],
)
@given(
    value=st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([m.MAX_MS, m.MAX_MS + 1])
    | st.integers(min_value=m.MAX_MS - 2**32, max_value=m.MAX_MS)
)
def test_every_time_decoded_can_be_read(
    record: type[object], body: bytes, key: str, value: int
) -> None:
    """Whatever a time field carries, decoding refuses it or every time derived reads."""
    changed, count = re.subn(f'"{key}": ?"[^"]*"'.encode(), f'"{key}": "{value}"'.encode(), body)
    assert count >= 1
    try:
        decoded = decode(record, changed, 200)
    except ResponseError:
        return
    for one in decoded:
        for item in [one, *getattr(one, "trades", [])]:  # a page's trades too
            read_properties(item)


def test_the_last_millisecond_of_year_9999_is_a_time() -> None:
    body = DEPOSIT_HISTORY.replace(b'"1655251200000"', b'"253402300799999"')
    [d] = decode(m.Deposit, body, 200)
    assert d.ts == datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)


@pytest.mark.parametrize("enum_type", [m.DepositState, m.WithdrawalState, m.BillType])
def test_unknown_enum_values_decode_as_the_raw_value(enum_type: type[m.OpenEnum]) -> None:
    value = enum_type("987")
    assert value == "987"
    assert isinstance(value, str) and isinstance(value, enum_type)
    assert value.value == "987"
    assert not value.known
    assert enum_type("987") is value
    assert next(iter(enum_type)).known


def test_unknown_state_in_a_response() -> None:
    [t] = decode(m.Trade, TRADE.replace(b'"FullyFilled"', b'"PartiallyFilled"'), 200)
    assert t.state == "PartiallyFilled"
    assert not t.state.known


def test_unknown_fields_are_ignored() -> None:
    body = BALANCES.replace(b'"ccy"', b'"newField": {"x": [1, 2]}, "ccy"')[:-1] + b', "extra": 1}'
    assert decode(m.Balance, body, 200) == decode(m.Balance, BALANCES, 200)


def test_timestamps_are_exact_milliseconds() -> None:
    record = deposit(ts_ms=1655251200999)
    assert record.ts == datetime(2022, 6, 15, 0, 0, 0, 999000, tzinfo=timezone.utc)
    assert record.ts.tzinfo is timezone.utc


def test_records_are_frozen_and_exported() -> None:
    record = balance(ccy="BTC")
    with pytest.raises(AttributeError):
        record.ccy = "ETH"  # type: ignore[misc]
    for name in m.__all__:
        assert getattr(okxasync, name) is getattr(m, name)


def test_records_round_trip_to_the_wire_names() -> None:
    raw = msgspec.json.decode(msgspec.json.encode(trade(cl_t_req_id="a", ts_ms=5)))
    assert raw["clTReqId"] == "a"
    assert raw["ts"] == 5
