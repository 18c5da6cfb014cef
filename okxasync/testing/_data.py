"""Seeded, deterministic sample data for the emulator.

Everything here is a pure function of ``random.Random(seed)`` and a base time
``now_ms`` (by default the fixed ``ANCHOR_MS``): the same pair always yields the same
records, today and any other day. Records are plain
JSON-ready dicts with the API's camelCase keys and string values, exactly as
the reference shows them.

History lists (deposits, withdrawals, bills, RFQ trades) are built newest
first, ordered by ``(ts, id)`` descending (ids are numeric strings that grow
with time), and their timestamps come in *clusters*: runs of 2-7 (sometimes 15)
records sharing one millisecond. Some clusters are deliberately placed across
the 100-record page boundaries (see ``FORCED_CLUSTERS``).
"""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from okxasync.testing._catalogue import COINS, COINS_BY_CCY, FIAT_PER_USD, RFQ_PAIRS, Chain, Coin
from okxasync.testing._random import (
    ALNUM,
    FORCED_CLUSTERS,
    address,
    chars,
    client_id,
    fmt,
    masked_account,
    numeric_ids,
    pick_coin,
    random_amount,
    timeline,
    tx_hash,
)

__all__ = [
    "ANCHOR_MS",
    "Mixed",
    "Row",
    "SeedData",
    "deposit",
    "generate",
    "make_credentials",
    "trade_id",
    "withdrawal",
]

Row = dict[str, str]
"""A history/balance record: every value is a string, as on the wire."""

Mixed = dict[str, "str | bool"]
"""A currency or deposit-address record: strings plus a few booleans."""

#: The default base time of seeded histories: 2026-01-01T00:00:00Z. Fixed, so that a seed
#: means the same records (ids and timestamps) whenever and wherever the emulator runs.
ANCHOR_MS = 1_767_225_600_000


@dataclass
class SeedData:
    """All generated state; ``ExchangeState`` takes ownership of these lists."""

    balances: list[Row] = field(default_factory=list)
    currencies: list[Mixed] = field(default_factory=list)
    deposit_addresses: dict[str, list[Mixed]] = field(default_factory=dict)
    deposits: list[Row] = field(default_factory=list)
    withdrawals: list[Row] = field(default_factory=list)
    bills: list[Row] = field(default_factory=list)
    rfq_instruments: list[Row] = field(default_factory=list)
    rfq_mids: dict[str, Decimal] = field(default_factory=dict)
    rfq_trades: list[Row] = field(default_factory=list)
    account_id: str = ""


# ---------------------------------------------------------------- static data


def make_credentials(seed: int) -> dict[str, str]:
    """Deterministic, realistic-looking API credentials for a seed."""
    rng = random.Random(f"{seed}:credentials")
    return {
        "api_key": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "secret_key": f"{rng.getrandbits(128):032X}",
        "passphrase": "Fx-" + chars(rng, ALNUM, 12) + "!",
    }


def make_currencies() -> list[Mixed]:
    rows: list[Mixed] = []
    for coin in COINS:
        for chain in coin.chains:
            rows.append(
                {
                    "canDep": True,
                    "canInternal": chain.main,
                    "canWd": True,
                    "ccy": coin.ccy,
                    "chain": chain.name,
                    "logoLink": f"https://static.coinall.ltd/cdn/assets/imgs/{coin.ccy.lower()}.png",
                    "mainNet": chain.main,
                    "maxFee": chain.max_fee,
                    "maxWd": fmt(Decimal(repr(coin.high * 40)), 0),
                    "minDep": fmt(Decimal(1).scaleb(-coin.decimals), coin.decimals),
                    "minDepArrivalConfirm": str(chain.confirms),
                    "minFee": chain.min_fee,
                    "minWd": fmt(Decimal(repr(coin.low / 10)), coin.decimals),
                    "minWdUnlockConfirm": str(chain.confirms * 2),
                    "name": coin.name,
                    "needTag": coin.need_tag,
                    "usedWdQuota": "0",
                    "wdQuota": "500",
                    "wdTickSz": str(coin.decimals),
                }
            )
    return rows


def make_addresses(rng: random.Random) -> dict[str, list[Mixed]]:
    """Deposit addresses per currency: one selected per chain, plus an old BTC one."""
    out: dict[str, list[Mixed]] = {}
    for coin in COINS:
        rows: list[Mixed] = []
        for chain in coin.chains:
            row: Mixed = {
                "chain": chain.name,
                "ctAddr": chain.contract[-6:],
                "ccy": coin.ccy,
                "to": "6",
                "addr": address(rng, chain.kind),
                "selected": True,
            }
            if coin.need_tag:
                row["tag"] = str(rng.randint(100_000_000, 999_999_999))
            rows.append(row)
        if coin.ccy == "BTC":  # a previously used address
            rows.append({**rows[0], "addr": address(rng, "btc"), "selected": False})
        out[coin.ccy] = rows
    return out


