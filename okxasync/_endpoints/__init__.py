"""Every endpoint okxasync calls, described as data, one module per API area."""

from __future__ import annotations

from .base import GROUPS, Endpoint

__all__ = ["GROUPS", "Endpoint"]
