"""Ending the library's own tasks without losing a cancel aimed at the caller."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

__all__ = ["cancel_and_wait", "retrieve"]


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has ended.

    ``task.cancel(); with suppress(CancelledError): await task`` would forward a cancel
    aimed at the caller to the task and then swallow it: a timeout or a task group's
    cancel around a close was lost. Here the caller's cancel is held until the tasks have
    ended (they are cancelled already, so that is soon), then raised. Otherwise the first
    error a task ended with, other than its cancellation, is raised; every task's error
    is retrieved (none is logged as never retrieved).
    """
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    cancelled: asyncio.CancelledError | None = None
    while pending := [task for task in tasks if not task.done()]:
        try:
            await asyncio.wait(pending)  # unlike ``await task``, not forwarded to the task
        except asyncio.CancelledError as cancel:
            cancelled = cancel
    errors = [error for task in tasks if (error := retrieve(task)) is not None]
    if cancelled is not None:
        raise cancelled
    if errors:
        raise errors[0]


def retrieve(task: asyncio.Future[Any]) -> BaseException | None:
    """The error ``task`` (done) ended with, ``None`` if none or cancelled; retrieving it
    keeps asyncio from logging it as never retrieved."""
    return None if task.cancelled() else task.exception()
