#!/usr/bin/env python3
"""Print the leaderboards summary and write the original's exports from the relations dbt built.

Reads habitual_gainers, habitual_losers, habitual_overlaps, leaderboard_skew and cohort_bars
(build them with `dbt run --select +leaderboards`) from the dbt profile's target, prints per
cohort the members with their latest 24h price and volume change and profile tags, then the skew
table, and writes to --out:
  leaderboards_summary.json                 the cohorts and skew details (valid JSON: null for a
                                            missing or non-finite figure, never NaN or Infinity)
  habitual_{gainers,losers,overlaps}.csv   every bar in the lookback of each member (--no-bars: none)
Files are written whole or not at all. Exit codes: 0 ok, 2 bad usage or missing relations, 1 failure.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from pipeline import cli
from pipeline.files import writable_folder
from pipeline.leaderboards import (
    COHORTS,
    export_cohort_bars,
    format_report,
    read_leaderboards,
    summary_document,
    write_json,
)
from pipeline.warehouse import load_target

log = logging.getLogger("pipeline.leaderboards_report")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("leaderboards_report.py", __doc__)
    cli.add_target_flags(parser)
    parser.add_argument("--out", default=".", help="folder for the JSON and CSV files (default: current folder)")
    parser.add_argument("--no-bars", action="store_true",
                        help="skip the habitual_*.csv bar exports (the JSON and the printout only)")
    cli.add_verbosity_flags(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    out = writable_folder(Path(args.out), "--out")  # before reading the leaderboards, not after
    target = load_target(args.target, args.profiles_dir)
    board = read_leaderboards(target)
    sys.stdout.write(format_report(board) + "\n")
    write_json(summary_document(board), out / "leaderboards_summary.json")
    log.info("wrote %s", out / "leaderboards_summary.json")
    if not args.no_bars:
        for cohort in COHORTS:
            started = time.perf_counter()
            path = out / f"habitual_{cohort}.csv"
            rows = export_cohort_bars(target, cohort, path)
            log.info("wrote %s: %d bars of %d member(s) in %.1f s", path, rows, len(board.members[cohort]),
                     time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    cli.entry(main)
