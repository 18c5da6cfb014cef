"""A cancel that arrives while something is being closed."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine

import pytest


async def cancelled_while_closing(close: Coroutine[object, object, None]) -> None:
    """Run ``close`` in a task, cancel that task once it waits, and check the cancel is
    raised (not swallowed, as it was when a close forwarded it to its own task)."""
    closer = asyncio.ensure_future(close)
    await asyncio.sleep(0)  # the closer runs until it waits for a task it cancelled
    assert not closer.done()
    closer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closer
