"""The emulator's rate limits: a strict server's sliding windows, and network jitter.

:class:`ArrivalLimits` keeps, per rate group, the arrival times of the requests it
accepted. A request arriving when ``count`` accepted requests arrived less than
``period`` seconds ago is rejected with HTTP 429 and envelope code ``50011`` (and, when
asked, a ``Retry-After`` header in whole seconds). Rejected requests are not executed and
do not occupy the window. Arrival is measured after the simulated network ``jitter``:
each request is delayed by a uniform random ``0..jitter`` seconds before it "arrives",
which bunches arrivals the way a real network does.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter, deque
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Middleware

from okxasync._ratelimit import DEFAULT_RATES, Rate
from okxasync.testing._routes import ROUTE_TABLE, Handler, envelope

__all__ = ["ArrivalLimits"]


class ArrivalLimits:
    """Per-group strict sliding windows at arrival time, plus optional jitter.

    ``rates`` default to the API's (``funding`` 6/1 s, ``otc`` 2/2 s); groups without a
    rate (the public endpoints) are not limited. ``rejections`` counts 429 answers per
    group. ``enforce=False`` accepts everything (jitter still applies).
    """

    def __init__(
        self,
        rates: Mapping[str, Rate] | None = None,
        *,
        enforce: bool = True,
        jitter: float = 0.0,
        retry_after: bool = False,
        seed: int = 0,
    ) -> None:
        if not 0 <= jitter < math.inf:
            raise ValueError(f"jitter must be non-negative seconds, got {jitter!r}")
        self.rates: dict[str, Rate] = dict(DEFAULT_RATES if rates is None else rates)
        self.enforce = enforce
        self.jitter = jitter
        self.retry_after = retry_after
        self.rejections: Counter[str] = Counter()
        self._accepted: dict[str, deque[float]] = {group: deque() for group in self.rates}
        self._rng = random.Random(f"{seed}:jitter")

    def admit(self, group: str, now: float) -> float | None:
        """Accept a request of ``group`` arriving at ``now`` (monotonic seconds): ``None``;
        or reject it: the seconds until the window has room."""
        rate = self.rates.get(group)
        if rate is None or not self.enforce:
            return None
        accepted = self._accepted[group]
        while accepted and now - accepted[0] >= rate.period:
            accepted.popleft()
        if len(accepted) < rate.count:
            accepted.append(now)
            return None
        self.rejections[group] += 1
        return accepted[0] + rate.period - now

    def middlewares(self) -> tuple[list[Middleware], list[Middleware]]:
        """``(outer, inner)``: jitter goes before the request is recorded as arrived,
        the limit check after errors are turned into envelopes."""

        @web.middleware
        async def network(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self.jitter:
                await asyncio.sleep(self._rng.uniform(0, self.jitter))
            return await handler(request)

        @web.middleware
        async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
            endpoint = request.app[ROUTE_TABLE].get((request.method, request.path))
            wait = None if endpoint is None else self.admit(endpoint.group, time.monotonic())
            if wait is None:
                return await handler(request)
            response = envelope([], "50011", "Too Many Requests", 429)
            if self.retry_after:
                response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return response

        return [network], [limit]
