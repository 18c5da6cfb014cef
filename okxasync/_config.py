"""Where and as whom the client connects: hosts, the base URL check, credentials.

Read once, when a ``Client`` is built; nothing here touches the network.

OKX serves each account from the site it was registered on, and a key only works there:

==================  ============================  ==========================================
account             REST (``base_url``)           business WebSocket (production / demo)
==================  ============================  ==========================================
global (okx.com)    :data:`OKX`                   :data:`OKX_WS` / :data:`OKX_DEMO_WS`
US and Australia    :data:`OKX_US`                :data:`OKX_US_WS` / :data:`OKX_US_DEMO_WS`
EEA (my.okx.com)    :data:`OKX_EEA`               :data:`OKX_EEA_WS` / :data:`OKX_EEA_DEMO_WS`
==================  ============================  ==========================================

Demo trading uses the same REST hosts with ``demo=True`` (header ``x-simulated-trading: 1``)
and its own WebSocket hosts. A key sent to another region's host is refused with code
``50119`` "API key doesn't exist" (HTTP 401), raised as :class:`AuthenticationError`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ._errors import ValidationError
from ._http.signing import Credentials

__all__ = [
    "BUSINESS_WS",
    "OKLINK",
    "OKX",
    "OKX_DEMO_WS",
    "OKX_EEA",
    "OKX_EEA_DEMO_WS",
    "OKX_EEA_WS",
    "OKX_US",
    "OKX_US_DEMO_WS",
    "OKX_US_WS",
    "OKX_WS",
    "Given",
    "base_url",
    "check_base_url",
    "credentials",
    "seconds",
]

#: OKLink's institutional API (funding, OTC RFQ).
OKLINK = "https://www.oklink.com"
#: OKX, global accounts (production and demo trading). Formerly ``https://www.okx.com``.
OKX = "https://openapi.okx.com"
#: OKX, accounts registered in the US or Australia (app.okx.com).
OKX_US = "https://us.okx.com"
#: OKX, accounts registered in the European Economic Area (my.okx.com).
OKX_EEA = "https://eea.okx.com"

_BUSINESS = ":8443/ws/v5/business"
#: OKX business WebSocket (deposit and withdrawal pushes), global accounts.
OKX_WS = "wss://ws.okx.com" + _BUSINESS
#: ... global accounts, demo trading.
OKX_DEMO_WS = "wss://wspap.okx.com" + _BUSINESS
#: ... US and Australian accounts.
OKX_US_WS = "wss://wsus.okx.com" + _BUSINESS
#: ... US and Australian accounts, demo trading.
OKX_US_DEMO_WS = "wss://wsuspap.okx.com" + _BUSINESS
#: ... EEA accounts.
OKX_EEA_WS = "wss://wseea.okx.com" + _BUSINESS
#: ... EEA accounts, demo trading.
OKX_EEA_DEMO_WS = "wss://wseeapap.okx.com" + _BUSINESS

#: REST host name -> (production, demo) business WebSocket URL; the sites' own names
#: (www.okx.com, app.okx.com, my.okx.com) map like their API hosts. OKLink has none.
BUSINESS_WS: Mapping[str, tuple[str, str]] = {
    "openapi.okx.com": (OKX_WS, OKX_DEMO_WS),
    "www.okx.com": (OKX_WS, OKX_DEMO_WS),
    "okx.com": (OKX_WS, OKX_DEMO_WS),
    "us.okx.com": (OKX_US_WS, OKX_US_DEMO_WS),
    "app.okx.com": (OKX_US_WS, OKX_US_DEMO_WS),
    "eea.okx.com": (OKX_EEA_WS, OKX_EEA_DEMO_WS),
    "my.okx.com": (OKX_EEA_WS, OKX_EEA_DEMO_WS),
}
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


class Given:
    """The credentials passed to ``Client()``, held here from its first line on: no frame
    of an error raised while the client is built (a bad argument, a missing credential)
    then shows them in its locals, nor does this object's repr."""

    __slots__ = ("api_key", "passphrase", "secret_key")

    def __init__(self, api_key: object, secret_key: object, passphrase: object) -> None:
        self.api_key = api_key
        self.secret_key = secret_key
        self.passphrase = passphrase

    def __repr__(self) -> str:
        return "Given(<credentials>)"


#: Each credential's attribute of :class:`Given` and its environment variable.
_SOURCES = (
    ("api_key", "OKX_API_KEY"),
    ("secret_key", "OKX_SECRET_KEY"),
    ("passphrase", "OKX_PASSPHRASE"),
)


def credentials(given: Given) -> Credentials:
    """The credentials given, each falling back to its environment variable
    (``OKX_API_KEY``, ``OKX_SECRET_KEY``, ``OKX_PASSPHRASE``); :class:`ValidationError`
    naming every one still missing, or not text that can go in a header (a line break, a
    control character: often a secret read from a file with its newline).

    No secret is ever bound to a local of a frame that raises, nor shown in a message.
    """
    missing = [env for name, env in _SOURCES if not _value(given, name, env)]
    if missing:
        raise ValidationError(
            "missing credentials: pass them to Client() or set " + ", ".join(missing)
        )
    bad = [name for name, env in _SOURCES if not _header_text(_value(given, name, env))]
    if bad:
        raise ValidationError(
            f"{', '.join(bad)}: each credential must be a str of printable characters (no line"
            " break or other control character; a secret read from a file keeps its newline)"
        )
    return Credentials(*(_value(given, name, env) for name, env in _SOURCES))


def _value(given: Given, name: str, env: str) -> Any:
    return getattr(given, name) or os.environ.get(env, "")


def seconds(name: str, value: float) -> float:
    """``value`` if it is a positive, finite number of seconds (not a bool, not so large
    that it has no float); else :class:`ValidationError` naming ``name``."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    try:
        ok = ok and 0 < float(value) < math.inf
    except OverflowError:  # an int too large for a float
        ok = False
    if not ok:
        raise ValidationError(f"{name} must be positive seconds, got {value!r}")
    return value


def _header_text(value: object) -> bool:
    return isinstance(value, str) and value.isprintable()


def base_url(given: str | None) -> str:
    """The base URL given, else the ``OKX_BASE_URL`` environment variable, else
    :data:`OKLINK`; checked by :func:`check_base_url`."""
    if given is None:
        given = os.environ.get("OKX_BASE_URL") or OKLINK
    return check_base_url(given)


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; https, or plain http to a loopback host only,
    with a valid port if one is given. Raises :class:`ValidationError` otherwise."""
    try:
        parts = urlsplit(base_url)
    except ValueError:
        raise ValidationError(f"base_url is not a valid URL: {base_url!r}") from None
    try:
        port = parts.port  # ValueError for a port out of range or not a number
    except ValueError:
        port = 0
    if port == 0:
        raise ValidationError(f"base_url has an invalid port: {base_url!r}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"base_url must be an http(s) URL, got {base_url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValidationError(
            "base_url must use https (plain http is allowed only for "
            f"loopback test servers), got {base_url!r}"
        )
    return base_url.rstrip("/")
