"""The candles-and-indicators reference (tests/reference_indicators.py) on cases worked out by hand.

The SQL models will be compared with this reference, so the reference is checked here against values computed
by hand from ../shared/spec/candles-and-indicators.md and TA-Lib's documented seeding (docs/indicators.md).
"""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from reference_indicators import (
    CANDLE_COLUMNS,
    COLUMNS,
    EXACT,
    INDICATOR_COLUMNS,
    agree,
    candles,
    indicators,
    volatility,
)

T0 = pd.Timestamp("2024-03-05 00:00", tz="UTC")
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def bars_at(minutes: list[int], symbol: str = "S", **columns) -> pd.DataFrame:
    n = len(minutes)
    close = np.asarray(columns.get("close", np.arange(1.0, n + 1)), dtype=float)
    frame = pd.DataFrame(
        {
            "symbol": symbol,
            "bar_at": [T0 + pd.Timedelta(minutes=m) for m in minutes],
            "open": columns.get("open", close),
            "high": columns.get("high", close + 0.5),
            "low": columns.get("low", close - 0.5),
            "close": close,
            "volume": columns.get("volume", np.ones(n)),
            "trades": columns.get("trades", np.full(n, 2.0)),
        }
    )
    return frame


def candle_table(close: list[float], volume: list[float] | None = None, spread: float = 0.5) -> pd.DataFrame:
    """One candle per minute with the given closes (open = previous close), already a candle table."""
    c = np.asarray(close, dtype=float)
    o = np.r_[c[0], c[:-1]]
    return pd.DataFrame(
        {
            "symbol": "S",
            "candle_at": [T0 + pd.Timedelta(minutes=i) for i in range(len(c))],
            "open": o,
            "high": np.maximum(o, c) + spread,
            "low": np.minimum(o, c) - spread,
            "close": c,
            "volume": np.ones(len(c)) if volume is None else np.asarray(volume, dtype=float),
            "trades": 1.0,
            "vwap": c,
            "bar_count": 1,
            "is_complete": True,
        }
    )


def test_candles_of_bars_that_start_mid_candle():
    # bars 00:07..00:20 and, after a gap, 01:02: 15m candles 00:00 (8 bars), 00:15 (6 bars), 01:00 (1 bar)
    minutes = [*range(7, 21), 62]
    out = candles(bars_at(minutes), 900, NOW)
    assert list(out["candle_at"]) == [T0, T0 + pd.Timedelta(minutes=15), T0 + pd.Timedelta(hours=1)]
    assert list(out["bar_count"]) == [8, 6, 1]
    first = out.iloc[0]
    assert (first["open"], first["close"]) == (1.0, 8.0)  # the 00:07 bar's open, the 00:14 bar's close
    assert (first["high"], first["low"]) == (8.5, 0.5)
    assert first["volume"] == 8 and first["trades"] == 16
    assert first["vwap"] == pytest.approx(sum(range(1, 9)) / 8, rel=1e-15)
    assert list(out.columns) == list(CANDLE_COLUMNS)


def test_candles_are_epoch_aligned_and_bars_sorted_by_time():
    # 4h candles start at 00, 04, 08... UTC; 1d at 00:00 UTC; input order does not matter
    minutes = [5 * 60 + 59, 3 * 60 + 1, 4 * 60, 23 * 60 + 59]
    out = candles(bars_at(minutes, close=[10.0, 20.0, 30.0, 40.0]), 4 * 3600, NOW)
    assert [t.hour for t in out["candle_at"]] == [0, 4, 20]
    assert list(out["open"]) == [20.0, 30.0, 40.0]
    assert list(out["close"]) == [20.0, 10.0, 40.0]
    daily = candles(bars_at(minutes, close=[10.0, 20.0, 30.0, 40.0]), 86400, NOW)
    assert list(daily["candle_at"]) == [T0] and daily["open"].iloc[0] == 20.0 and daily["close"].iloc[0] == 40.0


def test_candles_null_rules_and_completeness():
    bars = bars_at([0, 1, 15], volume=[0.0, 0.0, 3.0], trades=[np.nan, np.nan, 4.0])
    out = candles(bars, 900, T0 + pd.Timedelta(minutes=29, seconds=59))
    assert math.isnan(out["vwap"].iloc[0]) and out["vwap"].iloc[1] == 3.0  # no volume: no vwap
    assert math.isnan(out["trades"].iloc[0]) and out["trades"].iloc[1] == 4  # every trades NULL: NULL
    assert list(out["is_complete"]) == [True, False]  # 00:15 + 15m > the clock
    assert list(candles(bars, 900, T0 + pd.Timedelta(minutes=30))["is_complete"]) == [True, True]


