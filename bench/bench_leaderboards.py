"""Leaderboards: the dbt models against a program in the original's style, at several sizes.

Data: N synthetic symbols x 31 days of minute bars ending now (so as_of is left unset, as in a
cron run, and dbt's partial parsing applies), loaded except the last hour.
- reference: one `pandas.read_sql` through SQLAlchemy and mysql-connector pulls the 30-day
  lookback of every fresh symbol from MariaDB, then tests/reference_leaderboards.py computes the
  spec (windows, ranks, tallies, cohorts, skew) in pandas. The original's way, minus its CSV writes.
- cold: `dbt run --select +tag:leaderboards --full-refresh` (everything from the bars), in-process.
- warm: the last hour of bars is loaded, then `dbt run --select tag:leaderboards`.
Ratios are against the reference's total. The cold cohorts are checked against the reference.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from bench.common import Row, fresh_target, mariadb_env, set_env, spark_start_seconds
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.synthetic import generate
from pipeline.warehouse import load_target, quote_ident, read_rows
from tests.reference_leaderboards import Params, compute

log = logging.getLogger("bench.leaderboards")
COHORTS = ("gainers", "losers", "overlaps")


def make_bars(symbols: int, days: int, end: datetime) -> tuple[list, list]:
    """Validated batches before and within the last hour."""
    early, late = [], []
    cut = int(end.timestamp()) - 3600
    for spec, frame in generate(symbols, days, end=end, seed=7):
        early.append(validate_frame(spec.symbol, frame[frame["ts"] < cut].reset_index(drop=True)))
        late.append(validate_frame(spec.symbol, frame[frame["ts"] >= cut].reset_index(drop=True)))
    return early, late


def reference_pull(target, as_of: datetime) -> pd.DataFrame:
    """The original's pull: the fresh symbols, then one read_sql of their 30-day lookback."""
    import sqlalchemy as sa

    url = sa.URL.create("mysql+mysqlconnector", username=target.user, password=target.password,
                        host=target.host, port=target.port, database=target.schema)
    engine = sa.create_engine(url)
    with engine.connect() as con:
        latest = pd.read_sql(sa.text("select symbol, max(timestamp) as last_bar from ohlcvt "
                                     "where timestamp < :as_of group by symbol"), con, params={"as_of": as_of})
        fresh = latest.loc[latest["last_bar"] >= as_of - timedelta(hours=24), "symbol"].tolist()
        query = sa.text("select symbol, timestamp, open, high, low, close, volume from ohlcvt "
                        "where symbol in :symbols and timestamp >= :start and timestamp < :as_of"
                        ).bindparams(sa.bindparam("symbols", expanding=True))
        bars = pd.read_sql(query, con, params={"symbols": fresh, "start": as_of - timedelta(days=30), "as_of": as_of})
    engine.dispose()
    return bars


def dbt_run(args: list[str], target_path: Path) -> tuple[float, float]:
    """Wall time of an in-process dbt invocation, and dbt's own elapsed time for the models."""
    started = time.perf_counter()
    result = dbt_runner.invoke([*args, "--quiet"], target_path=target_path, log_path=target_path / "logs")
    return time.perf_counter() - started, float(result.result.elapsed_time)


def cohorts_in(target) -> tuple[datetime, dict[str, list[str]]]:
    _, run = read_rows(target, f"select as_of from {target.relation('leaderboard_run')}")
    found = {}
    for cohort in COHORTS:
        _, rows = read_rows(target, f"select symbol from {target.relation('habitual_' + cohort)} "
                                    f"order by {quote_ident(target, 'rank')}")
        found[cohort] = [r[0] for r in rows]
    return run[0][0], found


def engine_runs(engine: str, early, late, bars: int, workdir: Path, reference_bars: pd.DataFrame | None
                ) -> tuple[tuple[float, float], tuple[float, float]]:
    target_path = workdir / f"target-{engine}"
    set_env({"DBT_TARGET": engine})
    target = load_target(engine)
    load_batches(target, early)
    dbt_runner.invoke(["parse", "--quiet"], target_path=target_path, log_path=target_path / "logs")
    cold = dbt_run(["run", "--select", "+tag:leaderboards", "--full-refresh"], target_path)
    if reference_bars is not None:
        as_of, found = cohorts_in(target)
        expected = compute(reference_bars, Params(as_of=as_of))
        for cohort in COHORTS:
            if found[cohort] != expected.cohorts[cohort]["symbol"].tolist():
                raise SystemExit(f"{engine}: habitual_{cohort} differs from the reference at {as_of}")
    load_batches(target, late)
    warm = dbt_run(["run", "--select", "tag:leaderboards"], target_path)
    return cold, warm


def run(symbol_counts: list[int], days: int, engines: list[str], workdir: Path) -> list[Row]:
    rows: list[Row] = []
    server = mariadb_env() if "mariadb" in engines else nullcontext({})
    with server as env:
        for symbols in symbol_counts:
            rows += run_size(symbols, days, engines, workdir, env)
    return rows


def run_size(symbols: int, days: int, engines: list[str], workdir: Path, env: dict[str, str]) -> list[Row]:
    rows: list[Row] = []
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    early, late = make_bars(symbols, days, end)
    bars = sum(b.rows for b in early)
    label = f"leaderboards {symbols}x{days}d"
    reference_total = None
    reference_bars = None
    if "mariadb" in engines:
        target = fresh_target("mariadb", f"bench_lb_{symbols}", workdir, env)
        load_batches(target, early)  # the reference reads the same bars as the cold run
        as_of = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        started = time.perf_counter()
        reference_bars = reference_pull(target, as_of)
        pulled = time.perf_counter() - started
        compute(reference_bars, Params(as_of=as_of))
        reference_total = time.perf_counter() - started
        rows.append(Row(label, "mariadb", "reference: pull (read_sql)", len(reference_bars), pulled))
        rows.append(Row(label, "mariadb", "reference: pull + compute", len(reference_bars), reference_total, "1.0x"))
        cold, warm = engine_runs("mariadb", [], late, bars, workdir, reference_bars)  # bars already in
        rows += _rows(label, "mariadb", bars, cold, warm, reference_total)
    if "duckdb" in engines:
        fresh_target("duckdb", f"lb-{symbols}", workdir)
        cold, warm = engine_runs("duckdb", early, late, bars, workdir, reference_bars)
        rows += _rows(label, "duckdb", bars, cold, warm, reference_total)
    if "spark" in engines:
        rows.append(Row(label, "spark", "Spark session start (JVM, metastore; once per process)", 0,
                        spark_start_seconds(workdir)))
        fresh_target("spark", f"bench_lb_{symbols}", workdir)
        cold, warm = engine_runs("spark", early, late, bars, workdir, reference_bars)
        rows += _rows(label, "spark", bars, cold, warm, reference_total)
    log.info("%s: %s", label, "; ".join(f"{r.engine} {r.method} {r.seconds:.2f} s ({r.note})" for r in rows))
    return rows


def _rows(label: str, engine: str, bars: int, cold: tuple[float, float], warm: tuple[float, float],
          reference: float | None) -> list[Row]:
    def note(timing: tuple[float, float]) -> str:
        ratio = f"{reference / timing[0]:.1f}x faster than reference; " if reference else ""
        return f"{ratio}models {timing[1]:.2f} s"

    return [Row(label, engine, "dbt run +leaderboards --full-refresh (cold)", bars, cold[0], note(cold)),
            Row(label, engine, "dbt run leaderboards, +1 h of bars (warm)", bars, warm[0], note(warm))]
