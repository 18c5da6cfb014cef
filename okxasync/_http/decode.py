"""Decoding of response bodies into typed records.

The fast path decodes the bytes straight into ``Envelope[Record]`` with one reusable
msgspec decoder per record type. Only when that fails does the slow path run: it
tells API errors from malformed bodies, and turns ``""`` into ``None`` for the
non-string fields (the API sends ``""`` for "no value") before converting again.

Everything a record needs is checked here, so that reading a field never fails later:
required fields, types, times in range (``msgspec.Meta`` on the fields), and amounts that
are finite numbers (not ``NaN``, ``sNaN`` or an infinity, which would raise later when
compared or added) from 1E-100 to below 1E+101 in size (``MAX_EXPONENT``: ``1E+999999999``
is finite, but adding it raises ``decimal.Overflow`` and formatting it takes gigabytes).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Generic, TypeVar, get_args, get_origin

import msgspec

from .._errors import APIError, RateLimitError, ResponseError, error_class, excerpt
from .._text import MAX_EXPONENT

__all__ = ["Envelope", "check_finite", "decode"]

R = TypeVar("R")


class Envelope(msgspec.Struct, Generic[R]):
    code: str | int
    msg: str = ""
    data: list[R] = msgspec.field(default_factory=list)


class _Head(msgspec.Struct):
    """Just enough of an envelope to read an error; ``data`` may be anything."""

    code: str | int
    msg: str = ""


_head_decoder = msgspec.json.Decoder(_Head, strict=False)


_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _decoder(record: type[R]) -> msgspec.json.Decoder[Envelope[R]]:
    """The decoder for ``Envelope[record]``, built once and reused."""
    decoder = _decoders.get(record)
    if decoder is None:
        envelope = Envelope[record]  # type: ignore[valid-type]
        decoder = _decoders[record] = msgspec.json.Decoder(envelope, strict=False)
    return decoder


def decode(record: type[R], body: bytes, status: int) -> list[R]:
    """The records of a successful envelope, or the matching :class:`OkxError`.

    Raises :class:`APIError` (or a subclass) when ``code != "0"``,
    :class:`RateLimitError` for HTTP 429 whatever the body (an HTML page, nothing, even
    ``code "0"``), and :class:`ResponseError` when the body is not a well-formed envelope.
    """
    if status == 429:
        raise _rate_limited(body)
    try:
        envelope = (_decoders.get(record) or _decoder(record)).decode(body)
    except (msgspec.MsgspecError, RecursionError):  # RecursionError: absurdly deep nesting
        return _decode_slow(record, body, status)
    if str(envelope.code) != "0":
        raise _api_error(str(envelope.code), envelope.msg, status)
    if status >= 300:
        raise ResponseError("HTTP error status with a success code", status, body)
    check_finite(envelope.data, status, body)
    return envelope.data


def _decode_slow(record: type[R], body: bytes, status: int) -> list[R]:
    try:
        head = _head_decoder.decode(body)
    except (msgspec.MsgspecError, RecursionError) as exc:
        raise ResponseError(f"not a JSON envelope ({_reason(exc)})", status, body) from None
    if str(head.code) != "0":
        raise _api_error(str(head.code), head.msg, status)
    try:
        envelope = Envelope[record]  # type: ignore[valid-type]
        raw = _blank_to_none(msgspec.json.decode(body), envelope)
        records: list[R] = msgspec.convert(raw, envelope, strict=False).data
    except (msgspec.MsgspecError, TypeError, ValueError, RecursionError) as exc:
        raise ResponseError(f"unexpected data ({_reason(exc)})", status, body) from None
    check_finite(records, status, body)
    return records


def check_finite(records: list[Any], status: int, body: bytes) -> None:
    """Raises :class:`ResponseError` if an amount in ``records`` (of one record type; nested
    records included) is NaN, infinite, or outside 1E-100 .. 1E+101 in size."""
    if records:
        bad = _checker(type(records[0]))(records)
        if bad is not None:
            raise ResponseError(f"unexpected data ({bad} is {_NOT_AMOUNT})", status, body)


_NOT_AMOUNT = f"not a finite number within 1E-{MAX_EXPONENT} .. 1E+{MAX_EXPONENT + 1}"


Checker = Callable[[list[Any]], "str | None"]
_checkers: dict[type[Any], Checker] = {}


def _checker(record: type[Any]) -> Checker:
    """The check of one record type: a function written for its fields (cached)."""
    checker = _checkers.get(record)
    if checker is None:
        checker = _checkers[record] = _compile(record)
    return checker


def _compile(record: type[Any]) -> Checker:
    """A loop reading each amount as a plain attribute: three times faster than ``getattr``
    or ``operator.attrgetter`` pipelines, and this runs over every record received (as
    ``dataclasses`` and ``attrs`` write their methods). Returns the first bad field's name."""
    amounts, optional, nested = _plan(record)
    # NaN and the infinities have adjusted() 0: is_finite() must come first.
    refused = f"not (v.is_finite() and {-MAX_EXPONENT} <= v.adjusted() <= {MAX_EXPONENT})"
    lines = ["def check(records):", "    for r in records:"]
    for name in amounts:
        assert name.isidentifier()  # a Struct field is one
        lines += [f"        v = r.{name}", f"        if {refused}:", f"            return {name!r}"]
    for name in optional:
        assert name.isidentifier()
        lines += [
            f"        v = r.{name}",
            f"        if v is not None and {refused}:",
            f"            return {name!r}",
        ]
    for name in nested:
        assert name.isidentifier()
        lines += [
            f"        if r.{name}:",
            f"            bad = nested(r.{name})",
            "            if bad is not None:",
            "                return bad",
        ]
    if not amounts and not optional and not nested:
        lines.append("        break")
    lines.append("    return None")
    namespace: dict[str, Any] = {"nested": _nested}
    exec("\n".join(lines), namespace)  # built from field names only
    checker: Checker = namespace["check"]
    return checker


