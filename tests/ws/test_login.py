"""The login's failures, against a loopback WebSocket server of the test's own: which are
permanent (refused credentials), which are retried, and that server text is escaped."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import anyio
import pytest
from aiohttp import WSMsgType, web
from server_helpers import serve
from ws_helpers import BUSY, RATES, AnyStream, client_with_ws, consuming, until

import okxasync
from okxasync.testing import FakeExchange

#: What the server does on its n-th connection (counted from 1).
Scenario = Callable[[web.WebSocketResponse, int], Awaitable[None]]


@dataclass
class Socket:
    """What the test's WebSocket server saw."""

    connections: int = 0


@contextlib.asynccontextmanager
async def business(scenario: Scenario) -> AsyncIterator[tuple[okxasync.Client, Socket]]:
    """A client whose REST host is a FakeExchange and whose business WebSocket is a
    loopback server running ``scenario``."""
    socket = Socket()

    async def upgrade(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        socket.connections += 1
        await scenario(ws, socket.connections)
        return ws

    async with (
        FakeExchange(seed=0, rate_limits=RATES, activity=BUSY) as fake,
        serve(upgrade) as (url, _),
        client_with_ws(fake, url) as client,
    ):
        yield client, socket


async def serve_normally(ws: web.WebSocketResponse, then: Sequence[object] = ()) -> None:
    """Acknowledge the login and every (un)subscription, answer pings, until closed;
    send the frames ``then`` after the first acknowledgement."""
    await ws.receive_str()
    await ws.send_json({"event": "login", "code": "0", "msg": ""})
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        if message.data == "ping":
            await ws.send_str("pong")
            continue
        request = json.loads(message.data)
        for arg in request["args"]:
            await ws.send_json({"id": request.get("id"), "event": request["op"], "arg": arg})
        for frame in then:
            await ws.send_json(frame)
        then = ()


async def drain(stream: AnyStream) -> None:
    async with stream:
        async for _ in stream:
            pass


async def test_a_close_4001_answering_the_login_ends_the_stream_without_reconnecting() -> None:
    async def close_4001(ws: web.WebSocketResponse, n: int) -> None:
        await ws.receive_str()  # the login
        await ws.close(code=4001, message=b"Login Failed")

    async with business(close_4001) as (client, socket):
        with anyio.fail_after(5), pytest.raises(okxasync.AuthenticationError) as raised:
            await drain(client.funding.watch_deposits())
        assert raised.value.code == "4001"
        await asyncio.sleep(0.3)  # several backoffs: no further attempt
        with anyio.fail_after(1), pytest.raises(okxasync.AuthenticationError):
            await drain(client.funding.watch_withdrawals())  # the key stays refused
    assert socket.connections == 1


@pytest.mark.parametrize(
    ("code", "msg"),
    [
        ("63999", "Login failed due to internal error. Please try again later."),
        (
            "64007",
            "Operation login failed due to WebSocket internal error. Please try again later.",
        ),
        ("60014", "Requests too frequent"),
        ("60023", "Bulk login requests too frequent"),
    ],
)
async def test_a_login_error_not_about_the_credentials_is_retried(
    code: str, msg: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Only refused credentials are permanent: the first login is answered ``code`` (then
    closed 4001, as the emulator closes a refused login); the stream reconnects, goes
    live, and a later stream of the same client is not failed by the old error."""

    async def refuse_once(ws: web.WebSocketResponse, n: int) -> None:
        if n > 1:
            await serve_normally(ws)
            return
        await ws.receive_str()
        await ws.send_json({"event": "error", "code": code, "msg": msg})
        await ws.close(code=4001, message=b"Login Failed")

    async with business(refuse_once) as (client, socket):
        deposits = client.funding.watch_deposits()
        async with consuming(deposits):
            await until(lambda: deposits.stats.connects >= 1, within=5)
            withdrawals = client.funding.watch_withdrawals()
            async with consuming(withdrawals):
                await until(lambda: withdrawals.stats.fills >= 1, within=5)
                assert withdrawals.stats.connects == 1
        assert deposits.stats.connects == 1 and socket.connections == 2
    [failed] = [r for r in caplog.records if "attempt 1 failed" in r.getMessage()]
    assert code in failed.getMessage() and failed.levelname == "WARNING"


FORGED = "ok\nWARNING okxasync.ws: FORGED withdrawal approved\x1b[2J"


async def test_server_text_is_escaped_in_logs_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    """Error events' code and message, and an unknown event's name, reach the logs (and a
    failed subscription's error) escaped: a newline or an ANSI escape cannot forge a line."""
    caplog.set_level(logging.DEBUG, "okxasync.ws")

    async def evil(ws: web.WebSocketResponse, n: int) -> None:
        if n == 1:  # the subscription is answered with a code worth retrying
            await ws.receive_str()
            await ws.send_json({"event": "login", "code": "0", "msg": ""})
            request = json.loads(await ws.receive_str())
            await ws.send_json(
                {"id": request["id"], "event": "error", "code": "64007", "msg": FORGED}
            )
            await ws.receive()  # until the client closes it
            return
        frames = [{"event": "error", "code": "1\x1b[31m", "msg": FORGED}, {"event": FORGED}]
        await serve_normally(ws, then=frames)

    async with business(evil) as (client, _):
        stream = client.funding.watch_deposits()
        async with consuming(stream):
            await until(lambda: caplog.text.count("FORGED") >= 3, within=5)
    forged = [r.getMessage() for r in caplog.records if "FORGED" in r.getMessage()]
    assert len(forged) == 3  # the failed subscription, the error event, the unknown event
    assert all(message.isprintable() and "\\n" in message for message in forged)
    assert any("\\x1b[31m" in message for message in forged)
