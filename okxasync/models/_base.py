"""Typed records of the OKLink/OKX V5 funding and OTC RFQ API.

Every record is a frozen :class:`msgspec.Struct` whose fields are the API's names in
snake_case (``availBal`` -> ``avail_bal``, ``from`` -> ``from_``). Amounts, prices and
sizes are :class:`~decimal.Decimal`, or ``None`` where the API sends ``""``. Millisecond
timestamps are kept raw (``ts_ms``, ``quote_ts_ms``, ...) and read as aware UTC
:class:`~datetime.datetime` through ``ts``, ``quote_ts``, ...: decoding stays cheap and
the datetime is built only when read. Documented state codes are enums whose unknown
values decode as a pseudo-member that equals (and is) the raw string. Unknown extra
fields are ignored.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec

__all__ = ["OpenEnum", "Record", "Timestamped", "ms_to_datetime"]

_UNKNOWN: dict[tuple[type[enum.Enum], str], Any] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def ms_to_datetime(ms: int | None) -> datetime | None:
    """Exact conversion of Unix milliseconds to an aware UTC datetime (no float rounding)."""
    # Positional timedelta(days, seconds, microseconds, milliseconds): a third faster
    # than the keyword form, which matters when every record's ``ts`` is read.
    return None if ms is None else _EPOCH + timedelta(0, 0, 0, ms)


class OpenEnum(str, enum.Enum):
    """A string enum that tolerates values it does not know.

    ``DepositState("99")`` returns a pseudo-member with ``.value == "99"`` and
    ``name == "UNKNOWN"``; it is a ``str`` equal to ``"99"``, so new server states never
    break decoding.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = _UNKNOWN.get((cls, value))
        if member is None:
            member = str.__new__(cls, value)
            member._name_ = "UNKNOWN"
            member._value_ = value
            _UNKNOWN[(cls, value)] = member
        return member

    def __str__(self) -> str:
        return str(self.value)

    @property
    def known(self) -> bool:
        """False for a value the API documented after this library was written."""
        return self._name_ != "UNKNOWN"


class Record(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of all records: frozen, keyword-only, camelCase on the wire."""


class Timestamped(Record, frozen=True, kw_only=True):
    ts_ms: int | None = msgspec.field(default=None, name="ts")

    @property
    def ts(self) -> datetime | None:
        """``ts`` as an aware UTC datetime."""
        return ms_to_datetime(self.ts_ms)
