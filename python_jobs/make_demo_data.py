#!/usr/bin/env python3
"""Generate realistic synthetic one-minute bars and load them through the bar loader.

N symbols x D days ending now (or --end): trending gainers and losers, volatile mean-reverting
names, intraday and multi-day cycles, log-normal volume with spikes, trade counts, and with
--gaps missing minutes. The same --seed and --end give the same bars.
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline import cli
from pipeline.bars import validate_frame
from pipeline.errors import UsageError
from pipeline.loader import check_identifier, load_batches, load_files
from pipeline.synthetic import default_end, describe_end, generate, to_kraken_csv
from pipeline.warehouse import load_target

log = logging.getLogger("pipeline.make_demo_data")


def parse_end(text: str | None) -> datetime:
    if not text:
        return default_end()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"--end {text!r}: expected an ISO date-time such as 2026-01-31T00:00") from exc
    return default_end(value if value.tzinfo else value.replace(tzinfo=UTC))


def validated(stream, total: int):
    """Validate generated frames one by one, logging progress."""
    for number, (spec, frame) in enumerate(stream, start=1):
        yield validate_frame(f"generated {spec.symbol}", frame)
        if number % 10 == 0 or number == total:
            log.info("generated %d/%d symbols", number, total)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("make_demo_data.py", __doc__)
    parser.add_argument("--symbols", type=int, default=100, help="number of symbols (default 100)")
    parser.add_argument("--days", type=float, default=31, help="days of history (default 31)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--end", help="UTC end, exclusive (default: the current minute)")
    parser.add_argument("--gaps", action="store_true", help="leave minutes out, as illiquid markets do")
    parser.add_argument("--csv-dir", type=Path,
                        help="also write Kraken-style PAIR_1.csv files here, and load from them")
    parser.add_argument("--no-load", action="store_true", help="only write --csv-dir, load nothing")
    cli.add_target_flags(parser)
    parser.add_argument("--table",
                        help="bars table, a plain name (letters, digits, _; default: the dbt var ohlcvt_table, ohlcvt)")
    cli.add_verbosity_flags(parser)
    args = parser.parse_args(argv)
    if args.symbols < 1 or args.days <= 0:
        parser.error("--symbols and --days must be positive")
    if args.no_load and not args.csv_dir:
        parser.error("--no-load needs --csv-dir")
    if args.table is not None:
        check_identifier("--table", args.table)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    end = parse_end(args.end)
    target = None if args.no_load else load_target(args.target, args.profiles_dir)
    log.info("generating %d symbols x %g days (%s), seed %d%s", args.symbols, args.days,
             describe_end(end, args.days), args.seed, ", with gaps" if args.gaps else "")
    started = time.perf_counter()
    if args.csv_dir:
        args.csv_dir.mkdir(parents=True, exist_ok=True)
    stream = generate(args.symbols, args.days, end=end, seed=args.seed, gaps=args.gaps)
    if args.csv_dir:
        paths = []
        for number, (spec, frame) in enumerate(stream, start=1):
            paths.append(args.csv_dir / f"{spec.symbol}_1.csv")
            to_kraken_csv(frame, paths[-1])
            if number % 10 == 0 or number == args.symbols:
                log.info("wrote %d/%d files to %s", number, args.symbols, args.csv_dir)
        if target is None:
            return 0
        report = load_files(target, paths, table=args.table)
    else:
        report = load_batches(target, validated(stream, args.symbols), table=args.table)
    log.info("loaded %s bars into %s target %r in %.1f s", f"{report.rows:,}", target.type, target.name,
             time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    cli.entry(main)
