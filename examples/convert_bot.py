"""A bot that buys BTC for a fixed amount of USDT every interval, over OKX Convert.

Each round it makes sure the trading account holds the USDT (Convert trades the trading
account: a transfer from the funding account tops it up), asks for a quote and trades
it. Every trade carries a client id derived from the bot's name and the round, kept
before the call, so a trade whose answer is lost is looked up, never bought twice: on
`OutcomeUnknownError` the bot stops and says which id to check.

    python examples/convert_bot.py --usdt 100 --rounds 3 --interval 60

The host and credentials come from OKX_BASE_URL, OKX_API_KEY, OKX_SECRET_KEY and
OKX_PASSPHRASE (``okxasync serve`` prints a set for its emulator).
"""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal

import okxasync
from okxasync import AccountType


async def top_up(client: okxasync.Client, usdt: Decimal, round_id: str) -> None:
    """Move USDT from the funding to the trading account (exactly once per round)."""
    await client.funding.transfer(
        ccy="USDT",
        amt=usdt,
        from_=AccountType.FUNDING,
        to=AccountType.TRADING,
        client_id=f"topup{round_id}",
    )


async def buy(client: okxasync.Client, usdt: Decimal, round_id: str) -> okxasync.ConvertTrade:
    """Buy BTC for `usdt` USDT at a fresh quote; the trade's client id names the round."""
    quote = await client.convert.estimate_quote(
        base_ccy="BTC", quote_ccy="USDT", side="buy", rfq_sz=usdt, rfq_sz_ccy="USDT"
    )
    return await client.convert.trade(
        quote_id=quote.quote_id,
        base_ccy="BTC",
        quote_ccy="USDT",
        side="buy",
        sz=usdt,
        sz_ccy="USDT",
        cl_t_req_id=f"buy{round_id}",
    )


async def run(name: str, usdt: Decimal, rounds: int, interval: float) -> int:
    async with okxasync.Client() as client:
        for n in range(1, rounds + 1):
            round_id = f"{name}{n}"
            try:
                await top_up(client, usdt, round_id)
                trade = await buy(client, usdt, round_id)
            except okxasync.OutcomeUnknownError as exc:
                print(f"round {n}: outcome unknown; look up client id {exc.client_id}")
                return 1
            print(
                f"round {n}: bought {trade.fill_base_sz} BTC at {trade.fill_px} ({trade.trade_id})"
            )
            if n < rounds:
                await asyncio.sleep(interval)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Buy BTC with USDT over OKX Convert.")
    parser.add_argument("--usdt", type=Decimal, default=Decimal("100"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between rounds")
    parser.add_argument("--name", default="dca", help="client id prefix, letters and digits")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.name, args.usdt, args.rounds, args.interval)))


if __name__ == "__main__":
    main()
