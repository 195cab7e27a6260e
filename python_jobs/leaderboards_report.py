#!/usr/bin/env python3
"""Print the leaderboards summary and write the original's exports from the relations dbt built.

Reads habitual_gainers, habitual_losers, habitual_overlaps, leaderboard_skew and cohort_bars
(build them with `dbt run --select +leaderboards`) from the dbt profile's target, prints per
cohort the members with their latest 24h price and volume change and profile tags, then the skew
table, then each member's profile from cohort_profiles when it is built for the same as_of
(`dbt run --select +profiles`): regime, RSI and NATR at 1h and 1d and the 1h volume ratio, with
their percentiles against the member's own history. Writes to --out:
  leaderboards_summary.json                 the cohorts and skew details, each member's profile
                                            (valid JSON: null for a missing or non-finite figure,
                                            never NaN or Infinity)
  cohort_profiles.csv                       every row of cohort_profiles (when it is built)
  habitual_{gainers,losers,overlaps}.csv   every bar in the lookback of each member (--no-bars: none)
Files are written whole or not at all. Exit codes: 0 ok, 2 bad usage or missing relations, 1 failure.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline import cli
from pipeline.leaderboards import report


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
    return report(Path(args.out), bars=not args.no_bars, target=args.target, profiles_dir=args.profiles_dir)


if __name__ == "__main__":
    cli.entry(main)
