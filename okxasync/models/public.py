"""Records of the public endpoints."""

from __future__ import annotations

from ._base import Timestamped

__all__ = ["ServerTime"]


class ServerTime(Timestamped, frozen=True, kw_only=True):
    """The answer of ``GET /api/v5/public/time`` (used internally to sync the clock)."""
