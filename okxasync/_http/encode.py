"""Encoding and validation of call arguments, before anything is sent.

Each endpoint describes its parameters as data (:class:`Param`); :func:`encode` turns
the keyword arguments of a call into the API's camelCase string parameters, or raises
:class:`ValidationError`. ``None`` means "not sent".

Amounts accept :class:`~decimal.Decimal`, ``int`` or a decimal ``str`` from ``1E-100`` to
below ``1E+101`` (``MAX_EXPONENT``) and are sent as plain decimal text without exponent
(``Decimal("1E-8")`` -> ``"0.00000001"``). Floats
are refused: a float such as ``0.1`` is not the number the user meant, and sending its
repr would move a different amount than written.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from .._errors import ValidationError
from .._text import MAX_EXPONENT, plain_decimal

__all__ = [
    "MAX_CCY",
    "SECONDS_BELOW",
    "ArgsEncoder",
    "Millis",
    "Param",
    "ccy_codes",
    "compile_encoder",
    "encode",
    "to_ms",
]

MAX_CCY = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: The last millisecond of year 9999, the largest time the API's fields can carry sensibly.
MAX_MS = (datetime(10000 - 1, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc) - _EPOCH) // (
    timedelta(milliseconds=1)
)
_CLIENT_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_CCY = re.compile(r"[A-Za-z0-9]{1,32}")

Encoder = Callable[[str, object], str]


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{name} must be a non-empty string, got {value!r}")
    try:
        value.encode()
    except UnicodeEncodeError:  # lone surrogates cannot be sent as UTF-8
        raise ValidationError(f"{name} is not valid Unicode text: {value!r}") from None
    return value


def _ccy(name: str, value: object) -> str:
    return ",".join(dict.fromkeys(_ccy_items(name, value)))


def ccy_codes(name: str, value: object) -> list[str] | None:
    """The codes of a ``ccy`` argument (a code, or an iterable of 1 to ``MAX_CCY`` codes)
    in the order given, each once (repeats are dropped); ``None`` for ``None``.

    Raises :class:`ValidationError` for anything else, e.g. more than ``MAX_CCY`` codes.
    """
    return None if value is None else list(dict.fromkeys(_ccy_items(name, value)))


def _ccy_items(name: str, value: object) -> list[str]:
    items = [value] if isinstance(value, str) else _iterable(name, value)
    if not items or len(items) > MAX_CCY:
        raise ValidationError(f"{name} takes 1 to {MAX_CCY} currencies, got {len(items)}")
    return [_one_ccy(name, item) for item in items]


def _one_ccy(name: str, value: object) -> str:
    """A currency code in upper case, as the API spells them (``"btc"`` -> ``"BTC"``)."""
    if not isinstance(value, str) or not _CCY.fullmatch(value):
        raise ValidationError(f"{name} must be one currency code such as 'BTC', got {value!r}")
    return value.upper()


def _iterable(name: str, value: object) -> list[object]:
    if not isinstance(value, Iterable) or isinstance(value, (bytes, Mapping)):
        raise ValidationError(f"{name} must be a string or an iterable of strings")
    return list(value)


def _amount(name: str, value: object) -> str:
    """A positive, finite decimal within ``MAX_EXPONENT`` as plain text."""
    if isinstance(value, (bool, float)):
        raise ValidationError(
            f"{name} must be a Decimal, int or decimal string, not {value!r}"
            " (floats are refused: use Decimal or str)"
        )
    if not isinstance(value, (Decimal, int, str)):
        raise ValidationError(f"{name} must be a Decimal, int or decimal string, got {value!r}")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(f"{name} is not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise ValidationError(f"{name} must be a positive finite number, got {value!r}")
    if not -MAX_EXPONENT <= number.adjusted() <= MAX_EXPONENT:  # before showing its repr
        raise ValidationError(
            f"{name} must be from 1E-{MAX_EXPONENT} to below 1E+{MAX_EXPONENT + 1},"
            f" got a number of the order of 1E{number.adjusted():+}"
        )
    if number <= 0:
        raise ValidationError(f"{name} must be a positive finite number, got {value!r}")
    return format_decimal(number)


format_decimal = plain_decimal


def _limit(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ValidationError(f"{name} must be an int from 1 to 100, got {value!r}")
    return str(value)


def _count(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a non-negative int, got {value!r}")
    return str(value)


def _client_id(name: str, value: object) -> str:
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        raise ValidationError(f"{name} must be 1-32 ASCII letters and digits, got {value!r}")
    return value


def _bool_text(name: str, value: object) -> str:
    """A bool as the API's text ``"true"`` / ``"false"``."""
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False, got {value!r}")
    return "true" if value else "false"


