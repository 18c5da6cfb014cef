"""Where a call's CPU goes: cProfile's own-time per function, summed per stage.

A function's stage comes from where it is defined (``okxasync/_ratelimit/`` is
scheduling, ``aiohttp/`` is sending, ...). A C function (``hmac.digest``, ``str.encode``,
a socket ``send``) has no file: its time goes to the stages of its callers, in
proportion to the time each caller spent in it. cProfile's clock is wall time, so the
event loop's wait for the server (``epoll.poll``) would count too: it is not the client's
work and is left out.
"""

from __future__ import annotations

import pstats
from collections import defaultdict

__all__ = ["STAGES", "breakdown"]

STAGES = (
    "request building",
    "scheduling",
    "signing",
    "logging",
    "request loop",
    "send and receive",
    "decode",
    "other",
)

# (path fragment, stage), first match wins; paths use "/" (normalised below).
_BY_PATH = (
    ("okxasync/_http/decode.py", "decode"),
    ("okxasync/models/", "decode"),
    ("msgspec/", "decode"),
    ("/json/", "decode"),
    ("okxasync/_http/signing.py", "signing"),
    ("okxasync/_http/clock.py", "signing"),
    ("contenders/_raw.py:signed_headers", "signing"),
    ("/hmac.py", "signing"),
    ("/base64.py", "signing"),
    ("okxasync/_ratelimit/", "scheduling"),
    ("/logging/", "logging"),
    ("okxasync/_http/encode.py", "request building"),
    ("okxasync/_endpoints/", "request building"),
    ("okxasync/_resources/", "request building"),
    ("okxasync/_paging/", "request building"),
    ("okxasync/_client.py", "request building"),
    ("okxasync/_http/", "request loop"),
    ("okxasync/_errors.py", "request loop"),
    ("aiohttp/", "send and receive"),
    ("yarl/", "send and receive"),
    ("multidict/", "send and receive"),
    ("/asyncio/", "send and receive"),
    ("/selectors.py", "send and receive"),
    ("/socket.py", "send and receive"),
)
WAITING = "waiting"  # the event loop blocked in its selector: left out of every stage
_BUILTIN_HINTS = (
    ("of 'select.epoll' objects", WAITING),
    ("hmac", "signing"),
    ("_hashlib", "signing"),
    ("binascii", "signing"),
    ("msgspec", "decode"),
    ("json", "decode"),
    ("_socket", "send and receive"),
    ("select.epoll", "send and receive"),
)

Func = tuple[str, int, str]


def _stage_of_code(func: Func) -> str | None:
    filename, _, name = func
    if filename == "~":
        return None
    where = filename.replace("\\", "/") + ":" + name
    return next((stage for fragment, stage in _BY_PATH if fragment in where), "other")


def breakdown(path: str, calls: int) -> dict[str, float]:
    """µs per call for each stage (under the profiler, so larger than unprofiled)."""
    stats = pstats.Stats(path).stats  # type: ignore[attr-defined]
    totals: dict[str, float] = defaultdict(float)
    for func, (_, _, own, _, callers) in stats.items():
        for stage, seconds in _split(func, own, callers, stats).items():
            totals[stage] += seconds
    return {stage: totals.get(stage, 0.0) / calls * 1e6 for stage in STAGES}  # not WAITING


def _split(func: Func, own: float, callers: dict, stats: dict, depth: int = 0) -> dict[str, float]:
    """``own`` seconds of ``func`` by stage; a C function's follow its callers."""
    stage = _stage_of_code(func)
    if stage is not None:
        return {stage: own}
    hint = next((s for word, s in _BUILTIN_HINTS if word in func[2]), None)
    if hint is not None:
        return {hint: own}
    spent = sum(entry[2] for entry in callers.values())
    if depth > 3 or not callers or spent <= 0:
        return {"other": own}
    out: dict[str, float] = defaultdict(float)
    for caller, entry in callers.items():
        share = own * entry[2] / spent
        caller_callers = stats.get(caller, (0, 0, 0.0, 0.0, {}))[4]
        for stage, seconds in _split(caller, share, caller_callers, stats, depth + 1).items():
            out[stage] += seconds
    return out
