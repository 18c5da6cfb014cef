"""What every command shares: consoles, signal handling, formatting of values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from rich.console import Console

from .._http.encode import to_ms
from .._text import iso_ms as text_iso_ms
from ._signals import on_interrupt

__all__ = ["amount", "err_console", "iso_ms", "ms_iso", "on_interrupt", "out_console"]


def out_console() -> Console:
    """Tables and reports: stdout, plain text when it is not a terminal."""
    return Console(highlight=False)


def err_console() -> Console:
    """Progress, hints and errors: stderr, so stdout can carry data."""
    return Console(stderr=True, highlight=False)


def amount(value: Decimal | None) -> str:
    """Exact decimal text, never scientific notation: ``Decimal("1E-8")`` -> ``0.00000001``."""
    return "" if value is None else f"{value:f}"


def iso_ms(moment: datetime | None) -> str:
    """ISO-8601 UTC with milliseconds, like the API's own timestamps:
    ``2024-05-01T12:00:00.123Z``."""
    if moment is None:
        return ""
    return ms_iso(to_ms("time", moment))


def ms_iso(ms: int) -> str:
    """Unix milliseconds as :func:`iso_ms` text (exact: no float rounding)."""
    return text_iso_ms(ms)
