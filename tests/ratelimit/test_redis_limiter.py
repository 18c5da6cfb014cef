"""RedisLimiter: one budget shared by several OS processes, against a real redis-server.

The fixture starts its own ``redis-server`` on 127.0.0.1 at a free port. Without the
binary these tests skip, except under ``CI=true``, where a missing redis-server fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ratelimit_helpers import accepted, assert_within
from secret_helpers import assert_secret_free

import okxasync
from okxasync import Client, LimiterUnavailableError, Rate, RedisLimiter
from okxasync._ratelimit.rules import FUNDING
from okxasync.testing import FakeExchange

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


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
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
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


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
