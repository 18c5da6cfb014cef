"""The client's one business WebSocket, shared by every stream, kept alive.

:class:`Hub` counts subscriptions per :class:`Channel`: the first listener of a channel
subscribes it, the last one to leave unsubscribes it, and with no listener left the
connection is closed. A supervisor task connects, logs in (a fresh Unix-seconds timestamp
from the client's server clock, every time), subscribes, then reads until the connection
ends; then it reconnects: at once after a connection that lived a while, else (and after
every failed attempt) after a full-jitter exponential backoff. New connections pass the client's
rate scheduler (group ``ws-connect``: 3 per second, the per-IP limit).

After every (re)connection, once subscribed, each listener's ``on_live`` is called: that
is where streams fill the gap over REST. On a ``notice`` (64008) a replacement connection
is opened, logged in and subscribed before the old one is closed.

Failures: a login refused for its credentials (``CREDENTIAL_CODES``, or close code 4001),
or a refused channel is permanent: listeners get ``on_failure`` and the hub stops
reconnecting (for that channel, or at all for a refused login: only then is the failure
kept, and later listeners get it at once). A stale login timestamp (60006) syncs the clock
once. Everything else, other login errors included (63999 and 64007 internal errors,
60014 and 60023 too frequent), is transient: logged at WARNING with the attempt count,
then retried after a backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import anyio
import anyio.abc

from .._errors import OkxError, TransportError, printable
from .._http.connector import session as connector_session
from .._http.signing import Credentials
from .._ratelimit import Scheduler
from .._ratelimit.rules import WS_CONNECT
from .._tasks import cancel_and_wait
from .connection import Connection, LoginRefused
from .protocol import Channel, Frame, channel_error, close_error
from .timing import WatchTiming, backoff_delay

__all__ = ["Hub", "HubStats", "Listener"]

logger = logging.getLogger("okxasync.ws")


class Listener(Protocol):
    """What a stream hears from the hub (all called in the hub's task; must not block)."""

    def on_live(self) -> None: ...

    def on_push(self, frame: Frame) -> None: ...

    def on_failure(self, error: OkxError) -> None: ...


@dataclass
class HubStats:
    connects: int = 0
    reconnects: int = 0
    failures: int = 0


@dataclass(frozen=True)
class HubContext:
    """What the hub takes from its client."""

    url: str
    credentials: Credentials
    scheduler: Scheduler
    now_ms: Callable[[], int]
    sync_clock: Callable[[], Awaitable[object]]
    timing: WatchTiming


class Hub:
    """The shared connection (see the module docstring)."""

    def __init__(self, context: HubContext) -> None:
        self.context = context
        self.stats = HubStats()
        self._listeners: dict[Channel, list[Listener]] = {}
        self._live: set[Channel] = set()
        self._conns: set[Connection] = set()  # every connection opened and not yet closed
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)
        self._rng = random.Random()
        self._failure: OkxError | None = None
        self._changed = asyncio.Event()
        self._requests: dict[str, list[Channel]] = {}  # subscribe requests sent while reading

    def add(self, channel: Channel, listener: Listener) -> None:
        """Start hearing ``channel``; connects or subscribes as needed."""
        if self._failure is not None:
            listener.on_failure(self._failure)
            return
        self._listeners.setdefault(channel, []).append(listener)
        self._changed.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._supervise())

    def remove(self, channel: Channel, listener: Listener) -> None:
        """Stop hearing ``channel``; unsubscribes with its last listener."""
        listeners = self._listeners.get(channel, [])
        if listener in listeners:
            listeners.remove(listener)
        if not listeners:
            self._listeners.pop(channel, None)
        self._changed.set()

    async def aclose(self) -> None:
        """Stop the supervisor and close the connection; safe to call more than once."""
        self._listeners.clear()
        task, self._task = self._task, None
        try:
            await cancel_and_wait([task] if task is not None else [])
        finally:  # also when the caller is cancelled: no session is left open
            session, self._session = self._session, None
            if session is not None:
                with anyio.CancelScope(shield=True):
                    await session.close()

    async def _supervise(self) -> None:
        attempt = 0
        try:
            while True:
                if not self._listeners:
                    await self._changed.wait()
                    self._changed.clear()
                    continue
                try:
                    conn = await self._establish()
                except OkxError as error:
                    attempt += 1
                    self.stats.failures += 1
                    logger.warning("WebSocket connection attempt %d failed: %s", attempt, error)
                    await anyio.sleep(self._backoff(attempt))
                    continue
                except _Permanent:
                    continue
                opened = time.monotonic()
                await self._serve(conn)
                # A connection that ends before one heartbeat period counts as a failed
                # attempt: a server closing every connection at once is not hammered.
                if time.monotonic() - opened < self.context.timing.ping_after:
                    attempt += 1
                    await anyio.sleep(self._backoff(attempt))
                else:
                    attempt = 0
        finally:
            self._live.clear()
            with anyio.CancelScope(shield=True):
                await self._close_all()

    async def _close_all(self) -> None:
        """Close every connection still open (the current one, a replacement being set
        up)."""
        while self._conns:
            await self._conns.pop().close()

    async def _retire(self, conn: Connection) -> None:
        self._conns.discard(conn)
        await conn.close()

    def _backoff(self, attempt: int) -> float:
        timing = self.context.timing
        return backoff_delay(attempt, timing.backoff_base, timing.backoff_cap, self._rng)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            # The REST connector: the slot is told as the upgrade is written, and a
            # connect the server cut is not sent again under the same slot.
            self._session = connector_session()
        return self._session

    async def _establish(self) -> Connection:
        """A new connection, logged in and subscribed to every channel heard now.

        Raises ``OkxError`` (transient) or ``_Permanent`` (listeners were told)."""
        context = self.context
        scheduler = context.scheduler
        async with scheduler.slot((WS_CONNECT.claim(),)) as slot:
            # Told when the upgrade is written (as a REST request's slot is), so a
            # connect stalled past its slot is not written late.
            on_sent = functools.partial(scheduler.sent, slot)
            conn = await Connection.open(self._http(), context.url, context.timing, on_sent)
        self._conns.add(conn)
        try:
            await self._login(conn)
            await self._subscribe(conn, sorted(self._listeners))
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._retire(conn)
            raise
        self.stats.connects += 1
        if self.stats.connects > 1:
            self.stats.reconnects += 1
        return conn

    async def _login(self, conn: Connection) -> None:
        try:
            await conn.login(self.context.credentials, self.context.now_ms)
        except LoginRefused as refused:
            if refused.permanent:
                self._fail_all(refused.error)
                raise _Permanent from None
            if not refused.stale_timestamp:
                raise refused.error from None  # transient: retried after a backoff
            logger.warning("WebSocket login timestamp refused: syncing the clock")
            await self.context.sync_clock()
            raise TransportError("login timestamp refused; clock synced") from None

    async def _subscribe(self, conn: Connection, channels: list[Channel]) -> None:
        """Subscribe each channel (one request each: an error names no channel), then
        tell its listeners it is live. A refused channel fails its listeners only."""
        for channel in channels:
            for frame in await conn.subscribe([channel], str(next(self._ids))):
                error = channel_error(frame)
                if error is None:
                    raise TransportError(f"subscribe answered {_shown(frame)}")
                self._fail_channel(channel, error)
        for channel in channels:
            if channel in self._listeners:
                self._live.add(channel)
                for listener in list(self._listeners[channel]):
                    listener.on_live()

    async def _serve(self, conn: Connection) -> None:
        """Read ``conn`` (and its replacements after notices) until it ends."""
        while True:
            replacement: list[Connection] = []
            follow = anyio.CancelScope()
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._follow_subscriptions, conn, follow)
                await self._read(conn, _Replacer(tasks, self._replace, conn, replacement))
                follow.cancel()  # a replacement being opened runs to its end
            await self._retire(conn)  # closed by the server, dead, or replaced
            self._requests.clear()  # asked on the old connection: void
            if not replacement:
                self._live.clear()
            error = close_error(conn.close_code)
            if error is not None:
                self._fail_all(error)
                await self._close_all()
                return
            if not replacement:
                if self._listeners:
                    logger.warning("WebSocket connection lost (close code %s)", conn.close_code)
                return
            conn = replacement[0]

    async def _read(self, conn: Connection, on_notice: Callable[[], None]) -> None:
        noticed = False
        while (frame := await conn.receive()) is not None:
            if frame.is_push:
                self._dispatch(frame)
            elif frame.event == "notice" and frame.code == "64008" and not noticed:
                noticed = True
                logger.info("WebSocket notice 64008: opening a replacement connection")
                on_notice()
            elif frame.event == "subscribe":
                self._acknowledged(frame.channel())
            elif frame.event == "error":
                self._refused(frame)
            else:
                logger.debug("WebSocket event %s ignored", printable(frame.event or "", 40))

    async def _replace(self, old: Connection, replacement: list[Connection]) -> None:
        try:
            new = await self._establish()
        except (OkxError, _Permanent) as error:
            logger.warning("WebSocket replacement failed (%s); reconnecting later", error)
            return
        replacement.append(new)
        await self._retire(old)

    async def _follow_subscriptions(self, conn: Connection, scope: anyio.CancelScope) -> None:
        """Subscribe channels added while connected; unsubscribe the ones left; close
        the connection when no channel is wanted. (The reader handles the acks.)"""
        with scope, contextlib.suppress(OkxError):
            while True:
                await self._changed.wait()
                self._changed.clear()
                wanted = set(self._listeners)
                requested = {c for channels in self._requests.values() for c in channels}
                gone = sorted((self._live | requested) - wanted)
                if gone:
                    self._live -= set(gone)
                    await conn.unsubscribe(gone, str(next(self._ids)))
                if not wanted:
                    await conn.close()
                    return
                new = sorted(wanted - self._live - requested)
                if new:
                    request_id = str(next(self._ids))
                    self._requests[request_id] = new
                    await conn.send_subscribe(new, request_id)

    def _acknowledged(self, channel: Channel | None) -> None:
        for request_id, channels in list(self._requests.items()):
            if channel in channels:
                channels.remove(channel)
                if not channels:
                    del self._requests[request_id]
                if channel in self._listeners:
                    self._live.add(channel)
                    for listener in list(self._listeners[channel]):
                        listener.on_live()
                return

    def _refused(self, frame: Frame) -> None:
        channels = self._requests.pop(frame.id or "", [])
        error = channel_error(frame)
        logger.warning("WebSocket error event %s", _shown(frame))
        for channel in channels:
            if error is not None:
                self._fail_channel(channel, error)
            else:
                self._changed.set()  # ask again

    def _dispatch(self, frame: Frame) -> None:
        channel = frame.channel()
        for listener in list(self._listeners.get(channel, [])) if channel else []:
            listener.on_push(frame)

    def _fail_channel(self, channel: Channel, error: OkxError) -> None:
        for listener in self._listeners.pop(channel, []):
            listener.on_failure(error)

    def _fail_all(self, error: OkxError) -> None:
        """Fail every listener, and every later one, with ``error``: only for refused
        credentials, which this client cannot recover from."""
        self._failure = error
        for channel in list(self._listeners):
            self._fail_channel(channel, error)


def _shown(frame: Frame) -> str:
    """An ``error`` event's code and message for a log line or an error: escaped."""
    return f"{printable(frame.code, 20)}: {printable(frame.msg)}"


@dataclass(frozen=True)
class _Replacer:
    """Starts opening a replacement for ``old`` (on a notice), into ``into``."""

    tasks: anyio.abc.TaskGroup
    replace: Callable[[Connection, list[Connection]], Coroutine[object, object, None]]
    old: Connection
    into: list[Connection]

    def __call__(self) -> None:
        self.tasks.start_soon(self.replace, self.old, self.into)


class _Permanent(Exception):
    """The connection cannot succeed; listeners were told."""
