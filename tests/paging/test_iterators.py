"""History iterators against the FakeExchange: exact record sets, windows, clusters,
RFQ page shifts, cancellation and concurrent time shards."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from paging_helpers import (
    FAST,
    cancel_consumer,
    closes_quietly_after_a_cancelled_close,
    fast_exchange,
    requests_settle,
)

import okxasync
from okxasync import PagingError, ResponseError, ValidationError
from okxasync.testing import FakeExchange, Faults

Row = dict[str, str]


#: The ``fake`` fixture (tests/conftest.py, through the okxasync pytest plugin) with these options.
pytestmark = pytest.mark.fake_exchange(seed=0, rate_limits=FAST)


@pytest.fixture
async def fast(fake: FakeExchange) -> AsyncIterator[okxasync.Client]:
    """A client whose rate limits are out of the way (paging speed is not the point)."""
    async with okxasync.Client(base_url=fake.url, rate_limits=FAST, **fake.credentials) as c:
        yield c


KINDS = {  # iterator name -> (state list, id field, record id attribute)
    "iter_deposits": ("deposits", "depId", "dep_id"),
    "iter_withdrawals": ("withdrawals", "wdId", "wd_id"),
    "iter_bills": ("bills", "billId", "bill_id"),
}


async def ids_of(
    iterator: AsyncIterator[object], attr: str, into: list[str] | None = None
) -> list[str]:
    """The ``attr`` of every record, appended to ``into`` as they arrive."""
    out = [] if into is None else into
    async for record in iterator:
        out.append(str(getattr(record, attr)))
    return out


def window_of(rows: Sequence[Row], since: int | None, until: int | None) -> list[Row]:
    return [
        r
        for r in rows
        if (since is None or int(r["ts"]) >= since) and (until is None or int(r["ts"]) < until)
    ]


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def rows(n: int, ts_of: Callable[[int], int], ccy: str = "BTC") -> list[Row]:
    """``n`` crafted deposits, newest first, ids falling with the index."""
    return [
        {
            "depId": str(10_000 + n - i),
            "ts": str(ts_of(i)),
            "ccy": ccy,
            "amt": "1",
            "state": "2",
            "chain": f"{ccy}-Bitcoin",
            "from": "",
            "to": "bc1qexample",
            "txId": f"tx{i}",
            "actualDepBlkConfirm": "6",
        }
        for i in range(n)
    ]


# -------------------------------------------------------------- exactly once, in order


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize("page_size", [100, 7, 10, 16])
async def test_every_record_once_newest_first(
    fast: okxasync.Client, fake: FakeExchange, name: str, page_size: int
) -> None:
    """Seeded clusters straddle the 100-record page edges (and 7/10/16 ones); the 15-record
    cluster is larger than pages of 7 and 10, which are widened for that millisecond."""
    state_name, id_field, attr = KINDS[name]
    truth = getattr(fake.state, state_name)
    iterator = getattr(fast.funding, name)(page_size=page_size)
    assert await ids_of(iterator, attr) == [r[id_field] for r in truth]


async def test_default_pages_straddle_clusters_with_few_requests(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    truth = fake.state.deposits
    assert truth[99]["ts"] == truth[100]["ts"]  # the data this test is about
    got = [d async for d in fast.funding.iter_deposits()]
    assert [d.dep_id for d in got] == [r["depId"] for r in truth]
    assert got[0].amt == Decimal(truth[0]["amt"])
    pages = [r for r in fake.requests if r.path == "/api/v5/asset/deposit-history"]
    assert len(pages) == 4  # 300 records; every page re-reads only its boundary cluster
    assert pages[0].query == {"limit": "100"}
    assert pages[1].query == {"limit": "100", "after": str(int(truth[99]["ts"]) + 1)}


@pytest.mark.parametrize("page_size", [100, 10, 3])
async def test_since_until_on_cluster_timestamps(
    fast: okxasync.Client, fake: FakeExchange, page_size: int
) -> None:
    """``since`` is inclusive and ``until`` exclusive, also inside a cluster."""
    truth = fake.state.bills
    until, since = int(truth[98]["ts"]), int(truth[204]["ts"])  # both are clusters
    assert truth[97]["ts"] != truth[98]["ts"] == truth[100]["ts"]
    expected = [r["billId"] for r in window_of(truth, since, until)]
    assert expected[0] == truth[101]["billId"] and expected[-1] == truth[204]["billId"]
    as_datetime = datetime.fromtimestamp(since / 1000, tz=timezone(timedelta(hours=8)))
    bills = fast.funding.iter_bills(since=as_datetime, until=until, page_size=page_size)
    assert await ids_of(bills, "bill_id") == expected


async def test_filters_pass_through(fast: okxasync.Client, fake: FakeExchange) -> None:
    truth = [r["depId"] for r in fake.state.deposits if r["ccy"] == "USDT"]
    got = await ids_of(fast.funding.iter_deposits(ccy="USDT", page_size=9), "dep_id")
    assert got == truth
    assert len(fake.requests) > 1  # several pages were fetched, each filtered
    assert all(r.query.get("ccy") == "USDT" for r in fake.requests)


async def test_empty_results(fast: okxasync.Client, fake: FakeExchange) -> None:
    newest = int(fake.state.deposits[0]["ts"])
    assert await ids_of(fast.funding.iter_deposits(since=newest + 1), "dep_id") == []
    oldest = int(fake.state.deposits[-1]["ts"])
    assert await ids_of(fast.funding.iter_deposits(until=oldest, concurrency=3), "dep_id") == []
    assert len(fake.requests) == 2  # one short page each, no workers started


async def test_cluster_larger_than_the_largest_page_raises(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    base = 1_700_000_000_000
    fake.state.deposits = rows(
        250, lambda i: base + (1000 - i if i < 20 else -i if i >= 150 else 0)
    )
    seen: list[str] = []
    with pytest.raises(PagingError) as caught:
        await ids_of(fast.funding.iter_deposits(page_size=10), "dep_id", seen)
    assert caught.value.ts_ms == base
    assert str(base) in str(caught.value) and "2023-11-14T22:13:20.000Z" in str(caught.value)
    assert seen == [r["depId"] for r in fake.state.deposits[:20]]  # nothing of the cluster
    assert len(fake.requests) <= 5


async def test_cluster_larger_than_page_size_is_widened(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    base = 1_700_000_000_000
    fake.state.deposits = rows(120, lambda i: base - (7 if 5 <= i < 45 else i))
    got = await ids_of(fast.funding.iter_deposits(page_size=8), "dep_id")
    assert got == [r["depId"] for r in fake.state.deposits]


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "kwargs",
    [
        {"since": datetime(2024, 1, 1)},  # naive
        {"until": datetime(2024, 1, 1)},
        {"since": 5_000, "until": 5_000},
        {"since": 6_000, "until": 5_000},
        {"since": -1},
        {"since": 1.5},
        {"page_size": 0},
        {"page_size": 101},
        {"page_size": True},
        {"concurrency": 0},
        {"concurrency": 1000},
        {"ccy": "not a ccy"},
        {"state": "99"},
    ],
)
async def test_bad_arguments_raise_before_any_request(
    fast: okxasync.Client, fake: FakeExchange, kwargs: dict[str, object]
) -> None:
    with pytest.raises(ValidationError):
        fast.funding.iter_deposits(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        fast.otc.iter_history(begin=datetime(2024, 1, 2, tzinfo=timezone.utc), end=0)
    assert fake.requests == []


@pytest.fixture
async def stuck() -> AsyncIterator[tuple[okxasync.Client, list[str]]]:
    """A server that ignores the cursor: every answer is the same full page of 10."""
    page = rows(10, lambda i: 1_700_000_000_000 - i)
    body = json.dumps({"code": "0", "msg": "", "data": page})
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.query_string)
        return web.Response(text=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("")).rstrip("/")
        async with okxasync.Client("k", "s", "p", base_url=url, rate_limits=FAST) as client:
            yield client, seen


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_records_outside_the_cursor_window_are_a_response_error(
    stuck: tuple[okxasync.Client, list[str]], concurrency: int
) -> None:
    """A naive pager would loop forever on this server; the iterator refuses the page."""
    client, seen = stuck
    got: list[str] = []
    deposits = client.funding.iter_deposits(page_size=10, concurrency=concurrency)
    with pytest.raises(ResponseError, match="outside the requested"):
        await ids_of(deposits, "dep_id", got)
    assert len(got) == 9  # the first page, but its oldest millisecond (held back)
    await asyncio.sleep(0.2)
    assert 2 <= len(seen) <= 1 + concurrency  # the workers stopped after the bad page


async def test_a_dropped_iterator_leaves_no_fetch_error_unretrieved() -> None:
    """One currency's first page arrives, another's fetch fails while the consumer holds
    the first record; the consumer breaks and drops the iterator: the failure was never
    read, and asyncio must not log it as never retrieved."""

    async def handle(request: web.Request) -> web.Response:
        if request.query["ccy"] == "BTC":
            await asyncio.sleep(0.05)
            return web.Response(status=502, text="<html>bad gateway</html>")
        page = rows(3, lambda i: 1_700_000_000_000 - i, ccy="USDT")
        return web.Response(text=json.dumps({"code": "0", "msg": "", "data": page}))

    logged: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: logged.append(context))
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("")).rstrip("/")
        retry = okxasync.RetryPolicy(attempts=1)
        async with okxasync.Client("k", "s", "p", base_url=url, rate_limits=FAST, retry=retry) as c:
            async for _ in c.funding.iter_deposits(ccy=["USDT", "BTC"], concurrency=2):
                await asyncio.sleep(0.2)  # the BTC fetch fails meanwhile
                break
            gc.collect()
            await asyncio.sleep(0)
    assert [context["message"] for context in logged] == []


@pytest.mark.parametrize(("ccys", "concurrency"), [(0, 1), (0, 4), (2, 1), (3, 4)])
async def test_iterating_again_after_an_error_resumes_where_it_stopped(
    ccys: int, concurrency: int
) -> None:
    """The usual pattern: catch the error, back off, keep iterating. Every record comes
    exactly once in the end (concurrent and several-currency iterators used to end
    silently after an error, dropping the rest)."""
    async with FakeExchange(seed=1, rate_limits=FAST) as fake:
        retry = okxasync.RetryPolicy(attempts=1)
        async with okxasync.Client(
            base_url=fake.url, rate_limits=FAST, retry=retry, **fake.credentials
        ) as client:
            every = fake.state.deposits
            wanted = sorted({r["ccy"] for r in every})[:ccys]
            expected = [r["depId"] for r in every if not wanted or r["ccy"] in wanted]
            deposits = client.funding.iter_deposits(
                ccy=wanted or None, page_size=10, concurrency=concurrency
            )
            fake.faults = Faults(rate=0.4, kinds=("busy_503",), seed=7)
            got: list[str] = []
            errors = 0
            while errors < 200:
                try:
                    await ids_of(deposits, "dep_id", got)
                    break
                except okxasync.OkxError:
                    errors += 1
            assert errors > 0
            assert sorted(got) == sorted(expected)


# ------------------------------------------------------------------------- RFQ


@pytest.mark.parametrize(("page_size", "requests"), [(100, 1), (10, 4), (3, 14)])
async def test_rfq_history_exactly_once(
    fast: okxasync.Client, fake: FakeExchange, page_size: int, requests: int
) -> None:
    truth = [t["tradeId"] for t in fake.state.rfq_trades]
    assert len(truth) == 40
    got = await ids_of(fast.otc.iter_history(page_size=page_size), "trade_id")
    assert got == truth
    sent = [r.query for r in fake.requests]
    assert len(sent) == requests  # totalPageCnt ends a run of full pages
    assert [q["pageIdx"] for q in sent] == [str(i) for i in range(requests)]


async def test_rfq_history_begin_end(fast: okxasync.Client, fake: FakeExchange) -> None:
    truth = fake.state.rfq_trades
    begin, end = int(truth[30]["ts"]), int(truth[9]["ts"])  # 9 is inside the 8..11 cluster
    expected = [t["tradeId"] for t in truth if begin <= int(t["ts"]) <= end]
    got = await ids_of(fast.otc.iter_history(begin=begin, end=end, page_size=4), "trade_id")
    assert got == expected


async def test_rfq_new_trades_shifting_pages_are_not_repeated(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    truth = [t["tradeId"] for t in fake.state.rfq_trades]
    history = fast.otc.iter_history(page_size=5)
    got = [(await history.__anext__()).trade_id for _ in range(5)]  # page 0
    for n in range(3):  # three new trades push every later page down by three
        quote = await fast.otc.quote(
            base_ccy="BTC", quote_ccy="USD", side="buy", rfq_sz=Decimal(1), rfq_sz_ccy="BTC"
        )
        await fast.otc.trade(
            quote_id=quote.quote_id,
            base_ccy="BTC",
            quote_ccy="USD",
            side="buy",
            sz=Decimal(1),
            sz_ccy="BTC",
            cl_t_req_id=f"shift{n}",
        )
    got += [t.trade_id async for t in history]
    assert got == truth
    assert len(fake.state.rfq_trades) == 43


async def test_rfq_unordered_page_is_a_response_error(
    fast: okxasync.Client, fake: FakeExchange
) -> None:
    fake.state.rfq_trades.reverse()
    trades = fast.otc.iter_history()
    with pytest.raises(ResponseError, match="newest first"):
        await ids_of(trades, "trade_id")
    with pytest.raises(ResponseError, match="newest first"):  # again: it never just ends
        await ids_of(trades, "trade_id")


# ---------------------------------------------------------------- cancellation


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_break_stops_fetching(concurrency: int) -> None:
    async with fast_exchange(0.02) as (fake, client):
        seen = 0
        async for _ in client.funding.iter_deposits(page_size=5, concurrency=concurrency):
            seen += 1
            if seen == 12:
                break
        at_break = len(fake.requests)
        settled = await requests_settle(fake, 0.1)
        assert settled <= at_break + concurrency  # what was in flight at the break, no more
        await asyncio.sleep(0.3)
        assert len(fake.requests) == settled


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_aclose_stops_a_held_iterator(concurrency: int) -> None:
    async with fast_exchange(0.02) as (fake, client):
        deposits = client.funding.iter_deposits(page_size=5, concurrency=concurrency)
        first = [await deposits.__anext__() for _ in range(7)]
        at_close = len(fake.requests)
        await deposits.aclose()
        settled = await requests_settle(fake, 0.1)
        await asyncio.sleep(0.3)
        assert len(fake.requests) == settled <= at_close + concurrency
        truth = [r["depId"] for r in fake.state.deposits]
        if concurrency == 1:
            assert [d.dep_id for d in first] == truth[:7]
        assert len({d.dep_id for d in first} & set(truth)) == 7
        with pytest.raises(StopAsyncIteration):
            await deposits.__anext__()
        await deposits.aclose()  # twice is fine


async def test_a_cancel_while_closing_a_concurrent_iterator_is_raised() -> None:
    async with fast_exchange(0.02) as (fake, client):
        deposits = client.funding.iter_deposits(page_size=5, concurrency=4)
        for _ in range(7):
            await deposits.__anext__()
        await closes_quietly_after_a_cancelled_close(fake, deposits)


async def test_async_with_closes(fast: okxasync.Client, fake: FakeExchange) -> None:
    async with fast.funding.iter_bills(page_size=10, concurrency=3) as bills:
        async for _ in bills:
            break
    settled = await requests_settle(fake, 0.05)
    await asyncio.sleep(0.2)
    assert len(fake.requests) == settled


async def test_cancelling_the_consumer_task_stops_fetching(fake: FakeExchange) -> None:
    async with okxasync.Client(base_url=fake.url, **fake.credentials) as client:  # 6/s
        assert 1 <= await cancel_consumer(fake, client.funding.iter_deposits(page_size=5)) < 60


# ----------------------------------------------------------------- concurrency


@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize(("page_size", "concurrency"), [(100, 2), (10, 4), (7, 3)])
async def test_concurrent_export_yields_every_record_once(
    fast: okxasync.Client, fake: FakeExchange, name: str, page_size: int, concurrency: int
) -> None:
    state_name, id_field, attr = KINDS[name]
    truth = [r[id_field] for r in getattr(fake.state, state_name)]
    iterator = getattr(fast.funding, name)(page_size=page_size, concurrency=concurrency)
    got = await ids_of(iterator, attr)
    assert sorted(got) == sorted(truth)
    assert len(got) == len(set(got))


async def test_concurrent_shards_keep_records_on_their_boundaries() -> None:
    """Every millisecond of the window holds records, so each split point that the
    workers choose lands on a cluster; none is lost or repeated."""
    async with fast_exchange(0.005) as (fake, client):
        base = 1_700_000_000_000
        fake.state.deposits = rows(3_000, lambda i: base - i // 5)  # 5 per ms, 600 ms
        since, until = base - 550, base - 20
        expected = [r["depId"] for r in window_of(fake.state.deposits, since, until)]
        deposits = client.funding.iter_deposits(
            since=since, until=until, page_size=20, concurrency=6
        )
        got = await ids_of(deposits, "dep_id")
        assert sorted(got) == sorted(expected)
        assert len(got) == len(expected) == 2_650
        shards = {r.query.get("before") for r in fake.requests}
        assert len(shards) >= 6  # the window really was split, once per worker at least


@pytest.mark.parametrize("window", ["open", "bounded"])
async def test_concurrent_export_of_a_generated_history(window: str) -> None:
    """Exactly once, and splitting costs at most a couple of requests per worker, also
    with no ``since`` (where the history's start must be found)."""
    async with fast_exchange(0.005, seed=3, history_size=5_000) as (fake, client):
        history = fake.state.deposits
        since = None if window == "open" else int(history[4_321]["ts"])
        until = int(history[250]["ts"])
        expected = [r["depId"] for r in window_of(history, since, until)]
        sequential = await ids_of(client.funding.iter_deposits(since=since, until=until), "dep_id")
        assert sequential == expected
        pages = len(fake.requests)
        fake.requests.clear()
        got = await ids_of(
            client.funding.iter_deposits(since=since, until=until, concurrency=4), "dep_id"
        )
        assert sorted(got) == sorted(expected)
        assert len(got) == len(set(got))
        assert len(fake.requests) <= pages + 2 * 4


async def test_concurrent_export_sends_no_extra_request_when_one_at_a_time_fills_the_limit() -> (
    None
):
    """A round trip far shorter than the rate limit's slot: one request at a time already
    sends as fast as the limit admits, so ``concurrency=4`` cuts no shard (each would
    end in a partial page) and sends exactly the sequential export's requests."""
    limits = {**FAST, "funding": okxasync.Rate(5, 0.5)}
    async with (
        FakeExchange(seed=1, history_size=1_000, rate_limits=limits) as fake,
        okxasync.Client(base_url=fake.url, rate_limits=limits, **fake.credentials) as client,
    ):
        sequential = await ids_of(client.funding.iter_deposits(), "dep_id")
        pages = len(fake.requests)
        fake.requests.clear()
        got = await ids_of(client.funding.iter_deposits(concurrency=4), "dep_id")
        assert sorted(got) == sorted(sequential)
        assert len(got) == len(set(got)) == 1_000
        assert len(fake.requests) == pages
        assert fake.rejections == 0


async def test_concurrent_export_still_shards_when_a_round_trip_outlasts_the_slot() -> None:
    """The same limit, round trips of 150 ms: one request at a time would leave the limit
    idle, so the export is cut into shards paged at once (exactly once still)."""
    limits = {**FAST, "funding": okxasync.Rate(5, 0.5)}
    async with (
        FakeExchange(seed=1, history_size=1_000, rate_limits=limits, latency=0.15) as fake,
        okxasync.Client(base_url=fake.url, rate_limits=limits, **fake.credentials) as client,
    ):
        got = await ids_of(client.funding.iter_deposits(concurrency=4), "dep_id")
        assert sorted(got) == sorted(r["depId"] for r in fake.state.deposits)
        assert len(got) == len(set(got)) == 1_000
        assert len({r.query.get("before") for r in fake.requests}) >= 3  # shards' floors
        assert fake.rejections == 0


async def test_errors_retried_on_a_concurrent_iterator_keep_no_task_each() -> None:
    """Each error retried started a new worker task and kept the ended one until the
    iterator closed: memory grew with every error."""
    async with FakeExchange(seed=1, rate_limits=FAST) as fake:
        retry = okxasync.RetryPolicy(attempts=1)
        async with okxasync.Client(
            base_url=fake.url, rate_limits=FAST, retry=retry, **fake.credentials
        ) as client:
            deposits = client.funding.iter_deposits(page_size=10, concurrency=4)
            await deposits.__anext__()
            fake.faults = Faults(rate=1.0, kinds=("busy_503",))
            tasks: dict[int, int] = {}
            errors = 0
            while errors < 60:
                try:
                    await deposits.__anext__()  # records fetched before the faults come first
                except okxasync.OkxError:
                    errors += 1
                    if errors in (10, 60):
                        gc.collect()
                        tasks[errors] = sum(isinstance(o, asyncio.Task) for o in gc.get_objects())
            await deposits.aclose()
    assert tasks[60] <= tasks[10] + 5  # flat, not one more per error
