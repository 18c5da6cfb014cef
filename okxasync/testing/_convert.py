"""The emulator's Convert desk: pairs against USDT, quotes that expire and are used once,
trades that move the trading account's balances and are recorded once per ``clTReqId``.

Error codes: 52901 / 52902 (unknown base / quote currency), 52903 (``rfqSzCcy`` not of the
pair), 52914 (trading balance short), 52917 / 52918 (below / above the pair's limits),
52919 (trade parameters differ from the quote), 52920 (more than quoted), 52921 (quote
already traded), 52922 (quote expired), 52925 (``clTReqId`` already used), 52927 (no such
quote), 58358 (``fromCcy`` = ``toCcy``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from okxasync.testing._catalogue import COINS, COINS_BY_CCY
from okxasync.testing._checks import EmulatorRefusal
from okxasync.testing._data import Row
from okxasync.testing._lists import insert_newest_first, page_newest_first
from okxasync.testing._moves import Moves
from okxasync.testing._random import fmt, timeline


class Owner(Protocol):
    """What the Convert desk needs of the exchange state that owns it (``ExchangeState``)."""

    seed: int
    now_ms: int
    quote_ttl_ms: int
    moves: Moves


__all__ = ["ConvertDesk", "ConvertQuoteRequest", "ConvertTradeRequest"]

QUOTE = "USDT"
SPREAD = Decimal("0.002")
MIN_USD, MAX_USD = Decimal(1), Decimal(100_000)
#: Seeded trades sharing one millisecond across the 100-record page boundary: 98..101.
FORCED = {98: 4}
TRADE_FIELDS = (
    "baseCcy", "clTReqId", "fillBaseSz", "fillPx", "fillQuoteSz", "instId", "quoteCcy",
    "quoteId", "side", "state", "tradeId", "ts",
)  # fmt: skip


@dataclass(frozen=True)
class ConvertQuoteRequest:
    base_ccy: str
    quote_ccy: str
    side: str
    rfq_sz: Decimal
    rfq_sz_ccy: str
    cl_q_req_id: str = ""
    tag: str = ""


@dataclass(frozen=True)
class ConvertTradeRequest:
    quote_id: str
    base_ccy: str
    quote_ccy: str
    side: str
    sz: Decimal
    sz_ccy: str
    cl_t_req_id: str = ""
    tag: str = ""


class ConvertDesk:
    """Convert pairs, live quotes (``quotes``) and trades (``trades``, newest first)."""

    def __init__(self, state: Owner) -> None:
        self.state = state
        rng = random.Random(f"{state.seed}:convert")
        self.mids = {
            coin.ccy: Decimal(fmt(Decimal(repr(coin.usd * rng.uniform(0.98, 1.02))), 6))
            for coin in COINS
            if coin.ccy != QUOTE
        }
        self.quotes: dict[str, Row] = {}
        self.used: set[str] = set()
        self._seq = 0
        self.trades: list[Row] = self._seed_trades(rng, state.now_ms)

    def currencies(self) -> list[Row]:
        return [{"ccy": coin.ccy, "max": "", "min": ""} for coin in COINS]

    def pair(self, from_ccy: str, to_ccy: str) -> Row:
        if from_ccy == to_ccy:
            raise EmulatorRefusal(
                "58358", "The fromCcy parameter cannot be the same as the toCcy parameter."
            )
        base = to_ccy if from_ccy == QUOTE else from_ccy
        if QUOTE not in (from_ccy, to_ccy) or base not in self.mids:
            raise EmulatorRefusal("52901", "Invalid base asset")
        return self._pair(base)

    def _pair(self, base: str) -> Row:
        places = COINS_BY_CCY[base].decimals
        mid = self.mids[base]
        return {
            "baseCcy": base,
            "baseCcyMax": fmt(MAX_USD / mid, places),
            "baseCcyMin": fmt(MIN_USD / mid, places),
            "instId": f"{base}-{QUOTE}",
            "quoteCcy": QUOTE,
            "quoteCcyMax": fmt(MAX_USD, 2),
            "quoteCcyMin": fmt(MIN_USD, 2),
        }

    # ------------------------------------------------------------------- quotes

    def quote(self, request: ConvertQuoteRequest, now_ms: int) -> Row:
        if request.base_ccy not in self.mids:
            raise EmulatorRefusal("52901", "Invalid base asset")
        if request.quote_ccy != QUOTE:
            raise EmulatorRefusal("52902", "Invalid quote asset")
        if request.rfq_sz_ccy not in (request.base_ccy, request.quote_ccy):
            raise EmulatorRefusal("52903", "Invalid quote amount")
        pair = self._pair(request.base_ccy)
        in_base = request.rfq_sz_ccy == request.base_ccy
        prefix = "baseCcy" if in_base else "quoteCcy"
        if request.rfq_sz < Decimal(pair[prefix + "Min"]):
            raise EmulatorRefusal("52917", "RFQ quantity cannot be less than the lower limit")
        if request.rfq_sz > Decimal(pair[prefix + "Max"]):
            raise EmulatorRefusal("52918", "RFQ quantity cannot be greater than the upper limit")
        mid = self.mids[request.base_ccy]
        px = mid * (1 + SPREAD if request.side == "buy" else 1 - SPREAD)
        base_sz, quote_sz = _sizes(request.rfq_sz, in_base, px, request.base_ccy)
        self._seq += 1
        quote = {
            "baseCcy": request.base_ccy,
            "baseSz": base_sz,
            "clQReqId": request.cl_q_req_id,
            "cnvtPx": fmt(px, 8),
            "origRfqSz": fmt(request.rfq_sz, 8),
            "quoteCcy": request.quote_ccy,
            "quoteId": f"quoter{request.base_ccy}-{QUOTE}{now_ms}{self._seq:04d}",
            "quoteSz": quote_sz,
            "quoteTime": str(now_ms),
            "rfqSz": fmt(request.rfq_sz, 8),
            "rfqSzCcy": request.rfq_sz_ccy,
            "side": request.side,
            "ttlMs": str(self.state.quote_ttl_ms),
        }
        self.quotes[quote["quoteId"]] = quote
        return quote

    # ------------------------------------------------------------------- trades

    def trade(self, request: ConvertTradeRequest, now_ms: int) -> Row:
        """Fill a live quote once; nothing changes when it is refused."""
        if request.cl_t_req_id and any(t["clTReqId"] == request.cl_t_req_id for t in self.trades):
            raise EmulatorRefusal("52925", "Duplicate client request ID")
        quote = self._live(request.quote_id, now_ms)
        _check_matches(request, quote)
        in_base = request.sz_ccy == request.base_ccy
        px = Decimal(quote["cnvtPx"])
        base_sz, quote_sz = _sizes(request.sz, in_base, px, request.base_ccy)
        if Decimal(base_sz) > Decimal(quote["baseSz"]):
            raise EmulatorRefusal(
                "52920", "Quantity of convert trading cannot exceed the quotation quantity"
            )
        self._settle(request, Decimal(base_sz), Decimal(quote_sz))
        self.used.add(request.quote_id)
        del self.quotes[request.quote_id]
        trade = self._trade_row(request, base_sz, quote_sz, quote["cnvtPx"], now_ms)
        insert_newest_first(self.trades, trade, lambda r: (int(r["ts"]), r["tradeId"]))
        return trade

    def _live(self, quote_id: str, now_ms: int) -> Row:
        if quote_id in self.used:
            raise EmulatorRefusal("52921", "Quote traded, please ask for quote again")
        quote = self.quotes.get(quote_id)
        if quote is None:
            raise EmulatorRefusal("52927", "No quote")
        if now_ms > int(quote["quoteTime"]) + int(quote["ttlMs"]):
            raise EmulatorRefusal("52922", "Quote expired, please ask for quote again")
        return quote

    def _settle(self, request: ConvertTradeRequest, base_sz: Decimal, quote_sz: Decimal) -> None:
        """Move the trading account's balances; 52914 when the paying side is short."""
        book = self.state.moves.ledger[("", "18")]
        paid, paid_sz, got, got_sz = (
            (request.quote_ccy, quote_sz, request.base_ccy, base_sz)
            if request.side == "buy"
            else (request.base_ccy, base_sz, request.quote_ccy, quote_sz)
        )
        if book.get(paid, Decimal(0)) < paid_sz:
            raise EmulatorRefusal("52914", "Insufficient available balance in trading account")
        book[paid] = book.get(paid, Decimal(0)) - paid_sz
        book[got] = book.get(got, Decimal(0)) + got_sz

    def _trade_row(
        self, request: ConvertTradeRequest, base_sz: str, quote_sz: str, px: str, now_ms: int
    ) -> Row:
        self._seq += 1
        return {
            "baseCcy": request.base_ccy,
            "clTReqId": request.cl_t_req_id,
            "fillBaseSz": base_sz,
            "fillPx": px,
            "fillQuoteSz": quote_sz,
            "instId": f"{request.base_ccy}-{request.quote_ccy}",
            "quoteCcy": request.quote_ccy,
            "quoteId": request.quote_id,
            "side": request.side,
            "state": "fullyFilled",
            "tag": request.tag,
            "tradeId": f"trader{now_ms}{self._seq:06d}",
            "ts": str(now_ms),
        }

    def history(
        self, *, cl_t_req_id: str | None, tag: str | None, after: int | None, before: int | None,
        limit: int,
    ) -> list[Row]:  # fmt: skip
        """A newest-first page; trades made with a tag show only when it is given."""
        match = {"tag": tag or ""}
        if cl_t_req_id is not None:
            match["clTReqId"] = cl_t_req_id
        return page_newest_first(self.trades, after=after, before=before, limit=limit, match=match)

    def _seed_trades(self, rng: random.Random, now_ms: int) -> list[Row]:
        """150 earlier trades over 90 days, newest first, with same-millisecond clusters."""
        rows: list[Row] = []
        for index, ts in enumerate(timeline(rng, 150, now_ms, FORCED)):
            base = rng.choice(sorted(self.mids))
            side = rng.choice(("buy", "sell"))
            usd = Decimal(rng.randint(10, 5_000))
            px = self.mids[base]
            base_sz, quote_sz = _sizes(usd, False, px, base)
            request = ConvertTradeRequest(f"quoter{index}", base, QUOTE, side, usd, QUOTE,
                                          f"seed{index}")  # fmt: skip
            rows.append(self._trade_row(request, base_sz, quote_sz, fmt(px, 8), ts))
        return rows


