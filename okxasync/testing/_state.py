"""``ExchangeState``: the emulator's ground truth, its queries and mutations.

Tests read the same lists the server answers from: ``state.deposits``,
``state.withdrawals``, ``state.bills`` and ``state.rfq_trades`` are newest
first, ordered by ``(ts, id)`` descending, so within one millisecond the larger
id comes first. Queries only rely on the ``Sequence`` protocol of these lists,
so a lazily generated history can replace one later.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from okxasync.testing._catalogue import COINS_BY_CCY
from okxasync.testing._checks import EmulatorRefusal, param_error
from okxasync.testing._convert import ConvertDesk
from okxasync.testing._data import ANCHOR_MS, Mixed, Row, generate, trade_id
from okxasync.testing._generated import Archive, ArchivedBills, GeneratedHistory, Kind
from okxasync.testing._lists import insert_newest_first, numeric_key, page_newest_first
from okxasync.testing._moves import Moves
from okxasync.testing._random import fmt
from okxasync.testing._requests import QuoteRequest, TradeRequest, Withdraw

__all__ = [
    "ExchangeState",
    "QuoteRequest",
    "RfqHistorySlice",
    "TradeRequest",
    "Withdraw",
    "insert_newest_first",
    "page_newest_first",
]

DEFAULT_QUOTE_TTL_MS = 15_000
DEFAULT_ARCHIVE_SIZE = 3_000  # archived bills older than the recent ones
QUOTE_SPREAD = Decimal("0.001")  # each side, relative to the mid


def _trade_key(r: Row) -> object:
    return (int(r["ts"]), r["tradeId"])


def _sizes(size: Decimal, in_base: bool, px: Decimal) -> tuple[str, str]:
    """``(base size, quote size)`` of ``size`` given in base (or quote) currency."""
    if in_base:
        return fmt(size, 8), fmt(size * px, 8)
    return fmt(size / px, 8), fmt(size, 8)


def _check_matches_quote(request: TradeRequest, quote: Row) -> None:
    if request.base_ccy != quote["baseCcy"]:
        raise param_error("baseCcy", "error: does not match the quote")
    if request.quote_ccy != quote["quoteCcy"]:
        raise param_error("quoteCcy", "error: does not match the quote")
    if quote["side"] not in (request.side, "two_way"):
        raise param_error("side", "error: does not match the quote")
    if request.sz_ccy not in (request.base_ccy, request.quote_ccy):
        raise param_error("szCcy")


@dataclass(frozen=True)
class RfqHistorySlice:
    """One page of RFQ trade history (trades newest first)."""

    trades: list[Row]
    total_records: int
    total_pages: int


class ExchangeState:
    """The emulator's ground truth: a seeded, mutable fake account (`fake.state`).

    Tests read the same lists the server answers from: `deposits`, `withdrawals`, `bills`
    and `rfq_trades` are newest first, ordered by `(ts, id)` descending, so within one
    millisecond the larger id comes first. Rows are dicts of the API's field names and
    text values, as the server sends them; a test may change them (e.g. a deposit's
    `"state"`) and the server answers accordingly. `moves` holds the trading and
    sub-accounts, transfers and withdrawal cancels; `convert` the Convert desk.

    Args:
        seed: With `now_ms`, fully determines the generated records, which all lie in the
            ~90 days before `now_ms`.
        now_ms: The base time, Unix milliseconds (default: the fixed `ANCHOR_MS`,
            2026-01-01T00:00:00Z, so a seed means the same records on every run; pass
            `int(time.time() * 1000)` for histories that end now).
        quote_ttl_ms: The lifetime of RFQ and Convert quotes, in milliseconds.
        history_size: Replace the seeded deposits, withdrawals and bills with that many
            records each, computed on demand (memory stays flat).
        archive_size: How many bills older than those make the bills archive, back to
            2021-02-01 (`bills_archive`: the recent bills, then these).
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        now_ms: int | None = None,
        quote_ttl_ms: int = DEFAULT_QUOTE_TTL_MS,
        history_size: int | None = None,
        archive_size: int = DEFAULT_ARCHIVE_SIZE,
    ) -> None:
        self.seed = seed
        self.now_ms = ANCHOR_MS if now_ms is None else now_ms
        self.quote_ttl_ms = quote_ttl_ms
        data = generate(seed, self.now_ms)
        self.account_id = data.account_id
        self.balances: list[Row] = data.balances
        self.currencies: list[Mixed] = data.currencies
        self.deposit_addresses: dict[str, list[Mixed]] = data.deposit_addresses
        self.deposits: list[Row] | GeneratedHistory = data.deposits
        self.withdrawals: list[Row] | GeneratedHistory = data.withdrawals
        self.bills: list[Row] | GeneratedHistory = data.bills
        if history_size is not None:
            self._generate_histories(history_size)
        self.rfq_instruments: list[Row] = data.rfq_instruments
        self.rfq_mids: dict[str, Decimal] = data.rfq_mids
        self.rfq_trades: list[Row] = data.rfq_trades
        self.quotes: dict[str, Row] = {}  # live quotes by quoteId
        self._rng = random.Random(f"{seed}:runtime")  # for ids and addresses made later
        self._seq = 1000  # for quote and trade ids
        self._last_id = {  # new ids continue above every seeded one (ids grow with time)
            "wdId": int(self.withdrawals[0]["wdId"]) if self.withdrawals else 0,
            "billId": int(self.bills[0]["billId"]) if self.bills else 0,
        }
        #: Called with ``(kind, record)`` after a deposit or withdrawal is added or changes
        #: state (kind ``"deposit"`` / ``"withdrawal"``); the WebSocket pushes from here.
        self.listeners: list[Callable[[str, Row], None]] = []
        oldest = int(self.bills[-1]["ts"]) if self.bills else self.now_ms
        self.bills_archive = Archive(
            self.bills, ArchivedBills(archive_size, seed=seed, newest_ms=oldest - 1_000)
        )
        self.moves = Moves(self)
        self.convert = ConvertDesk(self)

    def changed(self, kind: str, record: Row) -> None:
        """Tell every listener that ``record`` (a ``kind`` record) was added or changed.

        Args:
            kind: ``"deposit"`` or ``"withdrawal"``.
            record: The stored row, in its new state.
        """
        for listener in list(self.listeners):
            listener(kind, record)

    def _generate_histories(self, size: int) -> None:
        def history(kind: Kind) -> GeneratedHistory:
            return GeneratedHistory(
                kind,
                size,
                seed=self.seed,
                now_ms=self.now_ms,
                addresses=self.deposit_addresses,
                account_id=self.account_id,
            )

        self.deposits = history("deposits")
        self.withdrawals = history("withdrawals")
        self.bills = history("bills")

    # ------------------------------------------------------------- funding

    def balance_rows(self, ccys: list[str] | None) -> list[Row]:
        """The funding balances, as `/asset/balances` answers.

        Args:
            ccys: Only these currencies; all when `None`.

        Returns:
            One row per currency.
        """
        return [r for r in self.balances if ccys is None or r["ccy"] in ccys]

    def currency_rows(self, ccys: list[str] | None) -> list[Mixed]:
        """The currencies and chains, as `/asset/currencies` answers.

        Args:
            ccys: Only these currencies; all when `None`.

        Returns:
            One row per currency and chain.
        """
        return [r for r in self.currencies if ccys is None or r["ccy"] in ccys]

    def main_chain(self, ccy: str) -> str:
        """The main chain of a currency.

        Args:
            ccy: A currency the emulator knows.

        Returns:
            The chain's name, e.g. `"USDT-ERC20"`.
        """
        return next(str(r["chain"]) for r in self.currencies if r["ccy"] == ccy and r["mainNet"])

    def chains(self, ccy: str) -> list[str]:
        """Every chain of a currency.

        Args:
            ccy: A currency the emulator knows.

        Returns:
            The chains' names.
        """
        return [str(r["chain"]) for r in self.currencies if r["ccy"] == ccy]

    def currency_row(self, ccy: str, chain: str | None) -> Mixed:
        """The `/asset/currencies` row of a currency on one chain.

        Args:
            ccy: A currency the emulator knows.
            chain: One of its chains; `None` for its main chain.

        Returns:
            The row, with the chain's `minWd`, `minFee` and `maxFee`.
        """
        chain = chain or self.main_chain(ccy)
        return next(r for r in self.currencies if r["ccy"] == ccy and r["chain"] == chain)

    def withdraw(self, request: Withdraw, now_ms: int) -> Row:
        """Record a pending withdrawal and debit `amt + fee`.

        Args:
            request: The withdrawal's validated parameters.
            now_ms: The server time, Unix milliseconds.

        Returns:
            The new withdrawal-history row.

        Raises:
            EmulatorRefusal: 58237 for a reused clientId, 58206 for an amount below the
                chain's `minWd`, 58211 / 58210 for an on-chain (`dest` 4) fee below its
                `minFee` / above its `maxFee`, 58350 if the available balance is short;
                nothing changes then.
        """
        if request.client_id and any(w["clientId"] == request.client_id for w in self.withdrawals):
            raise EmulatorRefusal("58237", f"Duplicate clientId {request.client_id}")
        self._check_limits(request)
        total = request.amt + request.fee
        if total > Decimal(self.funding_row(request.ccy)["availBal"]):
            raise EmulatorRefusal("58350", "Insufficient balance")
        self.credit_funding(request.ccy, -total)
        record = self._withdrawal_record(request, now_ms)
        insert_newest_first(self.withdrawals, record, numeric_key("wdId"))
        self.add_bill(request.ccy, -total, "2", request.client_id or "", now_ms)
        self.changed("withdrawal", record)
        return record

    def _check_limits(self, request: Withdraw) -> None:
        row = self.currency_row(request.ccy, request.chain)
        if request.amt < Decimal(str(row["minWd"])):
            raise EmulatorRefusal("58206", f"Withdrawal amount is below the minimum {row['minWd']}")
        if request.dest != "4":  # internal transfers (dest 3) cost no network fee
            return
        if request.fee < Decimal(str(row["minFee"])):
            raise EmulatorRefusal("58211", f"Withdrawal fee is below the minimum {row['minFee']}")
        if request.fee > Decimal(str(row["maxFee"])):
            raise EmulatorRefusal("58210", f"Withdrawal fee exceeds the maximum {row['maxFee']}")

    def _withdrawal_record(self, request: Withdraw, now_ms: int) -> Row:
        return {
            "chain": request.chain or self.main_chain(request.ccy),
            "fee": f"{request.fee:f}",
            "ccy": request.ccy,
            "clientId": request.client_id or "",
            "amt": f"{request.amt:f}",
            "txId": "",
            "from": self.account_id,
            "to": request.to_addr,
            "state": "0",
            "ts": str(now_ms),
            "wdId": str(self._next_id("wdId")),
        }

    def funding_row(self, ccy: str) -> Row:
        """The live funding balance row of ``ccy`` (created, empty, on first use).

        Args:
            ccy: The currency.

        Returns:
            The stored row (``availBal``, ``bal``, ``ccy``, ``frozenBal``).
        """
        row = next((r for r in self.balances if r["ccy"] == ccy), None)
        if row is None:
            row = {"availBal": "0", "bal": "0", "ccy": ccy, "frozenBal": "0"}
            self.balances.append(row)
        return row

    def credit_funding(self, ccy: str, change: Decimal) -> str:
        """Add ``change`` to the available and total funding balance of ``ccy``.

        Args:
            ccy: The currency.
            change: The amount to add (negative to take).

        Returns:
            The new total balance, as text.
        """
        row, places = self.funding_row(ccy), COINS_BY_CCY[ccy].decimals
        row.update({k: fmt(Decimal(row[k]) + change, places) for k in ("availBal", "bal")})
        return row["bal"]

    def add_bill(self, ccy: str, change: Decimal, type_: str, client_id: str, now_ms: int) -> Row:
        """Record a funding bill of ``change`` (its ``bal``: the funding balance now).

        Args:
            ccy: The currency.
            change: The balance change.
            type_: The bill type code (``"2"`` withdrawal, ``"13"`` cancelled one, ...).
            client_id: The client id of the withdrawal or transfer (``""`` for none).
            now_ms: The bill's time, Unix ms.

        Returns:
            The stored bill.
        """
        bill = {
            "billId": str(self._next_id("billId")),
            "ccy": ccy,
            "clientId": client_id,
            "balChg": fmt(change, COINS_BY_CCY[ccy].decimals),
            "bal": self.funding_row(ccy)["bal"],
            "type": type_,
            "ts": str(now_ms),
        }
        insert_newest_first(self.bills, bill, numeric_key("billId"))
        return bill

    def _next_id(self, id_field: str) -> int:
        self._last_id[id_field] += self._rng.randint(1, 997)
        return self._last_id[id_field]

    # ----------------------------------------------------------------- RFQ

    def instrument(self, base: str, quote: str) -> Row:
        """The RFQ instrument of a pair.

        Args:
            base: The base currency.
            quote: The quote currency.

        Returns:
            The instrument's row.

        Raises:
            EmulatorRefusal: The pair is not an RFQ instrument (58000).
        """
        for row in self.rfq_instruments:
            if row["baseCcy"] == base and row["quoteCcy"] == quote:
                return row
        raise EmulatorRefusal("58000", f"Unsupported currency pair {base}-{quote}")

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def make_quote(self, request: QuoteRequest, now_ms: int) -> Row:
        """A new live quote around the pair's mid (0.1% each side), valid `quote_ttl_ms`.

        Args:
            request: The quote request's validated parameters.
            now_ms: The server time, Unix milliseconds.

        Returns:
            The quote's row, as `/otc/rfq/quote` answers.

        Raises:
            EmulatorRefusal: The pair is not an RFQ instrument (58000), or `rfq_sz_ccy` is
                neither of its currencies.
        """
        inst = self.instrument(request.base_ccy, request.quote_ccy)
        if request.rfq_sz_ccy not in (request.base_ccy, request.quote_ccy):
            raise param_error("rfqSzCcy")
        mid = self.rfq_mids[inst["instId"]]
        quote: Row = {
            "baseCcy": request.base_ccy,
            "clQReqId": request.cl_q_req_id or "",
            "origRfqSz": f"{request.rfq_sz:f}",
            "quoteCcy": request.quote_ccy,
        }
        for prefix, px, active in (
            ("ask", mid * (1 + QUOTE_SPREAD), request.side in ("buy", "two_way")),
            ("bid", mid * (1 - QUOTE_SPREAD), request.side in ("sell", "two_way")),
        ):
            price = Decimal(fmt(px, 4))
            base_sz, quote_sz = _sizes(
                request.rfq_sz, request.rfq_sz_ccy == request.base_ccy, price
            )
            quote[f"{prefix}Px"] = fmt(price, 4) if active else "0"
            quote[f"{prefix}BaseSz"] = base_sz if active else "0"
            quote[f"{prefix}QuoteSz"] = quote_sz if active else "0"
        quote.update(
            {
                "quoteId": f"quoternext{inst['instId']}{now_ms}{self._next_seq():04d}",
                "quoteTs": str(now_ms),
                "rfqSz": f"{request.rfq_sz:f}",
                "rfqSzCcy": request.rfq_sz_ccy,
                "side": request.side,
                "ttlMs": str(self.quote_ttl_ms),
            }
        )
        quote = dict(sorted(quote.items()))  # the reference lists fields alphabetically
        self.quotes[quote["quoteId"]] = quote
        return quote

    def execute_trade(self, request: TradeRequest, now_ms: int) -> Row:
        """Fill a live quote.

        Args:
            request: The trade request's validated parameters.
            now_ms: The server time, Unix milliseconds.

        Returns:
            The trade's row (state `FullyFilled`), also added to `rfq_trades`.

        Raises:
            EmulatorRefusal: 58012 duplicate clTReqId, 58010 unknown or used quote, 58011
                expired quote, 51000 when the request does not match the quote (pair, side,
                size currency, or size above the quoted size). Nothing is recorded then, and the
                quote stays usable.
        """
        if self.find_trade(trade_id=None, cl_t_req_id=request.cl_t_req_id) is not None:
            raise EmulatorRefusal("58012", f"Duplicate clTReqId {request.cl_t_req_id}")
        quote = self._live_quote(request.quote_id, now_ms)
        _check_matches_quote(request, quote)
        prefix = "ask" if request.side == "buy" else "bid"
        price = Decimal(quote[f"{prefix}Px"])
        base_sz, quote_sz = _sizes(request.sz, request.sz_ccy == request.base_ccy, price)
        if Decimal(base_sz) > Decimal(quote[f"{prefix}BaseSz"]):
            raise param_error("sz", "error: larger than the quoted size")
        del self.quotes[request.quote_id]  # quotes are single use
        trade: Row = {
            "baseCcy": request.base_ccy,
            "clQReqId": quote["clQReqId"],
            "clTReqId": request.cl_t_req_id,
            "filledBaseSz": base_sz,
            "filledQuoteSz": quote_sz,
            "instId": f"{request.base_ccy}-{request.quote_ccy}",
            "px": quote[f"{prefix}Px"],
            "quoteCcy": request.quote_ccy,
            "quoteId": request.quote_id,
            "side": request.side,
            "state": "FullyFilled",
            "tradeId": trade_id(now_ms, self._next_seq()),
            "tradeTs": str(now_ms),
            "ts": str(now_ms),
        }
        insert_newest_first(self.rfq_trades, trade, _trade_key)
        return trade

    def _live_quote(self, quote_id: str, now_ms: int) -> Row:
        quote = self.quotes.get(quote_id)
        if quote is None:
            raise EmulatorRefusal("58010", "Quote does not exist")
        if now_ms > int(quote["quoteTs"]) + int(quote["ttlMs"]):
            raise EmulatorRefusal("58011", "Quote expired")
        return quote

    def find_trade(self, *, trade_id: str | None, cl_t_req_id: str | None) -> Row | None:
        """A trade by its id or client id.

        Args:
            trade_id: The trade's id (wins when both are given).
            cl_t_req_id: The client id of the trade request.

        Returns:
            The trade's row, or `None` when there is none.
        """
        key, value = ("tradeId", trade_id) if trade_id is not None else ("clTReqId", cl_t_req_id)
        return next((t for t in self.rfq_trades if t[key] == value), None)

    def rfq_history(
        self, *, begin: int | None, end: int | None, page_sz: int, page_idx: int
    ) -> RfqHistorySlice:
        """One page of the RFQ trade history.

        Args:
            begin: Only trades with `begin <= ts` (Unix milliseconds); no bound when `None`.
            end: Only trades with `ts <= end`; no bound when `None`.
            page_sz: Trades per page.
            page_idx: The page, 0-based.

        Returns:
            The page's trades, newest first, with the page and record counts.
        """
        trades = [
            t
            for t in self.rfq_trades
            if (begin is None or int(t["ts"]) >= begin) and (end is None or int(t["ts"]) <= end)
        ]
        pages = -(-len(trades) // page_sz)
        start = page_idx * page_sz
        return RfqHistorySlice(trades[start : start + page_sz], len(trades), pages)
