"""The one list of the profile features and regime columns, and what is generated from it.

`python -m pipeline.profile_catalog --write` regenerates models/marts/profiles/_profiles__models.yml (both models,
every column described, the grain and value tests) and macros/profiles/profile_catalog.sql (the features with
their comparison scales and the regime thresholds, for the SQL); tests/test_profiles.py fails when a committed
file is stale and compares these lists with the plain reference's (tests/reference_profiles.py), which is written
independently of this package. leaderboards_report.py and plot_profiles.py read the feature names from here.
Definitions: ../shared/spec/cohort-profiles.md; guide: docs/profiles.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

from . import generated_files
from .project import PROJECT_ROOT

YAML_PATH = PROJECT_ROOT / "models" / "marts" / "profiles" / "_profiles__models.yml"
MACRO_PATH = PROJECT_ROOT / "macros" / "profiles" / "profile_catalog.sql"

COHORTS = ("gainers", "losers", "overlaps")
PROFILE_INTERVALS = ("1h", "4h", "1d")  # the default of var profile_intervals (dbt_project.yml)
REGIMES = ("high_vol", "trend_up", "trend_down", "range", "transition")

# The regime rules' thresholds (spec section 1) and the minimum counts of the windows.
HIGH_VOL_PCTILE = 80
TREND_ADX = 25
RANGE_ADX = 20
MIN_BASELINE_VALUES = 30  # a feature's percentile and z need this many non-NULL baseline values
MIN_RV_BASELINE_VALUES = 60  # rv_30d_pctile_365d needs this many rv_30d values of the 365 rows before
# Two computed values within 1e-9 relative (with the feature's scale) are equal: TA-Lib's own rounding makes a
# flat stretch's RSI or ADX a cluster of values a few ulps apart, whose IQR is otherwise noise (docs/profiles.md).
EQUAL_RELATIVE = 1e-9


class Feature(NamedTuple):
    scale: float  # the spec's comparing scale: 100 for oscillators and percent units, 1 for ratios and log units
    description: str


FEATURES: dict[str, Feature] = {
    "rsi_14": Feature(100, "RSI 14 of the profile candle (indicators_<interval>.rsi_14)."),
    "natr_14": Feature(100, "NATR 14 of the profile candle, in percent of the close (indicators_<interval>.natr_14)."),
    "adx_14": Feature(100, "ADX 14 of the profile candle (indicators_<interval>.adx_14)."),
    "roc_10": Feature(100, "ROC 10 of the profile candle, in percent (indicators_<interval>.roc_10)."),
    "mfi_14": Feature(100, "MFI 14 of the profile candle (indicators_<interval>.mfi_14)."),
    "cci_20": Feature(100, "CCI 20 of the profile candle (indicators_<interval>.cci_20)."),
    "willr_14": Feature(100, "Williams %R 14 of the profile candle, -100..0 (indicators_<interval>.willr_14)."),
    "realized_vol_20": Feature(
        1,
        "Sample std dev of the 20 log returns ending at the profile candle, per candle "
        "(indicators_<interval>.realized_vol_20).",
    ),
    "parkinson_vol_20": Feature(
        1, "Parkinson volatility of the 20 candles ending at the profile candle (indicators_<interval>)."
    ),
    "bb_position": Feature(
        1,
        "(close - bb_lower_20) / (bb_upper_20 - bb_lower_20): 0 at the lower band, 1 at the upper; NULL when "
        "the width is 0 (within 1e-9 of the bands) or NULL.",
    ),
    "macd_hist_pct": Feature(100, "100 * macd_hist / close: the MACD histogram in percent of the price."),
    "volume_ratio_20": Feature(
        1,
        "The candle's volume / the mean volume of the 20 candles before it; NULL with fewer than 20 candles "
        "before it or a zero mean.",
    ),
}
# the features copied from indicators_<interval> as they are (the others are computed from its columns)
COPIED_FEATURES = tuple(list(FEATURES)[:9])

PROFILE_KEY = ("cohort", "symbol", "interval")
PROFILE_HEAD = {
    "cohort": "gainers, losers or overlaps: the habitual_* relation the member is in (a symbol can be in two).",
    "symbol": "The cohort member.",
    "interval": "The candle interval of the profile: 1h, 4h or 1d (var profile_intervals).",
    "as_of": "The leaderboards' as_of (leaderboard_run.as_of): nothing at or after it is read.",
    "candle_at": (
        "Start of the profile candle: the member's last complete candle of the interval whose end (candle_at + "
        "interval) is at or before as_of. A member with no such candle has no row."
    ),
}
PROFILE_TAIL = {
    "baseline_n": (
        "The number of baseline candles: the member's complete candles of the interval with candle_at in "
        "[profile candle_at - baseline_days, profile candle_at), whatever their NULLs."
    ),
    "regime": "The member's regime (symbol_regime_daily) on its last day that ended at or before as_of.",
    "rv_30d": "rv_30d of that symbol_regime_daily row.",
    "drawdown_90d": "drawdown_90d of that symbol_regime_daily row.",
    "ma_trend": "ma_trend of that symbol_regime_daily row.",
}


def pctile_description(feature: str) -> str:
    return (
        f"Mid-rank percentile (0-100) of {feature} among the member's own {feature} values on the baseline candles: "
        "100 * (#below + 0.5 * #equal) / #values. NULL when the value is NULL or fewer than "
        f"{MIN_BASELINE_VALUES} baseline values are not NULL."
    )


def z_description(feature: str) -> str:
    return (
        f"Robust z-score of {feature} against the baseline values: (x - median) / ((q75 - q25) / 1.349), quantiles "
        "by linear interpolation. NULL as the percentile, or when q75 = q25 (within 1e-9 of the feature's scale)."
    )


def profile_columns() -> dict[str, str]:
    """cohort_profiles' columns in table order, with their descriptions."""
    columns = dict(PROFILE_HEAD)
    columns.update({name: feature.description for name, feature in FEATURES.items()})
    columns.update({f"{name}_pctile": pctile_description(name) for name in FEATURES})
    columns.update({f"{name}_z": z_description(name) for name in FEATURES})
    columns.update(PROFILE_TAIL)
    return columns


