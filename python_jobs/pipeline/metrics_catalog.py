"""The one list of ohlc_metrics_daily's metrics and windows, and what is generated from it.

`python -m pipeline.metrics_catalog --write` regenerates models/marts/metrics/_metrics__models.yml
(208 metric columns, 8 bar counts and their schema tests) and macros/metrics/metrics_catalog.sql
(the same lists for the SQL); tests/test_metrics.py fails when either committed file is stale,
and compares this list with the plain reference's columns.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import generated_files
from .project import PROJECT_ROOT

YAML_PATH = PROJECT_ROOT / "models" / "marts" / "metrics" / "_metrics__models.yml"
MACRO_PATH = PROJECT_ROOT / "macros" / "metrics" / "metrics_catalog.sql"

# suffix -> (minutes, words)
WINDOWS: dict[str, tuple[int, str]] = {
    "15m": (15, "15 minutes"), "30m": (30, "30 minutes"), "1h": (60, "hour"), "6h": (360, "6 hours"),
    "12h": (720, "12 hours"), "24h": (1440, "24 hours"), "7d": (10080, "7 days"), "30d": (43200, "30 days"),
}

# metric -> description; {w} is the window in words. Definitions: ../shared/spec/daily-metrics.md.
METRICS: dict[str, str] = {
    "close_mean": "Mean close of the bars in the {w} before as_of_ts.",
    "sma": "Simple moving average of the close over the {w} before as_of_ts (equal to close_mean, as in the original).",
    "close_stddev": "Population standard deviation (ddof 0) of the close over the {w}.",
    "close_min": "Lowest close over the {w}.",
    "close_max": "Highest close over the {w}.",
    "volume_sum": "Total volume over the {w} (bars with NULL volume are skipped; NULL when every volume is NULL).",
    "vwap": "Volume-weighted average close, sum(close * volume) / sum(volume), over the {w}; "
            "NULL when the volume is 0.",
    "price_deviation_vwap": "(last close - vwap) / vwap over the {w}: a fraction, not a percent; NULL when vwap is.",
    "roc": "Rate of change over the {w}, in percent: (last close - first close) / first close * 100.",
    "returns_log": "Log return over the {w}: ln(last close / first close).",
    "ema_fast": "Exponential average of the close over the {w}, span max(2, floor(0.2 x window minutes)), "
                "seeded with the window's first close; value at the last bar.",
    "ema_slow": "Exponential average of the close over the {w}, span max(2, floor(0.4 x window minutes)), "
                "seeded with the window's first close; value at the last bar.",
    "macd": "ema_fast - ema_slow over the {w}.",
    "macd_signal": "Exponential average, span max(2, floor(0.15 x window minutes)), of the bar-by-bar MACD "
                   "over the {w} (both averages seeded at the window's first bar); value at the last bar.",
    "macd_histogram": "macd - macd_signal over the {w}.",
    "bollinger_upper": "Mean typical price (high + low + close) / 3 plus 2 population standard deviations, "
                       "over the {w}.",
    "bollinger_lower": "Mean typical price minus 2 population standard deviations, over the {w}.",
    "bollinger_width": "bollinger_upper - bollinger_lower over the {w}.",
    "rsi": "Relative strength index over the {w}: simple means of the gains and losses between consecutive closes "
           "(not Wilder's smoothing); 100 when there are no losses but gains, 50 when neither.",
    "atr": "Average true range over the {w}: simple mean (not Wilder's smoothing); "
           "the first bar's true range is high - low.",
    "stochastic_k": "Stochastic %K over the {w}: 100 * (last close - lowest close) / (highest close - lowest close); "
                    "NULL when the closes are flat.",
    "stochastic_d": "Equal to stochastic_k (as in the original), not a 3-period average of %K.",
    "obv": "On-balance volume over the {w}: sum of sign(close change) x volume over the bars after the first.",
    "cci": "Commodity channel index over the {w}: (last typical price - mean) / (0.015 x mean absolute deviation); "
           "NULL when the deviation is 0.",
    "adx": "One directional index over the whole {w}, 100 |+DI - -DI| / (+DI + -DI) from the mean directional "
           "movements and atr: not Wilder's smoothed ADX. NULL with fewer than 2 bars or no movement.",
    "average_trades": "Mean number of trades per bar over the {w}.",
}

# always defined when the window has a bar
ALWAYS_DEFINED = ("close_mean", "sma", "close_stddev", "close_min", "close_max", "ema_fast", "ema_slow", "macd",
                  "macd_signal", "macd_histogram", "bollinger_upper", "bollinger_lower", "bollinger_width", "rsi",
                  "atr", "obv")


def metric_columns() -> list[str]:
    """The metric and bar-count columns in table order (after the four key columns)."""
    return [f"{m}_{s}" for m in METRICS for s in WINDOWS] + [f"bars_{s}" for s in WINDOWS]


def render_macro() -> str:
    """The catalogue as a dbt macro: the windows (suffix, minutes), the metrics in column order,
    and the ones always defined when a window has a bar (for the metrics_window_rules test)."""
    windows = [f"            ('{suffix}', {minutes})," for suffix, (minutes, _) in WINDOWS.items()]
    lines = [
        "{#- GENERATED by `python -m pipeline.metrics_catalog --write` from python_jobs/pipeline/metrics_catalog.py.",
        "    Do not edit by hand. -#}",
        "{% macro metrics_catalog() -%}",
        "    {{ return({",
        "        'windows': [",
        *windows,
        "        ],",
        "        'metrics': [",
        *[f"            '{metric}'," for metric in METRICS],
        "        ],",
        "        'always_defined': [",
        *[f"            '{metric}'," for metric in ALWAYS_DEFINED],
        "        ],",
        "    }) }}",
        "{%- endmacro %}",
    ]
    return "\n".join(lines) + "\n"


def render_yaml() -> str:
    lines = [
        "version: 2",
        "",
        "# GENERATED by `python -m pipeline.metrics_catalog --write` from python_jobs/pipeline/metrics_catalog.py.",
        "# Do not edit by hand. Definitions: ../shared/spec/daily-metrics.md; guide: docs/metrics.md.",
        "",
        "models:",
        "  - name: ohlc_metrics_daily",
        "    description: >",
        "      One row per symbol and UTC date, from the date of the symbol's first bar through the date of",
        "      its latest bar: 26 metrics over 8 windows ending at as_of_ts (the next midnight for a",
        "      completed date; just after the symbol's latest bar on the current date). Incremental: each",
        "      run recomputes from the newest date already in the table (var recompute_from reaches",
        "      further back), and deletes the recomputed dates' rows whose bars were removed. Primary key",
        "      (metric_date, symbol) and an index on symbol on MySQL/MariaDB.",
        "    tests:",
        "      - unique_combination_of_columns:",
        "          combination_of_columns: [metric_date, symbol]",
        "      - finite_values",
    ]
    for suffix in WINDOWS:
        lines += ["      - metrics_window_rules:", f"          suffix: {suffix}"]
    lines += [
        "    columns:",
        "      - name: metric_date",
        "        description: The UTC date the row describes.",
        "        tests: [not_null]",
        "      - name: symbol",
        "        description: Instrument, as in the bars table.",
        "        tests: [not_null]",
        "      - name: as_of_ts",
        "        description: >",
        "          End of the snapshot (UTC, exclusive): metric_date + 1 day for a completed date; on the",
        "          current date (the newest bar's), one minute after the symbol's latest bar.",
        "        tests: [not_null]",
        "      - name: last_updated_ts",
        "        description: When the row was last computed (UTC).",
        "        tests: [not_null]",
    ]
    for metric, text in METRICS.items():
        for suffix, (_, words) in WINDOWS.items():
            lines += [f"      - name: {metric}_{suffix}", f"        description: \"{text.format(w=words)}\""]
    for suffix, (minutes, words) in WINDOWS.items():
        lines += [f"      - name: bars_{suffix}",
                  f"        description: \"Bars found in the {words} before as_of_ts (0 to {minutes}).\"",
                  "        tests: [not_null]"]
    return "\n".join(lines) + "\n"


def outputs() -> dict[Path, str]:
    return {Path(YAML_PATH): render_yaml(), Path(MACRO_PATH): render_macro()}


def main(argv: list[str] | None = None) -> int:
    return generated_files.main("python -m pipeline.metrics_catalog", __doc__, outputs, argv)


if __name__ == "__main__":
    sys.exit(main())
