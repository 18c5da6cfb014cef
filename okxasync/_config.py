"""Where and as whom the client connects: hosts, the base URL check, credentials.

Read once, when a ``Client`` is built; nothing here touches the network.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from ._errors import ValidationError
from ._http.signing import Credentials

__all__ = ["OKLINK", "OKX", "base_url", "check_base_url", "credentials"]

OKLINK = "https://www.oklink.com"
OKX = "https://www.okx.com"
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


def credentials(api_key: str | None, secret_key: str | None, passphrase: str | None) -> Credentials:
    """The credentials given, each falling back to its environment variable
    (``OKX_API_KEY``, ``OKX_SECRET_KEY``, ``OKX_PASSPHRASE``); :class:`ValidationError`
    naming every one still missing."""
    given = {"OKX_API_KEY": api_key, "OKX_SECRET_KEY": secret_key, "OKX_PASSPHRASE": passphrase}
    values = {name: value or os.environ.get(name, "") for name, value in given.items()}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ValidationError(
            "missing credentials: pass them to Client() or set " + ", ".join(missing)
        )
    return Credentials(values["OKX_API_KEY"], values["OKX_SECRET_KEY"], values["OKX_PASSPHRASE"])


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
