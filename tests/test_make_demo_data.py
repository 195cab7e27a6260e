"""make_demo_data.py through its real CLI: deterministic bars for a seed, its flags, its exit codes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, datetime

import pandas as pd
import pytest

from helpers import engines_param, query
from pipeline.project import PROJECT_ROOT
from pipeline.synthetic import generate, symbol_name

MAKE_DEMO = [sys.executable, str(PROJECT_ROOT / "python_jobs" / "make_demo_data.py")]
END = "2026-01-31T00:00"
END_EPOCH = int(datetime(2026, 1, 31, tzinfo=UTC).timestamp())


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MAKE_DEMO, *args], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)


def bars(target, table: str = "ohlcvt") -> list[tuple]:
    epoch = ("cast(epoch(timestamp) as bigint)" if target.type == "duckdb"
             else "timestampdiff(second, '1970-01-01', timestamp)")
    rows = query(target, f"select symbol, {epoch}, open, high, low, close, volume, trades "
                         f"from {target.relation(table)} order by symbol, 2")
    return [(r[0], int(r[1]), *(float(v) for v in r[2:7]), r[7]) for r in rows]


def expected_bars(symbols: int, days: float, seed: int, gaps: bool = False) -> list[tuple]:
    """What the generator itself yields for these flags: the CLI must store exactly that."""
    out = []
    for spec, frame in generate(symbols, days, end=datetime(2026, 1, 31, tzinfo=UTC), seed=seed, gaps=gaps):
        for row in frame.itertuples(index=False):
            out.append((spec.symbol, int(row.ts), float(row.open), float(row.high), float(row.low),
                        float(row.close), float(row.volume), int(row.trades)))
    return sorted(out, key=lambda r: (r[0], r[1]))


@engines_param()
def test_loads_exactly_the_seeded_bars(warehouse):
    result = run_cli("--symbols", "2", "--days", "0.25", "--seed", "3", "--end", END, "--target", warehouse.name)
    assert result.returncode == 0, result.stderr
    stored = bars(warehouse)
    assert len(stored) == 2 * 360
    assert {r[0] for r in stored} == {symbol_name(0), symbol_name(1)}
    assert max(r[1] for r in stored) == END_EPOCH - 60
    assert stored == expected_bars(2, 0.25, 3)
    assert "loaded 720 bars" in result.stderr


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_same_seed_same_bars_other_seed_other_bars(warehouse):
    args = ["--symbols", "2", "--days", "0.1", "--end", END, "--target", warehouse.name]
    assert run_cli(*args, "--seed", "5").returncode == 0
    first = bars(warehouse)
    assert run_cli(*args, "--seed", "5").returncode == 0  # a rerun replaces, bar for bar
    assert bars(warehouse) == first
    assert run_cli(*args, "--seed", "6").returncode == 0
    other = bars(warehouse)
    assert len(other) == len(first) and [r[1] for r in other] == [r[1] for r in first]
    assert [r[5] for r in other] != [r[5] for r in first]  # same minutes, other closes


@pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)
def test_gaps_leave_minutes_out(warehouse):
    args = ["--symbols", "5", "--days", "1", "--seed", "7", "--end", END, "--target", warehouse.name]
    assert run_cli(*args, "--gaps").returncode == 0
    gapped = bars(warehouse)
    assert gapped == expected_bars(5, 1, 7, gaps=True)
    assert 0 < len(gapped) < 5 * 1440


def digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_csv_dir_no_load_writes_deterministic_kraken_files(tmp_path, profiles_dir, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "untouched.duckdb"))
    for run in ("a", "b"):
        result = run_cli("--symbols", "3", "--days", "0.05", "--seed", "9", "--end", END, "--csv-dir",
                         str(tmp_path / run), "--no-load")
        assert result.returncode == 0, result.stderr
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert sorted(digest(tmp_path / "a")) == sorted(f"{symbol_name(i)}_1.csv" for i in range(3))
    frame = pd.read_csv(tmp_path / "a" / f"{symbol_name(0)}_1.csv", header=None)
    assert frame.shape == (72, 7) and frame[0].iloc[-1] == END_EPOCH - 60
    assert not (tmp_path / "untouched.duckdb").exists()  # --no-load opens no warehouse


@engines_param()
def test_csv_dir_loads_the_same_bars_as_memory(warehouse, tmp_path):
    args = ["--symbols", "2", "--days", "0.1", "--seed", "4", "--end", END, "--target", warehouse.name]
    assert run_cli(*args, "--csv-dir", str(tmp_path / "csv")).returncode == 0
    assert len(list((tmp_path / "csv").glob("*_1.csv"))) == 2
    assert bars(warehouse) == expected_bars(2, 0.1, 4)


@engines_param()
def test_table_flag(warehouse):
    args = ["--symbols", "1", "--days", "0.05", "--seed", "2", "--end", END, "--target", warehouse.name]
    assert run_cli(*args, "--table", "demo_bars").returncode == 0
    assert bars(warehouse, "demo_bars") == expected_bars(1, 0.05, 2)
    tables = query(warehouse, "select table_name from information_schema.tables where table_schema = "
                              + ("?" if warehouse.type == "duckdb" else "%s"), [warehouse.schema])
    assert [t[0] for t in tables] == ["demo_bars"]  # the default table was not created
    for odd in ['x"; drop table demo_bars; --', "a`b", "c/*d", ""]:
        result = run_cli(*args, "--table", odd)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "--table: expected a plain table or schema name" in result.stderr
    assert bars(warehouse, "demo_bars") == expected_bars(1, 0.05, 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--symbols", "0"], "--symbols and --days must be positive"),
        (["--days", "-1"], "--symbols and --days must be positive"),
        (["--symbols", "abc"], "argument --symbols: invalid int value: 'abc'"),
        (["--no-load"], "--no-load needs --csv-dir"),
        (["--end", "2026-13-45"], "--end '2026-13-45': expected an ISO date-time such as 2026-01-31T00:00"),
        (["--target", "nosuch"], "has no such target"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
    ids=["zero-symbols", "negative-days", "word-symbols", "no-load-alone", "bad-end", "unknown-target", "unknown-flag"],
)
def test_bad_flags_exit_2(tmp_path, profiles_dir, monkeypatch, args, message):
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    result = run_cli("--symbols", "1", "--days", "0.01", *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and " ERROR " in lines[0] and message in lines[0], result.stderr  # no usage text
    assert not (tmp_path / "w.duckdb").exists()


def test_help_lists_the_flags():
    out = run_cli("--help").stdout
    for flag in ("--symbols", "--days", "--seed", "--end", "--gaps", "--csv-dir", "--no-load", "--target", "--table"):
        assert flag in out
