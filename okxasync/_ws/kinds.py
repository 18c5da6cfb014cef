"""What differs between the deposit and the withdrawal streams: channel, endpoint, ids,
and which states are settled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .. import models as m
from .._endpoints import funding as ep
from .._endpoints.base import Endpoint
from .._http.decode import decode

__all__ = ["DEPOSITS", "WITHDRAWALS", "Kind"]

R = TypeVar("R", m.Deposit, m.WithdrawalRecord)


@dataclass(frozen=True)
class Kind(Generic[R]):
    """One record type's stream: ``final`` states are settled for good; ``open_states``
    are the unsettled ones the stream reads back when it opens (one request each)."""

    name: str
    channel: str
    endpoint: Endpoint[R]
    id_param: str
    record_id: Callable[[R], str]
    final: frozenset[str]
    open_states: tuple[str, ...]

    def state(self, record: R) -> str:
        return str(record.state.value) if record.state is not None else ""

    def ts_ms(self, record: R) -> int:
        return record.ts_ms or 0

    def decode_push(self, data: bytes) -> list[R]:
        """The records of a push's ``data``, decoded like a REST answer (with ``uid``,
        ``sub_acct``, ``p_time``). Raises ``ResponseError`` when they do not decode."""
        return decode(self.endpoint.record, b'{"code":"0","data":' + data + b"}", 200)


def _states(enum: type[m.OpenEnum], final: frozenset[str]) -> tuple[str, ...]:
    return tuple(member.value for member in enum if member.value not in final)


_DEPOSIT_FINAL = frozenset({m.DepositState.SUCCESSFUL.value})
_WITHDRAWAL_FINAL = frozenset(
    {m.WithdrawalState.SENT.value, m.WithdrawalState.FAILED.value, m.WithdrawalState.CANCELED.value}
)

DEPOSITS: Kind[m.Deposit] = Kind(
    name="deposit",
    channel="deposit-info",
    endpoint=ep.DEPOSIT_HISTORY,
    id_param="dep_id",
    record_id=lambda record: record.dep_id,
    final=_DEPOSIT_FINAL,
    open_states=_states(m.DepositState, _DEPOSIT_FINAL),
)
WITHDRAWALS: Kind[m.WithdrawalRecord] = Kind(
    name="withdrawal",
    channel="withdrawal-info",
    endpoint=ep.WITHDRAWAL_HISTORY,
    id_param="wd_id",
    record_id=lambda record: record.wd_id,
    final=_WITHDRAWAL_FINAL,
    open_states=_states(m.WithdrawalState, _WITHDRAWAL_FINAL),
)
