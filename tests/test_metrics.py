"""ohlc_metrics_daily against the plain reference (tests/reference_daily_metrics.py), every cell.

Generated bars over five weeks: symbols with gaps, one gap-free, one that starts mid-way, one
that stops three days before the end, a stretch of NULL volumes and one symbol flat for hours.
On DuckDB and a real MariaDB:
- a first build (dbt build: the model and its schema tests), the current date mid-day;
- an incremental run after more bars arrived (the current date moves on a day): the result
  equals the reference, which is what a full rebuild gives, and rows older than the previous
  newest date are not touched;
- a late correction of an old bar, picked up with var recompute_from;
- a rerun that changes nothing but last_updated_ts;
- one symbol's current date completing (a bar at 23:59) while the others stay mid-day.
Every cell must equal the reference to 1e-9 relative (1e-12 absolute near zero).
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import delete_bars, engines_param, execute, null_volumes, query, update_bars, weeks_before_now
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.errors import JobFailed
from pipeline.loader import load_batches
from pipeline.metrics_catalog import MACRO_PATH, YAML_PATH, metric_columns, render_macro, render_yaml
from pipeline.project import PROJECT_ROOT
from pipeline.synthetic import generate
from reference_daily_metrics import columns as reference_columns
from reference_daily_metrics import compute

# the second load's newest bar (the first load ends a day earlier), whole weeks before now
END = weeks_before_now(datetime(2026, 11, 2, 13, 37))
FIRST_END = END - timedelta(days=1, hours=2, minutes=11)
DAYS = 35
KEYS = ["symbol", "metric_date", "as_of_ts"]


def _epoch(dt: datetime) -> int:
    return int(dt.replace(tzinfo=UTC).timestamp())


def build_bars() -> pd.DataFrame:
    """Every bar of the test (symbol, ts, open, high, low, close, volume, trades); volume NaN = NULL."""
    frames = [f.assign(symbol=spec.symbol) for spec, f in generate(3, DAYS, end=END, seed=5, gaps=True)]
    frames += [f.assign(symbol="GAPFREEUSD") for _, f in generate(1, DAYS, end=END, seed=9, gaps=False)]
    late_start = frames[1].assign(symbol="LATEUSD")
    frames.append(late_start[late_start["ts"] >= _epoch(END) - 9 * 86400 + 7 * 3600])
    stopped = frames[2].assign(symbol="STOPPEDUSD")
    frames.append(stopped[stopped["ts"] < _epoch(END) - 3 * 86400 - 5 * 3600])
    bars = pd.concat(frames, ignore_index=True)
    # flat for six hours: equal closes, highs and lows
    start = _epoch(END) - 5 * 86400
    flat = (bars["symbol"] == "GAPFREEUSD") & (bars["ts"] >= start) & (bars["ts"] < start + 21600)
    level = float(bars.loc[flat, "close"].iloc[0])
    bars.loc[flat, ["open", "high", "low", "close"]] = level
    return bars.sort_values(["symbol", "ts"]).reset_index(drop=True)


NULL_VOLUME = ("GAPFREEUSD", _epoch(END) - 2 * 86400 - 900, _epoch(END) - 2 * 86400 + 600)


def load(target, bars: pd.DataFrame) -> None:
    batches = [validate_frame(str(s), g.reset_index(drop=True))
               for s, g in bars.groupby("symbol", sort=True)]
    load_batches(target, batches)
    symbol, lo, hi = NULL_VOLUME
    null_volumes(target, f"symbol = '{symbol}' and timestamp >= '{datetime.fromtimestamp(lo, UTC):%Y-%m-%d %H:%M:%S}' "
                         f"and timestamp < '{datetime.fromtimestamp(hi, UTC):%Y-%m-%d %H:%M:%S}'")


def correct_bar(target, symbol: str, at: int) -> None:
    """A late correction of one bar: its close and high 1% higher."""
    update_bars(target, f"symbol = '{symbol}' and timestamp = '{datetime.fromtimestamp(at, UTC):%Y-%m-%d %H:%M:%S}'",
                {"close": "close * 1.01", "high": "high * 1.01"})


def reference(bars: pd.DataFrame) -> pd.DataFrame:
    bars = bars.copy()
    symbol, lo, hi = NULL_VOLUME
    bars.loc[(bars["symbol"] == symbol) & (bars["ts"] >= lo) & (bars["ts"] < hi), "volume"] = np.nan
    table = compute(bars)
    table["metric_date"] = pd.to_datetime(table["metric_date"])
    return table.sort_values(["symbol", "metric_date"]).reset_index(drop=True)


def fetch(target) -> pd.DataFrame:
    cols = ["symbol", "metric_date", "as_of_ts", "last_updated_ts", *metric_columns()]
    rows = query(target, f"select {', '.join(cols)} from {target.relation('ohlc_metrics_daily')} "
                         "order by symbol, metric_date")
    table = pd.DataFrame(rows, columns=cols)
    table["metric_date"] = pd.to_datetime(table["metric_date"])
    table["as_of_ts"] = pd.to_datetime(table["as_of_ts"])
    return table


def same(a, b) -> bool:
    a_missing = a is None or (isinstance(a, float) and math.isnan(a))
    b_missing = b is None or (isinstance(b, float) and math.isnan(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def assert_equal_to_reference(actual: pd.DataFrame, expected: pd.DataFrame, what: str) -> None:
    assert actual[KEYS].astype(str).values.tolist() == expected[KEYS].astype(str).values.tolist(), \
        f"{what}: the rows (symbol, date, as_of_ts) differ from the reference"
    mismatches = []
    for column in metric_columns():
        for i, (a, e) in enumerate(zip(actual[column], expected[column], strict=True)):
            if not same(a, e):
                mismatches.append(f"{actual['symbol'][i]} {actual['metric_date'][i]:%Y-%m-%d} {column}: {a!r} != {e!r}")
    assert not mismatches, f"{what}: {len(mismatches)} cells differ, first: " + "; ".join(mismatches[:5])


def test_catalog_matches_the_reference_columns():
    assert metric_columns() == reference_columns()


@engines_param()
def test_metrics_equal_the_reference(warehouse, profiles_dir, tmp_path):
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    bars = build_bars()
    first = bars[bars["ts"] <= _epoch(FIRST_END)]
    load(target, first)
    result = dbt_runner.invoke(["build", "--select", "+ohlc_metrics_daily"], **common)
    assert {s for s in dbt_runner.statuses(result).values()} <= {"success", "pass"}
    built = fetch(target)
    expected = reference(first)
    assert_equal_to_reference(built, expected, "first build")
    # the current date's row: as of one minute after each symbol's own latest bar
    current = built[built["metric_date"] == built["metric_date"].max()]
    assert (current["as_of_ts"] <= pd.Timestamp(FIRST_END) + pd.Timedelta(minutes=1)).all()
    assert (current["as_of_ts"] > current["metric_date"]).all()
    assert len(current) >= 4 and "STOPPEDUSD" not in set(current["symbol"])

    # more bars: the incremental run recomputes from the previous newest date only
    load(target, bars[bars["ts"] > _epoch(FIRST_END)])
    dbt_runner.invoke(["build", "--select", "ohlc_metrics_daily"], **common)
    after = fetch(target)
    assert_equal_to_reference(after, reference(bars), "incremental run")
    newest_before = built["metric_date"].max()
    old_before = built[built["metric_date"] < newest_before].reset_index(drop=True)
    old_after = after[after["metric_date"] < newest_before].reset_index(drop=True)
    assert old_after["last_updated_ts"].tolist() == old_before["last_updated_ts"].tolist(), "old rows were rewritten"

    # a late correction four days back, picked up with recompute_from (selected by tag)
    symbol, at = "GAPFREEUSD", _epoch(END) - 4 * 86400 + 3600
    correct_bar(target, symbol, at)
    mask = (bars["symbol"] == symbol) & (bars["ts"] == at)
    assert mask.sum() == 1
    bars.loc[mask, "close"] *= 1.01
    bars.loc[mask, "high"] *= 1.01
    recompute_from = f"{datetime.fromtimestamp(at, UTC):%Y-%m-%d}"
    dbt_runner.invoke(["build", "--select", "tag:metrics"], vars={"recompute_from": recompute_from}, **common)
    corrected = fetch(target)
    assert_equal_to_reference(corrected, reference(bars), "recompute_from")

    # a rerun changes nothing but last_updated_ts
    dbt_runner.invoke(["run", "--select", "ohlc_metrics_daily"], **common)
    again = fetch(target)
    pd.testing.assert_frame_equal(again.drop(columns="last_updated_ts"), corrected.drop(columns="last_updated_ts"))

    # one symbol's current date completes (a bar at 23:59; the others stay mid-day): its row is as
    # of midnight like any other date's, without current-date segments of its own
    day_end = _epoch(END.replace(hour=23, minute=59))
    gapfree = bars[bars["symbol"] == "GAPFREEUSD"]
    rest = gapfree[(gapfree["ts"] > _epoch(END) - 86400) & (gapfree["ts"] <= day_end - 86400)]
    rest = rest.assign(ts=rest["ts"] + 86400)
    assert rest["ts"].max() == day_end
    load(target, rest)
    bars = pd.concat([bars, rest]).sort_values(["symbol", "ts"]).reset_index(drop=True)
    dbt_runner.invoke(["build", "--select", "ohlc_metrics_daily"], **common)
    completed = fetch(target)
    assert_equal_to_reference(completed, reference(bars), "a current date complete for one symbol")
    current = completed[completed["metric_date"] == completed["metric_date"].max()].set_index("symbol")["as_of_ts"]
    assert current["GAPFREEUSD"] == pd.Timestamp(day_end + 60, unit="s")
    assert (current.drop("GAPFREEUSD") < pd.Timestamp(day_end, unit="s")).all()


def small_build(target, tmp_path) -> tuple[dict, pd.DataFrame]:
    """Two symbols' last three days loaded and built; returns dbt_runner's arguments and the bars."""
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    bars = build_bars()
    bars = bars[bars["symbol"].isin(["GAPFREEUSD", "LATEUSD"]) & (bars["ts"] >= _epoch(END) - 3 * 86400)]
    load(target, bars)
    dbt_runner.invoke(["run", "--select", "+ohlc_metrics_daily"], **common)
    return common, bars


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_full_refresh_rebuilds_and_drops_scratch_tables(warehouse, profiles_dir, tmp_path):
    target = warehouse
    common, bars = small_build(target, tmp_path)
    execute(target, f"delete from {target.relation('ohlc_metrics_daily')} where symbol = 'LATEUSD'")
    # the sorted typical prices an earlier version kept on DuckDB: now scratch, dropped by the run
    execute(target, f"create table {target.relation('ohlc_metrics_daily__typical_prices')} as select 1 as cnt")
    dbt_runner.invoke(["run", "--select", "ohlc_metrics_daily", "--full-refresh"], **common)
    assert_equal_to_reference(fetch(target), reference(bars), "full refresh")
    tables = {r[0] for r in query(target, "select table_name from information_schema.tables")}
    kept = {"ohlc_metrics_daily__segments", "ohlc_metrics_daily__pending"}
    assert {"ohlc_metrics_daily", *kept} <= tables
    assert not [t for t in tables if t.startswith("ohlc_metrics_daily__") and t not in kept]


def test_yaml_and_macro_are_generated_from_the_catalog():
    assert YAML_PATH.read_text() == render_yaml(), "run: python -m pipeline.metrics_catalog --write"
    assert MACRO_PATH.read_text() == render_macro(), "run: python -m pipeline.metrics_catalog --write"


@pytest.mark.parametrize("warehouse", [pytest.param("mariadb", marks=pytest.mark.mariadb)], indirect=True)
def test_step_tables_of_an_older_layout_get_a_full_build(warehouse, profiles_dir, tmp_path):
    """MariaDB: typical prices kept in the layout before ranks (distinct prices keyed by price, no
    rn) make the next run a full build, instead of an insert that fails or mixes layouts."""
    target = warehouse
    common, bars = small_build(target, tmp_path)
    typical = target.relation("ohlc_metrics_daily__typical_prices")
    execute(target, f"drop table {typical}")
    execute(target, f"create table {typical} (symbol varchar(32) not null, seg_date bigint not null, "
                    "bkt bigint not null, tpa double not null, cnt bigint, cum_n decimal(42, 0), cum_s double, "
                    "primary key (symbol, seg_date, bkt, tpa))")
    dbt_runner.invoke(["run", "--select", "ohlc_metrics_daily"], **common)
    assert_equal_to_reference(fetch(target), reference(bars), "after step tables of an older layout")
    columns = {r[0] for r in query(target, "select column_name from information_schema.columns where "
                                           f"table_schema = '{target.schema}' and table_name = "
                                           "'ohlc_metrics_daily__typical_prices'")}
    assert {"rank_in_day", "bucket", "typical_from_close", "count_at_or_below", "dev_sum_at_or_below"} <= columns \
        and "cnt" not in columns


@pytest.mark.parametrize("warehouse", [pytest.param("mariadb", marks=pytest.mark.mariadb)], indirect=True)
def test_overlapping_runs_are_refused(warehouse, profiles_dir, tmp_path):
    """MariaDB: a run that starts while another holds the table's lock (cron firing during a long
    backfill) stops before touching anything, says why, and the next run works; a finished run
    leaves the lock free."""
    from pipeline.warehouse import connect

    target = warehouse
    common, bars = small_build(target, tmp_path)
    name = f"data_pipeline {target.schema}.ohlc_metrics_daily"
    table = target.relation("ohlc_metrics_daily")
    before = query(target, f"select count(*), max(last_updated_ts) from {table}")
    holder = connect(target)
    try:
        with holder.cursor() as cur:
            cur.execute("select get_lock(%s, 0)", (name,))
            assert cur.fetchall()[0][0] == 1
        with pytest.raises(JobFailed, match=r"another run of .* is in progress"):
            dbt_runner.invoke(["run", "--select", "ohlc_metrics_daily", "--full-refresh"], **common)
        assert query(target, f"select count(*), max(last_updated_ts) from {table}") == before
    finally:
        holder.close()
    dbt_runner.invoke(["run", "--select", "ohlc_metrics_daily"], **common)
    assert_equal_to_reference(fetch(target), reference(bars), "after a refused run")
    assert query(target, "select get_lock(%s, 0)", (name,))[0][0] == 1


@engines_param()
def test_rows_of_removed_bars_go_too(warehouse, profiles_dir, tmp_path):
    """Bars removed (a bad batch taken out) take their rows with them: one symbol's newest date
    (picked up by the next run) and, with recompute_from, another symbol's first date. The table
    then equals what a full rebuild gives."""
    target = warehouse
    common, bars = small_build(target, tmp_path)
    newest_day = datetime.fromtimestamp(int(bars["ts"].max()) // 86400 * 86400, UTC)
    first_day = datetime.fromtimestamp(int(bars["ts"].min()) // 86400 * 86400, UTC)
    gone = (((bars["symbol"] == "LATEUSD") & (bars["ts"] >= _epoch(newest_day.replace(tzinfo=None))))
            | ((bars["symbol"] == "GAPFREEUSD") & (bars["ts"] < _epoch(first_day.replace(tzinfo=None)) + 86400)))
    assert gone.sum() > 0 and (~gone).sum() > 0
    delete_bars(target, f"symbol = 'LATEUSD' and timestamp >= '{newest_day:%Y-%m-%d}'")
    dbt_runner.invoke(["build", "--select", "ohlc_metrics_daily"], **common)
    delete_bars(target, f"symbol = 'GAPFREEUSD' and timestamp < '{first_day + timedelta(days=1):%Y-%m-%d}'")
    dbt_runner.invoke(["build", "--select", "ohlc_metrics_daily"], vars={"recompute_from": f"{first_day:%Y-%m-%d}"},
                      **common)
    assert_equal_to_reference(fetch(target), reference(bars[~gone]), "after bars were removed")


@engines_param()
def test_a_symbol_or_older_history_loaded_after_the_backfill(warehouse, profiles_dir, tmp_path):
    """A symbol first loaded after the backfill gets its whole history on the next plain run (it
    got one row before: bars_7d 1440, bars_30d below its own bars_24h), and so do a stored
    symbol's older bars loaded later. dbt build: the schema tests run after the incremental run."""
    target = warehouse
    common, bars = small_build(target, tmp_path)
    source = bars[bars["symbol"] == "GAPFREEUSD"]
    newcomer = source[source["ts"] >= source["ts"].max() - 2 * 86400].assign(symbol="NEWUSD")
    older = bars[(bars["symbol"] == "LATEUSD") & (bars["ts"] < bars["ts"].min() + 86400)]
    older = older.assign(ts=older["ts"] - 4 * 86400)
    load(target, pd.concat([newcomer, older]))
    result = dbt_runner.invoke(["build", "--select", "ohlc_metrics_daily"], **common)
    assert set(dbt_runner.statuses(result).values()) <= {"success", "pass"}
    bars = pd.concat([bars, newcomer, older]).sort_values(["symbol", "ts"]).reset_index(drop=True)
    assert_equal_to_reference(fetch(target), reference(bars), "after a new symbol and older bars")


