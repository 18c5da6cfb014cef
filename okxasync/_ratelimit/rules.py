"""Rate-limit rules as data: rates, buckets, the API's table of buckets, priorities.

A :class:`Bucket` is one limit the server enforces: a name, a :class:`Rate`, a scope
(the account's User ID, or the caller's IP) and optionally key fields, the API (wire)
names of request parameters whose values split the bucket into one window per value
(``transfer``: 2 requests per second *per currency*). Every endpoint lists the buckets
it consumes; a call holds one unit (or ``cost`` units) of each at once.

:data:`BUCKETS` is the registry of the API's buckets, by name: ``rate_limits=`` overrides
these names, and the emulator enforces the same figures.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .._errors import ValidationError

__all__ = [
    "BILLS_ARCHIVE",
    "BUCKETS",
    "CONVERT",
    "CONVERT_QUOTE",
    "CONVERT_QUOTE_PAIR",
    "CONVERT_TRADE",
    "CONVERT_TRADE_SIDE",
    "DEFAULT_MARGIN",
    "DEFAULT_RATES",
    "DEPOSIT_WITHDRAW_STATUS",
    "FUNDING",
    "OTC",
    "PUBLIC",
    "PUBLIC_RATES",
    "TRANSFER",
    "WS_CONNECT",
    "WS_OPS",
    "Bucket",
    "Claim",
    "Priority",
    "Rate",
    "Scope",
    "check_margin",
    "check_rates",
]

#: Default safety margin, seconds. A slot whose response has not come back yet frees
#: ``period + 0.05`` s after admission. 50 ms is several times the jitter of a stable
#: internet route (single-digit ms, p99 ~15 ms) plus asyncio scheduling delay between
#: admission and the socket write under load; it costs at most 5 % of a 1 s window, and
#: nothing when responses come back within 50 ms (then the response rule frees slots).
DEFAULT_MARGIN = 0.05

Scope = Literal["account", "ip"]


@dataclass(frozen=True)
class Rate:
    """A rate limit: at most `count` units (requests, unless a call costs more) in any
    window of `period` seconds.

    `Client(rate_limits={"otc": Rate(1, 2.0)})` overrides a bucket's rate, by name.

    Attributes:
        count: Units allowed per window, at least 1.
        period: The window, in seconds (positive).

    Raises:
        ValidationError: `count` is not an int of at least 1, or `period` is not positive.
    """

    count: int
    period: float

    def __post_init__(self) -> None:
        valid_count = isinstance(self.count, int) and not isinstance(self.count, bool)
        if not valid_count or self.count < 1:
            raise ValidationError(f"Rate count must be an int >= 1, got {self.count!r}")
        if not isinstance(self.period, (int, float)) or not 0 < self.period < math.inf:
            raise ValidationError(f"Rate period must be positive seconds, got {self.period!r}")


@dataclass(frozen=True)
class Bucket:
    """One server limit: ``rate`` per ``scope`` (and per value of the ``key`` fields).

    ``key`` holds API parameter names (``("ccy",)``); a call's values of them pick its
    window, created on first use and forgotten when idle. ``code`` is the envelope code
    the server answers (with HTTP 429) when the bucket is exceeded.
    """

    name: str
    rate: Rate
    scope: Scope = "account"
    key: tuple[str, ...] = ()
    code: str = "50011"

    def claim(self, *values: str) -> Claim:
        """This bucket for one call whose key fields have ``values`` (in ``key`` order)."""
        if len(values) != len(self.key):
            raise ValueError(f"bucket {self.name!r} is keyed by {self.key}, got {values!r}")
        return Claim(self, tuple(values))


@dataclass(frozen=True)
class Claim:
    """A bucket and one value of its key: the window a call consumes."""

    bucket: Bucket
    key: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``"transfer[BTC]"``, or the bucket's name when it has no key."""
        return f"{self.bucket.name}[{'/'.join(self.key)}]" if self.bucket.key else self.bucket.name


