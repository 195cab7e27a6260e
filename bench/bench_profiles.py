"""Profiles: `dbt run --select profiles` after the cron's new bars, against the `+indicators` full build (issue 20).

Data: N synthetic symbols x D days of minute bars (the benchmark market), loaded except the last hour; every run
at as_of = the market's end (BENCH_END), so the cohorts are the market's. In order:
- `dbt run --select +indicators --full-refresh`: the figure the profiles are compared with;
- `dbt run --select +profiles`: the first build of the leaderboards and the two profile models;
- the last hour of bars loaded, then the cron's lines: `dbt run --select +indicators`, `dbt run --select
  leaderboards`, and the one timed against the full build, `dbt run --select profiles`;
- dbt's own start: a `dbt run` that selects nothing, the floor under every dbt figure.
All run after a `dbt parse` (so each parses partially), each as a process of its own, as cron runs it (dbt's and
Python's start included); peak resident memory is the process's own. Target: the profiles run under 10% of the
full build on both engines.
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import nullcontext
from pathlib import Path

from bench.common import BENCH_END, Row, child, fresh_target, last_hour_batches, mariadb_env
from pipeline.loader import load_batches
from pipeline.warehouse import connect

log = logging.getLogger("bench.profiles")
AS_OF = json.dumps({"as_of": BENCH_END.strftime("%Y-%m-%d %H:%M:%S")})


def dbt(*args: str) -> dict:
    """One dbt command at the benchmark's as_of, as a process of its own: its seconds and peak memory."""
    return child("bench.child_dbt", *args, "--vars", AS_OF)


def run(sizes: list[tuple[int, int]], engines: list[str], workdir: Path) -> list[Row]:
    rows: list[Row] = []
    server = mariadb_env() if "mariadb" in engines else nullcontext({})
    with server as env:
        for symbols, days in sizes:
            early, late, n_bars = last_hour_batches(symbols, days)
            for engine in engines:
                rows += run_engine(engine, symbols, days, early, late, n_bars, workdir, env)
    return rows


def run_engine(
    engine: str, symbols: int, days: int, early: list, late: list, n_bars: int, workdir: Path, env: dict[str, str]
) -> list[Row]:
    label = f"profiles {symbols}x{days}d"
    target = fresh_target(engine, f"bench_p_{symbols}_{days}", workdir, env)
    os.environ["DBT_TARGET_PATH"] = str(workdir / f"target-profiles-{engine}")
    load_batches(target, early)
    dbt("parse")  # untimed: the first command of a target folder parses the whole project
    full = dbt("run", "--select", "+indicators", "--full-refresh")
    first = dbt("run", "--select", "+profiles")
    load_batches(target, late)
    indicators = dbt("run", "--select", "+indicators")
    leaderboards = dbt("run", "--select", "leaderboards")
    profiles = dbt("run", "--select", "profiles")
    # last, so that it parses as the runs above did (partially: the first run of a target folder parses all)
    start = dbt("run", "--select", "profiles", "--exclude", "profiles")
    members = profile_rows(target)
    log.info(
        "%s %s: start %.1f s, +indicators full %.1f s, profiles after the new hour %.1f s (%d profile rows)",
        label,
        engine,
        start["seconds"],
        full["seconds"],
        profiles["seconds"],
        members,
    )

    def share(figure: dict) -> str:
        own = figure["seconds"] - start["seconds"]
        return (
            f"{100 * figure['seconds'] / full['seconds']:.1f}% of the full build "
            f"({100 * own / full['seconds']:.1f}% without dbt's start); peak {figure['peak_mb']:.0f} MB"
        )

    return [
        Row(
            label,
            engine,
            "dbt run selecting nothing (dbt's own start)",
            n_bars,
            start["seconds"],
            f"peak {start['peak_mb']:.0f} MB",
        ),
        Row(
            label,
            engine,
            "dbt run +indicators --full-refresh",
            n_bars,
            full["seconds"],
            f"100%; peak {full['peak_mb']:.0f} MB",
        ),
        Row(
            label,
            engine,
            "dbt run +profiles (first build: leaderboards, profiles)",
            n_bars,
            first["seconds"],
            share(first),
        ),
        Row(label, engine, "+1 h of bars: dbt run +indicators", n_bars, indicators["seconds"], share(indicators)),
        Row(label, engine, "+1 h of bars: dbt run leaderboards", n_bars, leaderboards["seconds"], share(leaderboards)),
        Row(
            label,
            engine,
            f"+1 h of bars: dbt run profiles ({members} profile rows)",
            n_bars,
            profiles["seconds"],
            share(profiles),
        ),
    ]


def profile_rows(target) -> int:
    con = connect(target)
    try:
        sql = f"select count(*) from {target.relation('cohort_profiles')}"
        if target.type == "duckdb":
            return int(con.execute(sql).fetchone()[0])
        with con.cursor() as cur:
            cur.execute(sql)
            return int(cur.fetchone()[0])
    finally:
        con.close()
