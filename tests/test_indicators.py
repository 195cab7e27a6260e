"""indicators_15m .. indicators_1d against TA-Lib itself (tests/reference_indicators.py), every cell, on DuckDB and a
real MariaDB. The bars are test_candles.py's (gaps of minutes, hours and a day, three hours of identical prices,
zero-volume bars, a one-bar symbol, a short symbol that starts mid-candle) plus a symbol whose first 30 hours are
identical candles (no true range, DX undefined), with later a volume spike followed by five hours without volume and
a crash to a thousandth followed by six flat hours (a moving sum would keep a residue of the large values there), and a
long symbol: 260 days on DuckDB (1d has 260 candles, past every lookback), 40 days on MariaDB (its 4h has 240; the
load and the window passes of 260 days would take minutes there). Then:
- bars cut inside a candle, the rest loaded: the incremental run equals TA-Lib on all bars, and the symbols with
  200 stored candles continued from their stored state;
- a run with no new bars changes no value;
- a late correction before the newest candle, with recompute_from;
- removed bars: their rows go away;
- a full refresh equals TA-Lib and the incrementally built tables;
- real exchange bars (../shared/data/real-bars-1m/, when present): every cell of every indicator table.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from helpers import engines_param, execute, query
from pipeline import dbt_runner
from pipeline.bars import read_bar_file
from pipeline.errors import JobFailed
from pipeline.indicators_catalog import INDICATOR_COLUMNS, INDICATOR_INTERVALS
from pipeline.loader import load_batches
from pipeline.synthetic import generate
from reference_indicators import COLUMNS as REFERENCE_COLUMNS
from reference_indicators import INDICATOR_COLUMNS as REFERENCE_INDICATOR_COLUMNS
from reference_indicators import agree, indicators
from test_candles import REAL_BARS, _epoch, build_bars, late_changes, load, reference

log = logging.getLogger(__name__)
# the recursions' state no visible column holds: in the tables, not in TA-Lib's output
STATE_COLUMNS = [c for c in INDICATOR_COLUMNS if c not in REFERENCE_INDICATOR_COLUMNS]
VALUE_COLUMNS = [c for c in INDICATOR_COLUMNS if c not in ("symbol", "candle_at", "is_complete")]
LONG_DAYS = {"duckdb": 260, "mariadb": 40, "spark": 40}
# Spark: two intervals, 15m (day partitions; the long symbol's 3,840 candles span two blocks of the recursions) and 4h
# from 15m (month partitions); test_candles.py covers the 5m, 1h and 1d candles there. Every dbt command costs Spark
# 10-30 s (docs/scale.md).
SPARK_INTERVALS = {"candle_intervals": ["15m", "4h"], "indicator_intervals": ["15m", "4h"], "profile_intervals": ["4h"]}


def indicator_bars(end: datetime, long_days: int) -> pd.DataFrame:
    """test_candles' bars, a symbol with a flat opening, later flat and volume-less hours after a crash and a volume
    spike, and a long one."""
    bars = build_bars(end)
    [(_, flat)], [(_, long)] = generate(1, 6, end=end, seed=31), generate(1, long_days, end=end, seed=41, gaps=True)
    flat = flat.assign(symbol="FLATSTARTUSD")
    hours = (flat["ts"] - flat["ts"].iloc[0]) // 3600
    level = float(flat["close"].iloc[0])
    flat.loc[hours < 30, ["open", "high", "low", "close"]] = level
    later = (hours >= 60) & (hours < 66)
    flat.loc[later, ["open", "high", "low", "close"]] = float(flat.loc[later, "close"].iloc[0])
    # a volume spike, then five hours without volume: TA-Lib's MFI is 0 there, a moving sum keeps a residue (a
    # spike of 1e6 leaves one in TA-Lib's own running sums too, 1e-6 of MFI after the crash below: out of reach)
    flat.loc[(hours >= 79) & (hours < 80), "volume"] *= 1e3
    flat.loc[(hours >= 80) & (hours < 85), "volume"] = 0.0
    # a crash to a thousandth, then six flat hours: TA-Lib's CCI is 0 there, a moving mean keeps a residue
    flat.loc[hours >= 90, ["open", "high", "low", "close"]] /= 1000
    flat_again = (hours >= 100) & (hours < 106)
    flat.loc[flat_again, ["open", "high", "low", "close"]] = float(flat.loc[flat_again, "close"].iloc[0])
    frames = [bars, flat, long.assign(symbol="LONGUSD")]
    return pd.concat(frames, ignore_index=True).sort_values(["symbol", "ts"]).reset_index(drop=True)


def fetch(target, interval: str) -> pd.DataFrame:
    columns = list(INDICATOR_COLUMNS)
    rows = query(
        target,
        f"select {', '.join(columns)} from {target.relation('indicators_' + interval)} order by symbol, candle_at",
    )
    table = pd.DataFrame(rows, columns=columns)
    table["candle_at"] = pd.to_datetime(table["candle_at"], utc=True)
    table["is_complete"] = table["is_complete"].astype(bool)
    for column in VALUE_COLUMNS:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table


def run(common, *args: str, select: str = "+indicators", **kwargs) -> dict[str, str]:
    result = dbt_runner.invoke(["run", "--select", select, *args], **common, **kwargs)
    statuses = dbt_runner.statuses(result)
    assert set(statuses.values()) == {"success"}, statuses
    return statuses


def assert_equal_talib(target, bars: pd.DataFrame, what: str, intervals=INDICATOR_INTERVALS) -> int:
    """Every indicator table equals TA-Lib on its candles, cell by cell; is_complete is the candles' own.
    Returns the number of cells compared."""
    cells = 0
    for interval in intervals:
        ours = fetch(target, interval)
        candle_table = reference(bars, interval, datetime.now(UTC))
        expected = indicators(candle_table)
        assert len(ours) == len(expected), f"{what}: indicators_{interval}: {len(ours)} rows, TA-Lib {len(expected)}"
        problems = agree(
            ours.drop(columns=["is_complete", *STATE_COLUMNS]),
            expected.drop(columns="is_complete"),
            candle_table=candle_table,
        )
        assert not problems, f"{what}: indicators_{interval}: {len(problems)} cells differ: " + "; ".join(problems[:6])
        flags = query(
            target,
            f"select symbol, candle_at, is_complete from {target.relation('candles_' + interval)} "
            "order by symbol, candle_at",
        )
        assert ours["is_complete"].tolist() == [bool(f[2]) for f in flags], f"{what}: {interval} is_complete"
        cells += len(ours) * (len(REFERENCE_INDICATOR_COLUMNS) - 2)
    return cells


def assert_state_equal(ours: pd.DataFrame, other: pd.DataFrame, candle_table: pd.DataFrame, what: str) -> None:
    """The state columns (price units: averages of moves, or sums of 14) agree by the spec's rule, with the price
    scale times 14 (the sums) for every one of them."""
    scale = 14 * candle_table.groupby("symbol")["close"].median()
    merged = ours.merge(other, on=["symbol", "candle_at"], suffixes=("", "_other"), validate="one_to_one")
    assert len(merged) == len(ours) == len(other), f"{what}: rows differ"
    for column in STATE_COLUMNS:
        a, b = merged[column].to_numpy(), merged[f"{column}_other"].to_numpy()
        tolerance = 1e-9 * np.maximum.reduce([np.abs(a), np.abs(b), merged["symbol"].map(scale).to_numpy()])
        bad = (np.isnan(a) != np.isnan(b)) | (np.abs(a - b) > tolerance)
        assert not bad.any(), f"{what}: {column} differs at {merged.loc[bad, ['symbol', 'candle_at']].head(3)}"


def continuing_symbols(target, interval: str) -> int:
    """Symbols the last run of indicators_<interval> continued from stored state (its plan, kept by keep_scratch)."""
    return query(target, f"select count(state_at) from {target.relation(f'indicators_{interval}__plan')}")[0][0]


def with_state(bars: pd.DataFrame, interval: str) -> int:
    """Symbols whose candles of `bars` hold 200 before their newest: an incremental run continues them."""
    counts = reference(bars, interval, datetime.now(UTC)).groupby("symbol").size()
    return int((counts > 200).sum())


def test_catalog_lists_the_reference_columns_with_their_descriptions():
    spec_columns = [c for c in INDICATOR_COLUMNS if c not in STATE_COLUMNS]
    assert spec_columns == list(REFERENCE_INDICATOR_COLUMNS)
    for column in spec_columns[4:]:
        assert INDICATOR_COLUMNS[column] == REFERENCE_COLUMNS[column].description, column
    assert STATE_COLUMNS == ["rsi_avg_gain_14", "rsi_avg_loss_14", "plus_dm_sum_14", "minus_dm_sum_14", "tr_sum_14"]


@engines_param(spark=True)
def test_indicators_equal_talib_incrementally(warehouse, profiles_dir, tmp_path):
    target = warehouse
    # keep_scratch: the plan stays, to see which symbols continued from their stored state
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    narrowed = SPARK_INTERVALS if target.is_spark else {}
    intervals = narrowed.get("indicator_intervals", INDICATOR_INTERVALS)
    keep = {**narrowed, "keep_scratch": True}
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    bars = indicator_bars(now - timedelta(minutes=3), LONG_DAYS[target.type])
    # cut inside a 15m candle (and so inside every longer one) two hours before the end
    cut = (_epoch(now) // 3600 * 3600) - 2 * 3600 + 7 * 60
    first = bars[bars["ts"] < cut]
    load(target, first)
    run(common, vars=keep)
    assert_equal_talib(target, first, "first build", intervals)
    assert continuing_symbols(target, "15m") == 0

    load(target, bars[bars["ts"] >= cut])
    run(common, vars=keep)
    assert_equal_talib(target, bars, "incremental run", intervals)
    # every symbol with 200 candles before its newest continued from its stored state, the others were rebuilt
    continued = {i: continuing_symbols(target, i) for i in intervals}
    assert continued == {i: with_state(first, i) for i in intervals}
    assert min(n for i, n in continued.items() if i != "1d") > 0 and continued["15m"] < bars["symbol"].nunique()
    assert continued.get("1d", 0) == (1 if target.type == "duckdb" else 0)

    # nothing new: no value changes
    kept = {i: fetch(target, i) for i in intervals}
    run(common, vars=narrowed)
    for interval, table in kept.items():
        again = fetch(target, interval)
        pd.testing.assert_frame_equal(again.drop(columns="is_complete"), table.drop(columns="is_complete"))

    # a late correction and removed bars before the newest candle (a whole day of every symbol among them), picked
    # up with recompute_from; the removed bars' rows go away
    bars, since = late_changes(target, bars, now)
    run(common, vars={**narrowed, "recompute_from": since})
    assert_equal_talib(target, bars, "after late changes", intervals)

    incremental = {i: fetch(target, i) for i in intervals}
    run(common, "--full-refresh", vars=narrowed)
    assert_equal_talib(target, bars, "full refresh", intervals)
    for interval, table in incremental.items():
        rebuilt = fetch(target, interval)
        candle_table = reference(bars, interval, datetime.now(UTC))
        problems = agree(
            table.drop(columns=["is_complete", *STATE_COLUMNS]),
            rebuilt.drop(columns=["is_complete", *STATE_COLUMNS]),
            candle_table=candle_table,
        )
        assert not problems, f"indicators_{interval}: incremental != full refresh: " + "; ".join(problems[:6])
        assert_state_equal(table, rebuilt, candle_table, f"indicators_{interval}: incremental and full refresh")
    if target.is_spark:
        # a dbt command of its own would cost Spark another 30 s; the comparisons above hold the grain and
        # every value
        return
    # the YAML's tests: the grain, the columns never NULL, no infinity
    tested = dbt_runner.statuses(dbt_runner.invoke(["test", "--select", "indicators"], **common))
    assert len(tested) >= 4 * 7 and set(tested.values()) == {"pass"}, tested


@pytest.mark.skipif(not REAL_BARS.is_dir(), reason="no real bars (../shared/data/real-bars-1m/)")
@engines_param()
def test_indicators_of_real_exchange_bars(warehouse, profiles_dir, tmp_path):
    """Every cell of every indicator table of the 43 real symbols (their gaps, flat stretches, zero volumes)."""
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    batches = [read_bar_file(path) for path in sorted(REAL_BARS.glob("*_1.csv"))]
    load_batches(target, batches)
    bars = pd.concat([b.frame for b in batches], ignore_index=True)
    run(common)
    cells = assert_equal_talib(target, bars, "real bars")
    log.warning(
        "real bars on %s: %d symbols, %d indicator cells equal TA-Lib", target.type, bars["symbol"].nunique(), cells
    )
    assert bars["symbol"].nunique() >= 40 and cells > 1_000_000


def test_indicator_intervals_var_narrows_what_is_built(warehouse, profiles_dir, tmp_path):
    """DuckDB: only the listed intervals' indicators are built, the others are empty views with every column;
    listing them again builds them; `--select indicators` runs the indicator models alone."""
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    bars = build_bars(now - timedelta(minutes=3))
    load(target, bars)
    run(common, vars={"indicator_intervals": ["1h"], "profile_intervals": ["1h"]})
    for interval in ("15m", "4h", "1d"):
        assert fetch(target, interval).empty
    assert len(fetch(target, "1h")) == len(reference(bars, "1h", datetime.now(UTC)))
    statuses = run(common, select="indicators")
    assert sorted(statuses) == [f"indicators_{i}" for i in ("15m", "1d", "1h", "4h")]
    assert_equal_talib(target, bars, "all intervals again")


@pytest.mark.mariadb
@pytest.mark.parametrize("warehouse", ["mariadb"], indirect=True)
def test_a_second_run_at_the_same_time_changes_nothing(warehouse, profiles_dir, tmp_path):
    """MariaDB: while another connection holds indicators_1h's lock, a run of it stops with one line and no change."""
    import pymysql

    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    load(target, build_bars(now - timedelta(minutes=3)))
    run(common)
    before = fetch(target, "1h")
    holder = pymysql.connect(host=target.host, port=target.port, user=target.user, password=target.password)
    try:
        with holder.cursor() as cur:
            cur.execute(f"select get_lock('data_pipeline {target.schema}.indicators_1h', 0)")
            assert cur.fetchone()[0] == 1
        execute(target, f"delete from {target.relation('indicators_1h')} where symbol = 'GAPPYUSD'")
        with pytest.raises(JobFailed) as failure:
            dbt_runner.invoke(["run", "--select", "indicators_1h"], **common)
        assert "another run of" in str(failure.value) and "changed nothing" in str(failure.value)
    finally:
        holder.close()
    assert len(fetch(target, "1h")) == len(before[before["symbol"] != "GAPPYUSD"])
    run(common, select="indicators_1h")
    pd.testing.assert_frame_equal(fetch(target, "1h").drop(columns="is_complete"), before.drop(columns="is_complete"))


def test_an_unknown_indicator_interval_names_the_var(warehouse, profiles_dir, tmp_path):
    common = {"target": warehouse.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    with pytest.raises(JobFailed) as failure:
        dbt_runner.invoke(["run", "--select", "+indicators"], vars={"indicator_intervals": ["1h", "1w"]}, **common)
    assert 'var indicator_intervals: unknown interval "1w"' in str(failure.value)


def test_selectors_select_the_indicator_models(warehouse, profiles_dir, tmp_path):
    common = {"target": warehouse.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}

    def selected(selector: str) -> list[str]:
        result = dbt_runner.invoke(
            ["ls", "--resource-type", "model", "--output", "name", "--select", selector], **common
        )
        return sorted(result.result)

    indicator_models = sorted(f"indicators_{i}" for i in INDICATOR_INTERVALS)
    assert selected("indicators") == indicator_models
    assert selected("tag:indicators") == indicator_models
    upstream = set(selected("+indicators"))
    candle_models = {f"candles_{i}" for i in ("5m", "15m", "1h", "4h", "1d")}
    assert {*indicator_models, *candle_models, "stg_ohlcvt"} <= upstream
    assert not [name for name in upstream if name.startswith(("leaderboard", "ohlc_metrics"))]
