"""The loader on DuckDB and a real MariaDB: idempotent, atomic, and through the real CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import engines_param, execute, query
from helpers import GOOD_KRAKEN, write
from pipeline.project import PROJECT_ROOT

LOAD_BARS = [sys.executable, str(PROJECT_ROOT / "python_jobs" / "load_bars.py")]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*LOAD_BARS, *args], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)


def snapshot(target) -> list[tuple]:
    rows = query(target, f"select symbol, {ts_epoch(target)}, open, high, low, close, volume, trades "
                         f"from {target.relation('ohlcvt')} order by symbol, 2")
    return [tuple(None if v is None else (float(v) if i >= 2 and i < 7 else v) for i, v in enumerate(r))
            for r in rows]


def ts_epoch(target) -> str:
    if target.type == "duckdb":
        return "cast(epoch(timestamp) as bigint)"
    return "timestampdiff(second, '1970-01-01', timestamp)"


HEADER_CSV = ("symbol,timestamp,open,high,low,close,volume,trades\n"
              "ETHUSD,2023-11-14 22:14:00,2000,2010,1990,2005,3.5,12\n"
              "ETHUSD,2023-11-14 22:15:00,2005,2006,2001,2002,1.25,\n")


@engines_param()
def test_load_twice_keeps_one_copy_and_exact_values(warehouse, tmp_path):
    kraken = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    header = write(tmp_path / "more.csv", HEADER_CSV)
    for _ in range(2):
        result = run_cli(str(kraken), str(header), "--target", warehouse.name)
        assert result.returncode == 0, result.stderr
    rows = snapshot(warehouse)
    assert rows == [
        ("ETHUSD", 1699999999 + 41, 2000.0, 2010.0, 1990.0, 2005.0, 3.5, 12),
        ("ETHUSD", 1699999999 + 101, 2005.0, 2006.0, 2001.0, 2002.0, 1.25, None),
        ("XBTUSD", 1700000040, 1.0, 1.2, 0.9, 1.1, 10.5, 3),
        ("XBTUSD", 1700000100, 1.1, 1.3, 1.0, 1.2, 0.0, 0),
        ("XBTUSD", 1700000160, 1.2, 1.25, 1.15, 1.2, 7.25, 2),
    ]
    assert "5 bars from 2 file(s)" in result.stderr
    if warehouse.type == "duckdb":
        assert "(5 replaced existing bars)" in result.stderr


@engines_param()
def test_reload_replaces_changed_bars(warehouse, tmp_path):
    path = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    assert run_cli(str(path), "--target", warehouse.name).returncode == 0
    write(path, GOOD_KRAKEN.replace("1.2,1.25,1.15,1.2,7.25,2", "1.2,1.3,1.15,1.25,9.5,4")
          + "1700000220,1.25,1.3,1.2,1.3,1,1\n")
    assert run_cli(str(path), "--target", warehouse.name).returncode == 0
    rows = snapshot(warehouse)
    assert len(rows) == 4
    assert rows[2] == ("XBTUSD", 1700000160, 1.2, 1.3, 1.15, 1.25, 9.5, 4)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD_KRAKEN.replace("1.3,1.0", "1.3,abc"), 2, "low is not a number ('abc')"),
        (GOOD_KRAKEN + "1700000220,1,1,1,1,1\n", 4, "expected 7 fields, found 6"),
        (GOOD_KRAKEN + GOOD_KRAKEN.splitlines()[0] + "\n", 4, "duplicate bar XBTUSD"),
        (GOOD_KRAKEN.replace("1700000160", "1700000161"), 3,
         "timestamp 2023-11-14 22:16:01 is not on a minute boundary"),
        (GOOD_KRAKEN.replace("1.2,1.25,1.15,1.2", "1.2,1.25,-1.15,1.2"), 3, "low is not positive (-1.15)"),
    ],
    ids=["bad-number", "missing-column", "duplicate-rows", "non-minute", "negative-price"],
)
@engines_param()
def test_corrupt_file_is_rejected_whole_and_table_unchanged(warehouse, tmp_path, text, line, reason):
    good = write(tmp_path / "ETHUSD_1.csv", GOOD_KRAKEN)
    assert run_cli(str(good), "--target", warehouse.name).returncode == 0
    before = snapshot(warehouse)
    # A good new file next to the bad one: nothing of either may land.
    other = write(tmp_path / "SOLUSD_1.csv", GOOD_KRAKEN)
    bad = write(tmp_path / "XBTUSD_1.csv", text)
    result = run_cli(str(other), str(bad), "--target", warehouse.name)
    assert result.returncode == 2
    assert f"{bad}: line {line}: {reason}" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(warehouse) == before


@engines_param()
def test_same_bar_in_two_inputs_is_rejected(warehouse, tmp_path):
    one = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    two = write(tmp_path / "two.csv", "symbol,timestamp,open,high,low,close,volume\nXBTUSD,1700000100,1,1,1,1,1\n")
    result = run_cli(str(one), str(two), "--target", warehouse.name)
    assert result.returncode == 2
    assert "bar XBTUSD 2023-11-14 22:15 appears in more than one input" in result.stderr
    assert query(warehouse, f"select count(*) from {warehouse.relation('ohlcvt')}") == [(0,)]


@pytest.mark.mariadb
@pytest.mark.parametrize("warehouse", ["mariadb"], indirect=True)
def test_user_table_without_key_is_refused(warehouse, tmp_path):
    execute(warehouse, f"create database if not exists `{warehouse.schema}`")
    execute(warehouse, f"create table {warehouse.relation('ohlcvt')} (symbol varchar(20), timestamp datetime, "
                       "open double, high double, low double, close double, volume double)")
    result = run_cli(str(write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)), "--target", warehouse.name)
    assert result.returncode == 2
    assert "has no primary key or unique index on (symbol, timestamp)" in result.stderr


def test_cli_usage_errors(tmp_path, profiles_dir, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    assert "Kraken" in run_cli("--help").stdout
    missing = run_cli(str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert "holds no .csv files" in run_cli(str(empty_dir)).stderr
    unknown = run_cli(str(write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)), "--target", "nosuch")
    assert unknown.returncode == 2 and "has no such target" in unknown.stderr


def test_unreachable_server_exits_1(tmp_path, profiles_dir, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    monkeypatch.setenv("MARIADB_HOST", "127.0.0.1")
    monkeypatch.setenv("MARIADB_PORT", "1")
    result = run_cli(str(write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)), "--target", "mariadb")
    assert result.returncode == 1
    assert "cannot connect to mariadb at 127.0.0.1:1" in result.stderr