def test_ema_is_seeded_with_the_sma_of_the_first_n():
    close = [float(x) for x in (np.arange(40) % 7) * 3 + 100]
    out = indicators(candle_table(close))
    k = 2 / 13
    expected = sum(close[:12]) / 12
    assert out["ema_12"].iloc[:11].isna().all()
    assert out["ema_12"].iloc[11] == pytest.approx(expected, rel=1e-15)
    for i in range(12, 40):
        expected = (close[i] - expected) * k + expected
        assert out["ema_12"].iloc[i] == pytest.approx(expected, rel=1e-14)


def test_macd_fast_ema_is_seeded_on_the_slow_seed_bar():
    close = [100 + 10 * math.sin(i / 3) + i for i in range(60)]
    out = indicators(candle_table(close))
    fast = sum(close[14:26]) / 12  # the 12 closes ending at candle 25, not the first 12
    slow = sum(close[:26]) / 26
    line = []
    for i in range(26, 60):
        fast = (close[i] - fast) * (2 / 13) + fast
        slow = (close[i] - slow) * (2 / 27) + slow
        line.append(fast - slow)
    line = [sum(close[14:26]) / 12 - sum(close[:26]) / 26, *line]  # the line from candle 25 on
    signal = sum(line[:9]) / 9
    assert out["macd"].iloc[:33].isna().all() and out["macd_signal"].iloc[:33].isna().all()
    assert out["macd_signal"].iloc[33] == pytest.approx(signal, rel=1e-12)
    assert out["macd"].iloc[33] == pytest.approx(line[8], rel=1e-12)
    for j, i in enumerate(range(34, 60), start=9):
        signal = (line[j] - signal) * (2 / 10) + signal
        assert out["macd_signal"].iloc[i] == pytest.approx(signal, rel=1e-12)
        assert out["macd_hist"].iloc[i] == pytest.approx(line[j] - signal, rel=1e-9, abs=1e-12)
    # ema_12 - ema_26 is a different line: EMA(12) was seeded 14 candles earlier
    assert abs((out["ema_12"] - out["ema_26"]).iloc[33] - out["macd"].iloc[33]) > 1e-3


def test_rsi_on_a_tiny_series_by_hand():
    # 14 changes: seven +1 and seven -1 -> average gain = average loss = 0.5 -> RSI 50; then +2:
    # gain = (0.5 * 13 + 2) / 14, loss = 0.5 * 13 / 14 -> RSI = 100 * 8.5 / 15
    close = [10.0]
    for step in [1, -1] * 7 + [2]:
        close.append(close[-1] + step)
    out = indicators(candle_table(close))
    assert out["rsi_14"].iloc[:14].isna().all()
    assert out["rsi_14"].iloc[14] == pytest.approx(50.0, rel=1e-15)
    assert out["rsi_14"].iloc[15] == pytest.approx(100 * 8.5 / 15, rel=1e-14)


def test_flat_candles_take_talibs_degenerate_values():
    out = indicators(candle_table([250.0] * 40, spread=0.0))
    last = out.iloc[-1]
    for column in ("rsi_14", "stoch_k", "stoch_d", "willr_14", "cci_20", "mfi_14", "roc_10", "atr_14", "natr_14"):
        assert last[column] == 0.0, column
    for column in ("plus_di_14", "minus_di_14", "adx_14"):
        assert last[column] == 0.0, column
    assert last["bb_upper_20"] == last["bb_lower_20"] == pytest.approx(250.0, rel=1e-15)
    assert out["obv"].iloc[0] == 1.0  # OBV starts at the first candle's volume, and flat closes carry it
    assert (out["obv"] == 1.0).all()


