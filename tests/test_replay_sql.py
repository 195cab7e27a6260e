"""bench/replay_sql.py, the benchmark's replay of a dbt command's SQL without dbt (docs/indicators.md, "Time"):
replayed on a copy of the warehouse as it was before the command, the statements dbt logged rebuild every table
the command built, cell for cell. A replay that missed a statement (a hook, a multi-line query, a rotated log)
or ran them out of order would fail here, not just measure less work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.project import PROJECT_ROOT
from pipeline.synthetic import generate

TABLES = ("candles_5m", "candles_15m", "candles_1h", "indicators_15m", "indicators_1h")


@pytest.mark.slow
def test_replayed_sql_rebuilds_every_table_of_the_command(warehouse, tmp_path):
    end = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)
    load_batches(warehouse, [validate_frame(spec.symbol, frame) for spec, frame in generate(3, 4, end=end, seed=5)])
    before = tmp_path / "before" / warehouse.path.name  # the same file name: the catalog the SQL names
    before.parent.mkdir()
    shutil.copy(warehouse.path, before)
    logs, target = tmp_path / "logs", tmp_path / "target"
    # a process of its own, as the benchmark runs it: in a pytest worker an in-process dbt keeps logging
    # where the worker's first command did
    env = {**os.environ, "DBT_LOG_PATH": str(logs), "DBT_TARGET_PATH": str(target)}
    built = subprocess.run([sys.executable, "-m", "bench.child_dbt", "run", "--select", "+indicators_1h",
                            "+indicators_15m", "--full-refresh"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]

    done = subprocess.run([sys.executable, "-m", "bench.replay_sql", "--duckdb", str(before),
                           "--built", str(warehouse.path), "--log", str(logs / "dbt.log"),
                           "--manifest", str(target / "manifest.json")],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    figure = json.loads(done.stdout.strip().splitlines()[-1])
    assert figure["threads"] == 2 and figure["seconds"] > 0 and figure["cpu_seconds"] > 0
    assert set(TABLES) <= set(figure["rows"]), figure["rows"]

    with duckdb.connect(str(before), read_only=True) as replayed, \
            duckdb.connect(str(warehouse.path), read_only=True) as built:
        for table in TABLES:
            sql = f"select * from {table} order by symbol, candle_at"
            ours, theirs = replayed.execute(sql).df(), built.execute(sql).df()
            assert len(theirs) > 0, table
            # the same SQL on the same engine; parallel sums may add in another order
            pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12, obj=table)


def test_bad_files_are_usage_errors_naming_the_flag(tmp_path):
    """A missing file, or a log holding no dbt command, is exit 2 with one line naming the flag and the file."""
    files = {flag: tmp_path / f"{flag}.file" for flag in ("duckdb", "built", "log", "manifest")}
    for path in files.values():
        path.write_text("")

    def replay(**paths) -> subprocess.CompletedProcess:
        argv = [arg for flag, path in ({**files, **paths}).items() for arg in (f"--{flag}", str(path))]
        return subprocess.run([sys.executable, "-m", "bench.replay_sql", *argv], cwd=PROJECT_ROOT,
                              capture_output=True, text=True)

    missing = tmp_path / "no-such.duckdb"
    done = replay(built=missing)
    assert done.returncode == 2, done.stderr
    assert f"--built {missing}: no such file" in done.stderr
    done = replay()
    assert done.returncode == 2, done.stderr
    assert f"--log {files['log']}:" in done.stderr and "Traceback" not in done.stderr
