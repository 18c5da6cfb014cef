"""FakeExchange fault injection and clock skew, seen from a plain HTTP client."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import aiohttp
import pytest

from okxasync._http.signing import Credentials
from okxasync.testing import FakeExchange, FaultKind, Faults
from okxasync.testing._faults import FaultInjector

BALANCES = "/api/v5/asset/balances"


async def get(session: aiohttp.ClientSession, fake: FakeExchange, path: str) -> tuple[int, str]:
    """One signed GET; ``(0, "")`` when the connection was dropped or timed out."""
    headers: dict[str, str] = {}
    Credentials(**fake.credentials).headers(fake._now_ms(), "GET", path, "").apply(headers)
    try:
        async with session.get(fake.url + path, headers=headers) as response:
            return response.status, await response.text()
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return 0, ""


async def statuses(faults: Faults, n: int = 40) -> list[int]:
    async with (
        FakeExchange(enforce_limits=False, faults=faults) as fake,
        plain_session() as session,
    ):
        return [(await get(session, fake, BALANCES))[0] for _ in range(n)]


def plain_session() -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.3))
    session._retry_connection = False  # no hidden resend of a dropped GET: count each one
    return session


async def test_faults_are_deterministic_by_seed() -> None:
    faults = Faults(rate=0.5, kinds=("http_502", "busy_503", "disconnect"), seed=42)
    first = await statuses(faults)
    assert first == await statuses(faults)
    assert first != await statuses(Faults(rate=0.5, kinds=faults.kinds, seed=43))
    assert {200, 502, 503} <= set(first)


async def test_rate_is_the_share_of_failed_gets() -> None:
    got = await statuses(Faults(rate=0.15, kinds=("busy_503",), seed=1), n=200)
    assert 15 <= got.count(503) <= 45  # 30 expected; binomial spread
    assert got.count(503) + got.count(200) == 200


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("http_502", 502, "<html>"),
        ("busy_503", 503, '"code": "50001"'),
        ("disconnect", 0, ""),
        ("delay", 0, ""),  # held past the 0.3 s client timeout
    ],
)
async def test_each_fault_kind(kind: FaultKind, status: int, body: str) -> None:
    async with (
        FakeExchange(
            enforce_limits=False, faults=Faults(rate=1.0, kinds=(kind,), delay=0.6)
        ) as fake,
        plain_session() as session,
    ):
        got_status, got_body = await get(session, fake, BALANCES)
        assert got_status == status
        assert body in got_body
        assert fake.injected == {kind: 1}
        fake.faults = Faults()  # switched off while serving
        assert (await get(session, fake, BALANCES))[0] == 200
    assert [r.status for r in fake.requests] == [status, 200]


async def test_delay_answers_late() -> None:
    async with (
        FakeExchange(
            enforce_limits=False, faults=Faults(rate=1.0, kinds=("delay",), delay=0.2)
        ) as fake,
        plain_session() as session,
    ):
        started = time.monotonic()
        status, _ = await get(session, fake, BALANCES)
        assert status == 200
        assert time.monotonic() - started >= 0.2


async def withdraw_raw(fake: FakeExchange, client_id: str) -> int:
    creds = fake.credentials
    signer = Credentials(creds["api_key"], creds["secret_key"], creds["passphrase"])
    body = json.dumps(
        {
            "ccy": "USDT",
            "amt": "2",
            "dest": "4",
            "toAddr": "TN4h",
            "fee": "1",
            "chain": "USDT-TRC20",
            "clientId": client_id,
        }
    )
    path = "/api/v5/asset/withdrawal"
    headers = {"Content-Type": "application/json"}
    signer.headers(fake._now_ms(), "POST", path, body).apply(headers)
    async with plain_session() as session:
        try:
            async with session.post(fake.url + path, data=body, headers=headers) as response:
                return response.status
        except aiohttp.ClientError:
            return 0


@pytest.mark.parametrize(
    ("faults", "status", "recorded"),
    [
        (Faults(drop_after_commit=1.0), 0, 1),
        (Faults(drop_before_commit=1.0), 0, 0),
        (Faults(rate=1.0), 200, 1),  # GET faults leave POSTs alone
    ],
)
async def test_drop_modes(faults: Faults, status: int, recorded: int) -> None:
    async with FakeExchange(enforce_limits=False, faults=faults) as fake:
        before = Decimal(next(b["availBal"] for b in fake.state.balances if b["ccy"] == "USDT"))
        assert await withdraw_raw(fake, "dropTest1") == status
        after = Decimal(next(b["availBal"] for b in fake.state.balances if b["ccy"] == "USDT"))
    assert sum(w["clientId"] == "dropTest1" for w in fake.state.withdrawals) == recorded
    assert before - after == 3 * recorded
    assert [r.status for r in fake.requests] == [status]


async def test_a_refused_withdrawal_is_not_dropped() -> None:
    async with FakeExchange(enforce_limits=False, faults=Faults(drop_after_commit=1.0)) as fake:
        assert await withdraw_raw(fake, "dup1") == 0
        assert await withdraw_raw(fake, "dup1") == 200  # the duplicate refusal is answered
    assert [r.code for r in fake.requests] == ["", "58237"]
    assert fake.injected == {"drop_after_commit": 1}


@pytest.mark.parametrize("skew_ms", [-120_000, 120_000])
async def test_clock_skew_shifts_the_server_clock(skew_ms: int) -> None:
    async with (
        FakeExchange(enforce_limits=False, clock_skew_ms=skew_ms) as fake,
        plain_session() as session,
    ):
        status, body = await get(session, fake, "/api/v5/public/time")
        server_ms = int(json.loads(body)["data"][0]["ts"])
        assert status == 200
        assert abs(server_ms - time.time() * 1000 - skew_ms) < 1_000
        # A request signed with the real clock is refused, one with the server's is not.
        real_ms = int(time.time() * 1000)
        headers: dict[str, str] = {}
        Credentials(**fake.credentials).headers(real_ms, "GET", BALANCES, "").apply(headers)
        async with session.get(fake.url + BALANCES, headers=headers) as response:
            assert (await response.json())["code"] == "50102"
        assert (await get(session, fake, BALANCES))[0] == 200


async def test_idle_close_drops_only_requests_on_connections_idle_too_long() -> None:
    async with (
        FakeExchange(enforce_limits=False, faults=Faults(idle_close=0.2)) as fake,
        plain_session() as session,
    ):
        assert (await get(session, fake, BALANCES))[0] == 200  # a new connection
        assert (await get(session, fake, BALANCES))[0] == 200  # reused at once
        await asyncio.sleep(0.3)
        assert (await get(session, fake, BALANCES))[0] == 0  # reused after 0.3 s: dropped
        assert (await get(session, fake, BALANCES))[0] == 200  # the next one is new again
    assert fake.injected["idle_close"] == 1
    assert [r.status for r in fake.requests] == [200, 200, 0, 200]


@pytest.mark.parametrize(
    "bad",
    [
        {"rate": 1.5},
        {"drop_after_commit": -0.1},
        {"drop_after_commit": 0.6, "drop_before_commit": 0.6},
        {"kinds": ()},
        {"kinds": ("meteor",)},
        {"delay": -1.0},
        {"idle_close": 0.0},
    ],
)
def test_faults_reject_nonsense(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Faults(**bad)  # type: ignore[arg-type]


def test_the_commit_fault_shares_are_drawn_as_given() -> None:
    with pytest.raises(ValueError):
        Faults(error_after_commit=0.6, slow_after_commit=0.5)
    with pytest.raises(ValueError):
        Faults(slow_after_commit=-0.1)
    injector = FaultInjector(
        Faults(drop_before_commit=0.1, error_after_commit=0.3, slow_after_commit=0.2, seed=4)
    )
    draws = [injector.draw_commit() for _ in range(4000)]
    for kind, share in (
        ("drop_before_commit", 0.1),
        ("drop_after_commit", 0.0),
        ("error_after_commit", 0.3),
        ("slow_after_commit", 0.2),
        (None, 0.4),
    ):
        assert abs(draws.count(kind) / len(draws) - share) < 0.03, kind  # type: ignore[arg-type]
