"""The emulator's coin catalogue: currencies, their chains, fees and limits, RFQ pairs."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COINS", "COINS_BY_CCY", "COIN_WEIGHTS", "FIAT_PER_USD", "RFQ_PAIRS", "Chain", "Coin"]


@dataclass(frozen=True)
class Chain:
    name: str
    kind: str  # address/tx-hash style: btc, evm, tron, ltc, xrp, sol
    main: bool
    contract: str  # token contract address, "" for a native coin
    min_fee: str
    max_fee: str
    confirms: int


@dataclass(frozen=True)
class Coin:
    ccy: str
    name: str
    decimals: int  # display precision of amounts (also wdTickSz)
    low: float  # typical transfer size range
    high: float
    usd: float  # rough USD price, for balances and RFQ prices
    chains: tuple[Chain, ...]
    need_tag: bool = False


def _evm(name: str, contract: str, fees: tuple[str, str], main: bool = False) -> Chain:
    return Chain(name, "evm", main, contract, fees[0], fees[1], 64)


# fmt: off
COINS: tuple[Coin, ...] = (
    Coin("BTC", "Bitcoin", 8, 0.0005, 3.0, 67_000.0, (
        Chain("BTC-Bitcoin", "btc", True, "", "0.0001", "0.0005", 1),
        _evm("BTC-ERC20", "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599", ("0.00002", "0.0001")),
    )),
    Coin("ETH", "Ethereum", 8, 0.01, 40.0, 3_500.0, (
        _evm("ETH-Ethereum", "", ("0.0008", "0.004"), main=True),
        _evm("ETH-Arbitrum One", "", ("0.0001", "0.0004")),
        _evm("ETH-Optimism", "", ("0.00004", "0.0002")),
    )),
    Coin("USDT", "Tether", 6, 10.0, 250_000.0, 1.0, (
        _evm("USDT-ERC20", "0xdac17f958d2ee523a2206206994597c13d831ec7", ("2.4", "12"), True),
        Chain("USDT-TRC20", "tron", False, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "0.8", "1.6", 1),
        _evm("USDT-Polygon", "0xc2132d05d31c914a87c6611c10748aeb04b58e8f", ("0.8", "1.6")),
    )),
    Coin("USDC", "USD Coin", 6, 10.0, 200_000.0, 1.0, (
        _evm("USDC-ERC20", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", ("2.5", "12"), True),
        _evm("USDC-Polygon", "0x3c499c542cef5e3811e1192ce70d8cc03d5c3359", ("0.1", "0.5")),
        Chain("USDC-Solana", "sol", False, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
              "0.1", "0.5", 32),
    )),
    Coin("OKB", "OKB", 8, 1.0, 2_000.0, 50.0, (
        _evm("OKB-ERC20", "0x75231f58b43240c9718dd58b4967c5114342a86c", ("0.2", "1"), True),
        _evm("OKB-X Layer", "", ("0.0002", "0.001")),
    )),
    Coin("LTC", "Litecoin", 8, 0.1, 500.0, 85.0, (
        Chain("LTC-Litecoin", "ltc", True, "", "0.001", "0.004", 4),
    )),
    Coin("XRP", "Ripple", 6, 20.0, 100_000.0, 0.6, (
        Chain("XRP-Ripple", "xrp", True, "", "0.2", "0.4", 1),
    ), need_tag=True),
    Coin("TRX", "TRON", 6, 100.0, 500_000.0, 0.12, (
        Chain("TRX-TRC20", "tron", True, "", "1", "3", 1),
    )),
)
# fmt: on
COINS_BY_CCY = {coin.ccy: coin for coin in COINS}
# How often each currency shows up in histories (stablecoins dominate).
COIN_WEIGHTS = (14, 12, 30, 16, 6, 6, 8, 8)

# RFQ pairs: (base, quote); quote prices derive from the coin's USD price.
# fmt: off
RFQ_PAIRS = (
    ("BTC", "USD"), ("ETH", "USD"), ("BTC", "USDT"), ("ETH", "USDT"),
    ("BTC", "HKD"), ("ETH", "HKD"), ("USDT", "USD"), ("USDC", "USD"),
)
# fmt: on
FIAT_PER_USD = {"USD": 1.0, "USDT": 1.0003, "HKD": 7.82}