def test_the_pinned_talib_has_no_fixed_zero_bands():
    # ta-lib 0.8 dropped the 1e-8 bands (#253) and MFI's "total < 1" test (#244); a pin that brings them back fails
    tiny = candle_table([3e-7 * (1 + 0.01 * math.sin(i)) for i in range(40)], volume=[2.0] * 40, spread=1e-9)
    last = indicators(tiny).iloc[-1]
    for column in ("rsi_14", "mfi_14", "cci_20", "natr_14", "plus_di_14", "minus_di_14", "stoch_k", "willr_14"):
        assert last[column] != 0.0, column
    # and flat prices at 50,000.123, whose average carries a rounding residue, give CCI 0 and a zero band width
    flat = indicators(candle_table([50_000.123] * 40, spread=0.0)).iloc[-1]
    assert flat["cci_20"] == 0.0 and flat["bb_upper_20"] == flat["bb_lower_20"]


def test_lookbacks_are_the_first_non_null_candles():
    out = indicators(candle_table([100 + math.sin(i) for i in range(250)]))
    first = {c: int(out[c].first_valid_index()) for c in INDICATOR_COLUMNS if c not in ("symbol", "candle_at")}
    expected = {"sma_20": 19, "sma_200": 199, "ema_12": 11, "ema_200": 199, "macd": 33, "rsi_14": 14,
                "stoch_k": 17, "willr_14": 13, "cci_20": 19, "mfi_14": 14, "roc_10": 10, "atr_14": 14,
                "plus_di_14": 14, "adx_14": 27, "bb_upper_20": 19, "obv": 0, "parkinson_vol_20": 19,
                "realized_vol_20": 20, "yang_zhang_vol_20": 20}  # fmt: skip
    assert {c: first[c] for c in expected} == expected


def test_volatility_null_rules_and_values():
    n = 25
    o = np.full(n, 100.0)
    c = np.full(n, 100.0)
    h = np.full(n, 100.0 * math.exp(0.05))
    lo = np.full(n, 100.0 * math.exp(-0.05))
    out = volatility(o, h, lo, c)
    assert np.isnan(out["parkinson_vol_20"][:19]).all() and not np.isnan(out["parkinson_vol_20"][19])
    assert np.isnan(out["realized_vol_20"][:20]).all() and not np.isnan(out["realized_vol_20"][20])
    assert out["parkinson_vol_20"][24] == pytest.approx(math.sqrt(0.1**2 / (4 * math.log(2))), rel=1e-12)
    # o = c: ln(h/c) ln(h/o) + ln(l/c) ln(l/o) = 0.05^2 + 0.05^2
    assert out["rogers_satchell_vol_20"][24] == pytest.approx(math.sqrt(0.005), rel=1e-12)
    assert out["garman_klass_vol_20"][24] == pytest.approx(math.sqrt(0.5 * 0.01), rel=1e-12)
    assert out["realized_vol_20"][24] == 0.0
    # a non-positive price nulls every window that reads it: the 20 ending at 5..24 for a 20-candle estimator
    lo_bad = lo.copy()
    lo_bad[5] = 0.0
    bad = volatility(o, h, lo_bad, c)
    assert np.isnan(bad["parkinson_vol_20"][19:25]).all()
    close_bad = c.copy()
    close_bad[4] = -1.0  # candle 4's close is the previous close of the window 5..24
    assert np.isnan(volatility(o, h, lo, close_bad)["realized_vol_20"][24])
    assert not np.isnan(volatility(o, h, lo, close_bad)["parkinson_vol_20"][24])


def test_garman_klass_null_when_the_mean_is_negative():
    # a body wider than the range (only a broken candle has one) makes the mean negative
    n = 20
    out = volatility(np.full(n, 100.0), np.full(n, 101.0), np.full(n, 100.0), np.full(n, 110.0))
    assert np.isnan(out["garman_klass_vol_20"][19])
    assert not np.isnan(out["parkinson_vol_20"][19])


