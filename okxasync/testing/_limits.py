"""The emulator's rate limits: a strict server's sliding windows, and network jitter.

:class:`ArrivalLimits` enforces the buckets of every endpoint it serves, taken from the
client's own endpoint table (``okxasync._endpoints.ALL``) and bucket registry, so
the figures are stated once. Per bucket, and per key value of a keyed bucket (read from
the query or the JSON body under the bucket's key field names), it keeps the arrival
times of the requests it accepted. A request is accepted only if every one of its
windows has room; then it counts in all of them. Otherwise it is rejected with HTTP 429
and the bucket's code (``50011``, or ``58102`` for the funding buckets that use it; and,
when asked, a ``Retry-After`` header in whole seconds), is not executed and occupies no
window. Arrival is measured after the simulated network ``jitter``: each request is
delayed by a uniform random ``0..jitter`` seconds before it "arrives", which bunches
arrivals the way a real network does.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence

from aiohttp import web
from aiohttp.typedefs import Middleware

from okxasync._endpoints import ALL
from okxasync._ratelimit import Bucket, Claim, Rate
from okxasync.testing._routes import Handler, body_text, envelope

__all__ = ["ArrivalLimits", "RouteKey"]

RouteKey = tuple[str, str]  # (method, path)
_SWEEP_EVERY = 1024


class ArrivalLimits:
    """Strict sliding windows at arrival time for every bucket and key, plus jitter.

    ``rates=None`` enforces every bucket at its own rate (the API's); a mapping enforces
    only the buckets it names, at those rates. ``buckets`` replaces the buckets of some
    routes (``{("GET", "/api/v5/asset/bills"): (FUNDING, my_keyed_bucket)}``).
    ``rejections`` counts 429 answers per bucket name. ``enforce=False`` accepts
    everything (jitter still applies).
    """

    def __init__(
        self,
        rates: Mapping[str, Rate] | None = None,
        *,
        enforce: bool = True,
        jitter: float = 0.0,
        retry_after: bool = False,
        seed: int = 0,
        buckets: Mapping[RouteKey, Sequence[Bucket]] | None = None,
    ) -> None:
        if not 0 <= jitter < math.inf:
            raise ValueError(f"jitter must be non-negative seconds, got {jitter!r}")
        self.rates: dict[str, Rate] | None = None if rates is None else dict(rates)
        self.buckets: dict[RouteKey, tuple[Bucket, ...]] = {
            (e.method, e.path): e.buckets for e in ALL
        }
        self.buckets.update({route: tuple(b) for route, b in (buckets or {}).items()})
        self.enforce = enforce
        self.jitter = jitter
        self.retry_after = retry_after
        self.rejections: Counter[str] = Counter()
        self._accepted: dict[tuple[str, tuple[str, ...]], deque[float]] = {}
        self._admitted = 0
        self._rng = random.Random(f"{seed}:jitter")

    def rate(self, bucket: Bucket) -> Rate | None:
        """The rate enforced for ``bucket``, or ``None`` if it is not enforced."""
        return bucket.rate if self.rates is None else self.rates.get(bucket.name)

    def admit(self, claims: Sequence[Claim], now: float) -> tuple[float, Claim] | None:
        """Accept a request holding ``claims`` arriving at ``now`` (monotonic seconds):
        ``None``; or reject it: the seconds until its fullest window has room, and that
        window's claim."""
        if not self.enforce:
            return None
        windows: list[deque[float]] = []
        refusal: tuple[float, Claim] | None = None
        for claim in claims:
            rate = self.rate(claim.bucket)
            if rate is None:
                continue
            accepted = self._accepted.setdefault((claim.bucket.name, claim.key), deque())
            while accepted and now - accepted[0] >= rate.period:
                accepted.popleft()
            if len(accepted) >= rate.count:
                wait = accepted[len(accepted) - rate.count] + rate.period - now
                if refusal is None or wait > refusal[0]:
                    refusal = (wait, claim)
            windows.append(accepted)
        if refusal is not None:
            self.rejections[refusal[1].bucket.name] += 1
            return refusal
        for accepted in windows:
            accepted.append(now)
        self._sweep(now)
        return None

    def _sweep(self, now: float) -> None:
        """Now and then, forget windows with no arrival in the longest period (memory
        stays flat however many keys were seen)."""
        self._admitted += 1
        if self._admitted % _SWEEP_EVERY:
            return
        longest = max((b.rate.period for r in self.buckets.values() for b in r), default=0.0)
        longest = max([longest, *(r.period for r in (self.rates or {}).values())])
        stale = [
            k
            for k, arrivals in self._accepted.items()
            if not arrivals or now - arrivals[-1] >= longest
        ]
        for key in stale:
            del self._accepted[key]

    async def claims(self, request: web.Request) -> tuple[Claim, ...] | None:
        """The windows ``request`` would take, or ``None`` for a route without buckets."""
        buckets = self.buckets.get((request.method, request.path))
        if buckets is None:
            return None
        params: Mapping[str, object] = request.query
        if request.method == "POST" and any(b.key for b in buckets):
            params = _json_object(await body_text(request))
        return tuple(b.claim(*(str(params.get(f, "")) for f in b.key)) for b in buckets)

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
            refused = await self.refused(request)
            return await handler(request) if refused is None else refused

        return [network], [limit]

    async def refused(self, request: web.Request) -> web.Response | None:
        """``None`` if ``request`` is accepted (it counts in its windows now), else its
        429 answer."""
        arrival = time.monotonic()
        claims = await self.claims(request)
        refusal = None if claims is None else self.admit(claims, arrival)
        if refusal is None:
            return None
        wait, claim = refusal
        response = envelope([], claim.bucket.code, "Too Many Requests", 429)
        if self.retry_after:
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response


def _json_object(text: str) -> Mapping[str, object]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
