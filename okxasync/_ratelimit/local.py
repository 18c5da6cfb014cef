"""Where a group's window of recent requests lives: the ``Limiter`` protocol, the
``Slot`` it hands out, and the in-process ``LocalLimiter``."""

from __future__ import annotations

import time
import uuid
from typing import Protocol, runtime_checkable

from .rules import DEFAULT_MARGIN, Rate, check_margin

__all__ = ["Limiter", "LocalLimiter", "Slot"]


class Slot:
    """One admitted request's place in its group's window, handed out by a `Limiter`.

    Args:
        group: The rate group.
        period: The group's window, in seconds.
        expires: When the slot frees, on the limiter's own clock.
        token: Names the slot in a shared store (generated when empty).
    """

    __slots__ = ("expires", "group", "period", "token")

    def __init__(self, group: str, period: float, expires: float, token: str = "") -> None:
        self.group = group
        self.period = period
        self.expires = expires
        self.token = token or uuid.uuid4().hex


@runtime_checkable
class Limiter(Protocol):
    """Where each group's window of recent requests is kept.

    ``take`` either admits a request (returns its ``Slot``) or returns the seconds
    until a slot may free; ``settle`` says the slot's response arrived (the slot may then
    free ``period`` after now). Implementations must be safe against concurrent callers
    sharing them: ``LocalLimiter`` (one event loop), ``RedisLimiter`` (any number
    of processes and hosts).
    """

    margin: float

    async def take(self, group: str, rate: Rate) -> Slot | float:
        """Admit a request of `group` now, or say how long to wait.

        Args:
            group: The rate group.
            rate: The group's rate.

        Returns:
            The request's [`Slot`][okxasync.Slot] when admitted, else the seconds until a
            slot may free.

        Raises:
            LimiterUnavailableError: A shared store cannot be reached (nothing may be sent).
        """

    async def settle(self, slot: Slot) -> None:
        """Say that the slot's response arrived: it may then free `period` after now.

        Args:
            slot: A slot `take` returned.

        Raises:
            LimiterUnavailableError: A shared store cannot be reached.
        """

    async def aclose(self) -> None:
        """Release connections; the limiter stays usable (it reconnects)."""


class LocalLimiter:
    """The in-process window store (the default).

    Share one instance between several `Client` objects of one account in one event loop to
    give them one budget.

    Args:
        margin: The safety margin, in seconds, added to a slot's life after it was sent
            (covers requests still in flight; default 0.05).

    Raises:
        ValidationError: `margin` is negative or not a number.
    """

    def __init__(self, margin: float = DEFAULT_MARGIN) -> None:
        self.margin = check_margin(margin)
        self._slots: dict[str, list[Slot]] = {}
        self._prune_at: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"LocalLimiter(margin={self.margin!r})"

    async def take(self, group: str, rate: Rate) -> Slot | float:
        """Admit a request of `group` now, or say how long to wait (see `Limiter.take`).

        Args:
            group: The rate group.
            rate: The group's rate.

        Returns:
            The request's [`Slot`][okxasync.Slot] when admitted, else the seconds until a slot
            may free.

        Never raises: an in-process store is always reachable.
        """
        now = time.monotonic()
        live = self._slots.setdefault(group, [])
        # Expired slots are dropped only when the list looks full or has doubled since the
        # last pass: keeping a few is conservative (they count as live), and a large window
        # (thousands per second) then costs O(1) per call instead of a scan of the window.
        if len(live) >= min(rate.count, self._prune_at.get(group, 0)):
            live[:] = [slot for slot in live if slot.expires > now]
            self._prune_at[group] = max(2 * len(live), 64)
        if len(live) < rate.count:
            # No token: only shared stores (RedisLimiter) need one, and uuid4 costs a syscall.
            slot = Slot(group, rate.period, now + rate.period + self.margin, token="local")
            live.append(slot)
            return slot
        # The (excess + 1)-th slot to expire is the one that makes room.
        expiries = sorted(slot.expires for slot in live)
        return expiries[len(live) - rate.count] - now

    async def settle(self, slot: Slot) -> None:
        """Say that the slot's response arrived: it frees `period` seconds from now, or sooner.

        Args:
            slot: A slot `take` returned.

        Never raises: an in-process store is always reachable.
        """
        slot.expires = min(slot.expires, time.monotonic() + slot.period)

    async def aclose(self) -> None:
        """Nothing to release; present for the ``Limiter`` protocol."""
