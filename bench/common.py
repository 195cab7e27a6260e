"""Shared benchmark plumbing: data sets, warehouses and the result table."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.bars import validate_frame
from pipeline.synthetic import generate, to_kraken_csv
from pipeline.warehouse import Target, connect, load_target, quote_ident

ROOT = Path(__file__).resolve().parents[1]

log = logging.getLogger("bench")
DATA = ROOT / "data" / "bench"
# A fixed end keeps the cached data sets valid from run to run.
BENCH_END = datetime(2026, 11, 1, tzinfo=UTC)


HOUR = 3600


@dataclass
class Row:
    benchmark: str
    engine: str
    method: str
    rows: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def kraken_files(symbols: int, days: int, seed: int = 7) -> list[Path]:
    """Kraken-format CSV files of the synthetic market, generated once and cached under data/bench."""
    folder = DATA / f"kraken-{symbols}x{days}-s{seed}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.perf_counter()
        for spec, frame in generate(symbols, days, end=BENCH_END, seed=seed):
            to_kraken_csv(frame, folder / f"{spec.symbol}_1.csv")
        done.touch()
        log.info("generated %d files in %s (%.0f s)", symbols, folder, time.perf_counter() - started)
    return sorted(folder.glob("*_1.csv"))


def last_hour_batches(symbols: int, days: int) -> tuple[list, list, int]:
    """The synthetic market ending at BENCH_END as validated batches before and within its last hour, and
    the first part's bar count: a warehouse loaded up to an hour ago, and the cron's new hour."""
    cut = int(BENCH_END.timestamp()) - HOUR
    early, late = [], []
    for spec, frame in generate(symbols, days, end=BENCH_END, seed=7):
        early.append(validate_frame(spec.symbol, frame[frame["ts"] < cut].reset_index(drop=True)))
        late.append(validate_frame(spec.symbol, frame[frame["ts"] >= cut].reset_index(drop=True)))
    return early, late, sum(b.rows for b in early)


def child(module: str, *args: str) -> dict:
    """Run `python -m module args` in the project folder as a process of its own (as cron runs a command);
    its last line is a JSON figure (bench/child_dbt.py: seconds and peak memory)."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ})
    if done.returncode != 0:
        raise SystemExit(f"{module} {' '.join(args)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def mariadb_env():
    """MARIADB_* for a configured server, or a throwaway one for the benchmark's duration."""
    from pipeline.mariadb_server import configured_server_env, throwaway_mariadb

    configured = configured_server_env()
    if configured:
        yield configured
        return
    saved = {k: v for k, v in os.environ.items() if k.startswith("MARIADB_")}
    try:
        with throwaway_mariadb(buffer_pool="4G") as server:
            yield server.env(database="bench")
    finally:
        # set_env pointed MARIADB_* at this server: the next benchmark must start its own, not
        # take the stopped one for a configured server
        for key in [k for k in os.environ if k.startswith("MARIADB_")]:
            del os.environ[key]
        os.environ.update(saved)


def print_table(rows: list[Row]) -> None:
    headers = ("benchmark", "engine", "method", "rows", "seconds", "rows/s", "note")
    cells = [(r.benchmark, r.engine, r.method, f"{r.rows:,}", f"{r.seconds:.2f}", f"{r.rate:,.0f}", r.note)
             for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-|-".join("-" * w for w in widths))
    for c in cells:
        print(" | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def set_env(env: dict[str, str]) -> None:
    os.environ.update(env)


def fresh_target(engine: str, name: str, workdir: Path, server_env: dict[str, str] | None = None) -> Target:
    """An empty warehouse for one data set, and the environment pointing the profile's target at it:
    a MariaDB database (on the server of `server_env`), a DuckDB file, or a Spark schema (local[2], a
    Derby metastore and parquet under workdir: the profile's defaults but the folder)."""
    if engine == "mariadb":
        set_env((server_env or {}) | {"MARIADB_DATABASE": name, "DBT_TARGET": engine})
        target = load_target(engine)
        con = connect(target)
        with con.cursor() as cur:
            cur.execute(f"drop database if exists {quote_ident(target, target.schema)}")
        con.close()
        return target
    if engine == "duckdb":
        path = workdir / f"{name}.duckdb"
        path.unlink(missing_ok=True)
        set_env({"DUCKDB_PATH": str(path), "DBT_TARGET": engine})
        return load_target(engine)
    if engine == "spark":
        set_env(spark_env(workdir) | {"SPARK_SCHEMA": name, "DBT_TARGET": engine})
        target = load_target(engine)
        connect(target).sql(f"drop database if exists {quote_ident(target, name)} cascade")
        return target
    raise SystemExit(f"--engines: unknown engine {engine!r} (duckdb, mariadb, spark)")


def spark_env(workdir: Path) -> dict[str, str]:
    return {"SPARK_MASTER": "local[2]", "SPARK_WAREHOUSE_DIR": str(workdir / "spark")}


def spark_start_seconds(workdir: Path) -> float:
    """The Spark session's start in this process (JVM, metastore), which every later in-process dbt
    command reuses; a cron line pays it in each command. About 0 once started."""
    set_env(spark_env(workdir) | {"DBT_TARGET": "spark"})
    started = time.perf_counter()
    connect(load_target("spark")).sql("select 1").collect()
    return time.perf_counter() - started
