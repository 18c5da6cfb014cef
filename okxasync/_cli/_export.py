"""``okxasync export``: a history, newest first, to CSV or JSON Lines.

Records stream from the client's history iterators straight to the file (memory stays
bounded), whole milliseconds at a time (see :class:`~okxasync._cli._records.Sink`). On
Ctrl-C, SIGTERM or an API error the file keeps every record fetched down to a millisecond
boundary, and the command prints the ``--until`` (exclusive) that resumes the export with
``--append``, so that nothing is lost or written twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

import msgspec
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.text import Text

from .._client import Client
from .._errors import AuthenticationError, OkxError, ResponseError, ValidationError
from ..models import Bill, Deposit, HistoryTrade, WithdrawalRecord
from ..testing import FakeExchange
from ._console import err_console, ms_iso, on_interrupt
from ._records import Sink, columns, open_writer

__all__ = ["KINDS", "run"]

CREDENTIAL_VARIABLES = ("OKX_API_KEY", "OKX_SECRET_KEY", "OKX_PASSPHRASE")
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


class Records(Protocol):
    """A history iterator: ``async for`` over records, newest first; ``aclose()`` stops it."""

    def __aiter__(self) -> AsyncIterator[Any]: ...

    async def aclose(self) -> None: ...


Opener = Callable[[Client, "list[str] | None", "int | None", "int | None"], Records]


@dataclass(frozen=True)
class Kind:
    """One exportable history: its record type and how to iterate ``[since, until)``.

    ``ccy_sides`` names the record fields a ``--ccy`` filter is checked against on our
    side, for endpoints that cannot filter by currency themselves.
    """

    record: type[msgspec.Struct]
    open: Opener
    ccy_sides: tuple[str, ...] = ()


def _rfq_trades(
    client: Client, ccy: list[str] | None, since: int | None, until: int | None
) -> Records:
    # The RFQ history's begin and end are both inclusive; --until is exclusive.
    return client.otc.iter_history(begin=since, end=None if until is None else until - 1)


KINDS: dict[str, Kind] = {
    "deposits": Kind(
        Deposit,
        lambda c, ccy, since, until: c.funding.iter_deposits(ccy=ccy, since=since, until=until),
    ),
    "withdrawals": Kind(
        WithdrawalRecord,
        lambda c, ccy, since, until: c.funding.iter_withdrawals(ccy=ccy, since=since, until=until),
    ),
    "bills": Kind(
        Bill, lambda c, ccy, since, until: c.funding.iter_bills(ccy=ccy, since=since, until=until)
    ),
    "rfq-trades": Kind(HistoryTrade, _rfq_trades, ccy_sides=("base_ccy", "quote_ccy")),
}


class UsageError(Exception):
    """A problem with the command line or its environment (exit status 2)."""


def run(args: argparse.Namespace) -> int:
    """Export; 0 when complete, 1 on an API or I/O error, 2 on a usage error, 130 when
    interrupted (the file then holds whole milliseconds and a resume hint is printed)."""
    try:
        if args.archive and args.kind != "bills":
            raise UsageError("--archive applies to bills only")
        _check_window(args.since, args.until)
        output = Output.check(args.output, args.format, args.force, args.append, KINDS[args.kind])
        if not args.fake:
            _check_credentials()
    except UsageError as error:
        err_console().print(f"okxasync export: {error}", markup=False, soft_wrap=True)
        return 2
    return asyncio.run(_export(args, output))


def _check_window(since: int | None, until: int | None) -> None:
    """``--since`` must be before ``--until``; the message quotes them as typed."""
    if since is not None and until is not None and since >= until:
        raise UsageError(
            f"since must be before until: --since {_typed(since)} is not before "
            f"--until {_typed(until)}"
        )


def _typed(value: int) -> str:
    return str(getattr(value, "text", value))


def _count(number: int, kind: str) -> str:
    """``1 deposit``, ``2 deposits``, ``1 rfq-trade``."""
    return f"{number:,} {kind if number != 1 else kind.removesuffix('s')}"


def _check_credentials() -> None:
    missing = [name for name in CREDENTIAL_VARIABLES if not os.environ.get(name)]
    if missing:
        raise UsageError(
            f"missing credentials: set {', '.join(missing)} in the environment "
            "(or use --fake to export from the emulator)"
        )


@dataclass
class Output:
    """Where rows go: a file (created, overwritten with ``--force`` or appended to with
    ``--append``) or stdout (``-``)."""

    path: str
    fmt: str
    append: bool
    names: list[str]

    @classmethod
    def check(cls, path: str, fmt: str | None, force: bool, append: bool, kind: Kind) -> Output:
        """Raises :class:`UsageError` for an existing file without ``--force``/``--append``,
        one ``--append`` cannot safely extend, or a ``.json`` name without ``--format``
        (the export writes JSON Lines, not one JSON document). Only regular files count as
        existing: ``/dev/null``, a pipe or a terminal is written to as it is."""
        if fmt is None and path.lower().endswith(".json"):
            raise UsageError(
                f"{path}: the JSON format writes JSON Lines (one object per line), not one "
                "JSON document: name the file .jsonl, or pass --format jsonl (or csv)"
            )
        fmt = fmt or ("jsonl" if path.lower().endswith((".jsonl", ".ndjson")) else "csv")
        output = cls(path, fmt, append, [name for _, name in columns(kind.record)])
        if path != "-" and os.path.isfile(path):
            if append:
                output.check_appendable()
            elif not force:
                raise UsageError(
                    f"{path} exists: pass --force to overwrite it, or --append to resume into it"
                )
        return output

    def check_appendable(self) -> None:
        with open(self.path, "rb") as existing:
            first = existing.readline()
            if not existing.seek(0, os.SEEK_END):
                return  # empty: as good as new
            existing.seek(-1, os.SEEK_END)
            complete = existing.read(1) == b"\n"
        if not complete:
            raise UsageError(f"{self.path} does not end with a complete line; not appending")
        if self.fmt == "csv" and first.decode("utf-8", "replace").rstrip("\r\n") != ",".join(
            self.names
        ):
            raise UsageError(f"{self.path} has other CSV columns than this export; not appending")

    @contextlib.contextmanager
    def open(self) -> Iterator[tuple[IO[str], bool]]:
        """The stream, and whether a CSV header is due (a new or empty file)."""
        if self.path == "-":
            yield sys.stdout, True
            return
        with open(self.path, "a" if self.append else "w", encoding="utf-8", newline="") as f:
            yield f, f.tell() == 0

    def discard_if_empty(self, written: int) -> None:
        """Remove a file this export created but wrote no record to (it did not complete);
        never a device or pipe such as ``/dev/null``."""
        if self.path != "-" and not self.append and written == 0 and os.path.isfile(self.path):
            with contextlib.suppress(OSError):
                os.remove(self.path)


@dataclass
class Outcome:
    """How the copy ended: complete, interrupted, or failed with ``error``."""

    interrupted: bool = False
    error: OkxError | None = None


async def _export(args: argparse.Namespace, output: Output) -> int:
    kind = KINDS[args.kind]
    started = time.monotonic()
    try:
        with output.open() as (stream, header), _progress(args) as progress:
            write = open_writer(output.fmt, stream, output.names, header)
            sink = Sink(write, stream, columns(kind.record))
            outcome = await _copy_interruptibly(args, kind, sink, progress)
    except OSError as error:  # the output, not the API: no resume point can be trusted
        return _report_write_error(output, error)
    if outcome.interrupted or outcome.error is not None:
        output.discard_if_empty(sink.written)
        return _report_stop(args, output, sink, outcome)
    _report_done(args, output, sink, time.monotonic() - started)
    return 0


async def _copy_interruptibly(
    args: argparse.Namespace, kind: Kind, sink: Sink, progress: _Tracker
) -> Outcome:
    outcome = Outcome()
    task = asyncio.ensure_future(_copy(args, kind, sink, progress))

    def interrupt() -> None:
        outcome.interrupted = True
        task.cancel()

    with on_interrupt(interrupt):
        try:
            await task
        except asyncio.CancelledError:
            if not outcome.interrupted:
                raise
        except OkxError as error:
            outcome.error = error
    if outcome.interrupted or outcome.error is not None:
        sink.abandon()
    return outcome


async def _copy(args: argparse.Namespace, kind: Kind, sink: Sink, progress: _Tracker) -> None:
    """Every record of ``[since, until)`` into ``sink``, newest first."""
    wanted = set(args.ccy or ())
    async with _connect(args) as client:
        records = _open(kind, client, [] if kind.ccy_sides else sorted(wanted), args)
        try:
            async for record in records:
                ts_ms = record.ts_ms
                if ts_ms is None:
                    raise ResponseError("a history record without ts", 200, b"")
                progress.advance(ts_ms)
                if not wanted or not kind.ccy_sides or _has_ccy(record, kind, wanted):
                    sink.add(record, ts_ms)
        finally:
            await records.aclose()
    sink.finish()


def _open(kind: Kind, client: Client, ccys: list[str], args: argparse.Namespace) -> Records:
    """The records of ``kind`` in ``[since, until)``, newest first (several currencies:
    merged by the library, ties in the order of ``ccys``); bills from the archive with
    ``--archive``."""
    if args.archive:
        return client.funding.iter_bills(
            ccy=ccys or None, since=args.since, until=args.until, archive=True
        )
    return kind.open(client, ccys or None, args.since, args.until)


def _has_ccy(record: msgspec.Struct, kind: Kind, wanted: set[str]) -> bool:
    return any(getattr(record, side) in wanted for side in kind.ccy_sides)


@contextlib.asynccontextmanager
async def _connect(args: argparse.Namespace) -> AsyncIterator[Client]:
    """A client for the real API (credentials from the environment) or, with ``--fake``, for
    an embedded FakeExchange."""
    if not args.fake:
        async with Client(base_url=args.base_url) as client:
            yield client
        return
    async with (
        FakeExchange(args.seed, history_size=args.history_size) as fake,
        Client(base_url=fake.url, **fake.credentials) as client,
    ):
        yield client


# ------------------------------------------------------------------ progress and reports


class _RecordsColumn(ProgressColumn):
    """``1,234 records  456/s``: records received so far and the mean rate."""

    def render(self, task: Task) -> Text:
        records = int(task.fields.get("records", 0))
        elapsed = task.elapsed or 0.0
        rate = records / elapsed if elapsed > 0 else 0.0
        return Text(f"{records:,} records  {rate:,.0f}/s")


class _Tracker:
    """The progress bar's state: records received and the oldest time reached. With
    ``--since`` the bar fills with the share of ``[since, until)`` covered (newest first);
    without it, the history's extent is unknown and the bar pulses."""

    def __init__(self, progress: Progress, what: str, since: int | None, until: int) -> None:
        self._progress = progress
        self._until = until
        span = None if since is None else max(until - since, 1)
        self._task = progress.add_task(what, total=span, records=0, reached="")
        self.records = 0

    def advance(self, ts_ms: int) -> None:
        self.records += 1
        covered = max(self._until - ts_ms, 0)
        self._progress.update(
            self._task, completed=covered, records=self.records, reached=ms_iso(ts_ms)
        )