def make_balances(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for coin in COINS:
        # between half and twenty times the largest typical transfer
        bal = Decimal(fmt(Decimal(repr(coin.high * (0.5 + 19.5 * rng.random()))), coin.decimals))
        frozen = Decimal(0)
        if rng.random() < 0.4:
            frozen = Decimal(fmt(bal * Decimal(repr(rng.uniform(0.01, 0.2))), coin.decimals))
        rows.append(
            {
                "availBal": fmt(bal - frozen, coin.decimals),
                "bal": fmt(bal, coin.decimals),
                "ccy": coin.ccy,
                "frozenBal": fmt(frozen, coin.decimals),
            }
        )
    return rows


# ------------------------------------------------------------------- histories

DEPOSIT_STATES = ("2", "1", "0", "8", "12", "13")
DEPOSIT_WEIGHTS = (82, 6, 4, 3, 3, 2)
WITHDRAWAL_STATES = ("2", "-1", "-2", "-3", "0", "1", "3", "4", "5")
WITHDRAWAL_WEIGHTS = (70, 5, 8, 2, 4, 4, 2, 3, 2)


def fee_for(rng: random.Random, coin: Coin, chain: Chain) -> str:
    """A fee between the chain's minFee and maxFee."""
    low, high = Decimal(chain.min_fee), Decimal(chain.max_fee)
    return fmt(low + (high - low) * Decimal(rng.randint(0, 100)) / 100, coin.decimals)


def make_deposits(
    rng: random.Random, now_ms: int, addresses: dict[str, list[Mixed]], count: int = 300
) -> list[Row]:
    stamps = timeline(rng, count, now_ms, FORCED_CLUSTERS["deposits"])
    ids = numeric_ids(rng, count, 34_000_000)
    return [
        deposit(rng, index, ts, dep_id, addresses)
        for index, (ts, dep_id) in enumerate(zip(stamps, ids, strict=True))
    ]


def deposit(
    rng: random.Random, index: int, ts: int, dep_id: int, addresses: dict[str, list[Mixed]]
) -> Row:
    """One deposit record (``index`` is its newest-first position)."""
    coin = pick_coin(rng)
    chain = rng.choice(coin.chains)
    addr = next(a["addr"] for a in addresses[coin.ccy] if a["chain"] == chain.name)
    internal = rng.random() < 0.08  # internal transfers show the sender, no tx hash
    state = _state(rng, index, DEPOSIT_STATES, DEPOSIT_WEIGHTS)
    confirms = (
        rng.randrange(chain.confirms) if state == "0" else chain.confirms + rng.randint(0, 300)
    )
    return {
        "actualDepBlkConfirm": str(confirms),
        "amt": random_amount(rng, coin),
        "ccy": coin.ccy,
        "chain": chain.name,
        "depId": str(dep_id),
        "from": masked_account(rng) if internal else "",
        "state": state,
        "to": str(addr),
        "ts": str(ts),
        "txId": "" if internal else tx_hash(rng, chain.kind),
    }


def _state(
    rng: random.Random, index: int, states: tuple[str, ...], weights: tuple[int, ...]
) -> str:
    """A weighted random state; every 16th record takes the next state in turn,
    so that each documented state occurs."""
    if index % 16 == 5 and index // 16 < len(states):
        return states[index // 16]
    return rng.choices(states, weights)[0]


def withdrawal(rng: random.Random, index: int, ts: int, wd_id: int, account_id: str) -> Row:
    """One withdrawal record (``index`` is its newest-first position)."""
    coin = pick_coin(rng)
    internal = rng.random() < 0.1  # dest 3: to an email / phone / account name
    chain = coin.chains[0] if internal else rng.choice(coin.chains)
    state = _state(rng, index, WITHDRAWAL_STATES, WITHDRAWAL_WEIGHTS)
    on_chain = state in ("1", "2") and not internal
    email = f"{rng.choice(string.ascii_lowercase)}****@{rng.choice(['gmail.com', 'proton.me'])}"
    row: Row = {
        "chain": chain.name,
        "fee": "0" if internal else fee_for(rng, coin, chain),
        "ccy": coin.ccy,
        "clientId": client_id(rng) if rng.random() < 0.3 else "",
        "amt": random_amount(rng, coin),
        "txId": tx_hash(rng, chain.kind) if on_chain else "",
        "from": account_id,
        "to": email if internal else address(rng, chain.kind),
        "state": state,
        "ts": str(ts),
        "wdId": str(wd_id),
    }
    if coin.need_tag and not internal:
        row["tag"] = str(rng.randint(1_000, 999_999_999))
    return row


def make_withdrawals(
    rng: random.Random, now_ms: int, account_id: str, count: int = 150
) -> list[Row]:
    stamps = timeline(rng, count, now_ms, FORCED_CLUSTERS["withdrawals"])
    ids = numeric_ids(rng, count, 15_000_000)
    return [
        withdrawal(rng, index, ts, wd_id, account_id)
        for index, (ts, wd_id) in enumerate(zip(stamps, ids, strict=True))
    ]


def make_bills(rng: random.Random, now_ms: int, balances: list[Row], count: int = 300) -> list[Row]:
    """Bills whose running ``bal`` per currency ends at today's balance.

    Built newest first, walking balances backwards: ``bal`` is the balance
    after the change, the previous balance is ``bal - balChg``.
    """
    stamps = timeline(rng, count, now_ms, FORCED_CLUSTERS["bills"])
    bal_after = {row["ccy"]: Decimal(row["bal"]) for row in balances}
    rows: list[Row] = []
    for ts, bill_id in zip(stamps, numeric_ids(rng, count, 600_000_000), strict=True):
        coin = pick_coin(rng)
        kind = rng.choices(("1", "2", "13"), (55, 38, 7))[0]
        amt = Decimal(random_amount(rng, coin))
        bal = bal_after[coin.ccy]
        if kind != "2" and bal - amt < 0:  # a credit here would need a negative past balance
            kind = "2"
        change = -amt if kind == "2" else amt
        bal_after[coin.ccy] = bal - change
        rows.append(
            {
                "billId": str(bill_id),
                "ccy": coin.ccy,
                "clientId": client_id(rng) if kind == "2" and rng.random() < 0.3 else "",
                "balChg": fmt(change, coin.decimals),
                "bal": fmt(bal, coin.decimals),
                "type": kind,
                "ts": str(ts),
            }
        )
    return rows


# ------------------------------------------------------------------------- RFQ


def make_instruments(rng: random.Random) -> tuple[list[Row], dict[str, Decimal]]:
    """RFQ pairs and their (seeded) mid prices; minimums are ~10,000 USD."""
    rows: list[Row] = []
    mids: dict[str, Decimal] = {}
    for base, quote in RFQ_PAIRS:
        coin = COINS_BY_CCY[base]
        jitter = 0.001 if coin.usd == 1.0 else 0.03
        mid = Decimal(
            fmt(
                Decimal(repr(coin.usd * FIAT_PER_USD[quote] * (1 + rng.uniform(-jitter, jitter)))),
                4,
            )
        )
        base_min = Decimal(fmt(Decimal(repr(10_000 / coin.usd)), 4))
        inst_id = f"{base}-{quote}"
        mids[inst_id] = mid
        rows.append(
            {
                "baseCcy": base,
                "baseSingleMin": fmt(base_min, 4),
                "instId": inst_id,
                "quoteCcy": quote,
                "quoteSingleMin": fmt(base_min * mid, 2),
            }
        )
    return rows, mids


def trade_id(ts: int, seq: int) -> str:
    """Trade ids sort like ``(ts, seq)`` as strings (fixed-width parts)."""
    return f"tradernext2{ts}{seq:04d}"


def make_rfq_trades(
    rng: random.Random,
    now_ms: int,
    instruments: list[Row],
    mids: dict[str, Decimal],
    count: int = 40,
) -> list[Row]:
    stamps = timeline(rng, count, now_ms, FORCED_CLUSTERS["rfq_trades"])
    rows: list[Row] = []
    for index, ts in enumerate(stamps):
        inst = rng.choice(instruments)
        inst_id = inst["instId"]
        px = mids[inst_id] * Decimal(repr(1 + rng.uniform(-0.12, 0.12)))
        base_sz = Decimal(inst["baseSingleMin"]) * Decimal(rng.randint(100, 2_000)) / 100
        seq = count - index  # newest first: sequence numbers fall within a millisecond
        rows.append(
            {
                "baseCcy": inst["baseCcy"],
                "clQReqId": "q" + chars(rng, ALNUM, 15),
                "clTReqId": "t" + chars(rng, ALNUM, 15),
                "filledBaseSz": fmt(base_sz, 6),
                "filledQuoteSz": fmt(base_sz * Decimal(fmt(px, 4)), 6),
                "instId": inst_id,
                "px": fmt(px, 4),
                "quoteCcy": inst["quoteCcy"],
                "quoteId": f"quoternext{inst_id}{ts - rng.randint(300, 9_000)}{seq:04d}",
                "side": rng.choice(("buy", "sell")),
                "state": "FullyFilled",
                "tradeId": trade_id(ts, seq),
                "tradeTs": str(ts),
                "ts": str(ts),
            }
        )
    return rows


# ------------------------------------------------------------------- generate


def generate(seed: int, now_ms: int) -> SeedData:
    """The full seeded data set; deterministic in ``(seed, now_ms)``."""
    rng = random.Random(seed)
    data = SeedData(account_id=masked_account(rng), currencies=make_currencies())
    data.deposit_addresses = make_addresses(rng)
    data.balances = make_balances(rng)
    data.deposits = make_deposits(rng, now_ms, data.deposit_addresses)
    data.withdrawals = make_withdrawals(rng, now_ms, data.account_id)
    data.bills = make_bills(rng, now_ms, data.balances)
    data.rfq_instruments, data.rfq_mids = make_instruments(rng)
    data.rfq_trades = make_rfq_trades(rng, now_ms, data.rfq_instruments, data.rfq_mids)
    return data
