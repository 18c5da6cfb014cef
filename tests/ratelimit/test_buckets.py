"""Keyed, layered and weighted buckets against the strict emulator: counts and orderings.

The transfer and Convert endpoints are not in this branch yet, so their buckets ride on
endpoints that have the same key fields: deposit-history (``ccy``) stands in for
``POST /asset/transfer`` and the RFQ quote (``baseCcy``, ``quoteCcy``) for Convert's
estimate-quote. The emulator is told to enforce the same buckets on those routes, and
both sides take the figures from the rules table (with fast overrides).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal

import pytest
from ratelimit_helpers import accepted_in, assert_keys_within, assert_within

from okxasync import Client, Priority, Rate, RateLimitError
from okxasync._endpoints import Endpoint
from okxasync._endpoints import funding as ep
from okxasync._endpoints import otc as otc_ep
from okxasync._http.retry import RetryPolicy
from okxasync._ratelimit.rules import (
    CONVERT_QUOTE,
    CONVERT_QUOTE_PAIR,
    FUNDING,
    TRANSFER,
    Bucket,
)
from okxasync.testing import FakeExchange

#: Deposit-history pages spending what a transfer spends: funding plus transfer[ccy].
KEYED = dataclasses.replace(ep.DEPOSIT_HISTORY, buckets=(FUNDING, TRANSFER))
#: RFQ quotes spending what an estimate-quote spends: convert-quote plus the pair's key.
QUOTE = dataclasses.replace(otc_ep.RFQ_QUOTE, buckets=(CONVERT_QUOTE, CONVERT_QUOTE_PAIR))
ROUTES = {
    ("GET", KEYED.path): KEYED.buckets,
    ("POST", QUOTE.path): QUOTE.buckets,
}
FAST = {
    "funding": Rate(6, 0.25),
    "transfer": Rate(2, 0.25),
    "convert-quote": Rate(3, 0.25),
    "convert-quote-pair": Rate(1, 0.25),
    "otc": Rate(100, 0.25),
}


@dataclasses.dataclass
class Env:
    fake: FakeExchange
    client: Client

    async def keyed(self, ccy: str, tag: int, priority: Priority = Priority.DIRECT) -> object:
        """A call spending ``funding`` and ``transfer[ccy]``, tagged by ``limit``."""
        args = {"ccy": ccy, "limit": tag}
        return await self.client._pipeline.request(KEYED, args, priority=priority)

    async def read(self, tag: int, priority: Priority = Priority.DIRECT) -> object:
        """A call spending only ``funding`` (a balance read, tagged by its ``ccy``)."""
        args = {"ccy": f"R{tag}"}
        return await self.client._pipeline.request(ep.BALANCES, args, priority=priority)

    async def quote(self, base: str, quote: str) -> object:
        args = {
            "base_ccy": base,
            "quote_ccy": quote,
            "side": "buy",
            "rfq_sz": Decimal(1),
            "rfq_sz_ccy": base,
        }
        return await self.client._pipeline.request(QUOTE, args)

    def order(self) -> list[int]:
        """The tags of the accepted funding calls, in arrival order."""
        tags = {
            KEYED.path: lambda r: r.query["limit"],
            ep.BALANCES.path: lambda r: r.query["ccy"][1:],
        }
        return [
            int(tags[r.path](r)) for r in self.fake.requests if r.path in tags and r.status == 200
        ]


@contextlib.asynccontextmanager
async def env(rates: Mapping[str, Rate], **options: object) -> AsyncIterator[Env]:
    """An emulator enforcing ``rates`` on the routes above, and a client using them."""
    fake = FakeExchange(seed=0, rate_limits=rates, buckets=ROUTES, jitter=0.01)
    async with fake:
        creds = fake.credentials
        client = Client(base_url=fake.url, rate_limits=rates, **creds, **options)  # type: ignore[arg-type]
        async with client:
            yield Env(fake, client)


async def test_storm_over_two_currencies_two_pairs_and_reads_gets_no_rejection() -> None:
    async with env(FAST) as e:
        calls = [e.keyed(ccy, n) for n in range(1, 7) for ccy in ("BTC", "ETH")]
        calls += [e.quote(base, "USDT") for _ in range(3) for base in ("BTC", "ETH")]
        calls += [e.read(60 + n) for n in range(8)]
        await asyncio.gather(*calls)
        stats = e.client.rate_limit_stats()
    fake = e.fake
    assert fake.rejections == 0
    assert len(accepted_in(fake, "GET", KEYED.path)) == 12
    assert len(accepted_in(fake, "GET", ep.BALANCES.path)) == 8
    assert len(accepted_in(fake, "POST", QUOTE.path)) == 6
    # Every window held at the server: the shared bucket, each currency, each pair.
    assert_within(fake, "funding", FAST["funding"])  # both routes together
    assert_keys_within(fake, "GET", KEYED.path, ("ccy",), FAST["transfer"])
    assert_keys_within(fake, "POST", QUOTE.path, (), FAST["convert-quote"])
    assert_keys_within(
        fake, "POST", QUOTE.path, ("baseCcy", "quoteCcy"), FAST["convert-quote-pair"]
    )
    transfer = stats["transfer"]
    assert (transfer.sent, transfer.rejected, set(transfer.keys)) == (12, 0, {"BTC", "ETH"})
    assert transfer.keys["BTC"].sent == transfer.keys["ETH"].sent == 6
    assert transfer.keys["BTC"].peak == FAST["transfer"].count  # bursts filled, never more
    assert stats["funding"].sent == 20 and stats["funding"].peak <= FAST["funding"].count
    assert set(stats["convert-quote-pair"].keys) == {"BTC/USDT", "ETH/USDT"}
    assert stats["transfer"].wait_max > 0 and stats["transfer"].waiting == 0


async def test_a_call_waiting_for_its_key_holds_no_shared_slot() -> None:
    rates = {"funding": Rate(2, 0.5), "transfer": Rate(1, 1.5)}
    async with env(rates) as e:
        first = asyncio.create_task(e.keyed("BTC", 1))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(e.keyed("BTC", 2))  # waits ~1.5 s for transfer[BTC]
        await asyncio.sleep(0.05)
        reads = [asyncio.create_task(e.read(n)) for n in (11, 12, 13)]
        await asyncio.gather(first, second, *reads)
        stats = e.client.rate_limit_stats()
    # Read 11 takes the funding unit BTC #2 would hold if it held it while waiting;
    # 12 and 13 go in the next funding windows, all before BTC's key frees.
    assert e.order() == [1, 11, 12, 13, 2]
    assert e.fake.rejections == 0
    assert stats["funding"].sent == 5 and stats["transfer"].keys["BTC"].sent == 2


async def test_a_hot_key_does_not_delay_another_key() -> None:
    rates = {"funding": Rate(20, 0.3), "transfer": Rate(1, 0.3)}
    async with env(rates) as e:
        hot = [asyncio.create_task(e.keyed("BTC", n)) for n in range(1, 6)]
        await asyncio.sleep(0.02)
        cold = asyncio.create_task(e.keyed("ETH", 99))
        await asyncio.gather(*hot, cold)
        stats = e.client.rate_limit_stats()["transfer"]
    order = e.order()
    assert order.index(99) <= 1  # right after the first BTC call, not behind the backlog
    assert [n for n in order if n != 99] == [1, 2, 3, 4, 5]  # FIFO within the key
    assert stats.keys["ETH"].wait_max < stats.keys["BTC"].wait_max
    assert e.fake.rejections == 0


async def test_direct_calls_go_ahead_of_pages_across_layered_buckets() -> None:
    rates = {"funding": Rate(2, 0.4), "transfer": Rate(1, 0.6)}
    async with env(rates) as e:
        pages = [asyncio.create_task(e.read(n, Priority.PAGING)) for n in range(1, 9)]
        await asyncio.sleep(0.05)  # pages 1-2 sent, 3-8 queued for funding
        direct = [asyncio.create_task(e.keyed("BTC", n)) for n in (21, 22)]
        background = asyncio.create_task(e.read(31, Priority.BACKGROUND))
        await asyncio.gather(*pages, *direct, background)
    order = e.order()
    # Funding windows of two: (1, 2) at 0, (21, 3) at ~0.4, (4, 5) at ~0.8, then 22 and
    # 6 at ~1.2: 21 needs funding and transfer[BTC] and takes the first slot that frees.
    assert order.index(21) <= 3
    # 22 waits for BTC's key (free at ~1.0); pages go meanwhile (no held funding slot)...
    assert order.index(22) > order.index(5)
    # ...and once the key frees, 22 takes the next funding slot before the pages left.
    assert order.index(22) < order.index(7)
    # FIFO among the pages (two admitted together may arrive swapped by the jitter).
    pages_order = [n for n in order if n < 20]
    assert sorted(pages_order) == list(range(1, 9))
    assert all(abs(n - place) <= 1 for place, n in enumerate(pages_order, 1))
    assert order[-1] == 31  # background reconciliation goes last
    assert e.fake.rejections == 0


async def test_the_emulator_enforces_keys_with_the_buckets_code() -> None:
    """Without the client's limits (overridden wide), the emulator's own keyed window
    answers 429 + 58102 to the third BTC call, while ETH and plain reads go through."""
    wide = {"funding": Rate(100, 1.0), "transfer": Rate(100, 1.0)}
    strict = {"funding": Rate(6, 1.0), "transfer": Rate(2, 1.0)}
    fake = FakeExchange(seed=0, rate_limits=strict, buckets=ROUTES)
    async with (
        fake,
        Client(
            base_url=fake.url,
            rate_limits=wide,
            retry=RetryPolicy(rate_limit_attempts=1),
            **fake.credentials,
        ) as client,
    ):
        e = Env(fake, client)
        await asyncio.gather(e.keyed("BTC", 1), e.keyed("BTC", 2), e.keyed("ETH", 3))
        with pytest.raises(RateLimitError) as caught:
            await e.keyed("BTC", 4)
        await e.read(5)
        stats = client.rate_limit_stats()
    assert (caught.value.code, caught.value.status) == ("58102", 429)
    assert fake.limits.rejections == {"transfer": 1}
    # The refused call took no funding unit at the server: 4 accepted of 5.
    assert len(accepted_in(fake, "GET", KEYED.path)) == 3
    assert len(accepted_in(fake, "GET", ep.BALANCES.path)) == 1
    assert stats["transfer"].keys["BTC"].rejected == 1 and stats["funding"].rejected == 1
    assert stats["transfer"].keys["ETH"].rejected == 0


def test_every_keyed_bucket_of_an_endpoint_names_one_of_its_parameters() -> None:
    from okxasync._endpoints import ALL

    for endpoint in ALL:
        api_names = {param.api for param in endpoint.params.values()}
        for bucket in endpoint.buckets:
            assert set(bucket.key) <= api_names
    assert isinstance(KEYED, Endpoint) and KEYED.group == "funding"
    assert KEYED.claims({"ccy": "BTC"}) == (FUNDING.claim(), TRANSFER.claim("BTC"))
    with pytest.raises(ValueError, match="keyed by"):
        TRANSFER.claim()
    assert Bucket("x", Rate(1, 1.0), key=("a", "b")).claim("1", "2").label == "x[1/2]"


async def test_real_transfers_and_quotes_keep_their_keyed_buckets() -> None:
    """The transfer and estimate-quote endpoints themselves: a storm over two currencies
    and two pairs plus funding reads, against the emulator enforcing their own buckets."""
    rates = {
        "funding": Rate(6, 0.25),
        "transfer": Rate(2, 0.25),
        "convert-quote": Rate(3, 0.25),
        "convert-quote-pair": Rate(1, 0.25),
    }
    fake = FakeExchange(seed=0, rate_limits=rates, jitter=0.01)
    async with fake, Client(base_url=fake.url, rate_limits=rates, **fake.credentials) as client:
        moves = [
            client.funding.transfer(ccy=ccy, amt=Decimal("0.001"), from_="6", to="18")
            for ccy in ("BTC", "USDT") * 4
        ]
        quotes = [
            client.convert.estimate_quote(
                base_ccy=base, quote_ccy="USDT", side="buy", rfq_sz=Decimal(10), rfq_sz_ccy="USDT"
            )
            for base in ("BTC", "ETH") * 3
        ]
        reads = [client.funding.balances() for _ in range(4)]
        await asyncio.gather(*moves, *quotes, *reads)
        stats = client.rate_limit_stats()
    assert fake.rejections == 0
    transfer, quote = "/api/v5/asset/transfer", "/api/v5/asset/convert/estimate-quote"
    assert len(accepted_in(fake, "POST", transfer)) == 8
    assert_keys_within(fake, "POST", transfer, ("ccy",), rates["transfer"])
    assert_keys_within(fake, "POST", quote, ("baseCcy", "quoteCcy"), rates["convert-quote-pair"])
    assert_within(fake, "funding", rates["funding"])
    assert {k: v.sent for k, v in stats["transfer"].keys.items()} == {"BTC": 4, "USDT": 4}
    assert set(stats["convert-quote-pair"].keys) == {"BTC/USDT", "ETH/USDT"}
