"""Request signing: pure functions with an injectable clock.

``OK-ACCESS-SIGN = base64(hmac_sha256(secret, timestamp + METHOD + requestPath + body))``
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from .._text import iso_ms as iso_timestamp

__all__ = ["AuthHeaders", "Credentials", "auth_headers", "iso_timestamp", "sign"]


def sign(secret: str, timestamp: str, method: str, request_path: str, body: str = "") -> str:
    """The base64 HMAC-SHA256 signature of ``timestamp + METHOD + requestPath + body``."""
    message = f"{timestamp}{method.upper()}{request_path}{body}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Credentials:
    """An API key with its secret and passphrase; the repr never shows the secrets."""

    __slots__ = ("_passphrase", "_secret", "api_key")

    def __init__(self, api_key: str, secret_key: str, passphrase: str) -> None:
        self.api_key = api_key
        self._secret = secret_key
        self._passphrase = passphrase

    def __repr__(self) -> str:
        return f"Credentials(api_key={mask(self.api_key)!r}, secret_key='***', passphrase='***')"

    def __reduce__(self) -> str:
        raise TypeError("Credentials cannot be pickled")

    def headers(self, epoch_ms: int, method: str, request_path: str, body: str) -> AuthHeaders:
        """The four ``OK-ACCESS-*`` headers for one request."""
        timestamp = iso_timestamp(epoch_ms)
        return auth_headers(
            self.api_key,
            self._passphrase,
            timestamp,
            sign(self._secret, timestamp, method, request_path, body),
        )


class AuthHeaders(dict[str, str]):
    """The ``OK-ACCESS-*`` headers of one request. A plain ``dict``, except that its repr
    masks the passphrase and signature, so a traceback that shows local variables, or a
    debugger, does not reveal them."""

    _HIDDEN = frozenset({"OK-ACCESS-PASSPHRASE", "OK-ACCESS-SIGN"})

    def __repr__(self) -> str:
        return repr({k: "***" if k in self._HIDDEN else v for k, v in self.items()})

    __str__ = __repr__


def auth_headers(api_key: str, passphrase: str, timestamp: str, signature: str) -> AuthHeaders:
    return AuthHeaders(
        {
            "OK-ACCESS-KEY": api_key,
            "OK-ACCESS-SIGN": signature,
            "OK-ACCESS-TIMESTAMP": timestamp,
            "OK-ACCESS-PASSPHRASE": passphrase,
        }
    )


def mask(api_key: str) -> str:
    """An API key shortened for display: the first 4 characters only."""
    return api_key[:4] + "..." if len(api_key) > 4 else api_key
