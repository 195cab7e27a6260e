"""The loader on DuckDB and a real MariaDB: idempotent, atomic, and through the real CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from helpers import GOOD_KRAKEN, engines_param, execute, query, write
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


def closed_port() -> int:
    """A port nothing listens on: bound once to find it free, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server_exits_1(tmp_path, profiles_dir, monkeypatch):
    port = closed_port()
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    monkeypatch.setenv("MARIADB_HOST", "127.0.0.1")
    monkeypatch.setenv("MARIADB_PORT", str(port))
    result = run_cli(str(write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)), "--target", "mariadb")
    assert result.returncode == 1
    assert f"cannot connect to mariadb at 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single ERROR line of a failed run (and no traceback)."""
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, result.stderr
    assert result.stderr.rstrip().endswith(errors[0]), result.stderr  # nothing after it
    return errors[0]


def count_bars(target, table: str = "ohlcvt", schema: str | None = None) -> int:
    return query(target, f"select count(*) from {target.relation(table, schema)}")[0][0]


_KRAKEN_LINES = GOOD_KRAKEN.encode().splitlines(keepends=True)


@pytest.mark.parametrize(
    ("name", "data", "line", "reason"),
    [
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1.1,1.3,1.0,1.2,0,0", "1.1,1e308,1.0,1e308,1e308,0").encode(), 2,
         "high 1e+308 is out of range: no market produces it (prices lie in [1e-15, 1e+15))"),
        ("XBTUSD_1.csv", _KRAKEN_LINES[0] + _KRAKEN_LINES[1].replace(b",0,0", b",0,\xff") + _KRAKEN_LINES[2], 2,
         "not UTF-8 text (byte 0xff)"),
        ("bars.csv", b"symbol,timestamp,open,high,low,close,volume,vwap\nX,1700000040,1,1,1,1,1,1\n"
         b"X,1700000100,1,1,1,1,1,\xe9\n", 3, "not UTF-8 text (byte 0xe9)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace(",7.25,2", ",7.25,inf").encode(), 3, "trades is not finite (inf)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace(",7.25,2", ",7.25,9223372036854775808").encode(), 3,
         "trades 9.223372036854776e+18 is out of range: no market produces it (trades are at most 1e+12)"),
        ("XBTUSD_1.csv", GOOD_KRAKEN.replace("1700000100,", "1e20,").encode(), 2,
         "timestamp 1e20 is outside 2009..2100 (unix seconds expected; milliseconds?)"),
        ("bars.csv", b"symbol,timestamp,open,high,low,close,volume\nX,inf,1,1,1,1,1\n", 2,
         "timestamp 'inf' is not a whole number of unix seconds"),
    ],
    ids=["absurd-values", "non-utf8-kraken", "non-utf8-ignored-column", "trades-inf", "trades-2-63",
         "kraken-time-1e20", "header-time-inf"],
)
@engines_param()
def test_bad_values_exit_2_with_one_line_and_nothing_loaded(warehouse, tmp_path, name, data, line, reason):
    good = write(tmp_path / "ETHUSD_1.csv", GOOD_KRAKEN)
    bad = tmp_path / name
    bad.write_bytes(data)
    result = run_cli(str(good), str(bad), "--target", warehouse.name)
    assert result.returncode == 2, result.stderr
    assert one_line_error(result).endswith(f"ERROR {bad}: line {line}: {reason}")
    assert count_bars(warehouse) == 0


@engines_param()
def test_file_without_newlines_fails_fast(warehouse, tmp_path):
    """40 MB on one line: refused after the first piece is read, on both engines."""
    path = tmp_path / "XBTUSD_1.csv"
    with open(path, "wb") as handle:
        handle.write(GOOD_KRAKEN.encode())
        handle.write(b"1700000220," * 4_000_000)
    started = time.perf_counter()
    result = run_cli(str(path), "--target", warehouse.name)
    assert time.perf_counter() - started < 20
    assert result.returncode == 2
    assert f"ERROR {path}: line 4: line is longer than 64 KiB" in one_line_error(result)
    assert count_bars(warehouse) == 0


ODD_NAMES = ['we"ird', "back`tick", "semi;colon", "dash--comment", "slash/*star*/", "x'; drop table ohlcvt; --",
             "per%cent", "new\nline", "", "9starts_with_digit", "a" * 65]


