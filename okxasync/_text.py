"""Text forms shared by the wire, the logs and the command line: one of each."""

from __future__ import annotations

import time
from decimal import Decimal

__all__ = ["MAX_EXPONENT", "iso_ms", "plain_decimal"]


#: The bounds of an amount okxasync reads or sends: ``abs(amount.adjusted())`` (the power of
#: ten of its first digit) is at most this, so it is from 1E-100 to just under 1E+101 in size
#: (or zero), far beyond any real amount. Its plain text is then at most 101 characters
#: longer than its digits (``1E+99999999`` would be 100 MB), and adding or multiplying such
#: amounts stays far from the default context's limits (``decimal.Overflow`` past 1E+999999).
MAX_EXPONENT = 100

_last_second: tuple[int, str] = (-1, "")  # the last second formatted, and its text


def iso_ms(epoch_ms: int) -> str:
    """UTC ISO-8601 with milliseconds and ``Z``, e.g. ``2022-10-07T07:03:54.726Z`` (the
    API's own form; exact, no float rounding)."""
    global _last_second
    seconds, ms = divmod(epoch_ms, 1000)
    # Every signed request formats the time: the text of the second is reused within it.
    second, text = _last_second
    if second != seconds:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _last_second = (seconds, text)
    return text + _MS_TEXT[ms]


#: ``".000Z"`` to ``".999Z"``: a look-up, four times faster than formatting ``ms:03d``.
_MS_TEXT = tuple(f".{ms:03d}Z" for ms in range(1000))


def plain_decimal(number: Decimal) -> str:
    """Plain decimal text, no exponent, no trailing zeros: ``1E-8`` -> ``0.00000001``."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
