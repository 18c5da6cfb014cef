"""Each command's options (argparse only: ``--help`` works without the ``cli`` extra)."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from .._config import OKLINK
from .._errors import ValidationError
from .._http.encode import SECONDS_BELOW, ccy_codes, to_ms

__all__ = [
    "EXPORT_KINDS",
    "TimeArg",
    "add_demo",
    "add_export",
    "add_serve",
    "add_watch",
    "parse_ccys",
    "parse_time",
]

#: ``okxasync export`` kinds, in the order ``--help`` lists them.
EXPORT_KINDS = ("deposits", "withdrawals", "bills", "rfq-trades")


def add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="a tour of the client against an embedded emulator (no credentials, no network)",
        description="Start an embedded FakeExchange and walk through balances, currencies, "
        "deposit addresses, deposit and withdrawal history and an RFQ quote -> trade, at the "
        "API's real rate limits, showing what the client's scheduler did.",
    )
    demo.add_argument("--seed", type=int, default=0, help="the emulator's data seed (default 0)")


def add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run a FakeExchange for your own integration tests, until Ctrl-C",
        description="Serve the emulator and print its URL and credentials; stops cleanly on "
        "Ctrl-C or SIGTERM.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=0, help="port to bind (default 0: a free port, printed)"
    )
    serve.add_argument("--seed", type=int, default=0, help="the emulator's data seed (default 0)")
    _add_history_size(serve)
    serve.add_argument(
        "--activity",
        action="store_true",
        help="make the account live: deposits arrive and withdrawals progress to a final "
        "state every second or two, pushed on the business WebSocket",
    )
    serve.add_argument(
        "--json",
        action="store_true",
        help="print one JSON line {url, api_key, secret_key, passphrase} instead of text",
    )


def add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="export history to CSV or JSON Lines (newest first)",
        description="Export the full history of one kind, newest first, with exact decimal "
        "amounts and ISO-8601 UTC timestamps. Credentials come from OKX_API_KEY, "
        "OKX_SECRET_KEY and OKX_PASSPHRASE (or use --fake). Ctrl-C keeps a valid file of what "
        "was fetched and prints the command that resumes the export.",
    )
    export.add_argument("kind", choices=EXPORT_KINDS, help="what to export")
    export.add_argument(
        "--archive",
        action="store_true",
        help="bills: read the archive (every bill since 2021-02-01; 1 request / s, "
        "about 100 bills a second) instead of the recent bills",
    )
    for flag, what in (("--since", "inclusive"), ("--until", "exclusive")):
        export.add_argument(
            flag,
            type=parse_time,
            metavar="TIME",
            help=f"{what} bound: ISO-8601 (2024-05-01, 2024-05-01T12:00:00.000Z; "
            "UTC when no offset is given) or Unix milliseconds",
        )
    export.add_argument(
        "--ccy",
        type=parse_ccys,
        action="extend",
        metavar="CCY[,CCY...]",
        help="only these currencies (repeatable; rfq-trades: either side of the pair)",
    )
    export.add_argument(
        "--format",
        choices=("csv", "jsonl"),
        help="default: from -o's suffix (.csv, .jsonl/.ndjson; .json is refused: JSON "
        "output is JSON Lines), else csv",
    )
    export.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="default: stdout (- also works)"
    )
    mode = export.add_mutually_exclusive_group()
    mode.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    mode.add_argument(
        "--append", action="store_true", help="append to FILE (to resume an interrupted export)"
    )
    export.add_argument(
        "--fake", action="store_true", help="export from an embedded FakeExchange instead"
    )
    export.add_argument("--seed", type=int, default=0, help="the --fake emulator's data seed")
    _add_history_size(export)
    export.add_argument(
        "--base-url",
        default=None,
        help=f"API base URL (default: $OKX_BASE_URL, else {OKLINK})",
    )


def add_watch(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    watch = commands.add_parser(
        "watch",
        help="print deposits or withdrawals as their states change, until Ctrl-C",
        description="Follow deposits or withdrawals in real time (the business WebSocket, "
        "gaps filled over REST; polling where the host has no WebSocket). Every state change "
        "is printed once, in its latest state. Credentials come from OKX_API_KEY, "
        "OKX_SECRET_KEY and OKX_PASSPHRASE (or use --fake).",
    )
    watch.add_argument("kind", choices=("deposits", "withdrawals"), help="what to watch")
    watch.add_argument(
        "--ccy", type=parse_ccys, action="extend", metavar="CCY[,CCY...]", help="only these"
    )
    watch.add_argument(
        "--since",
        type=parse_time,
        metavar="TIME",
        help="first print the records from TIME on (ISO-8601 or Unix ms), oldest first",
    )
    watch.add_argument("--format", choices=("table", "jsonl"), default="table")
    watch.add_argument("--fake", action="store_true", help="watch an embedded FakeExchange")
    watch.add_argument("--seed", type=int, default=0, help="the --fake emulator's data seed")
    watch.add_argument("--base-url", default=OKLINK, help=f"API base URL (default {OKLINK})")


def _add_history_size(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--history-size",
        type=_positive,
        metavar="N",
        help="emulator: N generated deposits, withdrawals and bills each (default: ~300)",
    )


class TimeArg(int):
    """A ``--since``/``--until`` value: Unix milliseconds that remember what was typed
    (``.text``), so that messages can quote the user."""

    text: str

    def __new__(cls, ms: int, text: str) -> TimeArg:
        value = super().__new__(cls, ms)
        value.text = text
        return value


def parse_time(text: str) -> TimeArg:
    """``--since``/``--until``: Unix milliseconds, or ISO-8601 (UTC when no offset is given)."""
    typed, text = text, text.strip()
    if text.isdigit():
        try:
            return TimeArg(to_ms("time", int(text)), typed)
        except ValidationError:
            why = (
                f"looks like Unix seconds; give milliseconds ({int(text) * 1000})"
                if int(text) < SECONDS_BELOW
                else "is after the year 9999"
            )
            raise argparse.ArgumentTypeError(f"{text} {why} or an ISO-8601 time") from None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO-8601 time or Unix milliseconds: {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return TimeArg(to_ms("time", moment), typed)


def parse_ccys(text: str) -> list[str]:
    """``--ccy BTC,usdt`` -> ``["BTC", "USDT"]``."""
    codes = [code.strip().upper() for code in text.split(",") if code.strip()]
    try:
        return ccy_codes("ccy", codes) or []
    except ValidationError:
        raise argparse.ArgumentTypeError(f"not a currency code: {text!r}") from None


def _port(text: str) -> int:
    port = int(text) if text.isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text!r}")
    return port


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text!r}")
    return int(text)
