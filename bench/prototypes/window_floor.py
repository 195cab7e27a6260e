"""Measure DuckDB's cost per window aggregate over a candle table: the floor under the indicator models.

The indicator models compute TA-Lib's columns with window functions only (docs/indicators.md). Their work
is, per interval, a count of window aggregates of three kinds over every candle: moving frames (SMA, the
seeds, BBANDS, STOCH, WILLR, the volatility estimators), running sums within a block (the recursions) and
lag() (CCI's and MFI's ring sums, STOCH's smoothing). This times `--aggregates` aggregates of each kind in
one bare query over a candle table (nothing else: no joins, no masks, no write), so that the cost of the
models' counts can be set against the peer's. Run it on a warehouse the models have built:

    python bench/prototypes/window_floor.py --duckdb data/warehouse.duckdb --table candles_15m
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

log = logging.getLogger("window_floor")
BLOCK = 2048  # the models' block of the running sums (macros/indicators/indicators_recursions.sql)


def kinds(aggregates: int) -> dict[str, list[str]]:
    """Select-list items of each kind; every item reads a different expression, so none is shared."""
    return {
        "moving frame (rows 5..N preceding)": [
            f"avg(close + {n}) over (by_symbol rows {n + 5} preceding) as moving_{n}" for n in range(aggregates)
        ],
        "running sum within a block": [
            f"sum(close * {n + 1}) over (by_block rows between unbounded preceding and current row) as running_{n}"
            for n in range(aggregates)
        ],
        "lag(close, k)": [f"lag(close, {n + 1}) over by_symbol as lag_{n}" for n in range(aggregates)],
    }


def measure(con, table: str, aggregates: int, repeat: int) -> dict[str, float]:
    """Seconds per aggregate of each kind (a query of `aggregates` of them, the best of `repeat` runs)."""
    con.execute(
        "create or replace temp table numbered as select *, i // $block as blk from ("
        f"select symbol, candle_at, close, row_number() over (partition by symbol order by candle_at) - 1 as i "
        f"from {table})",
        {"block": BLOCK},
    )
    windows = "window by_symbol as (partition by symbol order by i), by_block as (partition by symbol, blk order by i)"
    out = {}
    for kind, items in kinds(aggregates).items():
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            con.execute(f"create or replace temp table floor_rows as select symbol, i, {', '.join(items)} "
                        f"from numbered {windows}")
            best = min(best, time.perf_counter() - started)
        out[kind] = best / aggregates
        log.info("%s: %d in %.3f s, %.1f ms each", kind, aggregates, best, 1000 * out[kind])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duckdb", type=Path, required=True, help="a DuckDB file with the candle tables built")
    parser.add_argument("--table", default="candles_15m", help="candle table (default candles_15m)")
    parser.add_argument("--aggregates", type=int, default=10, help="aggregates of each kind per query (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, best kept (default 3)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    if not args.duckdb.is_file():
        log.error("--duckdb %s: no such file", args.duckdb)
        return 2
    if args.aggregates < 1 or args.repeat < 1:
        log.error("--aggregates and --repeat must be at least 1")
        return 2
    import duckdb

    con = duckdb.connect(str(args.duckdb), read_only=True)
    try:
        rows = con.execute(f"select count(*) from {args.table}").fetchone()[0]
    except duckdb.CatalogException:
        log.error("--table %s: not in %s (build the candles first: dbt run --select +indicators)", args.table,
                  args.duckdb)
        return 2
    log.info("%s: %d candles", args.table, rows)
    measure(con, args.table, args.aggregates, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
