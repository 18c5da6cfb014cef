"""``okxasync export`` options as a user gives them: resume hints that keep every option,
output names (``.json``, ``/dev/null``), counts in words, and a resumed ``--fake`` export
that continues the same seeded data."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from okxasync._cli import build_parser
from okxasync._cli._export import KINDS, Output, resume_command
from okxasync.testing import ExchangeState


async def export(cmd: Sequence[str], env: Mapping[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *cmd,
        "export",
        *args,
        env=dict(env),
        stdout=asyncio.subprocess.DEVNULL,  # "-o -" writes here
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, err.decode()


def test_the_resume_command_keeps_every_option(tmp_path: Path) -> None:
    out = str(tmp_path / "d.jsonl")
    typed = [
        "export", "bills", "--archive", "--since", "2025-10-01", "--ccy", "btc,USDT",
        "--format", "jsonl", "-o", out, "--force", "--fake", "--seed", "5", "--history-size", "700",
        "--base-url", "https://eea.okx.com",
    ]  # fmt: skip
    args = build_parser().parse_args(typed)
    output = Output.check(out, args.format, args.force, args.append, KINDS["bills"])
    resumed = build_parser().parse_args(resume_command(args, output, 1_767_000_000_000, 9)[1:])
    differ = {k for k in vars(args) if getattr(args, k) != getattr(resumed, k)}
    assert differ == {"until", "force", "append"}
    assert (resumed.until, resumed.append, resumed.force) == (1_767_000_000_000, True, False)


async def test_an_interrupted_fake_export_resumes_the_same_data(
    okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    """The hint keeps ``--history-size`` and the seed, and seeded data does not move with
    the clock: the two runs together hold every generated deposit exactly once."""
    out = tmp_path / "deposits.jsonl"
    args = ["deposits", "--fake", "--history-size", "2000", "-o", str(out)]
    process = await asyncio.create_subprocess_exec(
        *okxasync_cmd, "export", *args, env=cli_env, stderr=asyncio.subprocess.PIPE
    )
    for _ in range(600):  # the first records are written after half a second or so
        if out.exists() and out.stat().st_size:
            break
        await asyncio.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err_bytes = await asyncio.wait_for(process.communicate(), 60)
    err = err_bytes.decode()
    assert process.returncode == 130, err
    resume = shlex.split(err.split("Resume with:", 1)[1].strip().splitlines()[0])
    assert resume[resume.index("--history-size") + 1] == "2000"
    status, err = await export(okxasync_cmd, cli_env, *resume[2:])
    assert status == 0, err
    got = [json.loads(line)["dep_id"] for line in out.read_text().splitlines()]
    assert got == [r["depId"] for r in ExchangeState(0, history_size=2000).deposits]


async def test_json_output_is_refused_unless_the_format_is_given(
    okxasync_cmd: list[str], cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "bills.json"
    status, err = await export(okxasync_cmd, cli_env, "bills", "--fake", "-o", str(out))
    assert status == 2
    assert "JSON Lines" in err and "--format jsonl" in err
    assert not out.exists()
    status, err = await export(
        okxasync_cmd, cli_env, "bills", "--fake", "-o", str(out), "--format", "jsonl"
    )
    assert status == 0, err
    lines = out.read_text().splitlines()
    assert len(lines) == len(ExchangeState(0).bills)
    assert all(isinstance(json.loads(line), dict) for line in lines)


async def test_dev_null_is_an_output(okxasync_cmd: list[str], cli_env: dict[str, str]) -> None:
    status, err = await export(okxasync_cmd, cli_env, "bills", "--fake", "-o", os.devnull)
    assert status == 0, err
    assert f"Wrote {len(ExchangeState(0).bills):,} bills to {os.devnull}" in err


@pytest.mark.parametrize(("kind", "word"), [("deposits", "deposit"), ("rfq-trades", "rfq-trade")])
async def test_one_record_is_counted_in_the_singular(
    okxasync_cmd: list[str], cli_env: dict[str, str], kind: str, word: str
) -> None:
    state = ExchangeState(0)
    rows = state.deposits if kind == "deposits" else state.rfq_trades
    stamps = [int(r["ts"]) for r in rows]
    ts = next(t for t in stamps if stamps.count(t) == 1)  # a millisecond with one record
    window = ["--since", str(ts), "--until", str(ts + 1)]
    status, err = await export(okxasync_cmd, cli_env, kind, "--fake", *window, "-o", "-")
    assert status == 0, err
    assert f"Wrote 1 {word} to stdout" in err
