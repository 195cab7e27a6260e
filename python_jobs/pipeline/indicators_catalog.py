"""The one list of the candle and indicator tables' columns, and the YAML generated from it.

`python -m pipeline.indicators_catalog --write` regenerates models/marts/candles/_candles__models.yml and
models/marts/indicators/_indicators__models.yml (every model, every column described, the grain test);
tests/test_candles.py fails when a committed file is stale, and compares these lists with the TA-Lib
reference's (tests/reference_indicators.py), which is written independently of this package.
Definitions: ../shared/spec/candles-and-indicators.md; guide: docs/indicators.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import generated_files
from .project import PROJECT_ROOT

CANDLES_YAML = PROJECT_ROOT / "models" / "marts" / "candles" / "_candles__models.yml"
INDICATORS_YAML = PROJECT_ROOT / "models" / "marts" / "indicators" / "_indicators__models.yml"

# interval -> words (the seconds are in macros/candles/candle_intervals.sql, which the SQL reads)
CANDLE_INTERVALS = {"5m": "5-minute", "15m": "15-minute", "1h": "1-hour", "4h": "4-hour", "1d": "1-day (UTC)"}
INDICATOR_INTERVALS = ("15m", "1h", "4h", "1d")

CANDLE_COLUMNS = {
    "symbol": "The bars' symbol.",
    "candle_at": (
        "Interval start, UTC, epoch-aligned: floor(epoch / seconds) * seconds (1d at 00:00, 4h at 00, 04, ...)."
    ),
    "open": "Open of the interval's first bar (by timestamp).",
    "high": "Highest high of the interval's bars.",
    "low": "Lowest low of the interval's bars.",
    "close": "Close of the interval's last bar (by timestamp).",
    "volume": "Sum of the bars' volume.",
    "trades": "Sum of the bars' trade counts; NULL when every bar's count is NULL.",
    "vwap": "sum(close * volume) / sum(volume) over the bars; NULL when the volume sum is 0.",
    "bar_count": "Number of minute bars in the interval.",
    "is_complete": (
        "True when candle_at + interval <= the database's UTC clock at the run; the in-progress candle is false "
        "and is rebuilt by the next run."
    ),
}

# The indicator tables' columns in order: the spec's (descriptions as in tests/reference_indicators.py), then the
# recursions' state no visible column holds, which an incremental run continues from.
INDICATOR_COLUMNS = {
    "symbol": CANDLE_COLUMNS["symbol"],
    "candle_at": CANDLE_COLUMNS["candle_at"],
    "is_complete": CANDLE_COLUMNS["is_complete"],
    "close": CANDLE_COLUMNS["close"],
    "sma_20": "TA-Lib SMA(close, 20): mean of the last 20 closes.",
    "sma_50": "TA-Lib SMA(close, 50).",
    "sma_200": "TA-Lib SMA(close, 200).",
    "ema_12": "TA-Lib EMA(close, 12): seeded with the SMA of the first 12 closes, k = 2/13.",
    "ema_26": "TA-Lib EMA(close, 26).",
    "ema_50": "TA-Lib EMA(close, 50).",
    "ema_200": "TA-Lib EMA(close, 200).",
    "macd": "TA-Lib MACD(close, 12, 26, 9) line: fast EMA minus slow EMA (both seeded on candle 26).",
    "macd_signal": "TA-Lib MACD signal: EMA(9) of the MACD line, seeded with its first 9 values.",
    "macd_hist": "TA-Lib MACD histogram: macd - macd_signal.",
    "rsi_14": "TA-Lib RSI(close, 14), Wilder smoothing; 0 while no change has been non-zero.",
    "stoch_k": "TA-Lib STOCH slow %K (fast %K 14, SMA 3); fast %K is 0 on a flat window.",
    "stoch_d": "TA-Lib STOCH slow %D: SMA 3 of slow %K.",
    "willr_14": "TA-Lib WILLR(14), -100..0; 0 on a flat window.",
    "cci_20": "TA-Lib CCI(20) of the typical price (h + l + c) / 3; 0 on a flat window.",
    "mfi_14": "TA-Lib MFI(14); 0 when the window holds no money flow.",
    "roc_10": "TA-Lib ROC(close, 10): (close / close 10 candles back - 1) * 100.",
    "atr_14": "TA-Lib ATR(14): Wilder average of the true range, seeded with the mean of 14.",
    "natr_14": "TA-Lib NATR(14): atr_14 / close * 100.",
    "plus_di_14": "TA-Lib PLUS_DI(14): 100 * smoothed +DM / smoothed true range.",
    "minus_di_14": "TA-Lib MINUS_DI(14): 100 * smoothed -DM / smoothed true range.",
    "adx_14": "TA-Lib ADX(14): Wilder average of DX; unchanged where DX is undefined.",
    "bb_upper_20": "TA-Lib BBANDS(close, 20, 2, 2, SMA) upper: SMA 20 + 2 population std devs.",
    "bb_middle_20": "TA-Lib BBANDS middle band: SMA(close, 20).",
    "bb_lower_20": "TA-Lib BBANDS lower band: SMA 20 - 2 population std devs.",
    "obv": "TA-Lib OBV: starts at the first candle's volume, +/- volume on an up/down close.",
    "realized_vol_20": "Sample std dev (ddof 1) of the 20 log returns ln(c_t / c_t-1).",
    "parkinson_vol_20": "sqrt(mean over 20 candles of ln(h/l)^2 / (4 ln 2)).",
    "garman_klass_vol_20": "sqrt(mean over 20 candles of 0.5 ln(h/l)^2 - (2 ln 2 - 1) ln(c/o)^2); NULL when negative.",
    "rogers_satchell_vol_20": "sqrt(mean over 20 candles of ln(h/c) ln(h/o) + ln(l/c) ln(l/o)).",
    "yang_zhang_vol_20": "sqrt(var_o + k var_c + (1 - k) rs): overnight and open-to-close sample variances, k from n.",
    "rsi_avg_gain_14": (
        "State of rsi_14: TA-Lib RSI's Wilder average of the gains (rsi_14 = 100 * gain / (gain + loss)); an "
        "incremental run continues from it."
    ),
    "rsi_avg_loss_14": "State of rsi_14: TA-Lib RSI's Wilder average of the losses.",
    "plus_dm_sum_14": (
        "State of plus_di_14 and adx_14: TA-Lib's Wilder sum of +DM (s = s - s/14 + dm; plus_di_14 = 100 * "
        "plus_dm_sum_14 / tr_sum_14)."
    ),
    "minus_dm_sum_14": "State of minus_di_14 and adx_14: TA-Lib's Wilder sum of -DM.",
    "tr_sum_14": "State of the DIs and adx_14: TA-Lib's Wilder sum of the true range (not atr_14, an average).",
}
# Never NULL: the key, the flag and the close; obv from the first candle on.
INDICATOR_NOT_NULL = ("symbol", "candle_at", "is_complete", "close", "obv")


def _candle_model(interval: str) -> list[str]:
    words = CANDLE_INTERVALS[interval]
    lines = [
        f"  - name: candles_{interval}",
        "    description: >",
        f"      One row per symbol and {words} candle that holds at least one sane bar (stg_ohlcvt); an",
        "      interval with no bar has no row. Incremental: each run rebuilds each symbol's candles from its",
        "      newest stored candle on (var recompute_from reaches further back) and deletes the rebuilt",
        "      candles whose bars were removed. Built from the candles of the largest listed interval that",
        "      divides this one (var candle_intervals), else from the bars. An interval the var does not",
        "      list is an empty view. Primary key (symbol, candle_at) on MySQL/MariaDB.",
        "    tests:",
        "      - unique_combination_of_columns:",
        "          combination_of_columns: [symbol, candle_at]",
        "      - finite_values",
        "    columns:",
    ]
    for name, text in CANDLE_COLUMNS.items():
        lines += [f"      - name: {name}", f'        description: "{text}"']
        if name not in ("trades", "vwap"):
            lines.append("        tests: [not_null]")
    return lines


def _generated_yaml(models: list[str]) -> str:
    """A schema file of `models` (their lines), headed as generated from this module."""
    header = [
        "version: 2",
        "",
        "# GENERATED by `python -m pipeline.indicators_catalog --write`",
        "# from python_jobs/pipeline/indicators_catalog.py.",
        "# Do not edit by hand. Definitions: ../shared/spec/candles-and-indicators.md; guide: docs/indicators.md.",
        "",
        "models:",
    ]
    return "\n".join(header + models) + "\n"


def render_candles_yaml() -> str:
    return _generated_yaml([line for interval in CANDLE_INTERVALS for line in _candle_model(interval)])


def _indicator_model(interval: str) -> list[str]:
    words = CANDLE_INTERVALS[interval]
    lines = [
        f"  - name: indicators_{interval}",
        "    description: >",
        f"      One row per candle of candles_{interval} ({words}), with every indicator of the spec: equal to",
        "      TA-Lib 0.8 called on the symbol's whole candle sequence (NULL where TA-Lib returns NaN) and the",
        "      five range-based volatility estimators. Incremental: each run rewrites each symbol from its",
        "      newest stored row on (var recompute_from reaches further back); the recursive indicators continue",
        "      from the state stored in the row before, the window ones read the 200 candles before it; rows",
        "      whose candles were removed are deleted. Computed by the pre-hook's steps (macros/indicators/,",
        "      docs/indicators.md). An interval var indicator_intervals does not list is an empty view.",
        "      Primary key (symbol, candle_at) on MySQL/MariaDB.",
        "    tests:",
        "      - unique_combination_of_columns:",
        "          combination_of_columns: [symbol, candle_at]",
        "      - finite_values",
        "    columns:",
    ]
    for name, text in INDICATOR_COLUMNS.items():
        lines += [f"      - name: {name}", f'        description: "{text}"']
        if name in INDICATOR_NOT_NULL:
            lines.append("        tests: [not_null]")
    return lines


def render_indicators_yaml() -> str:
    return _generated_yaml([line for interval in INDICATOR_INTERVALS for line in _indicator_model(interval)])


def outputs() -> dict[Path, str]:
    return {CANDLES_YAML: render_candles_yaml(), INDICATORS_YAML: render_indicators_yaml()}


def main(argv: list[str] | None = None) -> int:
    return generated_files.main("python -m pipeline.indicators_catalog", __doc__, outputs, argv)


if __name__ == "__main__":
    sys.exit(main())
