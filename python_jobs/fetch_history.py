#!/usr/bin/env python3
"""Export the last --days of one-minute bars of a cohort's symbols from the warehouse to CSV.

Cohorts: losers (Kraken's top losers: the CSV kraken_losers.py wrote, or with --from-table the
newest batch of the warehouse table kraken_top_losers), gainers and overlaps (the dbt relations
habitual_gainers and habitual_overlaps: run `dbt run --select +leaderboards` first).
One program for the original's three history fetchers. The bars come from the bars table (dbt
var ohlcvt_table) through a parameterized query. Symbols without bars in the range are reported,
not dropped silently. The CSV is written whole or not at all. --days is at most 36500 (100 years:
more than any market's history); --end from 1970 on.
Exit codes: 0 ok, 2 bad usage or missing inputs, 1 failure.
"""

from __future__ import annotations

import argparse

from pipeline import cli
from pipeline.history import MAX_DAYS, fetch_history


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("fetch_history.py", __doc__)
    parser.add_argument("--cohort", required=True, choices=("losers", "gainers", "overlaps"))
    parser.add_argument("--days", type=cli.bounded(float, above=0, maximum=MAX_DAYS), default=30,
                        help=f"days of bars before --end, more than 0 and at most {MAX_DAYS} (default 30)")
    parser.add_argument("--end", type=cli.utc_time, help="UTC end, exclusive (default: now)")
    parser.add_argument("--losers-csv", default="kraken_top_losers.csv",
                        help="losers: the kraken_losers.py CSV to read (default kraken_top_losers.csv)")
    parser.add_argument("--from-table", action="store_true",
                        help="losers: read the newest batch of the warehouse table kraken_top_losers instead")
    parser.add_argument("--out", help="CSV to write (default <cohort>_30day_history.csv, with --days)")
    cli.add_target_flags(parser)
    cli.add_verbosity_flags(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    return fetch_history(args.cohort, days=args.days, end=args.end, out=args.out, losers_csv=args.losers_csv,
                         from_table=args.from_table, target=args.target, profiles_dir=args.profiles_dir)


if __name__ == "__main__":
    cli.entry(main)
