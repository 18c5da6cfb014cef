"""The aiohttp connector that finishes each request as its connection is handed over.

aiohttp writes a request right after its connector's ``connect`` returns, in the task
that sends it. :class:`Connector` uses that moment, for the :class:`Request` set by
:func:`sending` in that task:

* the signed headers (``Request.auth``) are added only now, so no frame of the library or
  of aiohttp's request loop holds them in a plain container before;
* ``Request.on_sent`` tells the rate limiter the request is being written, with whether
  its connection is new; its answer ``False`` (the slot lapsed while the connection was
  opened) stops the request there (:class:`SlotLapsed`), and an awaitable answer (a
  shared limiter asked) is waited for first;
* ``Request.connected`` is set, so that a failure before it provably sent nothing;
* a second connect for the same request (aiohttp following a redirect of a WebSocket
  connect, which it has no switch for) is refused (:class:`SentAgain`).

Both the REST transport and the WebSocket connections use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import weakref
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import msgspec
from aiohttp import ClientRequest
from aiohttp.connector import Connection
from aiohttp.tracing import Trace

from .signing import AuthHeaders

__all__ = [
    "READ_SIZE",
    "SENDING",
    "Connector",
    "OnSent",
    "Request",
    "SentAgain",
    "SlotLapsed",
    "sending",
    "session",
]


#: Told that a request is about to be written, with whether its connection is new: its
#: rate-limit slot still holds (``True``), lapsed (``False``: it is not written), or an
#: awaitable of that answer (a shared limiter is asked; the request waits for it).
OnSent = Callable[[bool], "bool | Awaitable[bool]"]


class Request(msgspec.Struct):
    """A request ready to send: ``path`` includes the query string exactly as signed.

    ``auth`` holds the signed ``OK-ACCESS-*`` headers (``None`` for public endpoints);
    ``fresh`` asks for a newly opened connection; ``attempt`` and ``rate_wait`` (seconds
    spent in the rate-limit queue) are only reported in logs; ``on_sent`` is called when
    a connection is ready, just before the request is written to it, with whether that
    connection was opened for this request: ``False`` from it stops the request there
    (its rate-limit slot lapsed), which then fails as never sent. ``connected`` becomes
    true once the connection is handed over to write the request: a failure before that
    (a timeout while resolving or connecting) provably sent nothing. (A msgspec Struct:
    one is made per attempt, in C.)
    """

    method: str
    path: str
    body: str
    auth: AuthHeaders | None = None
    fresh: bool = False
    attempt: int = 1
    rate_wait: float = 0.0
    on_sent: OnSent | None = None
    connected: bool = False  # set by the connector as it hands the connection over


#: The request being sent by the current task, for :class:`Connector` (set by the REST
#: transport around each exchange, and by :func:`sending` around a WebSocket connect).
SENDING: contextvars.ContextVar[Request | None] = contextvars.ContextVar(
    "okxasync_sending", default=None
)


class Connector(aiohttp.TCPConnector):
    """aiohttp's TCP connector, which also finishes the request it connects: it adds the
    signed headers (``Request.auth``) and calls ``Request.on_sent`` with whether the
    connection was opened for this request. aiohttp writes the request's headers right
    after ``connect`` returns, so this is when the request goes out.

    The request comes through a context variable set around the exchange, in the task
    that sends it (aiohttp calls ``connect`` in that task, before writing).
    """

    def __init__(self, *, force_close: bool) -> None:
        super().__init__(force_close=force_close)
        self._seen: weakref.WeakSet[Any] = weakref.WeakSet()  # connections already used

    async def connect(
        self, req: ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        request = SENDING.get()
        if request is not None and request.connected:
            raise SentAgain  # before a connection is taken
        connection = await super().connect(req, traces, timeout)
        protocol = connection.protocol
        fresh = protocol not in self._seen
        if request is not None:
            if request.on_sent is not None:
                holds = request.on_sent(fresh)
                if holds is False or (
                    holds is not True and await _answer(holds, connection) is False
                ):
                    connection.release()  # unused (and still new, for the next request)
                    raise SlotLapsed
            if request.auth is not None:
                request.auth.apply(req.headers)
            request.connected = True  # aiohttp writes the request once this returns
        if fresh and protocol is not None:
            self._seen.add(protocol)
            _small_reads(connection.transport)
        return connection


async def _answer(holds: Awaitable[bool], connection: Connection) -> bool:
    """The awaited answer of ``on_sent`` (a shared limiter asked: only ``False`` stops
    the request, as when answered at once); if the wait ends in an error or a
    cancellation, the unused ``connection`` goes back first."""
    try:
        return await holds
    except BaseException:
        connection.release()
        raise


class SentAgain(aiohttp.ClientError):
    """aiohttp was about to send a request a second time under its one rate-limit slot:
    it follows a redirect of a WebSocket connect by itself (there is no switch for it).
    Refused before a connection is taken; reported as a failure that may have reached
    the server (the first request was written)."""

    def __init__(self) -> None:
        super().__init__("a redirect would send the request again under the same slot")


class SlotLapsed(Exception):
    """The request's rate-limit slot lapsed before a connection was ready: it is not
    written (raised by the connector, reported as a :class:`TransportError` that says the
    request was never sent)."""


def session(*, force_close: bool = False, **options: Any) -> aiohttp.ClientSession:
    """An aiohttp session over a :class:`Connector` (``options`` as for
    ``aiohttp.ClientSession``), for REST requests and WebSocket connects alike.

    aiohttp silently sends a request again when its connection turns out closed (a
    kept-alive one, or one the server dropped after reading the request): under the same
    rate-limit slot, bypassing the scheduler. That is turned off here; the pipeline's
    retry loop, or the WebSocket hub, sends it again with a new slot. (No public switch
    exists; aiohttp's test client sets the same attribute.)
    """
    made = aiohttp.ClientSession(connector=Connector(force_close=force_close), **options)
    made._retry_connection = False
    return made


@contextlib.contextmanager
def sending(on_sent: OnSent) -> Iterator[Request]:
    """Around a WebSocket connect on a :func:`session`: ``on_sent(True)``
    (a new connection) is called once it is open, before the upgrade request is written;
    ``False`` from it stops the request there (:class:`SlotLapsed` is raised). Yields the
    request, whose ``connected`` tells whether the upgrade may have been written."""
    request = Request("GET", "", "", on_sent=on_sent)
    token = SENDING.set(request)
    try:
        yield request
    finally:
        SENDING.reset(token)


#: Bytes read from a socket at once: below glibc's mmap threshold (128 KiB), see
#: :func:`_small_reads`.
READ_SIZE = 64 * 1024


def _small_reads(transport: asyncio.BaseTransport | None) -> None:
    """Read this connection's socket ``READ_SIZE`` bytes at a time.

    asyncio's selector transport reads into a new 256 KiB buffer and shrinks it to the
    bytes received. glibc serves such a block with ``mmap`` (unless the process has
    already raised its threshold), so every response mapped, faulted in and unmapped
    fresh pages: about 8 page faults, a tenth of the CPU of a call here. A block below
    the threshold comes from the heap instead. This sets one attribute of this
    connection's transport only: nothing process-wide changes. (uvloop's transports
    have no such attribute and need none: they read into one reused buffer.)
    """
    if transport is not None and getattr(transport, "max_size", 0) > READ_SIZE:
        transport.max_size = READ_SIZE  # type: ignore[attr-defined]
