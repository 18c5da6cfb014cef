"""Export a window of the funding history to CSV, for accounting.

Writes one file per kind (deposits, withdrawals), every record of the window exactly
once, newest first, with exact decimal amounts and ISO-8601 UTC times. The two exports
run concurrently on one client, so they share its rate-limit budget.

    python examples/export_history.py --since 2024-01-01 --until 2024-07-01 --out exports/

The host and credentials come from OKX_BASE_URL, OKX_API_KEY, OKX_SECRET_KEY and
OKX_PASSPHRASE (``okxasync serve`` prints a set for its emulator). The ``okxasync export``
command does the same with a progress bar and resumable files.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

import okxasync
from okxasync import Deposit, WithdrawalRecord

DEPOSIT_COLUMNS = ("dep_id", "time", "ccy", "chain", "amt", "state", "tx_id")
WITHDRAWAL_COLUMNS = ("wd_id", "time", "ccy", "chain", "amt", "fee", "state", "tx_id")


def iso(ts_ms: int | None) -> str:
    """ISO-8601 UTC with milliseconds (empty when the time is absent)."""
    if ts_ms is None:
        return ""
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def deposit_row(d: Deposit) -> list[str]:
    return [d.dep_id, iso(d.ts_ms), d.ccy, d.chain, f"{d.amt:f}", d.state.value, d.tx_id]


def withdrawal_row(w: WithdrawalRecord) -> list[str]:
    amt, fee = f"{w.amt:f}", f"{w.fee:f}"
    return [w.wd_id, iso(w.ts_ms), w.ccy, w.chain, amt, fee, w.state.value, w.tx_id]


async def write_csv(path: Path, columns: Sequence[str], rows: AsyncIterator[list[str]]) -> int:
    """Write ``rows`` under a header of ``columns``; returns how many were written."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        async for row in rows:
            writer.writerow(row)
            count += 1
    return count


async def export(out: Path, since: datetime, until: datetime) -> None:
    async with okxasync.Client() as client:

        async def deposits() -> AsyncIterator[list[str]]:
            async with client.funding.iter_deposits(since=since, until=until) as records:
                async for record in records:
                    yield deposit_row(record)

        async def withdrawals() -> AsyncIterator[list[str]]:
            async with client.funding.iter_withdrawals(since=since, until=until) as records:
                async for record in records:
                    yield withdrawal_row(record)

        counts = await asyncio.gather(
            write_csv(out / "deposits.csv", DEPOSIT_COLUMNS, deposits()),
            write_csv(out / "withdrawals.csv", WITHDRAWAL_COLUMNS, withdrawals()),
        )
    print(f"{counts[0]} deposits, {counts[1]} withdrawals written to {out}")


def utc_date(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description="Export deposits and withdrawals to CSV.")
    parser.add_argument("--since", type=utc_date, required=True, help="first day (UTC)")
    parser.add_argument("--until", type=utc_date, required=True, help="day after the last")
    parser.add_argument("--out", type=Path, default=Path("exports"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(export(args.out, args.since, args.until))


if __name__ == "__main__":
    main()
