"""Which business WebSocket belongs to a REST host."""

from __future__ import annotations

from urllib.parse import urlsplit

from .._config import BUSINESS_WS
from .._errors import ValidationError

__all__ = ["BUSINESS_PATH", "business_url", "check_ws_url"]

BUSINESS_PATH = "/ws/v5/business"
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def business_url(base_url: str, demo: bool) -> str | None:
    """The business WebSocket of ``base_url``: OKX global / US / EEA (demo: their
    ``...pap`` hosts; the table is ``okxasync._config.BUSINESS_WS``), a loopback server's
    own ``/ws/v5/business``; ``None`` for hosts without one (OKLink)."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if host in _LOOPBACK:
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{BUSINESS_PATH}"
    urls = BUSINESS_WS.get(host)
    if urls is None:
        return None
    return urls[1] if demo else urls[0]


def check_ws_url(ws_url: object) -> str:
    """``ws_url`` validated: ``wss://``, or ``ws://`` to a loopback test server."""
    parts = urlsplit(ws_url) if isinstance(ws_url, str) else None
    if parts is None or parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValidationError(f"ws_url must be a ws(s):// URL, got {ws_url!r}")
    if parts.scheme == "ws" and parts.hostname not in _LOOPBACK:
        raise ValidationError(f"ws_url must use wss:// (ws:// only for loopback): {ws_url!r}")
    return str(ws_url)