REGIME_RULES = (
    f"high_vol if rv_30d_pctile_365d >= {HIGH_VOL_PCTILE}; trend_up if adx_14 >= {TREND_ADX} and plus_di_14 > "
    f"minus_di_14 and ma_trend = 1; trend_down if adx_14 >= {TREND_ADX} and minus_di_14 > plus_di_14 and ma_trend "
    f"= -1; range if adx_14 < {RANGE_ADX}; transition otherwise (the first rule that holds)"
)

REGIME_COLUMNS: dict[str, str] = {
    "symbol": "The daily candle's symbol.",
    "regime_date": "The daily candle's date (candle_at, 00:00 UTC); the row describes the market at its end.",
    "close": "The daily candle's close.",
    "roc_7d": "100 * (close / close 7 rows back - 1); NULL with fewer than 8 rows.",
    "roc_30d": "100 * (close / close 30 rows back - 1); NULL with fewer than 31 rows.",
    "roc_90d": "100 * (close / close 90 rows back - 1); NULL with fewer than 91 rows.",
    "rv_30d": (
        "Sample std dev of the last 30 daily log returns ln(c_t / c_t-1) times sqrt(365): annualized; NULL with "
        "fewer than 30 returns."
    ),
    "rv_90d": "As rv_30d over the last 90 returns; NULL with fewer than 90.",
    "skew_90d": (
        "m3 / m2^1.5 of the last 90 log returns (central moments dividing by n); NULL with fewer than 90 returns or "
        "m2 = 0."
    ),
    "kurtosis_90d": "Excess kurtosis m4 / m2^2 - 3 of the last 90 log returns; NULL as skew_90d.",
    "sma_50": "indicators_1d.sma_50 of the day.",
    "sma_200": "indicators_1d.sma_200 of the day.",
    "adx_14": "indicators_1d.adx_14 of the day.",
    "plus_di_14": "indicators_1d.plus_di_14 of the day.",
    "minus_di_14": "indicators_1d.minus_di_14 of the day.",
    "natr_14": "indicators_1d.natr_14 of the day.",
    "ma_trend": (
        "1 if sma_50 > sma_200, -1 if sma_50 < sma_200, 0 if equal (within 1e-9 relative); NULL if either is NULL."
    ),
    "sma_50_slope_20d": "(sma_50 - sma_50 20 rows back) / sma_50 20 rows back; NULL if either is NULL.",
    "above_sma_50_share_30d": (
        "Share (0-1) of the last 30 rows with a sma_50 whose close is above it (and not equal within 1e-9 "
        "relative); NULL with fewer than 30 such rows."
    ),
    "new_high_20d_share_30d": (
        "Share (0-1) of the last 30 rows whose close is >= the highest close of the 20 rows before it; NULL with "
        "fewer than 50 rows."
    ),
    "new_low_20d_share_30d": (
        "Share (0-1) of the last 30 rows whose close is <= the lowest close of the 20 rows before it; NULL with "
        "fewer than 50 rows."
    ),
    "drawdown_90d": "close / the highest high of the last 90 rows (this one included) - 1; NULL with fewer than 90.",
    "rv_30d_pctile_365d": (
        "Mid-rank percentile (0-100) of rv_30d among the symbol's rv_30d values of the 365 rows before this one; "
        f"NULL with fewer than {MIN_RV_BASELINE_VALUES} such values."
    ),
    "regime": f"{REGIME_RULES}. NULL if adx_14 or ma_trend is NULL.",
}
REGIME_KEY = ("symbol", "regime_date")


