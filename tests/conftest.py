"""Shared fixtures: a FakeExchange on loopback, a Client bound to it, and what running the
command line as a subprocess needs."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import okxasync
from okxasync.testing import FakeExchange

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fake(fake_exchange: FakeExchange) -> FakeExchange:
    """The project's own pytest plugin's emulator (seed 0; options per module or test with
    ``pytest.mark.fake_exchange(...)``)."""
    return fake_exchange


@pytest.fixture
async def client(fake: FakeExchange) -> AsyncIterator[okxasync.Client]:
    async with okxasync.Client(base_url=fake.url, **fake.credentials) as c:
        yield c


@pytest.fixture
def cli_env() -> dict[str, str]:
    """The environment for a CLI subprocess: this checkout first on the path, no OKX_*
    credentials inherited, and a wide terminal so table rows are not wrapped."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("OKX_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["COLUMNS"] = "200"
    return env


@pytest.fixture
def okxasync_cmd() -> list[str]:
    """``python -m okxasync`` with the interpreter running the tests."""
    return [sys.executable, "-m", "okxasync"]
