"""Several currencies in one history call or iterator, against the FakeExchange: the
history endpoints take one ``ccy``, so the client pages each currency and merges."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest
from paging_helpers import (
    cancel_consumer,
    closes_quietly_after_a_cancelled_close,
    fast_exchange,
    requests_settle,
)

import okxasync
from okxasync import ValidationError
from okxasync.testing import FakeExchange

Row = dict[str, str]
KINDS = {  # iterator -> (single-page call, state list, id field, record id attribute, path)
    "iter_deposits": ("deposit_history", "deposits", "depId", "dep_id", "deposit-history"),
    "iter_withdrawals": (
        "withdrawal_history",
        "withdrawals",
        "wdId",
        "wd_id",
        "withdrawal-history",
    ),
    "iter_bills": ("bills", "bills", "billId", "bill_id", "bills"),
}
CCYS = ["USDT", "BTC", "ETH"]  # not the alphabetical order: ties follow this order


@pytest.fixture
async def exchange() -> AsyncIterator[tuple[FakeExchange, okxasync.Client]]:
    async with fast_exchange() as pair:
        yield pair


@pytest.fixture
def fake(exchange: tuple[FakeExchange, okxasync.Client]) -> FakeExchange:
    return exchange[0]


@pytest.fixture
def fast(exchange: tuple[FakeExchange, okxasync.Client]) -> okxasync.Client:
    return exchange[1]


def merged(
    rows: Sequence[Row], ccys: Sequence[str], since: int = 0, until: int = 2**62
) -> list[Row]:
    """The rows of ``ccys`` in ``[since, until)``, newest first; within a millisecond in
    the order of ``ccys``, then in the server's order."""
    inside = [
        (i, r) for i, r in enumerate(rows) if r["ccy"] in ccys and since <= int(r["ts"]) < until
    ]
    inside.sort(key=lambda p: (-int(p[1]["ts"]), ccys.index(p[1]["ccy"]), p[0]))
    return [r for _, r in inside]


def history_requests(fake: FakeExchange, path: str) -> list[dict[str, str]]:
    return [r.query for r in fake.requests if r.path == f"/api/v5/asset/{path}"]


# ------------------------------------------------------------------ iterators


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize("page_size", [7, 100])
async def test_iterators_merge_currencies_newest_first(
    fast: okxasync.Client, fake: FakeExchange, name: str, page_size: int
) -> None:
    _, state, id_field, attr, path = KINDS[name]
    rows = getattr(fake.state, state)
    expected = merged(rows, CCYS)
    server_order = [r for r in rows if r["ccy"] in CCYS]
    assert expected != server_order  # the data has cross-currency ties to order
    got = [
        getattr(r, attr) async for r in getattr(fast.funding, name)(ccy=CCYS, page_size=page_size)
    ]
    assert got == [r[id_field] for r in expected]
    sent = history_requests(fake, path)
    assert {q["ccy"] for q in sent} == set(CCYS)  # one currency per request, never a list
    single = 0
    for ccy in CCYS:  # merging costs no request beyond paging each currency alone
        fake.requests.clear()
        async for _ in getattr(fast.funding, name)(ccy=ccy, page_size=page_size):
            pass
        single += len(fake.requests)
    assert len(sent) == single


async def test_window_bounds_inside_clusters(fast: okxasync.Client, fake: FakeExchange) -> None:
    rows = fake.state.bills
    ccys = ["BTC", "USDC", "USDT"]
    until, since = int(rows[98]["ts"]), int(rows[204]["ts"])  # both bounds are clusters
    expected = merged(rows, ccys, since, until)
    assert 20 < len(expected) < len(merged(rows, ccys))
    bills = fast.funding.iter_bills(ccy=ccys, since=since, until=until, page_size=7)
    assert [b.bill_id async for b in bills] == [r["billId"] for r in expected]