def _column_lines(
    columns: dict[str, str],
    not_null: tuple[str, ...],
    accepted: dict[str, tuple[str, ...]],
    quoted: tuple[str, ...] = (),
) -> list[str]:
    lines = []
    for name, text in columns.items():
        lines += [f"      - name: {name}", f'        description: "{text}"']
        if name in quoted:
            lines.append("        quote: true")
        tests = []
        if name in not_null:
            tests.append("          - not_null")
        if name in accepted:
            tests += ["          - accepted_values:", f"              values: [{', '.join(accepted[name])}]"]
        if tests:
            lines += ["        tests:", *tests]
    return lines


def render_yaml() -> str:
    lines = [
        "version: 2",
        "",
        "# GENERATED by `python -m pipeline.profile_catalog --write` from python_jobs/pipeline/profile_catalog.py.",
        "# Do not edit by hand. Definitions: ../shared/spec/cohort-profiles.md; guide: docs/profiles.md.",
        "",
        "models:",
        "  - name: symbol_regime_daily",
        "    description: >",
        "      One row per symbol and complete daily candle (candles_1d, indicators_1d): returns over 7, 30",
        "      and 90 days, annualized realized volatility, 90-day skew and excess kurtosis, the SMA 50/200",
        "      trend and its slope, breakout shares, the 90-day drawdown, the symbol's own volatility",
        "      percentile and a regime label. A row reads only its own day and the rows before it, so the",
        "      rows up to a past as_of are what a warehouse holding only the bars before it gives.",
        "      Incremental: a run computes each symbol's new days and its last stored one again (var",
        "      recompute_from reaches further back) from the 90 daily candles before them and the stored",
        "      rv_30d of the 365 rows before; rows whose daily candle is gone are deleted. Primary key",
        "      (symbol, regime_date) on MySQL/MariaDB.",
        "    tests:",
        "      - unique_combination_of_columns:",
        f"          combination_of_columns: [{', '.join(REGIME_KEY)}]",
        "      - finite_values",
        "    columns:",
    ]
    lines += _column_lines(REGIME_COLUMNS, ("symbol", "regime_date", "close"), {"regime": REGIMES})
    lines += [
        "",
        "  - name: cohort_profiles",
        "    description: >",
        "      One row per member of habitual_gainers, habitual_losers and habitual_overlaps and interval",
        "      of var profile_intervals, at the leaderboards' as_of: twelve features of the member's last",
        "      complete candle that ended at or before as_of, each with its mid-rank percentile and robust",
        "      z-score against the member's own candles of the var baseline_days days before that candle",
        "      (none of them later than it, so nothing comes from the future), and the member's regime",
        "      from symbol_regime_daily. Rebuilt by every run.",
        "    tests:",
        "      - unique_combination_of_columns:",
        "          combination_of_columns: [cohort, symbol, \"{{ adapter.quote('interval') }}\"]",
        "      - finite_values",
        "    columns:",
    ]
    lines += _column_lines(
        profile_columns(),
        ("cohort", "symbol", "interval", "as_of", "candle_at", "baseline_n"),
        {"cohort": COHORTS, "regime": REGIMES},
        quoted=("interval",),
    )
    return "\n".join(lines) + "\n"


def render_macro() -> str:
    """The catalogue as a dbt macro: the features in column order with their scales, the regime thresholds."""
    features = "\n".join(f"            ('{name}', {float(f.scale)!r})," for name, f in FEATURES.items())
    return (
        "\n".join(
            [
                "{#- GENERATED by `python -m pipeline.profile_catalog --write`",
                "    from python_jobs/pipeline/profile_catalog.py. Do not edit by hand. -#}",
                "{% macro profile_catalog() -%}",
                "    {{ return({",
                "        'features': [",
                features,
                "        ],",
                "        'copied_features': [",
                *(f"            '{name}'," for name in COPIED_FEATURES),
                "        ],",
                f"        'high_vol_pctile': {HIGH_VOL_PCTILE},",
                f"        'trend_adx': {TREND_ADX},",
                f"        'range_adx': {RANGE_ADX},",
                f"        'min_baseline_values': {MIN_BASELINE_VALUES},",
                f"        'min_rv_baseline_values': {MIN_RV_BASELINE_VALUES},",
                f"        'equal_relative': {EQUAL_RELATIVE!r},",
                "    }) }}",
                "{%- endmacro %}",
            ]
        )
        + "\n"
    )


def outputs() -> dict[Path, str]:
    return {YAML_PATH: render_yaml(), MACRO_PATH: render_macro()}


def main(argv: list[str] | None = None) -> int:
    return generated_files.main("python -m pipeline.profile_catalog", __doc__, outputs, argv)


if __name__ == "__main__":
    sys.exit(main())
