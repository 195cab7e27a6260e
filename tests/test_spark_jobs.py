"""cluster.py, leaderboards_report.py and fetch_history.py on Spark write what they write on DuckDB, from the
same bars and the leaderboards dbt built on each engine: byte for byte, and the same imf_clusters rows.

The jobs on Spark run their main in this process: a process of its own would start a JVM of its own, and the
tests' Spark catalog lives in this process (conftest.py). The local run of cluster.py is the command itself, in
a process of its own (--jobs 1: test_cluster.py shows the results do not depend on it). It is one test because
pytest-xdist hands the tests of a module to its workers in turn: tests sharing a fixture would build the
leaderboards on Spark (30-60 s) in each worker.
"""

from __future__ import annotations

import csv
import os
import runpy
import time
import uuid
from datetime import datetime, timedelta

import numpy as np
import pytest

from helpers import JOBS, execute, query, run_job, weeks_before_now
from pipeline import cli, dbt_runner
from pipeline.bars import validate_frame
from pipeline.imf import SPARK_JOB_GROUP, python_error
from pipeline.imf_store import replace_rows
from pipeline.leaderboards import COHORTS, export_cohort_bars
from pipeline.loader import load_batches
from pipeline.synthetic import generate
from pipeline.warehouse import connect, load_target, quote_ident
from reference_profiles import PROFILE_COLUMNS, REGIME_COLUMNS, agree
from test_leaderboards_report import PROFILES, build_profiles
from test_profiles import fetch

AS_OF = weeks_before_now(datetime(2026, 11, 20))
MAIN = {
    script: runpy.run_path(str(JOBS / script))["main"]
    for script in ("cluster.py", "leaderboards_report.py", "fetch_history.py")
}
TABLE_COLUMNS = (
    "cohort",
    "symbol",
    "window",
    "method",
    "cluster",
    "count",
    "median_amplitude_pct",
    "mad_amplitude_pct",
    "median_duration_min",
    "mad_duration_min",
    "median_total_volume",
    "mad_total_volume",
    "eps",
    "min_samples",
    "flag_small",
    "decomposition",
    "as_of",
)


@pytest.fixture
def engines(profiles_dir, spark_env, tmp_path, monkeypatch):
    """The duckdb and spark targets of profiles.example.yml, each an empty warehouse of its own."""
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles_dir))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    for key, value in spark_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SPARK_SCHEMA", f"t_{uuid.uuid4().hex[:10]}")
    duck, spark = load_target("duckdb"), load_target("spark")
    yield duck, spark
    execute(spark, f"drop database if exists {quote_ident(spark, spark.schema)} cascade")


@pytest.fixture
def new_york_time():
    """The process's local zone 5 h behind UTC: pyspark turns naive datetimes into instants in that zone,
    and every time the jobs pass to Spark or read from it must still be UTC."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    assert time.timezone == 5 * 3600
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def in_process(script: str, *args: str) -> int:
    """The command's exit code, its main run in this process (as cli.entry runs it)."""
    return cli.run(MAIN[script], list(args))


def imf_rows(target, cohort: str) -> list[tuple]:
    """imf_clusters rows of a cohort (all but run_at), in one order."""
    columns = ", ".join(quote_ident(target, c) for c in TABLE_COLUMNS)
    rows = query(target, f"select {columns} from {target.relation('imf_clusters')} where cohort = '{cohort}'")
    return sorted(rows, key=lambda r: (r[1], r[2], r[3], r[4], r[16]))