@pytest.mark.parametrize("flag", ["--table", "--schema"])
@engines_param()
def test_odd_table_and_schema_names_exit_2_and_touch_nothing(warehouse, tmp_path, flag):
    kraken = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    assert run_cli(str(kraken), "--target", warehouse.name).returncode == 0
    before = snapshot(warehouse)
    tables_before = query(warehouse, "select table_schema, table_name from information_schema.tables "
                                     "where table_schema not in ('information_schema', 'pg_catalog', "
                                     "'performance_schema', 'mysql', 'sys') order by 1, 2")
    more = write(tmp_path / "ETHUSD_1.csv", GOOD_KRAKEN)
    for name in ODD_NAMES:
        result = run_cli(str(more), "--target", warehouse.name, flag, name)
        assert result.returncode == 2, (name, result.stderr)
        assert f"ERROR {flag}: expected a plain table or schema name" in one_line_error(result), name
    assert snapshot(warehouse) == before
    assert query(warehouse, "select table_schema, table_name from information_schema.tables "
                            "where table_schema not in ('information_schema', 'pg_catalog', "
                            "'performance_schema', 'mysql', 'sys') order by 1, 2") == tables_before
    # A plain name that is not the default works and is exactly that table.
    other = "minute_bars" if flag == "--table" else f"{warehouse.schema}_other"
    assert run_cli(str(more), "--target", warehouse.name, flag, other).returncode == 0
    if flag == "--table":
        assert count_bars(warehouse, other) == 3
    else:
        assert count_bars(warehouse, "ohlcvt", other) == 3
        if warehouse.type != "duckdb":
            execute(warehouse, f"drop database {warehouse.relation('x', other).split('.')[0]}")
    assert snapshot(warehouse) == before


@engines_param()
def test_table_missing_columns_exits_2(warehouse, tmp_path):
    if warehouse.type == "duckdb":
        execute(warehouse, "create table ohlcvt (symbol varchar, timestamp timestamp, open double, high double, "
                           "low double, volume double)")
    else:
        execute(warehouse, f"create database if not exists `{warehouse.schema}`")
        execute(warehouse, f"create table {warehouse.relation('ohlcvt')} (symbol varchar(20), timestamp datetime, "
                           "open double, high double, low double, volume double, primary key (symbol, timestamp))")
    result = run_cli(str(write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)), "--target", warehouse.name)
    assert result.returncode == 2
    assert one_line_error(result).endswith(f"ERROR table {warehouse.relation('ohlcvt')} lacks column(s) close")
    assert count_bars(warehouse) == 0


@pytest.mark.parametrize("failure", ["validation", "database"])
@engines_param()
def test_failure_part_way_through_the_write_leaves_the_table_unchanged(warehouse, tmp_path, failure):
    """The first file replaces stored bars, then the second fails: the stored bars must come back."""
    check = "check (symbol <> 'SOLUSD')"  # the database refuses the second file's bars mid-load
    if warehouse.type == "duckdb":
        execute(warehouse, f"create table ohlcvt (symbol varchar not null, timestamp timestamp not null, "
                           f"open double, high double, low double, close double, volume double, trades bigint, "
                           f"{check})")
    else:
        execute(warehouse, f"create database if not exists `{warehouse.schema}`")
        execute(warehouse, f"create table {warehouse.relation('ohlcvt')} (symbol varchar(32) not null, "
                           "timestamp datetime not null, open double, high double, low double, close double, "
                           f"volume double, trades bigint, primary key (symbol, timestamp), {check})")
    first = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    assert run_cli(str(first), "--target", warehouse.name).returncode == 0
    before = snapshot(warehouse)
    write(first, GOOD_KRAKEN.replace("1.0,1.2,0.9,1.1,10.5,3", "1.0,1.4,0.9,1.3,99.5,9"))
    if failure == "validation":
        second = write(tmp_path / "ETHUSD_1.csv", GOOD_KRAKEN.replace("1.3,1.0", "1.3,abc"))
    else:
        second = write(tmp_path / "SOLUSD_1.csv", GOOD_KRAKEN)
    result = run_cli(str(first), str(second), "--target", warehouse.name)
    error = one_line_error(result)
    if failure == "validation":
        assert result.returncode == 2 and error.endswith(f"{second}: line 2: low is not a number ('abc')")
    else:
        assert result.returncode == 1 and "failed, nothing was written" in error
    assert snapshot(warehouse) == before


