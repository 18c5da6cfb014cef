"""Records of the OTC RFQ endpoints: instruments, quotes, trades, trade history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec

from ._base import OpenEnum, Record, Timestamped, ms_to_datetime

__all__ = [
    "HistoryPage",
    "HistoryTrade",
    "InstrumentList",
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

    inst_id: str = ""
    base_ccy: str = ""
    quote_ccy: str = ""
    base_single_min: Decimal | None = None
    quote_single_min: Decimal | None = None


class InstrumentList(Timestamped, frozen=True, kw_only=True):
    """The wire shape of ``/otc/rfq/instruments``; ``OtcApi.instruments`` flattens it."""

    instruments: list[RfqInstrument] = msgspec.field(default_factory=list)


class Quote(Record, frozen=True, kw_only=True):
    """A quote: the prices offered for a size (`otc.quote()`), tradable until `expires_at`.

    Attributes:
        quote_ts_ms: When it was quoted, Unix milliseconds (read it as `quote_ts`).
        ttl_ms: How long it is valid, in milliseconds.
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

    quote_ts_ms: int | None = msgspec.field(default=None, name="quoteTs")
    ttl_ms: int | None = None
    cl_q_req_id: str = ""
    quote_id: str = ""
    base_ccy: str = ""
    quote_ccy: str = ""
    side: Side | None = None
    orig_rfq_sz: Decimal | None = None
    rfq_sz: Decimal | None = None
    rfq_sz_ccy: str = ""
    bid_px: Decimal | None = None
    bid_base_sz: Decimal | None = None
    bid_quote_sz: Decimal | None = None
    ask_px: Decimal | None = None
    ask_base_sz: Decimal | None = None
    ask_quote_sz: Decimal | None = None

    @property
    def quote_ts(self) -> datetime | None:
        """`quote_ts_ms` as an aware UTC datetime."""
        return ms_to_datetime(self.quote_ts_ms)

    @property
    def expires_at(self) -> datetime | None:
        """When the quote stops being tradable (``quote_ts + ttl_ms``)."""
        if self.quote_ts_ms is None or self.ttl_ms is None:
            return None
        return ms_to_datetime(self.quote_ts_ms + self.ttl_ms)


class Trade(Timestamped, frozen=True, kw_only=True):
    """An executed RFQ trade (`otc.trade()`, `otc.get_trade()`).

    Attributes:
        ts_ms: The record's time, Unix milliseconds (read it as `ts`).
        trade_id: The trade's id.
        quote_id: The id of the quote traded.
        cl_t_req_id: The client id of the trade request (yours, or the one generated).
        cl_q_req_id: Your id of the quote request, if you gave one.
        state: Where the trade is ([`TradeState`][okxasync.TradeState]).
        inst_id: The instrument id, e.g. `"BTC-USDT"`.
        base_ccy: The base currency.
        quote_ccy: The quote currency.
        side: The side traded ([`Side`][okxasync.Side]).
        px: The price.
        filled_base_sz: The size filled, in the base currency.
        filled_quote_sz: The size filled, in the quote currency.
    """

    trade_id: str = ""
    quote_id: str = ""
    cl_t_req_id: str = ""
    cl_q_req_id: str = ""
    state: TradeState | None = None
    inst_id: str = ""
    base_ccy: str = ""
    quote_ccy: str = ""
    side: Side | None = None
    px: Decimal | None = None
    filled_base_sz: Decimal | None = None
    filled_quote_sz: Decimal | None = None


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

    trade_ts_ms: int | None = msgspec.field(default=None, name="tradeTs")
    trade_id: str = ""
    cl_t_req_id: str = ""
    inst_id: str = ""
    side: Side | None = None
    px: Decimal | None = None
    base_ccy: str = ""
    base_sz: Decimal | None = None
    quote_ccy: str = ""
    quote_sz: Decimal | None = None

    @property
    def trade_ts(self) -> datetime | None:
        """`trade_ts_ms` as an aware UTC datetime."""
        return ms_to_datetime(self.trade_ts_ms)


class HistoryPage(Timestamped, frozen=True, kw_only=True):
    """One page of the RFQ trade history (`otc.history()`).

    Attributes:
        ts_ms: The record's time, Unix milliseconds (read it as `ts`).
        page_idx: This page's index, 0-based.
        total_page_cnt: How many pages the history has.
        total_record_cnt: How many trades the history has.
        trades: The page's trades ([`HistoryTrade`][okxasync.HistoryTrade]), newest first.
    """

    page_idx: int | None = None
    total_page_cnt: int | None = None
    total_record_cnt: int | None = None
    trades: list[HistoryTrade] = msgspec.field(default_factory=list)
