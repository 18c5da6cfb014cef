"""``okxasync serve`` run for real: prints URL and credentials, serves a client, stops on
SIGINT / SIGTERM with status 0."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import signal
import socket
import sys

import pytest

import okxasync
from okxasync.testing import ExchangeState

BLOCK_RICH = (
    "import sys; sys.modules['rich'] = None; "  # makes `import rich` raise ImportError
    "from okxasync._cli import main; sys.exit(main(sys.argv[1:]))"
)


async def start(cmd: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *cmd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def read_until(process: asyncio.subprocess.Process, marker: str) -> str:
    """stdout up to and including the first line containing ``marker`` (10 s at most)."""
    assert process.stdout is not None
    text = ""
    while marker not in text:
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        assert line, f"serve exited early: {text!r}"
        text += line.decode()
    return text


async def stop(process: asyncio.subprocess.Process, signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    _, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_serve_json_accepts_a_client_and_stops_on_sigint(
    okxasync_cmd: list[str], cli_env: dict[str, str]
) -> None:
    process = await start([*okxasync_cmd, "serve", "--json", "--seed", "3"], cli_env)
    info = json.loads(await read_until(process, "\n"))
    async with okxasync.Client(
        base_url=info["url"],
        api_key=info["api_key"],
        secret_key=info["secret_key"],
        passphrase=info["passphrase"],
    ) as client:
        balances = await client.funding.balances()
    expected = {(b["ccy"], b["availBal"]) for b in ExchangeState(seed=3).balances}
    assert {(b.ccy, str(b.avail_bal)) for b in balances} == expected
    status, err = await stop(process, signal.SIGINT)
    assert status == 0
    assert "Traceback" not in err


async def test_serve_runs_without_the_cli_extra(cli_env: dict[str, str]) -> None:
    """``rich`` cannot be imported, as without ``okxasync[cli]``: serve still works."""
    process = await start([sys.executable, "-c", BLOCK_RICH, "serve", "--json"], cli_env)
    info = json.loads(await read_until(process, "\n"))
    async with okxasync.Client(
        base_url=info["url"],
        api_key=info["api_key"],
        secret_key=info["secret_key"],
        passphrase=info["passphrase"],
    ) as client:
        assert await client.funding.balances()
    status, err = await stop(process, signal.SIGINT)
    assert (status, err.strip()) == (0, "okxasync serve: stopped")


async def test_serve_text_prints_shell_exports_and_stops_on_sigterm(
    okxasync_cmd: list[str], cli_env: dict[str, str]
) -> None:
    process = await start([*okxasync_cmd, "serve"], cli_env)
    text = await read_until(process, "Ctrl-C")
    url = re.search(r"serving on (http://127\.0\.0\.1:\d+)", text)
    assignments = [shlex.split(line)[1] for line in text.splitlines() if "export OKX_" in line]
    exports = dict(assignment.split("=", 1) for assignment in assignments)
    assert url is not None
    assert set(exports) == {"OKX_BASE_URL", "OKX_API_KEY", "OKX_SECRET_KEY", "OKX_PASSPHRASE"}
    assert exports["OKX_BASE_URL"] == url.group(1)
    with pytest.MonkeyPatch.context() as env:  # as a shell that ran the exports
        for name, value in exports.items():
            env.setenv(name, value)
        async with okxasync.Client() as client:
            assert await client.otc.instruments()
    status, _ = await stop(process, signal.SIGTERM)
    assert status == 0


async def test_serve_on_a_busy_port_fails_clearly(
    okxasync_cmd: list[str], cli_env: dict[str, str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = await start([*okxasync_cmd, "serve", "--port", str(port)], cli_env)
        _, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err.decode()
