"""The rate-limit scheduler against the strict emulator: counts and orderings, not speed.

Most tests use fast custom rates (the property does not depend on the real numbers);
the emulator enforces the same rates with a strict sliding window at arrival time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from ratelimit_helpers import accepted, assert_within, slow_localhost

import okxasync
from okxasync import Client, LocalLimiter, Priority, Rate, RateLimitError, TransportError
from okxasync._endpoints import Endpoint
from okxasync._endpoints import funding as ep
from okxasync._http.encode import CCY1, Param
from okxasync._http.retry import RetryPolicy
from okxasync._ratelimit import BUCKETS, Bucket, Scheduler, Slot
from okxasync._ratelimit.rules import FUNDING
from okxasync.testing import FakeExchange

FAST = {"funding": Rate(5, 0.25), "otc": Rate(2, 0.25)}


def client_for(fake: FakeExchange, **options: object) -> Client:
    return Client(base_url=fake.url, **fake.credentials, **options)  # type: ignore[arg-type]


@pytest.fixture
async def fast_fake() -> AsyncIterator[FakeExchange]:
    async with FakeExchange(seed=0, rate_limits=FAST, jitter=0.015) as fake:
        yield fake


@contextlib.asynccontextmanager
async def limited(rate: Rate) -> AsyncIterator[tuple[FakeExchange, Client]]:
    """An emulator and a client that both use ``rate`` for the funding group."""
    fake = FakeExchange(seed=0, rate_limits={"funding": rate})
    async with fake, client_for(fake, rate_limits={"funding": rate}) as client:
        yield fake, client


async def tagged(client: Client, tag: int, priority: Priority) -> object:
    """A deposit-history page fetch the emulator's log can tell apart by ``limit``."""
    return await client._pipeline.request(ep.DEPOSIT_HISTORY, {"limit": tag}, priority=priority)


def tags(fake: FakeExchange) -> list[int]:
    return [int(r.query["limit"]) for r in accepted(fake, "funding")]


