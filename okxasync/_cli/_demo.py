"""``okxasync demo``: a tour of the client against an embedded FakeExchange.

Every call is started at once, as a busy service would, at the API's real rate limits
(funding 6 per second, OTC 2 per 2 seconds); the report then shows how the client's
scheduler spread them. It needs no credentials and no network, and takes a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from .._client import Client
from .._endpoints import find
from .._ratelimit import DEFAULT_RATES, RateLimitStats
from ..models import (
    Balance,
    ConvertQuote,
    ConvertTrade,
    Currency,
    Deposit,
    DepositAddress,
    DepositState,
    Quote,
    Trade,
    TransferState,
    WithdrawalRecord,
)
from ..testing import FakeExchange, RecordedRequest
from ._console import amount, iso_ms, out_console

__all__ = ["run"]

ADDRESS_CCYS = ("BTC", "ETH", "USDT", "USDC")
RFQ_PAIR = ("BTC", "USDT")
RFQ_SIZE = Decimal("0.5")  # BTC
CONVERT_USDT = Decimal("1000")  # moved to the trading account, then converted to BTC
HISTORY_ROWS = 8


@dataclass(frozen=True)
class Conversion:
    """A transfer to the trading account, then a Convert quote and its trade."""

    transfer: TransferState
    quote: ConvertQuote
    trade: ConvertTrade


@dataclass(frozen=True)
class Tour:
    """Everything the demo fetched."""

    balances: list[Balance]
    currencies: list[Currency]
    addresses: list[DepositAddress]
    deposits: list[Deposit]
    withdrawals: list[WithdrawalRecord]
    quote: Quote
    trade: Trade
    convert: Conversion
    seconds: float


def run(args: argparse.Namespace) -> int:
    """Print the tour to stdout; 0 on success."""
    asyncio.run(_demo(args.seed, out_console()))
    return 0


async def _demo(seed: int, console: Console) -> None:
    async with FakeExchange(seed) as fake:
        console.rule("okxasync demo")
        console.print(
            f"An embedded FakeExchange serves {fake.url} (seed {seed}). Every call below is "
            "started at once; the client's scheduler keeps them within the API's limits: "
            + ", ".join(f"{group} {_rate(group)}" for group in DEFAULT_RATES)
            + "."
        )
        async with Client(base_url=fake.url, **fake.credentials) as client:
            tour = await fetch(client)
            _show(console, tour, fake.requests)
            console.print(_scheduler_table(client.rate_limit_stats(), fake.requests, tour.seconds))


async def fetch(client: Client) -> Tour:
    """Run every call of the tour concurrently."""
    started = time.monotonic()
    balances_read = asyncio.ensure_future(client.funding.balances())
    balances, currencies, addresses, deposits, withdrawals, trades = await asyncio.gather(
        balances_read,
        client.funding.currencies(),
        _addresses(client),
        _all_deposits(client),
        client.funding.withdrawal_history(limit=HISTORY_ROWS),
        _trades(client, balances_read),
    )
    (quote, trade), conversion = trades
    seconds = time.monotonic() - started
    return Tour(
        balances, currencies, addresses, deposits, withdrawals, quote, trade, conversion, seconds
    )


async def _trades(
    client: Client, balances_read: asyncio.Future[list[Balance]]
) -> tuple[tuple[Quote, Trade], Conversion]:
    """The RFQ trade and the Convert trade, side by side."""
    return await asyncio.gather(_quote_and_trade(client), _convert(client, balances_read))


async def _convert(client: Client, balances_read: asyncio.Future[list[Balance]]) -> Conversion:
    """Move USDT to the trading account (after the balances are read, so that they show the
    seeded figures), then convert it to BTC: quote, trade, and read both back."""
    await balances_read
    moved = await client.funding.transfer(ccy="USDT", amt=CONVERT_USDT, from_="6", to="18")
    quote = await client.convert.estimate_quote(
        base_ccy="BTC", quote_ccy="USDT", side="buy", rfq_sz=CONVERT_USDT, rfq_sz_ccy="USDT"
    )
    trade = await client.convert.trade(
        quote_id=quote.quote_id,
        base_ccy="BTC",
        quote_ccy="USDT",
        side="buy",
        sz=CONVERT_USDT,
        sz_ccy="USDT",
    )
    state = await client.funding.transfer_state(client_id=moved.client_id)
    return Conversion(state, quote, trade)


async def _all_deposits(client: Client) -> list[Deposit]:
    """The whole deposit history, paged by the iterator (newest first)."""
    return [deposit async for deposit in client.funding.iter_deposits()]


async def _addresses(client: Client) -> list[DepositAddress]:
    lists = await asyncio.gather(*(client.funding.deposit_address(ccy) for ccy in ADDRESS_CCYS))
    return [address for found in lists for address in found if address.selected]


async def _quote_and_trade(client: Client) -> tuple[Quote, Trade]:
    base, quote_ccy = RFQ_PAIR
    quote = await client.otc.quote(
        base_ccy=base, quote_ccy=quote_ccy, side="buy", rfq_sz=RFQ_SIZE, rfq_sz_ccy=base
    )
    trade = await client.otc.trade(
        quote_id=quote.quote_id,
        base_ccy=base,
        quote_ccy=quote_ccy,
        side="buy",
        sz=RFQ_SIZE,
        sz_ccy=base,
    )
    # Read it back by our own idempotency key, as a bot would after a timeout.
    return quote, await client.otc.get_trade(cl_t_req_id=trade.cl_t_req_id)


def _show(console: Console, tour: Tour, requests: Sequence[RecordedRequest]) -> None:
    pages = sum(1 for r in requests if r.path == "/api/v5/asset/deposit-history")
    for table in (
        _balances(tour.balances),
        _currencies(tour.currencies),
        _addresses_table(tour.addresses),
        _deposits(tour.deposits, pages),
        _withdrawals(tour.withdrawals),
        _rfq(tour.quote, tour.trade),
        _conversion(tour.convert),
    ):
        console.print(table)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        if column.startswith(">"):  # numbers: right-aligned
            table.add_column(column[1:], justify="right")
        else:
            table.add_column(column)
    return table


def _balances(balances: Sequence[Balance]) -> Table:
    table = _table("Balances", "ccy", ">available", ">frozen", ">total")
    for b in balances:
        table.add_row(b.ccy, amount(b.avail_bal), amount(b.frozen_bal), amount(b.bal))
    return table


def _currencies(currencies: Sequence[Currency]) -> Table:
    table = _table(
        "Currencies and chains", "ccy", "chain", ">min deposit", ">min withdrawal", ">fee"
    )
    for c in currencies:
        fee = f"{amount(c.min_fee)}-{amount(c.max_fee)}"
        table.add_row(c.ccy, c.chain, amount(c.min_dep), amount(c.min_wd), fee)
    return table


def _addresses_table(addresses: Sequence[DepositAddress]) -> Table:
    table = _table("Deposit addresses", "ccy", "chain", "address")
    for a in addresses:
        table.add_row(a.ccy, a.chain, a.addr)
    return table


def _deposits(deposits: Sequence[Deposit], pages: int) -> Table:
    """The paged history summed per currency (exact Decimal sums of credited deposits)."""
    table = _table(
        f"Deposit history: {len(deposits)} deposits, fetched in {pages} pages",
        "ccy",
        ">deposits",
        ">credited amount",
        "latest (UTC)",
    )
    credited = (DepositState.CREDITED, DepositState.SUCCESSFUL)
    for ccy in sorted({d.ccy for d in deposits}):
        mine = [d for d in deposits if d.ccy == ccy]  # newest first
        total = sum((d.amt or Decimal(0) for d in mine if d.state in credited), Decimal(0))
        table.add_row(ccy, str(len(mine)), amount(total), iso_ms(mine[0].ts))
    return table


def _withdrawals(withdrawals: Sequence[WithdrawalRecord]) -> Table:
    table = _table(
        f"Latest {HISTORY_ROWS} withdrawals", "time (UTC)", "ccy", ">amount", ">fee", "state"
    )
    for w in withdrawals:
        table.add_row(iso_ms(w.ts), w.ccy, amount(w.amt), amount(w.fee), _state(w.state))
    return table


def _rfq(quote: Quote, trade: Trade) -> Table:
    table = _table("RFQ: quote -> trade", "step", "pair", "side", ">price", ">size", "detail")
    pair = f"{quote.base_ccy}-{quote.quote_ccy}"
    ttl = f"valid {quote.ttl_ms} ms" if quote.ttl_ms is not None else ""
    table.add_row("quote", pair, "buy", amount(quote.ask_px), amount(quote.ask_base_sz), ttl)
    table.add_row(
        "trade",
        trade.inst_id,
        _state(trade.side),
        amount(trade.px),
        amount(trade.filled_base_sz),
        f"{_state(trade.state)}, {amount(trade.filled_quote_sz)} {trade.quote_ccy}",
    )
    return table


def _conversion(done: Conversion) -> Table:
    table = _table("Transfer, then Convert: quote -> trade", "step", "what", ">amount", "detail")
    moved, quote, trade = done.transfer, done.quote, done.trade
    table.add_row(
        "transfer",
        f"{moved.ccy} funding -> trading",
        amount(moved.amt),
        f"transId {moved.trans_id}, {_state(moved.state)}",
    )
    expires = quote.expires_at.strftime("%H:%M:%S.%f")[:-3]
    table.add_row(
        "quote",
        f"{quote.base_ccy}-{quote.quote_ccy} {_state(quote.side)} at {amount(quote.cnvt_px)}",
        f"{amount(quote.base_sz)} {quote.base_ccy}",
        f"valid {quote.ttl_ms} ms, until {expires} UTC",
    )
    table.add_row(
        "trade",
        f"{trade.inst_id} {_state(trade.side)} at {amount(trade.fill_px)}",
        f"{amount(trade.fill_base_sz)} {trade.base_ccy}",
        f"{_state(trade.state)}, paid {amount(trade.fill_quote_sz)} {trade.quote_ccy}",
    )
    return table


def _state(value: object) -> str:
    name = getattr(value, "name", None)
    return str(value) if value is None or name in (None, "UNKNOWN") else str(name).lower()


def _scheduler_table(
    stats: Mapping[str, RateLimitStats], requests: Sequence[RecordedRequest], seconds: float
) -> Table:
    """The client's counters per group, next to what the server saw arrive."""
    table = _table(
        f"What the scheduler did (all calls done in {seconds:.1f} s)",
        "group",
        "limit",
        ">sent",
        ">rejected",
        ">waited",
        ">max wait",
        ">peak",
        "per window",
    )
    table.caption = (
        "sent, rejected (by the server), waited: the client's rate_limit_stats(); "
        "peak: the most requests the server saw in any one window; "
        "per window: arrivals in consecutive windows"
    )
    for group, rate in DEFAULT_RATES.items():
        arrivals = [r.arrival for r in requests if _group(r.method, r.path) == group]
        counters = stats[group]
        table.add_row(
            group,
            _rate(group),
            str(counters.sent),
            str(counters.rejected),
            f"{counters.wait_total:.2f} s",
            f"{counters.wait_max:.2f} s",
            f"{peak(arrivals, rate.period)}/{rate.count}",
            " ".join(str(n) for n in per_window(arrivals, rate.period)),
        )
    return table


def _group(method: str, path: str) -> str:
    endpoint = find(method, path)
    return "unknown" if endpoint is None else endpoint.group


def _rate(group: str) -> str:
    rate = DEFAULT_RATES[group]
    return f"{rate.count}/{rate.period:g}s"


def peak(arrivals: Sequence[float], period: float) -> int:
    """The most arrivals in any window of ``period`` seconds (``arrivals`` sorted)."""
    best, first = 0, 0
    for last, moment in enumerate(arrivals):
        while moment - arrivals[first] >= period:
            first += 1
        best = max(best, last - first + 1)
    return best


def per_window(arrivals: Sequence[float], period: float) -> list[int]:
    """Arrivals counted in consecutive windows of ``period`` from the first one."""
    if not arrivals:
        return []
    counts = [0] * (int((arrivals[-1] - arrivals[0]) // period) + 1)
    for moment in arrivals:
        counts[int((moment - arrivals[0]) // period)] += 1
    return counts
