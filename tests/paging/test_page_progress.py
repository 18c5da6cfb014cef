"""``otc.iter_history`` ends against servers that do not page by ``pageIdx``: a small
aiohttp server per test plays the misbehaving API (no FakeExchange option does this)."""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from paging_helpers import FAST

import okxasync
from okxasync import PagingError

PATH = "/api/v5/otc/rfq/history"
NOW = 1_767_225_600_000


def trade(n: int) -> dict[str, str]:
    """Trade ``n``; a larger ``n`` is newer."""
    ts = str(NOW + n * 1000)
    return {
        "baseCcy": "BTC",
        "baseSz": "1",
        "clTReqId": f"t{n}",
        "instId": "BTC-USD",
        "px": "67000",
        "quoteCcy": "USD",
        "quoteSz": "67000",
        "side": "buy",
        "tradeId": f"trade{n:06d}",
        "tradeTs": ts,
        "ts": ts,
    }


Page = Callable[[int, int, int], dict[str, Any]]  # (call number, pageIdx, pageSz) -> page


@asynccontextmanager
async def serving(page: Page) -> AsyncIterator[tuple[okxasync.Client, list[int]]]:
    """A client of a server answering RFQ history with ``page``; the pageIdx of each call."""
    asked: list[int] = []

    async def history(request: web.Request) -> web.Response:
        index = int(request.query.get("pageIdx", "0"))
        asked.append(index)
        body = page(len(asked), index, int(request.query.get("pageSz", "100")))
        return web.json_response({"code": "0", "msg": "", "data": [{"ts": str(NOW), **body}]})

    app = web.Application()
    app.router.add_get(PATH, history)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        okxasync.Client(
            base_url=str(server.make_url("")).rstrip("/"),
            api_key="k",
            secret_key="s",
            passphrase="p",
            rate_limits=FAST,
        ) as client,
    ):
        yield client, asked


def ignores_page_idx(call: int, index: int, size: int) -> dict[str, Any]:
    """The newest ``size`` of 50 trades, whatever ``pageIdx`` says; no ``totalPageCnt``."""
    return {
        "pageIdx": str(index),
        "totalRecordCnt": "50",
        "trades": [trade(n) for n in range(49, 49 - size, -1)],
    }


def newest_while_trading(call: int, index: int, size: int) -> dict[str, Any]:
    """Ignores ``pageIdx`` while a trade arrives before every call: never the same page."""
    newest = 100 + call
    return {
        "pageIdx": "0",
        "totalPageCnt": "9",
        "totalRecordCnt": str(newest),
        "trades": [trade(n) for n in range(newest, newest - size, -1)],
    }


def honest_without_total(call: int, index: int, size: int) -> dict[str, Any]:
    """Pages 23 trades properly but never says how many pages there are."""
    numbers = list(range(22, -1, -1))[index * size : (index + 1) * size]
    return {"pageIdx": str(index), "totalRecordCnt": "23", "trades": [trade(n) for n in numbers]}


async def drain(records: okxasync.HistoryIterator[okxasync.HistoryTrade], ids: list[str]) -> None:
    async for record in records:
        ids.append(record.trade_id)


async def test_a_server_that_ignores_page_idx_ends_with_paging_error() -> None:
    async with serving(ignores_page_idx) as (client, asked):
        got: list[str] = []
        trades = client.otc.iter_history(page_size=10)
        with pytest.raises(PagingError, match="repeats page 0") as info:
            await drain(trades, got)
        with pytest.raises(PagingError, match="repeats page 0"):  # again, asking nothing
            await drain(trades, got)
        frames = []
        for _ in range(50):  # its traceback does not grow with every retry
            with pytest.raises(PagingError) as again:
                await drain(trades, got)
            frames.append(len(traceback.extract_tb(again.value.__traceback__)))
    assert asked == [0, 1]
    assert max(frames) == min(frames) < 20
    assert got == [trade(n)["tradeId"] for n in range(49, 39, -1)]  # the first page, once
    assert info.value.ts_ms is None


async def test_pages_that_bring_nothing_new_end_with_paging_error() -> None:
    async with serving(newest_while_trading) as (client, asked):
        with pytest.raises(PagingError, match="no new trade"):
            await drain(client.otc.iter_history(page_size=10), [])
    assert asked == [0, 1, 2]  # one page without progress is allowed, not two


async def test_an_honest_server_without_total_page_cnt_is_paged_to_the_end() -> None:
    async with serving(honest_without_total) as (client, asked):
        got = [t.trade_id async for t in client.otc.iter_history(page_size=10)]
    assert got == [trade(n)["tradeId"] for n in range(22, -1, -1)]
    assert asked == [0, 1, 2]
