#!/usr/bin/env python3
"""Load one-minute OHLCVT bars from CSV files into the warehouse's `ohlcvt` table.

Accepts Kraken's OHLCVT downloads (XBTUSD_1.csv: time,open,high,low,close,volume,trades, no
header) and CSV with a header naming symbol,timestamp,open,high,low,close,volume[,trades].
Every file is validated before anything is written; one bad line rejects the whole load and
leaves the table as it was. Loading the same bars again replaces them (idempotent).

Exit codes: 0 loaded, 2 bad input or flags (nothing loaded), 1 failure (server down, a DuckDB
file held by another process past --lock-timeout: the load is skipped, nothing loaded).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from pipeline import cli
from pipeline.errors import UsageError
from pipeline.loader import DEFAULT_LOCK_TIMEOUT, check_identifier, default_schema, default_table, load_files
from pipeline.warehouse import load_target

log = logging.getLogger("pipeline.load_bars")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("load_bars.py", __doc__)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="CSV files, or folders whose *.csv files are all loaded")
    cli.add_target_flags(parser)
    parser.add_argument("--table",
                        help="bars table, a plain name (letters, digits, _; default: the dbt var ohlcvt_table, ohlcvt)")
    parser.add_argument("--schema",
                        help="schema/database, a plain name (default: the var ohlcvt_schema or the target's)")
    parser.add_argument("--lock-timeout", type=cli.bounded(float, minimum=0), default=DEFAULT_LOCK_TIMEOUT,
                        metavar="SECONDS",
                        help="DuckDB: how long to wait while another process holds the warehouse file, "
                             f"then skip the load and exit 1 (default {DEFAULT_LOCK_TIMEOUT:g})")
    cli.add_verbosity_flags(parser)
    return parser.parse_args(argv)


def expand(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
            if not found:
                raise UsageError(f"{path}: folder holds no .csv files")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return files


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    table = default_table() if args.table is None else check_identifier("--table", args.table)
    files = expand(args.paths)
    target = load_target(args.target, args.profiles_dir)
    schema = default_schema(target) if args.schema is None else check_identifier("--schema", args.schema)
    started = time.perf_counter()
    log.info("loading %d file(s) into %s target %r", len(files), target.type, target.name)
    report = load_files(target, files, table=table, schema=schema, lock_timeout=args.lock_timeout)
    elapsed = time.perf_counter() - started
    table = target.relation(table, schema)
    replaced = "" if report.replaced is None else f" ({report.replaced:,} replaced existing bars)"
    log.info("done: %s bars from %d file(s) into %s%s in %.1f s, %s rows/s",
             f"{report.rows:,}", len(files), table, replaced, elapsed,
             f"{report.rows / elapsed:,.0f}" if elapsed else "-")
    return 0


if __name__ == "__main__":
    cli.entry(main)