@contextlib.contextmanager
def _progress(args: argparse.Namespace) -> Iterator[_Tracker]:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        _RecordsColumn(),
        TextColumn("back to {task.fields[reached]}"),
    )
    until = args.until if args.until is not None else time.time_ns() // 1_000_000
    with Progress(*columns, console=err_console(), transient=True) as progress:
        yield _Tracker(progress, f"exporting {args.kind}", args.since, until)


def _report_done(args: argparse.Namespace, output: Output, sink: Sink, seconds: float) -> None:
    where = "stdout" if output.path == "-" else output.path
    rate = sink.written / seconds if seconds > 0 else 0.0
    oldest = f", back to {ms_iso(sink.oldest_ms)}" if sink.oldest_ms is not None else ""
    err_console().print(
        f"Wrote {_count(sink.written, args.kind)} to {where} ({output.fmt}) in {seconds:.1f} s, "
        f"{rate:,.0f} records/s{oldest}.",
        markup=False,
        soft_wrap=True,
    )


def _report_write_error(output: Output, error: OSError) -> int:
    if isinstance(error, BrokenPipeError) and output.path == "-":
        # The reader went away (`| head`): stop quietly, as a command killed by SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    err_console().print(
        f"okxasync export: cannot write {output.path}: {error}. It may end in the middle of a "
        "record: export again with --force.",
        markup=False,
        soft_wrap=True,
    )
    return 1


