"""Seeded randomness for the emulator's data: amounts, addresses, ids, and timelines whose
timestamps come in same-millisecond clusters (some placed across page boundaries)."""

from __future__ import annotations

import random
import string
from decimal import Decimal

from okxasync.testing._catalogue import COIN_WEIGHTS, COINS, Coin

__all__ = [
    "ALNUM",
    "chars",
    "FORCED_CLUSTERS",
    "HISTORY_SPAN_MS",
    "address",
    "client_id",
    "cluster_sizes",
    "fmt",
    "masked_account",
    "numeric_ids",
    "pick_coin",
    "random_amount",
    "timeline",
    "tx_hash",
]

DAY_MS = 86_400_000
HISTORY_SPAN_MS = 90 * DAY_MS
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ALNUM = string.ascii_letters + string.digits

# Cluster sizes drawn for ordinary timestamps (weights favour singletons).
CLUSTER_SIZES = (1, 2, 3, 4, 5, 6, 7)
CLUSTER_WEIGHTS = (55, 12, 9, 7, 6, 5, 6)

# Clusters forced at fixed newest-first positions: start index -> size. Each
# straddles a page boundary of the default limit 100 (and of 10 or 7).
FORCED_CLUSTERS: dict[str, dict[int, int]] = {
    "deposits": {97: 5, 193: 15},  # 97..101 and 193..207
    "withdrawals": {96: 7},  # 96..102
    "bills": {98: 3, 190: 15},  # 98..100 and 190..204
    "rfq_trades": {8: 4},  # 8..11
}


# --------------------------------------------------------------------- helpers


def fmt(value: Decimal, places: int) -> str:
    """A plain decimal string with at most ``places`` decimals, no trailing zeros."""
    text = f"{value.quantize(Decimal(1).scaleb(-places)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def random_amount(rng: random.Random, coin: Coin) -> str:
    """A log-uniform positive amount in the coin's typical range."""
    value = coin.low * (coin.high / coin.low) ** rng.random()
    text = fmt(Decimal(repr(value)), coin.decimals)
    return text if Decimal(text) > 0 else fmt(Decimal(1).scaleb(-coin.decimals), coin.decimals)


def chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def address(rng: random.Random, kind: str) -> str:
    """A realistic-looking address for a chain kind."""
    if kind == "btc":
        return "bc1q" + chars(rng, BECH32, 38)
    if kind == "ltc":
        return "ltc1q" + chars(rng, BECH32, 38)
    if kind == "tron":
        return "T" + chars(rng, BASE58, 33)
    if kind == "xrp":
        return "r" + chars(rng, BASE58, 33)
    if kind == "sol":
        return chars(rng, BASE58, 44)
    return "0x" + chars(rng, "0123456789abcdef", 40)


def tx_hash(rng: random.Random, kind: str) -> str:
    if kind == "evm":
        return "0x" + chars(rng, "0123456789abcdef", 64)
    if kind == "sol":
        return chars(rng, BASE58, 88)
    alphabet = "0123456789ABCDEF" if kind == "xrp" else "0123456789abcdef"
    return chars(rng, alphabet, 64)


def masked_account(rng: random.Random) -> str:
    return f"1{rng.randint(10, 99)}****{rng.randint(100, 999)}"


def client_id(rng: random.Random) -> str:
    return chars(rng, ALNUM, rng.randint(8, 20))


def pick_coin(rng: random.Random) -> Coin:
    return rng.choices(COINS, COIN_WEIGHTS)[0]


# -------------------------------------------------------------------- timeline


def cluster_sizes(rng: random.Random, count: int, forced: dict[int, int]) -> list[int]:
    """Sizes of same-millisecond groups covering ``count`` newest-first records.

    Random groups are truncated so that every forced cluster starts exactly at
    its index.
    """
    sizes: list[int] = []
    pos = 0
    while pos < count:
        if pos in forced:
            size = forced[pos]
        else:
            size = rng.choices(CLUSTER_SIZES, CLUSTER_WEIGHTS)[0]
            next_forced = min((s for s in forced if s > pos), default=count)
            size = min(size, next_forced - pos)
        size = min(size, count - pos)
        sizes.append(size)
        pos += size
    return sizes


def timeline(rng: random.Random, count: int, end_ms: int, forced: dict[int, int]) -> list[int]:
    """``count`` timestamps, newest first, clustered, spread over 90 days before ``end_ms``."""
    sizes = cluster_sizes(rng, count, forced)
    newest = end_ms - rng.randint(60_000, 3_600_000)
    weights = [rng.randint(1, 1_000) for _ in sizes[1:]]
    scale = (HISTORY_SPAN_MS - (end_ms - newest)) / max(sum(weights), 1)
    ts = newest
    out: list[int] = []
    for index, size in enumerate(sizes):
        out.extend([ts] * size)
        if index < len(weights):
            ts -= max(1, int(weights[index] * scale))  # strictly older than the last group
    return out


def numeric_ids(rng: random.Random, count: int, first: int) -> list[int]:
    """Unique ids growing with time, returned newest first (descending)."""
    ids: list[int] = []
    current = first
    for _ in range(count):
        current += rng.randint(1, 997)
        ids.append(current)
    return ids[::-1]
