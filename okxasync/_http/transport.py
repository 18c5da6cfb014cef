"""The seam between the request pipeline and the network: one HTTP exchange per call.

:class:`Transport` is what the pipeline talks to (as httpx's client talks to its
transport); :class:`AiohttpTransport` is the implementation over one aiohttp session. It
maps every aiohttp failure to :class:`TransportError` (``maybe_sent`` says whether the
server may have seen the request) and logs one line per exchange, never headers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import aiohttp
from yarl import URL

from .._errors import OkxError, TransportError

__all__ = ["AiohttpTransport", "Exchange", "Request", "Transport", "bare_path"]

logger = logging.getLogger("okxasync")


@dataclass(frozen=True)
class Request:
    """A request ready to send: ``path`` includes the query string exactly as signed.

    ``headers`` are the per-request headers (the signed ``OK-ACCESS-*`` ones); ``attempt``
    and ``rate_wait`` (seconds spent in the rate-limit queue) are only reported in logs.
    """

    method: str
    path: str
    body: str
    headers: Mapping[str, str]
    attempt: int = 1
    rate_wait: float = 0.0


@dataclass(frozen=True)
class Exchange:
    """What came back: the HTTP status, the response headers and the raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport(Protocol):
    """Sends one :class:`Request` and returns its :class:`Exchange`, or raises
    :class:`TransportError`. Never retries by itself: the pipeline decides."""

    async def send(self, request: Request) -> Exchange: ...

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """One aiohttp session (created on first use, inside the running loop) for ``base_url``."""

    def __init__(self, base_url: str, *, timeout: float, demo: bool = False) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.demo = demo
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    async def aclose(self) -> None:
        """Close the session. Safe to call more than once; later sends raise ``OkxError``."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._closed:
            raise OkxError("this Client is closed")
        if self._session is None:
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            if self.demo:
                headers["x-simulated-trading"] = "1"
            session = aiohttp.ClientSession(
                headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
            # aiohttp silently resends a GET once when a kept-alive connection turns out
            # closed; that resend would bypass the rate-limit scheduler, so the pipeline's
            # retry loop handles it instead. (No public switch exists; aiohttp's test client
            # sets the same attribute.)
            session._retry_connection = False
            self._session = session
        return self._session

    async def send(self, request: Request) -> Exchange:
        """One HTTP exchange. Raises :class:`TransportError` (``maybe_sent`` as documented)."""
        session = self._http()
        method, path = request.method, request.path
        started = time.monotonic()
        try:
            async with session.request(
                method,
                URL(self.base_url + path, encoded=True),
                data=request.body.encode() if request.body else None,
                headers=request.headers,
            ) as response:
                data = await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # The connection was never established: nothing reached the server.
            _log(request, f"not connected ({type(exc).__name__})", started)
            raise TransportError(
                f"{method} {bare_path(path)} could not connect: {exc}", maybe_sent=False
            ) from None
        except asyncio.TimeoutError:
            _log(request, "timed out", started)
            raise TransportError(
                f"{method} {bare_path(path)} timed out after {self.timeout} s"
            ) from None
        except aiohttp.ClientError as exc:
            _log(request, f"failed ({type(exc).__name__})", started)
            raise TransportError(
                f"{method} {bare_path(path)} failed: {type(exc).__name__}: {exc}"
            ) from None
        _log(request, response.status, started)
        return Exchange(response.status, response.headers, data)


def _log(request: Request, outcome: int | str, started: float) -> None:
    """One line per HTTP attempt: method, path, status (or failure), latency, attempt,
    rate-limit wait; also as ``okx_*`` attributes of the log record. Never headers."""
    latency_ms = (time.monotonic() - started) * 1000
    status = f"HTTP {outcome}" if isinstance(outcome, int) else outcome
    path = bare_path(request.path)
    logger.log(
        logging.DEBUG if isinstance(outcome, int) and outcome < 400 else logging.INFO,
        "%s %s -> %s in %.1f ms (attempt %d, rate-limit wait %.3f s)",
        request.method,
        path,
        status,
        latency_ms,
        request.attempt,
        request.rate_wait,
        extra={
            "okx_method": request.method,
            "okx_path": path,
            "okx_status": outcome if isinstance(outcome, int) else None,
            "okx_latency_ms": latency_ms,
            "okx_attempt": request.attempt,
            "okx_rate_wait_s": request.rate_wait,
        },
    )


def bare_path(path: str) -> str:
    """``path`` without its query string (what logs and messages show)."""
    return path.split("?", 1)[0]