def _nested(records: list[Any]) -> str | None:
    return _checker(type(records[0]))(records) if records else None


def _plan(record: type[Any]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(Decimal fields, Decimal | None fields, list-of-record fields)`` of a record type."""
    if not isinstance(record, type) or not issubclass(record, msgspec.Struct):
        return (), (), ()
    fields = msgspec.structs.fields(record)
    amounts = tuple(f.name for f in fields if f.type is Decimal)
    optional = tuple(
        f.name for f in fields if f.type is not Decimal and Decimal in get_args(f.type)
    )
    nested = tuple(f.name for f in fields if get_origin(f.type) is list)
    return amounts, optional, nested


def _rate_limited(body: bytes) -> RateLimitError:
    """The rejection of an HTTP 429 answer: its envelope's code and message when it has one."""
    try:
        head = _head_decoder.decode(body)
    except (msgspec.MsgspecError, RecursionError):
        return RateLimitError("", f"Too Many Requests (no envelope: '{excerpt(body)}')", 429)
    return RateLimitError(str(head.code), head.msg, 429)


def _api_error(code: str, msg: str, status: int) -> APIError:
    return error_class(code, status)(code, msg, status)


def _reason(exc: BaseException) -> str:
    return str(exc)[:120] or type(exc).__name__


def _blank_to_none(value: Any, tp: Any) -> Any:
    """``value`` with ``""`` replaced by ``None`` where ``tp`` expects a non-string."""
    return _walk(value, msgspec.inspect.type_info(tp))


def _walk(value: Any, info: msgspec.inspect.Type) -> Any:
    if isinstance(info, msgspec.inspect.UnionType):
        if value == "" and not any(isinstance(t, msgspec.inspect.StrType) for t in info.types):
            return None
        structs = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        return _walk(value, structs[0]) if len(structs) == 1 else value
    if isinstance(info, msgspec.inspect.StructType) and isinstance(value, dict):
        fields = {f.encode_name: f.type for f in info.fields}
        return {k: _walk(v, fields[k]) if k in fields else v for k, v in value.items()}
    if isinstance(info, msgspec.inspect.ListType) and isinstance(value, list):
        return [_walk(v, info.item_type) for v in value]
    return value
