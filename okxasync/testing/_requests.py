"""The validated requests the emulator's state executes (built by the route handlers)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["QuoteRequest", "TradeRequest", "Withdraw"]


@dataclass(frozen=True)
class Withdraw:
    """A validated withdrawal request."""

    ccy: str
    amt: Decimal
    fee: Decimal
    dest: str
    to_addr: str
    chain: str | None = None
    client_id: str | None = None


@dataclass(frozen=True)
class QuoteRequest:
    """A validated RFQ quote request."""

    base_ccy: str
    quote_ccy: str
    side: str  # buy, sell or two_way
    rfq_sz: Decimal
    rfq_sz_ccy: str
    cl_q_req_id: str | None = None


@dataclass(frozen=True)
class TradeRequest:
    """A validated RFQ trade request."""

    cl_t_req_id: str
    quote_id: str
    base_ccy: str
    quote_ccy: str
    side: str  # buy or sell
    sz: Decimal
    sz_ccy: str
