"""Records of the OTC RFQ endpoints: instruments, quotes, trades, trade history.

Required and optional fields follow the API reference (see :mod:`okxasync.models`):
a field without a default is always sent, and a response lacking it is a
:class:`~okxasync.ResponseError`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec

from ._base import Ms, OpenEnum, Record, Timestamped, TtlMs, check_expiry, ms_to_datetime

__all__ = [
    "HistoryPage",
    "HistoryTrade",
    "InstrumentList",
    "InstrumentPair",
    "Quote",
    "RfqInstrument",
    "Side",
    "Trade",
    "TradeState",
]


class TradeState(OpenEnum):
    """The state of an RFQ trade (`Trade.state`); unknown values decode as in
    [`DepositState`][okxasync.DepositState].

    Attributes:
        PENDING_NEW: `"PendingNew"`: accepted, not yet filled.
        FULLY_FILLED: `"FullyFilled"`: filled.
        REJECTED: `"Rejected"`: rejected.
    """

    PENDING_NEW = "PendingNew"
    FULLY_FILLED = "FullyFilled"
    REJECTED = "Rejected"


class Side(OpenEnum):
    """The side of a quote or trade, for the base currency.

    Attributes:
        BUY: `"buy"`: buy the base currency.
        SELL: `"sell"`: sell the base currency.
        TWO_WAY: `"two_way"`: quote both sides (quotes only).
    """

    BUY = "buy"
    SELL = "sell"
    TWO_WAY = "two_way"


class RfqInstrument(Timestamped, frozen=True, kw_only=True):
    """A pair that can be traded over RFQ (`otc.instruments()`).

    Attributes:
        ts_ms: The update time of the list it came in, Unix milliseconds (read it as `ts`).
        inst_id: The instrument id, e.g. `"BTC-USDT"`.
        base_ccy: The base currency.
        quote_ccy: The quote currency.
        base_single_min: The smallest size in the base currency.
        quote_single_min: The smallest size in the quote currency.
    """

    inst_id: str
    base_ccy: str
    quote_ccy: str
    base_single_min: Decimal
    quote_single_min: Decimal


class InstrumentPair(Record, frozen=True, kw_only=True):
    """A pair as the wire lists it, without ``ts``; see [`RfqInstrument`][okxasync.RfqInstrument].

    Attributes:
        inst_id: The pair, e.g. `"BTC-USD"`.
        base_ccy: Its base currency.
        quote_ccy: Its quote currency.
        base_single_min: The smallest trade, in `base_ccy`.
        quote_single_min: The smallest trade, in `quote_ccy`.
    """

    inst_id: str
    base_ccy: str
    quote_ccy: str
    base_single_min: Decimal
    quote_single_min: Decimal


class InstrumentList(Timestamped, frozen=True, kw_only=True):
    """The wire shape of ``/otc/rfq/instruments``; ``OtcApi.instruments`` flattens it.

    Attributes:
        ts_ms: When the list was updated, Unix milliseconds (read it as `ts`).
        instruments: The pairs ([`InstrumentPair`][okxasync.models.InstrumentPair]).
    """

    instruments: list[InstrumentPair]


class Quote(Record, frozen=True, kw_only=True):
    """A quote: the prices offered for a size (`otc.quote()`), tradable until `expires_at`.

    Attributes:
        quote_ts_ms: When it was quoted, Unix milliseconds (read it as `quote_ts`).
        ttl_ms: How long it is valid, in milliseconds (up to 30 days).
        cl_q_req_id: Your id of the quote request, if you gave one.
        quote_id: The quote's id, to pass to `otc.trade()`.
        base_ccy: The base currency.
        quote_ccy: The quote currency.
        side: The side asked for ([`Side`][okxasync.Side]).
        orig_rfq_sz: The size asked for.
        rfq_sz: The size quoted.
        rfq_sz_ccy: The currency the sizes are in.
        bid_px: The price the exchange buys at.
        bid_base_sz: The bid's size in the base currency.
        bid_quote_sz: The bid's size in the quote currency.
        ask_px: The price the exchange sells at.
        ask_base_sz: The ask's size in the base currency.
        ask_quote_sz: The ask's size in the quote currency.
    """

    quote_ts_ms: Ms = msgspec.field(name="quoteTs")
    ttl_ms: TtlMs
    cl_q_req_id: str
    quote_id: str
    base_ccy: str
    quote_ccy: str
    side: Side
    orig_rfq_sz: Decimal
    rfq_sz: Decimal
    rfq_sz_ccy: str
    bid_px: Decimal
    bid_base_sz: Decimal
    bid_quote_sz: Decimal
    ask_px: Decimal
    ask_base_sz: Decimal
    ask_quote_sz: Decimal

    def __post_init__(self) -> None:
        check_expiry(self.quote_ts_ms, self.ttl_ms)  # so that expires_at can be read

    @property
    def quote_ts(self) -> datetime:
        """`quote_ts_ms` as an aware UTC datetime."""
        return ms_to_datetime(self.quote_ts_ms)

    @property
    def expires_at(self) -> datetime:
        """When the quote stops being tradable (``quote_ts + ttl_ms``)."""
        return ms_to_datetime(self.quote_ts_ms + self.ttl_ms)


class Trade(Timestamped, frozen=True, kw_only=True):
    """An executed RFQ trade (`otc.trade()`, `otc.get_trade()`).

    Attributes:
        ts_ms: The record's time, Unix milliseconds (read it as `ts`).
        trade_id: The trade's id.
        quote_id: The id of the quote traded.
        cl_t_req_id: The client id of the trade request (yours, or the one generated);
            `None` when the server leaves it out (the reference's table lists it, its
            example sends `clQReqId` instead).
        cl_q_req_id: Your id of the quote request, if you gave one; `None` when left out.
        state: Where the trade is ([`TradeState`][okxasync.TradeState]).
        inst_id: The instrument id, e.g. `"BTC-USDT"`.
        base_ccy: The base currency.
        quote_ccy: The quote currency.
        side: The side traded ([`Side`][okxasync.Side]).
        px: The price.
        filled_base_sz: The size filled, in the base currency.
        filled_quote_sz: The size filled, in the quote currency.
    """

    trade_id: str
    quote_id: str
    cl_t_req_id: str | None = None
    cl_q_req_id: str | None = None
    state: TradeState
    inst_id: str
    base_ccy: str
    quote_ccy: str
    side: Side
    px: Decimal
    filled_base_sz: Decimal
    filled_quote_sz: Decimal


class HistoryTrade(Timestamped, frozen=True, kw_only=True):
    """A trade in the RFQ trade history (`otc.history()`, `otc.iter_history()`).

    Attributes:
        ts_ms: The record's time, Unix milliseconds (read it as `ts`).
        trade_ts_ms: When the trade was executed, Unix milliseconds (read it as `trade_ts`).
        trade_id: The trade's id.
        cl_t_req_id: The client id of the trade request.
        inst_id: The instrument id, e.g. `"BTC-USDT"`.
        side: The side traded ([`Side`][okxasync.Side]).
        px: The price.
        base_ccy: The base currency.
        base_sz: The size in the base currency.
        quote_ccy: The quote currency.
        quote_sz: The size in the quote currency.
    """

    trade_ts_ms: Ms = msgspec.field(name="tradeTs")
    trade_id: str
    cl_t_req_id: str
    inst_id: str
    side: Side
    px: Decimal
    base_ccy: str
    base_sz: Decimal
    quote_ccy: str
    quote_sz: Decimal

    @property
    def trade_ts(self) -> datetime:
        """`trade_ts_ms` as an aware UTC datetime."""
        return ms_to_datetime(self.trade_ts_ms)


class HistoryPage(Timestamped, frozen=True, kw_only=True):
    """One page of the RFQ trade history (`otc.history()`).

    Attributes:
        ts_ms: The record's time, Unix milliseconds (read it as `ts`).
        page_idx: This page's index, 0-based.
        total_page_cnt: How many pages the history has; `None` when left out. The
            reference's own example contradicts it (0 pages for 1 record), so
            `iter_history` uses it only where the pages agree with it.
        total_record_cnt: How many trades the history has.
        trades: The page's trades ([`HistoryTrade`][okxasync.HistoryTrade]), newest first.
    """

    page_idx: int
    total_page_cnt: int | None = None
    total_record_cnt: int
    trades: list[HistoryTrade]
