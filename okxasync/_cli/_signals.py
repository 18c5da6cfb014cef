"""Orderly stops on Ctrl-C and SIGTERM (no third-party imports: ``serve`` runs without
the ``cli`` extra)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator

__all__ = ["on_interrupt"]


@contextlib.contextmanager
def on_interrupt(callback: Callable[[], None]) -> Iterator[None]:
    """Inside the running loop, call ``callback`` on SIGINT or SIGTERM instead of the default
    (KeyboardInterrupt / termination), so the command can stop in an orderly way.

    Where the loop cannot install handlers (Windows), Ctrl-C keeps raising KeyboardInterrupt.
    """
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, callback)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
