"""EMD cycle clustering: cluster.py (exact and --fast) against the spec's steps done plainly.

Data: the demo market (100 synthetic symbols x 31 days, DuckDB), its leaderboards built with dbt,
and a cohort's members and bars read the way cluster.py reads them (cohort_bars).
- reference: tests/reference_imf.py, the spec's steps one member and window after another as the
  original did (pandas grid, PyEMD, a loop per peak pair, per price cycle a mask over all volume
  cycles and a slice sum per overlap), one process. With --reference-members N it is timed on
  the first N members and extrapolated to the cohort (stated in the table).
- exact: imf.analyse_cohort (what cluster.py runs) with --jobs 2 (this machine's cores); its JSON
  must equal the reference's for the members the reference ran.
- fast: the same with --fast (emd.sift). Not identical: the agreement table compares each
  member's dominant cluster (the one cluster.py's text output reports) with exact mode's.
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import time
from pathlib import Path

from bench.common import BENCH_END, Row, set_env, spark_start_seconds
from pipeline import dbt_runner, imf, imf_store
from pipeline.loader import load_batches
from pipeline.warehouse import connect, load_target
from tests import reference_imf
from tests.helpers import same

log = logging.getLogger("bench.clustering")
DEMO_SYMBOLS, DEMO_DAYS = 100, 31


def demo_warehouse(workdir: Path) -> None:
    """The demo market in a DuckDB file under workdir, with the leaderboards built."""
    from pipeline.bars import validate_frame
    from pipeline.synthetic import generate

    set_env({"DUCKDB_PATH": str(workdir / "clustering.duckdb"), "DBT_TARGET": "duckdb"})
    target = load_target("duckdb")
    batches = [validate_frame(spec.symbol, frame) for spec, frame in generate(DEMO_SYMBOLS, DEMO_DAYS, end=BENCH_END)]
    load_batches(target, batches)
    dbt_runner.invoke(["run", "--select", "+tag:leaderboards", "--quiet"], target_path=workdir / "target",
                      log_path=workdir / "logs", vars={"as_of": BENCH_END.strftime("%Y-%m-%d %H:%M:%S")})


def dominant_agreement(exact: dict, fast: dict) -> tuple[int, int, float, float]:
    """(members, dominant cluster from the same window, median relative difference of the
    dominant clusters' median duration, and of their median amplitude)."""
    same_window, durations, amplitudes, members = 0, [], [], 0
    for symbol, result in exact.items():
        a, b = imf.dominant(result), imf.dominant(fast.get(symbol, {}))
        if a is None and b is None:
            continue
        members += 1
        if a is None or b is None:
            continue
        window_a = next(w for w in result if a in (result[w]["gmm"] or result[w]["dbscan"]))
        window_b = next(w for w in fast[symbol] if b in (fast[symbol][w]["gmm"] or fast[symbol][w]["dbscan"]))
        same_window += window_a == window_b
        durations.append(abs(b["median_duration_min"] - a["median_duration_min"]) / abs(a["median_duration_min"]))
        amplitudes.append(abs(b["median_amplitude_pct"] - a["median_amplitude_pct"]) / abs(a["median_amplitude_pct"]))
    med = lambda xs: statistics.median(xs) if xs else math.nan  # noqa: E731
    return members, same_window, med(durations), med(amplitudes)


def run(cohorts: list[str], reference_members: int | None, workdir: Path, engines: tuple[str, ...] = ()) -> list[Row]:
    """The cohorts of the demo market (read from DuckDB) clustered locally; with "spark" in `engines` also on
    the executors of a Spark session (local[2]), checked equal to the local result."""
    demo_warehouse(workdir)
    target = load_target("duckdb")
    rows: list[Row] = []
    agreement = []
    jobs = os.cpu_count() or 1
    spark = None
    if "spark" in engines:
        rows.append(Row("clustering", "spark", "Spark session start (JVM; once per process)", 0,
                        spark_start_seconds(workdir)))
        spark = connect(load_target("spark"))
    for cohort in cohorts:
        data = imf_store.read_warehouse(target, cohort, None)
        members = data.members
        label = f"clustering {cohort} ({len(members)} members x 6 windows)"
        started = time.perf_counter()
        exact = imf.analyse_cohort(data.bars, members, imf.WINDOWS, jobs)
        exact_s = time.perf_counter() - started
        started = time.perf_counter()
        fast = imf.analyse_cohort(data.bars, members, imf.WINDOWS, jobs, fast=True)
        fast_s = time.perf_counter() - started
        agreement.append((cohort, *dominant_agreement(exact, fast)))
        if spark is not None:
            started = time.perf_counter()
            on_spark = imf.analyse_cohort(data.bars, members, imf.WINDOWS, jobs, spark=spark)
            spark_s = time.perf_counter() - started
            same(on_spark, exact, f"{cohort} on Spark")
            rows.append(Row(label, "spark", "cluster.py exact, --target spark (local[2] executors)", len(members),
                            spark_s, f"{exact_s / spark_s:.2f}x the local --jobs {jobs}; results equal"))
        if cohort == cohorts[0]:
            timed = members[:reference_members] if reference_members else members
            started = time.perf_counter()
            for symbol in timed:
                frame = data.bars[symbol]
                expected = reference_imf.member_result(frame["ts"].to_numpy(), frame["close"].to_numpy(),
                                                       frame["volume"].to_numpy())
                same(exact[symbol], expected, symbol)  # floats to 1e-9 relative, as the tests check
                log.info("reference %s done (%.0f s)", symbol, time.perf_counter() - started)
            reference_s = (time.perf_counter() - started) * len(members) / len(timed)
            how = (f"reference: spec steps plainly, 1 process, timed on {len(timed)} members, extrapolated"
                   if len(timed) < len(members) else "reference: spec steps plainly, 1 process")
            rows.append(Row(label, "python", how, len(members), reference_s, "1.0x"))
            rows.append(Row(label, "python", f"cluster.py exact, --jobs {jobs}", len(members), exact_s,
                            f"{reference_s / exact_s:.1f}x faster; JSON equal to the reference"))
            rows.append(Row(label, "python", f"cluster.py --fast, --jobs {jobs}", len(members), fast_s,
                            f"{reference_s / fast_s:.1f}x faster"))
        else:
            rows.append(Row(label, "python", f"cluster.py exact, --jobs {jobs}", len(members), exact_s, ""))
            rows.append(Row(label, "python", f"cluster.py --fast, --jobs {jobs}", len(members), fast_s,
                            f"{exact_s / fast_s:.1f}x faster than exact"))
    print("\nfast mode against exact mode, per member's dominant cluster:")
    print("cohort | members | dominant from the same window | median rel. diff. duration | median rel. diff. amplitude")
    for cohort, n, agree, dur, amp in agreement:
        print(f"{cohort} | {n} | {agree} | {dur:.1%} | {amp:.1%}")
    return rows
