"""Where the windows of recent requests live: the :class:`Limiter` protocol, the
:class:`Slot` and :class:`Full` answers of ``take``, and the in-process
:class:`LocalLimiter`."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

import msgspec

from .rules import DEFAULT_MARGIN, Claim, Rate, check_margin

__all__ = ["Full", "Limiter", "LocalLimiter", "Need", "Slot"]

#: One window a call needs: the claim (bucket and key) and the rate in force for it.
Need = tuple[Claim, Rate]


class Slot:
    """One admitted call's place in each of its windows (`cost` units in each).

    `admitted` is when it was taken (`time.monotonic()`); `changed` (set by the scheduler)
    is called by a shared store once a background update of the slot is done.

    Args:
        needs: The windows held: each a claim (bucket and key) and the rate in force.
        cost: Units held in each window.
        token: Names the slot in a shared store (a random one when empty).
        now: When it was admitted (`time.monotonic()`; now when omitted).
    """

    __slots__ = ("_held", "admitted", "changed", "cost", "needs", "token")

    def __init__(
        self, needs: Sequence[Need], cost: int = 1, token: str = "", now: float | None = None
    ) -> None:
        self.needs = tuple(needs)
        self.cost = cost
        self.token = token or uuid.uuid4().hex
        self.admitted = time.monotonic() if now is None else now
        self.changed: Callable[[], None] | None = None
        self._held: list[tuple[_Window, _Entry]] = []

    def __repr__(self) -> str:
        labels = ", ".join(claim.label for claim, _ in self.needs)
        return f"Slot({labels}, cost={self.cost})"


class _LaneSlot(Slot):
    """A slot a :class:`_Lane` took: one unit of one window, held in ``window`` and
    ``entry`` themselves (no ``_held`` list of pairs: two objects fewer per call)."""

    __slots__ = ("entry", "window")

    def __init__(self, needs: tuple[Need, ...], now: float, window: _Window, entry: _Entry) -> None:
        self.needs = needs
        self.cost = 1
        self.token = "local"
        self.admitted = now
        self.changed = None
        self.window = window
        self.entry = entry


class Full:
    """``take`` found no room: ``waits[i]`` is the seconds until ``needs[i]`` may have
    room for the call (``None``: it has room now)."""

    __slots__ = ("waits",)

    def __init__(self, waits: Sequence[float | None]) -> None:
        self.waits = tuple(waits)

    def __repr__(self) -> str:
        return f"Full({self.waits!r})"


@runtime_checkable
class Limiter(Protocol):
    """Where each window of recent requests is kept.

    ``take`` admits a call in every window it needs at once (returns its :class:`Slot`,
    whose units free ``period + margin`` after now) or in none (returns :class:`Full`).
    Then, for the slot: ``sent`` says its request is being written to a connection (its
    units free no earlier than ``period + margin + hold`` after now), or answers ``False``
    when the slot lapsed first (then the request must not be written); ``settle`` says the
    attempt ended (they free ``period`` after now if an answer arrived, else ``period +
    margin``, unless they free earlier already); ``release`` gives it back (the request
    was never sent). Implementations must be safe against concurrent callers sharing
    them: :class:`LocalLimiter` (one event loop), ``RedisLimiter`` (any number of
    processes and hosts). Only ``take`` may raise (``LimiterUnavailableError``: nothing
    was admitted); the other three never raise nor block: a shared store does its I/O
    in the background and calls ``slot.changed()`` when done.
    """

    margin: float

    async def take(self, needs: Sequence[Need], cost: int) -> Slot | Full:
        """Admit a call in every window it needs, or in none.

        Args:
            needs: The call's windows and the rate in force for each.
            cost: Units the call takes in each window.

        Returns:
            The call's [`Slot`][okxasync.Slot] when admitted, else a `Full` saying how
            long each full window needs.

        Raises:
            LimiterUnavailableError: A shared store cannot be asked (nothing admitted).
        """

    def sent(self, slot: Slot, hold: float = 0.0) -> bool | Awaitable[bool]:
        """Say that the slot's request is being written: its units free no earlier than
        `period + margin + hold` from now. A slot whose units may already count as free
        again (they expired before the request could be written: a slow connect) and
        cannot be taken again at once has lapsed: the request must not be written.

        Args:
            slot: A slot `take` returned.
            hold: Extra seconds to keep the units (a request on a new connection).

        Returns:
            `True`, or `False` if the slot lapsed; or, when a shared store must be asked
            whether it lapsed (a request written late), an awaitable of that answer,
            which the request waits for before it is written.
        """

    def settle(self, slot: Slot, answered: bool = True) -> None:
        """Say that the slot's attempt ended: its units free `period` from now if it was
        answered, else `period + margin`, unless they free earlier already.

        Args:
            slot: A slot `take` returned.
            answered: Whether a response arrived.
        """

    def release(self, slot: Slot) -> None:
        """Give the slot back: its request was never sent.

        Args:
            slot: A slot `take` returned.
        """

    async def aclose(self) -> None:
        """Release connections; the limiter stays usable (it reconnects)."""


class _Entry(msgspec.Struct, gc=False):
    """One admission in one window; it counts ``cost`` times (appended that often). A
    Struct: created in C on every admission, and never part of a cycle."""

    expires: float
    period: float


class _Window:
    """The admissions of one bucket and key. ``until`` bounds every expiry from above."""

    __slots__ = ("entries", "prune_at", "until")

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.prune_at = 64
        self.until = 0.0

    def room_wait(self, rate: Rate, cost: int, now: float) -> float | None:
        """``None`` if ``cost`` more units fit now, else the seconds until they do."""
        # Expired entries are dropped only when the window looks full or has grown a lot:
        # keeping a few is conservative (they count as live) and keeps a take O(1).
        held = len(self.entries)
        if held + cost > rate.count or held >= self.prune_at:
            self.entries = [e for e in self.entries if e.expires > now]
            held = len(self.entries)
            self.prune_at = max(2 * held, 64)
        excess = held + cost - rate.count
        if excess <= 0:
            return None
        # The excess-th unit to expire is the one that makes room.
        return sorted(e.expires for e in self.entries)[excess - 1] - now


class _Lane:
    """Single units of one window of a bucket without keys, for the same needs every time
    (an endpoint's): the window is found once, not on every call.

    :meth:`take` admits only when the window has room without pruning; else the caller
    asks :meth:`LocalLimiter.take_now`, which prunes or says how long to wait. A window the
    limiter forgets is marked (``prune_at`` 0), so a lane never fills a dropped window: it
    looks up the bucket's current one instead (a keyless window is forgotten only when its
    bucket's name also has keyed windows: a hand-made bucket).
    """

    __slots__ = ("limiter", "needs", "rate", "window")

    def __init__(
        self, limiter: LocalLimiter, needs: tuple[Need, ...], window: _Window, rate: Rate
    ) -> None:
        self.limiter = limiter
        self.needs = needs
        self.window = window
        self.rate = rate

    def take(self) -> Slot | None:
        """One unit's slot, or ``None``: the window looks full or is due for pruning."""
        window, rate = self.window, self.rate
        if not window.prune_at:  # forgotten by the limiter
            window = self.window = self.limiter._window(self.needs[0][0], time.monotonic())[1]
        entries = window.entries
        held = len(entries)
        if held >= rate.count or held >= window.prune_at:
            return None
        now = time.monotonic()
        entry = _Entry(now + rate.period + self.limiter.margin, rate.period)
        entries.append(entry)
        if entry.expires > window.until:
            window.until = entry.expires
        return _LaneSlot(self.needs, now, window, entry)


class LocalLimiter:
    """The in-process window store (the default). Share one instance between several
    ``Client`` objects of one account in one event loop to give them one budget.

    A keyed window is created on first use and forgotten once every unit in it has
    expired, so memory follows the windows in use, not the keys ever seen.

    Args:
        margin: The safety margin in seconds (default 0.05): see the rate-limit guide.

    Raises:
        ValidationError: `margin` is negative or not a number.
    """

    def __init__(self, margin: float = DEFAULT_MARGIN) -> None:
        self.margin = check_margin(margin)
        # Per bucket name, its windows by key, least recently admitted first.
        self._windows: dict[str, OrderedDict[tuple[str, ...], _Window]] = {}

    def __repr__(self) -> str:
        return f"LocalLimiter(margin={self.margin!r})"

    def window_count(self) -> int:
        """How many windows (bucket and key) are held now.

        Returns:
            The number of windows in memory.
        """
        return sum(len(windows) for windows in self._windows.values())

    async def take(self, needs: Sequence[Need], cost: int) -> Slot | Full:
        """As [`Limiter.take`][okxasync.Limiter.take]. Never raises.

        Args:
            needs: The call's windows and the rate in force for each.
            cost: Units the call takes in each window.

        Returns:
            The call's slot, or `Full`.
        """
        return self.take_now(needs, cost)

    def take_now(self, needs: Sequence[Need], cost: int) -> Slot | Full:
        """:meth:`take` without the coroutine: the scheduler calls this directly when no
        caller is waiting (every call under the limit), which saves a coroutine per call.

        Args:
            needs: The call's windows and the rate in force for each.
            cost: Units the call takes in each window.

        Returns:
            The call's slot, or `Full`.
        """
        now = time.monotonic()
        found = []
        full = False
        for claim, rate in needs:
            windows, window = self._window(claim, now)
            wait = window.room_wait(rate, cost, now)
            found.append((windows, window, wait))
            if wait is not None:
                full = True
        if full:
            return Full([wait for _, _, wait in found])
        # No token: only shared stores (RedisLimiter) need one, and uuid4 costs a syscall.
        slot = Slot(needs, cost, token="local", now=now)
        held = slot._held
        margin = self.margin
        for (windows, window, _), (claim, rate) in zip(found, needs, strict=True):
            entry = _Entry(now + rate.period + margin, rate.period)
            if cost == 1:
                window.entries.append(entry)
            else:
                window.entries.extend([entry] * cost)
            if entry.expires > window.until:
                window.until = entry.expires
            if len(windows) > 1:
                windows.move_to_end(claim.key)
            held.append((window, entry))
        return slot

    def lane(self, needs: tuple[Need, ...]) -> _Lane | None:
        """A :class:`_Lane` for ``needs`` when they are one window of a bucket without
        keys (most endpoints), else ``None``. The scheduler keeps one per endpoint.

        Args:
            needs: The call's windows and the rate in force for each.

        Returns:
            The lane, or `None`.
        """
        if len(needs) != 1 or needs[0][0].bucket.key:
            return None
        claim, rate = needs[0]
        return _Lane(self, needs, self._window(claim, time.monotonic())[1], rate)

    def sent(self, slot: Slot, hold: float = 0.0) -> bool:
        """As [`Limiter.sent`][okxasync.Limiter.sent]. A unit that expired before the
        request could be written (its window may have admitted another in its place) is
        taken again now if the windows have room; else the slot lapsed.

        Args:
            slot: A slot `take` returned.
            hold: Extra seconds to keep the units.

        Returns:
            `True`, or `False` if the slot lapsed.
        """
        now = time.monotonic()
        later = now + self.margin + hold
        if type(slot) is _LaneSlot:
            if slot.entry.expires <= now:
                again = self.take_now(slot.needs, 1)
                if not isinstance(again, Slot):
                    return False
                slot.window, slot.entry = again._held[0]
            _extend(slot.window, slot.entry, later)
            return True
        if any(entry.expires <= now for _, entry in slot._held):
            again = self.take_now(slot.needs, slot.cost)
            if not isinstance(again, Slot):
                return False
            slot._held = again._held
        for window, entry in slot._held:
            _extend(window, entry, later)
        return True

    def settle(self, slot: Slot, answered: bool = True) -> None:
        """As [`Limiter.settle`][okxasync.Limiter.settle].

        Args:
            slot: A slot `take` returned.
            answered: Whether a response arrived.
        """
        now = time.monotonic() + (0.0 if answered else self.margin)
        if type(slot) is _LaneSlot:
            _shorten(slot.entry, now)
            return
        for _, entry in slot._held:
            _shorten(entry, now)

    def release(self, slot: Slot) -> None:
        """As [`Limiter.release`][okxasync.Limiter.release].

        Args:
            slot: A slot `take` returned.
        """
        held = [(slot.window, slot.entry)] if type(slot) is _LaneSlot else slot._held
        for window, entry in held:
            window.entries = [e for e in window.entries if e is not entry]
        held.clear()

    async def aclose(self) -> None:
        """Nothing to release; present for the :class:`Limiter` protocol."""

    def _window(self, claim: Claim, now: float) -> tuple[_Windows, _Window]:
        """The bucket's windows and the claim's (created on first use), after forgetting
        the bucket's idle ones."""
        windows = self._windows.get(claim.bucket.name)
        if windows is None:
            windows = self._windows[claim.bucket.name] = OrderedDict()
        elif len(windows) > 1:
            _forget_idle(windows, now)
        window = windows.get(claim.key)
        if window is None:
            window = windows[claim.key] = _Window()
        return windows, window


_Windows = OrderedDict[tuple[str, ...], _Window]


def _extend(window: _Window, entry: _Entry, later: float) -> None:
    """The entry frees no earlier than ``period`` after ``later``."""
    expires = later + entry.period
    if expires > entry.expires:
        entry.expires = expires
        if expires > window.until:
            window.until = expires


def _shorten(entry: _Entry, now: float) -> None:
    """The entry frees no later than ``period`` after ``now``."""
    expires = now + entry.period
    if expires < entry.expires:
        entry.expires = expires


def _forget_idle(windows: _Windows, now: float) -> None:
    """Drop the least recently admitted windows whose every unit has expired. Windows are
    in admission order, so the first one still live ends the sweep (amortised O(1))."""
    while windows:
        key = next(iter(windows))
        if windows[key].until > now:
            return
        # A lane still holding the window finds it full: its caller takes the general path.
        windows.pop(key).prune_at = 0
