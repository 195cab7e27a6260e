#!/usr/bin/env python3
"""Draw a habitual cohort's profiles as a heatmap: members against the 12 features of cohort_profiles.

Each cell is the feature's percentile (0-100) against the member's own previous candles (var baseline_days),
blue for low, red for high, grey where undefined; the member's daily regime stands beside its row. Build the
table with `dbt run --select +profiles`. Exit codes: 0 drawn, 2 bad flags (an interval the table does not hold),
1 failure (the tables do not exist, the warehouse is down).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipeline import cli
from pipeline.files import writable_file
from pipeline.indicators_catalog import INDICATOR_INTERVALS
from pipeline.profile_catalog import COHORTS
from pipeline.profile_plot import draw_heatmap, read_heatmap
from pipeline.warehouse import load_target

log = logging.getLogger("pipeline.plot_profiles")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("plot_profiles.py", __doc__)
    parser.add_argument("--cohort", required=True, choices=COHORTS, help="the habitual cohort")
    parser.add_argument("--interval", default="1h", choices=INDICATOR_INTERVALS, help="profile interval (default 1h)")
    parser.add_argument("--out", type=Path, help="PNG to write (default profiles_<cohort>_<interval>.png)")
    cli.add_target_flags(parser)
    cli.add_verbosity_flags(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    out = writable_file(args.out or Path(f"profiles_{args.cohort}_{args.interval}.png"), "--out")
    frame = read_heatmap(load_target(args.target, args.profiles_dir), args.cohort, args.interval)
    draw_heatmap(frame, args.cohort, args.interval, out)
    log.info("wrote %s (%d members)", out, len(frame))
    return 0


if __name__ == "__main__":
    cli.entry(main)
