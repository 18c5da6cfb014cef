"""One contender, one fresh process: ``python benchmarks/worker.py KEY URL [options]``.

The runner (``run.py``) starts this script once per contender, condition and repetition,
so no contender inherits another's imports or heap. It makes ``--warmup`` calls, then
measures ``--calls`` sequential calls and prints one JSON line:

- ``median_ns`` / ``p90_ns``: CPU time per call (``time.process_time_ns``: user + kernel);
- ``kernel_share``: the kernel's part of that CPU time (sockets, page faults);
- ``faults``: minor page faults per call (``getrusage``: what the warm-up removes);
- ``records``: records decoded by the last call (a check that it did the work).

Options (each is opt-in: by default nothing process-wide is changed):

- ``--warm-malloc``: allocate and free 2 MiB before anything else. glibc then serves
  blocks below that size from the heap instead of fresh ``mmap`` pages (its mmap
  threshold rises to the largest block freed), as it does after importing ccxt.
- ``--uvloop``: run on a uvloop event loop.
- ``--profile FILE``: measure under cProfile and write its stats to ``FILE``.
- ``--turns IN,OUT`` (with ``--batch N``): take turns with another worker. Before each
  batch of ``N`` measured calls, wait for a byte on file descriptor ``IN``; after it,
  write one to ``OUT``. The runner hands the turn from one process to the other, so the
  two measure batch after batch under the same machine load, never at the same time
  (``batch_ns``: the median CPU time per call of each batch).
- ``--callgrind-marks``: call ``os.getpgrp()`` just before the measured calls and
  ``os.getsid(0)`` just after, for ``valgrind --tool=callgrind --zero-before=getpgrp
  --dump-before=getsid``: the dump then holds the measured calls' instructions only.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import json
import os
import resource
import statistics
import sys
import time
from typing import Any

from contenders import BY_KEY, Call

WARM_BYTES = 2 * 2**20


def warm_malloc() -> None:
    """Raise glibc's mmap threshold to 2 MiB: a freed mmapped block sets it (man mallopt)."""
    block = bytearray(WARM_BYTES)
    del block


async def measure(key: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    module = importlib.import_module(f"contenders.{key}")
    async with module.connect(url) as call:
        for _ in range(args.warmup):
            await call()
        if args.profile:
            return await _profiled(call, args.calls, args.profile)
        if args.callgrind_marks:
            os.getpgrp()
            for _ in range(args.calls):
                await call()
            os.getsid(0)
            return {"key": key, "calls": args.calls}
        turns = tuple(int(fd) for fd in args.turns.split(",")) if args.turns else None
        return await _timed(key, call, args.calls, turns, args.batch)


async def _timed(
    key: str, call: Call, calls: int, turns: tuple[int, ...] | None, batch: int
) -> dict[str, Any]:
    samples: list[int] = []
    batches: list[float] = []
    records = 0
    before = resource.getrusage(resource.RUSAGE_SELF)
    for i in range(calls):
        if turns and i % batch == 0:
            if i:
                batches.append(statistics.median(samples[-batch:]))
                os.write(turns[1], b".")  # this batch is done: the other's turn
            if not os.read(turns[0], 1):  # our turn (EOF: the runner is gone)
                raise SystemExit("the runner closed the turn pipe")
        start = time.process_time_ns()
        records = await call()
        samples.append(time.process_time_ns() - start)
    if turns:
        batches.append(statistics.median(samples[-batch:]))
        os.write(turns[1], b".")
    after = resource.getrusage(resource.RUSAGE_SELF)
    total = sum(samples) / 1e9
    return {
        "key": key,
        "calls": calls,
        "batch_ns": batches,
        "median_ns": statistics.median(samples),
        "p90_ns": statistics.quantiles(samples, n=10, method="inclusive")[-1],
        "kernel_share": (after.ru_stime - before.ru_stime) / total if total else 0.0,
        "faults": (after.ru_minflt - before.ru_minflt) / calls,
        "records": records,
    }


async def _profiled(call: Call, calls: int, path: str) -> dict[str, Any]:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        await call()
    profile.disable()
    profile.dump_stats(path)
    return {"calls": calls, "profile": path}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("key", choices=sorted(BY_KEY))
    parser.add_argument("url")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--warm-malloc", action="store_true")
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--profile")
    parser.add_argument("--turns", help="IN,OUT: file descriptors to take turns on")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--callgrind-marks", action="store_true")
    args = parser.parse_args()
    if args.warm_malloc:
        warm_malloc()
    if args.uvloop:
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        result = loop.run_until_complete(measure(args.key, args.url, args))
    finally:
        loop.close()
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
