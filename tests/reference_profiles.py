"""The reference for ../shared/spec/cohort-profiles.md: symbol_regime_daily and cohort_profiles in plain pandas/numpy.

Built on the candle and indicator tables of tests/reference_indicators.py (pandas candles, TA-Lib indicators), one
symbol at a time and one row at a time where the spec says "the last k rows", so that it reads as the spec does.
`agree` applies the spec's comparing rule (1e-9 relative; percentiles and shares with scale 100). Shares no code
with the SQL or with the `pipeline` package; docs/profiles.md explains the definitions.

"Equal" for two computed values (the mid-rank's ties, q75 = q25, sma_50 = sma_200, close > sma_50) is the spec's
comparing rule itself: TA-Lib's rounding leaves a flat stretch's RSI or ADX a cluster of values a few ulps apart,
which an exact test would rank as noise.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

RELATIVE = 1e-9
INTERVAL_SECONDS = {"15m": 900, "1h": 3600, "4h": 14400, "1d": 86400}
COHORTS = ("gainers", "losers", "overlaps")
REGIMES = ("high_vol", "trend_up", "trend_down", "range", "transition")

# scale classes of the comparison: EXACT (keys, labels, counts), RELATIVE_ONLY (prices), or a number
EXACT, PRICE = "exact", "price"
PERCENT, UNIT = 100.0, 1.0

# the 12 features in the spec's order, each with its comparing scale (100 for oscillators and percent units)
FEATURES = {
    "rsi_14": PERCENT,
    "natr_14": PERCENT,
    "adx_14": PERCENT,
    "roc_10": PERCENT,
    "mfi_14": PERCENT,
    "cci_20": PERCENT,
    "willr_14": PERCENT,
    "realized_vol_20": UNIT,
    "parkinson_vol_20": UNIT,
    "bb_position": UNIT,
    "macd_hist_pct": PERCENT,
    "volume_ratio_20": UNIT,
}
COPIED = list(FEATURES)[:9]

REGIME_COLUMNS = {
    "symbol": EXACT,
    "regime_date": EXACT,
    "close": PRICE,
    "roc_7d": PERCENT,
    "roc_30d": PERCENT,
    "roc_90d": PERCENT,
    "rv_30d": UNIT,
    "rv_90d": UNIT,
    "skew_90d": UNIT,
    "kurtosis_90d": UNIT,
    "sma_50": PRICE,
    "sma_200": PRICE,
    "adx_14": PERCENT,
    "plus_di_14": PERCENT,
    "minus_di_14": PERCENT,
    "natr_14": PERCENT,
    "ma_trend": EXACT,
    "sma_50_slope_20d": UNIT,
    "above_sma_50_share_30d": PERCENT,
    "new_high_20d_share_30d": PERCENT,
    "new_low_20d_share_30d": PERCENT,
    "drawdown_90d": UNIT,
    "rv_30d_pctile_365d": PERCENT,
    "regime": EXACT,
}
PROFILE_COLUMNS = {
    "cohort": EXACT,
    "symbol": EXACT,
    "interval": EXACT,
    "as_of": EXACT,
    "candle_at": EXACT,
    **FEATURES,
    **{f"{name}_pctile": PERCENT for name in FEATURES},
    **{f"{name}_z": UNIT for name in FEATURES},
    "baseline_n": EXACT,
    "regime": EXACT,
    "rv_30d": UNIT,
    "drawdown_90d": UNIT,
    "ma_trend": EXACT,
}


def equal(a, b, scale: float = 0.0):
    """The spec's comparing rule: |a - b| <= 1e-9 * max(|a|, |b|, scale) (arrays or numbers)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) <= RELATIVE * np.maximum(np.maximum(np.abs(a), np.abs(b)), scale)


def midrank(x: float, values: np.ndarray, scale: float) -> float:
    """Section 3: 100 * (#{b < x} + 0.5 * #{b = x}) / n."""
    same = equal(values, x, scale)
    below = (values < x) & ~same
    return 100.0 * (below.sum() + 0.5 * same.sum()) / len(values)


def _regime(rv_pctile: float, adx: float, plus_di: float, minus_di: float, ma_trend: float) -> str | None:
    if math.isnan(adx) or math.isnan(ma_trend):
        return None
    if not math.isnan(rv_pctile) and rv_pctile >= 80:
        return "high_vol"
    if adx >= 25 and plus_di > minus_di and ma_trend == 1:
        return "trend_up"
    if adx >= 25 and minus_di > plus_di and ma_trend == -1:
        return "trend_down"
    if adx < 20:
        return "range"
    return "transition"


