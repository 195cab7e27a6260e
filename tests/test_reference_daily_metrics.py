"""The daily-metrics reference (tests/reference_daily_metrics.py) on hand-computed windows.

The dbt model will be checked against this reference, so the reference itself is checked here
against values worked out by hand from ../shared/spec/daily-metrics.md.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reference_daily_metrics import METRICS, WINDOWS, columns, compute, spans, window_metrics

C = np.array([10.0, 11.0, 9.0])
H = np.array([10.5, 11.5, 10.0])
L = np.array([9.5, 10.5, 8.5])
V = np.array([1.0, 2.0, 3.0])
T = np.array([1.0, 2.0, 3.0])


def test_three_bars_by_hand():
    m = window_metrics(C, H, L, V, T, 15)
    assert m["close_mean"] == m["sma"] == 10
    assert m["close_stddev"] == pytest.approx(math.sqrt(2 / 3), rel=1e-15)
    assert (m["close_min"], m["close_max"], m["volume_sum"]) == (9, 11, 6)
    assert m["vwap"] == pytest.approx(59 / 6, rel=1e-15)
    assert m["price_deviation_vwap"] == pytest.approx(-5 / 59, rel=1e-14)
    assert m["roc"] == pytest.approx(-10, rel=1e-15)
    assert m["returns_log"] == pytest.approx(math.log(0.9), rel=1e-15)
    # spans for 15 minutes: fast 3 (a = 1/2), slow 6 (a = 2/7), signal 2 (a = 2/3)
    assert spans(15) == (3, 6, 2)
    assert m["ema_fast"] == pytest.approx(9.75, rel=1e-15)
    assert m["ema_slow"] == pytest.approx(486 / 49, rel=1e-14)
    assert m["macd"] == pytest.approx(9.75 - 486 / 49, rel=1e-12)
    d1, d2 = 10.5 - 72 / 7, 9.75 - 486 / 49
    signal = 2 / 3 * d2 + 1 / 3 * (2 / 3 * d1 + 1 / 3 * 0.0)
    assert m["macd_signal"] == pytest.approx(signal, rel=1e-12)
    assert m["macd_histogram"] == pytest.approx(d2 - signal, rel=1e-12)
    tp = (H + L + C) / 3
    std = math.sqrt(np.mean((tp - tp.mean()) ** 2))
    assert m["bollinger_upper"] == pytest.approx(tp.mean() + 2 * std, rel=1e-15)
    assert m["bollinger_width"] == pytest.approx(4 * std, rel=1e-14)
    assert m["rsi"] == pytest.approx(100 - 100 / 1.5, rel=1e-15)  # gains [1, 0], losses [0, 2]
    assert m["atr"] == pytest.approx(5 / 3, rel=1e-15)  # true ranges 1, 1.5, 2.5
    assert m["stochastic_k"] == m["stochastic_d"] == 0
    assert m["obv"] == -1  # +2 then -3
    mad = np.mean(np.abs(tp - tp.mean()))
    assert m["cci"] == pytest.approx((tp[-1] - tp.mean()) / (0.015 * mad), rel=1e-14)
    assert m["adx"] == pytest.approx(100 * 30 / 90, rel=1e-14)  # dp 0.5, dm 1, atr 5/3: pdi 30, mdi 60
    assert m["average_trades"] == 2


def test_undefined_values_are_none():
    assert window_metrics(C[:0], H[:0], L[:0], V[:0], T[:0], 60) == dict.fromkeys(METRICS)
    flat = np.full(4, 5.0)
    m = window_metrics(flat, flat + 1, flat - 1, np.zeros(4), np.zeros(4), 60)
    assert m["vwap"] is None and m["price_deviation_vwap"] is None  # no volume
    assert m["stochastic_k"] is None and m["cci"] is None and m["adx"] is None  # flat prices
    assert m["rsi"] == 50 and m["close_stddev"] == 0 and m["obv"] == 0
    one = window_metrics(C[:1], H[:1], L[:1], V[:1], T[:1], 60)
    assert one["rsi"] == 50 and one["adx"] is None and one["ema_fast"] == 10 and one["macd_signal"] == 0


def test_rows_and_snapshots():
    day = 1_790_000_000 // 86400 * 86400
    ts = np.array([day + 600, day + 86400 + 60, day + 3 * 86400 + 120])
    other = np.array([day + 3 * 86400 + 7200])  # the newest bar: its date is the current date
    bars = pd.DataFrame({
        "symbol": ["A"] * 3 + ["B"], "ts": np.concatenate([ts, other]),
        "close": 1.0, "high": 1.0, "low": 1.0, "volume": 1.0, "trades": 1.0})
    table = compute(bars)
    a = table[table["symbol"] == "A"]
    assert len(a) == 4  # every date from the first bar's through the latest bar's, gap day included
    ends = [int(x.timestamp()) for x in a["as_of_ts"]]
    assert ends[:3] == [day + 86400, day + 2 * 86400, day + 3 * 86400]  # completed dates: next midnight
    assert ends[3] == ts[-1] + 60  # current date: through its own latest bar
    assert a["bars_24h"].tolist() == [1, 1, 0, 1] and a["bars_30d"].tolist() == [1, 2, 2, 3]
    assert list(table.columns[3:]) == columns() and len(columns()) == 26 * 8 + 8
    assert set(WINDOWS.values()) == {15, 30, 60, 360, 720, 1440, 10080, 43200}


def test_macd_is_accurate_at_high_prices():
    """MACD subtracts two averages near the price; the reference must not lose digits doing it."""
    from fractions import Fraction

    def exact_ema(values, span):
        a, out, previous = Fraction(2, span + 1), [], None
        for i, value in enumerate(values):
            previous = value if i == 0 else a * value + (1 - a) * previous
            out.append(previous)
        return out

    c = 50_000 + np.cumsum(np.random.default_rng(1).normal(size=500))
    m = window_metrics(c, c + 1, c - 1, np.ones(len(c)), np.ones(len(c)), 500)  # spans 100, 200, 75
    exact = [Fraction(float(x)) for x in c]
    fast, slow = exact_ema(exact, 100), exact_ema(exact, 200)
    signal = float(exact_ema([a - b for a, b in zip(fast, slow, strict=True)], 75)[-1])
    assert m["macd_signal"] == pytest.approx(signal, rel=1e-11)
    assert m["macd"] == pytest.approx(float(fast[-1] - slow[-1]), rel=1e-11)
