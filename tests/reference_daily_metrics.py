"""A plain implementation of ../shared/spec/daily-metrics.md: each window computed from the raw bars.

For every symbol and UTC date (first bar's date through latest bar's date) and every window, the
bars with timestamps in [snapshot end - w minutes, snapshot end) are sliced out and the 26 metrics
computed the straightforward way. Shares no code with the dbt model. Undefined values are None.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy.signal import lfilter

WINDOWS = {"15m": 15, "30m": 30, "1h": 60, "6h": 360, "12h": 720, "24h": 1440, "7d": 10080, "30d": 43200}
METRICS = ("close_mean", "sma", "close_stddev", "close_min", "close_max", "volume_sum", "vwap",
           "price_deviation_vwap", "roc", "returns_log", "ema_fast", "ema_slow", "macd", "macd_signal",
           "macd_histogram", "bollinger_upper", "bollinger_lower", "bollinger_width", "rsi", "atr",
           "stochastic_k", "stochastic_d", "obv", "cci", "adx", "average_trades")
DAY = 86400


def columns() -> list[str]:
    """The table's columns in order (after metric_date, symbol, as_of_ts, last_updated_ts)."""
    return [f"{m}_{s}" for m in METRICS for s in WINDOWS] + [f"bars_{s}" for s in WINDOWS]


def ema(values: np.ndarray, span: int) -> np.ndarray:
    """The exponential average at every position, seeded with the first value:
    e_0 = x_0, e_k = a x_k + (1 - a) e_(k-1), a = 2 / (span + 1) (the recurrence, run by lfilter)."""
    a = 2.0 / (span + 1)
    out, _ = lfilter([a], [1.0, -(1 - a)], values, zi=[(1 - a) * values[0]])
    out[0] = values[0]
    return out


def spans(minutes: int) -> tuple[int, int, int]:
    return max(2, math.floor(0.2 * minutes)), max(2, math.floor(0.4 * minutes)), max(2, math.floor(0.15 * minutes))


