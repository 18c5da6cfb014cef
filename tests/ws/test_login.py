"""The login's failures, against a loopback WebSocket server of the test's own: which are
permanent (refused credentials), which are retried, and that server text is escaped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import anyio
import pytest
from aiohttp import web
from server_helpers import serve
from ws_helpers import BUSY, FAST, RATES, AnyStream

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
        okxasync.Client(
            base_url=fake.url,
            rate_limits=RATES,
            ws_url=url.replace("http://", "ws://") + "/ws/v5/business",
            watch_timing=FAST,
            **fake.credentials,
        ) as client,
    ):
        yield client, socket


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
