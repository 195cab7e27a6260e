"""Candles and indicators: `dbt run --select +indicators` against the peer round trip (bench/indicators_peer.py).

Data: N synthetic symbols x D days of minute bars (the benchmark market), loaded except the last hour.
- full build: `dbt run --select +indicators --full-refresh` against the peer on the same bars;
- incremental: the last hour of bars is loaded, then `dbt run --select +indicators` (cron's line) against
  the peer again (it keeps no state, so it does its whole work again).
Both run as processes of their own, as a user runs them; the figures include dbt's and Python's start. Peak
resident memory is the process's own (MariaDB's server is not counted). Targets (issue 17): full build 3x
the peer on MariaDB and 1.5x on DuckDB; incremental 20x and 5x. Report 30, 60 and 120 days: the incremental
run must grow with the symbols, not the history.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

from bench.common import BENCH_END, ROOT, Row, mariadb_env, set_env
from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.synthetic import generate
from pipeline.warehouse import connect, load_target, quote_ident

log = logging.getLogger("bench.indicators")
HOUR = 3600


def make_batches(symbols: int, days: int) -> tuple[list, list, int]:
    """Validated batches before and within the last hour, and the first part's bar count."""
    cut = int(BENCH_END.timestamp()) - HOUR
    early, late = [], []
    for spec, frame in generate(symbols, days, end=BENCH_END, seed=7):
        early.append(validate_frame(spec.symbol, frame[frame["ts"] < cut].reset_index(drop=True)))
        late.append(validate_frame(spec.symbol, frame[frame["ts"] >= cut].reset_index(drop=True)))
    return early, late, sum(b.rows for b in early)


def child(module: str, *args: str) -> dict:
    """Run `python -m module args` in the project folder; its last line is a JSON figure."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ})
    if done.returncode != 0:
        raise SystemExit(f"{module} {' '.join(args)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(sizes: list[tuple[int, int]], engines: list[str], workdir: Path) -> list[Row]:
    rows: list[Row] = []
    server = mariadb_env() if "mariadb" in engines else nullcontext({})
    with server as env:
        for symbols, days in sizes:
            early, late, n_bars = make_batches(symbols, days)
            for engine in engines:
                rows += run_engine(engine, symbols, days, early, late, n_bars, workdir, env)
    return rows


def run_engine(engine: str, symbols: int, days: int, early: list, late: list, n_bars: int, workdir: Path,
               env: dict[str, str]) -> list[Row]:
    label = f"indicators {symbols}x{days}d"
    if engine == "mariadb":
        set_env(env | {"MARIADB_DATABASE": f"bench_i_{symbols}_{days}", "DBT_TARGET": engine})
        target = load_target(engine)
        con = connect(target)
        with con.cursor() as cur:
            cur.execute(f"drop database if exists {quote_ident(target, target.schema)}")
        con.close()
    else:
        set_env({"DUCKDB_PATH": str(workdir / f"indicators-{symbols}-{days}.duckdb"), "DBT_TARGET": engine})
        target = load_target(engine)
    os.environ["DBT_TARGET_PATH"] = str(workdir / f"target-indicators-{engine}")
    load_batches(target, early)
    full = child("bench.child_dbt", "run", "--select", "+indicators", "--full-refresh")
    peer_full = child("bench.indicators_peer", "--target", engine)
    load_batches(target, late)
    incremental = child("bench.child_dbt", "run", "--select", "+indicators")
    peer_again = child("bench.indicators_peer", "--target", engine)
    log.info("%s %s: full %.1f s (peer %.1f s), incremental %.1f s (peer %.1f s)", label, engine,
             full["seconds"], peer_full["seconds"], incremental["seconds"], peer_again["seconds"])
    mem = "peak {:.0f} MB; peer {:.0f} MB"
    return [
        Row(label, engine, "peer: read, resample, TA-Lib, write back", n_bars, peer_full["seconds"],
            f"1.0x; peak {peer_full['peak_mb']:.0f} MB"),
        Row(label, engine, "dbt run +indicators --full-refresh", n_bars, full["seconds"],
            f"{peer_full['seconds'] / full['seconds']:.1f}x faster than the peer; "
            + mem.format(full["peak_mb"], peer_full["peak_mb"])),
        Row(label, engine, "peer again after +1 h of bars", n_bars, peer_again["seconds"], "1.0x"),
        Row(label, engine, "dbt run +indicators, +1 h of bars (incremental)", n_bars, incremental["seconds"],
            f"{peer_again['seconds'] / incremental['seconds']:.1f}x faster than the peer; "
            + mem.format(incremental["peak_mb"], peer_again["peak_mb"])),
    ]
