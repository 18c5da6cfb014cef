"""Fault injection for the emulator: a bad network and a bad server day, on demand.

``FakeExchange(faults=Faults(rate=0.15, seed=1))`` answers a share of GET requests with a
fault, and can drop the connection around a withdrawal or an RFQ trade. Every draw comes
from ``random.Random(seed)``, so a sequential test sees the same faults on every run.

GET fault kinds (``Faults.kinds``):

==============  ==================================================================
``http_502``    HTTP 502 with an HTML body, as a load balancer sends it
``busy_503``    HTTP 503 with the envelope ``{"code": "50001", ...}``
``disconnect``  the connection is closed without an answer
``delay``       the answer is held ``Faults.delay`` seconds (past a short client timeout)
==============  ==================================================================

For the requests that move funds (the endpoints not safe to resend: withdrawals,
transfers, RFQ and Convert trades): ``drop_after_commit`` is the share executed and
recorded, then dropped without an answer; ``drop_before_commit`` the share dropped without
being executed; ``error_after_commit`` the share executed, then answered HTTP 502 (an HTML
page, as a load balancer sends it); ``slow_after_commit`` the share executed, then answered
only after ``delay`` seconds (past a short client timeout). A dropped request is recorded
in ``fake.requests`` with ``status == 0``.
"""

from __future__ import annotations

import asyncio
import random
import time
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Literal, get_args

from aiohttp import web
from aiohttp.typedefs import Middleware

from okxasync.testing._routes import ROUTES, Handler, envelope

__all__ = ["FAULT_KINDS", "FaultInjector", "FaultKind", "Faults"]

