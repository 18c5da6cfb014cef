"""Property tests: any call arguments give a result or ValidationError (and nothing is
sent then); any server body gives a result or an OkxError, never a hang."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import string
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import okxasync
from okxasync import OkxError, Rate, ResponseError, RetryPolicy, ValidationError
from okxasync.testing import FakeExchange

Client = okxasync.Client
Call = Callable[[Client], Awaitable[object]]

# One emulator and client serve all examples of a test (hence the health check).
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
WIDE = {"funding": Rate(1000, 1.0), "otc": Rate(1000, 1.0)}
CCYS = ["BTC", "ETH", "USDT", "USDC", "OKB", "LTC", "XRP", "TRX"]


#: The ``fake`` fixture (tests/conftest.py, through the okxasync pytest plugin) with these options.
pytestmark = pytest.mark.fake_exchange(seed=0, rate_limits=WIDE)


@pytest.fixture
async def wide(fake: FakeExchange) -> AsyncIterator[Client]:
    async with Client(base_url=fake.url, rate_limits=WIDE, **fake.credentials) as client:
        yield client


# --- call arguments -----------------------------------------------------------------
#
# Each example draws arguments that are mostly valid, then replaces up to two of them with
# junk, so that every parameter's validation is reached often (one bad argument would
# otherwise hide the others).

#: Strings that broke or could break encoders, URLs or signatures.
NASTY = ["", " ", "\ud800", "a\udfffb", "\x00", "a&b=c", "%2F", "../x", "é", "😀", "\n", "a,b"]
junk = st.one_of(
    st.sampled_from(NASTY),
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=40),
    st.text(st.characters(exclude_categories=()), max_size=10),  # lone surrogates too
    st.binary(max_size=8),
    st.lists(st.text(max_size=5), max_size=3),
    st.decimals(),
    st.datetimes(),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
one_ccy = st.sampled_from(CCYS)
some_ccy = st.one_of(one_ccy, st.lists(one_ccy, min_size=1, max_size=20), st.frozensets(one_ccy))
text = st.one_of(st.text(min_size=1, max_size=30), st.sampled_from(NASTY))
moment = st.one_of(
    st.just(0),
    st.integers(10**11, 2**45),  # smaller ints look like seconds: refused with a hint
    st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(timezone.utc)),
)
limit = st.integers(1, 100)
alnum = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=32)
small_amount = st.one_of(
    st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("0.01"), places=8),
    st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("0.01"), places=8).map(str),
    st.integers(1, 3).map(lambda n: Decimal(n) / 1000),
)


SERIAL = itertools.count()
ALNUM_ID = r"[A-Za-z0-9]{1,32}"
CURRENCY_PARAMS = {"ccy", "base_ccy", "quote_ccy", "rfq_sz_ccy", "sz_ccy"}
AMOUNT_PARAMS = {"amt", "fee", "rfq_sz", "sz"}


def junk_for(name: str) -> st.SearchStrategy[Any]:
    """Junk for parameter ``name``, minus values only the server could refuse: a
    well-formed currency code or chain it does not list, an amount above the balance."""
    if name in CURRENCY_PARAMS:
        return junk.filter(lambda v: not (isinstance(v, str) and v.isascii() and v.isalnum()))
    if name in AMOUNT_PARAMS:
        return junk.filter(lambda v: not plausible_amount(v))
    if name == "chain":  # any string may name a chain; the exchange knows which exist
        return junk.filter(lambda v: not isinstance(v, str))
    if name == "client_id":  # a well-formed id may be one already used: the server's call
        return junk.filter(lambda v: not (isinstance(v, str) and re.fullmatch(ALNUM_ID, v)))
    return junk


def plausible_amount(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        return False
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        return False
    return number.is_finite() and -100 <= number.adjusted() <= 100 and number > 0


def within(low: Decimal, high: Decimal) -> st.SearchStrategy[Any]:
    """Amounts from ``low`` to ``high``, as Decimal or str."""
    amounts = st.decimals(min_value=low, max_value=high, places=8)
    return st.one_of(amounts, amounts.map(str))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def states(values: list[str]) -> st.SearchStrategy[Any]:
    return optional(st.sampled_from(values))


async def fuzz(
    fake: FakeExchange,
    data: st.DataObject,
    call: Callable[..., Awaitable[object]],
    valid: dict[str, st.SearchStrategy[Any]],
) -> None:
    """Call with mostly valid arguments: success, or ValidationError with nothing sent."""
    args = {name: data.draw(strategy, name) for name, strategy in valid.items()}
    for name in data.draw(st.lists(st.sampled_from(sorted(valid)), max_size=2, unique=True)):
        args[name] = data.draw(junk_for(name), f"junk {name}")
    before = len(fake.requests)
    try:
        await call(**args)
    except ValidationError:
        assert len(fake.requests) == before


DEPOSIT_ARGS = {
    "ccy": optional(one_ccy),
    "dep_id": optional(text),
    "tx_id": optional(text),
    "state": states(["0", "1", "2", "8", "12", "13"]),
    "after": optional(moment),
    "before": optional(moment),
    "limit": optional(limit),
}
WITHDRAWAL_ARGS = {
    "ccy": optional(one_ccy),
    "wd_id": optional(text),
    "client_id": optional(alnum),
    "tx_id": optional(text),
    "state": states(["-3", "-2", "-1", "0", "1", "2", "3", "4", "5"]),
    "after": optional(moment),
    "before": optional(moment),
    "limit": optional(limit),
}
BILL_ARGS = {
    "ccy": optional(one_ccy),
    "type": states(["1", "2", "13"]),
    "client_id": optional(alnum),
    "after": optional(moment),
    "before": optional(moment),
    "limit": optional(limit),
}


@SETTINGS
@given(data=st.data())
async def test_history_arguments(fake: FakeExchange, wide: Client, data: st.DataObject) -> None:
    await fuzz(fake, data, wide.funding.deposit_history, DEPOSIT_ARGS)
    await fuzz(fake, data, wide.funding.withdrawal_history, WITHDRAWAL_ARGS)
    await fuzz(fake, data, wide.funding.bills, BILL_ARGS)
    await fuzz(fake, data, wide.funding.balances, {"ccy": optional(some_ccy)})
    await fuzz(fake, data, wide.funding.currencies, {"ccy": optional(some_ccy)})
    await fuzz(fake, data, wide.funding.deposit_address, {"ccy": one_ccy})


@SETTINGS
@given(data=st.data())
async def test_withdraw_arguments(fake: FakeExchange, wide: Client, data: st.DataObject) -> None:
    currency = data.draw(one_ccy, "currency")
    chain = data.draw(optional(st.sampled_from(fake.state.chains(currency))), "chain")
    row = fake.state.currency_row(currency, chain)
    valid = {
        "ccy": st.just(currency),
        # the chain's own limits: a refusal of these is the server's to make, not ours
        "amt": within(Decimal(str(row["minWd"])), Decimal(str(row["minWd"])) * 2),
        "fee": within(Decimal(str(row["minFee"])), Decimal(str(row["maxFee"]))),
        "dest": st.sampled_from(["3", "4"]),
        "to_addr": text,
        "chain": st.just(chain),
        # a reused id is the server's refusal to make, not ours: make each one unique
        "client_id": optional(alnum.map(lambda v: f"{v[:24]}{next(SERIAL):08d}")),
    }
    await fuzz(fake, data, wide.funding.withdraw, valid)


@SETTINGS
@given(data=st.data())
async def test_otc_arguments(fake: FakeExchange, wide: Client, data: st.DataObject) -> None:
    quote_args = {
        "base_ccy": st.just("BTC"),
        "quote_ccy": st.just("USDT"),
        "side": st.sampled_from(["buy", "sell", "two_way"]),
        "rfq_sz": small_amount,
        "rfq_sz_ccy": st.sampled_from(["BTC", "USDT"]),
        "cl_q_req_id": optional(alnum),
        "cl_q_req_ts": optional(moment),
    }
    await fuzz(fake, data, wide.otc.quote, quote_args)
    history_args = {
        "begin": optional(moment),
        "end": optional(moment),
        "page_sz": optional(limit),
        "page_idx": optional(st.integers(0, 5)),
    }
    await fuzz(fake, data, wide.otc.history, history_args)
    ids = {"trade_id": optional(text), "cl_t_req_id": optional(alnum)}
    missing: ResponseError | None = None
    try:
        await fuzz(fake, data, wide.otc.get_trade, ids)
    except ResponseError as error:  # a well-formed lookup of a trade that is not there
        missing = error
    assert missing is None or "no record" in str(missing)


# --- server bodies ------------------------------------------------------------------

json_value = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
FIELDS = [
    "ccy",
    "bal",
    "availBal",
    "ts",
    "state",
    "wdId",
    "clientId",
    "amt",
    "tradeId",
    "clTReqId",
    "instruments",
    "trades",
    "pageIdx",
    "quoteId",
    "px",
    "side",
    "code",
]
record = st.dictionaries(st.sampled_from(FIELDS), json_value | st.text(max_size=12), max_size=8)
code = st.one_of(st.sampled_from(["0", 0, "50001", "51000", "50011", "50102", ""]), json_value)
envelope = st.builds(
    lambda c, m, d: json.dumps({"code": c, "msg": m, "data": d}).encode(),
    code,
    st.one_of(st.text(max_size=20), json_value),
    st.one_of(st.lists(record, max_size=3), json_value),
)
truncated = st.builds(lambda body, cut: body[:cut], envelope, st.integers(0, 200))
html = st.sampled_from(
    [b"<html><body><h1>502 Bad Gateway</h1></body></html>", b"<!DOCTYPE html><title>x</title>"]
)
bodies = st.one_of(
    envelope,
    truncated,
    html,
    st.binary(max_size=200),
    json_value.map(lambda v: json.dumps(v).encode()),
)
statuses = st.sampled_from([200, 200, 200, 400, 401, 404, 429, 500, 502, 503])

CALLS: list[Call] = [
    lambda c: c.funding.balances(),
    lambda c: c.funding.deposit_history(limit=5),
    lambda c: c.funding.withdrawal_history(),
    lambda c: c.funding.bills(),
    lambda c: c.funding.withdraw(ccy="BTC", amt="1", dest="4", to_addr="x", fee="0.1"),
    lambda c: c.otc.instruments(),
    lambda c: c.otc.quote(
        base_ccy="BTC", quote_ccy="USDT", side="buy", rfq_sz="1", rfq_sz_ccy="BTC"
    ),
    lambda c: c.otc.trade(
        quote_id="q", base_ccy="BTC", quote_ccy="USDT", side="buy", sz="1", sz_ccy="BTC"
    ),
    lambda c: c.otc.get_trade(trade_id="1"),
    lambda c: c.otc.history(),
    lambda c: c.sync_clock(),
]


class Canned:
    """A real HTTP server answering every request with the current canned answer."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""

    async def handle(self, request: web.Request) -> web.Response:
        return web.Response(status=self.status, body=self.body, content_type="application/json")


