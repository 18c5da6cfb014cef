"""A time shard: the part of a history window still to fetch, and how it splits."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["Shard"]


class Shard:
    """The part ``[lo, hi)`` of a window still to fetch (``hi=None``: not yet bounded).

    ``density`` (records per ms) is measured from the shard's own last full page
    (``observed``), or inherited from the shard it was split from. ``floorless``: ``lo``
    is no real bound (no ``since`` was given), the history may end anywhere above it.
    """

    def __init__(
        self, lo: int, hi: int | None, *, density: float | None = None, floorless: bool = False
    ) -> None:
        self.lo = lo
        self.hi = hi
        self.density = density
        self.floorless = floorless
        self.observed = False

    @property
    def done(self) -> bool:
        return self.hi is not None and self.hi <= self.lo

    @property
    def span(self) -> int:
        return 0 if self.hi is None else max(0, self.hi - self.lo)

    def expected(self) -> float:
        """Records expected in the rest of the shard (0 when unknown)."""
        return (self.density or 0.0) * self.span

    def observe(self, stamps: Sequence[int]) -> None:
        self.density = len(stamps) / (max(stamps) - min(stamps) + 1)
        self.observed = True

    def keep_for(self, records: float, parts: int) -> int:
        """How many ms the owner keeps when split: ``1/parts`` of the time left, but for a
        floorless shard only about ``records`` records' worth, so that the older part
        starts where records are rather than far back towards 1970, where each probe
        would cost a request and find nothing."""
        if self.floorless and self.density:
            return math.ceil(records / self.density)
        return self.span // parts

    def split(self, keep_ms: int) -> Shard:
        """Give away the older part: keep ``[hi - keep_ms, hi)``, return ``[lo, hi - keep_ms)``
        (both non-empty: ``keep_ms`` is clamped)."""
        assert self.hi is not None and self.span >= 2
        mid = self.hi - min(max(keep_ms, 1), self.span - 1)
        older = Shard(self.lo, mid, density=self.density, floorless=self.floorless)
        self.lo, self.floorless = mid, False
        return older
