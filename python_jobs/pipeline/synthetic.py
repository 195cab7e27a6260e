"""Realistic synthetic one-minute bars for demos, tests and benchmarks. Seeded and deterministic.

Each symbol gets a character, cycling through:

* ``gainer`` / ``loser``: a steady trend (+/-25..90% over the period) with ordinary noise;
* ``mean_reverting``: a volatile name pulled back to its level (Ornstein-Uhlenbeck in log price);
* ``cyclic``: a strong multi-day cycle (2..7 days) on top of a random walk;
* ``random_walk``: no drift.

All names share an intraday cycle (24 h, plus a weaker 8 h harmonic) in volatility, volume and
a small price component, volatility clustering, log-normal volume with spikes that coincide with
larger moves, and Poisson trade counts. Prices live on a per-symbol tick grid and always satisfy
low <= min(open, close) <= max(open, close) <= high. With ``gaps``, illiquid names have no bar
in minutes without trades (as on real exchanges), and every name loses a few short outages.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

KINDS = ("gainer", "loser", "mean_reverting", "cyclic", "random_walk")
MINUTES_PER_DAY = 1440
_SYLLABLES = ("ka", "zo", "ri", "mu", "te", "lo", "ne", "va", "shi", "do", "pe", "qua", "xi", "bo",
              "fa", "gu", "ny", "ra", "se", "tu")


@dataclass(frozen=True)
class SymbolSpec:
    symbol: str
    kind: str
    start_price: float
    annual_vol: float
    liquidity: float  # mean trades per minute


def symbol_name(index: int) -> str:
    """A stable, plausible ticker for the index-th synthetic symbol (quoted in USD)."""
    a = _SYLLABLES[index % len(_SYLLABLES)]
    b = _SYLLABLES[(index // len(_SYLLABLES) + 3 * index) % len(_SYLLABLES)]
    return f"{(a + b).upper()[:5]}{index:03d}USD"


def symbol_specs(n_symbols: int, seed: int) -> list[SymbolSpec]:
    rng = np.random.default_rng([seed, 0])
    specs = []
    for i in range(n_symbols):
        specs.append(SymbolSpec(
            symbol=symbol_name(i),
            kind=KINDS[i % len(KINDS)],
            start_price=float(10 ** rng.uniform(-3, 4.5)),
            annual_vol=float(rng.uniform(0.5, 1.6)),
            liquidity=float(10 ** rng.uniform(-0.3, 1.7)),
        ))
    return specs


def default_end(now: datetime | None = None) -> datetime:
    """The start of the current UTC minute: bars end just before it."""
    now = now or datetime.now(UTC)
    return now.replace(second=0, microsecond=0, tzinfo=UTC)


def generate_symbol(spec: SymbolSpec, *, days: float, end: datetime, seed: int, index: int,
                    gaps: bool = False) -> pd.DataFrame:
    """Minute bars of one symbol over the `days` days before `end` (FRAME_COLUMNS layout)."""
    rng = np.random.default_rng([seed, index + 1])
    n = round(days * MINUTES_PER_DAY)
    end_epoch = int(end.timestamp()) // 60 * 60
    ts = end_epoch - 60 * np.arange(n, 0, -1, dtype=np.int64)
    minute_of_day = (ts // 60) % MINUTES_PER_DAY
    phase = 2 * math.pi * minute_of_day / MINUTES_PER_DAY
    t_days = (ts - ts[0]) / 86400.0

    # Volatility: intraday seasonality (busiest around 14-16 UTC) times a clustered regime.
    sigma = spec.annual_vol / math.sqrt(365 * MINUTES_PER_DAY)
    seasonal = 1.0 + 0.35 * np.cos(phase - 2 * math.pi * 15 / 24) + 0.1 * np.cos(3 * phase)
    regime = np.exp(_ou(rng, n, theta=1 / 720, scale=0.35))
    step_sigma = sigma * seasonal * regime

    shocks = rng.standard_t(df=4, size=n) / math.sqrt(2.0)
    returns = step_sigma * shocks
    drift_total = {"gainer": rng.uniform(0.25, 0.9), "loser": -rng.uniform(0.25, 0.6)}.get(spec.kind, 0.0)
    log_price = np.cumsum(returns) + math.log1p(drift_total) * (np.arange(n) / max(n - 1, 1))
    if spec.kind == "mean_reverting":
        log_price = _ou(rng, n, theta=1 / 240, scale=sigma * math.sqrt(240) * 3.0) + 0.2 * np.cumsum(returns)
    elif spec.kind == "cyclic":
        period = rng.uniform(2, 7)
        log_price += rng.uniform(0.05, 0.15) * np.sin(2 * math.pi * t_days / period + rng.uniform(0, 6.3))
    log_price += 0.004 * np.sin(phase + rng.uniform(0, 6.3))  # small intraday price cycle

    tick = 10 ** (math.floor(math.log10(spec.start_price)) - 5)
    close = np.maximum(np.round(spec.start_price * np.exp(log_price) / tick), 1) * tick
    open_ = np.empty(n)
    open_[0] = close[0]
    open_[1:] = close[:-1]
    wick = np.abs(rng.normal(size=(2, n))) * step_sigma * 0.6
    high = np.ceil(np.maximum(open_, close) * np.exp(wick[0]) / tick - 1e-9) * tick
    low = np.floor(np.minimum(open_, close) * np.exp(-wick[1]) / tick + 1e-9) * tick
    low = np.maximum(low, tick)
    high = np.maximum(high, np.maximum(open_, close))
    low = np.minimum(low, np.minimum(open_, close))

    # Activity: log-normal volume, intraday seasonality, moves attract volume, decaying spikes.
    move = np.abs(returns) / np.maximum(step_sigma, 1e-12)
    spikes = np.zeros(n)
    for start in np.flatnonzero(rng.random(n) < 2.0 / MINUTES_PER_DAY):
        length = int(rng.integers(10, 90))
        spikes[start:start + length] += rng.uniform(3, 25) * np.exp(-np.arange(min(length, n - start)) / 20)
    intensity = spec.liquidity * seasonal * (0.6 + 0.4 * move) * (1 + spikes)
    trades = rng.poisson(intensity)
    notional = rng.lognormal(mean=math.log(2000), sigma=0.9, size=n) * intensity / max(spec.liquidity, 1e-9)
    volume = np.round(notional * np.maximum(trades, 1) / close, 8)

    frame = pd.DataFrame({
        "symbol": spec.symbol, "ts": ts, "open": open_, "high": high, "low": low, "close": close,
        "volume": volume, "trades": trades.astype(np.int64),
    })
    if gaps:
        keep = np.ones(n, dtype=bool)
        if spec.liquidity < 2:
            keep &= trades > 0  # no trade, no bar
        for start in rng.integers(0, n, size=max(1, int(days / 4))):
            keep[start:start + int(rng.integers(5, 180))] = False
        keep[-1] = True
        frame = frame[keep]
    else:
        frame.loc[frame["trades"] == 0, "volume"] = 0.0
    return frame.reset_index(drop=True)


def _ou(rng: np.random.Generator, n: int, *, theta: float, scale: float) -> np.ndarray:
    """A stationary Ornstein-Uhlenbeck path with mean 0 and stationary standard deviation `scale`."""
    from scipy.signal import lfilter

    phi = math.exp(-theta)
    noise = rng.normal(size=n) * scale * math.sqrt(1 - phi * phi)
    first = rng.normal() * scale
    path = lfilter([1.0], [1.0, -phi], noise, zi=[phi * first])[0]
    return path


def generate(n_symbols: int, days: float, *, end: datetime | None = None, seed: int = 7,
             gaps: bool = False) -> Iterator[tuple[SymbolSpec, pd.DataFrame]]:
    """Yield (spec, bars) for each synthetic symbol."""
    end = default_end(end)
    for index, spec in enumerate(symbol_specs(n_symbols, seed)):
        yield spec, generate_symbol(spec, days=days, end=end, seed=seed, index=index, gaps=gaps)


def to_kraken_csv(frame: pd.DataFrame, path) -> None:
    """Write one symbol's bars as a Kraken OHLCVT download (no header)."""
    frame.to_csv(path, header=False, index=False,
                 columns=["ts", "open", "high", "low", "close", "volume", "trades"], lineterminator="\n")


def describe_end(end: datetime, days: float) -> str:
    start = end - timedelta(days=days)
    return f"{start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC"
