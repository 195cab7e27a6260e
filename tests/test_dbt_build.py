"""`dbt build` on DuckDB and a real MariaDB over synthetic bars with gaps and some broken bars.

Proves: the project builds and its tests pass (warnings only for the broken bars); every
broken bar (a bar stamped in the future among them) lands in stg_ohlcvt_quarantine with the
right reason and none reaches stg_ohlcvt; the cross-database macro seed test passes; source
freshness runs against UTC; utc_now() is UTC.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers import engines_param, execute, query
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.project import PROJECT_ROOT
from pipeline.synthetic import generate

BROKEN = [  # (symbol, minute offset before the last bar, column overrides, expected reason)
    ("BROKEN1USD", 1, {"open": -1.0}, "price not positive"),
    ("BROKEN1USD", 2, {"high": 0.5, "open": 1.0, "close": 1.0, "low": 0.4}, "high below open or close"),
    ("BROKEN1USD", 3, {"low": 1.5, "open": 1.0, "close": 1.0, "high": 2.0}, "low above open or close"),
    ("BROKEN1USD", 4, {"volume": -3.0}, "negative volume"),
    ("BROKEN1USD", 5, {"trades": -1}, "negative trades"),
    # a value no market produces: before the bounds, it made every metric downstream inf
    ("BROKEN1USD", 7, {"high": 1e308, "close": 1e308, "volume": 1e308}, "price out of range"),
    ("BROKEN1USD", 8, {"volume": 1e19}, "volume out of range"),
]


# DuckDB can store NaN and inf (MariaDB cannot): (minute offset, column overrides, reason)
NON_FINITE = [
    (20, {"high": "'nan'", "close": "'nan'"}, "price out of range"),
    (21, {"high": "'inf'"}, "price out of range"),
    (22, {"low": "'-inf'"}, "price not positive"),
    (23, {"volume": "'inf'"}, "volume out of range"),
    (24, {"volume": "'nan'"}, "volume out of range"),
    (26, {"high": "1e15", "close": "1e15"}, "price out of range"),  # the bound itself is out
]


def insert_broken_bars(target, end_epoch: int) -> None:
    relation = target.relation("ohlcvt")
    if target.type == "duckdb":
        for offset, overrides, _ in NON_FINITE:
            bar = {"open": "1", "high": "1", "low": "1", "close": "1", "volume": "1"} | overrides
            stamp = datetime.fromtimestamp(end_epoch - 60 * offset, UTC).strftime("%Y-%m-%d %H:%M:%S")
            execute(target, f"insert into {relation} (symbol, timestamp, open, high, low, close, volume, trades) "
                            f"values ('BROKEN2USD', '{stamp}', {bar['open']}::double, {bar['high']}::double, "
                            f"{bar['low']}::double, {bar['close']}::double, {bar['volume']}::double, 1)")
    for symbol, offset, overrides, _ in BROKEN:
        bar = {"open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0, "trades": 1} | overrides
        ts = end_epoch - 60 * offset
        stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
        execute(target, f"insert into {relation} (symbol, timestamp, open, high, low, close, volume, trades) "
                        f"values ('{symbol}', '{stamp}', {bar['open']}, {bar['high']}, {bar['low']}, "
                        f"{bar['close']}, {bar['volume']}, {bar['trades']})")
    # a bar that is not on a minute boundary (only DuckDB and DATETIME with seconds can hold it),
    # and one stamped a day ahead of the clock (sane but for its time)
    for symbol, ts in (("BROKEN1USD", end_epoch - 60 * 6 + 30), ("FUTURE1USD", end_epoch + 86400)):
        stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")
        execute(target, f"insert into {relation} (symbol, timestamp, open, high, low, close, volume, trades) "
                        f"values ('{symbol}', '{stamp}', 1, 1, 1, 1, 1, 1)")


@pytest.mark.slow
@engines_param()
def test_dbt_build_quarantines_broken_bars(warehouse, profiles_dir, tmp_path):
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    batches = [validate_frame(spec.symbol, frame)
               for spec, frame in generate(4, 2, end=end, seed=3, gaps=True)]
    good_rows = load_batches(warehouse, batches).rows
    insert_broken_bars(warehouse, int(end.timestamp()))

    common = dict(target=warehouse.name, profiles_dir=profiles_dir, target_path=tmp_path / "target",
                  log_path=tmp_path / "logs")
    result = dbt_runner.invoke(["build"], **common)
    statuses = dbt_runner.statuses(result)
    assert statuses["cross_db_macros_agree"] == "pass"
    assert statuses["no_quarantined_bars"] == "warn"
    assert statuses["quarantined_share"] == "pass"
    assert statuses["source_unique_combination_of_columns_market_ohlcvt_symbol__timestamp"] == "pass"
    assert statuses["stg_ohlcvt"] == "success"
    assert not [name for name, status in statuses.items() if status in ("fail", "error")]

    quarantined = dict(query(warehouse, "select bar_at, reason from " + warehouse.relation("stg_ohlcvt_quarantine")))
    end_at = end.replace(tzinfo=None)
    expected = {end_at - timedelta(minutes=offset): reason for _, offset, _, reason in BROKEN}
    expected[end_at - timedelta(seconds=330)] = "timestamp not on a minute boundary"
    expected[end_at + timedelta(days=1)] = "timestamp in the future"
    if warehouse.type == "duckdb":
        expected |= {end_at - timedelta(minutes=offset): reason for offset, _, reason in NON_FINITE}
    assert quarantined == expected
    assert query(warehouse, "select count(*) from " + warehouse.relation("stg_ohlcvt")) == [(good_rows,)]
    assert query(warehouse, "select count(*) from " + warehouse.relation("stg_ohlcvt")
                 + " where symbol = 'BROKEN1USD'") == [(0,)]

    freshness = dbt_runner.invoke(["source", "freshness"], **common)
    assert [str(r.status) for r in freshness.result.results] == ["pass"]

    shown = dbt_runner.invoke(["show", "--inline", "select {{ epoch_seconds(utc_now()) }} as now_epoch"], **common)
    now_epoch = int(shown.result.results[0].agate_table.rows[0][0])
    assert abs(now_epoch - datetime.now(UTC).timestamp()) < 120


@pytest.mark.slow
@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_bars_table_without_trades_column(warehouse, profiles_dir, tmp_path):
    execute(warehouse, "create table ohlcvt (symbol varchar, timestamp timestamp, open double, high double, "
                       "low double, close double, volume double)")
    execute(warehouse, "insert into ohlcvt values ('XBTUSD', timestamp '2026-01-01 00:00:00', 1, 2, 0.5, 1.5, 3), "
                       "('XBTUSD', timestamp '2026-01-01 00:01:00', 1, 0.5, 0.5, 1, 3)")
    common = {"target": warehouse.name, "profiles_dir": profiles_dir, "target_path": tmp_path / "target",
              "log_path": tmp_path / "logs"}
    # one bar of two quarantined: more than the default share (1%) is an error, not a warning
    result = dbt_runner.invoke(["build", "--select", "tag:staging"], vars={"ohlcvt_has_trades": False}, check=False,
                               **common)
    assert dbt_runner.statuses(result)["quarantined_share"] == "fail"
    result = dbt_runner.invoke(["build", "--select", "tag:staging"],
                               vars={"ohlcvt_has_trades": False, "quarantine_error_share": 0.5}, **common)
    assert dbt_runner.statuses(result)["no_quarantined_bars"] == "warn"
    assert dbt_runner.statuses(result)["quarantined_share"] == "pass"
    assert query(warehouse, "select symbol, trades from stg_ohlcvt") == [("XBTUSD", None)]
    assert query(warehouse, "select reason from stg_ohlcvt_quarantine") == [("high below open or close",)]


@pytest.mark.slow
@pytest.mark.mariadb
@pytest.mark.parametrize("warehouse", ["mariadb"], indirect=True)
def test_staging_views_keep_the_bars_index_usable(warehouse, profiles_dir, tmp_path):
    end = datetime(2026, 1, 31, tzinfo=UTC)
    load_batches(warehouse, [validate_frame(s.symbol, f) for s, f in generate(2, 1, end=end, seed=5)])
    dbt_runner.invoke(["run", "--select", "tag:staging"], target=warehouse.name, profiles_dir=profiles_dir,
                      target_path=tmp_path / "target", log_path=tmp_path / "logs")
    plan = query(warehouse, f"explain select * from {warehouse.relation('stg_ohlcvt')} "
                            "where symbol = 'KAZO000USD' and bar_at >= '2026-01-30 12:00:00'")
    assert [(row[3], row[5]) for row in plan] == [("range", "PRIMARY")]


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_a_dbt_run_waits_for_a_duckdb_file_another_process_holds(warehouse, profiles_dir, tmp_path):
    """Cron's next dbt run while a load still holds the DuckDB file: it waits (the profile's
    retries) and then runs, instead of exiting at once with "Could not set lock". The holder lets
    go only 4 s after dbt has parsed the project (its next step opens the file), however slowly
    dbt starts."""
    load_batches(warehouse, [validate_frame(s.symbol, f) for s, f in generate(1, 1, end=datetime.now(UTC), seed=2)])
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(warehouse.path)!r})
        print("holding", flush=True)
        sys.stdin.readline()
        """)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert holder.stdout.readline().strip() == "holding"
        dbt = subprocess.Popen([str(Path(sys.executable).with_name("dbt")), "run", "--select", "+stg_ohlcvt",
                                "--target", warehouse.name, "--project-dir", str(PROJECT_ROOT),
                                "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
        for line in dbt.stdout:
            lines.append(line)
            if " Found " in line:
                break
        time.sleep(4)
        holder.stdin.write("go\n")
        holder.stdin.flush()
        lines += dbt.stdout.readlines()
        assert dbt.wait(timeout=300) == 0, "".join(lines)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert any("Completed successfully" in line for line in lines), "".join(lines)


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_a_double_trades_column_with_values_no_bigint_holds(warehouse, profiles_dir, tmp_path):
    """A user's bars table may keep trades as a double: NaN, inf or 1e19 there quarantine their bar
    (they failed the whole staging view, casting every row to bigint)."""
    execute(warehouse, "create table ohlcvt (symbol varchar, timestamp timestamp, open double, high double, "
                       "low double, close double, volume double, trades double)")
    execute(warehouse, "insert into ohlcvt values "
                       "('XBTUSD', timestamp '2026-01-01 00:00:00', 1, 1, 1, 1, 1, 3), "
                       "('XBTUSD', timestamp '2026-01-01 00:01:00', 1, 1, 1, 1, 1, 'nan'), "
                       "('XBTUSD', timestamp '2026-01-01 00:02:00', 1, 1, 1, 1, 1, 'inf'), "
                       "('XBTUSD', timestamp '2026-01-01 00:03:00', 1, 1, 1, 1, 1, 1e19)")
    dbt_runner.invoke(["run", "--select", "tag:staging"], target=warehouse.name, profiles_dir=profiles_dir,
                      target_path=tmp_path / "target", log_path=tmp_path / "logs")
    assert query(warehouse, "select trades from stg_ohlcvt") == [(3,)]
    assert query(warehouse, "select extract(minute from bar_at), reason, trades from stg_ohlcvt_quarantine "
                            "order by 1") == [(1, "trades out of range", None), (2, "trades out of range", None),
                                              (3, "trades out of range", None)]
