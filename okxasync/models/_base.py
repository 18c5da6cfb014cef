"""The building blocks of the records: ``Record``, ``Timestamped``, ``OpenEnum``, ``Ms``
(the rules they enforce are in the :mod:`okxasync.models` docstring)."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated, Any, overload

import msgspec

__all__ = [
    "MAX_MS",
    "MAX_TTL_MS",
    "Ms",
    "OpenEnum",
    "Record",
    "Timestamped",
    "TtlMs",
    "check_expiry",
    "declared_fields",
    "ms_to_datetime",
]

_UNKNOWN: dict[tuple[type[enum.Enum], str], Any] = {}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: The last millisecond of year 9999: the latest time a ``datetime`` can hold.
MAX_MS = (datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc) - _EPOCH) // timedelta(
    milliseconds=1
)

Ms = Annotated[int, msgspec.Meta(ge=0, le=MAX_MS)]
"""Unix milliseconds from 1970 to the end of year 9999 (checked when decoded)."""

#: The longest lifetime of a quote: 30 days (the API's are seconds).
MAX_TTL_MS = 30 * 86_400_000

TtlMs = Annotated[int, msgspec.Meta(ge=0, le=MAX_TTL_MS)]
"""A quote's lifetime, milliseconds from 0 to 30 days (checked when decoded)."""


def check_expiry(start_ms: int, ttl_ms: int) -> None:
    """Raises ``ValueError`` (a bad response, when decoding) if ``start_ms + ttl_ms`` is
    past :data:`MAX_MS`: the quote's expiry could not be read as a datetime."""
    if start_ms + ttl_ms > MAX_MS:
        raise ValueError(
            f"a quote made at {start_ms} ms, valid {ttl_ms} ms, expires after year 9999"
        )


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


_DECLARED: dict[type[Any], tuple[str, ...]] = {}


def _wire_name(attribute: str, namespace: dict[str, Any]) -> str:
    """The field's name on the wire: its ``msgspec.field(name=...)``, else camelCase."""
    name = getattr(namespace.get(attribute), "name", None)
    if isinstance(name, str):
        return name
    stripped = attribute.rstrip("_")
    body = stripped.lstrip("_")
    first, *rest = body.split("_")
    return (
        stripped[: len(stripped) - len(body)] + first + "".join(p[:1].upper() + p[1:] for p in rest)
    )


class _WireOrder(msgspec.StructMeta):
    """Orders a record's fields as the API sends them: those it always sends (no default)
    by wire name, then the optional ones (sent only by some variants: pushes, the
    archive) by wire name.

    msgspec decodes an object fastest when its keys arrive in the order of the struct's
    fields (each key is then found at the next position, not searched for), and the API
    sends keys sorted by name: this takes about a tenth off decoding a deposit page, and
    keeping the usually absent optional fields last spares a search after each of them.
    A subclass of :class:`Timestamped` gets its ``ts_ms`` field here, in its place among
    its own fields (an inherited field would stay first). The order of the class body is
    kept for people: :func:`declared_fields`.
    """

    def __new__(
        mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _WireOrder:
        annotations: dict[str, Any] = dict(namespace.get("__annotations__", {}))
        declared = list(annotations)
        if any(getattr(base, "__stamped__", False) for base in bases):
            annotations.setdefault("ts_ms", Ms)
            namespace.setdefault("ts_ms", msgspec.field(name="ts"))
            declared = ["ts_ms", *(d for d in declared if d != "ts_ms")]
        namespace["__annotations__"] = dict(
            sorted(annotations.items(), key=lambda item: _wire_key(item[0], namespace))
        )
        cls = super().__new__(mcls, name, bases, namespace, **kwargs)
        inherited = [f for base in reversed(cls.__mro__[1:]) for f in _DECLARED.get(base, ())]
        _DECLARED[cls] = tuple(dict.fromkeys([*inherited, *declared]))
        return cls


_FIELD = type(msgspec.field())


def _wire_key(attribute: str, namespace: dict[str, Any]) -> tuple[bool, str]:
    """Sort key: optional (with a default) after required, then the wire name."""
    value = namespace.get(attribute, msgspec.NODEFAULT)
    if isinstance(value, _FIELD):
        optional = not (value.default is value.default_factory is msgspec.NODEFAULT)
    else:
        optional = value is not msgspec.NODEFAULT
    return optional, _wire_name(attribute, namespace)


def declared_fields(record: type[msgspec.Struct]) -> tuple[str, ...]:
    """The fields of ``record`` in the order its class bodies declare them (base first)."""
    declared = _DECLARED.get(record)
    if declared is None:
        return tuple(field.name for field in msgspec.structs.fields(record))
    return declared


class Record(
    msgspec.Struct, metaclass=_WireOrder, frozen=True, kw_only=True, rename="camel", gc=False
):
    """Base of all records: frozen, keyword-only, camelCase on the wire.

    Records are not tracked by the garbage collector (``gc=False``): they hold text,
    numbers, enums and other records, never a reference back, so they cannot be part of a
    cycle, and creating them no longer counts towards the next collection.

    Decoding (``okxasync._http.decode``) also checks that every amount is finite and from
    1E-100 to below 1E+101 in size (or zero).
    """


class Timestamped(Record, frozen=True, kw_only=True):
    """A record with the API's ``ts``: ``ts_ms`` (Unix ms), read as ``ts``.

    Each subclass gets the ``ts_ms`` field from the metaclass, among its own fields in wire
    order (``__stamped__``); type checkers see it declared here.
    """

    if TYPE_CHECKING:
        ts_ms: int
    else:
        __stamped__ = True

    @property
    def ts(self) -> datetime:
        """``ts`` as an aware UTC datetime."""
        return ms_to_datetime(self.ts_ms)
