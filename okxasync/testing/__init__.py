"""Test helpers: ``FakeExchange``, an emulator of the API on loopback.

```python
async with okxasync.testing.FakeExchange(seed=0) as fake:
    async with okxasync.Client(base_url=fake.url, **fake.credentials) as client:
        ...
```
"""

from okxasync.testing._activity import Activity
from okxasync.testing._backend import RecordedRequest
from okxasync.testing._data import ANCHOR_MS
from okxasync.testing._faults import FAULT_KINDS, FaultKind, Faults
from okxasync.testing._server import FakeCredentials, FakeExchange
from okxasync.testing._state import ExchangeState
from okxasync.testing._ws_faults import WS_FAULT_KINDS, WsFaultKind, WsFaults

__all__ = [
    "ANCHOR_MS",
    "FAULT_KINDS",
    "WS_FAULT_KINDS",
    "Activity",
    "FakeCredentials",
    "ExchangeState",
    "FakeExchange",
    "FaultKind",
    "Faults",
    "RecordedRequest",
    "WsFaultKind",
    "WsFaults",
]