FaultKind = Literal["http_502", "busy_503", "disconnect", "delay"]
"""A kind of GET fault (see the module docstring)."""
CommitFault = Literal[
    "drop_before_commit",
    "drop_after_commit",
    "error_after_commit",
    "slow_after_commit",
    "timeout_after_commit",
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
"""Every GET fault kind, the default of ``Faults.kinds``."""
#: The requests that change funds; the drop_* faults apply to them.
COMMITTING = frozenset((r.method, r.path) for r in ROUTES if r.commits)

SERVER_TIMEOUT_MSG = (
    "API endpoint request timeout. (does not mean that the request was successful or "
    "failed, please check the request result)."
)
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
    "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Faults:
    """Which faults to inject, and how often (shares are probabilities in `[0, 1]`).

    Attributes:
        rate: The share of GET requests answered with a fault, of a kind drawn uniformly
            from `kinds`.
        kinds: The GET fault kinds to draw from: `"http_502"` (an HTML 502 page),
            `"busy_503"` (HTTP 503 with code 50001), `"disconnect"` (the connection closed
            without an answer), `"delay"` (the answer held `delay` seconds).
        delay: Seconds a `"delay"` or `slow_after_commit` fault holds its answer.
        drop_after_commit: The share of fund-moving requests (withdrawals, transfers, RFQ
            and Convert trades) executed and recorded, then dropped without an answer.
        drop_before_commit: The share of fund-moving requests dropped without being
            executed.
        idle_close: Seconds of idleness after which a kept-alive connection is treated as
            closed by the server (see the module docstring); `None`: never.
        seed: Seeds the draws: a sequential test sees the same faults on every run.
        error_after_commit: The share of fund-moving requests executed, then answered
            HTTP 502 (an HTML page, as a load balancer sends it).
        slow_after_commit: The share of fund-moving requests executed, then answered only
            after `delay` seconds (past a short client timeout).
        timeout_after_commit: The share of fund-moving requests executed, then answered as
            the real server does when its own backend timed out: HTTP 400, code 50004
            ("does not mean that the request was successful or failed").

    Raises:
        ValueError: A share outside `[0, 1]`, `*_commit` shares adding up to more than 1,
            an unknown or empty `kinds`, a negative `delay`, or an `idle_close` that
            is not positive.
    """

    rate: float = 0.0
    kinds: tuple[FaultKind, ...] = FAULT_KINDS
    delay: float = 1.0
    drop_after_commit: float = 0.0
    drop_before_commit: float = 0.0
    idle_close: float | None = None
    seed: int = 0
    error_after_commit: float = 0.0
    slow_after_commit: float = 0.0
    timeout_after_commit: float = 0.0

    def __post_init__(self) -> None:
        shares = (self.rate, *self.commit_shares().values())
        if not all(0.0 <= share <= 1.0 for share in shares):
            raise ValueError(f"fault shares must lie in [0, 1]: {self}")
        if sum(self.commit_shares().values()) > 1.0:
            raise ValueError(f"the shares of the *_commit faults exceed 1 together: {self}")
        if not self.kinds or not set(self.kinds) <= set(FAULT_KINDS):
            raise ValueError(f"kinds must be a non-empty subset of {FAULT_KINDS}: {self.kinds}")
        if self.delay < 0:
            raise ValueError(f"delay must not be negative: {self.delay}")
        if self.idle_close is not None and not self.idle_close > 0:
            raise ValueError(f"idle_close must be positive seconds or None: {self.idle_close}")

    def commit_shares(self) -> dict[CommitFault, float]:
        """The share of each fault of fund-moving requests.

        Returns:
            The shares by fault kind, in the order they are drawn.
        """
        return {
            "drop_before_commit": self.drop_before_commit,
            "drop_after_commit": self.drop_after_commit,
            "error_after_commit": self.error_after_commit,
            "slow_after_commit": self.slow_after_commit,
            "timeout_after_commit": self.timeout_after_commit,
        }


class FaultInjector:
    """Draws faults for requests as ``faults`` says; ``injected`` counts them by kind.

    Assigning ``faults`` restarts the draws from its seed.
    """

    def __init__(self, faults: Faults | None = None) -> None:
        self.injected: Counter[str] = Counter()
        self.faults = faults or Faults()
        # When each open connection last finished a request (transports held weakly).
        self._last_used: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._faults = faults
        self._rng = random.Random(faults.seed)

    def draw_get(self) -> FaultKind | None:
        """The fault for the next GET, or ``None`` to answer normally."""
        if self._faults.rate == 0 or self._rng.random() >= self._faults.rate:
            return None
        return self._rng.choice(self._faults.kinds)

    def draw_commit(self) -> CommitFault | None:
        """The fault for the next fund-moving request, or ``None``."""
        shares = self._faults.commit_shares()
        if not any(shares.values()):
            return None
        draw, bound = self._rng.random(), 0.0
        for kind, share in shares.items():
            bound += share
            if draw < bound:
                return kind
        return None

    def middleware(self) -> Middleware:
        """The aiohttp middleware injecting the faults (between ``errors`` and ``auth``)."""

        @web.middleware
        async def inject_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self._closed_while_idle(request):
                self.injected["idle_close"] += 1
                return drop(request)
            try:
                if request.method == "GET":
                    return await self._get(request, handler)
                if (request.method, request.path) in COMMITTING:
                    return await self._commit(request, handler)
                return await handler(request)
            finally:
                if request.transport is not None:
                    self._last_used[request.transport] = time.monotonic()

        return inject_faults

    def _closed_while_idle(self, request: web.Request) -> bool:
        """Whether ``request`` came on a kept-alive connection idle for ``idle_close`` s."""
        idle_close, connection = self._faults.idle_close, request.transport
        if idle_close is None or connection is None:
            return False
        last = self._last_used.get(connection)
        return last is not None and time.monotonic() - last >= idle_close

    async def _get(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        kind = self.draw_get()
        if kind is None:
            return await handler(request)
        self.injected[kind] += 1
        if kind == "http_502":
            return web.Response(status=502, text=BAD_GATEWAY_HTML, content_type="text/html")
        if kind == "busy_503":
            return envelope([], "50001", "Service temporarily unavailable", 503)
        if kind == "disconnect":
            return drop(request)
        await asyncio.sleep(self._faults.delay)
        return await handler(request)

    async def _commit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        kind = self.draw_commit()
        if kind == "drop_before_commit":
            self.injected[kind] += 1
            return drop(request)
        response = await handler(request)  # a refusal raises EmulatorRefusal: nothing to fault
        if kind is None:
            return response
        self.injected[kind] += 1
        if kind == "drop_after_commit":
            return drop(request)
        if kind == "error_after_commit":
            return web.Response(status=502, text=BAD_GATEWAY_HTML, content_type="text/html")
        if kind == "timeout_after_commit":
            return envelope([], "50004", SERVER_TIMEOUT_MSG, 400)
        await asyncio.sleep(self._faults.delay)
        return response


def drop(request: web.Request) -> web.Response:
    """Close the connection without answering (the returned response is never sent)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=200)
