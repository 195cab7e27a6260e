"""Loader throughput against each engine's own bulk path, on the same Kraken files.

MariaDB: bare `LOAD DATA LOCAL INFILE` of the files into a fresh table with the same DDL (the
engine's bulk path, no validation) against `load_batches` (validation of every bar, then LOAD
DATA ... REPLACE in one transaction) into an empty table, then again into the full table.
DuckDB: `load_batches` into an empty and into a full table (target: 1 M rows/s), next to a bare
`read_csv` insert for reference.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bench.common import Row, mariadb_env, set_env
from pipeline.loader import MYSQL_DDL, default_schema, default_table, load_files
from pipeline.warehouse import connect, load_target

log = logging.getLogger("bench.loader")


def ours(target, files: list[Path]) -> tuple[int, float]:
    started = time.perf_counter()
    report = load_files(target, files)
    return report.rows, time.perf_counter() - started


def bare_mysql(target, files: list[Path]) -> tuple[int, float]:
    con = connect(target, create_schema=True)
    relation = target.relation("bare_load")
    with con.cursor() as cur:
        cur.execute(f"drop table if exists {relation}")
        cur.execute(MYSQL_DDL.format(relation=relation))
    con.commit()
    rows = 0
    started = time.perf_counter()
    with con.cursor() as cur:
        for path in files:
            symbol = path.name.split("_")[0]
            rows += cur.execute(
                f"load data local infile %s into table {relation} fields terminated by ',' "
                "lines terminated by '\\n' (@t, open, high, low, close, volume, trades) "
                "set symbol = %s, timestamp = cast('1970-01-01 00:00:00' as datetime) + interval @t second",
                [str(path), symbol])
    con.commit()
    seconds = time.perf_counter() - started
    with con.cursor() as cur:
        cur.execute(f"drop table {relation}")
    con.close()
    return rows, seconds


def bare_duckdb(target, files: list[Path]) -> tuple[int, float]:
    con = connect(target)
    started = time.perf_counter()
    con.execute("create or replace table bare_load as select * from read_csv(?, header = false, columns = "
                "{'t': 'BIGINT', 'open': 'DOUBLE', 'high': 'DOUBLE', 'low': 'DOUBLE', 'close': 'DOUBLE', "
                "'volume': 'DOUBLE', 'trades': 'BIGINT'}, filename = true)", [[str(p) for p in files]])
    seconds = time.perf_counter() - started
    rows = con.execute("select count(*) from bare_load").fetchone()[0]
    con.execute("drop table bare_load")
    con.close()
    return rows, seconds


def drop_bars(target) -> None:
    """Drop the bars table the loader writes (the var ohlcvt_table)."""
    bars = target.relation(default_table(), default_schema(target))
    con = connect(target, create_schema=True)
    if target.is_mysql_family:
        with con.cursor() as cur:
            cur.execute(f"drop table if exists {bars}")
        con.commit()
    else:
        con.execute(f"drop table if exists {bars}")
    con.close()


def run(files: list[Path], *, repeat: int, engines: list[str], workdir: Path) -> list[Row]:
    rows: list[Row] = []
    n_files = len(files)
    if "duckdb" in engines:
        set_env({"DUCKDB_PATH": str(workdir / "bench.duckdb")})
        target = load_target("duckdb")
        results = {"bare": [], "empty": [], "full": []}
        for _ in range(repeat):
            drop_bars(target)
            results["empty"].append(ours(target, files))
            results["full"].append(ours(target, files))
            results["bare"].append(bare_duckdb(target, files))
        rows += summarise("loader", "duckdb", results, n_files, "read_csv into a new table (no checks)")
    if "mariadb" in engines:
        with mariadb_env() as env:
            set_env(env)
            target = load_target("mariadb")
            results = {"bare": [], "empty": [], "full": []}
            for _ in range(repeat):
                results["bare"].append(bare_mysql(target, files))
                drop_bars(target)
                results["empty"].append(ours(target, files))
                results["full"].append(ours(target, files))
            rows += summarise("loader", "mariadb", results, n_files, "bare LOAD DATA LOCAL INFILE, fresh table")
    return rows


def summarise(name: str, engine: str, results: dict, n_files: int, bare_note: str) -> list[Row]:
    best = {k: min(v, key=lambda r: r[1]) for k, v in results.items()}
    bare_rate = best["bare"][0] / best["bare"][1]
    out = [Row(name, engine, "bare bulk load", best["bare"][0], best["bare"][1], bare_note)]
    for key, label in (("empty", "load_bars, empty table"), ("full", "load_bars, reload (replace all)")):
        n, s = best[key]
        out.append(Row(name, engine, label, n, s, f"{n / s / bare_rate:.0%} of bare; {n_files} files, validated"))
    return out
