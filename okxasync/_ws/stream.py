"""``EventStream``: deposits or withdrawals as their states change, none missed, none twice.

Pushes from the shared connection (:mod:`.hub`) are yielded as they arrive. Gaps are
filled over REST (:mod:`.fill`) after every (re)connection and every ``reconcile_every``
seconds (with ``transport="poll"``: every ``WatchTiming.poll_every`` seconds, REST only):
records created since the previous fill (less ``WatchTiming.overlap``) and every record
last seen unsettled, by id. The duplicate filter (:mod:`.dedupe`) decides what is yielded.

Opening: without ``since`` the unsettled records and the last ``overlap`` of history are
read as the baseline (not yielded; a change after that is, and so is a record created
since the stream opened). With ``since``, the records from then on are yielded first,
oldest first, in their current state. Pushes that arrive meanwhile wait behind that read;
one that shows a change made while it ran is yielded (a state the read already showed,
pushed after the stream opened) or read again by id (another state: which of the two is
newer cannot be told). The stream opens when its first opening read starts: a read that
has to be retried still yields what changed since then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Literal

import anyio

from .._errors import AuthenticationError, OkxError, ResponseError
from .._tasks import cancel_and_wait
from .dedupe import Tracker
from .fill import Filler
from .hub import Hub
from .kinds import Kind, R
from .protocol import Channel, Frame
from .timing import WatchTiming

if TYPE_CHECKING:
    from .events import Events

__all__ = ["MAX_BUFFER", "EventStream", "StreamStats", "Transport"]

logger = logging.getLogger("okxasync.ws")

Transport = Literal["websocket", "poll"]
#: Records waiting for the consumer; past this, pushes are dropped and read back later.
MAX_BUFFER = 10_000


@dataclass(frozen=True)
class StreamStats:
    """A snapshot of one stream's counters (`stream.stats`).

    Attributes:
        transport: `"websocket"` or `"poll"`.
        connects: Connections the client's shared WebSocket made (all streams).
        reconnects: Of those, the ones after the first.
        pushed: Records yielded from pushes.
        filled: Records yielded from the REST gap fills.
        duplicates: Records dropped as already yielded.
        fills: Gap fills completed (the opening read included).
        last_event: When the last record was yielded (aware UTC), or `None`.
    """

    transport: Transport
    connects: int
    reconnects: int
    pushed: int
    filled: int
    duplicates: int
    fills: int
    last_event: datetime | None


class EventStream(Generic[R]):
    """An async iterator of records whose state changed (see the module docstring).

    Made by `client.funding.watch_deposits()` / `watch_withdrawals()`. Use it as
    `async with stream:` (or call `aclose()`) so its tasks end with it. A permanent
    failure (refused credentials, a refused channel) is raised by the iteration;
    transient ones never end it.

    Args:
        events: The client's real-time side (connection, clock, open streams).
        kind: Deposits or withdrawals.
        ccys: The currencies to follow; `None` for all.
        since_ms: First yield the records created from then on (Unix ms), or `None`.
        transport: `"websocket"` or `"poll"`.
        reconcile_every: Seconds between gap fills while connected.
        timing: The intervals ([`WatchTiming`][okxasync.WatchTiming]).
        hub: The shared connection (`None` when polling).
    """

    def __init__(
        self,
        events: Events,
        kind: Kind[R],
        *,
        ccys: list[str] | None,
        since_ms: int | None,
        transport: Transport,
        reconcile_every: float,
        timing: WatchTiming,
        hub: Hub | None,
    ) -> None:
        self._events = events
        self._kind: Kind[R] = kind
        self._since_ms = since_ms
        self.transport: Transport = transport
        self._period = timing.poll_every if hub is None else reconcile_every
        self._timing = timing
        self._hub = hub
        self._channels = (
            [Channel(kind.channel, c) for c in ccys] if ccys else [Channel(kind.channel)]
        )
        self._filler: Filler[R] = Filler(events.pipeline, kind, ccys)
        self._tracker = Tracker(kind.final, timing.recent)
        self._ready: deque[R] = deque()
        self._held: list[tuple[R, int]] | None = []  # pushes waiting for the opening read
        self._wake = asyncio.Event()
        self._fill_wanted = asyncio.Event()
        self._room = asyncio.Event()
        self._error: OkxError | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._watermark_ms = 0
        self._opened_ms: int | None = None  # when the first opening read started
        self._counts = {"pushed": 0, "filled": 0, "fills": 0}
        self._last_event: float | None = None

    # ------------------------------------------------------------------ public

    @property
    def stats(self) -> StreamStats:
        """The stream's counters now ([`StreamStats`][okxasync.StreamStats])."""
        hub = self._hub.stats if self._hub is not None else None
        last = self._last_event
        return StreamStats(
            transport=self.transport,
            connects=hub.connects if hub else 0,
            reconnects=hub.reconnects if hub else 0,
            pushed=self._counts["pushed"],
            filled=self._counts["filled"],
            duplicates=self._tracker.duplicates,
            fills=self._counts["fills"],
            last_event=None if last is None else datetime.fromtimestamp(last, timezone.utc),
        )

    def __aiter__(self) -> EventStream[R]:
        return self

    async def __anext__(self) -> R:
        self._start()
        while True:
            if self._ready:
                self._room.set()
                return self._ready.popleft()
            if self._error is not None:
                raise self._error
            if self._closed:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()

    async def __aenter__(self) -> EventStream[R]:
        self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop: unsubscribe (with the last stream of its channel) and end the tasks.
        Iteration then ends; safe to call more than once."""
        self._closed = True
        self._wake.set()
        if self._hub is not None:
            for channel in self._channels:
                self._hub.remove(channel, self)
        task, self._task = self._task, None
        try:
            await cancel_and_wait([task] if task is not None else [])
        finally:  # also when the caller is cancelled: this stream is closed all the same
            self._events.forget(self)

    # -------------------------------------------------------- hub listener

    def on_live(self) -> None:
        """The connection is (again) logged in and subscribed: fill the gap now."""
        self._fill_wanted.set()

    def on_push(self, frame: Frame) -> None:
        """Take a push of this stream's channel (unreadable ones are logged and read back).

        Args:
            frame: The push as it arrived.
        """
        if self._closed or not frame.is_push:
            return
        try:
            pushed = self._kind.decode_push(bytes(frame.data))
        except ResponseError as error:
            logger.warning("unreadable %s push ignored (%s); reading back", self._kind.name, error)
            self._fill_wanted.set()
            return
        now = self._events.now_ms()
        for record in pushed:
            if self._filler.wanted(record):
                self._push(record, record.p_time_ms or now)

    def on_failure(self, error: OkxError) -> None:
        """End the stream with `error`, raised to the consumer.

        Args:
            error: The permanent failure.
        """
        self._fail(error)

    # ----------------------------------------------------------- internals

    def _start(self) -> None:
        if self._task is not None or self._closed:
            return
        self._events.remember(self)  # raises when the client is closed: nothing started
        self._task = asyncio.get_running_loop().create_task(self._run())
        if self._hub is not None:
            for channel in self._channels:
                self._hub.add(channel, self)

    def _push(self, record: R, observed_ms: int) -> None:
        if self._held is not None:
            if len(self._held) < MAX_BUFFER:
                self._held.append((record, observed_ms))
            return
        if len(self._ready) >= MAX_BUFFER:
            self._fill_wanted.set()  # read back once the consumer catches up
            return
        if self._observe(record, observed_ms, pushed=True):
            self._counts["pushed"] += 1
        if self._tracker.recheck:
            self._fill_wanted.set()  # a push that may be news: read those records by id

    def _observe(
        self,
        record: R,
        observed_ms: int,
        until_ms: int | None = None,
        *,
        baseline: bool = False,
        pushed: bool = False,
    ) -> bool:
        kind = self._kind
        fresh = self._tracker.observe(
            kind.record_id(record),
            kind.state(record),
            kind.ts_ms(record),
            observed_ms,
            until_ms=until_ms,
            baseline=baseline,
            pushed=pushed,
        )
        if fresh:
            self._ready.append(record)
            self._last_event = time.time()
            self._wake.set()
        return fresh

    async def _offer(self, record: R, observed_ms: int, until_ms: int) -> None:
        """Yield a record read over REST between ``observed_ms`` and ``until_ms`` if it
        is news; waits while the buffer is full."""
        while len(self._ready) >= MAX_BUFFER:
            self._room.clear()
            await self._room.wait()
        if self._observe(record, observed_ms, until_ms):
            self._counts["filled"] += 1

    def _fail(self, error: OkxError) -> None:
        """End the stream with ``error`` (raised to the consumer); the filling stops."""
        if self._error is None:
            self._error = error
            self._wake.set()
            self._fill_wanted.set()

    async def _run(self) -> None:
        await self._retrying(self._open)
        while self._error is None:
            with anyio.move_on_after(self._period):
                await self._fill_wanted.wait()
            self._fill_wanted.clear()
            if self._error is None:
                await self._retrying(self._fill)

    async def _retrying(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run ``step`` until it succeeds; an authentication error ends the stream."""
        attempt = 0
        while self._error is None:
            try:
                await step()
                return
            except AuthenticationError as error:
                self._fail(error)
                return
            except OkxError as error:
                attempt += 1
                logger.warning("%s gap fill attempt %d failed: %s", self._kind.name, attempt, error)
                await anyio.sleep(min(self._period, self._timing.backoff_cap))

    async def _open(self) -> None:
        """The opening read: baseline, or the history from ``since``; then the pushes
        that arrived meanwhile. Everything read counts as seen from when the stream
        opened (the first attempt) to when the answers arrived."""
        if self._opened_ms is None:  # the stream opens now, by the server's clock
            self._opened_ms = await self._events.learn_clock()
        opened = self._opened_ms
        started = self._events.now_ms()
        since = self._since_ms
        unsettled = await self._filler.unsettled()
        floor = opened - int(self._timing.overlap * 1000) if since is None else since
        records = await self._filler.since(floor)
        answered = self._events.now_ms()
        for record in unsettled:  # the newer ones are among ``records``
            if self._kind.ts_ms(record) < min(floor, opened):
                self._observe(record, opened, answered, baseline=True)
        for record in sorted(records, key=self._order):
            if since is None and self._kind.ts_ms(record) < opened:
                self._observe(record, opened, answered, baseline=True)
            else:  # asked for with since=, or created since the stream opened: news
                await self._offer(record, opened, answered)
        self._watermark_ms = started
        held, self._held = self._held or [], None
        for record, observed_ms in held:
            self._push(record, observed_ms)
        self._counts["fills"] += 1

    async def _fill(self) -> None:
        started = self._events.now_ms()
        overlap = int(self._timing.overlap * 1000)
        floor = self._watermark_ms - overlap
        tracker = self._tracker
        recheck, tracker.recheck = tracker.recheck, set()
        try:
            records = await self._filler.since(floor)
            found = {self._kind.record_id(r) for r in records}
            wanted = {i for i, s in tracker.pending.items() if s.ts_ms < floor} | recheck
            records += await self._filler.current(sorted(wanted - found))
        except BaseException:
            tracker.recheck |= recheck  # read them with the next fill
            raise
        answered = self._events.now_ms()
        for record in sorted(records, key=self._order):
            await self._offer(record, started, answered)
        self._watermark_ms = started
        tracker.forget_before(started - 2 * overlap)
        self._counts["fills"] += 1

    def _order(self, record: R) -> tuple[int, str]:
        return (self._kind.ts_ms(record), self._kind.record_id(record))
