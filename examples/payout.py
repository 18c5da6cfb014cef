"""Pay out a withdrawal exactly once, then watch it until it is final.

The withdrawal carries a client id of your choosing (``--client-id``): run the program
again with the same id after a crash and the earlier withdrawal is found by that id and
followed, instead of a second one being sent.
``client.funding.wait_withdrawal`` then follows the withdrawal over the business
WebSocket (gap-filled over REST, so a lost push is still seen) until it succeeds, fails
or is cancelled, printing each state it passes through on the way.

Run it against the emulator (``okxasync serve --activity`` makes withdrawals progress;
``okxasync serve`` prints the variables to export):

    python examples/payout.py --client-id payout42 --amt 25 --to TXj3...

The host and credentials come from OKX_BASE_URL, OKX_API_KEY, OKX_SECRET_KEY and
OKX_PASSPHRASE.
"""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal

import okxasync
from okxasync import WithdrawalState


async def pay_out(client_id: str, amt: Decimal, to_addr: str, timeout: float) -> int:
    async with okxasync.Client() as client:
        # After a crash, the withdrawal may already exist: look it up by client id first.
        earlier = await client.funding.withdrawal_history(client_id=client_id)
        if earlier:
            print(f"already requested: wdId {earlier[0].wd_id}, client id {client_id}")
        else:
            await request(client, client_id, amt, to_addr)
        final = await client.funding.wait_withdrawal(client_id=client_id, timeout=timeout)
        print(f"final: {final.state} (tx {final.tx_id or '-'})")
        return 0 if final.state is WithdrawalState.SENT else 1


async def request(client: okxasync.Client, client_id: str, amt: Decimal, to_addr: str) -> None:
    """Send the withdrawal, exactly once (an ambiguous answer is looked up, not resent)."""
    withdrawal = await client.funding.withdraw(
        ccy="USDT",
        chain="USDT-TRC20",
        amt=amt,
        fee=Decimal("1"),
        dest="4",  # on-chain ("3" would be an internal transfer to another account)
        to_addr=to_addr,
        client_id=client_id,
    )
    print(f"requested: wdId {withdrawal.wd_id}, client id {client_id}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client-id", required=True, help="your idempotency key (1-32 a-z0-9)")
    parser.add_argument("--amt", type=Decimal, default=Decimal("25"), help="USDT to send")
    parser.add_argument("--to", default="TXLAQ63Xg1NAzckPwKHvzw7CSEmLMEqcdj", help="address")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait at most")
    args = parser.parse_args()
    return asyncio.run(pay_out(args.client_id, args.amt, args.to, args.timeout))


if __name__ == "__main__":
    raise SystemExit(main())
