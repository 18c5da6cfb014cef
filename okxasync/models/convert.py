"""Records of OKX Convert (``/api/v5/asset/convert/*``): currencies, pairs, quotes, trades.

Convert is OKX's quote -> trade flow: ``estimate_quote`` returns a :class:`ConvertQuote`
valid for ``ttl_ms`` (see :attr:`ConvertQuote.expires_at`), ``trade`` fills it once.
It uses the trading account's assets only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec

from ._base import Ms, OpenEnum, Record, TtlMs, check_expiry, ms_to_datetime
from .otc import Side

__all__ = [
    "ConvertCurrency",
    "ConvertPair",
    "ConvertQuote",
    "ConvertTrade",
    "ConvertTradeState",
]


class ConvertTradeState(OpenEnum):
    """``state`` of a Convert trade."""

    FULLY_FILLED = "fullyFilled"
    REJECTED = "rejected"


class ConvertCurrency(Record, frozen=True, kw_only=True):
    """A currency Convert can trade (``GET /api/v5/asset/convert/currencies``).

    Attributes:
        ccy: Currency code, e.g. ``BTC``.
        min: Deprecated minimum amount; the API sends ``""`` (then ``None``).
        max: Deprecated maximum amount; the API sends ``""`` (then ``None``).
    """

    ccy: str
    min: Decimal | None = None
    max: Decimal | None = None


class ConvertPair(Record, frozen=True, kw_only=True):
    """The limits of one Convert pair (``GET /api/v5/asset/convert/currency-pair``).

    Attributes:
        inst_id: Pair, e.g. ``BTC-USDT``.
        base_ccy: Base currency (``side`` is relative to it).
        quote_ccy: Quote currency.
        base_ccy_min: Smallest amount per trade, in the base currency.
        base_ccy_max: Largest amount per trade, in the base currency.
        quote_ccy_min: Smallest amount per trade, in the quote currency.
        quote_ccy_max: Largest amount per trade, in the quote currency.
    """

    inst_id: str
    base_ccy: str
    quote_ccy: str
    base_ccy_min: Decimal
    base_ccy_max: Decimal
    quote_ccy_min: Decimal
    quote_ccy_max: Decimal


class ConvertQuote(Record, frozen=True, kw_only=True):
    """A Convert quote (``POST /api/v5/asset/convert/estimate-quote``): tradable once,
    until :attr:`expires_at`.

    Attributes:
        quote_id: Quote id; pass it to ``client.convert.trade``.
        quote_time_ms: When the quote was made, Unix ms (``quote_time``: aware UTC).
        ttl_ms: How long it is valid, ms (up to 30 days).
        cl_q_req_id: The client quote-request id sent (``""`` when none was sent).
        base_ccy: Base currency.
        quote_ccy: Quote currency.
        side: ``buy`` or ``sell``, of the base currency.
        orig_rfq_sz: The amount asked for.
        rfq_sz: The amount quoted, in ``rfq_sz_ccy``.
        rfq_sz_ccy: Currency of ``rfq_sz``.
        cnvt_px: Price, in the quote currency per base unit.
        base_sz: Amount in the base currency.
        quote_sz: Amount in the quote currency.
    """

    quote_id: str
    quote_time_ms: Ms = msgspec.field(name="quoteTime")
    ttl_ms: TtlMs
    cl_q_req_id: str
    base_ccy: str
    quote_ccy: str
    side: Side
    orig_rfq_sz: Decimal
    rfq_sz: Decimal
    rfq_sz_ccy: str
    cnvt_px: Decimal
    base_sz: Decimal
    quote_sz: Decimal

    def __post_init__(self) -> None:
        check_expiry(self.quote_time_ms, self.ttl_ms)  # so that expires_at can be read

    @property
    def quote_time(self) -> datetime:
        """When the quote was made, aware UTC."""
        return _utc(self.quote_time_ms)

    @property
    def expires_at_ms(self) -> int:
        """The last moment the quote is valid, Unix ms (``quote_time_ms + ttl_ms``)."""
        return self.quote_time_ms + self.ttl_ms

    @property
    def expires_at(self) -> datetime:
        """The last moment the quote is valid, aware UTC (server time)."""
        return _utc(self.expires_at_ms)


class ConvertTrade(Record, frozen=True, kw_only=True):
    """A Convert trade (``POST /api/v5/asset/convert/trade`` and ``GET .../history``).

    Attributes:
        trade_id: Trade id.
        quote_id: The quote traded; ``None`` in history records (the history has none).
        cl_t_req_id: The client trade id (``""`` when none was sent).
        state: ``fullyFilled`` or ``rejected`` (an open enum).
        inst_id: Pair, e.g. ``ETH-USDT``.
        base_ccy: Base currency.
        quote_ccy: Quote currency.
        side: ``buy`` or ``sell``, of the base currency.
        fill_px: Fill price, in the quote currency.
        fill_base_sz: Amount filled, in the base currency.
        fill_quote_sz: Amount filled, in the quote currency.
        ts_ms: Trade time, Unix ms (``ts``: aware UTC).
    """

    trade_id: str
    quote_id: str | None = None
    cl_t_req_id: str
    state: ConvertTradeState
    inst_id: str
    base_ccy: str
    quote_ccy: str
    side: Side
    fill_px: Decimal
    fill_base_sz: Decimal
    fill_quote_sz: Decimal
    ts_ms: Ms = msgspec.field(name="ts")

    @property
    def ts(self) -> datetime:
        """Trade time, aware UTC."""
        return _utc(self.ts_ms)


def _utc(ms: int) -> datetime:
    moment = ms_to_datetime(ms)
    assert moment is not None  # ms is an int
    return moment
