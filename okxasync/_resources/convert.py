"""``client.convert``: OKX Convert, the quote -> trade flow (rate group ``funding``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .. import models as m
from .._endpoints import convert as ep
from .._errors import APIError
from .._http.reconcile import exactly_once, mismatch, refused_as_duplicate
from .._paging import MAX_PAGE, HistoryIterator, iter_time_paged
from .base import Amount, Namespace, Time, code, new_client_id, one

__all__ = ["DUPLICATE_ID", "ConvertApi"]

#: "Duplicate client order id" / "duplicate client request id": the trade was made before.
DUPLICATE_ID = frozenset({"52909", "52925"})


class ConvertApi(Namespace):
    """OKX Convert: currencies, pair limits, quotes, trades and their history.

    Convert trades use the trading account's assets (move funds there with
    ``client.funding.transfer``). ``side`` is always relative to ``base_ccy``.
    """

    async def currencies(self) -> list[m.ConvertCurrency]:
        """The currencies Convert trades.

        `GET /api/v5/asset/convert/currencies` · rate bucket `convert` (6 / s) ·
        Permission: Read

        Returns:
            One [`ConvertCurrency`][okxasync.ConvertCurrency] per currency.

        Raises:
            APIError: The exchange refused the query.
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region).
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        return await self._pipeline.request(ep.CONVERT_CURRENCIES, {})

    async def currency_pair(self, *, from_ccy: str, to_ccy: str) -> m.ConvertPair:
        """The pair converting `from_ccy` to `to_ccy`, with its size limits.

        `GET /api/v5/asset/convert/currency-pair` · rate bucket `convert` (6 / s) ·
        Permission: Read

        Args:
            from_ccy: The currency to convert from, e.g. `"USDT"`.
            to_ccy: The currency to convert to, e.g. `"BTC"`.

        Returns:
            The [`ConvertPair`][okxasync.ConvertPair] (its base is what `side` refers to).

        Raises:
            ValidationError: A currency code is invalid (nothing was sent).
            APIError: No such pair (e.g. 52901), or `from_ccy` = `to_ccy` (58358).
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region).
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        records = await self._pipeline.request(
            ep.CONVERT_PAIR, {"from_ccy": from_ccy, "to_ccy": to_ccy}
        )
        return one(records, "convert currency pair")

    async def estimate_quote(
        self,
        *,
        base_ccy: str,
        quote_ccy: str,
        side: m.Side | str,
        rfq_sz: Amount,
        rfq_sz_ccy: str,
        cl_q_req_id: str | None = None,
        tag: str | None = None,
    ) -> m.ConvertQuote:
        """A quote, valid until `quote.expires_at` and tradable once with `trade`.

        `POST /api/v5/asset/convert/estimate-quote` · rate bucket `convert-quote` (10 / s;
        and `convert-quote-pair`: 1 per 5 s per pair) · Permission: Trade

        Args:
            base_ccy: The pair's base currency, e.g. `"BTC"`.
            quote_ccy: The pair's quote currency, e.g. `"USDT"`.
            side: `"buy"` or `"sell"` of the base currency (or `Side`).
            rfq_sz: The amount to quote: `Decimal`, `int` or decimal `str`.
            rfq_sz_ccy: The currency of `rfq_sz` (base or quote).
            cl_q_req_id: Your quote-request id, 1-32 ASCII letters and digits.
            tag: A broker tag.

        Returns:
            The [`ConvertQuote`][okxasync.ConvertQuote].

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            APIError: The exchange refused it (52917 / 52918 below / above the pair's limits,
                52901 / 52902 unknown currency, 52915 not enough liquidity).
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region).
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        records = await self._pipeline.request(
            ep.CONVERT_ESTIMATE_QUOTE,
            {
                "base_ccy": base_ccy,
                "quote_ccy": quote_ccy,
                "side": side,
                "rfq_sz": rfq_sz,
                "rfq_sz_ccy": rfq_sz_ccy,
                "cl_q_req_id": cl_q_req_id,
                "tag": tag,
            },
        )
        return one(records, "convert quote")

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
        tag: str | None = None,
    ) -> m.ConvertTrade:
        """Trade a quote, sent exactly once.

        `POST /api/v5/asset/convert/trade` · rate bucket `convert-trade` (10 / s; and
        `convert-trade-side`: 1 per 5 s per side) · Permission: Trade

        `cl_t_req_id` is the idempotency key. An ambiguous answer is resolved by looking the
        trade up in the history by it (`GET /api/v5/asset/convert/history`), never by
        resending; a duplicate-id answer (52909 / 52925) means it was made before and is
        looked up the same way. A trade found so has `quote_id=None` (the history does not
        carry it).

        Args:
            quote_id: The quote's id (from `estimate_quote`).
            base_ccy: The pair's base currency, as quoted.
            quote_ccy: The pair's quote currency, as quoted.
            side: `"buy"` or `"sell"`, as quoted.
            sz: The amount, at most the quoted one: `Decimal`, `int` or decimal `str`.
            sz_ccy: The currency of `sz`.
            cl_t_req_id: Your idempotency key, 1-32 ASCII letters and digits; generated when
                omitted.
            tag: A broker tag (then also needed to find the trade in the history).

        Returns:
            The [`ConvertTrade`][okxasync.ConvertTrade] (`fullyFilled` or `rejected`).

        Raises:
            OutcomeUnknownError: The outcome could not be established, or the id belongs to a
                trade with other details; `.client_id` is the `cl_t_req_id`.
            APIError: The exchange refused it (52921 quote already traded, 52922 expired,
                52919 / 52920 not what was quoted, 52914 trading balance short).
            ValidationError: An argument is invalid (nothing was sent).
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region).
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
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
            "tag": tag,
        }
        return await exactly_once(
            lambda: self._send_trade(args),
            lambda: self._find_trade(args),
            confirmed=lambda answer: bool(answer.trade_id),
            policy=self._pipeline.retry,
            what="convert trade",
            client_id=cl_t_req_id,
        )

    async def _send_trade(self, args: Mapping[str, object]) -> m.ConvertTrade:
        try:
            return one(await self._pipeline.request(ep.CONVERT_TRADE, args), "convert trade")
        except APIError as error:
            if error.code not in DUPLICATE_ID:
                raise
            return await refused_as_duplicate(error, lambda: self._find_trade(args))

    async def _find_trade(self, args: Mapping[str, object]) -> m.ConvertTrade | None:
        """The trade recorded under the request's id; :func:`mismatch` if its details differ."""
        cl_t_req_id = str(args["cl_t_req_id"])
        records = await self._pipeline.request(
            ep.CONVERT_HISTORY, {"cl_t_req_id": cl_t_req_id, "tag": args.get("tag")}
        )
        trade = next((t for t in records if t.cl_t_req_id == cl_t_req_id), None)
        if trade is not None and not _matches(trade, args):
            raise mismatch("convert trade", cl_t_req_id, f"tradeId {trade.trade_id}")
        return trade

    async def history(
        self,
        *,
        cl_t_req_id: str | None = None,
        after: Time | None = None,
        before: Time | None = None,
        limit: int | None = None,
        tag: str | None = None,
    ) -> list[m.ConvertTrade]:
        """One page of Convert trades, newest first.

        `GET /api/v5/asset/convert/history` · rate bucket `convert` (6 / s) ·
        Permission: Read

        Args:
            cl_t_req_id: Only the trade with this client trade id.
            after: Only trades older than this (exclusive): aware datetime or Unix ms.
            before: Only trades newer than this (exclusive).
            limit: At most this many (1-100, default 100).
            tag: The broker tag; required to see trades made with one.

        Returns:
            The [`ConvertTrade`][okxasync.ConvertTrade] records (`quote_id` is `None`).

        Raises:
            ValidationError: An argument is invalid (nothing was sent).
            APIError: The exchange refused the query.
            AuthenticationError: The key, passphrase, signature or timestamp was refused (code
                50119: a key of another OKX region).
            RateLimitError: Still rate-limited after the client's own waits and retries.
            TransportError: The request could not be completed after retries.
            LimiterUnavailableError: The shared (Redis) limiter is unreachable (nothing sent).
        """
        return await self._pipeline.request(
            ep.CONVERT_HISTORY,
            {
                "cl_t_req_id": cl_t_req_id,
                "after": after,
                "before": before,
                "limit": limit,
                "tag": tag,
            },
        )

    def iter_history(
        self,
        *,
        since: Time | None = None,
        until: Time | None = None,
        tag: str | None = None,
        page_size: int = MAX_PAGE,
    ) -> HistoryIterator[m.ConvertTrade]:
        """Every Convert trade with `since <= ts < until`, each exactly once, newest first
        (same-millisecond page boundaries included); arguments are validated now.

        `GET /api/v5/asset/convert/history` · rate bucket `convert` (6 / s) ·
        Permission: Read

        Args:
            since: Inclusive lower bound: aware datetime or Unix ms (default: all).
            until: Exclusive upper bound (default: now).
            tag: The broker tag; required to see trades made with one.
            page_size: Records per request, 1-100.

        Returns:
            A [`HistoryIterator`][okxasync.HistoryIterator] of
            [`ConvertTrade`][okxasync.ConvertTrade].
        """
        return iter_time_paged(
            self._pipeline,
            ep.CONVERT_HISTORY,
            {"tag": tag},
            since=since,
            until=until,
            page_size=page_size,
            concurrency=1,
        )


def _matches(trade: m.ConvertTrade, args: Mapping[str, object]) -> bool:
    """Whether a found trade is the one ``args`` asked for (pair, side, size), compared as
    they were sent (``"btc"`` goes out as ``"BTC"``). A rejected trade filled nothing: its
    size is not compared."""
    wire = ep.CONVERT_TRADE.encode(args)
    filled = trade.fill_base_sz if wire["szCcy"] == trade.base_ccy else trade.fill_quote_sz
    return (
        trade.base_ccy == wire["baseCcy"]
        and trade.quote_ccy == wire["quoteCcy"]
        and code(trade.side) == wire["side"]
        and (trade.state == m.ConvertTradeState.REJECTED or filled == Decimal(wire["sz"]))
    )
