"""Exactly-once funds transfers: the pieces ``FundingApi.transfer`` hands to ``exactly_once``.

A transfer always carries a client id (``clientId``). Its answer is one of:

* success (code ``0``): accepted; :class:`~okxasync.models.Transfer`;
* ``58124`` "being processed": accepted and still running. Not a failure: the transfer's
  state is read by client id (``transfer-state``) until it is ``success`` (the result) or
  ``failed`` (:class:`APIError` ``58112``), at most ``RetryPolicy.lookups`` times
  ``lookup_interval`` apart; still pending after that -> :class:`OutcomeUnknownError`;
* a duplicate client id (``50071`` / ``50042``): a transfer was made under the id before;
  it is looked up and returned if it matches the request, else the refusal is raised;
* ambiguous (timeout, lost connection, 5xx): ``exactly_once`` looks it up by client id;
* any other error: a definite refusal, raised as is.

Nothing is ever resent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal

from .. import models as m
from .._endpoints import funding as ep
from .._errors import APIError, OkxError, OutcomeUnknownError
from .._http.pipeline import Pipeline
from .._http.reconcile import mismatch, refused_as_duplicate
from .base import code, one

__all__ = ["PROCESSING", "find_transfer", "send_transfer", "transfer_result"]

#: "Your transfer is being processed": accepted, not finished.
PROCESSING = "58124"
#: The generic "already exists" / "repeated request" codes: the client id was used before.
DUPLICATE = frozenset({"50071", "50042"})
#: The documented "Transfer failed" code, raised when transfer-state says ``failed``.
FAILED = "58112"

Outcome = m.Transfer | m.TransferState


async def send_transfer(pipeline: Pipeline, args: Mapping[str, object]) -> Outcome:
    """Send the transfer once; wait out ``58124``; look a duplicate client id up."""
    try:
        return one(await pipeline.request(ep.TRANSFER, args), "transfer")
    except APIError as error:
        if error.code == PROCESSING:
            return await _await_processing(pipeline, args, error)
        if error.code in DUPLICATE:
            return await refused_as_duplicate(error, lambda: find_transfer(pipeline, args))
        raise


async def find_transfer(pipeline: Pipeline, args: Mapping[str, object]) -> m.TransferState | None:
    """The transfer recorded under ``args["client_id"]``, ``None`` if there is none.

    Raises :func:`mismatch` when the id belongs to a transfer with other details.
    """
    client_id = str(args["client_id"])
    lookup = {"client_id": client_id, "type": args.get("type")}
    records = await pipeline.request(ep.TRANSFER_STATE, lookup)
    record = next((r for r in records if r.client_id == client_id), None)
    if record is not None and not _matches(record, args):
        raise mismatch("transfer", client_id, f"transId {record.trans_id}")
    return record


def _matches(record: m.TransferState, args: Mapping[str, object]) -> bool:
    """Whether a found transfer is the one ``args`` ask for, compared as they were sent
    (``"usdt"`` goes out as ``"USDT"``; an omitted ``type`` is ``0``). A sub-account is
    compared only when both name one: the server may leave it out where it plays no part."""
    wire = ep.TRANSFER.encode(args)
    sub_acct = wire.get("subAcct", "")
    return (
        record.ccy == wire["ccy"]
        and record.amt == Decimal(wire["amt"])
        and code(record.from_) == wire["from"]
        and code(record.to) == wire["to"]
        and code(record.type) == wire.get("type", "0")
        and (not record.sub_acct or not sub_acct or record.sub_acct == sub_acct)
    )


async def _await_processing(
    pipeline: Pipeline, args: Mapping[str, object], processing: APIError
) -> Outcome:
    client_id = str(args["client_id"])
    policy = pipeline.retry
    state: m.TransferState | None = None
    for check in range(policy.lookups):
        if check:
            await asyncio.sleep(policy.lookup_interval)
        try:
            state = await find_transfer(pipeline, args)
        except OutcomeUnknownError:
            raise
        except OkxError as error:
            message = f"transfer being processed ({processing.msg}); its state is unknown"
            raise OutcomeUnknownError(message, client_id) from error
        if state is not None and state.state != m.TransferStatus.PENDING:
            return state
    where = "pending" if state is not None else "not found"
    message = f"transfer being processed; still {where} after {policy.lookups} state check(s)"
    raise OutcomeUnknownError(message, client_id) from processing


def transfer_result(outcome: Outcome) -> m.Transfer:
    """The :class:`Transfer` of an answer or a looked-up state; a failed one raises
    :class:`APIError` ``58112``."""
    if isinstance(outcome, m.Transfer):
        return outcome
    if outcome.state == m.TransferStatus.FAILED:
        raise APIError(FAILED, f"Transfer failed (transfer-state, transId {outcome.trans_id})", 200)
    return m.Transfer(
        trans_id=outcome.trans_id,
        client_id=outcome.client_id,
        ccy=outcome.ccy,
        amt=outcome.amt,
        from_=outcome.from_,
        to=outcome.to,
    )
