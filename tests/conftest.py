"""Shared fixtures: a FakeExchange on loopback and a Client bound to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import okxasync
from okxasync.testing import FakeExchange


@pytest.fixture
async def fake() -> AsyncIterator[FakeExchange]:
    async with FakeExchange(seed=0) as exchange:
        yield exchange


@pytest.fixture
async def client(fake: FakeExchange) -> AsyncIterator[okxasync.Client]:
    async with okxasync.Client(base_url=fake.url, **fake.credentials) as c:
        yield c
