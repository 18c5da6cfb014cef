"""The loopback server every contender calls: one process, one pre-serialised answer.

It answers every HTTP/1.1 request (any method, any path, keep-alive) with the same
100-record deposit-history envelope, built once from the emulator's seeded data, so
the server costs almost nothing and all clients decode exactly the same bytes. It
does not verify signatures; the clients still sign every request as they do for real.

Run directly (``python benchmarks/server.py``) it prints its port and serves until
killed; :func:`serving` starts it as a child process for the runner.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Iterator

import msgspec

from okxasync.testing._data import generate

__all__ = ["RECORDS", "page", "serving"]

RECORDS = 100
NOW_MS = 1_700_000_000_000  # fixed, so the page is byte-identical in every run


def page() -> bytes:
    """The deposit-history envelope the server sends: ``RECORDS`` records, newest first."""
    deposits = generate(seed=0, now_ms=NOW_MS).deposits[:RECORDS]
    return msgspec.json.encode({"code": "0", "msg": "", "data": deposits})


def _response(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


class _Http(asyncio.Protocol):
    """Minimal HTTP/1.1: split requests on the blank line, skip any Content-Length body."""

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            total = end + 4 + _content_length(bytes(self.buffer[:end]))
            if len(self.buffer) < total:
                return
            del self.buffer[:total]
            assert self.transport is not None
            self.transport.write(self.response)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def _serve() -> None:
    response = _response(page())
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Http(response), "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


@contextlib.contextmanager
def serving() -> Iterator[str]:
    """Start the server in a child process; yields its base URL, kills it on exit."""
    child = subprocess.Popen([sys.executable, __file__], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        child.kill()
        child.wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve())
