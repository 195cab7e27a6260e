"""The reference for ../shared/spec/candles-and-indicators.md: candles by pandas, indicators by TA-Lib itself.

`candles` aggregates sane bars into epoch-aligned candles, `indicators` calls the pinned `ta-lib` wheel on each
symbol's whole candle sequence (its defaults: classic SMA-seeded EMA, unstable period 0) and computes the five
range-based volatility estimators in numpy, `agree` applies the spec's "Comparing" rule. `COLUMNS` is the one
list of the tables' columns with each one's scale class and description (the models' YAML can be generated
from it). Shares no code with the SQL; docs/indicators.md says what TA-Lib computes and why it matters.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import NamedTuple

import numpy as np
import pandas as pd
import talib

KEY = ("symbol", "candle_at")
# Scale classes of the spec's "Comparing" rule. log_return (the volatility estimators) is not in the spec: they
# are in per-candle log-return units, so scale 1 (a 100% move); "exact" compares with no scale (counts, flags).
PRICE, VOLUME, OBV, OSCILLATOR, LOG_RETURN, EXACT = "price", "volume", "obv", "oscillator", "log_return", "exact"
OSCILLATOR_SCALE = 100.0
LOG_RETURN_SCALE = 1.0
RELATIVE_TOLERANCE = 1e-9
VOL_WINDOW = 20


class Column(NamedTuple):
    scale: str
    description: str


CANDLE_COLUMNS: dict[str, Column] = {
    "symbol": Column(EXACT, "The bars' symbol."),
    "candle_at": Column(EXACT, "Interval start, UTC, epoch-aligned: floor(epoch / seconds) * seconds."),
    "open": Column(PRICE, "Open of the interval's first bar (by timestamp)."),
    "high": Column(PRICE, "Highest high of the interval's bars."),
    "low": Column(PRICE, "Lowest low of the interval's bars."),
    "close": Column(PRICE, "Close of the interval's last bar (by timestamp)."),
    "volume": Column(VOLUME, "Sum of the bars' volume."),
    "trades": Column(EXACT, "Sum of the bars' trade counts; NULL when every bar's count is NULL."),
    "vwap": Column(PRICE, "sum(close * volume) / sum(volume) over the bars; NULL when the volume sum is 0."),
    "bar_count": Column(EXACT, "Number of bars in the interval."),
    "is_complete": Column(EXACT, "True when candle_at + interval <= the database's UTC clock at the run."),
}

INDICATOR_COLUMNS: dict[str, Column] = {
    "symbol": CANDLE_COLUMNS["symbol"],
    "candle_at": CANDLE_COLUMNS["candle_at"],
    "is_complete": CANDLE_COLUMNS["is_complete"],
    "close": CANDLE_COLUMNS["close"],
    "sma_20": Column(PRICE, "TA-Lib SMA(close, 20): mean of the last 20 closes."),
    "sma_50": Column(PRICE, "TA-Lib SMA(close, 50)."),
    "sma_200": Column(PRICE, "TA-Lib SMA(close, 200)."),
    "ema_12": Column(PRICE, "TA-Lib EMA(close, 12): seeded with the SMA of the first 12 closes, k = 2/13."),
    "ema_26": Column(PRICE, "TA-Lib EMA(close, 26)."),
    "ema_50": Column(PRICE, "TA-Lib EMA(close, 50)."),
    "ema_200": Column(PRICE, "TA-Lib EMA(close, 200)."),
    "macd": Column(PRICE, "TA-Lib MACD(close, 12, 26, 9) line: fast EMA minus slow EMA (both seeded on candle 26)."),
    "macd_signal": Column(PRICE, "TA-Lib MACD signal: EMA(9) of the MACD line, seeded with its first 9 values."),
    "macd_hist": Column(PRICE, "TA-Lib MACD histogram: macd - macd_signal."),
    "rsi_14": Column(OSCILLATOR, "TA-Lib RSI(close, 14), Wilder smoothing; 0 while no change has been non-zero."),
    "stoch_k": Column(OSCILLATOR, "TA-Lib STOCH slow %K (fast %K 14, SMA 3); fast %K is 0 on a flat window."),
    "stoch_d": Column(OSCILLATOR, "TA-Lib STOCH slow %D: SMA 3 of slow %K."),
    "willr_14": Column(OSCILLATOR, "TA-Lib WILLR(14), -100..0; 0 on a flat window."),
    "cci_20": Column(OSCILLATOR, "TA-Lib CCI(20) of the typical price (h + l + c) / 3; 0 on a flat window."),
    "mfi_14": Column(OSCILLATOR, "TA-Lib MFI(14); 0 when the window holds no money flow."),
    "roc_10": Column(OSCILLATOR, "TA-Lib ROC(close, 10): (close / close 10 candles back - 1) * 100."),
    "atr_14": Column(PRICE, "TA-Lib ATR(14): Wilder average of the true range, seeded with the mean of 14."),
    "natr_14": Column(OSCILLATOR, "TA-Lib NATR(14): atr_14 / close * 100."),
    "plus_di_14": Column(OSCILLATOR, "TA-Lib PLUS_DI(14): 100 * smoothed +DM / smoothed true range."),
    "minus_di_14": Column(OSCILLATOR, "TA-Lib MINUS_DI(14): 100 * smoothed -DM / smoothed true range."),
    "adx_14": Column(OSCILLATOR, "TA-Lib ADX(14): Wilder average of DX; unchanged where DX is undefined."),
    "bb_upper_20": Column(PRICE, "TA-Lib BBANDS(close, 20, 2, 2, SMA) upper: SMA 20 + 2 population std devs."),
    "bb_middle_20": Column(PRICE, "TA-Lib BBANDS middle band: SMA(close, 20)."),
    "bb_lower_20": Column(PRICE, "TA-Lib BBANDS lower band: SMA 20 - 2 population std devs."),
    "obv": Column(OBV, "TA-Lib OBV: starts at the first candle's volume, +/- volume on an up/down close."),
    "realized_vol_20": Column(LOG_RETURN, "Sample std dev (ddof 1) of the 20 log returns ln(c_t / c_t-1)."),
    "parkinson_vol_20": Column(LOG_RETURN, "sqrt(mean over 20 candles of ln(h/l)^2 / (4 ln 2))."),
    "garman_klass_vol_20": Column(
        LOG_RETURN, "sqrt(mean over 20 candles of 0.5 ln(h/l)^2 - (2 ln 2 - 1) ln(c/o)^2); NULL when negative."
    ),
    "rogers_satchell_vol_20": Column(LOG_RETURN, "sqrt(mean over 20 candles of ln(h/c) ln(h/o) + ln(l/c) ln(l/o))."),
    "yang_zhang_vol_20": Column(
        LOG_RETURN, "sqrt(var_o + k var_c + (1 - k) rs): overnight and open-to-close sample variances, k from n."
    ),
}

COLUMNS: dict[str, Column] = {**CANDLE_COLUMNS, **INDICATOR_COLUMNS}


def candles(bars: pd.DataFrame, interval_seconds: int, now: datetime) -> pd.DataFrame:
    """The candle table of `bars` (symbol, bar_at UTC, open, high, low, close, volume, trades) at `interval_seconds`.

    One row per symbol and epoch-aligned interval holding a bar; `now` is the database clock of the run.
    """
    columns = list(CANDLE_COLUMNS)
    if bars.empty:
        return pd.DataFrame(columns=columns)
    b = bars.sort_values(["symbol", "bar_at"], kind="stable").copy()
    at = pd.to_datetime(b["bar_at"], utc=True)
    epoch = (at - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    b["candle_at"] = pd.to_datetime((epoch // interval_seconds) * interval_seconds, unit="s", utc=True)
    b["close_volume"] = b["close"].astype(float) * b["volume"].astype(float)
    g = b.groupby(["symbol", "candle_at"], sort=True)
    out = g.agg(
        open=("open", "first"),
        high=("high", "max"),
        low=("low", "min"),
        close=("close", "last"),
        volume=("volume", "sum"),
        bar_count=("close", "size"),
        close_volume=("close_volume", "sum"),
    )
    out["trades"] = g["trades"].sum(min_count=1)
    out = out.reset_index()
    out["vwap"] = np.where(out["volume"] != 0, out["close_volume"] / out["volume"].where(out["volume"] != 0), np.nan)
    clock = pd.Timestamp(now)
    clock = clock.tz_localize("UTC") if clock.tzinfo is None else clock.tz_convert("UTC")
    out["is_complete"] = out["candle_at"] + pd.Timedelta(seconds=interval_seconds) <= clock
    return out[columns]


def _talib_columns(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, v: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for n in (20, 50, 200):
        out[f"sma_{n}"] = talib.SMA(c, n)
    for n in (12, 26, 50, 200):
        out[f"ema_{n}"] = talib.EMA(c, n)
    out["macd"], out["macd_signal"], out["macd_hist"] = talib.MACD(c, 12, 26, 9)
    out["rsi_14"] = talib.RSI(c, 14)
    out["stoch_k"], out["stoch_d"] = talib.STOCH(
        h, lo, c, fastk_period=14, slowk_period=3, slowk_matype=0, slowd_period=3, slowd_matype=0
    )
    out["willr_14"] = talib.WILLR(h, lo, c, 14)
    out["cci_20"] = talib.CCI(h, lo, c, 20)
    out["mfi_14"] = talib.MFI(h, lo, c, v, 14)
    out["roc_10"] = talib.ROC(c, 10)
    out["atr_14"] = talib.ATR(h, lo, c, 14)
    out["natr_14"] = talib.NATR(h, lo, c, 14)
    out["plus_di_14"] = talib.PLUS_DI(h, lo, c, 14)
    out["minus_di_14"] = talib.MINUS_DI(h, lo, c, 14)
    out["adx_14"] = talib.ADX(h, lo, c, 14)
    out["bb_upper_20"], out["bb_middle_20"], out["bb_lower_20"] = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    out["obv"] = talib.OBV(c, v)
    return out


def _window(x: np.ndarray, n: int) -> np.ndarray:
    """Rows of the n values ending at each position from n-1 on (shape (len - n + 1, n))."""
    return np.lib.stride_tricks.sliding_window_view(x, n)


def volatility(
    o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, n: int = VOL_WINDOW
) -> dict[str, np.ndarray]:
    """The five range-based estimators over the n candles ending at each candle (NaN where the spec says NULL).

    A window is NULL when any price its formula reads is not positive: o, h, l, c of its n candles, and the
    previous close for the two that need n + 1 candles (realized, Yang-Zhang).
    """
    size = len(c)
    names = (
        "realized_vol_20",
        "parkinson_vol_20",
        "garman_klass_vol_20",
        "rogers_satchell_vol_20",
        "yang_zhang_vol_20",
    )
    out = {name: np.full(size, np.nan) for name in names}
    if size < n:
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = (o > 0) & (h > 0) & (lo > 0) & (c > 0)
        hl, hc, ho, lc, lo_o, co = (
            np.log(h / lo),
            np.log(h / c),
            np.log(h / o),
            np.log(lo / c),
            np.log(lo / o),
            np.log(c / o),
        )
        ok_n = _window(positive, n).all(axis=1)
        park = (hl**2 / (4 * math.log(2))).astype(float)
        gk = 0.5 * hl**2 - (2 * math.log(2) - 1) * co**2
        rs = hc * ho + lc * lo_o
        rs_mean = _window(rs, n).mean(axis=1)
        gk_mean = _window(gk, n).mean(axis=1)
        out["parkinson_vol_20"][n - 1 :] = np.where(ok_n, np.sqrt(_window(park, n).mean(axis=1)), np.nan)
        out["garman_klass_vol_20"][n - 1 :] = np.where(ok_n & (gk_mean >= 0), np.sqrt(np.maximum(gk_mean, 0)), np.nan)
        out["rogers_satchell_vol_20"][n - 1 :] = np.where(
            ok_n & (rs_mean >= 0), np.sqrt(np.maximum(rs_mean, 0)), np.nan
        )
        if size < n + 1:
            return out
        ret = np.log(c[1:] / c[:-1])  # ret[i - 1] is candle i's return
        overnight = np.log(o[1:] / c[:-1])
        ok_n1 = ok_n[1:] & positive[: size - n]  # the n candles ending at t and the close before them
        var_c = _window(co[1:], n).var(axis=1, ddof=1)
        var_o = _window(overnight, n).var(axis=1, ddof=1)
        k = 0.34 / (1.34 + (n + 1) / (n - 1))
        yz = var_o + k * var_c + (1 - k) * rs_mean[1:]
        out["realized_vol_20"][n:] = np.where(ok_n1, _window(ret, n).std(axis=1, ddof=1), np.nan)
        out["yang_zhang_vol_20"][n:] = np.where(ok_n1 & (yz >= 0), np.sqrt(np.maximum(yz, 0)), np.nan)
    return out


def indicators(candle_table: pd.DataFrame) -> pd.DataFrame:
    """The indicator table of a candle table: per symbol, TA-Lib on the whole candle sequence in time order."""
    columns = list(INDICATOR_COLUMNS)
    parts = []
    for symbol, g in candle_table.sort_values(list(KEY), kind="stable").groupby("symbol", sort=True):
        o, h, lo, c, v = (
            np.ascontiguousarray(g[name].to_numpy(dtype=float)) for name in ("open", "high", "low", "close", "volume")
        )
        part = pd.DataFrame(
            {
                "symbol": symbol,
                "candle_at": g["candle_at"].to_numpy(),
                "is_complete": g["is_complete"].to_numpy(),
                "close": c,
            }
        )
        for name, values in {**_talib_columns(o, h, lo, c, v), **volatility(o, h, lo, c)}.items():
            part[name] = values
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _scales(candle_table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per symbol, the scale of each class: median close, median candle volume (x count for obv)."""
    out = {}
    for symbol, g in candle_table.groupby("symbol"):
        median_volume = float(np.median(g["volume"].astype(float))) if "volume" in g else math.nan
        out[symbol] = {
            PRICE: float(np.median(g["close"].astype(float))),
            VOLUME: median_volume,
            OBV: median_volume * len(g),
            OSCILLATOR: OSCILLATOR_SCALE,
            LOG_RETURN: LOG_RETURN_SCALE,
            EXACT: 0.0,
        }
    return out