def _check_matches(request: ConvertTradeRequest, quote: Row) -> None:
    """52919 naming the first trade parameter that differs from the quote."""
    checks = {
        "baseCcy": quote["baseCcy"] == request.base_ccy,
        "quoteCcy": quote["quoteCcy"] == request.quote_ccy,
        "side": quote["side"] == request.side,
        "szCcy": request.sz_ccy in (request.base_ccy, request.quote_ccy),
    }
    for name, ok in checks.items():
        if not ok:
            message = f"Parameter {name} of convert trading is inconsistent with the quotation"
            raise EmulatorRefusal("52919", message)


def _sizes(size: Decimal, in_base: bool, px: Decimal, base: str) -> tuple[str, str]:
    """``(base size, quote size)`` of ``size`` given in the base (or quote) currency; the
    computed side is rounded down to the currency's places."""
    places = COINS_BY_CCY[base].decimals
    if in_base:
        return fmt(size, places), fmt((size * px).quantize(Decimal("0.000001"), ROUND_DOWN), 6)
    return fmt((size / px).quantize(Decimal(1).scaleb(-places), ROUND_DOWN), places), fmt(size, 6)


def trade_view(trade: Row) -> dict[str, str]:
    """A stored trade as ``POST .../trade`` answers it."""
    return {key: trade[key] for key in TRADE_FIELDS}


def history_view(trade: Row) -> dict[str, str]:
    """A stored trade as ``GET .../history`` shows it (no quoteId)."""
    return {key: trade[key] for key in TRADE_FIELDS if key != "quoteId"}
