"""``okxasync watch``: deposits or withdrawals as their states change, until Ctrl-C.

Each event is one line: a table row (time, id, currency, amount, state) or, with
``--format jsonl``, one JSON object with every field of the record (as ``export`` writes
them, plus the push's ``uid``, ``sub_acct`` and ``p_time``). ``--since`` first prints the
records from then on, oldest first. ``--fake`` watches an embedded FakeExchange whose
account receives deposits (and makes withdrawals) every few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import anyio

from .._client import Client
from .._errors import OkxError, ValidationError
from ..models import Deposit, WithdrawalRecord
from ..testing import Activity, FakeExchange
from ._console import err_console, iso_ms, on_interrupt
from ._records import columns, to_row

__all__ = ["run"]

EXIT_INTERRUPTED = 130
#: The --fake account: something happens every second or two.
FAKE_ACTIVITY = Activity(tick=0.5, new_deposits=0.3, new_withdrawals=0.2, advance=0.4)


def run(args: argparse.Namespace) -> int:
    """Watch until SIGINT/SIGTERM (exit 130); 1 on an API error, 2 without credentials."""
    return asyncio.run(_main(args))


async def _main(args: argparse.Namespace) -> int:
    if args.fake:
        async with FakeExchange(args.seed, activity=FAKE_ACTIVITY) as fake:
            return await _run_client(Client(base_url=fake.url, **fake.credentials), args)
    try:
        client = Client(base_url=args.base_url)
    except ValidationError as error:
        err_console().print(f"okxasync watch: {error}", markup=False)
        return 2
    return await _run_client(client, args)


async def _run_client(client: Client, args: argparse.Namespace) -> int:
    async with client:
        funding = client.funding
        opener = funding.watch_deposits if args.kind == "deposits" else funding.watch_withdrawals
        stream: Any = opener(ccy=args.ccy, since=args.since)
        err_console().print(
            f"okxasync watch: {args.kind} over {stream.transport}; Ctrl-C to stop", markup=False
        )
        failure: list[OkxError] = []
        async with stream, anyio.create_task_group() as tasks:
            with on_interrupt(tasks.cancel_scope.cancel):
                tasks.start_soon(_print_all, stream, args.format, failure, tasks.cancel_scope)
                await anyio.sleep_forever()
    if failure:
        err_console().print(f"okxasync watch: {failure[0]}", markup=False)
        return 1
    return EXIT_INTERRUPTED


async def _print_all(
    stream: Any, fmt: str, failure: list[OkxError], scope: anyio.CancelScope
) -> None:
    try:
        async for record in stream:
            print(_line(record, fmt), flush=True)
    except OkxError as error:
        failure.append(error)
    scope.cancel()


def _line(record: Deposit | WithdrawalRecord, fmt: str) -> str:
    if fmt == "jsonl":
        return json.dumps(to_row(record, columns(type(record), pushed=True)), ensure_ascii=False)
    record_id = record.dep_id if isinstance(record, Deposit) else record.wd_id
    state = record.state
    name = f"{state.value} {state.name.lower()}" if state is not None else ""
    amount = "" if record.amt is None else f"{record.amt:f}"
    return f"{iso_ms(record.ts):24}  {record_id:>12}  {record.ccy:6} {amount:>18}  {name}"
