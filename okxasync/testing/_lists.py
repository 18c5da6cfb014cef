"""Newest-first record lists: paging them like the API and inserting in order.

Lists are ordered by ``(ts, id)`` descending; they may be any ``Sequence`` (a generated
history, the archive's view); only ``insert_newest_first`` needs an ``insert`` method.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from okxasync.testing._data import Row

__all__ = ["Insertable", "insert_newest_first", "numeric_key", "page_newest_first"]


class Insertable(Protocol):
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> Row: ...
    def insert(self, index: int, record: Row) -> None: ...


def _ts(record: Row) -> int:
    return int(record["ts"])


def page_newest_first(
    records: Sequence[Row],
    *,
    after: int | None,
    before: int | None,
    limit: int,
    match: Mapping[str, str],
) -> list[Row]:
    """Up to ``limit`` records with ``before < ts < after`` whose fields equal ``match``.

    ``records`` is newest first; the newest matching records are returned.
    """
    start = 0
    if after is not None:  # skip everything at or newer than ``after``
        start = bisect.bisect_right(records, -after, key=lambda r: -_ts(r))
    out: list[Row] = []
    for index in range(start, len(records)):
        record = records[index]
        if before is not None and _ts(record) <= before:
            break
        if all(record.get(key) == value for key, value in match.items()):
            out.append(record)
            if len(out) == limit:
                break
    return out


def insert_newest_first(
    records: Insertable, record: Row, sort_key: Callable[[Row], object]
) -> None:
    """Insert keeping the list ordered by ``sort_key`` descending."""
    index = bisect.bisect_left(records, _Desc(sort_key(record)), key=lambda r: _Desc(sort_key(r)))
    records.insert(index, record)


class _Desc:
    """Reverses comparisons, to bisect a descending list."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(self.value > other.value)  # type: ignore[operator]


def numeric_key(id_field: str) -> Callable[[Row], object]:
    return lambda r: (int(r["ts"]), int(r[id_field]))
