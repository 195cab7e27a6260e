"""Stand-ins for the project's `data_pipeline.*` macros so sqlfluff can render models offline.

sqlfluff's jinja templater exposes each module of this folder under its file name
(see library_path in .sqlfluff). dbt renders the real macros; these only need to produce
valid SQL of the same shape.
"""

from datetime import datetime


def leaderboard_params():
    as_of = datetime(2026, 11, 1, 12, 30)
    return {
        "as_of": as_of, "lookback_start": datetime(2026, 10, 2, 12, 30), "fresh_since": datetime(2026, 10, 31, 12, 30),
        "as_of_epoch": 1793536200, "lookback_epoch": 1790944200, "lookback_days": 30, "fresh_within_hours": 24,
        "top_n": 20, "window_hours": [6, 24, 72, 168], "base_seconds": 21600,
        "interior_start": datetime(2026, 10, 2, 18), "interior_start_epoch": 1790964000,
        "interior_end": datetime(2026, 11, 1, 12), "interior_end_epoch": 1793534400,
        "complete_windows_only": False,
    }


def timestamp_literal(value):
    return f"cast('{value:%Y-%m-%d %H:%M:%S}' as datetime)"


def int_div(a, b):
    return f"({a} div {b})"


def bucket_epoch(ts, seconds):
    return f"(epoch_seconds({ts}) div {seconds} * {seconds})"


def from_epoch_seconds(n):
    return f"from_epoch_seconds({n})"


def symbol_scan_hint(column="symbol"):
    return "(1 = 1)"


def bars_6h_filter(symbol_column="symbol", time_column="bar_at"):
    return f"({symbol_column} is not null and {time_column} is not null)"


def ensure_index(*args, **kwargs):
    return ""


def bars_6h_rows(final):
    return f"select * from {final}"


def habitual_cohort(cohort):
    return f"select symbol from int_cohort_members_ranked where cohort = '{cohort}'"


def utc_now():
    return "utc_timestamp()"


def six_hour_buckets(bars, bar_closes):
    return (f"select {bars}.symbol, {bars}.bar_at as bucket_epoch, {bar_closes}.close "
            f"from {bars} inner join {bar_closes} on {bars}.symbol = {bar_closes}.symbol")


# ohlc_metrics_daily (macros/metrics): windows with the fields the model reads.
_METRIC_WINDOWS = [("15m", 15), ("30m", 30), ("1h", 60), ("6h", 360), ("12h", 720), ("24h", 1440),
                   ("7d", 10080), ("30d", 43200)]


def metrics_windows():
    return [{"suffix": s, "minutes": m, "days": m // 1440, "short": m <= 1440,
             "r": {"f": 0.5, "s": 0.75, "q": 0.25}} for s, m in _METRIC_WINDOWS]


def metrics_short_windows():
    return [w for w in metrics_windows() if w["short"]]


def metrics_long_windows():
    return [w for w in metrics_windows() if not w["short"]]


def metrics_stage(name):
    return f"ohlc_metrics_daily__{name}"


def double_literal(x):
    return repr(float(x))


def cast_date(x):
    return f"cast({x} as date)"


def cast_string(x, length=64):
    return f"cast({x} as char({length}))"


def cast_timestamp(x):
    return f"cast({x} as datetime)"


def cast_double(x):
    return f"cast({x} as double)"


def cast_bigint(x):
    return f"cast({x} as signed)"


def cast_boolean(x):
    return f"({x})"


def candles_materialized(interval):
    return "incremental"


def candles_incremental_config(interval):
    return {}


def incremental_table_config(unique_key, partition_by):
    return {}


def candles_partition_column(interval):
    return "candle_date"


def candles_partition_value(interval, candle_at):
    return f"cast({candle_at} as date)"


def candles_build(interval):
    """macros/candles/candles_build.sql's shape (its own statements are linted by lint_macros.py)."""
    return "select symbol, candle_at, open, high, low, close, volume, trades, vwap, bar_count, is_complete\nfrom final"


def metrics_columns():
    return ",\n        ".join(f"w{s}_bar_count as bars_{s}" for s, _ in _METRIC_WINDOWS)


def metrics_partial_columns():
    return ",\n        ".join([
        "segments.last_close as w15m_last_close", "short_mad.w15m_cci_abs_dev_sum",
        "long_7d.bar_count as w7d_bar_count", "long_7d_mad.cci_abs_dev_sum as w7d_cci_abs_dev_sum",
        "long_30d.bar_count as w30d_bar_count", "long_30d_mad.cci_abs_dev_sum as w30d_cci_abs_dev_sum",
    ])


def metrics_table_rows(final):
    return f"select * from {final}"


def metrics_catalog():
    """macros/metrics/metrics_catalog.sql's shape: a few of its metrics, with those the test macros name.

    lint_macros.py renders a test's arguments as their own names, so metrics_window_rules' suffix
    arrives as 'suffix': that is a window here too.
    """
    always_defined = ["close_mean", "close_min", "close_max", "rsi"]
    return {
        "windows": [*_METRIC_WINDOWS, ("suffix", 1440)],
        "metrics": [*always_defined, "stochastic_k", "stochastic_d", "adx"],
        "always_defined": always_defined,
    }