@engines_param()
def test_a_stopped_symbol_whose_gap_is_filled_later(warehouse, profiles_dir, tmp_path):
    """A feed that stopped two days before the others and whose missing days were loaded later
    (Kraken serves only the last 720 minutes, so the gap comes from load_bars.py): the next
    plain run, which starts at the newest date, builds those days too."""
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    bars = build_bars()
    bars = bars[bars["symbol"].isin(["GAPFREEUSD", "LATEUSD"]) & (bars["ts"] >= _epoch(END) - 4 * 86400)]
    cut = int(bars["ts"].max()) // 86400 * 86400 - 86400
    gap = (bars["symbol"] == "LATEUSD") & (bars["ts"] >= cut - 86400)
    load(target, bars[~gap])
    dbt_runner.invoke(["run", "--select", "+ohlc_metrics_daily"], **common)
    load(target, bars[gap])
    dbt_runner.invoke(["build", "--select", "ohlc_metrics_daily"], **common)
    assert_equal_to_reference(fetch(target), reference(bars), "after a stopped symbol's gap was filled")


@pytest.mark.parametrize("warehouse", [pytest.param("spark", marks=pytest.mark.spark)], indirect=True)
def test_spark_runs_equal_the_reference(warehouse, profiles_dir, tmp_path):
    """Spark, where each dbt command costs 15-40 s (docs/scale.md): the cases of the tests above in
    three commands, each result equal to the reference (a full rebuild):
    1. dbt build (the model and its schema tests) of two symbols' last three days, mid-day;
    2. a plain run after more bars (the current date moves on), one symbol's newest date removed,
       a new symbol, and a stored symbol's older history loaded 40 days back (months no other
       symbol has rows in). The months from that history on are rewritten: the stored rows the
       run does not recompute are carried over unchanged (their last_updated_ts too);
    3. a run with recompute_from at that history's first date, after a late correction and the
       older history removed again: the rows of its months vanish, so the months are dropped.
    """
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    bars = build_bars()
    bars = bars[bars["symbol"].isin(["GAPFREEUSD", "LATEUSD"]) & (bars["ts"] >= _epoch(END) - 3 * 86400)]
    first = bars[bars["ts"] <= _epoch(FIRST_END)]
    load(target, first)
    result = dbt_runner.invoke(["build", "--select", "+ohlc_metrics_daily"], **common)
    assert set(dbt_runner.statuses(result).values()) <= {"success", "pass"}
    built = fetch(target)
    assert_equal_to_reference(built, reference(first), "first build")

    newest_day = int(bars["ts"].max()) // 86400 * 86400
    gone = (bars["symbol"] == "LATEUSD") & (bars["ts"] >= newest_day)
    newcomer = bars[(bars["symbol"] == "GAPFREEUSD") & (bars["ts"] >= newest_day - 86400)].assign(symbol="NEWUSD")
    gapfree = bars[bars["symbol"] == "GAPFREEUSD"]
    older = gapfree[gapfree["ts"] < gapfree["ts"].min() + 86400].assign(ts=lambda f: f["ts"] - 40 * 86400)
    load(target, pd.concat([bars[(bars["ts"] > _epoch(FIRST_END)) & ~gone], newcomer, older]))
    dbt_runner.invoke(["run", "--select", "ohlc_metrics_daily"], **common)
    after = fetch(target)
    bars = pd.concat([bars[~gone], newcomer, older]).sort_values(["symbol", "ts"]).reset_index(drop=True)
    assert_equal_to_reference(after, reference(bars), "more bars, a new symbol, older history")
    # LATEUSD's older rows: not recomputed, but in months the run rewrites
    stored = built[(built["symbol"] == "LATEUSD") & (built["metric_date"] < built["metric_date"].max())]
    kept = stored.merge(after, on=["symbol", "metric_date"])
    assert len(kept) > 0 and (kept["last_updated_ts_x"] == kept["last_updated_ts_y"]).all(), "old rows were rewritten"

    symbol, at = "LATEUSD", newest_day - 86400 + 3600
    correct_bar(target, symbol, at)
    bars.loc[(bars["symbol"] == symbol) & (bars["ts"] == at), ["close", "high"]] *= 1.01
    history_day = int(older["ts"].min()) // 86400 * 86400
    cut = int(older["ts"].max()) + 60
    delete_bars(target, f"timestamp < '{datetime.fromtimestamp(cut, UTC):%Y-%m-%d %H:%M:%S}'")
    bars = bars[bars["ts"] >= cut]
    # a run, not a build: the first build ran the schema tests, and the rows are compared below
    dbt_runner.invoke(["run", "--select", "ohlc_metrics_daily"],
                      vars={"recompute_from": f"{datetime.fromtimestamp(history_day, UTC):%Y-%m-%d}"}, **common)
    final = fetch(target)
    assert_equal_to_reference(final, reference(bars), "recompute_from, older history removed")
    # the test reached the case it is about: months that only the removed history's rows were in
    months = {f"{d:%Y-%m}" for d in after["metric_date"]} - {f"{d:%Y-%m}" for d in final["metric_date"]}
    assert months, "no month was left without rows"


