"""Faults of the emulated business WebSocket, drawn from a seeded generator.

``FakeExchange(ws_faults=WsFaults(every=2.0, lose=0.1, refuse=0.2, seed=1))``:

==========  ======================================================================
``abrupt``  the TCP connection is cut without a close frame
``stall``   the server goes silent: no pushes, no ``pong``, no reading; it never
            closes by itself (a dead peer the client must detect)
``notice``  a ``notice`` event (code 64008) and, ``notice_grace`` seconds later, a close
==========  ======================================================================

Each logged-in connection meets one fault of ``kinds`` (chosen uniformly) after a random
lifetime of ``0.5 .. 1.5 x every`` seconds. ``lose``: share of pushes never sent;
``refuse``: share of connection attempts cut before the WebSocket handshake.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["WS_FAULT_KINDS", "WsFaultKind", "WsFaults", "WsFaultDraws"]

WsFaultKind = Literal["abrupt", "stall", "notice"]
WS_FAULT_KINDS: tuple[WsFaultKind, ...] = get_args(WsFaultKind)


@dataclass(frozen=True)
class WsFaults:
    """Which WebSocket faults to inject (see the module docstring).

    Attributes:
        every: Each logged-in connection meets one fault after `0.5 .. 1.5 x every`
            seconds; `None`: no connection faults.
        kinds: The faults to choose from: `abrupt`, `stall`, `notice`.
        lose: The share of pushes never sent.
        refuse: The share of connection attempts cut before the handshake.
        notice_grace: Seconds between a 64008 notice and the close.
        seed: Seeds the draws.
    """

    every: float | None = None
    kinds: tuple[WsFaultKind, ...] = WS_FAULT_KINDS
    lose: float = 0.0
    refuse: float = 0.0
    notice_grace: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.every is not None and not self.every > 0:
            raise ValueError(f"every must be positive seconds or None, got {self.every!r}")
        if not (0.0 <= self.lose <= 1.0 and 0.0 <= self.refuse < 1.0):
            raise ValueError(f"lose must lie in [0, 1] and refuse in [0, 1): {self}")
        if not self.kinds or not set(self.kinds) <= set(WS_FAULT_KINDS):
            raise ValueError(f"kinds must be a non-empty subset of {WS_FAULT_KINDS}")
        if self.notice_grace < 0:
            raise ValueError(f"notice_grace must not be negative: {self.notice_grace}")


class WsFaultDraws:
    """The draws for ``faults``; ``injected`` counts what was injected, by kind
    (``abrupt``, ``stall``, ``notice``, ``lost``, ``refused``)."""

    def __init__(self, faults: WsFaults | None = None) -> None:
        self.injected: Counter[str] = Counter()
        self.faults = faults or WsFaults()

    @property
    def faults(self) -> WsFaults:
        return self._faults

    @faults.setter
    def faults(self, faults: WsFaults) -> None:
        self._faults = faults
        self._rng = random.Random(f"{faults.seed}:ws")

    def refuse(self) -> bool:
        """Whether to cut the next connection attempt."""
        hit = self._faults.refuse > 0 and self._rng.random() < self._faults.refuse
        if hit:
            self.injected["refused"] += 1
        return hit

    def lose(self) -> bool:
        """Whether to drop the next push."""
        hit = self._faults.lose > 0 and self._rng.random() < self._faults.lose
        if hit:
            self.injected["lost"] += 1
        return hit

    def lifetime(self) -> tuple[float, WsFaultKind] | None:
        """Seconds until a new connection's fault, and its kind; ``None``: no fault."""
        every = self._faults.every
        if every is None:
            return None
        return every * self._rng.uniform(0.5, 1.5), self._rng.choice(self._faults.kinds)