def _ms(name: str, value: object) -> str:
    return str(to_ms(name, value))


#: An ``int`` time below this (1973-03-03 in ms, year 5138 in seconds) is taken for seconds.
SECONDS_BELOW = 10**11


class Millis(int):
    """Unix milliseconds the library computed itself (paging cursors): never mistaken for
    seconds by :func:`to_ms`, however small."""


def to_ms(name: str, value: object) -> int:
    """Unix milliseconds, from 1970 to the end of year 9999, from an aware datetime or an int.

    Raises :class:`ValidationError` for anything else, and for an ``int`` from 1 to
    ``SECONDS_BELOW - 1``: that is almost surely Unix *seconds* (``time.time()``), which
    would silently select 1970; the message says so. ``0`` (the epoch) is accepted.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(f"{name} must be a timezone-aware datetime, got a naive one")
        ms = (value - _EPOCH) // timedelta(milliseconds=1)
    elif isinstance(value, int) and not isinstance(value, bool):
        ms = value
        if 0 < ms < SECONDS_BELOW and not isinstance(value, Millis):
            raise ValidationError(
                f"{name} takes Unix milliseconds, got {value!r}, which looks like seconds "
                f"(that many ms is in 1970-73): pass {value * 1000} or an aware datetime"
            )
    else:
        raise ValidationError(f"{name} must be an aware datetime or Unix ms, got {value!r}")
    if not 0 <= ms <= MAX_MS:
        raise ValidationError(f"{name} must lie between 1970 and 9999, got {value!r}")
    return ms


def choice(*allowed: str) -> Encoder:
    """An encoder accepting one of ``allowed`` (or an enum member with such a value)."""

    def encode_choice(name: str, value: object) -> str:
        raw = value.value if isinstance(value, enum.Enum) else value
        if not isinstance(raw, str) or raw not in allowed:
            raise ValidationError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        return raw

    return encode_choice


@dataclass(frozen=True)
class Param:
    """One API parameter: its wire name, how to encode it, and whether it is required."""

    api: str
    encoder: Encoder = _text
    required: bool = False


CCY1 = _one_ccy
BOOL_TEXT = _bool_text
TEXT, CCY, AMOUNT, LIMIT, COUNT, CLIENT_ID, MS = (
    _text,
    _ccy,
    _amount,
    _limit,
    _count,
    _client_id,
    _ms,
)


ArgsEncoder = Callable[[Mapping[str, object]], dict[str, str]]


def encode(params: Mapping[str, Param], values: Mapping[str, object]) -> dict[str, str]:
    """The wire parameters for ``values`` (snake_case keyword arguments), in spec order.

    Raises :class:`ValidationError` for an unknown or missing argument, or a bad value.
    This writes the table's encoder for one call; an endpoint keeps its own
    (``Endpoint.encode``).
    """
    return compile_encoder(params)(values)


def compile_encoder(params: Mapping[str, Param]) -> ArgsEncoder:
    """:func:`encode` for one parameter table, as a function written for it: one
    ``get`` and test per parameter, no loop over the table (every call of an endpoint runs
    it; ``dataclasses`` writes its methods the same way). The table is read now."""
    table = dict(params)
    lines = [
        "def encode(values):",
        "    if not values.keys() <= names:",
        "        unexpected(values)",
        "    wire = {}",
        "    get = values.get",
    ]
    namespace: dict[str, object] = {
        "names": table.keys(),
        "unexpected": functools.partial(_unexpected, table),
        "missing": _missing,
    }
    for index, (name, param) in enumerate(table.items()):
        namespace[f"encode{index}"] = param.encoder
        lines += [
            f"    value = get({name!r})",
            "    if value is not None:",
            f"        wire[{param.api!r}] = encode{index}({name!r}, value)",
        ]
        if param.required:
            lines += ["    else:", f"        missing({name!r})"]
    lines.append("    return wire")
    exec("\n".join(lines), namespace)  # names are repr'd literals: nothing else is read
    encoder: ArgsEncoder = namespace["encode"]  # type: ignore[assignment]
    return encoder


def _unexpected(params: Mapping[str, Param], values: Mapping[str, object]) -> None:
    unknown = values.keys() - params.keys()
    raise ValidationError(f"unexpected argument(s): {', '.join(sorted(unknown))}")


def _missing(name: str) -> None:
    raise ValidationError(f"{name} is required")
