"""Records as export rows, and the writers that put them in CSV or JSON Lines files.

A row's columns are the record's fields in snake_case (``from_`` is ``from``); timestamps
(``ts``, ``trade_ts``) are ISO-8601 UTC with milliseconds, amounts exact decimal text,
state codes the API's raw values. In CSV an absent value is an empty cell; in JSON Lines it
is ``null``, integers and booleans are JSON numbers and booleans, and amounts are strings
(a JSON number would lose exactness in most readers).
"""

from __future__ import annotations

import csv
import enum
import json
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import IO

import msgspec

from ..models import ms_to_datetime
from ..models._base import declared_fields
from ._console import amount, iso_ms

__all__ = ["Cell", "Column", "Sink", "columns", "open_writer", "to_row"]

Cell = str | int | bool | None
Column = tuple[str, str]  # (attribute, column name)
#: Fields only WebSocket pushes carry (always empty in a REST history export).
PUSH_ONLY = frozenset({"uid", "sub_acct", "p_time_ms"})
_TIMES = ("ts_ms", "p_time_ms")
FLUSH_EVERY = 0.5  # seconds: bounds what a crash (not Ctrl-C) could leave unflushed


def columns(record: type[msgspec.Struct], *, pushed: bool = False) -> list[Column]:
    """``(attribute, column)`` for every field of ``record``, in declaration order; the
    push-only fields (:data:`PUSH_ONLY`) only when ``pushed``."""
    return [
        (name, _column_name(name))
        for name in declared_fields(record)
        if pushed or name not in PUSH_ONLY
    ]


def _column_name(attribute: str) -> str:
    if attribute.endswith(_TIMES):
        return attribute[: -len("_ms")]
    return attribute.rstrip("_")


def to_row(record: msgspec.Struct, cols: Sequence[Column]) -> dict[str, Cell]:
    """One record as ``{column: value}`` (see the module docstring for the value rules)."""
    return {name: _cell(attribute, getattr(record, attribute)) for attribute, name in cols}


def _cell(attribute: str, value: object) -> Cell:
    if isinstance(value, enum.Enum):  # before str: the state enums are str subclasses
        return str(value.value)
    if isinstance(value, Decimal):
        return amount(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return iso_ms(ms_to_datetime(value)) if attribute.endswith(_TIMES) else value
    return str(value)


Writer = Callable[[dict[str, Cell]], None]


def open_writer(fmt: str, stream: IO[str], names: Sequence[str], header: bool) -> Writer:
    """A function writing one row to ``stream`` as CSV (with a header line first when
    ``header``) or as one JSON object per line. Lines end with ``\\n``."""
    if fmt == "jsonl":

        def write_jsonl(row: dict[str, Cell]) -> None:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")

        return write_jsonl
    writer = csv.DictWriter(stream, fieldnames=list(names), lineterminator="\n")
    if header:
        writer.writeheader()

    def write_csv(row: dict[str, Cell]) -> None:
        writer.writerow({key: _csv_text(value) for key, value in row.items()})

    return write_csv


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Sink:
    """Writes newest-first records whole milliseconds at a time.

    Records arrive newest first. Those of the millisecond still arriving are held until a
    record of an older millisecond (or :meth:`finish`) shows that millisecond complete, so
    everything written covers whole milliseconds: after an interruption, every record with
    ``ts >= oldest_ms`` is in the file and none older is, and exporting again with
    ``until=oldest_ms`` (exclusive) continues exactly where it stopped.
    """

    def __init__(self, write: Writer, stream: IO[str], cols: Sequence[Column]) -> None:
        self._write = write
        self._stream = stream
        self._cols = cols
        self._held: list[msgspec.Struct] = []
        self._held_ms: int | None = None
        self._flushed_at = time.monotonic()
        self.written = 0
        self.oldest_ms: int | None = None  # the oldest millisecond written, whole

    def add(self, record: msgspec.Struct, ts_ms: int) -> None:
        """Take the next record (``ts_ms`` no newer than the previous one's)."""
        if self._held_ms is not None and ts_ms != self._held_ms:
            self._release()
        self._held.append(record)
        self._held_ms = ts_ms

    def finish(self) -> None:
        """The iteration is complete: write what is held and flush."""
        self._release()
        self._stream.flush()

    def abandon(self) -> None:
        """Interrupted: drop the held millisecond (it may be incomplete) and flush what was
        written, which ends at :attr:`oldest_ms`."""
        self._held, self._held_ms = [], None
        self._stream.flush()

    def _release(self) -> None:
        for record in self._held:
            self._write(to_row(record, self._cols))
        self.written += len(self._held)
        if self._held:
            self.oldest_ms = self._held_ms
        self._held, self._held_ms = [], None
        if time.monotonic() - self._flushed_at >= FLUSH_EVERY:
            self._stream.flush()
            self._flushed_at = time.monotonic()