def _one_symbol_regime(g: pd.DataFrame) -> pd.DataFrame:
    c, h = g["close"].to_numpy(float), g["high"].to_numpy(float)
    sma50, sma200 = g["sma_50"].to_numpy(float), g["sma_200"].to_numpy(float)
    n = len(c)
    r = np.full(n, np.nan)
    r[1:] = np.log(c[1:] / c[:-1])
    out = {name: np.full(n, np.nan) for name in REGIME_COLUMNS if name not in ("symbol", "regime_date", "regime")}
    out["close"] = c
    for name in ("sma_50", "sma_200", "adx_14", "plus_di_14", "minus_di_14", "natr_14"):
        out[name] = g[name].to_numpy(float)
    new_high = np.full(n, np.nan)
    new_low = np.full(n, np.nan)
    for t in range(n):
        for k in (7, 30, 90):  # fewer than k + 1 rows: NULL
            if t >= k:
                out[f"roc_{k}d"][t] = 100 * (c[t] / c[t - k] - 1)
        for k in (30, 90):  # the last k returns (row t has t of them)
            if t >= k:
                out[f"rv_{k}d"][t] = np.std(r[t - k + 1 : t + 1], ddof=1) * math.sqrt(365)
        if t >= 90:
            w = r[t - 89 : t + 1]
            d = w - w.mean()
            m2 = np.mean(d**2)
            if m2 != 0:
                out["skew_90d"][t] = np.mean(d**3) / m2**1.5
                out["kurtosis_90d"][t] = np.mean(d**4) / m2**2 - 3
        if not (math.isnan(sma50[t]) or math.isnan(sma200[t])):
            out["ma_trend"][t] = 0 if equal(sma50[t], sma200[t]) else (1 if sma50[t] > sma200[t] else -1)
        if t >= 20:
            out["sma_50_slope_20d"][t] = (sma50[t] - sma50[t - 20]) / sma50[t - 20]
            new_high[t] = float(c[t] >= c[t - 20 : t].max())
            new_low[t] = float(c[t] <= c[t - 20 : t].min())
        with_sma = [j for j in range(t + 1) if not math.isnan(sma50[j])][-30:]
        if len(with_sma) == 30:
            above = [c[j] > sma50[j] and not equal(c[j], sma50[j]) for j in with_sma]
            out["above_sma_50_share_30d"][t] = sum(above) / 30
        if t + 1 >= 50:
            last = range(t - 29, t + 1)
            out["new_high_20d_share_30d"][t] = np.nansum([new_high[j] for j in last]) / 30
            out["new_low_20d_share_30d"][t] = np.nansum([new_low[j] for j in last]) / 30
        if t + 1 >= 90:
            out["drawdown_90d"][t] = c[t] / h[t - 89 : t + 1].max() - 1
    rv = out["rv_30d"]
    for t in range(n):
        before = rv[max(0, t - 365) : t]
        before = before[~np.isnan(before)]
        if not math.isnan(rv[t]) and len(before) >= 60:
            out["rv_30d_pctile_365d"][t] = midrank(rv[t], before, UNIT)
    frame = pd.DataFrame(out)
    frame.insert(0, "regime_date", pd.to_datetime(g["candle_at"]).dt.tz_localize(None).dt.normalize().to_numpy())
    frame.insert(0, "symbol", g["symbol"].to_numpy())
    frame["regime"] = [
        _regime(*values)
        for values in zip(
            frame["rv_30d_pctile_365d"],
            frame["adx_14"],
            frame["plus_di_14"],
            frame["minus_di_14"],
            frame["ma_trend"],
            strict=True,
        )
    ]
    return frame[list(REGIME_COLUMNS)]


