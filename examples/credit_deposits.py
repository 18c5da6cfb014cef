"""An async service that credits customers' deposits, each exactly once.

Every ``--interval`` seconds it reads the deposits of the last ``--lookback-days`` days
(``client.funding.iter_deposits``), and credits each one that has reached its final,
successful state and is not in the ledger yet. The ledger (a JSON file) is written after
every credit, so a restart neither credits twice nor skips a deposit that was credited
by the exchange while the service was down. A deposit may be listed while still waiting
for confirmations: it is credited on a later round, once it is successful.

Run it against the emulator (``okxasync serve`` prints the variables to export):

    python examples/credit_deposits.py --rounds 3

The host and credentials come from OKX_BASE_URL, OKX_API_KEY, OKX_SECRET_KEY and
OKX_PASSPHRASE. Without ``--rounds`` it runs until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import okxasync
from okxasync import Deposit, DepositState

log = logging.getLogger("credit_deposits")


class Ledger:
    """Credited deposits by deposit id (amount and currency), kept in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.credited: dict[str, dict[str, str]] = {}
        if path.exists():
            self.credited = json.loads(path.read_text(encoding="utf-8"))

    def credit(self, deposit: Deposit) -> bool:
        """Credit ``deposit`` unless it already was; True when it is credited now."""
        if deposit.dep_id in self.credited:
            return False
        self.credited[deposit.dep_id] = {"ccy": deposit.ccy, "amt": str(deposit.amt)}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.credited, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)  # atomic: a crash leaves the old ledger or the new one
        return True


async def credit_new_deposits(client: okxasync.Client, ledger: Ledger, lookback: timedelta) -> int:
    """One round: credit every successful deposit of the lookback window not yet credited."""
    since = datetime.now(timezone.utc) - lookback
    credited = 0
    async with client.funding.iter_deposits(since=since) as deposits:
        async for deposit in deposits:
            if deposit.state is DepositState.SUCCESSFUL and ledger.credit(deposit):
                credited += 1
                log.info("credited %s %s (deposit %s)", deposit.amt, deposit.ccy, deposit.dep_id)
    return credited


async def serve(ledger: Ledger, rounds: int | None, interval: float, lookback: timedelta) -> None:
    async with okxasync.Client() as client:
        done = 0
        while rounds is None or done < rounds:
            try:
                credited = await credit_new_deposits(client, ledger, lookback)
                print(f"round {done + 1}: credited {credited} deposit(s)", flush=True)
            except (okxasync.TransportError, okxasync.ResponseError) as exc:
                log.warning("round %d failed, will retry: %s", done + 1, exc)
            done += 1
            if rounds is None or done < rounds:
                await asyncio.sleep(interval)


def main() -> None:
    parser = argparse.ArgumentParser(description="Credit deposits, each exactly once.")
    parser.add_argument("--ledger", type=Path, default=Path("credited.json"))
    parser.add_argument("--rounds", type=int, default=None, help="stop after N rounds")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between rounds")
    parser.add_argument("--lookback-days", type=float, default=7.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    lookback = timedelta(days=args.lookback_days)
    asyncio.run(serve(Ledger(args.ledger), args.rounds, args.interval, lookback))


if __name__ == "__main__":
    main()
