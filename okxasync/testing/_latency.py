"""Simulated network round trip for the emulator.

``simulated_latency(seconds)`` is an aiohttp middleware that holds each request for
half the round trip before handling it (the way in) and half after (the way back), so
the server sees and answers requests as a server ``seconds`` of round trip away would:
a client's request takes ``seconds`` plus handling time, and many can be in flight.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Middleware

from okxasync.testing._routes import Handler

__all__ = ["simulated_latency"]


def simulated_latency(seconds: float) -> Middleware:
    """A middleware adding ``seconds`` of round trip to every request."""
    if not seconds >= 0:
        raise ValueError(f"latency must be >= 0 seconds, got {seconds!r}")
    half = seconds / 2

    @web.middleware
    async def latency(request: web.Request, handler: Handler) -> web.StreamResponse:
        await asyncio.sleep(half)
        response = await handler(request)
        await asyncio.sleep(half)
        return response

    return latency
