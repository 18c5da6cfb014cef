"""Event-stream benchmark: latency, recovery, correctness under faults, REST cost.

Against a ``FakeExchange`` on loopback that enforces the API's real funding limit
(6 requests / 1 s), with the client's default timing unless said otherwise:

1. **Push-to-yield latency.** Deposits created one at a time (5 ms apart) on a live
   stream; time from the emulator's state change to the record leaving ``async for``.
2. **Recovery.** The connection is cut (TCP abort) and a deposit is created while it is
   down, so only the gap fill can bring it: time from the cut to that record's yield.
3. **Long faulty run.** Thousands of state changes (deposits arriving and confirming,
   withdrawals settling) under every WebSocket fault at once (abrupt closes, silent
   stalls, 64008 notices, refused connects, 10 % of pushes lost); then every record is
   settled and the stream's last state per record is compared with the server's.
4. **REST cost of a reconnect.** A quiet account (no periodic reconcile); the connection is
   cut repeatedly; REST requests the stream sent after each reconnect.

Writes the ``watch`` section of ``benchmarks/RESULTS.md``.
Usage: ``python benchmarks/bench_watch.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import results

import okxasync
from okxasync.testing import Activity, FakeExchange, WsFaults

REAL = {"funding": okxasync.Rate(6, 1.0), "otc": okxasync.Rate(2, 2.0)}
AnyStream = okxasync.EventStream[okxasync.Deposit] | okxasync.EventStream[okxasync.WithdrawalRecord]
PAUSED = Activity(tick=0.01, new_deposits=1.0, advance=0.3, paused=True)


@asynccontextmanager
async def setup(
    activity: Activity = PAUSED,
    faults: WsFaults | None = None,
    timing: okxasync.WatchTiming | None = None,
) -> AsyncIterator[tuple[FakeExchange, okxasync.Client]]:
    async with (
        FakeExchange(seed=1, rate_limits=REAL, activity=activity, ws_faults=faults) as fake,
        okxasync.Client(base_url=fake.url, watch_timing=timing, **fake.credentials) as client,
    ):
        yield fake, client


async def until(check: Callable[[], bool], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not check() and time.monotonic() < deadline:  # noqa: ASYNC110 - polled state
        await asyncio.sleep(0.01)


async def live(stream: AnyStream) -> None:
    await until(lambda: stream.stats.fills >= 1 and stream.stats.connects >= 1)


def row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def key(record: okxasync.Deposit | okxasync.WithdrawalRecord) -> tuple[str, str]:
    if isinstance(record, okxasync.Deposit):
        return record.dep_id, record.state.value
    return "w" + record.wd_id, record.state.value


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def latency(n: int) -> list[float]:
    async with setup() as (fake, client):
        driver = fake.activity
        assert driver is not None
        changed: dict[str, float] = {}
        fake.state.listeners.append(
            lambda _, r: changed.setdefault(r["depId"], time.perf_counter())
        )
        out: list[float] = []
        stream = client.funding.watch_deposits()
        async with stream:
            await live(stream)
            for _ in range(n):
                row = driver.new_deposit(fake._now_ms())
                record = await stream.__anext__()
                out.append(time.perf_counter() - changed[record.dep_id])
                assert record.dep_id == row["depId"]
                await asyncio.sleep(0.005)
    return out


async def recovery(n: int) -> list[float]:
    # ping_after=1: a connection that lived 1 s is stable, so it is replaced at once
    async with setup(timing=okxasync.WatchTiming(ping_after=1.0)) as (fake, client):
        driver = fake.activity
        assert driver is not None
        out: list[float] = []
        stream = client.funding.watch_deposits()
        async with stream:
            await live(stream)
            for _ in range(n):
                cut = time.perf_counter()
                fake.ws.abort_all()
                row = driver.new_deposit(fake._now_ms())  # no connection: never pushed
                record = await stream.__anext__()
                assert record.dep_id == row["depId"]
                out.append(time.perf_counter() - cut)
                await asyncio.sleep(1.2)  # stable again, and an empty rate window
    return out


@dataclass
class Faulty:
    seconds: float
    changes: int = 0
    records: int = 0
    lost: int = 0
    duplicates: int = 0
    yielded: int = 0
    reconnects: int = 0
    filled: int = 0
    injected: dict[str, int] = field(default_factory=dict)


async def faulty_run(seconds: float) -> Faulty:
    activity = Activity(tick=0.02, new_deposits=1.0, new_withdrawals=0.2, advance=0.3, seed=7)
    faults = WsFaults(every=1.0, lose=0.1, refuse=0.2, notice_grace=0.3, seed=7)
    timing = okxasync.WatchTiming(ping_after=1.0, pong_timeout=1.0)
    truth: dict[str, str] = {}
    seen: list[tuple[str, str]] = []
    result = Faulty(seconds)
    async with setup(activity, faults, timing) as (fake, client):

        def record(kind: str, row: dict[str, str]) -> None:
            truth[row["depId"] if kind == "deposit" else "w" + row["wdId"]] = row["state"]
            result.changes += 1

        deps = client.funding.watch_deposits(reconcile_every=5.0)
        wds = client.funding.watch_withdrawals(reconcile_every=5.0)

        async def consume(stream: AnyStream) -> None:
            async for r in stream:
                seen.append(key(r))

        async with deps, wds:
            tasks = [asyncio.create_task(consume(s)) for s in (deps, wds)]
            await until(lambda: deps.stats.fills >= 1 and wds.stats.fills >= 1)
            fake.state.listeners.append(record)
            fake.start_activity()
            await asyncio.sleep(seconds)
            fake.settle()
            fake.ws_faults = WsFaults()
            await until(lambda: dict(seen) == truth)
            for task in tasks:
                task.cancel()
            last = dict(seen)
            result.records = len(truth)
            result.lost = sum(1 for k, v in truth.items() if last.get(k) != v)
            result.yielded = len(seen)
            result.duplicates = len(seen) - len(set(seen))
            result.reconnects = deps.stats.reconnects
            result.filled = deps.stats.filled + wds.stats.filled
            result.injected = dict(fake.ws.faults.injected)
    return result


async def rest_per_reconnect(n: int) -> tuple[list[int], int]:
    async with setup(timing=okxasync.WatchTiming(ping_after=1.0)) as (fake, client):
        stream = client.funding.watch_deposits(reconcile_every=3600)
        counts: list[int] = []
        async with stream:
            await live(stream)
            await asyncio.sleep(1.5)
            tracked = len(stream._tracker.pending)
            for _ in range(n):
                before, stats = len(fake.requests), stream.stats
                fake.ws.abort_all()
                await until(
                    lambda s=stats: (
                        stream.stats.connects > s.connects and stream.stats.fills > s.fills
                    )
                )
                counts.append(len(fake.requests) - before)
                await asyncio.sleep(1.2)  # the next cut starts with an empty rate window
    return counts, tracked


QUANTILES = (0.5, 0.99, 1.0)


def ms(values: list[float], q: float) -> str:
    return f"{pct(values, q) * 1000:.1f}"


def report(lat: list[float], rec: list[float], run: Faulty, rest: tuple[list[int], int]) -> str:
    counts, tracked = rest
    injected = ", ".join(f"{k} {v}" for k, v in sorted(run.injected.items()))
    return "\n".join(
        [
            "## Event streams (`benchmarks/bench_watch.py`)",
            "",
            "`watch_deposits` / `watch_withdrawals` against a `FakeExchange` on loopback that",
            "enforces the real funding limit (6 requests / 1 s); default `WatchTiming` except",
            "where said.",
            "",
            "| measure | n | p50 | p99 | max |",
            "|---|---:|---:|---:|---:|",
            row("push-to-yield latency (ms)", len(lat), *(ms(lat, q) for q in QUANTILES)),
            row(
                "abrupt close -> first gap-filled record (ms)",
                len(rec),
                *(ms(rec, q) for q in QUANTILES),
            ),
            "",
            "Recovery = reconnect (through the 3/s connect bucket) + login + subscribe + the",
            "REST read of what was created since the last fill (one request, at background",
            "priority).",
            "",
            f"**Long faulty run** ({run.seconds:.0f} s of activity, ping after 1 s, pong",
            "timeout 1 s, reconcile every 5 s; faults every ~1 s per connection and 10 % of",
            f"pushes lost; injected: {injected}):",
            "",
            row("state changes", "records", "yielded", "lost", "dups", "reconnects", "filled"),
            "|---:|---:|---:|---:|---:|---:|---:|",
            row(
                f"{run.changes:,}",
                f"{run.records:,}",
                f"{run.yielded:,}",
                f"**{run.lost}**",
                f"**{run.duplicates}**",
                run.reconnects,
                f"{run.filled:,}",
            ),
            "",
            "*lost*: records whose last yielded state differs from the server's final one;",
            "*dups*: `(id, state)` pairs yielded more than once. Intermediate states",
            "that passed entirely during an outage are skipped by design, so *yielded* is",
            "below *state changes*.",
            "",
            f"**REST requests per reconnect** (no periodic reconcile; {tracked} unsettled",
            f"records tracked): {statistics.mean(counts):.1f} on average over {len(counts)}",
            f"reconnects (min {min(counts)}, max {max(counts)}): one read of the records",
            "created since the last fill, plus the unsettled records older than that, read",
            "as the lists of unsettled states (one request per state) when they are more",
            "than the number of those states, else by id.",
            "",
            "Machine:",
            "",
            results.machine(),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    quick = parser.parse_args().quick

    async def run() -> str:
        lat = await latency(50 if quick else 500)
        rec = await recovery(5 if quick else 30)
        faulty = await faulty_run(5 if quick else 60)
        rest = await rest_per_reconnect(3 if quick else 10)
        return report(lat, rec, faulty, rest)

    markdown = asyncio.run(run())
    results.write_section("watch", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
