"""Funding activity over time: deposits that arrive and confirm, withdrawals that settle.

:class:`Activity` says how busy the emulated account is; :class:`ActivityDriver` applies
it to an ``ExchangeState`` step by step. Every state change (a new deposit, a deposit or
withdrawal moving to its next state, a withdrawal made over REST) is written into the
state's lists in place, so the REST history answers each record's current state, and
reported to the state's listeners, which is where the business WebSocket pushes it.

State paths (each record follows one; no path returns to a state it left, so a record's
``(id, state)`` pairs are all distinct):

* deposits: ``0 -> 1 -> 2``, a few ``0 -> 13`` (intercepted, where they stay);
* withdrawals: ``0 -> 1 -> 2``, ``0 -> 4 -> 1 -> 2``, ``0 -> 5 -> -1``, ``0 -> -3 -> -2``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from okxasync.testing._catalogue import COINS_BY_CCY
from okxasync.testing._checks import EmulatorRefusal
from okxasync.testing._data import Row
from okxasync.testing._random import fmt, masked_account, tx_hash
from okxasync.testing._state import ExchangeState, Withdraw, insert_newest_first

__all__ = [
    "DEPOSIT_FINAL",
    "WITHDRAWAL_FINAL",
    "Activity",
    "ActivityDriver",
    "Change",
]

DEPOSIT_FINAL = frozenset({"2", "13"})
WITHDRAWAL_FINAL = frozenset({"2", "-1", "-2"})
_DEPOSIT_NEXT = {"0": (("1", 19), ("13", 1)), "1": (("2", 1),)}
_WITHDRAWAL_PATHS = (
    (("1", "2"), 10),
    (("4", "1", "2"), 4),
    (("5", "-1"), 1),
    (("-3", "-2"), 1),
)

#: A listener of state changes: ``(kind, record)`` with kind ``"deposit"`` or
#: ``"withdrawal"``; ``record`` is the stored row in its new state.
Change = Callable[[str, Row], None]


@dataclass(frozen=True)
class Activity:
    """How the emulated account changes over time.

    Attributes:
        tick: Seconds between steps.
        new_deposits: New deposits per step, on average.
        new_withdrawals: New withdrawals per step, on average (as if requested over REST).
        advance: The chance that an unsettled record moves on at a step.
        seed: Seeds the draws.
        paused: Nothing happens until `FakeExchange.start_activity()` (withdrawals made
            meanwhile still wait to move).
    """

    tick: float = 1.0
    new_deposits: float = 0.5
    new_withdrawals: float = 0.0
    advance: float = 0.5
    seed: int = 0
    paused: bool = False

    def __post_init__(self) -> None:
        if not self.tick > 0:
            raise ValueError(f"tick must be positive seconds, got {self.tick!r}")
        if min(self.new_deposits, self.new_withdrawals) < 0 or not 0 <= self.advance <= 1:
            raise ValueError(f"new_deposits >= 0 and 0 <= advance <= 1 required: {self}")


class ActivityDriver:
    """Moves records of ``state`` through their paths; reports each change to
    ``state.listeners``. Seeded records not yet in a final state take part too."""

    def __init__(self, state: ExchangeState, activity: Activity) -> None:
        self.state = state
        self.activity = activity
        self._rng = random.Random(f"{activity.seed}:activity")
        self._next_dep_id = 1 + max((int(d["depId"]) for d in state.deposits[:1]), default=0)
        self.pending_deposits: dict[str, Row] = {}
        self.pending_withdrawals: dict[str, tuple[Row, list[str]]] = {}
        if isinstance(state.deposits, list):  # generated histories are read-only
            for row in state.deposits:
                if row["state"] in _DEPOSIT_NEXT:
                    self.pending_deposits[row["depId"]] = row
        state.listeners.append(self._on_change)

    def _on_change(self, kind: str, row: Row) -> None:
        """Adopt withdrawals made over REST: each gets a path to a final state."""
        if kind == "withdrawal" and row["state"] == "0" and row["wdId"] not in self.pending():
            paths = [path for path, _ in _WITHDRAWAL_PATHS]
            weights = [weight for _, weight in _WITHDRAWAL_PATHS]
            path = list(self._rng.choices(paths, weights)[0])
            self.pending_withdrawals[row["wdId"]] = (row, path)

    def plan(self, wd_id: str, states: list[str]) -> None:
        """Make the unsettled withdrawal ``wd_id`` move through ``states`` from now on
        (the last one should be final: ``2``, ``-1`` or ``-2``)."""
        row, _ = self.pending_withdrawals[wd_id]
        self.pending_withdrawals[wd_id] = (row, list(states))

    def pending(self) -> set[str]:
        """Ids of the withdrawals still moving."""
        return set(self.pending_withdrawals)

    def step(self, now_ms: int) -> None:
        """One tick: new deposits, then each unsettled record advances or waits."""
        arrivals = self._arrivals(self.activity.new_deposits)
        withdrawals = self._arrivals(self.activity.new_withdrawals)
        for dep_id in list(self.pending_deposits):
            if self._rng.random() < self.activity.advance:
                self._advance_deposit(dep_id, now_ms)
        for wd_id in list(self.pending_withdrawals):
            if self._rng.random() < self.activity.advance:
                self._advance_withdrawal(wd_id, now_ms)
        for _ in range(arrivals):
            self.new_deposit(now_ms)
        for _ in range(withdrawals):
            self.new_withdrawal(now_ms)

    def settle(self, now_ms: int) -> None:
        """Move every unsettled record to its final state, one change at a time."""
        while self.pending_deposits or self.pending_withdrawals:
            for dep_id in list(self.pending_deposits):
                self._advance_deposit(dep_id, now_ms)
            for wd_id in list(self.pending_withdrawals):
                self._advance_withdrawal(wd_id, now_ms)

    def _arrivals(self, mean: float) -> int:
        whole = int(mean)
        return whole + (1 if self._rng.random() < mean - whole else 0)

    def new_deposit(self, now_ms: int) -> Row:
        """A new deposit (state ``0``) to one of the account's addresses."""
        rng = self._rng
        ccy = rng.choice(sorted(self.state.deposit_addresses))
        address = rng.choice(self.state.deposit_addresses[ccy])
        coin = COINS_BY_CCY[ccy]
        internal = rng.random() < 0.1
        chain = next(c for c in coin.chains if c.name == address["chain"])
        amount = Decimal(rng.randint(1, 10_000)) / 100
        row: Row = {
            "actualDepBlkConfirm": "0",
            "amt": fmt(amount, coin.decimals),
            "ccy": ccy,
            "chain": str(address["chain"]),
            "depId": str(self._next_dep_id),
            "from": masked_account(rng) if internal else "",
            "state": "0",
            "to": str(address["addr"]),
            "ts": str(now_ms),
            "txId": "" if internal else tx_hash(rng, chain.kind),
        }
        self._next_dep_id += rng.randint(1, 50)
        insert_newest_first(self.state.deposits, row, lambda r: (int(r["ts"]), int(r["depId"])))
        self.pending_deposits[row["depId"]] = row
        self.state.changed("deposit", row)
        return row

    def new_withdrawal(self, now_ms: int) -> Row | None:
        """A small USDT withdrawal, as if requested over REST (``None``: balance spent)."""
        limits = self.state.currency_row("USDT", None)
        amount = Decimal(str(limits["minWd"])) + Decimal(self._rng.randint(100, 5_000)) / 100
        fee = Decimal(str(limits["minFee"]))
        request = Withdraw(ccy="USDT", amt=amount, fee=fee, dest="4", to_addr="TN4h")
        try:
            return self.state.withdraw(request, now_ms)
        except EmulatorRefusal:
            return None

    def _advance_deposit(self, dep_id: str, now_ms: int) -> None:
        row = self.pending_deposits[dep_id]
        options = _DEPOSIT_NEXT[row["state"]]
        row["state"] = self._rng.choices([s for s, _ in options], [w for _, w in options])[0]
        row["actualDepBlkConfirm"] = str(int(row["actualDepBlkConfirm"]) + 12)
        if row["state"] in DEPOSIT_FINAL:
            del self.pending_deposits[dep_id]
        self.state.changed("deposit", row)

    def _advance_withdrawal(self, wd_id: str, now_ms: int) -> None:
        row, path = self.pending_withdrawals[wd_id]
        row["state"] = path.pop(0)
        if row["state"] == "1" and not row["txId"]:
            row["txId"] = tx_hash(self._rng, "evm")
        if not path:
            del self.pending_withdrawals[wd_id]
        self.state.changed("withdrawal", row)
