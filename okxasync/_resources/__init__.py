"""The namespaces of the client, one module each."""

from __future__ import annotations

from .base import new_client_id
from .convert import ConvertApi
from .funding import FundingApi
from .otc import OtcApi

__all__ = ["ConvertApi", "FundingApi", "OtcApi", "new_client_id"]
