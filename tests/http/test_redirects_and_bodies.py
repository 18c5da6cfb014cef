"""What a hostile or broken server answers cannot steer the client: redirects are refused,
bodies are capped, and server text in error messages is truncated and escaped."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import pytest
from aiohttp import web
from server_helpers import CREDENTIALS, envelope, serve

from okxasync import APIError, Client, OutcomeUnknownError, ResponseError, RetryPolicy
from okxasync._http.connector import READ_SIZE

FAST = RetryPolicy(attempts=3, initial_delay=0.01, max_delay=0.02, lookups=2, lookup_interval=0.01)
BALANCES = "/api/v5/asset/balances"
WITHDRAWAL = "/api/v5/asset/withdrawal"


async def withdraw(client: Client) -> object:
    return await client.funding.withdraw(
        ccy="USDT", amt=Decimal("1.5"), dest="4", to_addr="TN4hxxxx", fee="1", client_id="rd1"
    )


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_is_refused_and_nothing_goes_elsewhere(status: int) -> None:
    async def elsewhere(request: web.Request) -> web.Response:
        return web.json_response({"code": "0", "msg": "", "data": []})

    async with serve(elsewhere) as (target, stolen):
        # "localhost" reaches the same loopback server under another host name.
        location = target.replace("127.0.0.1", "localhost")

        async def redirecting(request: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": location + request.path_qs})

        async with (
            serve(redirecting) as (url, seen),
            Client(base_url=url, retry=FAST, **CREDENTIALS) as client,
        ):
            with pytest.raises(ResponseError) as read:
                await client.funding.balances()
            with pytest.raises(OutcomeUnknownError) as money:
                await withdraw(client)
    assert stolen.requests == []  # neither the signed GET nor the withdrawal went there
    assert read.value.status == status
    for text in (str(read.value), str(money.value)):
        assert f"HTTP {status}" in text and "redirect to localhost not followed" in text
    # Not retried (a redirect is no transient failure); the withdrawal was not resent.
    assert seen.requests[:2] == [f"GET {BALANCES}", f"POST {WITHDRAWAL}"]
    assert seen.requests.count(f"POST {WITHDRAWAL}") == 1


async def test_an_endless_body_is_cut_at_the_cap() -> None:
    written = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal written
        response = web.StreamResponse()
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            while written < 64 * 2**20:  # a bound for the test only, far above the cap
                await response.write(chunk)
                written += len(chunk)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up
        return response

    async with (
        serve(endless) as (url, seen),
        Client(
            base_url=url, retry=FAST, timeout=5.0, max_response_bytes=2**20, **CREDENTIALS
        ) as client,
    ):
        with pytest.raises(ResponseError, match="exceeds 1048576 bytes") as info:
            await client.funding.balances()
    assert info.value.excerpt.startswith("xxxx")
    assert len(seen.requests) == 1  # an oversized body is not retried
    assert written < 16 * 2**20  # the client stopped reading (socket buffers aside)


async def test_the_default_cap_is_16_mib_and_a_declared_length_is_checked_first() -> None:
    sizes = iter([16 * 2**20 + 1, 16 * 2**20])

    async def big(request: web.Request) -> web.Response:
        size = next(sizes)
        body = b'{"code":"0","msg":"","data":[]}'
        return web.Response(body=body + b" " * (size - len(body)), content_type="application/json")

    async with serve(big) as (url, _), Client(base_url=url, retry=FAST, **CREDENTIALS) as client:
        with pytest.raises(ResponseError, match=f"exceeds {16 * 2**20} bytes"):
            await client.funding.balances()
        assert await client.funding.balances() == []  # exactly at the cap is accepted


async def test_a_compressed_body_counts_at_its_decompressed_size() -> None:
    """A gzip body declares its compressed length; the client decompresses it, so the cap
    must apply to what it decompresses (a small bomb must not become megabytes)."""
    page = b'{"code":"0","msg":"","data":[' + b" " * 5_000_000 + b"]}"
    bomb = gzip.compress(page)

    async def compressed(request: web.Request) -> web.Response:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return web.Response(body=bomb, headers=headers)

    async with (
        serve(compressed) as (url, seen),
        Client(base_url=url, retry=FAST, max_response_bytes=100_000, **CREDENTIALS) as client,
    ):
        with pytest.raises(ResponseError, match="exceeds 100000 bytes"):
            await client.funding.balances()
    assert len(bomb) < 100_000 and len(seen.requests) == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_the_cap_must_be_a_positive_int(bad: object) -> None:
    with pytest.raises(ValueError, match="max_response_bytes"):
        Client(base_url="http://127.0.0.1:1", max_response_bytes=bad, **CREDENTIALS)  # type: ignore[arg-type]


FORGED = "fine\n2026-01-01 00:00:00 CRITICAL okxasync: forged line\x1b[2J\x1b[31mred\u2028"


async def test_server_text_in_error_messages_is_truncated_and_escaped() -> None:
    answers = iter(
        [
            web.json_response({"code": "51000", "msg": FORGED + "m" * 1_000_000, "data": []}),
            web.Response(status=404, text=FORGED + "b" * 1_000_000, content_type="text/html"),
        ]
    )

    async def forging(request: web.Request) -> web.Response:
        return next(answers)

    async with serve(forging) as (url, _), Client(base_url=url, retry=FAST, **CREDENTIALS) as c:
        with pytest.raises(APIError) as api:
            await c.funding.balances()
        with pytest.raises(ResponseError) as response:
            await c.funding.balances()
    for error in (api.value, response.value):
        text = str(error)
        assert len(text) < 600
        assert "\n" not in text and "\x1b" not in text and "\u2028" not in text
        assert text.isprintable()
        assert "\\x1b[31m" in text  # shown escaped, not dropped
    assert "fine\\n2026-01-01" in str(api.value)  # a body excerpt shows it as a space
    assert api.value.msg.startswith(FORGED)  # the attribute keeps what the server said


async def test_connections_read_their_socket_in_blocks_below_the_mmap_threshold() -> None:
    """asyncio reads a socket 256 KiB at a time: a block glibc maps and unmaps for every
    response (fresh pages faulted in on each call). The client's connections read
    ``READ_SIZE`` (64 KiB) at a time, and a larger body still arrives whole."""
    balances = [
        {"ccy": f"C{i}", "bal": "1.5", "frozenBal": "0", "availBal": "1.5"} for i in range(4000)
    ]

    async def large(request: web.Request) -> web.Response:
        return envelope(balances)

    async with serve(large) as (url, _), Client(base_url=url, **CREDENTIALS) as client:
        got = await client.funding.balances()
        assert [b.ccy for b in got] == [b["ccy"] for b in balances]  # about 300 KB, whole
        sessions = client._pipeline.transport._sessions  # type: ignore[attr-defined]
        connector = sessions.made[False].connector
        transports = [protocol.transport for protocol in connector._seen]
        assert transports
        assert all(t.max_size == READ_SIZE < 128 * 1024 for t in transports)


async def test_a_body_is_sent_as_json_and_a_get_carries_no_content_type() -> None:
    """The API's bodies are JSON (``Content-Type: application/json``); a GET has no body to
    describe, so it carries no such header (nor any other header on every request)."""

    async def answer(request: web.Request) -> web.Response:
        if request.method == "GET":
            return envelope([])
        return envelope(
            [{"amt": "1.5", "wdId": "1", "ccy": "USDT", "clientId": "rd1", "chain": ""}]
        )

    async with serve(answer) as (url, seen), Client(base_url=url, **CREDENTIALS) as client:
        await client.funding.balances()
        await withdraw(client)
    assert seen.requests == [f"GET {BALANCES}", f"POST {WITHDRAWAL}"]
    assert seen.content_types == [None, "application/json"]
    assert json.loads(seen.bodies[1])["clientId"] == "rd1"
