"""Very large histories computed from the record's index, never stored.

``GeneratedHistory(kind, size, ...)`` is a ``Sequence`` of ``size`` records, newest
first and ordered by ``(ts, id)`` descending like the seeded lists, so the emulator's
binary search by ``ts`` (``page_newest_first``) works on it unchanged. Record ``i`` is a
pure function of ``(seed, kind, i)``: memory does not grow with ``size``.

Timestamps come in blocks of 16 records; each block's records form same-millisecond
clusters (sizes from ``CLUSTER_PATTERNS``), so clusters straddle page boundaries as in
real histories. Records created at run time (``insert``) sit in a small list above the
generated ones.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal, overload

from okxasync.testing._catalogue import COINS_BY_CCY
from okxasync.testing._data import Mixed, Row, deposit, withdrawal
from okxasync.testing._random import HISTORY_SPAN_MS, client_id, fmt, pick_coin, random_amount

__all__ = [
    "ARCHIVE_START_MS",
    "BLOCK",
    "CLUSTER_PATTERNS",
    "Archive",
    "ArchivedBills",
    "GeneratedHistory",
    "Kind",
]

Kind = Literal["deposits", "withdrawals", "bills"]
BLOCK = 16
#: Same-millisecond cluster sizes within one block of 16 records (each sums to 16).
CLUSTER_PATTERNS: tuple[tuple[int, ...], ...] = (
    (1,) * 16,
    (2, 1, 1, 3, 1, 1, 5, 1, 1),
    (7, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    (1, 1, 4, 1, 1, 1, 6, 1),
    (3, 3, 3, 3, 4),
    (16,),
)
_ID_BASE = {"deposits": 40_000_000, "withdrawals": 20_000_000, "bills": 700_000_000}
_KIND_NUMBER = {"deposits": 0, "withdrawals": 1, "bills": 2}


def _cluster_starts(pattern: tuple[int, ...]) -> tuple[int, ...]:
    """For each position in a block, the index of its cluster."""
    return tuple(c for c, size in enumerate(pattern) for _ in range(size))


_CLUSTER_OF = tuple(_cluster_starts(p) for p in CLUSTER_PATTERNS)


class GeneratedHistory(Sequence[Row]):
    """``size`` generated records of ``kind`` in the ~90 days before ``now_ms``."""

    def __init__(
        self,
        kind: Kind,
        size: int,
        *,
        seed: int,
        now_ms: int,
        addresses: dict[str, list[Mixed]],
        account_id: str,
    ) -> None:
        self.kind = kind
        self.size = size
        self.seed = seed
        self.newest_ms = now_ms - 60_000
        self.step_ms = max(1, HISTORY_SPAN_MS // max(size, 1))  # one record's share of time
        self.newer: list[Row] = []  # inserted at run time, newest first
        self._addresses = addresses
        self._account_id = account_id

    def __len__(self) -> int:
        return len(self.newer) + self.size

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | Sequence[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index < len(self.newer):
            return self.newer[index]
        return self.record(index - len(self.newer))

    def insert(self, index: int, record: Row) -> None:
        """Add a run-time record; only above the generated ones (it is the newest)."""
        if index > len(self.newer):
            raise ValueError("a generated history only takes records newer than its own")
        self.newer.insert(index, record)

    def ts(self, i: int) -> int:
        """The timestamp of generated record ``i`` (0 = newest)."""
        block, position = divmod(i, BLOCK)
        cluster = _CLUSTER_OF[self._pattern(block)][position]
        return self.newest_ms - (block * BLOCK + cluster) * self.step_ms

    def record_id(self, i: int) -> int:
        """Ids fall strictly with ``i`` (grow with time), a few hundred apart."""
        return _ID_BASE[self.kind] + (self.size - i) * 1000 + (i * 7919) % 997

    def record(self, i: int) -> Row:
        """Generated record ``i``: the same for the same ``(seed, kind, size, i)``."""
        rng = random.Random((self.seed * 3 + _KIND_NUMBER[self.kind]) * 10**12 + i)
        ts, rid = self.ts(i), self.record_id(i)
        if self.kind == "deposits":
            return deposit(rng, i, ts, rid, self._addresses)
        if self.kind == "withdrawals":
            return withdrawal(rng, i, ts, rid, self._account_id)
        return _bill(rng, ts, rid)

    def _pattern(self, block: int) -> int:
        return (block * 2_654_435_761 + self.seed) % len(CLUSTER_PATTERNS)


def _bill(rng: random.Random, ts: int, bill_id: int) -> Row:
    """A bill; ``bal`` is plausible but, unlike the seeded bills, not a running total."""
    coin = pick_coin(rng)
    kind = rng.choices(("1", "2", "13"), (55, 38, 7))[0]
    amt = Decimal(random_amount(rng, coin))
    change = -amt if kind == "2" else amt
    bal = amt * rng.randint(2, 40)
    return {
        "billId": str(bill_id),
        "ccy": coin.ccy,
        "clientId": client_id(rng) if kind == "2" and rng.random() < 0.3 else "",
        "balChg": fmt(change, COINS_BY_CCY[coin.ccy].decimals),
        "bal": fmt(bal, coin.decimals),
        "type": kind,
        "ts": str(ts),
    }


#: 2021-02-01T00:00:00Z: the bills archive (``/asset/bills-history``) starts here.
ARCHIVE_START_MS = 1_612_137_600_000
_ARCHIVE_ID_BASE = 100_000_000  # below every seeded or generated recent bill


class ArchivedBills(GeneratedHistory):
    """``size`` bills older than ``newest_ms``, back to 2021-02-01, in the same
    same-millisecond clusters as :class:`GeneratedHistory` (they straddle page boundaries).
    Ids stay below those of the recent bills; ids and times fall together."""

    def __init__(self, size: int, *, seed: int, newest_ms: int) -> None:
        super().__init__("bills", size, seed=seed, now_ms=newest_ms, addresses={}, account_id="")
        self.newest_ms = newest_ms
        self.step_ms = max(1, (newest_ms - ARCHIVE_START_MS) // max(size, 1))

    def record_id(self, i: int) -> int:
        return _ARCHIVE_ID_BASE + (self.size - i) * 1000 + (i * 7919) % 997

    def insert(self, index: int, record: Row) -> None:
        raise ValueError("the archive's old part is read-only; new bills go to the recent list")


class Archive(Sequence[Row]):
    """The bills archive: the live recent bills (``recent``, newest first, changing as
    bills are added), then the archived ones (``old``), as one newest-first sequence."""

    def __init__(self, recent: Sequence[Row], old: Sequence[Row]) -> None:
        self.recent = recent
        self.old = old

    def __len__(self) -> int:
        return len(self.recent) + len(self.old)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | Sequence[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        recent = len(self.recent)
        return self.recent[index] if index < recent else self.old[index - recent]
