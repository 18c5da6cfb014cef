"""Small misbehaving HTTP servers on loopback, for what the FakeExchange does not do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer

from okxasync.testing import FakeCredentials

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Credentials for the servers below (they do not check signatures).
CREDENTIALS = FakeCredentials(
    api_key="key-abcdef", secret_key="s3cret-K3y-value", passphrase="pass-Phr4se"
)


@dataclass
class Seen:
    """What a server received: ``"METHOD /path"`` per request, the request bodies, the
    signatures (``OK-ACCESS-SIGN``, secrets to look for in what the client shows) and the
    ``Content-Type`` headers (``None`` when absent)."""

    requests: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    content_types: list[str | None] = field(default_factory=list)


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[tuple[str, Seen]]:
    """Run ``handler`` for every path on 127.0.0.1; yields ``(base url, what it saw)``."""
    seen = Seen()

    async def recording(request: web.Request) -> web.StreamResponse:
        seen.requests.append(f"{request.method} {request.path}")
        seen.bodies.append(await request.text())
        seen.signatures.append(request.headers.get("OK-ACCESS-SIGN", ""))
        seen.content_types.append(request.headers.get("Content-Type"))
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recording)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), seen
    finally:
        await server.close()


def envelope(data: list[dict[str, str]], code: str = "0", msg: str = "") -> web.Response:
    return web.json_response({"code": code, "msg": msg, "data": data})