def files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.spark
@pytest.mark.slow
def test_jobs_on_spark_equal_duckdb(engines, new_york_time, profiles_dir, tmp_path, capsys):
    duck, spark = engines
    # volumes in 1/64ths: their sums are exact in any order, so the relations are equal to the last bit on
    # both engines (otherwise a 24h volume change can differ in its 16th digit: Spark sums in another order)
    frames = [f.assign(volume=np.round(f["volume"] * 64) / 64) for _, f in generate(4, 1.5, end=AS_OF, seed=9)]
    leaderboard_vars = {"as_of": f"{AS_OF:%Y-%m-%d %H:%M:%S}", "lookback_days": 1, "top_n": 2}

    def dbt_run(target, select: str, **extra_vars) -> None:
        dbt_runner.invoke(
            ["run", "--select", select],
            target=target.name,
            profiles_dir=profiles_dir,
            target_path=tmp_path / f"target_{target.name}",
            log_path=tmp_path / "logs",
            vars={**leaderboard_vars, **extra_vars},
        )

    for target in engines:
        load_batches(target, [validate_frame(str(f["symbol"].iloc[0]), f) for f in frames])
        dbt_run(target, "+tag:leaderboards")

    # leaderboards_report.py: the printout, the JSON and the bar exports
    printed = {}
    for target in engines:
        capsys.readouterr()
        assert in_process("leaderboards_report.py", "--target", target.name, "--out", str(tmp_path / target.name)) == 0
        printed[target.name] = capsys.readouterr().out
    assert "Top Losers (2 of 2)" in printed["duckdb"]
    assert "--target duckdb" in printed["duckdb"]  # the command that builds the profiles: the one difference
    assert printed["spark"] == printed["duckdb"].replace("--target duckdb", "--target spark")
    reports = files(tmp_path / "duckdb")
    assert sorted(reports) == [
        "habitual_gainers.csv",
        "habitual_losers.csv",
        "habitual_overlaps.csv",
        "leaderboards_summary.json",
    ]
    assert len(reports["habitual_losers.csv"].splitlines()) > 2000
    assert files(tmp_path / "spark") == reports

    # ... and with cohort_profiles for the same as_of, written by hand with values the printout is checked for
    rank = quote_ident(duck, "rank")
    members = {c: query(duck, f"select symbol from {duck.relation('habitual_' + c)} order by {rank}") for c in COHORTS}
    as_of = f"{AS_OF:%Y-%m-%d %H:%M:%S}"
    rows = [
        (cohort, members[cohort][0][0], interval, as_of, candle_at, values)
        for cohort, _, interval, _, candle_at, values in PROFILES
    ]
    for target in engines:
        build_profiles(target, rows)
        capsys.readouterr()
        out = str(tmp_path / f"profiles_{target.name}")
        assert in_process("leaderboards_report.py", "--target", target.name, "--out", out, "--no-bars") == 0
        printed[target.name] = capsys.readouterr().out
    assert "71.5 (p93)" in printed["duckdb"] and printed["spark"] == printed["duckdb"]
    assert sorted(files(tmp_path / "profiles_duckdb")) == ["cohort_profiles.csv", "leaderboards_summary.json"]
    assert files(tmp_path / "profiles_spark") == files(tmp_path / "profiles_duckdb")

    # the profile models themselves on both engines (1h profiles; the daily candles for the regime table): the
    # same rows, equal by the spec's rule (tests/test_profiles.py checks DuckDB's against the reference)
    for target in engines:
        dbt_run(
            target,
            "candles indicators profiles",
            candle_intervals=["1h", "1d"],
            indicator_intervals=["1h"],
            profile_intervals=["1h"],
        )
    # (1.5 days of bars: the regime rows hold their close only, the profiles most features)
    for relation, key, columns, values_a_row in (
        ("cohort_profiles", ("cohort", "symbol", "interval"), PROFILE_COLUMNS, 10),
        ("symbol_regime_daily", ("symbol", "regime_date"), REGIME_COLUMNS, 3),
    ):
        ours = {target.name: fetch(target, relation, list(columns)) for target in engines}
        assert len(ours["duckdb"]) >= 4 and ours["duckdb"].notna().sum().sum() >= values_a_row * len(ours["duckdb"])
        problems = agree(ours["spark"], ours["duckdb"], key, columns)
        assert not problems, f"{relation} on Spark: " + "; ".join(problems[:8])

    # fetch_history.py: from habitual_gainers, from a losers CSV (with a symbol that has no bars), from the
    # newest batch of kraken_top_losers
    symbols = sorted(str(f["symbol"].iloc[0]) for f in frames)
    losers_csv = tmp_path / "losers.csv"
    losers_csv.write_text(f"symbol\n{symbols[2]}\nGHOSTUSD\n{symbols[0]}\n")
    window = ["--days", "0.5", "--end", f"{AS_OF - timedelta(hours=3):%Y-%m-%dT%H:%M}"]
    for target in engines:
        using = " using parquet" if target.is_spark else ""
        execute(
            target,
            f"create table {target.relation('kraken_top_losers')} (fetched_at timestamp, "
            f"loser_rank int, symbol varchar(32)){using}",
        )
        execute(
            target,
            f"insert into {target.relation('kraken_top_losers')} values "
            f"(timestamp '2026-11-19 10:00:00', 1, '{symbols[0]}'), "
            f"(timestamp '2026-11-19 11:00:00', 2, '{symbols[3]}'), "
            f"(timestamp '2026-11-19 11:00:00', 1, '{symbols[1]}')",
        )
        for name, args in (
            ("gainers", ["--cohort", "gainers"]),
            ("losers_csv", ["--cohort", "losers", "--losers-csv", str(losers_csv)]),
            ("losers_table", ["--cohort", "losers", "--from-table"]),
        ):
            out = tmp_path / f"history_{target.name}" / f"{name}.csv"
            assert in_process("fetch_history.py", *args, *window, "--out", str(out), "--target", target.name) == 0
    histories = files(tmp_path / "history_duckdb")
    with open(tmp_path / "history_duckdb" / "losers_table.csv", newline="") as handle:
        assert list(dict.fromkeys(r["symbol"] for r in csv.DictReader(handle))) == [symbols[1], symbols[3]]
    assert all(len(text.splitlines()) > 700 for text in histories.values())
    assert files(tmp_path / "history_spark") == histories

    # cluster.py: the local run and the run on Spark's executors, on the bars before --as-of
    cut = AS_OF - timedelta(hours=2)
    args = ["--cohort", "losers", "--windows", "6h,12h", "--as-of", f"{cut:%Y-%m-%dT%H:%M}"]
    done = run_job("cluster.py", *args, "--target", "duckdb", "--out", str(tmp_path / "cluster_duckdb"), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert in_process("cluster.py", *args, "--target", "spark", "--out", str(tmp_path / "cluster_spark")) == 0
    tracker = connect(spark).sparkContext.statusTracker()
    (job,) = tracker.getJobIdsForGroup(SPARK_JOB_GROUP)  # the members ran on the executors, one task each
    assert [tracker.getStageInfo(stage).numTasks for stage in tracker.getJobInfo(job).stageIds] == [2]
    clusters = files(tmp_path / "cluster_duckdb")
    assert b'"gmm": [\n' in clusters["imf_clusters_losers.json"] and len(clusters["imf_clusters_losers.txt"]) > 0
    assert files(tmp_path / "cluster_spark") == clusters
    exact = imf_rows(duck, "losers")
    assert len(exact) > 4 and imf_rows(spark, "losers") == exact
    assert {r[16] for r in exact} == {cut}

    # the table on Spark: a rerun replaces the cohort's rows of that as_of and keeps the rest
    assert in_process("cluster.py", *args, "--fast", "--target", "spark", "--out", str(tmp_path / "fast")) == 0
    fast = imf_rows(spark, "losers")
    assert fast and {r[15] for r in fast} == {"emd.sift"}
    earlier = cut - timedelta(hours=6)
    replace_rows(spark, "losers", earlier, [(*r[:16], earlier, AS_OF) for r in exact])
    replace_rows(spark, "gainers", cut, [("gainers", *r[1:16], cut, AS_OF) for r in exact])
    assert imf_rows(spark, "losers") == sorted(
        [*fast, *((*r[:16], earlier) for r in exact)], key=lambda r: (r[1], r[2], r[3], r[4], r[16])
    )
    replace_rows(spark, "losers", cut, [])  # nothing left of as_of; the earlier rows stay
    assert [r[16] for r in imf_rows(spark, "losers")] == [earlier] * len(exact)
    replace_rows(spark, "losers", earlier, [])  # nothing left at all: the partition goes
    assert imf_rows(spark, "losers") == [] and len(imf_rows(spark, "gainers")) == len(exact)

    # NaN and infinity in the bar exports: empty cells on both engines (Spark's doubles hold them, as DuckDB's)
    for target in engines:
        relation, ts = target.relation("cohort_bars"), quote_ident(target, "timestamp")
        execute(target, f"drop view {relation}")
        execute(
            target,
            f"create table {relation} (cohort varchar(16), symbol varchar(32), {ts} timestamp, "
            f"open double, high double, low double, close double, volume double)"
            + (" using parquet" if target.is_spark else ""),
        )
        execute(
            target,
            f"insert into {relation} values ('losers', 'CUSD', timestamp '2026-11-19 23:59:00', 2.0, "
            "cast('Infinity' as double), cast('NaN' as double), cast('-Infinity' as double), null)",
        )
        assert export_cohort_bars(target, "losers", tmp_path / f"nonfinite_{target.name}.csv") == 1
    exported = (tmp_path / "nonfinite_spark.csv").read_text()
    assert exported.splitlines()[1] == "CUSD,2026-11-19 23:59:00,2.0,,,,"
    assert (tmp_path / "nonfinite_duckdb.csv").read_text() == exported


def test_python_error_names_the_executors_exception():
    """A failed member on Spark is reported by its Python exception, not by the JVM's first line."""
    text = (
        "An error occurred while calling z:org.apache.spark.api.python.PythonRDD.collectAndServe.\n"
        ": org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 in stage 3.0 failed 1 times\n"
        "org.apache.spark.api.python.PythonException: Traceback (most recent call last):\n"
        '  File "/venv/pyspark/worker.py", line 1247, in main\n'
        "    process()\n"
        "ModuleNotFoundError: No module named 'pipeline'\n"
        "\n\tat org.apache.spark.api.python.BasePythonRunner$ReaderIterator.handlePythonException(...)\n"
    )
    assert python_error(text) == "ModuleNotFoundError: No module named 'pipeline'"
    assert python_error("Py4JError: the gateway is gone\n\tat x") == "Py4JError: the gateway is gone"
