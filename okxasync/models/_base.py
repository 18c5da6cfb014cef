"""The building blocks of the records: ``Record``, ``Timestamped``, ``OpenEnum``, ``Ms``
(the rules they enforce are in the :mod:`okxasync.models` docstring)."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, overload

import msgspec

__all__ = ["MAX_MS", "Ms", "OpenEnum", "Record", "Timestamped", "ms_to_datetime"]

_UNKNOWN: dict[tuple[type[enum.Enum], str], Any] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: The last millisecond of year 9999: the latest time a ``datetime`` can hold.
MAX_MS = (datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc) - _EPOCH) // timedelta(
    milliseconds=1
)

Ms = Annotated[int, msgspec.Meta(ge=0, le=MAX_MS)]
"""Unix milliseconds from 1970 to the end of year 9999 (checked when decoded)."""


@overload
def ms_to_datetime(ms: int) -> datetime: ...
@overload
def ms_to_datetime(ms: None) -> None: ...
def ms_to_datetime(ms: int | None) -> datetime | None:
    """Exact conversion of Unix milliseconds to an aware UTC datetime (no float rounding)."""
    # Positional timedelta(days, seconds, microseconds, milliseconds): a third faster
    # than the keyword form, which matters when every record's ``ts`` is read.
    return None if ms is None else _EPOCH + timedelta(0, 0, 0, ms)


class OpenEnum(str, enum.Enum):
    """A string enum of API codes that tolerates codes it does not know.

    ``str(DepositState.SUCCESSFUL)`` (and an f-string) is the name, ``"SUCCESSFUL"``: what a
    person reads. The API's code is ``.value`` (``"2"``), and a member still equals its
    code (``DepositState.SUCCESSFUL == "2"``). ``DepositState("99")`` returns a
    pseudo-member with ``.value == "99"``, ``.name == "UNKNOWN"``, ``.known is False`` and
    ``str()`` ``"UNKNOWN(99)"``, so new server codes never break decoding.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str) or not value:
            return None  # "" is no code: a bad response
        member = _UNKNOWN.get((cls, value))
        if member is None:
            member = str.__new__(cls, value)
            member._name_ = "UNKNOWN"
            member._value_ = value
            _UNKNOWN[(cls, value)] = member
        return member

    def __str__(self) -> str:
        return self._name_ if self.known else f"UNKNOWN({self._value_})"

    def __format__(self, format_spec: str) -> str:
        return format(str(self), format_spec)

    @property
    def known(self) -> bool:
        """False for a code the API documented after this library was written."""
        return self._name_ != "UNKNOWN"


class Record(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of all records: frozen, keyword-only, camelCase on the wire.

    Decoding (``okxasync._http.decode``) also checks that every amount is finite.
    """


class Timestamped(Record, frozen=True, kw_only=True):
    """A record with the API's ``ts``: ``ts_ms`` (Unix ms), read as ``ts``."""

    ts_ms: Ms = msgspec.field(name="ts")

    @property
    def ts(self) -> datetime:
        """``ts`` as an aware UTC datetime."""
        return ms_to_datetime(self.ts_ms)