def test_yang_zhang_by_the_formula():
    rng = np.random.default_rng(3)
    c = 50 * np.exp(np.cumsum(0.01 * rng.standard_normal(30)))
    o = c * np.exp(0.002 * rng.standard_normal(30))
    h = np.maximum(o, c) * 1.003
    lo = np.minimum(o, c) * 0.997
    out = volatility(o, h, lo, c)
    t, n = 29, 20
    overnight = [math.log(o[i] / c[i - 1]) for i in range(t - n + 1, t + 1)]
    body = [math.log(c[i] / o[i]) for i in range(t - n + 1, t + 1)]
    rs = statistics.fmean(
        math.log(h[i] / c[i]) * math.log(h[i] / o[i]) + math.log(lo[i] / c[i]) * math.log(lo[i] / o[i])
        for i in range(t - n + 1, t + 1)
    )
    k = 0.34 / (1.34 + 21 / 19)
    expected = math.sqrt(statistics.variance(overnight) + k * statistics.variance(body) + (1 - k) * rs)
    assert out["yang_zhang_vol_20"][t] == pytest.approx(expected, rel=1e-12)
    returns = [math.log(c[i] / c[i - 1]) for i in range(t - n + 1, t + 1)]
    assert out["realized_vol_20"][t] == pytest.approx(statistics.stdev(returns), rel=1e-12)


def test_agree_catches_1e_8_but_not_1e_10():
    table = candle_table([100 + math.sin(i) for i in range(60)])
    ref = indicators(table)
    assert agree(ref.copy(), ref, candle_table=table) == []
    for factor, caught in ((1 + 1e-8, True), (1 + 1e-10, False)):
        ours = ref.copy()
        ours.loc[40, "rsi_14"] *= factor
        ours.loc[41, "ema_12"] *= factor
        problems = agree(ours, ref, candle_table=table)
        assert (len(problems) == 2) == caught, problems
    assert "rsi_14" in agree(ours.assign(rsi_14=ours["rsi_14"] * (1 + 1e-8)), ref, candle_table=table)[0]


def test_agree_scales_price_columns_by_the_median_close():
    # macd is near 0, so 1e-8 relative to itself is tiny against the median close (100): within 1e-9 * 100
    table = candle_table([100 + math.sin(i) for i in range(60)])
    ref = indicators(table)
    ours = ref.copy()
    ours["macd"] = ours["macd"] + 5e-8
    assert agree(ours, ref, candle_table=table) == []
    ours["macd"] = ref["macd"] + 2e-7
    assert len(agree(ours, ref, candle_table=table)) == ref["macd"].notna().sum()


def test_agree_scales_obv_by_median_volume_times_candle_count():
    # 60 candles of volume 1: obv's scale is 60, so an error of 5e-8 passes and 1e-7 does not
    table = candle_table([100 + math.sin(i) for i in range(60)])
    ref = indicators(table)
    near_zero = int(np.argmin(np.abs(ref["obv"])))
    for error, caught in ((5e-8, False), (1e-7, True)):
        ours = ref.copy()
        ours.loc[near_zero, "obv"] += error
        assert (len(agree(ours, ref, candle_table=table)) == 1) == caught


def test_agree_null_rules_and_missing_rows():
    table = candle_table([100 + math.sin(i) for i in range(30)])
    ref = indicators(table)
    ours = ref.copy()
    ours.loc[25, "rsi_14"] = np.nan  # NULL against a value
    ours.loc[3, "rsi_14"] = 50.0  # a value where the reference is NULL
    problems = agree(ours.drop(index=29), ref, candle_table=table)
    assert sum("NULL against a value" in p for p in problems) == 2
    assert sum("only in ref" in p for p in problems) == 1
    with pytest.raises(ValueError, match="volume"):
        agree(ref, ref)  # an indicator table has no volume for obv's scale
    assert agree(ref.drop(columns=["adx_14"]), ref, candle_table=table) == ["column adx_14: only in ref"]


def test_one_column_list_with_a_scale_for_each_column():
    table = candle_table([100.0 + i for i in range(5)])
    assert list(candles(bars_at([0, 1]), 60, NOW).columns) == list(CANDLE_COLUMNS)
    assert list(indicators(table).columns) == list(INDICATOR_COLUMNS)
    assert {c.scale for c in COLUMNS.values()} <= {"price", "volume", "obv", "oscillator", "log_return", EXACT}
    assert all(c.description for c in COLUMNS.values())


def test_a_symbol_with_one_candle_and_symbols_apart():
    one = candle_table([5.0])
    other = candle_table([100 + math.sin(i) for i in range(40)]).assign(symbol="T")
    out = indicators(pd.concat([other, one]))
    assert list(out.groupby("symbol").size()) == [1, 40]
    alone = indicators(other)
    assert agree(out[out["symbol"] == "T"].reset_index(drop=True), alone, candle_table=other) == []
    assert out[out["symbol"] == "S"]["obv"].iloc[0] == 1.0