STEP_LINE = re.compile(r"ohlc_metrics_daily: (.+) \(\d+\.\d s\)")


def run_killed(target, tmp_path, kill_after: int, vars_json: str | None = None,
               extra: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    """`dbt run --select ohlc_metrics_daily` in a process of its own, killed (SIGKILL) as soon as it
    has logged its kill_after-th step. Returns the exit status (-9 when killed) and the steps seen."""
    dbt = [str(Path(sys.executable).with_name("dbt")), "run", "--select", "ohlc_metrics_daily",
           "--target", target.name, "--project-dir", str(PROJECT_ROOT),
           "--target-path", str(tmp_path / "target_killed"), "--log-path", str(tmp_path / "logs")]
    if vars_json:
        dbt += ["--vars", vars_json]
    dbt += list(extra)
    steps: list[str] = []
    process = subprocess.Popen(dbt, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    for line in process.stdout:
        match = STEP_LINE.search(line)
        if match:
            steps.append(match.group(1))
            if len(steps) == kill_after:
                process.send_signal(signal.SIGKILL)
                break
    process.stdout.close()
    return process.wait(timeout=300), steps


def wait_for_lock(target, name: str) -> None:
    """MariaDB: the killed client's server thread may still be finishing its statement (it holds
    the table's run lock until then); cron's next run would be refused, so the test waits."""
    if target.type == "duckdb":
        return
    deadline = time.monotonic() + 120
    while query(target, "select is_free_lock(%s)", (name,))[0][0] != 1:
        assert time.monotonic() < deadline, "the killed run's lock was never released"
        time.sleep(0.2)


@pytest.mark.slow
@engines_param()
def test_a_run_killed_at_any_step_is_finished_by_the_next(warehouse, profiles_dir, tmp_path):
    """kill -9 at every step boundary: a recompute_from run (a corrected bar, a new symbol) is
    killed after its first step, then each plain run after is killed one step later, until one
    finishes. The table then equals the reference (a clean full refresh), though the killed
    steps had rewritten the persistent step tables one statement at a time; the record of the
    unfinished run is empty again."""
    target = warehouse
    _, bars = small_build(target, tmp_path)
    symbol, at = "GAPFREEUSD", int(bars["ts"].max()) // 86400 * 86400 - 86400 + 7200
    correct_bar(target, symbol, at)
    mask = (bars["symbol"] == symbol) & (bars["ts"] == at)
    assert mask.sum() == 1
    bars.loc[mask, ["close", "high"]] *= 1.01
    newcomer = bars[bars["symbol"] == "LATEUSD"].assign(symbol="NEWUSD")
    load(target, newcomer)
    bars = pd.concat([bars, newcomer]).sort_values(["symbol", "ts"]).reset_index(drop=True)

    lock = f"data_pipeline {target.schema}.ohlc_metrics_daily"
    recompute = f'{{"recompute_from": "{datetime.fromtimestamp(at, UTC):%Y-%m-%d}"}}'
    segments = target.relation("ohlc_metrics_daily__segments")
    killed: list[str] = []
    left_behind: list[int] = []  # __segments' row count after each kill
    for kill_after in range(1, 60):
        status, steps = run_killed(target, tmp_path, kill_after, recompute if kill_after == 1 else None)
        wait_for_lock(target, lock)
        if status != -signal.SIGKILL:
            assert status == 0, f"the run after {len(killed)} kills failed (steps {steps})"
            break
        killed.append(steps[-1])
        left_behind.append(query(target, f"select count(*) from {segments}")[0][0])
    else:
        pytest.fail("every run was killed")
    assert len(killed) >= 12 and "segments: delete" in killed, f"killed after: {killed}"
    assert_equal_to_reference(fetch(target), reference(bars), f"after runs killed after {killed}")
    assert query(target, f"select count(*) from {target.relation('ohlc_metrics_daily__pending')}") == [(0,)]
    if target.type == "duckdb":
        # each statement commits by itself there: some kill must have left __segments half-written,
        # or the test did not reach the window it is about
        final = query(target, f"select count(*) from {segments}")[0][0]
        assert any(count != final for count in left_behind), left_behind

    # a full refresh killed after its first steps, then a plain run
    status, steps = run_killed(target, tmp_path, 4, extra=("--full-refresh",))
    assert status == -signal.SIGKILL, steps
    wait_for_lock(target, lock)
    assert run_killed(target, tmp_path, 10**6)[0] == 0
    assert_equal_to_reference(fetch(target), reference(bars), "after a killed full refresh")


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_a_duplicate_row_fails_the_grain_test(warehouse, profiles_dir, tmp_path):
    """The incremental steps above run dbt build, so the schema tests see every incremental
    result; here a duplicated (metric_date, symbol), as a broken incremental run would leave it
    (DuckDB has no primary key to refuse it), fails dbt test."""
    common, _ = small_build(warehouse, tmp_path)
    table = warehouse.relation("ohlc_metrics_daily")
    execute(warehouse, f"insert into {table} select * from {table} order by metric_date desc limit 1")
    with pytest.raises(JobFailed, match=r"unique_combination_of_columns_ohlc_metrics_daily_metric_date__symbol \(fail"):
        dbt_runner.invoke(["test", "--select", "ohlc_metrics_daily"], **common)
    # and a value out of its range fails its window's rules (one generic test per window)
    execute(warehouse, f"delete from {table} where rowid in (select max(rowid) from {table})")
    execute(warehouse, f"update {table} set rsi_15m = 150 where bars_15m > 0")
    with pytest.raises(JobFailed) as failure:
        dbt_runner.invoke(["test", "--select", "ohlc_metrics_daily"], **common)
    assert "metrics_window_rules_ohlc_metrics_daily_15m (fail" in str(failure.value)
    assert "metrics_window_rules_ohlc_metrics_daily_30m" not in str(failure.value)
    assert "unique_combination" not in str(failure.value)
