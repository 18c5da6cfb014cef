"""The ``okxasync`` command line: ``demo``, ``serve``, ``export`` and ``watch``.

Argument parsing uses the standard library's :mod:`argparse`: the commands have a few
flat options each, so a framework (click, typer) would add a dependency without removing
code, and ``okxasync --help`` keeps working without any extra installed. Tables and
progress bars use `rich`_, a widely used, well-maintained library that degrades to plain
text when the output is not a terminal; it is the optional extra ``okxasync[cli]``, and a
command that needs it (``demo``, ``export``) run without it says how to install it and
exits with status 2. ``serve`` prints plain text and needs no extra.

Exit statuses: 0 success, 1 an API or I/O error (one line on stderr, no traceback),
2 a usage error or the missing extra, 130 interrupted by Ctrl-C.

.. _rich: https://github.com/Textualize/rich
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__

__all__ = ["build_parser", "main"]

INSTALL_HINT = 'the okxasync command line needs its extra: pip install "okxasync[cli]"'
#: The commands that print tables or progress bars (``rich``, the ``cli`` extra).
NEEDS_RICH = frozenset({"demo", "export"})


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; ``args.command`` names the module that runs it."""
    parser = argparse.ArgumentParser(
        prog="okxasync",
        description="Tools for the OKLink/OKX V5 funding and OTC RFQ API.",
    )
    parser.add_argument("--version", action="version", version=f"okxasync {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from . import _options

    _options.add_demo(commands)
    _options.add_serve(commands)
    _options.add_export(commands)
    _options.add_watch(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit status."""
    args = build_parser().parse_args(argv)
    if args.command in NEEDS_RICH:
        try:
            importlib.import_module("rich")
        except ImportError:
            print(f"okxasync: {INSTALL_HINT}", file=sys.stderr)
            return 2
    module = importlib.import_module(f"okxasync._cli._{args.command}")
    status: int = module.run(args)
    return status
