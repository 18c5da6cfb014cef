"""The ``fake_exchange`` / ``okx_client`` pytest plugin, in a separate pytest process,
the way a user's project would load it."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = "okxasync.testing.pytest_plugin"

USER_TESTS = """
import asyncio

import pytest

import okxasync
from okxasync.testing import FakeExchange


@pytest.mark.asyncio
async def test_asyncio(fake_exchange: FakeExchange, okx_client: okxasync.Client) -> None:
    assert fake_exchange.seed == 0
    balances = await okx_client.funding.balances()
    assert {b.ccy for b in balances} == {r["ccy"] for r in fake_exchange.state.balances}
    assert len(fake_exchange.requests) == 1


@pytest.mark.asyncio
@pytest.mark.fake_exchange(seed=7, quote_ttl_ms=500)
async def test_marker(fake_exchange: FakeExchange, okx_client: okxasync.Client) -> None:
    assert fake_exchange.seed == 7
    assert fake_exchange.state.quote_ttl_ms == 500
    assert await okx_client.otc.instruments()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_anyio(fake_exchange: FakeExchange, okx_client: okxasync.Client) -> None:
    assert await okx_client.funding.currencies(ccy="BTC")
"""


def run_pytest(directory: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """pytest on ``directory``, loading the plugin through its entry point when okxasync is
    installed with it, else explicitly (a checkout that was not reinstalled)."""
    registered = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    plugin = [] if registered else ["-p", PLUGIN]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, *options]
    return subprocess.run(
        [*cmd, str(directory)], cwd=directory, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_fixtures_in_a_user_project(tmp_path: Path, mode: str) -> None:
    (tmp_path / "test_bot.py").write_text(USER_TESTS)
    options = ["-o", f"asyncio_mode={mode}", "-W", "error"]
    options += ["-o", "asyncio_default_fixture_loop_scope=function"]  # else some versions warn
    if mode == "auto":  # pytest-asyncio's auto mode takes over anyio's async fixtures
        options += ["-k", "not anyio"]
    done = run_pytest(tmp_path, *options)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("3 passed" if mode == "strict" else "2 passed") in done.stdout


def test_entry_point_is_declared() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"okxasync": PLUGIN}
