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
    PENDING_NEW = "PendingNew"
    FULLY_FILLED = "FullyFilled"
    REJECTED = "Rejected"


class Side(OpenEnum):
    BUY = "buy"
    SELL = "sell"
    TWO_WAY = "two_way"


class RfqInstrument(Timestamped, frozen=True, kw_only=True):
    """A tradable pair; ``ts`` is the update time of the list it came in."""

    inst_id: str = ""
    base_ccy: str = ""
    quote_ccy: str = ""
    base_single_min: Decimal | None = None
    quote_single_min: Decimal | None = None


class InstrumentList(Timestamped, frozen=True, kw_only=True):
    """The wire shape of ``/otc/rfq/instruments``; ``OtcApi.instruments`` flattens it."""

    instruments: list[RfqInstrument] = msgspec.field(default_factory=list)


class Quote(Record, frozen=True, kw_only=True):
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
        return ms_to_datetime(self.quote_ts_ms)

    @property
    def expires_at(self) -> datetime | None:
        """When the quote stops being tradable (``quote_ts + ttl_ms``)."""
        if self.quote_ts_ms is None or self.ttl_ms is None:
            return None
        return ms_to_datetime(self.quote_ts_ms + self.ttl_ms)


class Trade(Timestamped, frozen=True, kw_only=True):
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
        return ms_to_datetime(self.trade_ts_ms)


class HistoryPage(Timestamped, frozen=True, kw_only=True):
    page_idx: int | None = None
    total_page_cnt: int | None = None
    total_record_cnt: int | None = None
    trades: list[HistoryTrade] = msgspec.field(default_factory=list)
