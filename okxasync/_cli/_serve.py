"""``okxasync serve``: a FakeExchange on a port, until Ctrl-C or SIGTERM.

Plain ``print`` only: this command needs no table library, so it runs without the ``cli``
extra (a test server in CI need not install it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys

from ..testing import Activity, FakeExchange
from ._signals import on_interrupt

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM (exit 0); 1 if the address cannot be bound."""
    return asyncio.run(
        _serve(
            FakeExchange(
                args.seed,
                host=args.host,
                port=args.port,
                history_size=args.history_size,
                activity=Activity(tick=0.5, new_deposits=0.3, advance=0.4)
                if args.activity
                else None,
            ),
            args.json,
        )
    )


async def _serve(fake: FakeExchange, as_json: bool) -> int:
    try:
        await fake.start()
    except OSError as error:
        print(f"okxasync serve: cannot listen on {fake.host}:{fake.port}: {error}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    try:
        with on_interrupt(stop.set):
            _announce(fake, as_json)
            await stop.wait()
    finally:
        await fake.close()
    print("okxasync serve: stopped", file=sys.stderr)
    return 0


def _announce(fake: FakeExchange, as_json: bool) -> None:
    """Print the URL and credentials (stdout, flushed: scripts wait for this line)."""
    creds = fake.credentials
    if as_json:
        print(json.dumps({"url": fake.url, **creds}), flush=True)
        return
    print(f"FakeExchange (seed {fake.seed}) serving on {fake.url}")
    print("URL and credentials, as the variables okxasync.Client reads:")
    for name, value in (
        ("OKX_BASE_URL", fake.url),
        ("OKX_API_KEY", creds["api_key"]),
        ("OKX_SECRET_KEY", creds["secret_key"]),
        ("OKX_PASSPHRASE", creds["passphrase"]),
    ):
        print(f"  export {name}={shlex.quote(value)}")
    print(
        "Paste these into a shell: okxasync.Client() there connects here. Stop with Ctrl-C.",
        flush=True,
    )
