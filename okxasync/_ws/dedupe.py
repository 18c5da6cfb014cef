"""The duplicate filter behind the streams' promise: which ``(id, state)`` to yield.

A record is *known* once observed (pushed, read over REST, or read as the baseline when
the stream opened). An observation is yielded when it changes the known state, unless
that ``(id, state)`` was yielded before. Observations carry the server time they reflect
(a push's ``pTime``; for REST, when the request was sent), so an answer read before a
newer push cannot move a record back to an older state. A final state is never left.

Memory: every unsettled record, plus at most ``recent`` settled ones (the oldest are
forgotten first; :meth:`forget_before` also drops settled records older than the oldest
time any future fill can read).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = ["Seen", "Tracker"]


@dataclass
class Seen:
    """What is known of one record."""

    state: str
    observed_ms: int
    ts_ms: int
    yielded: set[str] = field(default_factory=set)


class Tracker:
    """Known records by id; ``final`` is the set of settled states."""

    def __init__(self, final: frozenset[str], recent: int) -> None:
        self.final = final
        self.recent = recent
        self.pending: dict[str, Seen] = {}
        self.settled: OrderedDict[str, Seen] = OrderedDict()
        self.duplicates = 0

    def get(self, record_id: str) -> Seen | None:
        return self.pending.get(record_id) or self.settled.get(record_id)

    def observe(
        self, record_id: str, state: str, ts_ms: int, observed_ms: int, *, baseline: bool = False
    ) -> bool:
        """Record an observation; True when it is to be yielded.

        ``baseline`` observations (the state before the stream opened) are remembered
        but never yielded.
        """
        seen = self.get(record_id)
        if seen is None:
            seen = Seen(state, observed_ms, ts_ms)
            self._store(record_id, seen)
            if baseline:
                return False
            seen.yielded.add(state)
            return True
        if seen.state == state or seen.state in self.final:
            seen.observed_ms = max(seen.observed_ms, observed_ms)
            if state in seen.yielded and not baseline:
                self.duplicates += 1
            return False
        if state not in self.final and observed_ms < seen.observed_ms:
            return False  # older than what is known
        seen.state, seen.observed_ms = state, observed_ms
        self._store(record_id, seen)
        if baseline:
            return False
        if state in seen.yielded:
            self.duplicates += 1
            return False
        seen.yielded.add(state)
        return True

    def _store(self, record_id: str, seen: Seen) -> None:
        if seen.state in self.final:
            self.pending.pop(record_id, None)
            self.settled[record_id] = seen
            self.settled.move_to_end(record_id)
            while len(self.settled) > self.recent:
                self.settled.popitem(last=False)
        else:
            self.pending[record_id] = seen

    def forget_before(self, ts_ms: int) -> None:
        """Drop settled records created before ``ts_ms`` (no fill reads them again)."""
        for record_id in [k for k, v in self.settled.items() if v.ts_ms < ts_ms]:
            del self.settled[record_id]

    def __len__(self) -> int:
        return len(self.pending) + len(self.settled)