def agree(
    ours: pd.DataFrame, ref: pd.DataFrame, key: tuple[str, ...] = KEY, candle_table: pd.DataFrame | None = None
) -> list[str]:
    """The cells where `ours` and `ref` disagree by the spec's rule, as readable lines (empty when they agree).

    a and b agree when |a - b| <= 1e-9 * max(|a|, |b|, scale); both NULL agree, NULL against a value does not.
    Scales are per symbol from `candle_table` (default `ref`, which works for candle tables; an indicator table
    has no volume, so pass its candles when obv is compared). Rows and columns missing on either side are
    reported too. Vectorized per column, so whole tables of real data compare in seconds.
    """
    candle_table = ref if candle_table is None else candle_table
    problems = [f"column {c}: only in ours" for c in ours.columns if c not in ref.columns]
    problems += [f"column {c}: only in ref" for c in ref.columns if c not in ours.columns]
    columns = [c for c in ref.columns if c in ours.columns and c not in key]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise ValueError(f"no scale class for columns {unknown}")
    scales = _scales(candle_table)
    if any(COLUMNS[c].scale in (OBV, VOLUME) for c in columns) and "volume" not in candle_table:
        raise ValueError("obv/volume scales need the candles' volume: pass candle_table")
    merged = ours.merge(ref, on=list(key), how="outer", suffixes=("_ours", "_ref"), indicator=True)
    problems += [
        f"{dict(zip(key, row, strict=True))}: only in {'ours' if side == 'left_only' else 'ref'}"
        for *row, side in merged.loc[merged["_merge"] != "both", [*key, "_merge"]].itertuples(index=False)
    ]
    both = merged[merged["_merge"] == "both"].reset_index(drop=True)

    def where(i: int) -> str:
        return ", ".join(str(both.at[i, k]) for k in key)

    for column in columns:
        a, b = both[f"{column}_ours"], both[f"{column}_ref"]
        a_null, b_null = a.isna().to_numpy(), b.isna().to_numpy()
        for i in np.flatnonzero(a_null != b_null):
            problems.append(f"{where(i)} {column}: ours {a[i]!r}, ref {b[i]!r} (NULL against a value)")
        valid = ~a_null & ~b_null
        scale_class = COLUMNS[column].scale
        if scale_class == EXACT:
            for i in np.flatnonzero(valid & (a.to_numpy() != b.to_numpy())):
                problems.append(f"{where(i)} {column}: ours {a[i]!r}, ref {b[i]!r}")
            continue
        fa = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
        fb = pd.to_numeric(b, errors="coerce").to_numpy(dtype=float)
        scale = both[key[0]].map(lambda symbol, c=scale_class: scales.get(symbol, {}).get(c, math.nan))
        tolerance = RELATIVE_TOLERANCE * np.maximum.reduce([np.abs(fa), np.abs(fb), scale.to_numpy(dtype=float)])
        with np.errstate(invalid="ignore"):
            failing = valid & ~(np.abs(fa - fb) <= tolerance)  # a NaN scale or an unparsable value fails loudly
        for i in np.flatnonzero(failing):
            problems.append(
                f"{where(i)} {column}: ours {float(fa[i])!r}, ref {float(fb[i])!r}, |diff| {abs(fa[i] - fb[i]):.3g} > "
                f"{tolerance[i]:.3g} ({scale_class} scale {scale[i]:.6g})"
            )
    return problems
