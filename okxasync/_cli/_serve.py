"""``okxasync serve``: a FakeExchange on a port, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex

from ..testing import FakeExchange
from ._console import err_console, on_interrupt, out_console

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM (exit 0); 1 if the address cannot be bound."""
    return asyncio.run(
        _serve(
            FakeExchange(args.seed, host=args.host, port=args.port, history_size=args.history_size),
            args.json,
        )
    )


async def _serve(fake: FakeExchange, as_json: bool) -> int:
    try:
        await fake.start()
    except OSError as error:
        err_console().print(f"okxasync serve: cannot listen on {fake.host}:{fake.port}: {error}")
        return 1
    stop = asyncio.Event()
    try:
        with on_interrupt(stop.set):
            _announce(fake, as_json)
            await stop.wait()
    finally:
        await fake.close()
    err_console().print("okxasync serve: stopped")
    return 0


def _announce(fake: FakeExchange, as_json: bool) -> None:
    """Print the URL and credentials (stdout, flushed: scripts wait for this line)."""
    creds = fake.credentials
    if as_json:
        print(json.dumps({"url": fake.url, **creds}), flush=True)
        return
    console = out_console()
    console.print(f"FakeExchange (seed {fake.seed}) serving on [bold]{fake.url}[/]", soft_wrap=True)
    console.print("URL and credentials, as the variables okxasync.Client reads:", soft_wrap=True)
    for name, value in (
        ("OKX_BASE_URL", fake.url),
        ("OKX_API_KEY", creds["api_key"]),
        ("OKX_SECRET_KEY", creds["secret_key"]),
        ("OKX_PASSPHRASE", creds["passphrase"]),
    ):
        console.print(f"  export {name}={shlex.quote(value)}", soft_wrap=True, markup=False)
    console.print(
        "Paste these into a shell: okxasync.Client() there connects here. Stop with Ctrl-C.",
        soft_wrap=True,
    )
    console.file.flush()
