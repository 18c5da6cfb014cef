"""Transfers and Convert trades move money exactly once: under dropped answers, HTTP 5xx
after commit, timeouts and reused ids, the server records at most one per client id, the
request is never sent twice, and the caller gets the recorded result or OutcomeUnknownError."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import okxasync
from okxasync import (
    APIError,
    ConvertTrade,
    OutcomeUnknownError,
    Rate,
    RetryPolicy,
    Transfer,
    TransportError,
)
from okxasync._ratelimit import BUCKETS
from okxasync.testing import FakeExchange, Faults

FAST = RetryPolicy(
    attempts=8, initial_delay=0.01, max_delay=0.05, deadline=20.0, lookups=2, lookup_interval=0.05
)
#: Every bucket wide (these tests are about outcomes, not limits).
WIDE = {name: Rate(200, 1.0) for name in BUCKETS}
TRANSFER = "/api/v5/asset/transfer"
TRANSFER_STATE = "/api/v5/asset/transfer-state"
TRADE = "/api/v5/asset/convert/trade"
HISTORY = "/api/v5/asset/convert/history"
COMMIT_FAULTS = [
    "drop_after_commit",
    "error_after_commit",
    "slow_after_commit",
    "timeout_after_commit",
]


def only(kind: str) -> Faults:
    """Every fund-moving request meets ``kind`` (answers held 0.6 s past the 0.3 s timeout)."""
    return Faults(**{kind: 1.0}, delay=0.6)  # type: ignore[arg-type]


@asynccontextmanager
async def exchange(faults: Faults) -> AsyncIterator[tuple[FakeExchange, okxasync.Client]]:
    async with (
        FakeExchange(rate_limits=WIDE, faults=faults) as fake,
        okxasync.Client(
            base_url=fake.url, timeout=0.3, retry=FAST, rate_limits=WIDE, **fake.credentials
        ) as client,
    ):
        yield fake, client


async def transfer(client: okxasync.Client, client_id: str | None = None) -> Transfer:
    return await client.funding.transfer(
        ccy="USDT", amt=Decimal("1.5"), from_="6", to="18", client_id=client_id
    )


async def convert(
    client: okxasync.Client, cl_t_req_id: str | None = None, sz: str = "20"
) -> ConvertTrade:
    quote = await client.convert.estimate_quote(
        base_ccy="BTC", quote_ccy="USDT", side="buy", rfq_sz="50", rfq_sz_ccy="USDT"
    )
    return await client.convert.trade(
        quote_id=quote.quote_id,
        base_ccy="BTC",
        quote_ccy="USDT",
        side="buy",
        sz=sz,
        sz_ccy="USDT",
        cl_t_req_id=cl_t_req_id,
    )


def posts(fake: FakeExchange, path: str, client_id: str) -> list[int]:
    """The answer statuses of the POSTs to ``path`` carrying ``client_id``."""
    out = []
    for r in fake.requests:
        if (r.method, r.path) == ("POST", path):
            sent = json.loads(r.body)
            if client_id in (sent.get("clientId"), sent.get("clTReqId")):
                out.append(r.status)
    return out


def transfers(fake: FakeExchange, client_id: str) -> list[str]:
    return [t["transId"] for t in fake.state.moves.transfers if t["clientId"] == client_id]


def trades(fake: FakeExchange, cl_t_req_id: str) -> list[str]:
    return [t["tradeId"] for t in fake.state.convert.trades if t["clTReqId"] == cl_t_req_id]


@pytest.mark.parametrize("kind", COMMIT_FAULTS)
async def test_transfer_executed_but_not_answered_is_found_by_client_id(kind: str) -> None:
    async with exchange(only(kind)) as (fake, client):
        before = fake.state.funding_row("USDT")["availBal"]
        result = await transfer(client)  # the client id is generated
        assert fake.injected[kind] == 1
    assert transfers(fake, result.client_id) == [result.trans_id]
    assert (result.ccy, result.amt, result.from_, result.to) == ("USDT", Decimal("1.5"), "6", "18")
    assert len(posts(fake, TRANSFER, result.client_id)) == 1
    assert Decimal(before) - Decimal(fake.state.funding_row("USDT")["availBal"]) == Decimal("1.5")
    lookup = next(r for r in fake.requests if r.path == TRANSFER_STATE)
    assert lookup.query == {"clientId": result.client_id}


@pytest.mark.parametrize("kind", COMMIT_FAULTS)
async def test_convert_trade_executed_but_not_answered_is_found_in_the_history(kind: str) -> None:
    async with exchange(only(kind)) as (fake, client):
        result = await convert(client, "cv1")
    assert trades(fake, "cv1") == [result.trade_id]
    assert result.quote_id is None and result.fill_quote_sz == Decimal(20)
    assert len(posts(fake, TRADE, "cv1")) == 1
    lookup = next(r for r in fake.requests if r.path == HISTORY)
    assert lookup.query == {"clTReqId": "cv1"}


async def test_lost_before_commit_is_outcome_unknown_and_nothing_moved() -> None:
    async with exchange(Faults(drop_before_commit=1.0)) as (fake, client):
        before = fake.state.funding_row("USDT")["availBal"]
        with pytest.raises(OutcomeUnknownError) as moved:
            await transfer(client, "tr0")
        with pytest.raises(OutcomeUnknownError) as traded:
            await convert(client, "cv0")
    assert (moved.value.client_id, traded.value.client_id) == ("tr0", "cv0")
    assert isinstance(moved.value.__cause__, TransportError)
    assert transfers(fake, "tr0") == [] and trades(fake, "cv0") == []
    assert fake.state.funding_row("USDT")["availBal"] == before
    assert len(posts(fake, TRANSFER, "tr0")) == len(posts(fake, TRADE, "cv0")) == 1
    lookups = [r.path for r in fake.requests if r.method == "GET"]
    assert lookups.count(TRANSFER_STATE) == lookups.count(HISTORY) == FAST.lookups


async def test_a_reused_trade_id_is_already_done_or_not_this_trade() -> None:
    async with exchange(Faults()) as (fake, client):
        first = await convert(client, "again1")
        same = await convert(client, "again1")  # a new quote, same details: already done
        with pytest.raises(APIError, match="52925") as refused:
            await convert(client, "again1", sz="30")  # other details: refused, definitely
    assert not isinstance(refused.value, OutcomeUnknownError)
    assert same.trade_id == first.trade_id
    assert trades(fake, "again1") == [first.trade_id]
    codes = [r.code for r in fake.requests if r.path == TRADE]
    assert codes == ["0", "52925", "52925"]


async def test_exactly_one_per_client_id_over_many_trials() -> None:
    faults = Faults(
        rate=0.15,
        drop_after_commit=0.2,
        drop_before_commit=0.15,
        error_after_commit=0.15,
        slow_after_commit=0.1,
        timeout_after_commit=0.1,
        delay=0.5,
        seed=5,
    )
    outcomes: dict[str, Transfer | ConvertTrade | OutcomeUnknownError] = {}
    async with exchange(faults) as (fake, client):
        for n in range(30):
            try:
                outcomes[f"tr{n}"] = await transfer(client, f"tr{n}")
            except OutcomeUnknownError as error:
                outcomes[f"tr{n}"] = error
        for n in range(16):
            try:
                outcomes[f"cv{n}"] = await convert(client, f"cv{n}")
            except OutcomeUnknownError as error:
                outcomes[f"cv{n}"] = error
    assert min(fake.injected[k] for k in [*COMMIT_FAULTS, "drop_before_commit"]) >= 2
    unknown = [o for o in outcomes.values() if isinstance(o, OutcomeUnknownError)]
    assert len(unknown) == fake.injected["drop_before_commit"]  # the rest were all found
    for client_id, outcome in outcomes.items():
        path = TRANSFER if client_id.startswith("tr") else TRADE
        statuses = posts(fake, path, client_id)
        assert len(statuses) == 1, client_id  # never sent twice
        recorded = transfers(fake, client_id) + trades(fake, client_id)
        assert len(recorded) <= 1, client_id
        if isinstance(outcome, Transfer):
            assert recorded == [outcome.trans_id]
        elif isinstance(outcome, ConvertTrade):
            assert recorded == [outcome.trade_id]
        else:
            assert outcome.client_id == client_id
        if statuses == [200]:
            assert not isinstance(outcome, OutcomeUnknownError)


@asynccontextmanager
async def serve(
    handler: Callable[[web.Request], Awaitable[web.Response]],
) -> AsyncIterator[okxasync.Client]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with okxasync.Client(
            base_url=str(server.make_url("")),
            retry=FAST,
            api_key="k",
            secret_key="s",
            passphrase="p",
        ) as client:
            yield client
    finally:
        await server.close()


HISTORY_ROW = {
    "clTReqId": "dup52909",
    "instId": "BTC-USDT",
    "side": "buy",
    "fillPx": "60000",
    "baseCcy": "BTC",
    "quoteCcy": "USDT",
    "fillBaseSz": "0.0005",
    "state": "fullyFilled",
    "tradeId": "trader1",
    "fillQuoteSz": "30",
    "ts": "1700000000000",
}


async def test_52909_duplicate_client_order_id_is_read_as_already_done() -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        if request.method == "POST":
            return web.json_response(
                {"code": "52909", "msg": "Duplicate Client Order Id", "data": []}
            )
        return web.json_response({"code": "0", "msg": "", "data": [HISTORY_ROW]})

    async with serve(handler) as client:
        found = await client.convert.trade(
            quote_id="q1", base_ccy="BTC", quote_ccy="USDT", side="buy", sz="30", sz_ccy="USDT",
            cl_t_req_id="dup52909",
        )  # fmt: skip
    assert found.trade_id == "trader1" and found.quote_id is None
    assert seen == [f"POST {TRADE}", f"GET {HISTORY}"]


@pytest.mark.parametrize(
    ("status", "body"), [(500, '{"code":"52912","msg":"Server timeout"}'), (502, "<html/>")]
)
async def test_5xx_answer_to_a_transfer_is_reconciled_not_resent(status: int, body: str) -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        if request.method == "POST":
            return web.Response(status=status, text=body, content_type="text/html")
        return web.json_response({"code": "0", "msg": "", "data": []})

    async with serve(handler) as client:
        with pytest.raises(OutcomeUnknownError):
            await transfer(client, "srv5xx")
    assert seen == [f"POST {TRANSFER}"] + [f"GET {TRANSFER_STATE}"] * FAST.lookups


@pytest.mark.parametrize("data", [[], [{}], [{"transId": "", "ccy": "USDT"}]])
async def test_a_success_answer_that_confirms_nothing_is_looked_up(data: list[object]) -> None:
    seen: list[str] = []
    state = {"transId": "88", "clientId": "empty1", "ccy": "USDT", "amt": "1.5", "type": "0",
             "from": "6", "to": "18", "subAcct": "", "state": "success"}  # fmt: skip

    async def handler(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        if request.method == "POST":
            return web.json_response({"code": "0", "msg": "", "data": data})
        return web.json_response({"code": "0", "msg": "", "data": [state]})

    async with serve(handler) as client:
        result = await transfer(client, "empty1")
    assert (result.trans_id, result.client_id) == ("88", "empty1")
    assert seen == [f"POST {TRANSFER}", f"GET {TRANSFER_STATE}"]