@pytest.fixture
async def canned() -> AsyncIterator[tuple[Canned, Client]]:
    answer = Canned()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    policy = RetryPolicy(attempts=2, initial_delay=0, max_delay=0, lookups=1, lookup_interval=0)
    async with Client(
        base_url=str(server.make_url("")),
        api_key="k",
        secret_key="s",
        passphrase="p",
        timeout=5.0,
        rate_limits={**WIDE, "public": Rate(1000, 1.0)},
        retry=policy,
    ) as client:
        yield answer, client
    await server.close()


async def only_okx_errors(client: Client, call: Call) -> None:
    try:
        await asyncio.wait_for(call(client), timeout=20)
    except asyncio.TimeoutError:
        pytest.fail("the client hung on a malformed answer")
    except OkxError:
        pass


@SETTINGS
@given(status=statuses, body=bodies, call=st.sampled_from(CALLS))
async def test_any_server_body_gives_a_result_or_an_okx_error(
    canned: tuple[Canned, Client], status: int, body: bytes, call: Call
) -> None:
    answer, client = canned
    answer.status, answer.body = status, body
    await only_okx_errors(client, call)


HUGE = [
    b'{"code":"0","msg":"","data":[' + b'{"ccy":"BTC","bal":"1"},' * 200_000 + b"{}]}",
    b'{"code":"0","msg":"","data":[' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
    b'{"code":"0","msg":"","data":[{"ccy":' + b"[" * 100_000 + b"]" * 100_000 + b"}]}",
    b'{"code":"50001","msg":"' + b"x" * 5_000_000 + b'","data":[]}',
    b"[" * 1_000_000,
    b"\xff\xfe" * 1_000_000,
]


@pytest.mark.parametrize("body", HUGE, ids=["many", "deep", "deep-field", "long", "open", "bin"])
@pytest.mark.parametrize("call", [CALLS[0], CALLS[4], CALLS[5]], ids=["get", "post", "nested"])
async def test_huge_and_deep_bodies(canned: tuple[Canned, Client], body: bytes, call: Call) -> None:
    answer, client = canned
    answer.body = body
    await only_okx_errors(client, call)