def window_full(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The group of every "window full" wait the scheduler logged, in order."""
    found = [r.getMessage() for r in caplog.records if "window full" in r.getMessage()]
    return [message.split(":")[0] for message in found]


async def test_storm_of_40_tasks_gets_no_rejections(fast_fake: FakeExchange) -> None:
    async with client_for(fast_fake, rate_limits=FAST) as client:
        calls: list[Callable[[], Awaitable[object]]] = [client.funding.balances] * 30
        calls += [client.otc.instruments] * 10
        results = await asyncio.gather(*(call() for call in calls))
        stats = client.rate_limit_stats()
    assert all(results)
    assert fast_fake.rejections == 0
    assert (len(accepted(fast_fake, "funding")), len(accepted(fast_fake, "otc"))) == (30, 10)
    assert_within(fast_fake, "funding", FAST["funding"])
    assert_within(fast_fake, "otc", FAST["otc"])
    assert (stats["funding"].sent, stats["otc"].sent) == (30, 10)
    assert stats["funding"].rejected == stats["otc"].rejected == 0
    assert stats["funding"].wait_max > 0.25  # 30 calls at 5 per 0.25 s had to queue
    assert stats["funding"].waiting == 0


async def test_burst_goes_at_once_then_the_window_holds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The real funding rate: 6 go without waiting, the 7th waits a whole second."""
    caplog.set_level(logging.DEBUG, logger="okxasync.ratelimit")
    fake = FakeExchange(seed=0)
    async with fake, client_for(fake) as client:
        await asyncio.gather(*(client.funding.balances() for _ in range(6)))
        burst_full = window_full(caplog)
        await client.funding.balances()
        stats = client.rate_limit_stats()["funding"]
    # Counted, not timed: none of the six found the window full; the seventh did.
    assert burst_full == []
    assert window_full(caplog) and set(window_full(caplog)) == {"funding"}
    arrivals = [r.arrival for r in accepted(fake, "funding")]
    assert arrivals[6] - min(arrivals[:6]) >= 1.0
    assert stats.wait_max >= 0.5 and stats.sent == 7
    assert fake.rejections == 0


async def test_direct_calls_overtake_queued_page_fetches() -> None:
    rate = Rate(2, 0.3)
    async with limited(rate) as (fake, client):
        pages = [asyncio.create_task(tagged(client, n, Priority.PAGING)) for n in range(1, 7)]
        await asyncio.sleep(0.05)  # pages 1-2 sent, 3 holds the turn, 4-6 queued
        direct = [asyncio.create_task(tagged(client, n, Priority.DIRECT)) for n in (11, 12)]
        await asyncio.gather(*pages, *direct)
    order = tags(fake)
    assert sorted(order) == [1, 2, 3, 4, 5, 6, 11, 12]
    # Each direct call waited behind at most the one page holding the turn (3), and
    # maybe one slot released together with it: both are among the first six sent.
    assert {11, 12} <= set(order[:6])
    assert order.index(5) > order.index(12) and order.index(6) > order.index(12)
    assert [n for n in order if n in (4, 5, 6)] == [4, 5, 6]
    assert fake.rejections == 0


async def test_fifo_within_a_priority() -> None:
    rate = Rate(3, 0.25)
    async with limited(rate) as (fake, client):
        await asyncio.gather(*(tagged(client, n, Priority.DIRECT) for n in range(1, 13)))
    order = tags(fake)
    # Within one window the requests go together (their arrival order may interleave),
    # but windows are filled strictly in the order the calls were made.
    assert [set(order[i : i + 3]) for i in range(0, 12, 3)] == [
        set(range(i + 1, i + 4)) for i in range(0, 12, 3)
    ]
    assert_within(fake, "funding", rate)


async def test_cancelled_waiters_take_no_slot_and_block_nobody() -> None:
    rate = Rate(2, 1.0)  # a long window: the checks below have half of it as tolerance
    async with limited(rate) as (fake, client):
        first = [asyncio.create_task(tagged(client, n, Priority.DIRECT)) for n in (1, 2)]
        # 3 holds the turn (sleeping on the window), 4 is queued behind it.
        doomed = [asyncio.create_task(tagged(client, n, Priority.DIRECT)) for n in (3, 4)]
        later = [asyncio.create_task(tagged(client, n, Priority.DIRECT)) for n in (5, 6)]
        await asyncio.sleep(0.1)
        for task in doomed:
            task.cancel()
        await asyncio.gather(*first, *later)
        assert all(task.cancelled() for task in doomed)
        stats = client.rate_limit_stats()["funding"]
    assert tags(fake)[:2] in ([1, 2], [2, 1]) and sorted(tags(fake)) == [1, 2, 5, 6]
    five, six = sorted(r.arrival for r in accepted(fake, "funding"))[2:]
    assert six - five < rate.period / 2  # both went in the same window: no slot was lost
    assert (stats.sent, stats.waiting) == (4, 0)
    assert fake.rejections == 0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def hanging_up() -> AsyncIterator[str]:
    """A server that reads each request and closes the connection without answering:
    the request reached it, the client never learns what became of it."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def test_a_slot_spent_on_a_failed_send_still_counts() -> None:
    """Sends that reached a server that never answered keep their slots for ``period +
    margin``; sends that never left (nothing listens on the port) give them back."""
    rate = Rate(2, 0.5)
    limiter = LocalLimiter(margin=0.2)  # one budget for the clients below
    options: dict[str, object] = {"rate_limits": {"funding": rate}, "limiter": limiter}
    async with FakeExchange(seed=0, rate_limits={"funding": rate}) as fake, hanging_up() as url:

        def failing(base_url: str) -> Client:
            return Client(
                base_url=base_url,
                **fake.credentials,
                retry=RetryPolicy(attempts=1),
                rate_limits={"funding": rate},
                limiter=limiter,
            )

        gone = failing(f"http://127.0.0.1:{closed_port()}")
        for _ in range(2):
            with pytest.raises(TransportError) as refused:
                await gone.funding.balances()
            assert refused.value.maybe_sent is False
        await gone.aclose()
        mute = failing(url)
        started = time.monotonic()
        for _ in range(2):
            with pytest.raises(TransportError) as lost:
                await mute.funding.balances()
            assert lost.value.maybe_sent is True
        # The refused sends had given their units back: no wait for the window.
        assert time.monotonic() - started < rate.period
        await mute.aclose()
        async with client_for(fake, **options) as live:
            await live.funding.balances()
    # The lost sends got no response, so their slots free only after period + margin.
    assert accepted(fake, "funding")[0].arrival - started >= rate.period + 0.2
    assert gone.rate_limit_stats()["funding"].sent == 2
    assert mute.rate_limit_stats()["funding"].sent == 2


async def test_server_rejection_is_retried_after_the_window() -> None:
    rate = Rate(2, 0.5)
    async with FakeExchange(seed=0, rate_limits={"funding": rate}) as fake:
        # Two clients that do not share a limiter: the second overruns the server's window.
        async with client_for(fake, rate_limits={"funding": rate}) as other:
            await asyncio.gather(other.funding.balances(), other.funding.balances())
        async with client_for(fake, rate_limits={"funding": rate}) as client:
            balances = await client.funding.balances()
            stats = client.rate_limit_stats()["funding"]
    assert balances
    assert fake.rejections == 1 and (stats.rejected, stats.sent) == (1, 2)
    rejected = next(r for r in fake.requests if r.status == 429)
    assert rejected.code == "50011"
    assert accepted(fake, "funding")[-1].arrival - rejected.arrival >= rate.period
    assert_within(fake, "funding", rate)


async def test_retry_after_header_is_honoured() -> None:
    rate = Rate(1, 0.2)
    fake = FakeExchange(seed=0, rate_limits={"funding": rate}, retry_after=True)
    async with fake, client_for(fake, rate_limits={"funding": Rate(5, 0.2)}) as client:
        await asyncio.gather(client.funding.balances(), client.funding.balances())
    rejected = [r for r in fake.requests if r.status == 429]
    assert len(rejected) == 1 and rejected[0].code == "50011"
    # The emulator asks for 1 s (whole seconds); the window alone would be 0.25 s.
    assert accepted(fake, "funding")[-1].arrival - rejected[0].arrival >= 0.95


async def test_rate_limit_error_after_bounded_retries() -> None:
    fake = FakeExchange(seed=0, rate_limits={"funding": Rate(1, 30.0)})
    options = {
        "rate_limits": {"funding": Rate(10, 0.05)},
        "retry": RetryPolicy(rate_limit_attempts=3),
    }
    async with fake, client_for(fake, **options) as client:
        await client.funding.balances()
        with pytest.raises(RateLimitError) as caught:
            await client.funding.balances()
        stats = client.rate_limit_stats()["funding"]
    assert (caught.value.code, caught.value.status) == ("50011", 429)
    assert fake.rejections == 3 and (stats.rejected, stats.sent) == (3, 4)


async def test_otc_limits_are_separate_from_funding(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="okxasync.ratelimit")
    limits = {"funding": Rate(5, 1.0), "otc": Rate(2, 1.0)}
    fake = FakeExchange(seed=0, rate_limits=limits)
    async with fake, client_for(fake, rate_limits=limits) as client:
        # The third otc call waits a whole window while the funding burst runs.
        otc = [asyncio.create_task(client.otc.instruments()) for _ in range(3)]
        await asyncio.gather(*(client.funding.balances() for _ in range(5)))
        await asyncio.gather(*otc)
    assert "otc" in window_full(caplog) and "funding" not in window_full(caplog)
    assert (len(accepted(fake, "otc")), len(accepted(fake, "funding"))) == (3, 5)
    third_otc = accepted(fake, "otc")[2].arrival
    assert all(r.arrival < third_otc for r in accepted(fake, "funding"))
    assert fake.rejections == 0


async def test_rate_limits_override_by_bucket_name_and_validate() -> None:
    client = Client("k", "s", "p", rate_limits={"otc": Rate(1, 5), "transfer": Rate(1, 2)})
    assert client.rate_limits == {
        **{name: bucket.rate for name, bucket in BUCKETS.items()},
        "otc": Rate(1, 5),
        "transfer": Rate(1, 2),
    }
    assert client.rate_limits["funding"] == Rate(6, 1.0)
    bad: list[object] = [
        {"fundng": Rate(6, 1.0)},  # a typo is not a new bucket
        {"funding": (6, 1.0)},
        {"": Rate(1, 1)},
        {1: Rate(1, 1)},
        [("otc", 1)],
    ]
    for rate_limits in bad:
        with pytest.raises(okxasync.ValidationError):
            Client("k", "s", "p", rate_limits=rate_limits)  # type: ignore[arg-type]
    with pytest.raises(okxasync.ValidationError, match="fundng"):
        Client("k", "s", "p", rate_limits={"fundng": Rate(6, 1.0)})
    for count, period in [(0, 1.0), (1, 0), (1, -1.0), (True, 1.0), (1, float("inf"))]:
        with pytest.raises(okxasync.ValidationError):
            Rate(count, period)
    with pytest.raises(okxasync.ValidationError):
        LocalLimiter(margin=-0.01)
    with pytest.raises(okxasync.ValidationError):
        Client("k", "s", "p", limiter=object())  # type: ignore[arg-type]
    await client.aclose()


def test_a_bucket_keyed_by_a_field_the_endpoint_lacks_fails_at_definition() -> None:
    keyed = Bucket("per-ccy", Rate(1, 1.0), key=("currency",))
    with pytest.raises(ValueError, match="keyed by"):
        Endpoint(
            method="GET",
            path="/api/v5/asset/new",
            buckets=(FUNDING, keyed),
            record=okxasync.Balance,
            params={"ccy": Param("ccy", CCY1)},
            retry_safe=True,
        )
    with pytest.raises(ValueError, match="non-empty"):
        Endpoint(
            method="GET",
            path="/api/v5/asset/new",
            buckets=(),
            record=okxasync.Balance,
            retry_safe=True,
        )


async def test_a_cold_burst_on_new_connections_does_not_overrun_the_window() -> None:
    """The first requests open new connections and the server takes up to 0.3 s to see
    them: their slots wait for their answers (not ``period + margin`` after admission), so
    the next wave cannot arrive within the window of the first."""
    rate = Rate(3, 0.5)
    fake = FakeExchange(seed=3, rate_limits={"funding": rate}, jitter=0.3)
    async with fake, client_for(fake, rate_limits={"funding": rate}) as client:
        await asyncio.gather(*(client.funding.balances() for _ in range(6)))
        stats = client.rate_limit_stats()["funding"]
    assert fake.rejections == 0 and stats.rejected == 0
    assert_within(fake, "funding", rate)


async def test_requests_stalled_in_a_slow_connect_are_not_written_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The host name takes 0.6 s to resolve (a slow DNS answer, shared by every new
    connection), longer than a unit lasts unsent (``period + margin``). The calls admitted
    first must not be written once it resolves: their units freed meanwhile and let the
    next calls in, and both groups would reach the server at once (over the limit). They
    fail as never sent and go again with new slots."""
    lookups = slow_localhost(monkeypatch, 0.6)
    rate = Rate(3, 0.3)
    fake = FakeExchange(seed=0, rate_limits={"funding": rate})
    async with fake:
        url = fake.url.replace("127.0.0.1", "localhost")
        async with Client(base_url=url, **fake.credentials, rate_limits={"funding": rate}) as c:
            scheduler = c._pipeline.scheduler
            said: list[tuple[bool, bool]] = []  # (new connection, may be written)

            def sent(slot: Slot, fresh: bool = False) -> bool:
                ok = Scheduler.sent(scheduler, slot, fresh)
                assert isinstance(ok, bool)  # the local limiter answers at once
                said.append((fresh, ok))
                return ok

            monkeypatch.setattr(scheduler, "sent", sent)
            pages = await asyncio.gather(*(c.funding.balances() for _ in range(6)))
    assert len(pages) == 6 and lookups  # every call answered, after the slow lookup
    assert fake.rejections == 0
    assert_within(fake, "funding", rate)
    assert len(accepted(fake, "funding")) == 6  # the stopped requests never reached it
    assert said.count((True, False)) == 3  # stopped: the window had let 3 others in
    # Each of the 6 connections carried one request: the ones a stopped request gave back
    # unused still count as new (their units wait for the answer).
    assert said.count((True, True)) == 6 and len(said) == 9


async def test_a_slow_connect_with_room_in_the_window_goes_at_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """One call behind a 0.6 s DNS answer, longer than its unit lasts unsent: nothing
    else took the window, so it takes its unit again as it is written (one attempt)."""
    slow_localhost(monkeypatch, 0.6)
    caplog.set_level(logging.INFO, logger="okxasync")
    rate = Rate(1, 0.3)
    fake = FakeExchange(seed=0, rate_limits={"funding": rate})
    async with fake:
        url = fake.url.replace("127.0.0.1", "localhost")
        async with Client(base_url=url, **fake.credentials, rate_limits={"funding": rate}) as c:
            await c.funding.withdrawal_history()
            await c.funding.withdrawal_history()  # waits for the unit taken as it went
    assert not [r for r in caplog.records if "lapsed" in r.getMessage()]
    assert len(accepted(fake, "funding")) == 2 and fake.rejections == 0
    assert_within(fake, "funding", rate)


class _Answering(LocalLimiter):
    """A limiter of the user's whose ``sent`` answers something other than a bool."""

    def __init__(self, answer: object) -> None:
        super().__init__()
        self.answer = answer

    def sent(self, slot: Slot, hold: float = 0.0) -> bool:
        super().sent(slot, hold)
        return self.answer  # type: ignore[return-value]


class _AnsweringLater(_Answering):
    """The same answer, from a coroutine (as a shared store's limiter gives it)."""

    def sent(self, slot: Slot, hold: float = 0.0) -> bool:
        answer = super().sent(slot, hold)

        async def later() -> object:
            await asyncio.sleep(0)
            return answer

        return later()  # type: ignore[return-value]


@pytest.mark.parametrize("answer", [None, 1, 0, "yes", True])
@pytest.mark.parametrize("limiter", [_Answering, _AnsweringLater])
async def test_a_limiter_answering_sent_with_no_bool_still_holds(
    answer: object, limiter: type[_Answering]
) -> None:
    """Only ``False`` stops a request, answered at once or awaited: a limiter written
    before ``sent`` answered anything (``None``), or answering a truthy or falsy
    non-bool, is taken as holding (and only an awaitable is awaited)."""
    fake = FakeExchange(seed=0)
    async with fake, client_for(fake, limiter=limiter(answer)) as client:
        balances = await client.funding.balances()
    assert balances and len(fake.requests) == 1


async def test_a_limiter_answering_false_later_stops_the_request() -> None:
    """An awaited ``False`` stops the request as an immediate one does: never written,
    retried with new slots, then reported as never sent."""
    fake = FakeExchange(seed=0)
    async with fake, client_for(fake, limiter=_AnsweringLater(False)) as client:
        with pytest.raises(TransportError, match="slot lapsed") as raised:
            await client.funding.balances()
    assert raised.value.maybe_sent is False and fake.requests == []


async def test_a_request_that_never_left_gives_its_slot_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first lookup of the host fails (no connection, so nothing reached the
    server): the call's unit goes back at once, and the retry does not wait out the
    window (here 1 per 3 s) for a request the server never saw."""
    real_getaddrinfo = socket.getaddrinfo
    failed: list[str] = []

    def first_fails(host: str, *args: object, **kwargs: object) -> object:
        if host == "localhost" and not failed:
            failed.append(host)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", first_fails)
    rate = Rate(1, 3.0)
    fake = FakeExchange(seed=0, rate_limits={"funding": rate})
    async with fake:
        url = fake.url.replace("127.0.0.1", "localhost")
        async with Client(base_url=url, rate_limits={"funding": rate}, **fake.credentials) as c:
            started = time.monotonic()
            await c.funding.balances()
            took = time.monotonic() - started
            stats = c.rate_limit_stats()["funding"]
    assert failed and len(fake.requests) == 1 and fake.rejections == 0
    assert stats.sent == 2  # both attempts were admitted
    assert took < 2.0  # the retry's backoff (at most 0.2 s), not the 3 s window
