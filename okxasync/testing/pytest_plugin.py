"""A pytest plugin with a ready FakeExchange for your own tests (loaded automatically
through the ``pytest11`` entry point once okxasync is installed).

Fixtures, both function-scoped and async:

* ``fake_exchange``: a started ``FakeExchange``, closed after the test.
* ``okx_client``: an ``Client`` bound to it (default rate limits), closed after.

Configure the emulator per test or module with the marker
``@pytest.mark.fake_exchange(seed=1, now_ms=..., quote_ttl_ms=...)`` (keyword arguments of
``FakeExchange``).

They work with pytest-asyncio (strict or auto mode) and with AnyIO's pytest plugin on its
asyncio backend (``@pytest.mark.anyio``; when pytest-asyncio is also installed, keep it in
strict mode, or it takes over every async fixture). The fixtures are declared with
``pytest_asyncio.fixture`` when pytest-asyncio is importable, else with ``pytest.fixture``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar, cast

import pytest

from okxasync import Client
from okxasync.testing._server import FakeExchange

__all__ = ["fake_exchange", "okx_client"]

F = TypeVar("F", bound=Callable[..., Any])


def _async_fixture(func: F) -> F:
    """``pytest_asyncio.fixture`` if available (strict mode needs it), else ``pytest.fixture``
    (AnyIO's plugin handles plain async fixtures)."""
    try:
        import pytest_asyncio
    except ImportError:
        return cast(F, pytest.fixture(func))
    return cast(F, pytest_asyncio.fixture(func))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fake_exchange(**kwargs): keyword arguments for the fake_exchange fixture's "
        "okxasync.testing.FakeExchange (seed, now_ms, quote_ttl_ms)",
    )


@_async_fixture
async def fake_exchange(request: pytest.FixtureRequest) -> AsyncIterator[FakeExchange]:
    """A started FakeExchange on 127.0.0.1 (a free port), seed 0 unless the
    ``fake_exchange`` marker says otherwise; closed after the test."""
    marker = request.node.get_closest_marker("fake_exchange")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    async with FakeExchange(**options) as fake:
        yield fake


@_async_fixture
async def okx_client(fake_exchange: FakeExchange) -> AsyncIterator[Client]:
    """An ``okxasync.Client`` authenticated against ``fake_exchange``; closed after the test."""
    async with Client(base_url=fake_exchange.url, **fake_exchange.credentials) as client:
        yield client
