"""Rate-limit answers in every shape are rate limits (counted, waited out, retried, and for a
withdrawal a definite "not executed"), and Retry-After is honoured within its bounds."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from email.utils import formatdate

import pytest
from aiohttp import web
from server_helpers import CREDENTIALS, Handler, envelope, serve

from okxasync import Client, Rate, RateLimitError, ResponseError, RetryPolicy
from okxasync._http.retry import retry_after

FAST = RetryPolicy(attempts=3, initial_delay=0.01, max_delay=0.05, lookups=2, lookup_interval=0.01)
#: Short windows, so that "waited one window" and "waited Retry-After" differ.
QUICK = {"funding": Rate(50, 0.1), "otc": Rate(50, 0.1)}
BALANCE = {"ccy": "BTC", "bal": "1", "frozenBal": "0", "availBal": "1"}
WITHDRAWN = {"amt": "1.5", "wdId": "77", "ccy": "USDT", "clientId": "rl429", "chain": ""}

REJECTIONS = {
    "html": lambda: web.Response(
        status=429, text="<html><h1>429 Too Many Requests</h1></html>", content_type="text/html"
    ),
    "empty": lambda: web.Response(status=429),
    "envelope 58102 at 429": lambda: web.json_response(
        {"code": "58102", "msg": "Rate limit reached", "data": []}, status=429
    ),
    "envelope 58102 at 200": lambda: envelope([], "58102", "Rate limit reached"),
    "code 0 at 429": lambda: web.json_response({"code": "0", "msg": "", "data": []}, status=429),
}


def rejecting(times: int, kind: str, success: dict[str, str]) -> Handler:
    """A handler rejecting the first ``times`` requests as ``kind``, then answering."""
    count = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal count
        count += 1
        return REJECTIONS[kind]() if count <= times else envelope([success])

    return handler


@pytest.mark.parametrize("kind", list(REJECTIONS))
async def test_every_rate_limit_answer_is_counted_waited_and_retried(kind: str) -> None:
    async with (
        serve(rejecting(2, kind, BALANCE)) as (url, seen),
        Client(base_url=url, retry=FAST, rate_limits=QUICK, **CREDENTIALS) as client,
    ):
        [balance] = await client.funding.balances()
        stats = client.rate_limit_stats()["funding"]
    assert balance.ccy == "BTC"
    assert len(seen.requests) == 3
    assert (stats.rejected, stats.sent) == (2, 3)


@pytest.mark.parametrize("kind", ["html", "empty", "envelope 58102 at 200"])
async def test_a_rate_limited_withdrawal_was_not_executed_and_is_resent(kind: str) -> None:
    async with (
        serve(rejecting(1, kind, WITHDRAWN)) as (url, seen),
        Client(base_url=url, retry=FAST, rate_limits=QUICK, **CREDENTIALS) as client,
    ):
        result = await client.funding.withdraw(
            ccy="USDT", amt=Decimal("1.5"), dest="4", to_addr="TN4h", fee="1", client_id="rl429"
        )
    assert result.wd_id == "77"
    # No lookup: a rate limit is a definite "not executed"; the same body was sent again.
    assert seen.requests == ["POST /api/v5/asset/withdrawal"] * 2
    assert seen.bodies[0] == seen.bodies[1]


async def test_a_withdrawal_still_rate_limited_raises_without_lookup() -> None:
    policy = RetryPolicy(rate_limit_attempts=2, lookups=2, lookup_interval=0.01)
    async with (
        serve(rejecting(10, "html", WITHDRAWN)) as (url, seen),
        Client(base_url=url, retry=policy, rate_limits=QUICK, **CREDENTIALS) as client,
    ):
        with pytest.raises(RateLimitError) as info:
            await client.funding.withdraw(
                ccy="USDT", amt="1.5", dest="4", to_addr="TN4h", fee="1", client_id="rl429"
            )
    assert (info.value.status, info.value.code) == (429, "")
    assert seen.requests == ["POST /api/v5/asset/withdrawal"] * 2


def retrying_after(header: str) -> tuple[Handler, list[float]]:
    """A handler answering 429 with ``Retry-After: header`` once; it records arrival times."""
    arrivals: list[float] = []

    async def handler(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return web.Response(status=429, headers={"Retry-After": header})
        return envelope([BALANCE])

    return handler, arrivals


async def test_retry_after_seconds_are_waited_out_beyond_the_backoff_caps() -> None:
    handler, arrivals = retrying_after("1.2")  # well above max_delay (0.05) and the window
    async with (
        serve(handler) as (url, _),
        Client(base_url=url, retry=FAST, rate_limits=QUICK, **CREDENTIALS) as client,
    ):
        assert len(await client.funding.balances()) == 1
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 1.15  # never earlier than asked


async def test_retry_after_as_an_http_date_is_honoured() -> None:
    # HTTP dates have whole seconds: "now + 2 s" asks for a wait of more than 1 s.
    handler, arrivals = retrying_after(formatdate(time.time() + 2, usegmt=True))
    async with (
        serve(handler) as (url, _),
        Client(base_url=url, retry=FAST, rate_limits=QUICK, **CREDENTIALS) as client,
    ):
        assert len(await client.funding.balances()) == 1
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.95


async def test_retry_after_beyond_the_cap_raises_at_once_with_the_hint() -> None:
    policy = RetryPolicy(max_retry_after=5.0)
    handler, arrivals = retrying_after("30")
    async with (
        serve(handler) as (url, _),
        Client(base_url=url, retry=policy, rate_limits=QUICK, **CREDENTIALS) as client,
    ):
        with pytest.raises(RateLimitError) as info:
            await client.funding.balances()
    assert info.value.retry_after == 30.0
    assert len(arrivals) == 1


async def test_the_deadline_counts_from_the_call_including_clock_sync_and_queue() -> None:
    """The proactive clock sync and the wait for a rate-limit slot are part of the call: a
    failure after them is not retried when the deadline has passed."""
    arrivals: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        arrivals.append(request.path)
        if request.path.endswith("/public/time"):
            await asyncio.sleep(0.4)  # a slow clock answer
            return envelope([{"ts": str(int(time.time() * 1000))}])
        return web.Response(status=503, text="busy")

    policy = RetryPolicy(attempts=5, initial_delay=0.01, max_delay=0.01, deadline=0.3)
    async with (
        serve(handler) as (url, _),
        Client(base_url=url, retry=policy, clock_sync=60.0, **CREDENTIALS) as client,
    ):
        with pytest.raises(ResponseError, match="HTTP 503"):
            await client.funding.balances()
    assert arrivals == ["/api/v5/public/time", "/api/v5/asset/balances"]  # no retry


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 0.5 ", 0.5),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # a past date: now
        ("-1", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_parsing(header: str | None, seconds: float | None) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert retry_after(header, now=now) == seconds