# indicators_<interval> (macros/indicators): the shapes its steps render, with two recursions.
def indicators_materialized(interval):
    return "incremental"


def indicators_build(interval):
    """macros/indicators/indicators_build.sql's shape (its own statements are linted by lint_macros.py)."""
    return "select symbol, candle_at, is_complete, close, sma_20, obv\nfrom final"


def indicators_stage(name, temporary=None):
    return f"indicators_15m__{name}"


class _StageTables(dict):
    def __missing__(self, name):
        return indicators_stage(name)


def indicators_stage_tables(temporary=None):
    """Every step's table, whatever the step (the steps' `stage` argument; lint_macros.py ARGUMENT_STAND_INS)."""
    return _StageTables()


def indicators_block_size():
    return 2048


def indicators_history_candles():
    return 200


def indicators_state_row():
    return 199


def indicators_double(x):
    return f"{float(x):.17e}"


def indicators_state_columns():
    return {"ema_12": "state_rows.ema_12", "macd_fast": "state_rows.macd + state_rows.ema_26"}


def indicators_start(interval, newest):
    return newest


def indicators_history_bounds(starts):
    return (
        f"select {starts}.symbol, {starts}.start_at as read_from_at, {starts}.start_at as state_at\n"
        f"        from {starts}"
    )


def indicators_rows_from(bound, rows, full=False):
    return f"({rows}.candle_at >= plan.{bound}_at)"


def _recursions(source, plan):
    return [
        {"name": "ema_12", "r": 0.5, "z": f"coalesce({plan}.state_ema_12, {source}.close)"},
        {"name": "obv", "r": 1.0, "z": f"{source}.volume"},
    ]


def indicators_first_recursions(source, plan, seeds):
    return _recursions(source, plan)


def indicators_second_recursions(source, plan, seeds):
    return _recursions(source, plan)


def indicators_recursions(which, source, plan, seeds):
    return _recursions(source, plan)


def indicators_carried_ctes(stage, which):
    pass_, ends = f"{which}_pass", f"{which}_ends"
    carried = indicators_carried(_recursions(pass_, "plan"), pass_, ends)
    return (f"{pass_} as (select * from {pass_}_stage), {ends} as (select * from {ends}_stage), "
            f"carried as (select {pass_}.symbol_key, {pass_}.i, {pass_}.blk, {pass_}.o, {carried} "
            f"from {pass_} left join {ends} on {pass_}.symbol_key = {ends}.symbol_key"
            f" and {pass_}.blk - 1 = {ends}.blk)")


def indicators_first_seed_windows():
    return [{"name": "close_mean_12", "fn": "avg", "x": "close", "first": 0, "last": 11}]


def indicators_second_seed_windows():
    return [{"name": "dx_sum_14", "fn": "sum", "x": "dx", "first": 14, "last": 27}]


def indicators_seeds_query(windows, source):
    return (f"select {source}.symbol_key, avg({source}.close) as close_mean_12 from {source}"
            f" group by {source}.symbol_key")


def indicators_block_sums(recursions, source):
    return ",\n".join(f"sum({r['z']}) over blocks as {r['name']}_local" for r in recursions)


def indicators_block_ends(recursions, source):
    return ",\n".join(f"sum({source}.{r['name']}_local) over block_order as {r['name']}_end" for r in recursions)


def indicators_carried(recursions, local, ends):
    return ",\n".join(
        f"{local}.{r['name']}_local + coalesce({ends}.{r['name']}_end, 0) as {r['name']}" for r in recursions
    )


def indicators_window_extremes(rows, window):
    return (
        f"max({rows}.high) over ({window} rows 13 preceding) as high_max_14,\n"
        f"min({rows}.low) over ({window} rows 13 preceding) as low_min_14"
    )


def indicators_columns():
    return [("sma_20", 19, "inputs.close_mean_20"), ("obv", 0, "first_values.obv")]


def indicators_state_items(value=None):
    return ",\n".join(f"cast({value or 'state_rows.' + n} as double) as state_{n}" for n in ("ema_12", "obv"))


def partition_month(date_expression):
    return f"cast({date_expression} as date)"


def regime_table_rows(final):
    return f"select * from {final}"


def candles_source(interval):
    return ("stg_ohlcvt", "bar_at")


class _Seconds(dict):
    def __missing__(self, interval):
        return 300


def candle_interval_seconds():
    """Any interval's seconds: a macro argument renders as its own name ('interval')."""
    return _Seconds({"5m": 300, "15m": 900, "1h": 3600, "4h": 14400, "1d": 86400})


def candles_source_filter(plan, time_column):
    return f"(symbol = 'XBTUSD' and {time_column} >= cast('2026-11-01 00:00:00' as datetime))"


def epoch_seconds(ts):
    return f"epoch_seconds({ts})"


def leading_join():
    return "inner join"
