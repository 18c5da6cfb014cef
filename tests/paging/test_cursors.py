"""The history iterators' cursor arithmetic, as pure functions (no network)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from okxasync._paging.cursors import FullMillisecond, cursor_args, held_back, next_page_index
from okxasync._paging.merge import newest_first, take_newest
from okxasync._paging.shard import Shard


def test_cursor_args_make_the_exclusive_wire_bounds_inclusive_exclusive() -> None:
    assert cursor_args(0, None, 100) == {"limit": 100}
    assert cursor_args(0, 500, 7) == {"limit": 7, "after": 500}
    assert cursor_args(1, None, 100) == {"limit": 100, "before": 0}
    assert cursor_args(1_000, 2_000, 50) == {"limit": 50, "after": 2_000, "before": 999}


def test_short_page_is_the_last() -> None:
    assert held_back([5, 5, 4], limit=4) is None
    assert held_back([], limit=100) is None


def test_full_page_holds_back_its_oldest_millisecond() -> None:
    assert held_back([9, 9, 8, 7, 7], limit=5) == 7
    assert held_back([9, 8, 7, 6, 5], limit=5) == 5


def test_full_page_of_one_millisecond_cannot_move() -> None:
    with pytest.raises(FullMillisecond) as caught:
        held_back([42, 42, 42], limit=3)
    assert caught.value.ts_ms == 42


def _page(records: list[tuple[int, int]], lo: int, hi: int | None, limit: int) -> list[int]:
    """What the API answers: ids of the newest ``limit`` records with ``lo <= ts < hi``."""
    inside = [r for r in records if r[0] >= lo and (hi is None or r[0] < hi)]
    return [i for _, i in inside[:limit]]


@given(
    st.lists(st.integers(0, 40), max_size=120).map(lambda ts: sorted(ts, reverse=True)),
    st.integers(3, 12),
)
def test_held_back_cursor_yields_every_record_once(stamps: list[int], limit: int) -> None:
    """Driving the cursor over any clustered history returns it exactly, in order,
    as long as no millisecond holds ``limit`` records or more."""
    records = [(ts, i) for i, ts in enumerate(stamps)]
    assume(all(stamps.count(ts) < limit for ts in stamps))
    by_id = dict((i, ts) for ts, i in records)
    got: list[int] = []
    hi: int | None = None
    for _ in range(len(records) + 2):
        page = _page(records, 0, hi, limit)
        cut = held_back([by_id[i] for i in page], limit)
        got += [i for i in page if cut is None or by_id[i] > cut]
        if cut is None:
            break
        hi = cut + 1
    assert got == [i for _, i in records]


def test_next_page_index_follows_total_pages_and_short_pages() -> None:
    assert next_page_index(0, 10, 10, total_pages=3) == 1
    assert next_page_index(2, 10, 10, total_pages=3) is None  # the last page was full
    assert next_page_index(0, 4, 10, total_pages=3) is None  # short page
    assert next_page_index(0, 0, 10, total_pages=0) is None  # empty
    assert next_page_index(1, 10, 10, total_pages=None) == 2
    # a total the current page contradicts (page 1 exists, "0 pages") is ignored
    assert next_page_index(1, 10, 10, total_pages=0) == 2
    # more pages appeared while paging (new trades): keep going
    assert next_page_index(3, 10, 10, total_pages=5) == 4


def test_split_gives_away_the_older_part_and_keeps_both_non_empty() -> None:
    shard = Shard(1_000, 2_000, density=0.5)
    older = shard.split(shard.keep_for(records=50, parts=2))
    assert (older.lo, older.hi, shard.lo, shard.hi) == (1_000, 1_500, 1_500, 2_000)
    assert older.density == 0.5 and not older.observed
    tiny = Shard(7, 9)
    assert (tiny.split(10**6).hi, tiny.lo) == (8, 8)  # clamped: one ms each


def test_a_floorless_split_keeps_a_chunk_and_passes_the_floor_on() -> None:
    shard = Shard(0, 1_000_000, density=0.5, floorless=True)
    older = shard.split(shard.keep_for(records=200, parts=2))
    assert (older.lo, older.hi, shard.lo) == (0, 999_600, 999_600)  # 200 records / 0.5 per ms
    assert older.floorless and not shard.floorless
    assert older.keep_for(records=200, parts=2) == 400
    assert shard.keep_for(records=200, parts=2) == 200  # bounded now: half of 400 ms


# ------------------------------------------------------------- several currencies


@dataclass(frozen=True)
class Rec:
    ts_ms: int
    source: int
    seq: int  # position in its source's stream


def _streams(stamps: list[list[int]]) -> list[list[Rec]]:
    return [
        [Rec(ts, s, i) for i, ts in enumerate(sorted(one, reverse=True))]
        for s, one in enumerate(stamps)
    ]


def _expected(streams: list[list[Rec]]) -> list[Rec]:
    everything = [r for stream in streams for r in stream]
    return sorted(everything, key=lambda r: (-r.ts_ms, r.source, r.seq))


def test_take_newest_stops_where_a_live_source_runs_dry() -> None:
    a, b = deque([Rec(9, 0, 0), Rec(5, 0, 1)]), deque([Rec(9, 1, 0), Rec(7, 1, 1)])
    got = take_newest([a, b], [True, True])
    assert [(r.ts_ms, r.source) for r in got] == [(9, 0), (9, 1), (7, 1)]  # b is now empty
    assert list(a) == [Rec(5, 0, 1)] and not b
    assert take_newest([a, b], [True, True]) == []  # b's next record is unknown
    assert take_newest([a, b], [True, False]) == [Rec(5, 0, 1)]  # b is exhausted


@given(
    st.lists(st.lists(st.integers(0, 30), max_size=40), min_size=1, max_size=5),
    st.integers(1, 9),
)
def test_take_newest_over_pages_is_a_stable_k_way_merge(stamps: list[list[int]], page: int) -> None:
    """Refilling whichever buffer ran dry, a page at a time, merges any newest-first
    streams newest first, ties by source then by position, each record once."""
    streams = _streams(stamps)
    cursors = [0] * len(streams)
    buffers: list[deque[Rec]] = [deque() for _ in streams]
    live = [True] * len(streams)
    got: list[Rec] = []
    for _ in range(sum(map(len, streams)) + len(streams) + 1):
        for s, stream in enumerate(streams):
            if live[s] and not buffers[s]:  # a page, or the end
                live[s] = cursors[s] < len(stream)
                buffers[s].extend(stream[cursors[s] : cursors[s] + page])
                cursors[s] += page
        got += take_newest(buffers, live)
    assert got == _expected(streams)


@given(st.lists(st.lists(st.integers(0, 30), max_size=20), min_size=1, max_size=5))
def test_newest_first_orders_pages_stably(stamps: list[list[int]]) -> None:
    streams = _streams(stamps)
    assert newest_first(streams) == _expected(streams)
