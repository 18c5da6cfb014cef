"""Authentication and parameter checks: small functions that raise ``EmulatorRefusal``.

Error codes the emulator answers with (HTTP status in brackets):

=======  ======  ==========================================================
code     status  meaning
=======  ======  ==========================================================
50000    404/405 unknown path / method not allowed (emulator's choice)
50001    500     unexpected emulator failure (a bug: see the server log)
50102    401     ``OK-ACCESS-TIMESTAMP`` missing, unparseable or > 30 s off
50105    401     ``OK-ACCESS-PASSPHRASE`` wrong or missing
50111    401     ``OK-ACCESS-KEY`` missing or unknown
50113    401     ``OK-ACCESS-SIGN`` wrong or missing
51000    400     a parameter is missing or invalid; ``msg`` names it
58000    200     RFQ: unsupported currency pair
58010    200     RFQ: quote does not exist (unknown or already traded)
58011    200     RFQ: quote expired (older than its ``ttlMs``)
58012    200     RFQ: duplicate ``clTReqId`` (nothing is recorded)
58206    200     withdrawal: ``amt`` below the chain's ``minWd``
58210    200     withdrawal: on-chain ``fee`` above the chain's ``maxFee``
58211    200     withdrawal: on-chain ``fee`` below the chain's ``minFee``
58237    200     withdrawal: duplicate ``clientId`` (nothing is recorded)
58350    200     withdrawal: insufficient balance (``amt + fee > availBal``)
=======  ======  ==========================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from okxasync._http.encode import MAX_CCY
from okxasync._http.signing import sign
from okxasync._paging import MAX_PAGE as MAX_LIMIT

__all__ = [
    "EmulatorRefusal",
    "Secrets",
    "check_auth",
    "param_error",
]

TIMESTAMP_WINDOW_MS = 30_000

_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
_INT_RE = re.compile(r"\d{1,19}")
_DECIMAL_RE = re.compile(r"\d+(\.\d+)?")
_CLIENT_ID_RE = re.compile(r"[A-Za-z0-9]{1,32}")


class EmulatorRefusal(Exception):
    """An error answer: the envelope ``code``/``msg`` and the HTTP status."""

    def __init__(self, code: str, msg: str, status: int = 200) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status


def param_error(name: str, why: str = "error") -> EmulatorRefusal:
    return EmulatorRefusal("51000", f"Parameter {name} {why}", 400)


# ------------------------------------------------------------------------ auth


@dataclass(frozen=True)
class Secrets:
    api_key: str
    secret_key: str
    passphrase: str


def parse_iso_ms(text: str) -> int | None:
    """Epoch ms of ``2022-10-07T07:03:54.726Z``, or None if malformed."""
    if not _ISO_RE.fullmatch(text):
        return None
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return round(moment.timestamp() * 1000)


def check_auth(
    headers: Mapping[str, str],
    method: str,
    raw_path: str,
    body: str,
    secrets: Secrets,
    now_ms: int,
) -> None:
    """Verify the four ``OK-ACCESS-*`` headers like the real API (in its order)."""
    if headers.get("OK-ACCESS-KEY") != secrets.api_key:
        raise EmulatorRefusal("50111", "Invalid OK-ACCESS-KEY", 401)
    timestamp = headers.get("OK-ACCESS-TIMESTAMP", "")
    sent_ms = parse_iso_ms(timestamp)
    if sent_ms is None or abs(sent_ms - now_ms) > TIMESTAMP_WINDOW_MS:
        raise EmulatorRefusal("50102", "Timestamp request expired", 401)
    if headers.get("OK-ACCESS-PASSPHRASE") != secrets.passphrase:
        raise EmulatorRefusal("50105", "OK-ACCESS-PASSPHRASE incorrect", 401)
    expected = sign(secrets.secret_key, timestamp, method, raw_path, body)
    if headers.get("OK-ACCESS-SIGN") != expected:
        raise EmulatorRefusal("50113", "Invalid Sign", 401)


# ------------------------------------------------------------------ parameters


def json_object(text: str) -> dict[str, Any]:
    """A POST body, which must be a JSON object."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise param_error("body", "error: a JSON object is required")
    return value


def optional_str(params: Mapping[str, Any], name: str) -> str | None:
    """A string parameter; absent or ``""`` means not given."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise param_error(name, "error: must be a string")
    return value


def required_str(params: Mapping[str, Any], name: str) -> str:
    value = optional_str(params, name)
    if value is None:
        raise param_error(name, "error: required")
    return value


def optional_int(
    params: Mapping[str, Any], name: str, low: int = 0, high: int | None = None
) -> int | None:
    """A non-negative integer in ``low..high`` given as a string of digits."""
    value = optional_str(params, name)
    if value is None:
        return None
    if not _INT_RE.fullmatch(value) or int(value) < low or (high is not None and int(value) > high):
        raise param_error(name)
    return int(value)


def limit(params: Mapping[str, Any]) -> int:
    """``limit``: 1..100, default 100."""
    value = optional_int(params, "limit", 1, MAX_LIMIT)
    return MAX_LIMIT if value is None else value


def ccy_list(params: Mapping[str, Any]) -> list[str] | None:
    """``ccy``: comma-separated, at most 20 currencies."""
    value = optional_str(params, "ccy")
    if value is None:
        return None
    items = value.split(",")
    if len(items) > MAX_CCY or not all(items):
        raise param_error("ccy")
    return items


def amount(params: Mapping[str, Any], name: str, allow_zero: bool = False) -> Decimal:
    """A required plain positive decimal string such as ``"0.05"`` (no sign, no exponent)."""
    value = required_str(params, name)
    if not _DECIMAL_RE.fullmatch(value) or (Decimal(value) == 0 and not allow_zero):
        raise param_error(name)
    return Decimal(value)


def choice(
    params: Mapping[str, Any], name: str, allowed: tuple[str, ...], required: bool
) -> str | None:
    """A parameter restricted to ``allowed`` values."""
    value = required_str(params, name) if required else optional_str(params, name)
    if value is not None and value not in allowed:
        raise param_error(name)
    return value


def client_id(params: Mapping[str, Any], name: str = "clientId") -> str | None:
    """An optional client id: 1-32 ASCII letters and digits."""
    value = optional_str(params, name)
    if value is not None and not _CLIENT_ID_RE.fullmatch(value):
        raise param_error(name)
    return value
