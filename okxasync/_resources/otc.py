"""``client.otc``: thin, keyword-only methods over the pipeline (rate group ``otc``)."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from .. import models as m
from .._endpoints import otc as ep
from .._errors import ValidationError
from .._http.reconcile import exactly_once, mismatch
from .._paging import MAX_PAGE, HistoryIterator, iter_rfq_history
from .base import Amount, Namespace, Time, new_client_id, one

__all__ = ["OtcApi"]


class OtcApi(Namespace):
    """`client.otc`: OTC RFQ (request for quote) trading (rate bucket `otc`, 2 requests / 2 s).

    Ask for a quote with [`quote`][okxasync._resources.OtcApi.quote], then trade it with
    [`trade`][okxasync._resources.OtcApi.trade] before it expires; trades are sent exactly once.
    """

    async def instruments(self) -> list[m.RfqInstrument]:
        """Every pair that can be traded over RFQ, flattened from the API's grouped answer.

        `GET /api/v5/otc/rfq/instruments` · rate bucket `otc` · Permission: Read

        Returns:
            One [`RfqInstrument`][okxasync.RfqInstrument] per pair, each carrying the `ts` of
            the list it came in.

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        lists = await self._pipeline.request(ep.RFQ_INSTRUMENTS, {})
        return [
            m.RfqInstrument(ts_ms=group.ts_ms, **msgspec.structs.asdict(pair))
            for group in lists
            for pair in group.instruments
        ]

    async def quote(
        self,
        *,
        base_ccy: str,
        quote_ccy: str,
        side: m.Side | str,
        rfq_sz: Amount,
        rfq_sz_ccy: str,
        cl_q_req_id: str | None = None,
        cl_q_req_ts: Time | None = None,
    ) -> m.Quote:
        """Ask for a quote. A quote is only an offer, so the call is retried like a read.

        `POST /api/v5/otc/rfq/quote` · rate bucket `otc` · Permission: Trade

        Args:
            base_ccy: The base currency of the pair, e.g. `"BTC"`.
            quote_ccy: The quote currency of the pair, e.g. `"USDT"`.
            side: `"buy"`, `"sell"` (the base currency) or `"two_way"` ([`Side`][okxasync.Side]).
            rfq_sz: The size asked for: `Decimal`, `int` or decimal `str` (never `float`).
            rfq_sz_ccy: The currency `rfq_sz` is in (the base or the quote currency).
            cl_q_req_id: Your id for the quote request (letters and digits).
            cl_q_req_ts: Your time of the request: an aware `datetime` or Unix milliseconds.

        Returns:
            The [`Quote`][okxasync.Quote]; trade it with
            [`trade`][okxasync._resources.OtcApi.trade] before `quote.expires_at`.

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        records = await self._pipeline.request(
            ep.RFQ_QUOTE,
            {
                "base_ccy": base_ccy,
                "quote_ccy": quote_ccy,
                "side": side,
                "rfq_sz": rfq_sz,
                "rfq_sz_ccy": rfq_sz_ccy,
                "cl_q_req_id": cl_q_req_id,
                "cl_q_req_ts": cl_q_req_ts,
            },
        )
        return one(records, "quote")

    async def trade(
        self,
        *,
        quote_id: str,
        base_ccy: str,
        quote_ccy: str,
        side: m.Side | str,
        sz: Amount,
        sz_ccy: str,
        cl_t_req_id: str | None = None,
        cl_t_req_ts: Time | None = None,
    ) -> m.Trade:
        """Trade a quote, sent exactly once.

        `POST /api/v5/otc/rfq/trade` · rate bucket `otc` · Permission: Trade

        It is never resent: when the answer is ambiguous (timeout, lost connection, HTTP 5xx,
        busy code, unreadable body), the trade is looked up by `cl_t_req_id` instead
        (`GET /api/v5/otc/rfq/trade`, `RetryPolicy.lookups` times) and the recorded trade is
        returned. See
        [Exactly-once withdrawals and RFQ trades][exactly-once-withdrawals-and-rfq-trades].

        Args:
            quote_id: The quote's id ([`Quote.quote_id`][okxasync.Quote]).
            base_ccy: The base currency, as quoted.
            quote_ccy: The quote currency, as quoted.
            side: `"buy"` or `"sell"` (the base currency; [`Side`][okxasync.Side]).
            sz: The size to trade, at most the quoted size: `Decimal`, `int` or decimal `str`.
            sz_ccy: The currency `sz` is in.
            cl_t_req_id: Your idempotency key, 1-32 ASCII letters and digits; generated when
                omitted.
            cl_t_req_ts: Your time of the request: an aware `datetime` or Unix milliseconds.

        Returns:
            The executed [`Trade`][okxasync.Trade] (or the recorded one, after a lookup).

        Raises:
            OutcomeUnknownError: The answer was ambiguous and the lookups could not settle it:
                the trade may or may not have happened (`.client_id` is `cl_t_req_id`).
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the trade (e.g. the quote expired).
            TransportError: The connection could not be opened (`.maybe_sent` is False).
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        cl_t_req_id = cl_t_req_id or new_client_id()
        args = {
            "quote_id": quote_id,
            "base_ccy": base_ccy,
            "quote_ccy": quote_ccy,
            "side": side,
            "sz": sz,
            "sz_ccy": sz_ccy,
            "cl_t_req_id": cl_t_req_id,
            "cl_t_req_ts": cl_t_req_ts,
        }
        return await exactly_once(
            lambda: self._send_trade(args),
            lambda: self._find_trade(cl_t_req_id, quote_id),
            confirmed=lambda answer: bool(answer.trade_id),
            policy=self._pipeline.retry,
            what="trade",
            client_id=cl_t_req_id,
        )

    async def _send_trade(self, args: Mapping[str, object]) -> m.Trade:
        return one(await self._pipeline.request(ep.RFQ_TRADE, args), "trade")

    async def _find_trade(self, cl_t_req_id: str, quote_id: str) -> m.Trade | None:
        records = await self._pipeline.request(ep.RFQ_GET_TRADE, {"cl_t_req_id": cl_t_req_id})
        for trade in records:
            if trade.cl_t_req_id == cl_t_req_id:
                if trade.quote_id != quote_id:
                    raise mismatch("trade", cl_t_req_id, f"tradeId {trade.trade_id}")
                return trade
            # Asked for by clTReqId, a trade may still come without it (the reference's
            # example answers with clQReqId instead): it is this one if it traded the quote.
            if trade.cl_t_req_id is None and trade.quote_id == quote_id:
                return trade
        return None

    async def get_trade(
        self, *, trade_id: str | None = None, cl_t_req_id: str | None = None
    ) -> m.Trade:
        """One trade, by `trade_id` or `cl_t_req_id` (`trade_id` wins if both are given).

        `GET /api/v5/otc/rfq/trade` · rate bucket `otc` · Permission: Read

        Args:
            trade_id: The exchange's trade id.
            cl_t_req_id: Your client id of the trade.

        Returns:
            The [`Trade`][okxasync.Trade].

        Raises:
            ValidationError: Neither id is given, or one is invalid (nothing was sent).
            ResponseError: No trade has that id, or the answer is not a valid record.
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        if trade_id is None and cl_t_req_id is None:
            raise ValidationError("get_trade needs trade_id or cl_t_req_id")
        records = await self._pipeline.request(
            ep.RFQ_GET_TRADE, {"trade_id": trade_id, "cl_t_req_id": cl_t_req_id}
        )
        return one(records, "trade")

    async def history(
        self,
        *,
        begin: Time | None = None,
        end: Time | None = None,
        page_sz: int | None = None,
        page_idx: int | None = None,
    ) -> m.HistoryPage:
        """One page of RFQ trade history.

        `GET /api/v5/otc/rfq/history` · rate bucket `otc` · Permission: Read

        Args:
            begin: The start of the time range: an aware `datetime` or Unix milliseconds.
            end: The end of the time range, as `begin`.
            page_sz: Trades per page, 1 to 100.
            page_idx: The page, 0-based.

        Returns:
            A [`HistoryPage`][okxasync.HistoryPage]: its trades, and the page and record counts.

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused.
            RateLimitError: Still rate-limited after the client's own waits and retries.
            APIError: The exchange refused the call (`.code`, `.msg`).
            TransportError: The network failed, after retries.
            ResponseError: The answer is not a valid envelope or record, after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        pages = await self._pipeline.request(
            ep.RFQ_HISTORY, {"begin": begin, "end": end, "page_sz": page_sz, "page_idx": page_idx}
        )
        return one(pages, "history")

    def iter_history(
        self,
        *,
        begin: Time | None = None,
        end: Time | None = None,
        page_size: int = MAX_PAGE,
    ) -> HistoryIterator[m.HistoryTrade]:
        """Every RFQ trade between `begin` and `end`, each exactly once, newest first.

        `GET /api/v5/otc/rfq/history`, paged by `pageIdx` · rate bucket `otc` · Permission: Read

        It pages until a short page or the last page, and skips the trades that new trades push
        onto later pages while it runs (so none is yielded twice).

        Args:
            begin: The start of the time range (as the API applies it): an aware `datetime` or
                Unix milliseconds.
            end: The end of the time range, as `begin`.
            page_size: Trades per request, 1 to 100.

        Returns:
            A lazy iterator of [`HistoryTrade`][okxasync.HistoryTrade] (use `async for`, ideally
            inside `async with`): it sends nothing until iterated, and stops fetching on `break`,
            `aclose()` or cancellation.

        Raises:
            ValidationError: An argument is invalid (raised now, before any request).

        Errors of the requests themselves (as for `history`) are raised while iterating.
        """
        return iter_rfq_history(self._pipeline, begin=begin, end=end, page_size=page_size)