def window_metrics(c: np.ndarray, h: np.ndarray, lo: np.ndarray, v: np.ndarray, t: np.ndarray,
                   minutes: int) -> dict[str, float | None]:
    """The 26 metrics of one window's bars (time order)."""
    n = len(c)
    out: dict[str, float | None] = dict.fromkeys(METRICS)
    if n == 0:
        return out
    mean = float(np.mean(c))
    out["close_mean"] = out["sma"] = mean
    # flat prices have a deviation of exactly 0 (np.mean of equal values can be off by an ulp)
    out["close_stddev"] = 0.0 if c.max() == c.min() else float(np.sqrt(np.mean((c - mean) ** 2)))
    out["close_min"], out["close_max"] = float(c.min()), float(c.max())
    # a NULL (NaN) volume or trade count is missing: sums and means skip it
    vol = float(np.nansum(v)) if not np.isnan(v).all() else math.nan
    out["volume_sum"] = vol
    if not math.isnan(vol) and vol != 0:
        vwap = float(np.nansum(c * v)) / vol
        out["vwap"] = vwap
        out["price_deviation_vwap"] = (c[-1] - vwap) / vwap if vwap != 0 else None
    if c[0] != 0:
        out["roc"] = (c[-1] - c[0]) / c[0] * 100
        out["returns_log"] = math.log(c[-1] / c[0])
    fast_span, slow_span, signal_span = spans(minutes)
    # The averages of c - c0, plus c0: the same numbers, without losing digits when MACD subtracts
    # two averages near 50,000 that differ by 0.01 (the plain recurrence on c loses about 1e-9).
    fast, slow = ema(c - c[0], fast_span), ema(c - c[0], slow_span)
    signal = ema(fast - slow, signal_span)
    out["ema_fast"], out["ema_slow"] = float(c[0] + fast[-1]), float(c[0] + slow[-1])
    out["macd"] = float(fast[-1] - slow[-1])
    out["macd_signal"] = float(signal[-1])
    out["macd_histogram"] = out["macd"] - out["macd_signal"]
    tp = (h + lo + c) / 3
    # Deviations from the mean of differences to the last typical price (exact for nearby prices), not of
    # the prices: at 20,870 the mean itself carries 4e-12 of rounding, which is 2e-9 of a deviation of 0.002.
    tp_from_last = tp - tp[-1]
    deviation_mean = float(np.mean(tp_from_last))
    tp_mean = float(tp[-1]) + deviation_mean
    flat_tp = tp.max() == tp.min()
    tp_std = 0.0 if flat_tp else float(np.sqrt(np.mean((tp_from_last - deviation_mean) ** 2)))
    out["bollinger_upper"], out["bollinger_lower"] = tp_mean + 2 * tp_std, tp_mean - 2 * tp_std
    out["bollinger_width"] = out["bollinger_upper"] - out["bollinger_lower"]
    d = np.diff(c)
    if len(d):
        g, q = float(np.mean(np.maximum(d, 0))), float(np.mean(np.maximum(-d, 0)))
    else:
        g, q = 0.0, 0.0
    out["rsi"] = (100 - 100 / (1 + g / q)) if q != 0 else (100.0 if g > 0 else 50.0)
    tr = h - lo
    if n > 1:
        tr = tr.copy()
        tr[1:] = np.maximum.reduce([h[1:] - lo[1:], np.abs(h[1:] - c[:-1]), np.abs(lo[1:] - c[:-1])])
    atr = float(np.mean(tr))
    out["atr"] = atr
    span = c.max() - c.min()
    if span != 0:
        # the ratio first: a last close at the top gives exactly 100
        out["stochastic_k"] = out["stochastic_d"] = 100 * ((c[-1] - c.min()) / span)
    out["obv"] = float(np.nansum(np.sign(d) * v[1:])) if n > 1 else 0.0
    mad = 0.0 if flat_tp else float(np.mean(np.abs(tp_from_last - deviation_mean)))
    out["cci"] = -deviation_mean / (0.015 * mad) if mad != 0 else None
    if n >= 2 and atr != 0:
        dp = float(np.mean(np.maximum(h[1:] - h[:-1], 0)))
        dm = float(np.mean(np.maximum(lo[:-1] - lo[1:], 0)))
        if dp + dm != 0:
            pdi, mdi = 100 * dp / atr, 100 * dm / atr
            out["adx"] = 100 * abs(pdi - mdi) / (pdi + mdi)
    out["average_trades"] = float(np.nanmean(t)) if not np.isnan(t).all() else math.nan
    return {k: (None if val is None or (isinstance(val, float) and math.isnan(val)) else float(val))
            for k, val in out.items()}


def snapshots(epochs: np.ndarray, current_day: int) -> Iterator[tuple[int, int]]:
    """(metric_date as epoch day start, snapshot end) per date of one symbol's bars."""
    first_day, last_day = epochs[0] // DAY * DAY, epochs[-1] // DAY * DAY
    for day in range(first_day, last_day + DAY, DAY):
        end = int(epochs[-1]) + 60 if day == current_day else day + DAY
        yield day, end


def compute(bars: pd.DataFrame) -> pd.DataFrame:
    """Every row of ohlc_metrics_daily from bars (symbol, ts epoch seconds, high, low, close, volume, trades)."""
    current_day = int(bars["ts"].max()) // DAY * DAY
    rows = []
    for symbol, frame in bars.sort_values(["symbol", "ts"]).groupby("symbol", sort=True):
        ts = frame["ts"].to_numpy(np.int64)
        arrays = [frame[k].to_numpy(np.float64) for k in ("close", "high", "low", "volume", "trades")]
        for day, end in snapshots(ts, current_day):
            row: dict[str, object] = {"metric_date": pd.Timestamp(day, unit="s").date(), "symbol": symbol,
                                      "as_of_ts": pd.Timestamp(end, unit="s")}
            for suffix, minutes in WINDOWS.items():
                lo_i, hi_i = np.searchsorted(ts, end - 60 * minutes), np.searchsorted(ts, end)
                c, h, lo, v, t = (a[lo_i:hi_i] for a in arrays)
                for metric, value in window_metrics(c, h, lo, v, t, minutes).items():
                    row[f"{metric}_{suffix}"] = value
                row[f"bars_{suffix}"] = int(hi_i - lo_i)
            rows.append(row)
    return pd.DataFrame(rows, columns=["metric_date", "symbol", "as_of_ts", *columns()])
