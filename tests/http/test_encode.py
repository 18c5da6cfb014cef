"""Argument encoding and validation, before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okxasync import DepositState, ValidationError
from okxasync._endpoints import ALL
from okxasync._endpoints import funding as ep
from okxasync._endpoints import otc as otc_ep
from okxasync._http.encode import Millis, Param, encode, format_decimal, to_ms
from okxasync._http.pipeline import _prepare, query_string
from okxasync._paging import cursor_args


def withdrawal(**over: object) -> Mapping[str, object]:
    args: dict[str, object] = {
        "ccy": "BTC",
        "amt": Decimal("1"),
        "dest": "4",
        "to_addr": "17DKe3kkkkiiiiTvAKKi2vMPbm1Bz3CMKw",
        "fee": "0.0005",
        "chain": "BTC-Bitcoin",
        "client_id": None,
    }
    args.update(over)
    return args


def test_withdrawal_encodes_camel_case_in_order() -> None:
    assert encode(ep.WITHDRAW.params, withdrawal(client_id="abc123")) == {
        "ccy": "BTC",
        "amt": "1",
        "dest": "4",
        "toAddr": "17DKe3kkkkiiiiTvAKKi2vMPbm1Bz3CMKw",
        "fee": "0.0005",
        "chain": "BTC-Bitcoin",
        "clientId": "abc123",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E-8"), "0.00000001"),
        (Decimal("1.50000"), "1.5"),
        (Decimal("1E+3"), "1000"),
        (Decimal("100"), "100"),
        (7, "7"),
        ("0.10", "0.1"),
        (" 2.5 ", "2.5"),
        (Decimal("9.99E+100"), "999" + "0" * 98),
        (Decimal("1E-100"), "0." + "0" * 99 + "1"),
        (10**100, "1" + "0" * 100),
    ],
)
def test_amounts_are_plain_decimal_text(value: object, text: str) -> None:
    assert encode(ep.WITHDRAW.params, withdrawal(amt=value))["amt"] == text


def test_format_decimal() -> None:
    assert format_decimal(Decimal("123.4500")) == "123.45"
    assert format_decimal(Decimal("0E-10")) == "0"


@pytest.mark.parametrize(
    "amt",
    [
        0.1,
        1.0,
        True,
        Decimal("0"),
        Decimal("-1"),
        "abc",
        "",
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("1E+101"),  # beyond the bounds: 1E-100 .. 1E+101
        Decimal("1E-101"),
        "0E-101",
        Decimal("1e99999999"),  # a 100 MB body
        Decimal("1e999999999999"),  # MemoryError
        "1e-999999999",
        10**101,
        # Its repr is refused (over 4300 digits): the message must not show it.
        pytest.param(-(10**5000), id="-10**5000"),
        "1e",
        None,
        [1],
    ],
)
def test_bad_amounts(amt: object) -> None:
    with pytest.raises(ValidationError) as info:
        encode(ep.WITHDRAW.params, withdrawal(amt=amt))
    assert "amt" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("dest", "5"),
        ("client_id", "has space"),
        ("client_id", "x" * 33),
        ("client_id", ""),
        ("ccy", ["BTC", "ETH"]),
        ("to_addr", ""),
        ("fee", -1),
    ],
)
def test_bad_withdrawal_arguments(name: str, value: object) -> None:
    with pytest.raises(ValidationError, match=name):
        encode(ep.WITHDRAW.params, withdrawal(**{name: value}))


def test_missing_required_and_unknown_arguments() -> None:
    with pytest.raises(ValidationError, match="fee is required"):
        encode(ep.WITHDRAW.params, withdrawal(fee=None))
    with pytest.raises(ValidationError, match="unexpected argument"):
        encode(ep.BALANCES.params, {"currency": "BTC"})


def test_ccy_lists() -> None:
    assert encode(ep.BALANCES.params, {"ccy": "BTC"}) == {"ccy": "BTC"}
    assert encode(ep.BALANCES.params, {"ccy": ("BTC", "ETH")}) == {"ccy": "BTC,ETH"}
    assert encode(ep.BALANCES.params, {"ccy": iter(["USDT"])}) == {"ccy": "USDT"}
    assert encode(ep.BALANCES.params, {"ccy": None}) == {}
    twenty = [f"C{i}" for i in range(20)]
    assert encode(ep.BALANCES.params, {"ccy": twenty})["ccy"].count(",") == 19
    for bad in ([*twenty, "X"], [], ["BTC", 5], ["B,TC"], b"BTC"):
        with pytest.raises(ValidationError):
            encode(ep.BALANCES.params, {"ccy": bad})


def test_history_cursors_and_limit() -> None:
    moment = datetime(2022, 6, 1, tzinfo=timezone.utc)
    wire = encode(
        ep.DEPOSIT_HISTORY.params,
        {"after": moment, "before": 1656633600000, "limit": 100, "state": DepositState.CREDITED},
    )
    assert wire == {
        "state": "1",
        "after": "1654041600000",
        "before": "1656633600000",
        "limit": "100",
    }
    for limit in (0, 101, "10", 1.5, True):
        with pytest.raises(ValidationError, match="limit"):
            encode(ep.DEPOSIT_HISTORY.params, {"limit": limit})
    with pytest.raises(ValidationError, match="state"):
        encode(ep.DEPOSIT_HISTORY.params, {"state": "99"})


def test_to_ms() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert to_ms("t", datetime(2022, 6, 1, 2, tzinfo=plus2)) == 1654041600000
    assert to_ms("t", datetime(2022, 6, 1, 0, 0, 0, 999999, tzinfo=timezone.utc)) == (1654041600999)
    assert to_ms("t", 0) == 0
    assert to_ms("t", 10**11) == 10**11
    for bad in (datetime(2022, 6, 1), -1, "1654041600000", 1.5):
        with pytest.raises(ValidationError):
            to_ms("t", bad)


@pytest.mark.parametrize("seconds", [1, 5, 1_717_200_000, 10**11 - 1])
def test_an_int_that_looks_like_seconds_is_refused_with_a_hint(seconds: int) -> None:
    with pytest.raises(
        ValidationError, match=rf"since .*looks like seconds.*pass {seconds * 1000}"
    ):
        to_ms("since", seconds)


def test_cursors_the_library_computes_are_never_taken_for_seconds() -> None:
    assert to_ms("before", Millis(10**11 - 1)) == 10**11 - 1
    assert encode(ep.DEPOSIT_HISTORY.params, cursor_args(10**11, None, 100)) == {
        "before": str(10**11 - 1),
        "limit": "100",
    }


@pytest.mark.parametrize("ccy", ["btc", "Btc", ["usdt", "btc", "BTC"]])
def test_currency_codes_are_sent_in_upper_case(ccy: str | list[str]) -> None:
    expected = "BTC" if isinstance(ccy, str) else "USDT,BTC"
    assert encode(ep.BALANCES.params, {"ccy": ccy}) == {"ccy": expected}


def test_rfq_arguments() -> None:
    args = {
        "base_ccy": "ETH",
        "quote_ccy": "USD",
        "side": "sell",
        "rfq_sz": Decimal("0.05"),
        "rfq_sz_ccy": "ETH",
        "cl_q_req_id": None,
        "cl_q_req_ts": None,
    }
    assert encode(otc_ep.RFQ_QUOTE.params, args) == {
        "baseCcy": "ETH",
        "quoteCcy": "USD",
        "side": "sell",
        "rfqSz": "0.05",
        "rfqSzCcy": "ETH",
    }
    with pytest.raises(ValidationError, match="side"):
        encode(otc_ep.RFQ_QUOTE.params, {**args, "side": "short"})
    trade = {
        "quote_id": "q1",
        "base_ccy": "ETH",
        "quote_ccy": "USD",
        "side": "sell",
        "sz": "0.05",
        "sz_ccy": "ETH",
        "cl_t_req_id": "abc",
        "cl_t_req_ts": None,
    }
    wire = encode(otc_ep.RFQ_TRADE.params, trade)
    assert wire["sz"] == "0.05" and "Sz" not in wire
    with pytest.raises(ValidationError, match="side"):
        encode(otc_ep.RFQ_TRADE.params, {**trade, "side": "two_way"})


def test_every_endpoint_must_say_whether_a_resend_is_safe() -> None:
    from okxasync import models as m
    from okxasync._endpoints import Endpoint
    from okxasync._ratelimit.rules import FUNDING

    with pytest.raises(TypeError, match="retry_safe"):
        Endpoint(method="POST", path="/x", buckets=(FUNDING,), record=m.Balance)  # type: ignore[call-arg]


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=16), max_size=4))
def test_query_string_is_urlencode_with_commas_kept(wire: dict[str, str]) -> None:
    """The query is signed as sent: the fast form must equal ``urlencode(safe=",")``."""
    assert query_string(wire) == urlencode(wire, safe=",")


@given(st.lists(st.text(max_size=16), min_size=1, max_size=4))
def test_a_get_request_is_signed_with_its_urlencoded_query(values: list[str]) -> None:
    """The request path built for sending and signing quotes values as ``urlencode``."""
    names = list(ep.DEPOSIT_HISTORY.params.values())[: len(values)]
    wire = {param.api: value for param, value in zip(names, values, strict=False)}
    method, path, body = _prepare(ep.DEPOSIT_HISTORY, wire)
    assert (method, body) == ("GET", "")
    assert path == ep.DEPOSIT_HISTORY.path + "?" + urlencode(wire, safe=",")


def _encode_by_loop(params: Mapping[str, Param], values: Mapping[str, object]) -> dict[str, str]:
    """The encoding rules, written as a plain loop over the table: the oracle for the
    encoders written per parameter table."""
    if not values.keys() <= params.keys():
        unknown = values.keys() - params.keys()
        raise ValidationError(f"unexpected argument(s): {', '.join(sorted(unknown))}")
    wire: dict[str, str] = {}
    for name, param in params.items():
        value = values.get(name)
        if value is None:
            if param.required:
                raise ValidationError(f"{name} is required")
            continue
        wire[param.api] = param.encoder(name, value)
    return wire


_VALUES = st.sampled_from(
    [None, "BTC", "usdt", "1", "0.5", "", "x y", 100, 0, 5, Decimal("2.5"), True, 1.5,
     ["BTC", "ETH"], datetime(2024, 1, 2, tzinfo=timezone.utc), 1_700_000_000_000]
)  # fmt: skip


@given(st.data())
def test_each_endpoints_encoder_follows_the_encoding_rules(data: st.DataObject) -> None:
    """Every endpoint's own encoder gives what the rules give, for any mix of arguments
    (valid, invalid, missing, unknown): the same wire parameters in the same order, or
    the same ValidationError."""
    endpoint = data.draw(st.sampled_from(ALL))
    names = [*sorted(endpoint.params), "bogus_arg"]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True))
    values = {name: data.draw(_VALUES) for name in chosen}
    for encoder in (endpoint.encode, lambda v: encode(endpoint.params, v)):
        try:
            expected: object = list(_encode_by_loop(endpoint.params, values).items())
        except ValidationError as error:
            expected = str(error)
        try:
            got: object = list(encoder(values).items())
        except ValidationError as error:
            got = str(error)
        assert got == expected