#: The group buckets of the card: every funding endpoint spends ``funding``, every OTC one
#: ``otc``; ``public`` is the per-IP limit of ``GET /api/v5/public/time`` (clock sync).
FUNDING = Bucket("funding", Rate(6, 1.0))
OTC = Bucket("otc", Rate(2, 2.0))
PUBLIC = Bucket("public", Rate(10, 2.0), scope="ip")
#: ``POST /asset/transfer``: 2 per second per currency (rule "User ID + Currency").
TRANSFER = Bucket("transfer", Rate(2, 1.0), key=("ccy",), code="58102")
#: ``GET /asset/deposit-withdraw-status``: 1 per 2 s.
DEPOSIT_WITHDRAW_STATUS = Bucket("deposit-withdraw-status", Rate(1, 2.0), code="58102")
#: ``GET /asset/bills-history`` (the archive since 2021): 1 per second.
BILLS_ARCHIVE = Bucket("bills-archive", Rate(1, 1.0), code="58102")
#: Convert reads (currencies, currency-pair, history): 6 per second.
CONVERT = Bucket("convert", Rate(6, 1.0))
#: ``POST /asset/convert/estimate-quote``: 10 per second and 1 per 5 s per instrument.
CONVERT_QUOTE = Bucket("convert-quote", Rate(10, 1.0))
CONVERT_QUOTE_PAIR = Bucket("convert-quote-pair", Rate(1, 5.0), key=("baseCcy", "quoteCcy"))
#: ``POST /asset/convert/trade``: 10 per second and 1 per 5 s per side (the page does not
#: say whether the instrument is part of that key: keyed by side alone, the safe reading).
CONVERT_TRADE = Bucket("convert-trade", Rate(10, 1.0))
CONVERT_TRADE_SIDE = Bucket("convert-trade-side", Rate(1, 5.0), key=("side",))
#: The business WebSocket: 3 new connections per second per IP; 480 login, subscribe
#: and unsubscribe operations per hour per connection (keyed by a connection id).
WS_CONNECT = Bucket("ws-connect", Rate(3, 1.0), scope="ip")
WS_OPS = Bucket("ws-ops", Rate(480, 3600.0), key=("connId",))

#: Every bucket of the API the client knows, by name.
BUCKETS: Mapping[str, Bucket] = {
    b.name: b
    for b in (
        FUNDING,
        OTC,
        PUBLIC,
        TRANSFER,
        DEPOSIT_WITHDRAW_STATUS,
        BILLS_ARCHIVE,
        CONVERT,
        CONVERT_QUOTE,
        CONVERT_QUOTE_PAIR,
        CONVERT_TRADE,
        CONVERT_TRADE_SIDE,
        WS_CONNECT,
        WS_OPS,
    )
}
#: The group rates of the card (``funding`` 6 / 1 s, ``otc`` 2 / 2 s).
DEFAULT_RATES: Mapping[str, Rate] = {"funding": FUNDING.rate, "otc": OTC.rate}
#: Per-IP limits of the public endpoints the client calls by itself.
PUBLIC_RATES: Mapping[str, Rate] = {"public": PUBLIC.rate}


class Priority(enum.IntEnum):
    """Lower goes first: direct calls, then history page fetches, then background
    reconciliation (gap fills of event streams)."""

    DIRECT = 0
    PAGING = 1
    BACKGROUND = 2


def check_margin(margin: float) -> float:
    if not isinstance(margin, (int, float)) or not 0 <= margin < math.inf:
        raise ValidationError(f"margin must be non-negative seconds, got {margin!r}")
    return float(margin)


def check_rates(overrides: object) -> dict[str, Rate]:
    """The rate of every bucket in :data:`BUCKETS`, updated with a user's ``rate_limits=``
    mapping of bucket name to :class:`Rate`; an unknown name is a :class:`ValidationError`."""
    rates = {name: bucket.rate for name, bucket in BUCKETS.items()}
    if overrides is None:
        return rates
    if not isinstance(overrides, Mapping):
        raise ValidationError(
            f"rate_limits must be a mapping of bucket name to Rate, got {overrides!r}"
        )
    for name, rate in overrides.items():
        if name not in BUCKETS:
            known = ", ".join(sorted(BUCKETS))
            raise ValidationError(f"rate_limits: unknown bucket {name!r} (known: {known})")
        if not isinstance(rate, Rate):
            raise ValidationError(f"rate_limits[{name!r}] must be a Rate, got {rate!r}")
        rates[name] = rate
    return rates
