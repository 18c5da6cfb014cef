"""Client benchmarks: okxasync against ccxt, python-okx and raw aiohttp, side by side.

Every contender (``benchmarks/contenders/``) calls the same loopback server process
(``server.py``), which answers with one pre-serialised 100-record deposit-history page.
Each measurement runs in a fresh process per contender (``worker.py``), interleaved:
repetition after repetition, every contender once in every condition, in a rotating
order, so drift and load hit all alike. Reported: the median of the processes and their
range, and okxasync's ratio to each contender within the same repetition.

1. CPU per signed call, in each condition: *fresh* (a plain process), *warmed* (2 MiB
   allocated and freed first, see ``worker.py``) and, when installed, *uvloop*;
2. instructions per call under callgrind (one process each, when valgrind is installed):
   the figure machine load does not move;
3. where okxasync's CPU goes, stage by stage, next to raw aiohttp + msgspec (cProfile);
4. decoding the page alone: typed records against ``json.loads`` (ratio per batch pair).

Writes the ``clients`` section of ``RESULTS.md`` and its charts (in ``--out``, by default
next to this file). Usage: ``python benchmarks/run.py [--quick] [--out DIR]``;
``--quick`` is a smoke run: tiny samples, no callgrind, no uvloop condition.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charts
import results
import server
import stages
from contenders import CONTENDERS, OURS, RAW, Contender, okxasync_, raw_aiohttp_json

WORKER = str(Path(__file__).with_name("worker.py"))
PEERS = ("okxasync", "python-okx", "ccxt", "aiohttp", "msgspec", "uvloop", "matplotlib")
FRESH, WARMED, UVLOOP = "fresh", "warmed", "uvloop"
CONDITION_FLAGS = {FRESH: [], WARMED: ["--warm-malloc"], UVLOOP: ["--uvloop"]}
JSON_LOADS = "json.loads → dicts of str"
TYPED = "okxasync records"
DECODERS: dict[str, Callable[[bytes], Sized]] = {
    JSON_LOADS: raw_aiohttp_json.decode,
    TYPED: okxasync_.decode,
}
# (contender, condition-independent target for okxasync / contender, comparison)
GOALS = (
    (RAW, 1.05),
    ("ccxt_", 0.9),
    ("python_okx", 0.45),
    ("ccxt_unified", 0.25),
)
DECODE_GOAL = 2.0


@dataclass(frozen=True)
class Plan:
    """Sample sizes: ``reps`` processes per contender and condition, each ``calls`` calls."""

    reps: int = 7
    calls: int = 1500
    warmup: int = 200
    callgrind_calls: int = 200
    callgrind_warmup: int = 50
    profile_calls: int = 1000
    profile_rounds: int = 5
    decode_batches: int = 60
    decode_batch: int = 200
    callgrind: bool = True
    conditions: tuple[str, ...] = (FRESH, WARMED, UVLOOP)
    batch: int = 100  # calls per turn of a pair of processes


QUICK = Plan(1, 20, 5, 0, 0, 20, 1, 3, 20, callgrind=False, conditions=(FRESH, WARMED), batch=10)


@dataclass
class Runs:
    """Per-process results of one contender in one condition."""

    median_us: list[float] = field(default_factory=list)
    kernel: list[float] = field(default_factory=list)
    faults: list[float] = field(default_factory=list)


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, lowest, highest)."""
    return statistics.median(values), min(values), max(values)


# ------------------------------------------------------------ processes


