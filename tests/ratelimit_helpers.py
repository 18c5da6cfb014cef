"""Shared by the rate-limit tests: reading the emulator's arrivals and checking windows."""

from __future__ import annotations

import json
import socket
import time

import pytest

from okxasync import Rate
from okxasync._endpoints import find
from okxasync.testing import FakeExchange, RecordedRequest


def accepted(fake: FakeExchange, bucket: str) -> list[RecordedRequest]:
    """The accepted requests of the endpoints that spend ``bucket`` (by the client's own
    endpoint table), in arrival order."""
    return [r for r in fake.requests if r.status == 200 and bucket in _buckets(r)]


def _buckets(request: RecordedRequest) -> set[str]:
    endpoint = find(request.method, request.path)
    return set() if endpoint is None else {b.name for b in endpoint.buckets}


def assert_within(fake: FakeExchange, group: str, rate: Rate) -> None:
    """No ``rate.count + 1`` accepted arrivals of ``group`` fall within ``rate.period``."""
    times = sorted(r.arrival for r in accepted(fake, group))
    for first, last in zip(times, times[rate.count :], strict=False):
        assert last - first >= rate.period, (group, rate, last - first)


def params(request: RecordedRequest) -> dict[str, object]:
    """A recorded request's parameters: the query, or the JSON object body."""
    if request.method == "GET":
        return dict(request.query)
    body = json.loads(request.body)
    return body if isinstance(body, dict) else {}


def accepted_in(fake: FakeExchange, method: str, path: str) -> list[RecordedRequest]:
    """The accepted requests of one route, in arrival order."""
    return [r for r in fake.requests if (r.method, r.path) == (method, path) and r.status == 200]


def assert_keys_within(
    fake: FakeExchange,
    method: str,
    path: str,
    key: tuple[str, ...],
    rate: Rate,
) -> None:
    """Per value of the ``key`` fields, no ``rate.count + 1`` accepted arrivals of the
    route fall within ``rate.period``."""
    by_key: dict[tuple[str, ...], list[float]] = {}
    for request in accepted_in(fake, method, path):
        values = params(request)
        by_key.setdefault(tuple(str(values.get(f, "")) for f in key), []).append(request.arrival)
    assert by_key, (method, path, "no accepted request")
    for value, arrivals in by_key.items():
        times = sorted(arrivals)
        for first, last in zip(times, times[rate.count :], strict=False):
            assert last - first >= rate.period, (path, value, rate, last - first)


def slow_localhost(monkeypatch: pytest.MonkeyPatch, seconds: float, first: int = 0) -> list[str]:
    """Make resolving ``localhost`` take ``seconds`` (IPv4 only, as the emulator listens):
    every lookup, or only the ``first`` ones (then the others answer at once, as from a
    DNS cache). Returns the list of lookups made. (``getaddrinfo`` runs in asyncio's
    resolver thread, not on the loop.)"""
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def slow_getaddrinfo(host: str, *args: object, **kwargs: object) -> object:
        if host == "localhost":
            lookups.append(host)
            if not first or len(lookups) <= first:
                time.sleep(seconds)
            return [a for a in real_getaddrinfo(host, *args, **kwargs) if a[0] == socket.AF_INET]  # type: ignore[arg-type]
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    return lookups
