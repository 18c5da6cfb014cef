"""Funds moving inside the emulated account: transfers and withdrawal cancels.

Accounts are ``(owner, account)``: owner ``""`` is this (master) account, others are its
sub-accounts (``SUB_ACCOUNTS``); account ``"6"`` is funding, ``"18"`` trading. The
master's funding account is ``state.balances`` (what ``/asset/balances`` answers); the
others are kept here as ``ledger[(owner, account)][ccy]`` (available amounts).

A transfer moves its amount at once. With ``processing_ms > 0`` a new transfer is answered
``58124`` ("being processed") and stays ``pending`` that long, then ends as
``settle_as`` says (``success``, or ``failed``: the amount moves back). Transfers are kept
newest first in ``transfers``; ``transfer-state`` finds those of the last 14 days.

Error codes: 50014 (a required parameter is empty), 58115 (no such sub-account),
58116 (more than available), 58123 (from = to), 58124 (being processed), 58127 (a
transfer type the master's key cannot use), 50071 (clientId already used); for cancels
58215 (no such withdrawal), 58216 (state not cancellable), 58220 (already cancelled).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Protocol

from okxasync.testing._catalogue import COINS
from okxasync.testing._checks import EmulatorRefusal
from okxasync.testing._data import Row
from okxasync.testing._generated import GeneratedHistory
from okxasync.testing._random import fmt


class Owner(Protocol):
    """What the transfers need of the exchange state that owns them (``ExchangeState``)."""

    seed: int
    balances: list[Row]
    deposits: list[Row] | GeneratedHistory
    withdrawals: list[Row] | GeneratedHistory

    def changed(self, kind: str, record: Row) -> None: ...

    def funding_row(self, ccy: str) -> Row: ...

    def credit_funding(self, ccy: str, change: Decimal) -> str: ...

    def add_bill(
        self, ccy: str, change: Decimal, type_: str, client_id: str, now_ms: int
    ) -> Row: ...


__all__ = ["SUB_ACCOUNTS", "Moves", "TransferRequest"]

FUNDING, TRADING = "6", "18"
SUB_ACCOUNTS = ("mini", "desk2")
TRANSFER_WINDOW_MS = 14 * 86_400_000
CANCELLABLE = frozenset({"0", "17", "19"})
_UTC8 = timezone(timedelta(hours=8))
#: Funding bill type of a transfer, by (type, direction): the master's funding side only.
_BILL_TYPES = {("0", "out"): "131", ("0", "in"): "130", ("1", "out"): "20", ("2", "in"): "21"}


@dataclass(frozen=True)
class TransferRequest:
    """A validated transfer request (``type`` ``0``-``4``; ``from_``/``to`` ``6``/``18``)."""

    type: str
    ccy: str
    amt: Decimal
    from_: str
    to: str
    sub_acct: str | None = None
    client_id: str | None = None


class Moves:
    """Trading and sub-accounts, transfers, withdrawal cancels (see the module docstring)."""

    def __init__(self, state: Owner) -> None:
        self.state = state
        rng = random.Random(f"{state.seed}:moves")
        self.ledger: dict[tuple[str, str], dict[str, Decimal]] = {}
        for owner in ("", *SUB_ACCOUNTS):
            for account in (FUNDING, TRADING) if owner else (TRADING,):
                self.ledger[(owner, account)] = {
                    coin.ccy: Decimal(fmt(Decimal(repr(coin.high * rng.uniform(1, 5))), 4))
                    for coin in COINS
                }
        self.transfers: list[Row] = []  # newest first
        self.processing_ms = 0
        self.settle_as = "success"
        self._rng = rng
        self._last_trans_id = 7_000_000
        # Transfer state covers the last 14 days of the server's clock, so these are seeded
        # from the real clock (not the histories' fixed anchor, ``state.now_ms``); they
        # move no balance and appear in no history, which stay the same for a seed.
        self._seed_transfers(int(time.time() * 1000))

    def _seed_transfers(self, now_ms: int) -> None:
        """Three earlier transfers: 20 days before ``now_ms`` (beyond the 14-day window),
        3 days, 1 hour."""
        for age_ms, ccy in ((20 * 86_400_000, "USDT"), (3 * 86_400_000, "BTC"), (3_600_000, "ETH")):
            request = TransferRequest("0", ccy, Decimal("0.5"), FUNDING, TRADING, None, None)
            self.transfers.insert(0, self._record(request, now_ms - age_ms, "success"))

    # ----------------------------------------------------------------- balances

    def available(self, owner: str, account: str, ccy: str) -> Decimal:
        if (owner, account) == ("", FUNDING):
            return Decimal(self.state.funding_row(ccy)["availBal"])
        return self.ledger[(owner, account)].get(ccy, Decimal(0))

    def _credit(self, owner: str, account: str, ccy: str, change: Decimal) -> None:
        if (owner, account) == ("", FUNDING):
            self.state.credit_funding(ccy, change)
        else:
            book = self.ledger[(owner, account)]
            book[ccy] = book.get(ccy, Decimal(0)) + change

    # ---------------------------------------------------------------- transfers

    def transfer(self, request: TransferRequest, now_ms: int) -> Row:
        """Execute a transfer (see the module docstring); returns its record."""
        self._check_id(request.client_id, now_ms)
        source, target = self._ends(request)
        if request.amt > self.available(*source, request.ccy):
            raise EmulatorRefusal("58116", "Transfer exceeds the available amount.")
        pending = self.processing_ms > 0
        record = self._record(request, now_ms, "pending" if pending else "success")
        self._move(record, source, target, request.amt, now_ms)
        self.transfers.insert(0, record)
        if pending:
            raise _processing(record["transId"])
        return record

    def _check_id(self, client_id: str | None, now_ms: int) -> None:
        found = self.find(trans_id=None, client_id=client_id, type_=None, now_ms=now_ms)
        if client_id and found is not None:
            if found["state"] == "pending":
                raise _processing(found["transId"])
            raise EmulatorRefusal("50071", "clientId already exists")

    def _ends(self, request: TransferRequest) -> tuple[tuple[str, str], tuple[str, str]]:
        """``((owner, account), (owner, account))`` of the source and the destination."""
        kind, sub = request.type, request.sub_acct
        if kind in ("3", "4"):
            raise EmulatorRefusal(
                "58127",
                "Main account API key does not support current transfer "
                "'type' parameter. Please refer to the API documentation.",
            )
        if kind == "0":
            if request.from_ == request.to:
                raise EmulatorRefusal(
                    "58123", "The From parameter cannot be the same as the To parameter."
                )
            return ("", request.from_), ("", request.to)
        if sub is None:
            raise EmulatorRefusal("50014", "Parameter subAcct can not be empty.", 400)
        if sub not in SUB_ACCOUNTS:
            raise EmulatorRefusal("58115", "Sub-account does not exist.")
        if kind == "1":
            return ("", request.from_), (sub, request.to)
        return (sub, request.from_), ("", request.to)

    def _record(self, request: TransferRequest, now_ms: int, state: str) -> Row:
        self._last_trans_id += self._rng.randint(1, 97)
        return {
            "amt": fmt(request.amt, 8),
            "ccy": request.ccy,
            "clientId": request.client_id or "",
            "from": request.from_,
            "instId": "",
            "state": state,
            "subAcct": request.sub_acct or "",
            "to": request.to,
            "toInstId": "",
            "transId": str(self._last_trans_id),
            "ts": str(now_ms),
            "type": request.type,
            "due": str(now_ms + self.processing_ms),
        }

    def _move(
        self,
        record: Row,
        source: tuple[str, str],
        target: tuple[str, str],
        amt: Decimal,
        now_ms: int,
    ) -> None:
        ccy, client_id = record["ccy"], record["clientId"]
        for (owner, account), change, direction in ((source, -amt, "out"), (target, amt, "in")):
            self._credit(owner, account, ccy, change)
            bill_type = _BILL_TYPES.get((record["type"], direction))
            if (owner, account) == ("", FUNDING) and bill_type is not None:
                self.state.add_bill(ccy, change, bill_type, client_id, now_ms)

    def settle(self, now_ms: int) -> None:
        """End every pending transfer whose processing time is over."""
        for record in self.transfers:
            if record["state"] == "pending" and int(record["due"]) <= now_ms:
                record["state"] = self.settle_as
                if self.settle_as == "failed":
                    source, target = self._ends(_request_of(record))
                    self._move(record, target, source, Decimal(record["amt"]), now_ms)

    def find(
        self, *, trans_id: str | None, client_id: str | None, type_: str | None, now_ms: int
    ) -> Row | None:
        """A transfer of the last 14 days by transId (wins) or clientId, of ``type_``
        (default ``0``) when given; ``None`` if there is none."""
        self.settle(now_ms)
        key, value = ("transId", trans_id) if trans_id is not None else ("clientId", client_id)
        for record in self.transfers:
            if int(record["ts"]) < now_ms - TRANSFER_WINDOW_MS:
                break
            if record[key] == value and (type_ is None or record["type"] == type_):
                return record
        return None

    # ---------------------------------------------------------------- withdrawals

    def cancel_withdrawal(self, wd_id: str, now_ms: int) -> Row:
        """Cancel a withdrawal in state 0, 17 or 19: ``-3`` then ``-2``, each change
        reported through ``state.changed``; ``amt + fee`` back to the funding balance."""
        record = self._withdrawal(wd_id)
        if record is None:
            raise EmulatorRefusal("58215", "Withdrawal ID does not exist.")
        if record["state"] in ("-3", "-2"):
            raise EmulatorRefusal("58220", "Withdrawal request already canceled.")
        if record["state"] not in CANCELLABLE:
            raise EmulatorRefusal("58216", "Operation not allowed.")
        for state in ("-3", "-2"):
            record["state"] = state
            self.state.changed("withdrawal", record)
        refund = Decimal(record["amt"]) + Decimal(record["fee"])
        self.state.credit_funding(record["ccy"], refund)
        self.state.add_bill(record["ccy"], refund, "13", record["clientId"], now_ms)
        return record

    def _withdrawal(self, wd_id: str) -> Row | None:
        """The stored (mutable) withdrawal ``wd_id``: seeded or made at run time."""
        withdrawals = self.state.withdrawals
        rows = withdrawals.newer if isinstance(withdrawals, GeneratedHistory) else withdrawals
        return next((r for r in rows if r["wdId"] == wd_id), None)

    def withdrawal_status(self, wd_id: str) -> list[Row]:
        record = self._withdrawal(wd_id)
        if record is None:
            raise EmulatorRefusal("58215", "Withdrawal ID does not exist.")
        return [_status(record["wdId"], record["txId"], _withdrawal_stage(record["state"]), record)]

    def deposit_status(self, tx_id: str, ccy: str, to: str, chain: str) -> list[Row]:
        match = {"txId": tx_id, "ccy": ccy, "to": to, "chain": chain}
        for record in self.state.deposits:
            if all(record[key] == value for key, value in match.items()):
                return [_status("", tx_id, _deposit_stage(record["state"]), record)]
        return []


def _processing(trans_id: str) -> EmulatorRefusal:
    return EmulatorRefusal(
        "58124",
        f"Your transfer is being processed, transfer id:{trans_id}. Please check the latest "
        "state of your transfer from the endpoint (GET /api/v5/asset/transfer-state)",
    )


def _request_of(record: Row) -> TransferRequest:
    return TransferRequest(
        record["type"],
        record["ccy"],
        Decimal(record["amt"]),
        record["from"],
        record["to"],
        record["subAcct"] or None,
        record["clientId"] or None,
    )


def _status(wd_id: str, tx_id: str, state: str, record: Row) -> Row:
    """A status row; the ETA is 30 minutes after the record, as UTC+8 text."""
    eta = datetime.fromtimestamp(int(record["ts"]) / 1000 + 1800, tz=_UTC8)
    text = eta.strftime("%m/%d/%Y, %I:%M:%S %p").replace(", 0", ", ", 1)
    return {"wdId": wd_id, "txId": tx_id, "state": state, "estCompleteTime": text}


def _withdrawal_stage(state: str) -> str:
    if state in ("-2", "-3"):
        return "Cancellation complete: Your withdrawal has been canceled"
    if state in ("2", "-1"):
        return "Withdrawal complete: " + ("Success" if state == "2" else "Failed")
    if state in ("1", "15", "16"):
        return "Withdrawal in progress: Broadcasting the transaction to the chain"
    return "Pending withdrawal: Wallet is under maintenance, please wait."


def _deposit_stage(state: str) -> str:
    if state == "2":
        return "Deposit complete: Credited"
    if state == "0":
        return "On-chain transaction detection: Waiting for confirmations"
    return "Receiving account credit: Processing"