def regime_daily(candles_1d: pd.DataFrame, indicators_1d: pd.DataFrame) -> pd.DataFrame:
    """symbol_regime_daily: one row per symbol and complete daily candle."""
    complete = candles_1d[candles_1d["is_complete"].astype(bool)][["symbol", "candle_at", "high", "close"]]
    columns = ["symbol", "candle_at", "sma_50", "sma_200", "adx_14", "plus_di_14", "minus_di_14", "natr_14"]
    days = complete.merge(indicators_1d[columns], on=["symbol", "candle_at"], how="left")
    parts = [_one_symbol_regime(g.sort_values("candle_at")) for _, g in days.groupby("symbol", sort=True)]
    if not parts:
        return pd.DataFrame(columns=list(REGIME_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def _features(candles: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Every complete candle with its 12 features (per symbol, in time order)."""
    complete = candles[candles["is_complete"].astype(bool)][["symbol", "candle_at", "volume"]]
    columns = ["symbol", "candle_at", "close", *COPIED, "bb_upper_20", "bb_lower_20", "macd_hist"]
    rows = complete.merge(indicators[columns], on=["symbol", "candle_at"], how="left")
    parts = []
    for _, g in rows.groupby("symbol", sort=True):
        g = g.sort_values("candle_at").reset_index(drop=True)
        upper, lower, close = (g[c].to_numpy(float) for c in ("bb_upper_20", "bb_lower_20", "close"))
        width = upper - lower
        with np.errstate(divide="ignore", invalid="ignore"):
            g["bb_position"] = np.where(np.isnan(width) | equal(upper, lower), np.nan, (close - lower) / width)
        g["macd_hist_pct"] = 100 * g["macd_hist"].to_numpy(float) / close
        volume = g["volume"].to_numpy(float)
        ratio = np.full(len(g), np.nan)
        for t in range(20, len(g)):
            mean = np.mean(volume[t - 20 : t])  # the 20 candles before it
            if mean != 0:
                ratio[t] = volume[t] / mean
        g["volume_ratio_20"] = ratio
        parts.append(g)
    if not parts:
        return pd.DataFrame(columns=[*columns, "bb_position", "macd_hist_pct", "volume_ratio_20"])
    return pd.concat(parts, ignore_index=True)


def cohort_profiles(
    candles: dict[str, pd.DataFrame],
    indicators: dict[str, pd.DataFrame],
    members: list[tuple[str, str]],
    as_of: datetime,
    regimes: pd.DataFrame,
    *,
    baseline_days: int = 90,
    intervals: tuple[str, ...] = ("1h", "4h", "1d"),
) -> pd.DataFrame:
    """cohort_profiles: one row per (cohort, symbol) of `members` and interval with a profile candle.

    `candles` and `indicators` are the reference tables per interval (candle_at UTC), `as_of` naive UTC,
    `regimes` the output of regime_daily.
    """
    as_of_ts = pd.Timestamp(as_of, tz="UTC")
    rows = []
    for interval in intervals:
        table = _features(candles[interval], indicators[interval])
        by_symbol = {s: g for s, g in table.groupby("symbol")}
        for cohort, symbol in members:
            g = by_symbol.get(symbol)
            if g is None:
                continue
            eligible = g[g["candle_at"] + pd.Timedelta(seconds=INTERVAL_SECONDS[interval]) <= as_of_ts]
            if eligible.empty:
                continue
            profile = eligible.iloc[-1]
            at = profile["candle_at"]
            baseline = g[(g["candle_at"] >= at - pd.Timedelta(days=baseline_days)) & (g["candle_at"] < at)]
            row = {
                "cohort": cohort,
                "symbol": symbol,
                "interval": interval,
                "as_of": pd.Timestamp(as_of),
                "candle_at": at.tz_localize(None),
            }
            scores = {}
            for name, scale in FEATURES.items():
                x = float(profile[name])
                values = baseline[name].to_numpy(float)
                values = values[~np.isnan(values)]
                row[name] = x
                pctile = z = math.nan
                if not math.isnan(x) and len(values) >= 30:
                    pctile = midrank(x, values, scale)
                    q25, q50, q75 = np.quantile(values, [0.25, 0.5, 0.75])
                    if not equal(q75, q25, scale):
                        z = (x - q50) / ((q75 - q25) / 1.349)
                scores[f"{name}_pctile"], scores[f"{name}_z"] = pctile, z
            row.update({k: v for k, v in scores.items() if k.endswith("_pctile")})
            row.update({k: v for k, v in scores.items() if k.endswith("_z")})
            row["baseline_n"] = len(baseline)
            days = regimes[
                (regimes["symbol"] == symbol)
                & (pd.to_datetime(regimes["regime_date"]) + timedelta(days=1) <= pd.Timestamp(as_of))
            ]
            last = days.iloc[-1] if len(days) else None
            row["regime"] = None if last is None else last["regime"]
            for name in ("rv_30d", "drawdown_90d", "ma_trend"):
                row[name] = math.nan if last is None else float(last[name])
            rows.append(row)
    return pd.DataFrame(rows, columns=list(PROFILE_COLUMNS))


def agree(ours: pd.DataFrame, ref: pd.DataFrame, key: tuple[str, ...], scales: dict[str, object]) -> list[str]:
    """The cells where `ours` and `ref` disagree by the spec's rule, as readable lines (empty when they agree).

    Both NULL agree, NULL against a value does not; EXACT columns compare with ==, PRICE ones relative only, the
    others with their scale. Rows only on one side are reported too.
    """
    problems = [f"column {c}: only in ours" for c in ours.columns if c not in ref.columns]
    problems += [f"column {c}: only in ref" for c in ref.columns if c not in ours.columns]
    merged = ours.merge(ref, on=list(key), how="outer", suffixes=("_ours", "_ref"), indicator=True)
    for *values, side in merged.loc[merged["_merge"] != "both", [*key, "_merge"]].itertuples(index=False):
        problems.append(f"{dict(zip(key, values, strict=True))}: only in {'ours' if side == 'left_only' else 'ref'}")
    both = merged[merged["_merge"] == "both"].reset_index(drop=True)
    for column, scale in scales.items():
        if column in key or column not in ours.columns or column not in ref.columns:
            continue
        a, b = both[f"{column}_ours"], both[f"{column}_ref"]
        a_null, b_null = a.isna().to_numpy(), b.isna().to_numpy()
        bad = a_null != b_null
        valid = ~a_null & ~b_null
        if scale == EXACT:
            bad |= valid & (a.astype(object).to_numpy() != b.astype(object).to_numpy())
        else:
            fa, fb = a.to_numpy(dtype=float, na_value=np.nan), b.to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                bad |= valid & ~equal(fa, fb, 0.0 if scale == PRICE else float(scale))
        for i in np.flatnonzero(bad):
            where = ", ".join(str(both.at[i, k]) for k in key)
            problems.append(f"{where} {column}: ours {a[i]!r}, ref {b[i]!r}")
    return problems
