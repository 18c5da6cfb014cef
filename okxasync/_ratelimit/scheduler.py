"""Client-side rate limiting: every call holds all of its windows at once, in priority
then FIFO order, through a :class:`Limiter` that keeps the windows.

The guarantee, for every bucket (and every key of a keyed bucket) with ``Rate(count,
period)``: in any interval of ``period`` seconds the server sees at most ``count`` units
of this account's requests, provided every client of the account shares one
:class:`Limiter` (one process: the default :class:`LocalLimiter`; several processes or
hosts: ``RedisLimiter``). An empty window admits ``count`` units at once; in steady
state the rate approaches ``count/period``.

How a unit is released. Each admitted call holds ``cost`` units of each of its windows;
they free

* ``period`` seconds after its response arrived (always safe: the server saw the request
  before the client saw the answer, and the next request reaches the server after the
  client sent it), or
* ``period + margin`` seconds after the request was written to a kept-alive connection
  (or after admission, if it never was), whichever comes first. This second rule covers
  requests still in flight (or lost); it is safe as long as the one-way delay of two
  requests ``count`` apart differs by less than ``margin``. A request on a new
  connection (the first of a burst, a fresh connection for a withdrawal) has no such
  bound (the server may still be accepting it): its units wait for the answer, or for
  ``period + margin`` after the attempt failed.

A slot is spent once admitted: a request that then fails to send still counts (the server
may have seen it), unless it provably never left (no connection could be opened, or it
was stopped as below): then its units go back at once. A call cancelled before it was
admitted takes nothing. A request is written only while its slot holds its units: one
whose connection took longer to open than its units last unsent takes them again when it
is written, or, if its windows are full by then, is not written at all and goes again
with a new slot (``RedisLimiter`` asks Redis this, and the request waits for the answer,
from half a period after admission).

Order. Waiting calls are considered in :class:`Priority` order, FIFO within a priority.
A call takes its slot as soon as **every** window it needs has room; it never holds one
window while waiting for another, so a call waiting for a busy key (``transfer[BTC]``)
does not keep later calls out of the shared bucket (``funding``) meanwhile. A window
that an earlier call is waiting for is closed to later calls, so a call is never
overtaken in a window it is waiting on (nor starved by cheaper calls behind it).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import deque
from collections.abc import Awaitable, Mapping, Sequence
from types import TracebackType

from .._errors import (
    APIError,
    ClientClosedError,
    LimiterUnavailableError,
    RateLimitError,
    ResponseError,
    TransportError,
)
from .local import Full, Limiter, LocalLimiter, Need, Slot
from .local import _Lane as _LocalLane
from .rules import Claim, Priority, Rate
from .stats import KEY_STATS, BucketStats, RateLimitStats, _Counter, with_peak

__all__ = ["KEY_STATS", "RateLimitStats", "Scheduler"]

logger = logging.getLogger("okxasync.ratelimit")

_NEEDS_CACHED = 256

#: A lane: the local limiter's (``None`` for needs of several windows) and the counters
#: of the claims' buckets.
_Lane = tuple["_LocalLane | None", tuple[_Counter, ...]]

#: What the scheduler knows of a claims object: (claims, needs, its lane or None).
_Known = tuple[Sequence[Claim], tuple[Need, ...], "_Lane | None"]


class _Waiter:
    __slots__ = ("cost", "future", "needs")

    def __init__(self, needs: tuple[Need, ...], cost: int, future: asyncio.Future[Slot]) -> None:
        self.needs = needs
        self.cost = cost
        self.future = future


def _window_id(need: Need) -> tuple[str, tuple[str, ...]]:
    return need[0].bucket.name, need[0].key


class Scheduler:
    """Admits calls through a :class:`Limiter`: each holds all of its windows at once.

    Use ``async with scheduler.slot(claims, priority):`` around one send; the block's
    outcome tells the scheduler whether a response arrived and whether it was a
    rejection. ``rates`` overrides a bucket's own rate by name; ``hold`` bounds how long
    a request on a new connection keeps its units without an answer (the HTTP timeout).
    Cancelling a waiting caller takes no slot and never blocks the callers behind it.
    """

    def __init__(
        self, rates: Mapping[str, Rate], limiter: Limiter | None = None, hold: float = 10.0
    ) -> None:
        self.limiter: Limiter = limiter if limiter is not None else LocalLimiter()
        local = self.limiter if type(self.limiter) is LocalLimiter else None
        self._take_now = local.take_now if local is not None else None
        self._lane_of = local.lane if local is not None else None
        self.hold = hold
        self._rates = dict(rates)
        # id(claims) -> (claims, needs, lane); the claims are kept, so an id is never
        # reused. The lane is set once keyless claims were admitted at once.
        self._needs_of: dict[int, _Known] = {}
        self._queues: tuple[deque[_Waiter], ...] = tuple(deque() for _ in Priority)
        self._stats: dict[str, BucketStats] = {}
        self._pump: asyncio.Task[None] | None = None
        self._wake: asyncio.Future[None] | None = None
        self._dirty = False
        self._closed = False

    @property
    def rates(self) -> Mapping[str, Rate]:
        """The rate of every known bucket, by name (defaults plus overrides)."""
        return dict(self._rates)

    def rate(self, claim: Claim) -> Rate:
        """The rate in force for ``claim``'s bucket."""
        return self._rates.get(claim.bucket.name, claim.bucket.rate)

    def window(self, claims: Sequence[Claim]) -> float:
        """Seconds after which every unit ``claims`` hold now has certainly freed."""
        return max(self.rate(claim).period for claim in claims) + self.limiter.margin

    def stats(self) -> dict[str, RateLimitStats]:
        """A snapshot of every bucket's counters (keyed buckets with ``keys``), for every
        bucket with a rate and every bucket used."""
        waiting: dict[str, int] = {}
        for waiter in self._pending():
            for name in {claim.bucket.name for claim, _ in waiter.needs}:
                waiting[name] = waiting.get(name, 0) + 1
        report = {name: RateLimitStats(waiting=waiting.get(name, 0)) for name in self._rates}
        for name, stats in self._stats.items():
            keys = {key: counter.snapshot() for key, counter in stats.keys.items()}
            total = stats.total.snapshot(waiting.get(name, 0), keys)
            peaks = [counter.peak for counter in stats.keys.values()]
            report[name] = total if not peaks else with_peak(total, max(peaks))
        return report

    def slot(
        self, claims: Sequence[Claim], priority: Priority = Priority.DIRECT, cost: int = 1
    ) -> _SlotBlock:
        """Hold ``cost`` units of every window of ``claims`` for the block: one request
        sent inside it (``async with scheduler.slot(claims) as slot:``). Raises
        ``LimiterUnavailableError`` (nothing admitted) if the limiter cannot be asked."""
        return _SlotBlock(self, claims, priority, cost)

    def finish(self, slot: Slot, error: BaseException | None) -> None:
        """The attempt holding ``slot`` ended, with ``error`` (``None``: an answer was
        decoded). An answer (even an error, a rejection counted as such) frees the units
        ``period`` after now; no answer (failed, cancelled: the server may have the
        request) after ``period + margin``; a request that provably never left
        (``TransportError`` with ``maybe_sent`` false) gives them back now."""
        if error is None:
            self._settle(slot, answered=True)
        elif isinstance(error, RateLimitError):
            self._rejected(slot)
            self._settle(slot, answered=True)
        elif isinstance(error, (APIError, ResponseError)):
            self._settle(slot, answered=True)
        elif isinstance(error, (TransportError, ClientClosedError)) and not error.maybe_sent:
            # Provably never written (no connection, a lapsed slot, the client closed
            # before it was sent): nothing to count.
            self.limiter.release(slot)
            if self._pump is not None:
                self._poke()
        else:
            self._settle(slot, answered=False)

    def sent(self, slot: Slot, fresh: bool = False) -> bool | Awaitable[bool]:
        """``slot``'s request is about to be written to a connection: its units free no
        earlier than ``period + margin`` from now, so a slow send does not eat the margin.
        On a ``fresh`` (new) connection the server's delay is unknown: the units are held
        until the attempt ends (at most ``hold`` seconds). ``False``: the slot lapsed while
        the connection was made (its units freed and its windows are full), so the request
        must not be written; the caller sends it again with a new slot. An awaitable: a
        shared store is asked that first (a request written late); await the answer."""
        ok = self.limiter.sent(slot, self.hold if fresh else 0.0)
        if ok is True or ok is False or inspect.isawaitable(ok):
            return ok  # an awaitable is awaited by the connector: only False stops it
        return True  # a limiter that answers None (or anything else but False): holds

    async def acquire(
        self, claims: Sequence[Claim], priority: Priority = Priority.DIRECT, cost: int = 1
    ) -> Slot:
        """Wait for this caller's turn and room in every window; return the slot taken."""
        slot = self.take_at_once(claims, priority, cost)
        return slot if slot is not None else await self.queue_for(claims, priority, cost)

    def take_at_once(
        self, claims: Sequence[Claim], priority: Priority = Priority.DIRECT, cost: int = 1
    ) -> Slot | None:
        """The slot, taken without waiting or a coroutine, when nobody is waiting and the
        limiter keeps its windows in this process and has room; else ``None`` (then
        :meth:`queue_for`). Pair it with :meth:`finish`, as :meth:`slot` does."""
        take_now = self._take_now
        if take_now is None or self._pump is not None or any(self._queues) or self._closed:
            return None
        known = self._needs_of.get(id(claims))
        if known is not None and known[0] is claims and known[2] is not None and cost == 1:
            # Claims admitted at once before, without a keyed bucket (a lane): the
            # limiter's lane takes the unit if it can (else take_now: pruning due, a full
            # window), then only their counters to tick.
            lane, counters = known[2]
            slot = lane.take() if lane is not None else None
            if slot is None:
                got = take_now(known[1], 1)
                if type(got) is not Slot:
                    return None
                slot = got
            now = slot.admitted
            for counter in counters:
                counter.tick(now)
            return slot
        taken = take_now(self._needs(claims, cost), cost)
        if not isinstance(taken, Slot):
            return None
        self._admitted(taken, 0.0, priority)
        if cost == 1 and not any(claim.bucket.key for claim in claims):
            self._add_lane(claims)
        return taken

    def _add_lane(self, claims: Sequence[Claim]) -> None:
        """Give cached ``claims`` (the same object on every call of an endpoint without a
        keyed bucket) their counters, for :meth:`take_at_once`."""
        known = self._needs_of.get(id(claims))
        if known is not None and known[0] is claims and self._lane_of is not None:
            counters = tuple(self._stats[claim.bucket.name].total for claim in claims)
            self._needs_of[id(claims)] = (claims, known[1], (self._lane_of(known[1]), counters))

    async def queue_for(
        self, claims: Sequence[Claim], priority: Priority = Priority.DIRECT, cost: int = 1
    ) -> Slot:
        """:meth:`acquire` once :meth:`take_at_once` found no slot: a shared store is asked
        directly when nobody waits (most calls under the limit); else the caller queues.
        Raises :class:`ClientClosedError` once :meth:`close` was called."""
        if self._closed:
            raise ClientClosedError()
        needs = self._needs(claims, cost)
        if self._take_now is None and self._pump is None and not any(self._queues):
            got = await self.limiter.take(needs, cost)
            if isinstance(got, Slot):
                self._admitted(got, 0.0, priority)
                return got
        started = time.monotonic()
        slot = await self._queued(needs, cost, priority)
        self._admitted(slot, time.monotonic() - started, priority)
        return slot

    def close(self) -> None:
        """Admit nothing more: every queued caller, and every later one, gets
        :class:`ClientClosedError` (it took no slot). Slots already admitted end as usual."""
        self._closed = True
        self._fail_all(ClientClosedError())
        self._poke()  # the pump, asleep until a window frees, sees nobody waits and ends

    # -- waiting ---------------------------------------------------------------------

    def _needs(self, claims: Sequence[Claim], cost: int) -> tuple[Need, ...]:
        if cost == 1:
            # An endpoint without a keyed bucket passes the same claims object every time.
            cached = self._needs_of.get(id(claims))
            if cached is not None and cached[0] is claims:
                return cached[1]
        if not claims:
            raise ValueError("a call must claim at least one bucket")
        rates = self._rates
        needs = tuple([(c, rates.get(c.bucket.name) or c.bucket.rate) for c in claims])
        if cost == 1 and isinstance(claims, tuple):
            if len(self._needs_of) >= _NEEDS_CACHED:
                self._needs_of.clear()  # keyed claims are new objects: keep this bounded
            self._needs_of[id(claims)] = (claims, needs, None)
        if cost != 1:  # every rate admits one unit
            if isinstance(cost, bool) or not isinstance(cost, int) or cost < 1:
                raise ValueError(f"cost must be an int >= 1, got {cost!r}")
            for claim, rate in needs:
                if cost > rate.count:
                    raise ValueError(
                        f"cost {cost} exceeds {claim.label}'s {rate}: it could never go"
                    )
        return needs

    async def _queued(self, needs: tuple[Need, ...], cost: int, priority: Priority) -> Slot:
        waiter = _Waiter(needs, cost, asyncio.get_running_loop().create_future())
        self._queues[priority].append(waiter)
        self._start_pump()
        try:
            # A plain future: a cancel is never lost (unlike ``asyncio.wait_for`` before
            # Python 3.12, which could swallow one arriving with the wake-up).
            return await waiter.future
        except asyncio.CancelledError:
            future = waiter.future
            if future.done() and not future.cancelled():
                if future.exception() is None:  # admitted in the same turn as the cancel
                    self.limiter.release(future.result())
            else:
                future.cancel()
            self._poke()  # windows this caller kept closed may open for others
            raise

    def _start_pump(self) -> None:
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._run())
        self._poke()

    def _poke(self) -> None:
        self._dirty = True
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _run(self) -> None:
        """Admit waiters until none is left; sleep until a window may have room or
        something changes (a new waiter, a settled slot, a cancel)."""
        try:
            while True:
                self._dirty = False
                delay = await self._pass()
                if delay is None:
                    return
                if not self._dirty:
                    await self._sleep(delay)
        except Exception as exc:  # a bug: every waiter gets it, nothing is left unobserved
            self._fail_all(exc)
        except BaseException as exc:
            self._fail_all(exc)
            raise
        finally:
            self._pump = None

    async def _pass(self) -> float | None:
        """One look at every waiter, in order; ``None`` when nobody waits any more,
        else the seconds until a window a waiter needs may have room."""
        closed: dict[tuple[str, tuple[str, ...]], float] = {}
        for waiter in list(self._pending()):
            if waiter.future.done() or any(_window_id(n) in closed for n in waiter.needs):
                continue
            try:
                got = await self.limiter.take(waiter.needs, waiter.cost)
            except LimiterUnavailableError as exc:
                self._fail_all(exc)
                break
            if isinstance(got, Slot):
                self._hand_over(waiter, got)
            else:
                self._close(closed, waiter, got)
        for queue in self._queues:
            _drop_done(queue)
        if not any(self._queues):
            return None
        return min(closed.values(), default=0.0)

    def _hand_over(self, waiter: _Waiter, slot: Slot) -> None:
        if waiter.future.done():  # cancelled while the limiter was being asked
            self.limiter.release(slot)
            self._dirty = True
        else:
            waiter.future.set_result(slot)

    def _close(
        self, closed: dict[tuple[str, tuple[str, ...]], float], waiter: _Waiter, full: Full
    ) -> None:
        for need, wait in zip(waiter.needs, full.waits, strict=True):
            if wait is not None:
                closed[_window_id(need)] = max(wait, 0.0)
                logger.debug(
                    "%s: window full, next slot in %.3f s (%d queued)",
                    need[0].label,
                    wait,
                    sum(len(queue) for queue in self._queues),
                )

    async def _sleep(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        self._wake = wake = loop.create_future()
        timer = loop.call_later(delay, _resolve, wake)
        try:
            await wake
        finally:
            timer.cancel()
            self._wake = None

    def _pending(self) -> list[_Waiter]:
        return [w for queue in self._queues for w in queue if not w.future.done()]

    def _fail_all(self, exc: BaseException) -> None:
        for queue in self._queues:
            for waiter in queue:
                if waiter.future.done():
                    continue
                if isinstance(exc, (LimiterUnavailableError, ClientClosedError)):
                    error = type(exc)(str(exc))  # one error object per caller
                    error.__cause__ = exc.__cause__
                    waiter.future.set_exception(error)
                elif isinstance(exc, Exception):  # a bug: let every caller see it
                    waiter.future.set_exception(exc)
                else:  # the loop is shutting down
                    waiter.future.cancel()
            queue.clear()

    # -- after admission -----------------------------------------------------------------

    def _settle(self, slot: Slot, answered: bool) -> None:
        """The attempt ended: the limiter may free the slot early (a shared store does so
        in the background; a failure there is logged and counted, never raised)."""
        self.limiter.settle(slot, answered)
        if self._pump is not None:  # else nobody waits: a new waiter starts the pump
            self._poke()

    def _admitted(self, slot: Slot, waited: float, priority: Priority) -> None:
        if self._take_now is None:  # a shared store updates the slot in the background
            slot.changed = self._poke
        now = slot.admitted
        all_stats = self._stats
        for claim, rate in slot.needs:
            stats = all_stats.get(claim.bucket.name)
            if stats is None:
                stats = all_stats[claim.bucket.name] = BucketStats()
            if claim.bucket.key:
                # A keyed bucket's peak is its busiest key's: the total skips the window.
                stats.total.admitted(now, 0.0, slot.cost, waited)
                stats.key(claim).admitted(now, rate.period, slot.cost, waited)  # type: ignore[union-attr]
            else:
                stats.total.admitted(now, rate.period, slot.cost, waited)
        if waited >= 0.001:
            labels = ", ".join(claim.label for claim, _ in slot.needs)
            logger.debug("%s: slot taken after waiting %.3f s (%s)", labels, waited, priority.name)

    def _rejected(self, slot: Slot) -> None:
        for claim, _ in slot.needs:
            stats = self._stats.setdefault(claim.bucket.name, BucketStats())
            stats.total.rejected += 1
            per_key = stats.key(claim)
            if per_key is not None:
                per_key.rejected += 1
        logger.warning(
            "%s: the server answered rate-limited (50011/58102/429) although the client kept "
            "to %s; is another client using this account without a shared limiter?",
            ", ".join(claim.label for claim, _ in slot.needs),
            ", ".join(str(rate) for _, rate in slot.needs),
        )


class _SlotBlock:
    """``async with scheduler.slot(...)``: takes the slot on entry; on exit tells the
    scheduler how the attempt ended (a plain class, not ``asynccontextmanager``: this is
    on every request's path, and an async generator costs several times more)."""

    __slots__ = ("_claims", "_cost", "_priority", "_scheduler", "_slot")

    def __init__(
        self, scheduler: Scheduler, claims: Sequence[Claim], priority: Priority, cost: int
    ) -> None:
        self._scheduler = scheduler
        self._claims = claims
        self._priority = priority
        self._cost = cost
        self._slot: Slot | None = None

    async def __aenter__(self) -> Slot:
        self._slot = slot = await self._scheduler.acquire(self._claims, self._priority, self._cost)
        return slot

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        slot, self._slot = self._slot, None
        if slot is not None:
            self._scheduler.finish(slot, exc)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _drop_done(queue: deque[_Waiter]) -> None:
    if any(waiter.future.done() for waiter in queue):
        live = [waiter for waiter in queue if not waiter.future.done()]
        queue.clear()
        queue.extend(live)
