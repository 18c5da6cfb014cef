"""RedisLimiter: one budget shared by several OS processes, against a real redis-server.

The fixture starts its own ``redis-server`` on 127.0.0.1 at a free port. Without the
binary these tests skip, except under ``CI=true``, where a missing redis-server fails.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from ratelimit_helpers import (
    accepted,
    accepted_in,
    assert_keys_within,
    assert_within,
    slow_localhost,
)
from secret_helpers import assert_secret_free

import okxasync
from okxasync import Client, LimiterUnavailableError, Rate, RedisLimiter, Slot, Withdrawal
from okxasync._ratelimit import DEFAULT_MARGIN, Full
from okxasync._ratelimit.rules import FUNDING, TRANSFER
from okxasync.testing import FakeExchange

if TYPE_CHECKING:
    from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[2]
RATE = Rate(5, 0.5)
CALLS_PER_PROCESS = 10

CHILD = """
import asyncio, json, sys
import okxasync

async def main(url: str, redis_url: str, calls: int) -> None:
    limiter = okxasync.RedisLimiter(redis_url, account="main")
    rates = {"funding": okxasync.Rate(5, 0.5)}
    async with okxasync.Client(base_url=url, rate_limits=rates, limiter=limiter) as client:
        await asyncio.gather(*(client.funding.balances() for _ in range(calls)))
        stats = client.rate_limit_stats()["funding"]
    print(json.dumps({"sent": stats.sent, "rejected": stats.rejected}))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed (apt-get install redis-server; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    return binary


def wait_for_ping(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not start on port {port}")


@dataclasses.dataclass
class RedisServer:
    url: str
    process: subprocess.Popen[bytes]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server (no persistence, temp dir) for one test."""
    binary = redis_binary()
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path), "--save", ""]
    server = subprocess.Popen(
        [binary, *args, "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_ping(port, server)
        yield RedisServer(f"redis://127.0.0.1:{port}/0", server)
    finally:
        server.send_signal(signal.SIGCONT)  # a test may have stalled it
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


async def run_child(fake: FakeExchange, redis_url: str) -> dict[str, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **_env_credentials(fake)}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        fake.url,
        redis_url,
        str(CALLS_PER_PROCESS),
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    out, _ = await child.communicate()
    assert child.returncode == 0
    result: dict[str, int] = json.loads(out)
    return result


def _env_credentials(fake: FakeExchange) -> dict[str, str]:
    creds = fake.credentials
    return {
        "OKX_API_KEY": creds["api_key"],
        "OKX_SECRET_KEY": creds["secret_key"],
        "OKX_PASSPHRASE": creds["passphrase"],
    }


@pytest.mark.redis
async def test_three_processes_share_one_budget(redis_url: str) -> None:
    async with FakeExchange(seed=0, rate_limits={"funding": RATE}, jitter=0.01) as fake:
        results = await asyncio.gather(*(run_child(fake, redis_url) for _ in range(3)))
    assert fake.rejections == 0
    assert [r["rejected"] for r in results] == [0, 0, 0]
    assert sum(r["sent"] for r in results) == 3 * CALLS_PER_PROCESS
    assert len(accepted(fake, "funding")) == 3 * CALLS_PER_PROCESS
    assert_within(fake, "funding", RATE)


def client(fake: FakeExchange, redis_url: str, account: str, rate: Rate = RATE) -> Client:
    limiter = RedisLimiter(redis_url, account=account)
    return Client(
        base_url=fake.url, **fake.credentials, rate_limits={"funding": rate}, limiter=limiter
    )


@pytest.mark.redis
async def test_one_budget_per_account(redis_url: str) -> None:
    rates = {"funding": RATE}
    fake_main = FakeExchange(seed=0, rate_limits=rates)
    fake_other = FakeExchange(seed=0, rate_limits=rates)
    async with (
        fake_main,
        fake_other,
        client(fake_main, redis_url, "main") as first,
        client(fake_main, redis_url, "main") as second,
        client(fake_other, redis_url, "other") as other,
    ):
        await asyncio.gather(*(first.funding.balances() for _ in range(RATE.count)))
        await asyncio.gather(second.funding.balances(), other.funding.balances())
        waited = second.rate_limit_stats()["funding"].wait_max
    assert waited >= RATE.period / 2  # "main" was full, whichever client asks
    # Account "other" has its own empty window: it went before main's window freed.
    [other_arrival] = [r.arrival for r in accepted(fake_other, "funding")]
    assert other_arrival < accepted(fake_main, "funding")[-1].arrival
    assert fake_main.rejections == fake_other.rejections == 0
    assert_within(fake_main, "funding", RATE)


@pytest.mark.redis
async def test_a_take_cancelled_mid_call_holds_no_slot(redis_url: str) -> None:
    """Cancelled at any point of its Redis round trip, ``take`` either returned a slot or
    left none behind (the script may have run: the slot is given back)."""
    from redis.asyncio import Redis

    limiter = RedisLimiter(redis_url, account="main")
    taken = 0
    for ticks in range(12):
        call = asyncio.create_task(limiter.take([(FUNDING.claim(), Rate(50, 5.0))], 1))
        for _ in range(ticks):
            await asyncio.sleep(0)
        call.cancel()
        (outcome,) = await asyncio.gather(call, return_exceptions=True)
        taken += isinstance(outcome, okxasync.Slot)
    store = Redis.from_url(redis_url)
    held = await store.zcard("okxasync:main:funding")
    deadline = time.monotonic() + 10  # the give-backs run in the background: wait for them
    while held != taken and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        held = await store.zcard("okxasync:main:funding")
    await store.aclose()
    await limiter.aclose()
    assert held == taken < 12


async def test_unreachable_redis_raises_and_sends_nothing() -> None:
    limiter = RedisLimiter(f"redis://:hunter2@127.0.0.1:{free_port()}/0", account="main")
    assert_secret_free(repr(limiter), ["hunter2"])
    async with FakeExchange(seed=0) as fake:
        async with Client(base_url=fake.url, **fake.credentials, limiter=limiter) as client:
            with pytest.raises(LimiterUnavailableError) as caught:
                await client.funding.balances()
        assert fake.requests == []
    assert "not sent" in str(caught.value)
    assert_secret_free(str(caught.value) + repr(caught.value), ["hunter2"])
    assert isinstance(caught.value, okxasync.OkxError)


def test_redis_limiter_validates_its_arguments() -> None:
    with pytest.raises(okxasync.ValidationError):
        RedisLimiter("redis://127.0.0.1:6379/0", account="")
    with pytest.raises(okxasync.ValidationError):
        RedisLimiter("redis://127.0.0.1:6379/0", account="main", margin=-1)


CHILD_KEYED = """
import asyncio, dataclasses, json, sys
import okxasync
from okxasync._endpoints import funding as ep
from okxasync._ratelimit.rules import FUNDING, TRANSFER

KEYED = dataclasses.replace(ep.DEPOSIT_HISTORY, buckets=(FUNDING, TRANSFER))
RATES = {"funding": okxasync.Rate(6, 0.5), "transfer": okxasync.Rate(2, 0.5)}

async def main(url: str, redis_url: str) -> None:
    # Three clients, the emulator and Redis share a small machine here: a wide margin keeps
    # the test about the shared windows, not about how late a busy process gets a core.
    limiter = okxasync.RedisLimiter(redis_url, account="main", margin=0.2)
    async with okxasync.Client(base_url=url, rate_limits=RATES, limiter=limiter) as client:
        calls = [client._pipeline.request(KEYED, {"ccy": c}) for c in ("BTC", "ETH") * 3]
        calls += [client.funding.balances() for _ in range(3)]
        await asyncio.gather(*calls)
        stats = client.rate_limit_stats()
    print(json.dumps({
        "funding": stats["funding"].sent,
        "keys": {k: v.sent for k, v in stats["transfer"].keys.items()},
        "rejected": stats["funding"].rejected,
    }))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""
KEYED_RATES = {"funding": Rate(6, 0.5), "transfer": Rate(2, 0.5)}


async def run_keyed_child(fake: FakeExchange, redis_url: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **_env_credentials(fake)}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD_KEYED,
        fake.url,
        redis_url,
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    out, _ = await child.communicate()
    assert child.returncode == 0
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.redis
async def test_three_processes_share_keyed_and_layered_buckets(redis_url: str) -> None:
    """Each process sends 3 calls on transfer[BTC], 3 on transfer[ETH] (both also in
    funding) and 3 plain funding reads: every window of every key holds across them."""
    from okxasync._endpoints import funding as ep

    keyed = dataclasses.replace(ep.DEPOSIT_HISTORY, buckets=(FUNDING, TRANSFER))
    routes = {("GET", keyed.path): keyed.buckets}
    fake = FakeExchange(seed=0, rate_limits=KEYED_RATES, buckets=routes, jitter=0.01)
    async with fake:
        results = await asyncio.gather(*(run_keyed_child(fake, redis_url) for _ in range(3)))
    assert fake.rejections == 0
    assert [r["rejected"] for r in results] == [0, 0, 0]
    assert [r["keys"] for r in results] == [{"BTC": 3, "ETH": 3}] * 3
    assert len(accepted_in(fake, "GET", keyed.path)) == 18
    assert_within(fake, "funding", KEYED_RATES["funding"])  # 27 calls over both routes
    assert_keys_within(fake, "GET", keyed.path, ("ccy",), KEYED_RATES["transfer"])


@pytest.mark.redis
async def test_the_script_takes_every_window_or_none(redis_url: str) -> None:
    from redis.asyncio import Redis

    limiter = RedisLimiter(redis_url, account="main")
    needs = [(FUNDING.claim(), Rate(5, 5.0)), (TRANSFER.claim("BTC"), Rate(1, 5.0))]
    first = await limiter.take(needs, 1)
    second = await limiter.take(needs, 1)
    eth = await limiter.take(
        [(FUNDING.claim(), Rate(5, 5.0)), (TRANSFER.claim("ETH"), Rate(1, 5.0))], 1
    )
    store = Redis.from_url(redis_url)
    held = [await store.zcard(k) for k in ("okxasync:main:funding", "okxasync:main:transfer:BTC")]
    await store.aclose()
    await limiter.aclose()
    assert isinstance(first, Slot) and isinstance(eth, Slot)
    assert isinstance(second, Full)
    assert second.waits[0] is None and second.waits[1] is not None
    assert 4.5 < second.waits[1] <= 5.0 + DEFAULT_MARGIN
    assert held == [2, 1]  # the refused call added nothing to funding


async def withdraw(client: Client) -> Withdrawal:
    return await client.funding.withdraw(
        ccy="USDT",
        amt=Decimal("1.5"),
        dest="4",
        to_addr="TN4hxxxxxxxxxxxizqs",
        fee=Decimal("1"),
        chain="USDT-TRC20",
        client_id="payout7",
    )


@pytest.mark.redis
@pytest.mark.parametrize("failure", ["stall", "kill"])
async def test_a_limiter_failing_after_the_send_leaves_the_answer_alone(
    redis_server: RedisServer, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis stalls or dies while a withdrawal is in flight: the withdrawal's answer is
    returned; the failed settle is logged and counted, not raised as "not sent"."""
    caplog.set_level(logging.WARNING, logger="okxasync.ratelimit")
    limiter = RedisLimiter(redis_server.url, account="main", timeout=0.3)
    fake = FakeExchange(seed=0, latency=0.6)
    async with fake, Client(base_url=fake.url, limiter=limiter, **fake.credentials) as client:
        call = asyncio.create_task(withdraw(client))
        await asyncio.sleep(0.15)  # admitted and sent; the answer takes 0.6 s
        if failure == "stall":
            redis_server.process.send_signal(signal.SIGSTOP)
        else:
            redis_server.process.kill()
            redis_server.process.wait(timeout=10)
        result = await call
        assert limiter.settle_failures == 0  # settling runs in the background
    assert result.client_id == "payout7" and result.wd_id
    assert [r.status for r in fake.requests if r.method == "POST"] == [200]
    assert limiter.settle_failures == 1
    assert "settle of a slot failed" in caplog.text


async def test_a_server_that_is_not_redis_is_limiter_unavailable() -> None:
    """Pointed at an HTTP server: the call raises LimiterUnavailableError (an OkxError),
    sends nothing, and leaves no task failing unobserved at shutdown."""
    loop_errors: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: loop_errors.append(context))

    async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limiter = RedisLimiter(f"redis://127.0.0.1:{port}/0", account="main", timeout=0.5)
    async with server, FakeExchange(seed=0) as fake:
        async with Client(base_url=fake.url, limiter=limiter, **fake.credentials) as client:
            with pytest.raises(LimiterUnavailableError, match="not sent"):
                await client.funding.balances()
        assert fake.requests == []
    del client, limiter
    gc.collect()
    await asyncio.sleep(0.05)
    assert loop_errors == []


def test_redis_limiter_refuses_a_url_that_is_not_redis() -> None:
    with pytest.raises(okxasync.ValidationError, match="bad url"):
        RedisLimiter("http://:hunter2@127.0.0.1:6379/0", account="main")


@pytest.mark.redis
async def test_requests_stalled_in_a_slow_connect_are_not_written_late(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As with the local limiter (``test_scheduler.py``): the host name takes 0.6 s to
    resolve, longer than a unit lasts unsent, so the first calls' units expire in Redis
    and let the next calls in. The first calls must not then be written: they fail as
    never sent and go again with new slots. One lone late call with room in its window
    takes its unit again as it is written and goes at once."""
    lookups = slow_localhost(monkeypatch, 0.6)
    caplog.set_level(logging.INFO, logger="okxasync")
    rate = Rate(3, 0.3)
    fake = FakeExchange(seed=0, rate_limits={"funding": rate})
    async with fake:
        url = fake.url.replace("127.0.0.1", "localhost")
        limiter = RedisLimiter(redis_url, account="slow")
        async with Client(
            base_url=url, limiter=limiter, rate_limits={"funding": rate}, **fake.credentials
        ) as c:
            pages = await asyncio.gather(*(c.funding.balances() for _ in range(6)))
            assert len(pages) == 6 and lookups
            assert fake.rejections == 0
            assert_within(fake, "funding", rate)
            assert len(accepted(fake, "funding")) == 6  # the stopped ones never reached it
            assert len(lapsed(caplog)) == 3  # stopped: the window had let 3 others in
            lone = Rate(1, 0.3)
            async with Client(
                base_url=url,
                limiter=RedisLimiter(redis_url, account="lone"),
                rate_limits={"funding": lone},
                **fake.credentials,
            ) as other:
                await other.funding.withdrawal_history()  # a new connection: 0.6 s again
        assert len(accepted(fake, "funding")) == 7 and fake.rejections == 0
        assert len(lapsed(caplog)) == 3  # the lone call went in one attempt


def lapsed(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The attempts stopped before they were written (one log line each)."""
    return [r.getMessage() for r in caplog.records if "-> not sent (slot lapsed)" in r.getMessage()]


@pytest.mark.redis
async def test_a_late_slot_is_taken_again_only_where_it_fits(redis_url: str) -> None:
    """``sent`` of a slot older than ``period`` asks Redis: a window that freed its unit
    and has room takes it again (until ``period + margin + hold`` from now); a window
    that another call filled meanwhile makes the slot lapse, and nothing changes; a unit
    still held is extended; an unreachable Redis lapses the slot too (the request is not
    written)."""
    from redis.asyncio import Redis

    limiter = RedisLimiter(redis_url, account="main", margin=0.02)
    needs = [(FUNDING.claim(), Rate(1, 0.1))]
    store = Redis.from_url(redis_url)
    key = "okxasync:main:funding"
    try:
        early = await limiter.take(needs, 1)
        assert isinstance(early, Slot)
        assert limiter.sent(early) is True  # within period + margin: answered at once
        await asyncio.sleep(0.25)  # its unit has freed in Redis
        late = await limiter.take(needs, 1)  # and another call took the window
        assert isinstance(late, Slot)
        answer = limiter.sent(early)
        assert not isinstance(answer, bool)
        assert await answer is False
        assert await store.zrange(key, 0, -1) == [f"{late.token}:1".encode()]
        await asyncio.sleep(0.25)  # both freed: room again
        answer = limiter.sent(late, hold=2.0)
        assert not isinstance(answer, bool) and await answer is True
        assert await store.zrange(key, 0, -1) == [f"{late.token}:1".encode()]
        score = await store.zscore(key, f"{late.token}:1")
        seconds, micros = await store.time()
        assert score is not None
        left = score / 1_000_000 - (seconds + micros / 1_000_000)
        assert 2.0 < left <= 2.12  # period + margin + hold from the script's now
    finally:
        await store.aclose()
        await limiter.aclose()
    # Past `period` but within `margin`: still held in Redis, so extended, and asked
    # (not in the background: an extension reaching Redis after the units freed would
    # hold nothing).
    roomy = RedisLimiter(redis_url, account="roomy", margin=0.5)
    held = await roomy.take(needs, 1)
    assert isinstance(held, Slot)
    await asyncio.sleep(0.2)
    answer = roomy.sent(held, hold=1.0)
    assert not isinstance(answer, bool) and await answer is True
    store = Redis.from_url(redis_url)
    score = await store.zscore("okxasync:roomy:funding", f"{held.token}:1")
    seconds, micros = await store.time()
    await store.aclose()
    await roomy.aclose()
    assert score is not None
    assert 1.5 < score / 1_000_000 - (seconds + micros / 1_000_000) <= 1.6
    gone = RedisLimiter(f"redis://127.0.0.1:{free_port()}/0", account="main", timeout=0.2)
    stale = Slot(needs, 1, now=time.monotonic() - 1.0)
    answer = gone.sent(stale)
    assert not isinstance(answer, bool) and await answer is False
    await gone.aclose()


@pytest.mark.redis
async def test_a_call_cancelled_while_redis_checks_its_late_slot_leaks_nothing(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connect took longer than the slot lasts unsent, and Redis stalls as it is
    asked whether the slot still holds: a call cancelled then is not written, and its
    unused connection goes back to the pool (none is left taken)."""
    slow_localhost(monkeypatch, 0.6)
    rate = Rate(1, 0.3)
    fake = FakeExchange(seed=0, rate_limits={"funding": rate})
    async with fake:
        url = fake.url.replace("127.0.0.1", "localhost")
        limiter = RedisLimiter(redis_server.url, account="main", timeout=5.0)
        async with Client(
            base_url=url, limiter=limiter, rate_limits={"funding": rate}, **fake.credentials
        ) as client:
            call = asyncio.create_task(client.funding.balances())
            await asyncio.sleep(0.3)  # admitted; still resolving the host
            redis_server.process.send_signal(signal.SIGSTOP)
            await asyncio.sleep(0.6)  # connected, late: waiting for Redis's answer
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            redis_server.process.send_signal(signal.SIGCONT)
            # aiohttp's pool: no connection is still taken by the cancelled call.
            session = client._pipeline.transport._sessions.made[False]  # type: ignore[attr-defined]
            assert not session.connector._acquired
    assert fake.requests == []


@pytest.mark.redis
async def test_a_sent_request_counts_even_if_its_unit_was_gone(redis_url: str) -> None:
    """A request written soon after admission is not delayed by Redis: its units are
    extended in the background (by ``hold`` too, on a new connection). Should that
    update land after the unit and its window's key left Redis (a busy event loop), it
    adds the unit again, with an expiry: the request went, so it counts, and the key
    still goes once the unit frees."""
    from redis.asyncio import Redis

    limiter = RedisLimiter(redis_url, account="main")
    needs = [(FUNDING.claim(), Rate(5, 1.0))]
    store = Redis.from_url(redis_url)
    key = "okxasync:main:funding"
    fresh = await limiter.take(needs, 1)
    kept = await limiter.take(needs, 1)
    assert isinstance(fresh, Slot) and isinstance(kept, Slot)
    assert limiter.sent(fresh, hold=2.0) is True  # at once, on a new connection too
    await limiter.aclose()  # waits for the background update
    score = await store.zscore(key, f"{fresh.token}:1")
    seconds, micros = await store.time()
    assert score is not None
    assert 3.0 < score / 1_000_000 - (seconds + micros / 1_000_000) <= 3.05
    await asyncio.sleep(0.02)  # past margin / 5: the extension is worth a round trip
    await store.delete(key)  # as if its units had all freed and the key expired
    assert limiter.sent(kept) is True
    await limiter.aclose()
    assert await store.zscore(key, f"{kept.token}:1") is not None
    assert 0 < await store.pttl(key) <= 2_100  # the unit's 1.05 s, then 1 s of slack
    await store.aclose()


async def connections_of_others(store: Redis) -> int:
    """The connections the Redis server has open, besides ``store``'s own (waiting a
    little for the closing ones to go: the server notices a close in its next turn)."""
    for _ in range(100):
        others = len(await store.client_list()) - 1
        if not others:
            break
        await asyncio.sleep(0.02)
    return others


@pytest.mark.redis
async def test_a_second_aclose_finishes_what_cancelled_ones_left(redis_url: str) -> None:
    """``Client.aclose()`` cancelled again at every turn of the loop until it ends may
    leave something open; the next ``aclose()`` closes it: both HTTP sessions (no
    "Unclosed client session", which the suite turns into a failure) and the Redis pool
    (the server has no connection of the client left)."""
    from redis.asyncio import Redis

    wide = {"funding": Rate(1000, 1.0)}
    store = Redis.from_url(redis_url)
    async with FakeExchange(seed=0, rate_limits=wide) as fake:
        for turns in range(1, 10):
            limiter = RedisLimiter(redis_url, account="main")
            client = Client(
                base_url=fake.url, rate_limits=wide, limiter=limiter, **fake.credentials
            )
            await client.funding.balances()  # the kept-alive session
            await client.funding.withdraw(  # the fresh session
                ccy="USDT", amt=Decimal(2), dest="4", to_addr="TN4hxx", fee="1", chain="USDT-TRC20"
            )
            closer = asyncio.ensure_future(client.aclose())
            for _ in range(turns):
                await asyncio.sleep(0)
            while not closer.done():
                closer.cancel()
                await asyncio.sleep(0)
            await client.aclose()
            assert await connections_of_others(store) == 0, turns
            del client, closer, limiter
            gc.collect()
    await store.aclose()


@pytest.mark.redis
async def test_an_update_after_aclose_does_not_open_the_pool_again(redis_url: str) -> None:
    """A call still in flight when its client closed the limiter settles (or gives back)
    its slot afterwards: the update reaches Redis on a connection of its own, closed right
    after, and no pool is left open that nothing would close (before: one connection
    left, reported as "unclosed Connection" when collected)."""
    from redis.asyncio import Redis

    store = Redis.from_url(redis_url)
    limiter = RedisLimiter(redis_url, account="main")
    needs = [(FUNDING.claim(), Rate(5, 60.0))]
    settled, given_back = await limiter.take(needs, 1), await limiter.take(needs, 1)
    assert isinstance(settled, Slot) and isinstance(given_back, Slot)
    await limiter.aclose()
    limiter.settle(settled)  # answered: frees 60 s from now, not 60.05 s after admission
    limiter.release(given_back)
    key = "okxasync:main:funding"
    for _ in range(100):  # both updates land
        await asyncio.sleep(0.02)
        score = await store.zscore(key, f"{settled.token}:1")
        seconds, micros = await store.time()
        lowered = score is not None and score / 1e6 - (seconds + micros / 1e6) < 60.0
        if lowered and await store.zscore(key, f"{given_back.token}:1") is None:
            break
    else:
        pytest.fail("the updates after aclose() did not reach Redis")
    assert await connections_of_others(store) == 0
    assert limiter.settle_failures == 0
    await store.aclose()
