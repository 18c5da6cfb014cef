"""The duplicate filter behind the streams' promise: which ``(id, state)`` to yield.

A record is *known* once observed (pushed, read over REST, or read as the baseline when
the stream opened). An observation is yielded when it changes the known state, unless
that ``(id, state)`` was yielded before. A final state is never left.

When: a push announces a change at one moment, its ``pTime``; a REST answer shows the
state at some moment between the request and its answer, so it covers that span
(``observed_ms`` .. ``until_ms``). A state is replaced only by an observation made after
the known one's span. Which of two overlapping observations is the newer cannot be
told, and a push older than what is known may still be news (the two clocks differ):
the record is then marked for a re-read by id (``recheck``), never guessed. A push of a
state that only a baseline read knew (never yielded) is news if it came after that read
began: the change happened while the stream was opening, so it is yielded.

Memory: every unsettled record, plus the settled ones a later fill or push can still
bring back; past ``recent`` of those, the ones no fill reads again (created and settled
before the floor :meth:`forget_before` last set) are forgotten.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = ["Seen", "Tracker"]

logger = logging.getLogger("okxasync.ws")


@dataclass
class Seen:
    """What is known of one record: its state, observed from ``observed_ms`` to
    ``until_ms`` (server time, ms), and the states already yielded."""

    state: str
    observed_ms: int
    until_ms: int
    ts_ms: int
    yielded: set[str] = field(default_factory=set)


class Tracker:
    """Known records by id; ``final`` is the set of settled states."""

    def __init__(self, final: frozenset[str], recent: int) -> None:
        self.final = final
        self.recent = recent
        self.pending: dict[str, Seen] = {}
        self.settled: OrderedDict[str, Seen] = OrderedDict()
        self.recheck: set[str] = set()  # ids whose current state must be read by id
        self.duplicates = 0
        self._floor_ms = 0
        self._sweep_at = recent
        self._warned = False

    def get(self, record_id: str) -> Seen | None:
        return self.pending.get(record_id) or self.settled.get(record_id)

    def observe(
        self,
        record_id: str,
        state: str,
        ts_ms: int,
        observed_ms: int,
        *,
        until_ms: int | None = None,
        baseline: bool = False,
        pushed: bool = False,
    ) -> bool:
        """Record an observation; True when it is to be yielded.

        Args:
            record_id: The record's id.
            state: Its state as observed.
            ts_ms: Its creation time.
            observed_ms: A push's ``pTime``; when a REST request was sent.
            until_ms: When a REST answer arrived (``None``: a push, one moment).
            baseline: The state before the stream opened: remembered, never yielded.
            pushed: A push (it announces a change at ``observed_ms``).
        """
        until = observed_ms if until_ms is None else until_ms
        seen = self.get(record_id)
        if seen is None:
            seen = Seen(state, observed_ms, until, ts_ms)
            self._store(record_id, seen)
            if baseline:
                return False
            seen.yielded.add(state)
            return True
        if seen.state == state:
            if pushed and state not in seen.yielded and observed_ms >= seen.observed_ms:
                seen.yielded.add(state)  # reached while the baseline was being read
                return True
            seen.observed_ms = max(seen.observed_ms, observed_ms)
            seen.until_ms = max(seen.until_ms, until)
            if state in seen.yielded and not baseline:
                self.duplicates += 1
            return False
        if seen.state in self.final:
            return False
        if state not in self.final and observed_ms < seen.until_ms:
            if pushed or until >= seen.observed_ms:
                self.recheck.add(record_id)  # perhaps newer: read it by id
            return False
        self.recheck.discard(record_id)
        seen.state, seen.observed_ms, seen.until_ms = state, observed_ms, until
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
            if len(self.settled) > self._sweep_at:
                self._sweep()
        else:
            self.pending[record_id] = seen

    def forget_before(self, floor_ms: int) -> None:
        """Drop settled records created and last observed before ``floor_ms``: no fill
        reads them again, and a push bringing one back again would be older still."""
        self._floor_ms = floor_ms
        self._sweep()

    def _sweep(self) -> None:
        floor = self._floor_ms
        for record_id in [
            k for k, v in self.settled.items() if v.ts_ms < floor and v.until_ms < floor
        ]:
            del self.settled[record_id]
        # Sweep again once the count has doubled: amortised O(1) per record stored.
        self._sweep_at = max(self.recent, 2 * len(self.settled))
        if len(self.settled) > self.recent and not self._warned:
            self._warned = True
            logger.warning(
                "%d settled records are still within reach of the gap fills"
                " (WatchTiming.recent is %d): kept, so that none is yielded twice",
                len(self.settled),
                self.recent,
            )

    def __len__(self) -> int:
        return len(self.pending) + len(self.settled)
