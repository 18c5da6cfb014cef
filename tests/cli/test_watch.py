"""``okxasync watch`` run for real: events as JSON Lines or table rows, each change once,
stopped by SIGINT (status 130); without credentials a one-line error (status 2)."""

from __future__ import annotations

import asyncio
import json
import signal


async def start(cmd: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *cmd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def stop(process: asyncio.subprocess.Process, signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    _, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def read_lines(process: asyncio.subprocess.Process, count: int) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while len(lines) < count:
        line = await asyncio.wait_for(process.stdout.readline(), 20)
        assert line, f"watch exited early after {lines!r}"
        lines.append(line.decode())
    return lines


async def test_watch_withdrawals_jsonl_prints_each_change_once_until_sigint(
    okxasync_cmd: list[str], cli_env: dict[str, str]
) -> None:
    cmd = [*okxasync_cmd, "watch", "withdrawals", "--fake", "--format", "jsonl", "--ccy", "usdt"]
    process = await start(cmd, cli_env)
    rows = [json.loads(line) for line in await read_lines(process, 2)]
    status, err = await stop(process, signal.SIGINT)
    assert status == 130 and "Traceback" not in err
    assert "withdrawals over websocket" in err
    pairs = [(row["wd_id"], row["state"]) for row in rows]
    assert len(set(pairs)) == len(pairs)
    assert all(row["ccy"] == "USDT" and row["ts"].endswith("Z") for row in rows)
    assert all(row["uid"] and row["p_time"].endswith("Z") for row in rows)  # pushed


async def test_watch_deposits_table_stops_on_sigterm(
    okxasync_cmd: list[str], cli_env: dict[str, str]
) -> None:
    process = await start([*okxasync_cmd, "watch", "deposits", "--fake", "--seed", "2"], cli_env)
    [line] = await read_lines(process, 1)
    status, err = await stop(process, signal.SIGTERM)
    assert status == 130 and "Traceback" not in err
    fields = line.split()
    assert fields[0].endswith("Z") and fields[1].isdigit()  # time, deposit id
    assert fields[-2] in {"0", "1", "2", "13"}  # the state code, then its name


async def test_watch_without_credentials_says_so(
    okxasync_cmd: list[str], cli_env: dict[str, str]
) -> None:
    process = await start([*okxasync_cmd, "watch", "deposits"], cli_env)
    _, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 2 and "OKX_API_KEY" in err.decode()
