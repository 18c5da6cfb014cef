"""Exactly-once withdrawals and RFQ trades: never send twice, reconcile instead.

A withdrawal (``clientId``) and an RFQ trade (``clTReqId``) carry a client id that the
server keeps unique. Such a request is sent exactly once. When its answer is ambiguous
(a timeout, a lost connection, HTTP 5xx, a "busy" code, an unreadable body — see
``retry.may_have_executed`` — or a success answer that does not carry the server's id for
the operation, such as ``{"code":"0","data":[{}]}``), the client does not resend it but
looks the client id up,
through the normal pipeline (rate-limit scheduler and read retries included):

* found, and it matches the request: that record is the result, as if answered;
* found, but with other details: the id belongs to an earlier operation, so this one
  was most likely refused as a duplicate; :class:`OutcomeUnknownError` says so
  (:func:`mismatch`);
* not found after ``RetryPolicy.lookups`` lookups ``lookup_interval`` seconds apart, or the
  lookups themselves fail: :class:`OutcomeUnknownError` carrying the client id.

"Not found" does not prove "not executed": a request that timed out may still be queued at
the server and execute later, so the client reports the outcome as unknown rather than
guessing. A definite refusal (an error code with HTTP < 500, a rate-limit or
authentication rejection, a connection that could not be opened) is raised as is.

A refusal that says the client id was used before (a duplicate) is definite too, but the
earlier operation may be this one, made by an earlier call whose answer was lost: the id
is looked up once (:func:`refused_as_duplicate`). The recorded operation is the answer
when its details match the request; otherwise the refusal is raised. So calling again
with the same id and the same details is safe, and returns what the first call made.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from .._errors import APIError, OkxError, OutcomeUnknownError, ResponseError
from .retry import RetryPolicy, may_have_executed

__all__ = ["exactly_once", "mismatch", "refused_as_duplicate"]

logger = logging.getLogger("okxasync")
R = TypeVar("R")


async def exactly_once(
    send: Callable[[], Awaitable[R]],
    find: Callable[[], Awaitable[R | None]],
    *,
    confirmed: Callable[[R], bool],
    policy: RetryPolicy,
    what: str,
    client_id: str,
) -> R:
    """The result of ``send()``, sent once; on an ambiguous failure, of ``find()``.

    ``confirmed`` tells whether an answer of ``send()`` confirms the operation (it carries
    the server's id for it); one that does not is ambiguous. ``find`` looks the operation up
    by ``client_id``: it returns the record, ``None`` when not found, or raises
    :func:`mismatch`. Raises :class:`OutcomeUnknownError` as the module docstring
    describes, and every definite error of ``send()`` unchanged.
    """
    try:
        try:
            answer = await send()
        except OkxError as error:
            if not may_have_executed(error):
                raise
            ambiguous: OkxError = error
        else:
            if confirmed(answer):
                return answer
            ambiguous = ResponseError(f"{what}: the success answer confirms nothing", 200, b"")
        logger.warning("%s %s: ambiguous answer (%s); looking it up", what, client_id, ambiguous)
        return await _look_up(find, policy, what, client_id, ambiguous)
    except asyncio.CancelledError:
        # The caller may not know a generated id: the log is where it can be found.
        logger.warning("%s %s cancelled: it may have been sent; look it up", what, client_id)
        raise


async def _look_up(
    find: Callable[[], Awaitable[R | None]],
    policy: RetryPolicy,
    what: str,
    client_id: str,
    ambiguous: OkxError,
) -> R:
    for lookup in range(1, policy.lookups + 1):
        try:
            found = await find()
        except OutcomeUnknownError:
            raise
        except OkxError as error:
            message = f"{what} outcome unknown after {ambiguous}: the lookup failed ({error})"
            raise OutcomeUnknownError(message, client_id) from error
        if found is not None:
            logger.info("%s %s: found by client id (lookup %d)", what, client_id, lookup)
            return found
        if lookup < policy.lookups:
            await asyncio.sleep(policy.lookup_interval)
    message = f"{what} outcome unknown after {ambiguous}: not found in {policy.lookups} lookup(s)"
    raise OutcomeUnknownError(message, client_id) from ambiguous


async def refused_as_duplicate(refusal: APIError, find: Callable[[], Awaitable[R | None]]) -> R:
    """The answer to a request ``refusal`` turned down because its client id was used
    before: the operation ``find()`` finds under the id if it is this request's (an earlier
    call made it), else ``refusal`` itself, raised, with why as its cause (the operation
    that owns the id, or the lookup's own failure)."""
    try:
        found = await find()
    except OkxError as error:  # mismatch(): the id is another operation's
        raise refusal from error
    if found is None:
        raise refusal
    return found


def mismatch(what: str, client_id: str, found: str) -> OutcomeUnknownError:
    """The error for a lookup that found an operation with other details under the id."""
    return OutcomeUnknownError(
        f"{what}: the client id belongs to an earlier {what} ({found}) with other details;"
        " this one was most likely refused as a duplicate",
        client_id,
    )
