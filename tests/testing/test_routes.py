"""The emulator serves every endpoint the client knows, from the client's own table."""

from __future__ import annotations

from okxasync._endpoints import ALL
from okxasync.testing._faults import COMMITTING
from okxasync.testing._routes import ROUTES


def test_every_client_endpoint_has_exactly_one_emulator_route() -> None:
    served = [route.endpoint for route in ROUTES]
    assert sorted((e.method, e.path) for e in served) == sorted((e.method, e.path) for e in ALL)
    assert all(any(route.endpoint is e for route in ROUTES) for e in ALL)


def test_the_drop_faults_apply_to_exactly_the_endpoints_not_safe_to_resend() -> None:
    unsafe = {(e.method, e.path) for e in ALL if not e.retry_safe}
    assert unsafe == COMMITTING
    assert ("POST", "/api/v5/asset/withdrawal") in COMMITTING