def hold_duckdb(path, seconds: float | None = None) -> subprocess.Popen:
    """A second real process that opens the DuckDB file (taking its lock) and keeps it `seconds`,
    or, without them, until a line arrives on its stdin."""
    wait = "time.sleep(float(sys.argv[2]))" if seconds is not None else "sys.stdin.readline()"
    code = (f"import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); "
            f"{wait}; con.close()")
    holder = subprocess.Popen([sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE,
                              stdin=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_duckdb_load_waits_for_a_held_file_then_loads(warehouse, tmp_path):
    """The holder lets go only once the loader has said it is waiting, however slowly it starts."""
    path = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    holder = hold_duckdb(warehouse.path)
    try:
        loader = subprocess.Popen([*LOAD_BARS, str(path), "--target", warehouse.name, "--lock-timeout", "120"],
                                  stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
        seen = []
        for line in loader.stderr:
            seen.append(line)
            if "waiting up to" in line:
                break
        holder.stdin.write("go\n")
        holder.stdin.flush()
        seen += loader.stderr.readlines()
        assert loader.wait(timeout=120) == 0, "".join(seen)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert any(f"is held by another process (PID {holder.pid}): waiting up to" in line for line in seen), seen
    assert count_bars(warehouse) == 3


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_duckdb_load_skipped_after_lock_timeout(warehouse, tmp_path):
    path = write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)
    assert run_cli(str(path), "--target", warehouse.name).returncode == 0
    before = snapshot(warehouse)
    write(path, GOOD_KRAKEN.replace("1.0,1.2,0.9,1.1,10.5,3", "1.0,1.4,0.9,1.3,99.5,9"))
    holder = hold_duckdb(warehouse.path, 60)
    try:
        started = time.perf_counter()
        result = run_cli(str(path), "--target", warehouse.name, "--lock-timeout", "1.5")
        waited = time.perf_counter() - started
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert result.returncode == 1
    assert one_line_error(result).endswith(
        f"ERROR load skipped, nothing was written: {warehouse.path} is still held by another process "
        f"(PID {holder.pid}) after waiting 1.5 s")
    assert 1.5 <= waited < 30
    assert snapshot(warehouse) == before


def test_lock_timeout_flag(tmp_path, profiles_dir, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    assert "--lock-timeout SECONDS" in run_cli("--help").stdout
    for value in ("-1", "nan", "soon"):
        result = run_cli(str(write(tmp_path / "XBTUSD_1.csv", GOOD_KRAKEN)), "--lock-timeout", value)
        assert result.returncode == 2
        assert "argument --lock-timeout: expected a number at least 0" in one_line_error(result)


@engines_param()
def test_quoted_fields_and_a_local_time_zone(warehouse, tmp_path):
    """Quoted symbols and numbers load as values; the process's TZ does not shift UTC times."""
    text = ('"symbol","timestamp","open","high","low","close","volume","trades"\n'
            '"XBTUSD","2023-11-14 22:14:00","1.0","1.2","0.9","1.1","10.5","3"\n'
            '"XBTUSD","2023-11-14 22:15:00",1,1,1,1,1,\n')
    path = write(tmp_path / "quoted.csv", text)
    result = subprocess.run([*LOAD_BARS, str(path), "--target", warehouse.name], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, timeout=300, env={**os.environ, "TZ": "Asia/Kolkata"})
    assert result.returncode == 0, result.stderr
    assert snapshot(warehouse) == [("XBTUSD", 1700000040, 1.0, 1.2, 0.9, 1.1, 10.5, 3),
                                   ("XBTUSD", 1700000100, 1.0, 1.0, 1.0, 1.0, 1.0, None)]


@pytest.mark.mariadb
@pytest.mark.parametrize("warehouse", ["mariadb"], indirect=True)
def test_two_loads_at_once_on_mariadb(warehouse, tmp_path):
    """Two processes loading overlapping bars at the same time: both succeed, one copy of each bar."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a" / "XBTUSD_1.csv", GOOD_KRAKEN)
    second = write(tmp_path / "b" / "XBTUSD_1.csv", GOOD_KRAKEN + "1700000220,1.2,1.3,1.1,1.25,2,1\n")
    assert run_cli(str(first), "--target", warehouse.name).returncode == 0  # the table exists before the race
    runs = [subprocess.Popen([*LOAD_BARS, str(path), "--target", warehouse.name], stderr=subprocess.PIPE, text=True,
                             cwd=PROJECT_ROOT) for path in (first, second)]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    rows = snapshot(warehouse)
    assert [r[1] for r in rows] == [1700000040, 1700000100, 1700000160, 1700000220]
    assert rows[:3] == [("XBTUSD", 1700000040, 1.0, 1.2, 0.9, 1.1, 10.5, 3),
                        ("XBTUSD", 1700000100, 1.1, 1.3, 1.0, 1.2, 0.0, 0),
                        ("XBTUSD", 1700000160, 1.2, 1.25, 1.15, 1.2, 7.25, 2)]