def _report_stop(args: argparse.Namespace, output: Output, sink: Sink, outcome: Outcome) -> int:
    console = err_console()
    if isinstance(outcome.error, ValidationError):  # e.g. --since not before --until
        console.print(f"okxasync export: {outcome.error}", markup=False, soft_wrap=True)
        return 2
    reason = "Interrupted" if outcome.interrupted else f"Stopped by an error: {outcome.error}"
    until = sink.oldest_ms if sink.oldest_ms is not None else args.until
    kept = f", back to {ms_iso(sink.oldest_ms)}" if sink.oldest_ms is not None else ""
    console.print(
        f"{reason}. Kept {_count(sink.written, args.kind)} (whole milliseconds, newest first)"
        f"{kept}.",
        markup=False,
        soft_wrap=True,
    )
    if isinstance(outcome.error, AuthenticationError):  # the same command would fail again
        console.print(
            "Check OKX_API_KEY, OKX_SECRET_KEY, OKX_PASSPHRASE (and --base-url), then export "
            "again.",
            markup=False,
            soft_wrap=True,
        )
        return 1
    console.print("Resume with:", markup=False)
    console.print(
        f"  {shlex.join(resume_command(args, output, until, sink.written))}",
        markup=False,
        soft_wrap=True,
    )
    return EXIT_INTERRUPTED if outcome.interrupted else 1


def resume_command(
    args: argparse.Namespace, output: Output, until: int | None, written: int
) -> list[str]:
    """The command that exports the rest: every option as given (filters, source, emulator
    data), ``--until`` the oldest millisecond written (exclusive), appending to the same
    file (``--force`` dropped: it would overwrite what was kept)."""
    cmd = ["okxasync", "export", args.kind, *(["--archive"] if args.archive else [])]
    if args.since is not None:
        cmd += ["--since", ms_iso(args.since)]
    if until is not None:
        cmd += ["--until", ms_iso(until)]
    for ccy in args.ccy or ():
        cmd += ["--ccy", ccy]
    cmd += ["--format", output.fmt]
    if output.path != "-":  # the file now holds what was written, or was removed if nothing
        cmd += ["-o", output.path, *(["--append"] if output.append or written else [])]
    if args.fake:
        cmd += ["--fake", "--seed", str(args.seed)]
    if args.history_size is not None:
        cmd += ["--history-size", str(args.history_size)]
    if args.base_url is not None:
        cmd += ["--base-url", args.base_url]
    return cmd
