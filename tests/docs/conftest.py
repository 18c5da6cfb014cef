"""Fixtures for the documentation checks: one mypy run over every example, a redis-server."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .snippets import REPO, Finished, Snippet, emulator, program_env, run, snippets

#: Examples run at once: they mostly wait (rate limits, sleeps), each on its own emulator.
PARALLEL = 4

MYPY_LINE = re.compile(r"^(?P<file>[^:\s]+\.py):(?P<line>\d+): (?P<message>.*)$")


@pytest.fixture(scope="session")
def snippet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every example written out as a module, named as ``Snippet.module_name`` says."""
    directory = tmp_path_factory.mktemp("snippets")
    for snippet in snippets():
        (directory / snippet.module_name).write_text(snippet.code, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def mypy_errors(snippet_dir: Path) -> dict[str, list[str]]:
    """``mypy --strict`` over all the examples and examples/ at once: messages by file name."""
    files = sorted(str(p) for p in snippet_dir.glob("*.py"))
    files += sorted(str(p) for p in (REPO / "examples").glob("*.py"))
    command = [sys.executable, "-m", "mypy", "--strict", "--config-file", "pyproject.toml"]
    command += ["--no-error-summary", "--show-error-codes", "--no-pretty", *files]
    env = {**os.environ, "PYTHONPATH": str(REPO), "MYPYPATH": str(REPO)}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    errors: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        match = MYPY_LINE.match(line)
        if match:
            name = Path(match["file"]).name
            errors.setdefault(name, []).append(f"line {match['line']}: {match['message']}")
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 2: mypy itself failed
    assert done.returncode == 0 or errors, done.stdout + done.stderr
    return errors


@pytest.fixture(scope="session")
def snippet_runs(snippet_dir: Path, request: pytest.FixtureRequest) -> dict[str, Finished]:
    """Every example run as a program (a ``test_*.py`` one under pytest), each against its
    own emulator, a few at a time: how each finished, by ``Snippet.id``."""
    examples = list(snippets())
    needs_redis = any("REDIS_URL" in snippet.code for snippet in examples)
    extra = {"REDIS_URL": request.getfixturevalue("redis_url")} if needs_redis else {}
    return asyncio.run(_run_all(examples, snippet_dir, extra))


async def _run_all(
    examples: list[Snippet], directory: Path, extra: dict[str, str]
) -> dict[str, Finished]:
    turns = asyncio.Semaphore(PARALLEL)

    async def one(snippet: Snippet) -> Finished:
        module = str(directory / snippet.module_name)
        args = [module]
        if snippet.is_pytest:
            args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", module]
            args += ["-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"]
        async with turns, emulator() as fake:
            return await run(args, program_env(fake, **extra), directory)

    finished = await asyncio.gather(*(one(snippet) for snippet in examples))
    return {snippet.id: result for snippet, result in zip(examples, finished, strict=True)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_ping(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not start on port {port}")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server for the examples that use ``REDIS_URL``."""
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed (apt-get install redis-server; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir), "--save", ""]
    server = subprocess.Popen(
        [binary, *args, "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_ping(port, server)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)