async def test_a_currency_without_records_and_repeats(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    expected = [r["depId"] for r in fake.state.deposits if r["ccy"] == "ETH"]
    deposits = fast.funding.iter_deposits(ccy=("DOGE", "ETH", "DOGE"), page_size=7)
    assert [d.dep_id async for d in deposits] == expected
    doge = [q for q in history_requests(fake, "deposit-history") if q["ccy"] == "DOGE"]
    assert doge == [{"ccy": "DOGE", "limit": "7"}]  # repeats are dropped: asked once


async def test_each_currency_is_fetched_only_when_needed(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    """Whenever a currency's next page was asked for, every record its earlier pages
    delivered had been yielded (its buffer was empty): nothing is fetched ahead."""
    rows = fake.state.deposits
    yielded: set[str] = set()
    async for deposit in fast.funding.iter_deposits(ccy=CCYS, page_size=7):
        yielded.add(deposit.dep_id)
        for query in history_requests(fake, "deposit-history"):
            if "after" in query:
                fetched = {
                    r["depId"]
                    for r in rows
                    if r["ccy"] == query["ccy"] and int(r["ts"]) >= int(query["after"])
                }
                assert fetched <= yielded | {deposit.dep_id}
    assert len(yielded) == len(merged(rows, CCYS))


async def test_first_pages_of_all_currencies_only(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    deposits = fast.funding.iter_deposits(ccy=CCYS, page_size=7)
    first = await deposits.__anext__()
    assert first.dep_id == merged(fake.state.deposits, CCYS)[0]["depId"]
    assert sorted(q["ccy"] for q in history_requests(fake, "deposit-history")) == sorted(CCYS)
    await deposits.aclose()


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize(("page_size", "concurrency"), [(7, 2), (10, 5)])
async def test_concurrency_with_several_currencies_is_exactly_once(
    fast: okxasync.Client, fake: FakeExchange, name: str, page_size: int, concurrency: int
) -> None:
    _, state, id_field, attr, _ = KINDS[name]
    expected = sorted(r[id_field] for r in merged(getattr(fake.state, state), CCYS))
    iterator = getattr(fast.funding, name)(ccy=CCYS, page_size=page_size, concurrency=concurrency)
    got = [getattr(r, attr) async for r in iterator]
    assert sorted(got) == expected


async def test_concurrency_budget_is_shared_by_the_currencies() -> None:
    """With ``concurrency=2`` over three currencies at most two requests are in flight: any
    third arrival comes at least one round trip after the first of the three."""
    latency = 0.04
    async with fast_exchange(latency=latency) as (fake, client):
        deposits = client.funding.iter_deposits(ccy=CCYS, page_size=10, concurrency=2)
        got = [d.dep_id async for d in deposits]
        assert sorted(got) == sorted(r["depId"] for r in merged(fake.state.deposits, CCYS))
        arrivals = sorted(r.arrival for r in fake.requests)
        assert len(arrivals) > 10
        gaps = [later - first for first, later in zip(arrivals, arrivals[2:], strict=False)]
        assert min(gaps) >= 0.8 * latency


# ---------------------------------------------------------------- cancellation


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_break_and_aclose_stop_every_currency(concurrency: int) -> None:
    async with fast_exchange(latency=0.02) as (fake, client):
        seen = 0
        async for _ in client.funding.iter_deposits(ccy=CCYS, page_size=5, concurrency=concurrency):
            seen += 1
            if seen == 12:
                break
        at_break = len(fake.requests)
        settled = await requests_settle(fake, 0.1)
        assert settled <= at_break + max(concurrency, len(CCYS))  # those in flight, no more
        held = client.funding.iter_deposits(ccy=CCYS, page_size=5, concurrency=concurrency)
        for _ in range(12):
            await held.__anext__()
        at_close = len(fake.requests)
        await held.aclose()
        settled = await requests_settle(fake, 0.1)
        await asyncio.sleep(0.3)
        assert len(fake.requests) == settled <= at_close + max(concurrency, len(CCYS))
        with pytest.raises(StopAsyncIteration):
            await held.__anext__()


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_a_cancel_while_closing_is_raised(concurrency: int) -> None:
    async with fast_exchange(latency=0.02) as (fake, client):
        held = client.funding.iter_deposits(ccy=CCYS, page_size=5, concurrency=concurrency)
        with pytest.raises(asyncio.TimeoutError):  # first pages go on (3.10: not builtin)
            await asyncio.wait_for(held.__anext__(), 0.005)
        await closes_quietly_after_a_cancelled_close(fake, held)


async def test_cancelling_the_consumer_while_currencies_are_fetched() -> None:
    async with fast_exchange(latency=0.05) as (fake, client):
        bills = client.funding.iter_bills(ccy=CCYS, page_size=5)
        assert await cancel_consumer(fake, bills) >= len(CCYS)


# ------------------------------------------------------------- single pages


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize("limit", [None, 1, 30])
async def test_one_page_of_several_currencies_is_the_newest_of_their_union(
    fast: okxasync.Client, fake: FakeExchange, name: str, limit: int | None
) -> None:
    call, state, id_field, attr, path = KINDS[name]
    rows = getattr(fake.state, state)
    expected = merged(rows, CCYS)[: limit or 100]
    page = await getattr(fast.funding, call)(ccy=CCYS, limit=limit)
    assert [getattr(r, attr) for r in page] == [r[id_field] for r in expected]
    sent = history_requests(fake, path)
    assert sorted(q.pop("ccy") for q in sent) == sorted(CCYS)  # one request per currency
    assert sent == [{} if limit is None else {"limit": str(limit)}] * len(CCYS)


async def test_one_page_between_cursors(fast: okxasync.Client, fake: FakeExchange) -> None:
    rows = fake.state.deposits
    after, before = int(rows[40]["ts"]), int(rows[250]["ts"])  # exclusive on the wire
    expected = merged(rows, CCYS, before + 1, after)[:25]
    page = await fast.funding.deposit_history(ccy=CCYS, after=after, before=before, limit=25)
    assert [d.dep_id for d in page] == [r["depId"] for r in expected]
    queries = history_requests(fake, "deposit-history")
    assert all(q["after"] == str(after) and q["before"] == str(before) for q in queries)


async def test_one_currency_in_a_list_is_one_request(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    page = await fast.funding.bills(ccy=["BTC"], limit=5)
    assert [b.bill_id for b in page] == [r["billId"] for r in merged(fake.state.bills, ["BTC"])][:5]
    assert history_requests(fake, "bills") == [{"ccy": "BTC", "limit": "5"}]


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "ccy",
    [
        [f"C{i}" for i in range(21)],
        [],
        ["BTC", "not a ccy"],
        "BTC,ETH",
        ["BTC", 5],
        b"BTC",
    ],
)
async def test_bad_currency_lists_send_nothing(
    fast: okxasync.Client, fake: FakeExchange, ccy: object
) -> None:
    for name, (call, *_) in KINDS.items():
        with pytest.raises(ValidationError, match="ccy"):
            getattr(fast.funding, name)(ccy=ccy)
        with pytest.raises(ValidationError, match="ccy"):
            await getattr(fast.funding, call)(ccy=ccy)
    with pytest.raises(ValidationError, match="limit"):  # the other arguments too, first
        await fast.funding.deposit_history(ccy=CCYS, limit=0)
    assert fake.requests == []


async def test_twenty_currencies_are_fine(fast: okxasync.Client, fake: FakeExchange) -> None:
    ccys = sorted({r["ccy"] for r in fake.state.deposits}) + [f"Z{i}" for i in range(12)]
    ccys = ccys[:20]
    got = [d.dep_id async for d in fast.funding.iter_deposits(ccy=ccys, page_size=50)]
    assert got == [r["depId"] for r in merged(fake.state.deposits, ccys)]