def worker(key: str, url: str, *flags: str, calls: int, warmup: int) -> dict[str, Any]:
    """Run one contender in a fresh process; its JSON result."""
    cmd = [sys.executable, WORKER, key, url, f"--calls={calls}", f"--warmup={warmup}", *flags]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"worker {key} {flags} failed:\n{out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def paired(
    keys: tuple[str, str], url: str, flags: list[str], plan: Plan, first: int
) -> list[dict[str, Any]]:
    """Two contenders, each in its own fresh process, taking turns batch by batch (see
    ``worker.py --turns``): one measures while the other waits, and the next batch goes
    to the other, so load that comes and goes hits both alike. ``first`` (0 or 1) says
    which one starts; it then alternates. Their JSON results, in ``keys`` order."""
    procs = []
    for key in keys:
        go_read, go_write = os.pipe()
        done_read, done_write = os.pipe()
        cmd = [sys.executable, WORKER, key, url, f"--calls={plan.calls}"]
        cmd += [f"--warmup={plan.warmup}", f"--batch={plan.batch}", *flags]
        cmd.append(f"--turns={go_read},{done_write}")
        proc = subprocess.Popen(
            cmd, pass_fds=(go_read, done_write), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        os.close(go_read)
        os.close(done_write)
        procs.append((proc, go_write, done_read))
    try:
        for turn in range(-(-plan.calls // plan.batch)):
            order = procs if (turn + first) % 2 == 0 else procs[::-1]
            for _, go, done in order:
                os.write(go, b"g")
                if not os.read(done, 1):  # the worker died: its error is reported below
                    break
        results = []
        for (proc, _, _), key in zip(procs, keys, strict=True):
            stdout, stderr = proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"worker {key} {flags} failed:\n{stderr.decode()[-2000:]}")
            results.append(json.loads(stdout.decode().strip().splitlines()[-1]))
        return results
    finally:
        for proc, go, done in procs:
            os.close(go)
            os.close(done)
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def pair_ratio(ours: dict[str, Any], theirs: dict[str, Any]) -> float:
    """okxasync / contender: the median over the pairs of adjacent batches."""
    pairs = zip(ours["batch_ns"], theirs["batch_ns"], strict=True)
    return statistics.median(a / b for a, b in pairs)


def cpu_runs(
    url: str, keys: list[str], conditions: list[str], plan: Plan
) -> tuple[dict[tuple[str, str], Runs], dict[tuple[str, str], list[float]]]:
    """okxasync paired with every other contender (:func:`paired`) in every condition,
    ``plan.reps`` times, the order of the contenders rotating. Per (contender, condition):
    its processes' results, and okxasync / contender for each pair."""
    runs = {(k, c): Runs() for k in keys for c in conditions}
    others = [k for k in keys if k != OURS]
    found: dict[tuple[str, str], list[float]] = {(k, c): [] for k in others for c in conditions}
    for rep in range(plan.reps):
        order = others[rep % len(others) :] + others[: rep % len(others)]
        for key in order:
            for condition in conditions:
                pair = (OURS, key)
                got = paired(pair, url, CONDITION_FLAGS[condition], plan, first=rep % 2)
                for name, result in zip(pair, got, strict=True):
                    if result["records"] != server.RECORDS:
                        raise RuntimeError(f"{name} decoded {result['records']} records")
                    run = runs[name, condition]
                    run.median_us.append(result["median_ns"] / 1e3)
                    run.kernel.append(result["kernel_share"])
                    run.faults.append(result["faults"])
                found[key, condition].append(pair_ratio(*got))
        print(f"repetition {rep + 1}/{plan.reps} done", flush=True)
    return runs, found


def instructions(url: str, keys: list[str], plan: Plan, tmp: Path) -> dict[str, float]:
    """Instructions per call of each contender under callgrind (empty without valgrind)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None or not plan.callgrind:
        return {}
    counts = {}
    for key in keys:
        out = tmp / f"callgrind.{key}"
        cmd = [
            valgrind,
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            *_MARKS,
            sys.executable,
            WORKER,
            key,
            url,
            f"--calls={plan.callgrind_calls}",
            f"--warmup={plan.callgrind_warmup}",
            "--callgrind-marks",
        ]
        subprocess.run(cmd, capture_output=True, check=True)
        counts[key] = _summary(Path(f"{out}.1")) / plan.callgrind_calls
        print(f"callgrind {key}: {counts[key]:,.0f} instructions/call", flush=True)
    return counts


_MARKS = ("--zero-before=getpgrp", "--dump-before=getsid")


def _summary(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"no summary line in {path}")


def profiles(url: str, plan: Plan, tmp: Path) -> dict[str, dict[str, float]]:
    """µs per call per stage, okxasync and raw aiohttp + msgspec, under cProfile: the
    median of ``plan.profile_rounds`` interleaved processes each."""
    rounds: dict[str, list[dict[str, float]]] = {OURS: [], RAW: []}
    for r in range(plan.profile_rounds):
        for key, out in rounds.items():
            path = tmp / f"profile.{key}.{r}"
            worker(key, url, f"--profile={path}", calls=plan.profile_calls, warmup=plan.warmup)
            out.append(stages.breakdown(str(path), plan.profile_calls))
    return {
        key: {s: statistics.median(b[s] for b in runs) for s in stages.STAGES}
        for key, runs in rounds.items()
    }


# ------------------------------------------------------------ decoding


def decode_ratios(plan: Plan) -> tuple[dict[str, float], list[float]]:
    """(least µs per page for each decoder, json.loads time / typed time per batch pair),
    timed in a fresh process (``--decode-times``), like every other figure.

    The least time of many batches is the one load disturbed least: the figure for a
    CPU-bound loop (as ``timeit`` advises); the per-pair ratios show the spread.
    """
    cmd = [sys.executable, __file__, f"--decode-times={plan.decode_batches},{plan.decode_batch}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    times: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])
    pairs = [j / t for j, t in zip(times[JSON_LOADS], times[TYPED], strict=True)]
    return {name: min(us) for name, us in times.items()}, pairs


def decode_times(batches: int, batch: int) -> dict[str, list[float]]:
    """µs per page of each decoder, ``batches`` interleaved batches of ``batch`` pages."""
    body = server.page()
    times: dict[str, list[float]] = {name: [] for name in DECODERS}
    for _ in range(batches):
        for name, decode in DECODERS.items():
            start = time.perf_counter_ns()
            for _ in range(batch):
                decode(body)
            times[name].append((time.perf_counter_ns() - start) / batch / 1e3)
    return times


def decode_marks(calls: int) -> None:
    """Each decoder ``calls`` times between the callgrind markers (see ``worker.py``)."""
    body = server.page()
    for decode in DECODERS.values():
        decode(body)
        os.getpgrp()
        for _ in range(calls):
            decode(body)
        os.getsid(0)


def decode_instructions(plan: Plan, tmp: Path) -> dict[str, float]:
    """Instructions per page of each decoder under callgrind (empty without valgrind)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None or not plan.callgrind:
        return {}
    out = tmp / "callgrind.decode"
    cmd = [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", *_MARKS]
    cmd += [sys.executable, __file__, f"--decode-marks={plan.callgrind_calls}"]
    subprocess.run(cmd, capture_output=True, check=True)
    return {
        name: _summary(Path(f"{out}.{i}")) / plan.callgrind_calls
        for i, name in enumerate(DECODERS, start=1)
    }


# ------------------------------------------------------------ report


@dataclass(frozen=True)
class Measured:
    plan: Plan
    labels: dict[str, str]
    skipped: dict[str, list[str]]
    conditions: list[str]
    runs: dict[tuple[str, str], Runs]
    ratios: dict[tuple[str, str], list[float]]  # okxasync / contender, one per pair
    counts: dict[str, float]
    stages: dict[str, dict[str, float]]
    decode_us: dict[str, float]
    decode_pairs: list[float]
    decode_counts: dict[str, float]

    @property
    def decode_ratio(self) -> float:
        """json.loads's least time per page over the typed records' (higher is better)."""
        return self.decode_us[JSON_LOADS] / self.decode_us[TYPED]


def report(m: Measured) -> str:
    """The ``clients`` section of RESULTS.md."""
    keys = list(m.labels)
    return "\n".join(
        [
            "## Clients: okxasync vs ccxt, python-okx and raw aiohttp",
            "",
            "Written by `benchmarks/run.py`. One loopback server process "
            "(`benchmarks/server.py`) answers every request with the same pre-serialised "
            f"{server.RECORDS}-record deposit-history page ({len(server.page()):,} bytes); "
            "every client signs every request.",
            "",
            *_method(m),
            "",
            "### Machine",
            "",
            results.machine(),
            f"- Packages: {results.versions(*PEERS)}",
            *_skipped(m),
            "",
            "### Goals: okxasync's CPU per call over each contender's, same repetition",
            "",
            *_goal_table(m),
            "",
            "![CPU ratios](clients_ratios.png)",
            "",
            "### CPU per signed call, each contender in its own fresh process",
            "",
            *_cpu_table(m, keys),
            "",
            *_why_warm(m),
            "",
            *_instruction_table(m, keys),
            "",
            *_stage_table(m),
            "",
            *_decode_table(m),
        ]
    )


def _method(m: Measured) -> list[str]:
    p = m.plan
    return [
        f"Method: {p.reps} repetitions; in each, okxasync is paired with every other "
        "contender in every condition. A pair is two fresh processes "
        f"(`benchmarks/worker.py`), each making {p.warmup} warm-up calls and then "
        f"{p.calls:,} sequential calls measured with `time.process_time_ns` (user + kernel "
        "CPU of the client process, so the client side of the loopback TCP work is "
        f"included), in batches of {p.batch}: the two take turns, one measuring a batch "
        "while the other waits, so load that comes and goes on the machine hits both "
        "alike. okxasync / contender is the median over the pairs of adjacent batches; "
        "tables give the median of those ratios over the repetitions and their range "
        "(lowest to highest). A process's µs/call is the median of its calls. The order "
        "of the contenders rotates, and which of a pair starts alternates, from one "
        "repetition to the next.",
        "",
        "Conditions: *fresh* is a plain process, as a user's program starts. *warmed* "
        "allocates and frees 2 MiB first (opt-in, `worker.py --warm-malloc`). *uvloop* "
        "runs the event loop on uvloop (opt-in; only when uvloop is installed). okxasync "
        "itself changes nothing process-wide: neither is done by the library.",
    ]


def _skipped(m: Measured) -> list[str]:
    return [
        f"- Skipped: {label} (not importable: {', '.join(names)})"
        for label, names in m.skipped.items()
    ]


def _fmt(values: list[float], digits: int = 2, unit: str = "x") -> str:
    mid, lo, hi = spread(values)
    return f"{mid:.{digits}f}{unit} ({lo:.{digits}f}-{hi:.{digits}f})"


def _goal_table(m: Measured) -> list[str]:
    head = " | ".join(m.conditions)
    lines = [
        f"| okxasync / contender | target | {head} | instructions | met |",
        "|---|---:|" + "---:|" * len(m.conditions) + "---:|---|",
    ]
    for key, target in GOALS:
        if key not in m.labels:
            continue
        cells = [m.ratios[key, c] for c in m.conditions]
        worst = max(max(r) for r in cells)
        med = max(statistics.median(r) for r in cells)
        met = "yes" if worst <= target else ("median only" if med <= target else "**no**")
        inst = f"{m.counts[OURS] / m.counts[key]:.2f}x" if key in m.counts else "n/a"
        lines.append(
            f"| {m.labels[key]} | ≤ {target:.2f}x | "
            + " | ".join(_fmt(r) for r in cells)
            + f" | {inst} | {met} |"
        )
    ratio = m.decode_ratio
    met = "yes" if ratio >= DECODE_GOAL else "**no**"
    blank = " | ".join("" for _ in m.conditions[1:])
    counts = m.decode_counts
    inst = f"{counts[JSON_LOADS] / counts[TYPED]:.2f}x" if counts else "n/a"
    lines.append(
        f"| typed decode speed vs json.loads (higher is better) | ≥ {DECODE_GOAL:.1f}x | "
        f"{ratio:.2f}x (pairs {_fmt(m.decode_pairs)}) | {blank} | {inst} | {met} |"
    )
    return [
        *lines,
        "",
        "*met*: the target holds in every repetition of every condition (*median only*: "
        "the median holds in every condition, not every repetition). The decode row is one "
        "thread, interleaved batches (see below).",
    ]


def _cpu_table(m: Measured, keys: list[str]) -> list[str]:
    lines = [
        "| client | condition | µs/call | range | vs okxasync | kernel | page faults/call |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for key in keys:
        for condition in m.conditions:
            run = m.runs[key, condition]
            mid, lo, hi = spread(run.median_us)
            vs = 1.0 if key == OURS else statistics.median(1 / r for r in m.ratios[key, condition])
            lines.append(
                f"| {m.labels[key]} | {condition} | {mid:.0f} | {lo:.0f}-{hi:.0f} | "
                f"{vs:.2f}x | {statistics.median(run.kernel):.0%} | "
                f"{statistics.median(run.faults):.1f} |"
            )
    return lines


def _why_warm(m: Measured) -> list[str]:
    def faults(condition: str) -> str:
        return ", ".join(
            f"{m.labels[k]} {statistics.median(m.runs[k, condition].faults):.1f}" for k in m.labels
        )

    return [
        "Why two conditions: asyncio reads a socket into a fresh 256 KiB buffer "
        "(`recv(256 KiB)`), then shrinks it to the bytes received. glibc serves blocks of "
        "128 KiB or more with `mmap`, and shrinking keeps them mapped, so each response can "
        "map and fault in new pages, about 50 µs a call. Freeing a mapped block raises "
        "glibc's threshold to that block's size (its dynamic mmap threshold), after which "
        "such blocks come from the heap. Whether a process is past that point depends on "
        "what it imported and allocated so far: importing ccxt gets it there, so in one "
        "shared process ccxt's import made every aiohttp-based contender cheaper (the old "
        "single-process harness measured that by accident). *warmed* gets there on purpose "
        "with one 2 MiB block. Minor page faults per call (median), fresh: "
        f"{faults(FRESH)}"
        + (f"; warmed: {faults(WARMED)}." if WARMED in m.conditions else ".")
        + " okxasync avoids it without touching the process: each of its connections reads "
        "64 KiB at a time (below the threshold; one attribute of that connection's asyncio "
        "transport), so its figures hardly differ between the two conditions. Another "
        "program can do the same for its own sockets, allocate and free a 2 MiB "
        "`bytearray` at start-up, or run on uvloop (which reads into one reused buffer).",
    ]


def _instruction_table(m: Measured, keys: list[str]) -> list[str]:
    if not m.counts:
        return [
            "### Instructions per call",
            "",
            "Not measured in this run (valgrind missing, or `--quick`).",
        ]
    ours = m.counts[OURS]
    return [
        "### Instructions per call (callgrind, fresh condition)",
        "",
        f"One process per contender under `valgrind --tool=callgrind`: "
        f"{m.plan.callgrind_warmup} warm-up calls, then the instructions of "
        f"{m.plan.callgrind_calls} calls (counting starts and stops at markers in "
        "`worker.py`). User-space instructions only: page faults and socket work in the "
        "kernel are not counted, so this is the client's own work, unmoved by load.",
        "",
        "| client | instructions/call | okxasync / client |",
        "|---|---:|---:|",
        *(
            f"| {m.labels[k]} | {m.counts[k] / 1e6:.2f} M | {ours / m.counts[k]:.2f}x |"
            for k in keys
            if k in m.counts
        ),
    ]


def _stage_table(m: Measured) -> list[str]:
    ours, raw = m.stages[OURS], m.stages[RAW]
    total_ours, total_raw = sum(ours.values()), sum(raw.values())
    return [
        "### Where okxasync's CPU goes, next to raw aiohttp + msgspec (cProfile)",
        "",
        f"{m.plan.profile_rounds} fresh processes of each, interleaved, each profiling "
        f"{m.plan.profile_calls:,} calls with cProfile; per stage, the median of the "
        "processes. A function's own time is counted in the stage of the file defining "
        "it, a C function's in its callers' (`benchmarks/stages.py`); the event loop's wait "
        "for the server is left out. The profiler slows Python code more than C, and its "
        "clock is wall time, so load inflates the kernel's socket work under *send and "
        "receive*: only the differences matter, and the stages the raw client does not "
        "have at all (request building, scheduling, request loop, logging) are the firmest. "
        "The last column is where each µs of the gap goes.",
        "",
        "| stage | okxasync µs | raw aiohttp + msgspec µs | gap µs |",
        "|---|---:|---:|---:|",
        *(
            f"| {s} | {ours[s]:.1f} | {raw[s]:.1f} | {ours[s] - raw[s]:+.1f} |"
            for s in stages.STAGES
        ),
        f"| **total** | {total_ours:.1f} | {total_raw:.1f} | {total_ours - total_raw:+.1f} |",
    ]


def _decode_table(m: Measured) -> list[str]:
    p = m.plan
    counts = m.decode_counts
    return [
        "### Decoding the page (one thread, GC on)",
        "",
        f"{p.decode_batches} batch pairs of {p.decode_batch} decodes each, `json.loads` "
        "and okxasync's typed records (`Decimal` amounts, enums, checked timestamps) "
        "interleaved, in a fresh process (`run.py --decode-times`). The figure is the least "
        "time per page of each (the batch load disturbed least, as for any CPU-bound "
        "loop); the ratios of the pairs show the spread load adds. Instructions per page "
        "are counted under callgrind.",
        "",
        "| decoder | µs per page (least) | instructions per page |",
        "|---|---:|---:|",
        *(
            f"| {name} | {us:.1f} | " + (f"{counts[name] / 1e6:.3f} M |" if counts else "n/a |")
            for name, us in m.decode_us.items()
        ),
        "",
        f"Typed records vs `json.loads`: **{m.decode_ratio:.2f}x** faster "
        f"(pairs: {_fmt(m.decode_pairs)}, median and range)"
        + (f"; {counts[JSON_LOADS] / counts[TYPED]:.2f}x fewer instructions." if counts else "."),
        "",
        "Two choices keep decoding cheap: a record's fields are ordered as the API sends "
        "its keys (msgspec then finds each key at the next position instead of searching), "
        "and records are not tracked by the garbage collector (they cannot form cycles).",
    ]


# ------------------------------------------------------------ main


def available(
    conditions: tuple[str, ...],
) -> tuple[list[Contender], dict[str, list[str]], list[str]]:
    ready = [c for c in CONTENDERS if not c.missing()]
    skipped = {c.label: c.missing() for c in CONTENDERS if c.missing()}
    for label, names in skipped.items():
        print(f"skipped {label}: not importable ({', '.join(names)})", flush=True)
    uv = Contender("", "", ("uvloop",))
    return ready, skipped, [c for c in conditions if c != UVLOOP or not uv.missing()]


def measure(plan: Plan) -> Measured:
    ready, skipped, conditions = available(plan.conditions)
    keys = [c.key for c in ready]
    with server.serving() as url, tempfile.TemporaryDirectory() as tmp:
        runs, cpu_ratios = cpu_runs(url, keys, conditions, plan)
        counts = instructions(url, keys, plan, Path(tmp))
        breakdown = profiles(url, plan, Path(tmp))
        decode_counts = decode_instructions(plan, Path(tmp))
    decode_us, pairs = decode_ratios(plan)
    labels = {c.key: c.label for c in ready}
    return Measured(
        plan,
        labels,
        skipped,
        conditions,
        runs,
        cpu_ratios,
        counts,
        breakdown,
        decode_us,
        pairs,
        decode_counts,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny samples: a smoke run")
    parser.add_argument("--out", type=Path, default=results.HERE, help="where RESULTS.md is")
    parser.add_argument("--reps", type=int, help="repetitions (default 9; --quick 1)")
    parser.add_argument("--decode-marks", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--decode-times", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.decode_marks:
        decode_marks(args.decode_marks)
        return
    if args.decode_times:
        batches, batch = (int(n) for n in args.decode_times.split(","))
        print(json.dumps(decode_times(batches, batch)))
        return
    plan = QUICK if args.quick else Plan()
    if args.reps:
        plan = Plan(**{**plan.__dict__, "reps": args.reps})
    m = measure(plan)
    path = args.out / "RESULTS.md"
    results.write_section("clients", report(m), path)
    charts.draw(
        args.out,
        {m.labels[k]: {c: m.ratios[k, c] for c in m.conditions} for k, _ in GOALS if k in m.labels},
        m.decode_pairs,
    )
    print(path.read_text())


if __name__ == "__main__":
    main()
