"""Candles and indicators: `dbt run --select +indicators` against the peer round trip (bench/indicators_peer.py).

Data: N synthetic symbols x D days of minute bars (the benchmark market), loaded except the last hour.
- full build: `dbt run --select +indicators --full-refresh` against the peer on the same bars;
- incremental: the last hour of bars is loaded, then `dbt run --select +indicators` (cron's line) against
  the same peer figure (it keeps no state, so after the new hour it does its whole work again); then the
  same line with no new bars;
- dbt's own start: a `dbt run` that selects nothing, the floor under every dbt figure;
- on DuckDB, the full build's statements replayed without dbt (bench/replay_sql.py), on a copy of the
  warehouse before it: what its SQL costs alone; and the same full build on a warehouse of the last hour's
  bars alone, what dbt itself costs for the command. The two together are the floor of the full build.
Both run as processes of their own, as a user runs them; the figures include dbt's and Python's start. Peak
resident memory is the process's own (MariaDB's server is not counted). Targets (issue 17): full build 3x
the peer on MariaDB and 1.5x on DuckDB; incremental 20x and 5x. Report 30, 60 and 120 days: the incremental
run must grow with the symbols, not the history.
"""

from __future__ import annotations

import logging
import os
import shutil
from contextlib import nullcontext
from pathlib import Path

from bench.common import Row, child, fresh_target, last_hour_batches, mariadb_env
from pipeline.loader import load_batches

log = logging.getLogger("bench.indicators")


def run(sizes: list[tuple[int, int]], engines: list[str], workdir: Path, peer_days: int = 60) -> list[Row]:
    rows: list[Row] = []
    server = mariadb_env() if "mariadb" in engines else nullcontext({})
    with server as env:
        for symbols, days in sizes:
            early, late, n_bars = last_hour_batches(symbols, days)
            for engine in engines:
                rows += run_engine(engine, symbols, days, early, late, n_bars, workdir, env, days <= peer_days)
    return rows


def copy_warehouse(target, folder: Path) -> Path:
    """A copy of a DuckDB warehouse file under folder, by the same name (its catalog's, which the SQL names)."""
    source = Path(target.path)
    if source.with_name(source.name + ".wal").exists():
        raise SystemExit(f"{source} has a write-ahead log: a process still holds it")
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, folder / source.name))


def hour_only_build(symbols: int, days: int, late: list, workdir: Path) -> dict:
    """`dbt run --select +indicators --full-refresh` on a DuckDB warehouse of the same symbols' last hour of
    bars alone (60 per symbol): the SQL has next to nothing to do, so this is what dbt itself costs for the
    command, its start and its work per model (rendering, statements, the log). With the SQL replayed
    alone, it is the full build's floor."""
    target = fresh_target("duckdb", f"bench_i_{symbols}_{days}_hour_only", workdir)
    saved = os.environ.get("DBT_TARGET_PATH")
    # a target folder of its own: the profile's path differs, so the first command there parses again
    os.environ["DBT_TARGET_PATH"] = str(workdir / "target-indicators-hour-only")
    try:
        load_batches(target, late)
        child("bench.child_dbt", "parse")
        figure = child("bench.child_dbt", "run", "--select", "+indicators", "--full-refresh")
    finally:
        if saved is None:
            del os.environ["DBT_TARGET_PATH"]
        else:
            os.environ["DBT_TARGET_PATH"] = saved
    Path(target.path).unlink(missing_ok=True)
    return figure | {"bars": sum(b.rows for b in late)}


