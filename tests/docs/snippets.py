"""Find the Python examples in README.md and docs/, and run programs against an emulator.

An example is a fenced block whose info string starts with ``python``. Each must be a
complete program (imports included) that reads its host and credentials from the
``OKX_*`` variables, as a reader would run it. A block titled ``test_*.py``
(```` ```python title="test_bot.py" ````) is a pytest module and runs under pytest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio

from okxasync.testing import FakeExchange

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python(?P<info>[^\n]*)\n(?P<code>.*?)^```\s*$", re.M | re.S)
TITLE = re.compile(r'title="(?P<title>[^"]+)"')
RUN_TIMEOUT = 60.0


@dataclass(frozen=True)
class Snippet:
    """One example: where it is (``docs/guides/history.md:12``) and its code."""

    document: Path
    line: int
    title: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.document.relative_to(REPO)}:{self.line}"

    @property
    def module_name(self) -> str:
        """A unique module file name; pytest modules keep a ``test_`` prefix."""
        stem = re.sub(r"\W", "_", f"{self.document.relative_to(REPO).with_suffix('')}")
        prefix = "test_" if self.is_pytest else "ex_"
        return f"{prefix}{stem}_{self.line}.py"

    @property
    def is_pytest(self) -> bool:
        return self.title.startswith("test_")


def snippets() -> Iterator[Snippet]:
    """Every Python block of README.md and docs/**.md, in document order."""
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            title = TITLE.search(match["info"])
            line = text.count("\n", 0, match.start()) + 1
            code = match["code"]
            yield Snippet(document, line, title["title"] if title else "", code)


def program_env(fake: FakeExchange, **extra: str) -> dict[str, str]:
    """The environment a reader would have after pasting ``okxasync serve``'s exports:
    this checkout first on the path, the emulator's URL and credentials, warnings fatal."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("OKX_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONWARNINGS"] = "error"
    env["OKX_BASE_URL"] = fake.url
    env["OKX_API_KEY"] = fake.credentials["api_key"]
    env["OKX_SECRET_KEY"] = fake.credentials["secret_key"]
    env["OKX_PASSPHRASE"] = fake.credentials["passphrase"]
    return {**env, **extra}


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str

    def report(self) -> str:
        return (
            f"exit status {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


async def run(args: list[str], env: dict[str, str], cwd: Path) -> Finished:
    """Run ``python *args`` to completion (killed after ``RUN_TIMEOUT`` seconds)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        with anyio.move_on_after(RUN_TIMEOUT) as scope:
            out, err = await child.communicate()
        if scope.cancelled_caught:
            child.kill()
            out, err = await child.communicate()
            err += f"\n(killed after {RUN_TIMEOUT} s)".encode()
    finally:
        if child.returncode is None:  # cancelled from outside: leave no process behind
            child.kill()
            await child.wait()
    assert child.returncode is not None
    return Finished(child.returncode, out.decode(), err.decode())


@contextlib.asynccontextmanager
async def emulator() -> AsyncIterator[FakeExchange]:
    """The emulator the examples run against: seeded, at the API's real rate limits, with
    histories that end now (the examples read "the last 7 days" as a live account would;
    by default seeded histories end at the fixed ``ANCHOR_MS``)."""
    async with FakeExchange(seed=0, now_ms=int(time.time() * 1000)) as fake:
        yield fake
