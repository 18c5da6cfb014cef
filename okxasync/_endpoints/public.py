"""Public endpoints (no signature): the server's clock."""

from __future__ import annotations

from .._ratelimit.rules import PUBLIC
from ..models.public import ServerTime
from .base import Endpoint

__all__ = ["SERVER_TIME"]

SERVER_TIME = Endpoint(
    method="GET",
    path="/api/v5/public/time",
    buckets=(PUBLIC,),
    record=ServerTime,
    signed=False,
    retry_safe=True,
)