def run_engine(engine: str, symbols: int, days: int, early: list, late: list, n_bars: int, workdir: Path,
               env: dict[str, str], with_peer: bool) -> list[Row]:
    label = f"indicators {symbols}x{days}d"
    hour_only = hour_only_build(symbols, days, late, workdir) if engine == "duckdb" else None
    target = fresh_target(engine, f"bench_i_{symbols}_{days}", workdir, env)
    os.environ["DBT_TARGET_PATH"] = str(workdir / f"target-indicators-{engine}")
    load_batches(target, early)
    child("bench.child_dbt", "parse")  # untimed: the first command of a target folder parses the whole project
    # dbt's own start (process, partial parse, connection), the floor under every dbt figure below
    start = child("bench.child_dbt", "run", "--select", "+indicators", "--exclude", "+indicators")
    before_full = copy_warehouse(target, workdir / "before-full") if engine == "duckdb" else None
    logs = workdir / f"logs-indicators-{engine}-{symbols}x{days}"
    os.environ["DBT_LOG_PATH"] = str(logs)
    full = child("bench.child_dbt", "run", "--select", "+indicators", "--full-refresh")
    del os.environ["DBT_LOG_PATH"]
    # the same statements without dbt (bench/replay_sql.py): what the SQL costs alone
    sql_alone = None
    if before_full:
        sql_alone = child("bench.replay_sql", "--duckdb", str(before_full), "--built", str(target.path),
                          "--log", str(logs / "dbt.log"),
                          "--manifest", os.environ["DBT_TARGET_PATH"] + "/manifest.json")
    # The peer keeps no state: after the new hour it repeats the same work, so one run (on the bars
    # before it) is its figure for both comparisons; it is skipped past --peer-days (it takes hours).
    peer = child("bench.indicators_peer", "--target", engine) if with_peer else None
    load_batches(target, late)
    incremental = child("bench.child_dbt", "run", "--select", "+indicators")
    idle = child("bench.child_dbt", "run", "--select", "+indicators")
    log.info("%s %s: start %.1f s, full %.1f s, incremental %.1f s, no new bars %.1f s, peer %s", label, engine,
             start["seconds"], full["seconds"], incremental["seconds"], idle["seconds"],
             f"{peer['seconds']:.1f} s" if peer else "not run")

    def against_peer(figure: dict) -> str:
        peak = f"peak {figure['peak_mb']:.0f} MB"
        if peer is None:
            return peak
        return f"{peer['seconds'] / figure['seconds']:.1f}x faster than the peer; {peak}"

    rows = [Row(label, engine, "dbt run selecting nothing (dbt's own start)", n_bars, start["seconds"],
                f"peak {start['peak_mb']:.0f} MB")]
    if peer is not None:
        rows.append(Row(label, engine, "peer: read, resample, TA-Lib, write back", n_bars, peer["seconds"],
                        f"1.0x; peak {peer['peak_mb']:.0f} MB"))
    rows.append(Row(label, engine, "dbt run +indicators --full-refresh", n_bars, full["seconds"], against_peer(full)))
    if sql_alone:
        # dbt's start plus the SQL alone is what the full build would take if dbt did nothing per model;
        # the ratios to two decimals, as they are set against the target's 1.5
        def floor_note(what: str, seconds: float) -> str:
            ratio = f", {peer['seconds'] / seconds:.2f}x faster than the peer" if peer else ""
            return f"{what} + the SQL alone: {seconds:.2f} s{ratio}"

        rows.append(Row(label, engine, "its SQL alone, replayed without dbt", n_bars, sql_alone["seconds"],
                        f"{sql_alone['threads']} cursors, CPU {sql_alone['cpu_seconds']:.2f} s, peak "
                        f"{sql_alone['peak_mb']:.0f} MB; "
                        + floor_note("dbt's start", start["seconds"] + sql_alone["seconds"])))
        if hour_only:
            # the same command where the SQL has next to nothing to do: dbt's start and its work per model
            rows.append(Row(label, engine, "the same full build on the last hour's bars only", hour_only["bars"],
                            hour_only["seconds"],
                            floor_note("this", hour_only["seconds"] + sql_alone["seconds"])))
    return [
        *rows,
        Row(label, engine, "dbt run +indicators, +1 h of bars (incremental)", n_bars, incremental["seconds"],
            against_peer(incremental)),
        Row(label, engine, "dbt run +indicators, no new bars", n_bars, idle["seconds"], against_peer(idle)),
    ]
