"""Where and as whom the client connects: hosts, the base URL check, credentials.

Read once, when a ``Client`` is built; nothing here touches the network.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from ._errors import ValidationError
from ._http.signing import Credentials

__all__ = ["OKLINK", "OKX", "check_base_url", "credentials"]

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


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; https, or plain http to a loopback host only."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"base_url must be an http(s) URL, got {base_url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValidationError(
            "base_url must use https (plain http is allowed only for "
            f"loopback test servers), got {base_url!r}"
        )
    return base_url.rstrip("/")
