"""The seam between the request pipeline and the network: one HTTP exchange per call.

:class:`Transport` is what the pipeline talks to (as httpx's client talks to its
transport); :class:`AiohttpTransport` is the implementation over aiohttp. What it
guarantees, whatever the server does:

* redirects are never followed: a 3xx answer raises :class:`ResponseError` naming the
  status and the target host, and nothing is sent anywhere but ``base_url``;
* a response body larger than ``max_body`` bytes raises :class:`ResponseError` (the rest
  is not read);
* every aiohttp failure becomes :class:`TransportError` (``maybe_sent`` says whether the
  server may have seen the request) with no aiohttp exception chained to it;
* a request with ``fresh=True`` (a withdrawal, a trade) goes out on a newly opened
  connection, never on a kept-alive one the server may have closed while it was idle;
* the signed headers are added to the outgoing request at the last moment, when its
  connection is taken (by :class:`~okxasync._http.connector.Connector`), so no frame of
  the library or of aiohttp's request loop holds them in a plain container before that;
  the rate limiter is told then too, and a failure before it reports ``maybe_sent``
  false (nothing was written).

The per-request work stays off aiohttp's optional machinery (tracing signals, client
middlewares): both cost a coroutine and objects per request on the hot path, and the
connector sees everything they would (see ``benchmarks/RESULTS.md``).

One line is logged per exchange, never headers.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections.abc import Mapping
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

import aiohttp
import msgspec
from aiohttp import ClientResponse
from yarl import URL

from .._errors import ClientClosedError, ResponseError, TransportError, printable
from .connector import SENDING, Request, SlotLapsed
from .connector import session as connector_session

__all__ = ["DEFAULT_MAX_BODY", "AiohttpTransport", "Exchange", "Transport", "bare_path"]

logger = logging.getLogger("okxasync")

#: The default cap on a response body: 16 MiB (the largest page of the API is far smaller).
DEFAULT_MAX_BODY = 16 * 2**20
_CHUNK = 64 * 1024


class Exchange(msgspec.Struct):
    """What came back: the HTTP status (never 3xx), the response headers and the raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport(Protocol):
    """Sends one :class:`Request` and returns its :class:`Exchange`, or raises
    :class:`TransportError` (no answer) or :class:`ResponseError` (an answer that cannot be
    used: a redirect, an oversized body). Never retries by itself: the pipeline decides."""

    async def send(self, request: Request) -> Exchange: ...

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """aiohttp sessions for ``base_url``, created on first use inside the running loop.

    Used from another event loop (a second ``asyncio.run()``), it opens new sessions there;
    the old loop's sessions are closed when that loop shuts down (see ``_LoopSessions``).
    """

    def __init__(
        self, base_url: str, *, timeout: float, demo: bool = False, max_body: int = DEFAULT_MAX_BODY
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.demo = demo
        self.max_body = max_body
        self._sessions: _LoopSessions | None = None
        self._closed = False

    async def aclose(self) -> None:
        """Close the sessions. Safe to call more than once; later sends raise
        :class:`ClientClosedError` (``maybe_sent`` false), and so do sends in flight
        (``maybe_sent`` true once their request was handed a connection)."""
        self._closed = True
        sessions = self._sessions
        if sessions is not None:
            await sessions.aclose()
            self._sessions = None  # only once closed: a cancelled close is finished next time

    def _session(self, fresh: bool) -> aiohttp.ClientSession:
        if self._closed:  # first: sessions are kept until closed, as they are being closed
            raise ClientClosedError()
        sessions = self._sessions
        if sessions is not None and sessions.loop is asyncio.get_running_loop():
            session = sessions.made.get(fresh)  # the usual case: made, this loop
            if session is not None:
                return session
        loop = asyncio.get_running_loop()
        if self._sessions is None or self._sessions.loop is not loop:
            # No header on every request but the demo flag: a GET has no body to describe,
            # and default headers cost aiohttp a merge per request.
            headers = {"x-simulated-trading": "1"} if self.demo else {}
            self._sessions = _LoopSessions(loop, headers, self.timeout)
        return self._sessions.get(fresh)

    async def send(self, request: Request) -> Exchange:
        """One HTTP exchange; raises as the module docstring says."""
        started = time.monotonic()
        session = self._session(request.fresh)
        token = SENDING.set(request)  # read by the connector (auth headers, on_sent)
        try:
            async with session.request(
                request.method,
                URL(self.base_url + request.path, encoded=True),
                data=request.body.encode() if request.body else None,
                headers=_JSON_BODY if request.body else None,
                allow_redirects=False,
            ) as response:
                if 300 <= response.status < 400:
                    raise _redirect_error(response)
                length = _plain_length(response)
                if length is not None and length <= self.max_body:
                    body = await response.read()  # the parser stops at Content-Length
                else:
                    body = await _read(response, self.max_body)
                exchange = Exchange(response.status, response.headers, body)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # The connection was never established: nothing reached the server (unless
            # an earlier connection of this request was handed over: not while aiohttp
            # neither resends nor follows redirects here, but that is its private switch).
            what = "could not connect"
            failure = self._failure(request, what, exc, maybe_sent=request.connected)
            outcome = f"not connected ({type(exc).__name__})"
        except SlotLapsed:
            what = "not sent: its rate-limit slot lapsed while the connection was opened"
            failure = self._failure(request, what, None, maybe_sent=False)
            outcome = "not sent (slot lapsed)"
        except asyncio.TimeoutError:
            # Before a connection was handed over (a slow DNS answer or connect, a limiter
            # slow to answer): nothing was written, so the request was not sent.
            what = f"timed out after {self.timeout} s"
            if not request.connected:
                what += " before its connection opened"
            failure = self._failure(request, what, None, maybe_sent=request.connected)
            outcome = "timed out"
        except (aiohttp.ClientError, OSError, RuntimeError) as exc:  # RuntimeError: closed
            failure = self._failure(request, "failed", exc, maybe_sent=request.connected)
            outcome = f"failed ({type(exc).__name__})"
        except ResponseError as error:
            _log(request, error.status, started)
            raise
        else:
            if exchange.status >= 300 or _debug():
                _log(request, exchange.status, started)
            return exchange
        finally:
            SENDING.reset(token)
        # Raised here, outside the except blocks, so that the aiohttp error (whose repr may
        # show the request) is not chained to it as __context__.
        _log(request, outcome, started)
        raise failure

    def _failure(
        self, request: Request, what: str, exc: BaseException | None, *, maybe_sent: bool = True
    ) -> TransportError | ClientClosedError:
        path = f"{request.method} {bare_path(request.path)}"
        if self._closed:
            what = "failed: the Client was closed while the request was in flight"
            return ClientClosedError(f"{path} {what}", maybe_sent=maybe_sent)
        if exc is not None:
            what = f"{what}: {type(exc).__name__}: {printable(str(exc))}"
        return TransportError(f"{path} {what}", maybe_sent=maybe_sent)


#: The headers of a request with a body (the API's bodies are JSON).
_JSON_BODY = {"Content-Type": "application/json"}


class _LoopSessions:
    """The aiohttp sessions of one event loop: ``pooled`` keeps connections alive between
    requests, ``fresh`` opens a new connection for every request.

    Closed by :meth:`aclose`, or else when their loop shuts down: a guard task waits for
    either, and ``asyncio.run()`` cancels every task before it closes the loop. The guard
    holds them weakly, so a forgotten client is still garbage (and reported by aiohttp).
    """

    _guards: ClassVar[set[asyncio.Task[None]]] = set()  # strong references to running guards

    def __init__(
        self, loop: asyncio.AbstractEventLoop, headers: Mapping[str, str], timeout: float
    ) -> None:
        self.loop = loop
        self._headers = dict(headers)
        self._timeout = timeout
        self.made: dict[bool, aiohttp.ClientSession] = {}
        self._done: asyncio.Future[None] = loop.create_future()
        guard = loop.create_task(_close_at_shutdown(weakref.ref(self), self._done))
        self._guards.add(guard)
        guard.add_done_callback(self._guards.discard)

    def get(self, fresh: bool) -> aiohttp.ClientSession:
        session = self.made.get(fresh)
        if session is None:
            session = connector_session(
                force_close=fresh,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            )
            self.made[fresh] = session
        return session

    async def aclose(self) -> None:
        """Close the sessions, if called in their loop (else the guard does, or did)."""
        if asyncio.get_running_loop() is not self.loop:
            return
        if not self._done.done():
            self._done.set_result(None)
        try:
            await _close_each(list(self.made.values()))
        finally:
            # Kept until closed: a close cancelled before it began is done next time.
            self.made = {fresh: s for fresh, s in self.made.items() if not s.closed}


async def _close_each(sessions: list[aiohttp.ClientSession]) -> None:
    """Close every one of ``sessions``, even when closing one before it failed or was
    cancelled."""
    if sessions:
        try:
            await sessions[0].close()
        finally:
            await _close_each(sessions[1:])


async def _close_at_shutdown(
    sessions: weakref.ref[_LoopSessions], done: asyncio.Future[None]
) -> None:
    try:
        await done
    finally:
        alive = sessions()
        if alive is not None:
            await alive.aclose()


def _redirect_error(response: ClientResponse) -> ResponseError:
    """A 3xx answer, refused: its status and where it pointed (the ``Location`` host)."""
    location = response.headers.get("Location", "")
    try:
        host = urlsplit(location).hostname or "the same host"
    except ValueError:
        host = "an invalid location"
    response.close()  # the body is not read: drop the connection
    reason = f"redirect to {printable(host, 100)} not followed (the API never redirects)"
    return ResponseError(reason, response.status, b"")


def _plain_length(response: ClientResponse) -> int | None:
    """The body's length from ``Content-Length``, if the body is sent as is: aiohttp
    decompresses a ``Content-Encoding`` (gzip, deflate, br), whose length says nothing
    about the decompressed size."""
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None
    return response.content_length


async def _read(response: ClientResponse, limit: int) -> bytes:
    """The whole body, or :class:`ResponseError` once it is known to exceed ``limit`` bytes
    (a compressed body is counted as decompressed, as it is read)."""
    length = _plain_length(response)
    if length is not None:
        if length > limit:
            response.close()
            raise _too_large(response.status, limit, b"")
        # aiohttp's parser stops at Content-Length: the body cannot exceed it.
        return await response.read()
    body = bytearray()
    while chunk := await response.content.read(_CHUNK):
        body += chunk
        if len(body) > limit:
            response.close()
            raise _too_large(response.status, limit, bytes(body[:_CHUNK]))
    return bytes(body)


def _too_large(status: int, limit: int, start: bytes) -> ResponseError:
    return ResponseError(f"the response body exceeds {limit} bytes", status, start)


def _log(request: Request, outcome: int | str, started: float) -> None:
    """One line per HTTP attempt: method, path, status (or failure), latency, attempt,
    rate-limit wait; also as ``okx_*`` attributes of the log record. Never headers."""
    level = logging.DEBUG if isinstance(outcome, int) and outcome < 300 else logging.INFO
    if not logger.isEnabledFor(level):
        return
    latency_ms = (time.monotonic() - started) * 1000
    status = f"HTTP {outcome}" if isinstance(outcome, int) else outcome
    path = bare_path(request.path)
    logger.log(
        level,
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


_debug = functools.partial(logger.isEnabledFor, logging.DEBUG)


def bare_path(path: str) -> str:
    """``path`` without its query string (what logs and messages show)."""
    return path.split("?", 1)[0]
