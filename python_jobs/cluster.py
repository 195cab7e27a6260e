#!/usr/bin/env python3
"""EMD cycle clustering of a habitual cohort (../shared/spec/imf-clustering.md).

For each member of the cohort and each window (6h, 12h, 24h, 3d, 7d, 30d): EMD of price and
volume on a one-minute grid, cycles between IMF peaks, price cycles fused with the volume cycles
that overlap them, then Gaussian-mixture and DBSCAN clusterings of the fused cycles. Reads the
cohort's members and bars from the warehouse (habitual_<cohort>, cohort_bars; build them with
`dbt run --select +leaderboards`), or with --input from a habitual_*.csv export.

Writes to --out: imf_clusters_<cohort>.json and imf_clusters_<cohort>.txt (and with --plot
imf_clusters_<cohort>.png), and replaces the cohort's rows for this as_of in the warehouse table
imf_clusters (not with --input, unless --load). Members run in parallel (--jobs), or on a Spark
target (read from, or --load into) on Spark's executors; the results depend on neither.
Exit codes: 0 ok (an empty cohort too), 2 bad usage or input, 1 failure.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline import cli, imf, imf_store


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("cluster.py", __doc__)
    parser.add_argument("--cohort", required=True, choices=("gainers", "losers", "overlaps"))
    parser.add_argument("--input", type=Path, help="a habitual_*.csv (symbol, timestamp, close, volume, ...) "
                                                   "instead of the warehouse")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder (default: current folder)")
    parser.add_argument("--windows", help=f"comma-separated subset of {','.join(imf.WINDOW_LABELS)} (default all)")
    parser.add_argument("--symbols", help="comma-separated members to analyse (default all)")
    parser.add_argument("--jobs", type=cli.bounded(int, minimum=1), default=os.cpu_count() or 1,
                        help="parallel members, at least 1 (default: all cores); on a Spark target the executors "
                             "run them instead")
    parser.add_argument("--as-of", type=cli.utc_time,
                        help="use bars before this UTC time (default: the leaderboards' as_of)")
    parser.add_argument("--plot", action="store_true", help="also draw imf_clusters_<cohort>.png")
    parser.add_argument("--fast", action="store_true",
                        help="decompose with the emd package's sift (about 10x faster, not identical: "
                             "see docs/clustering.md) instead of PyEMD")
    parser.add_argument("--load", action="store_true", help="with --input: also write the imf_clusters table")
    cli.add_target_flags(parser)
    cli.add_verbosity_flags(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    return imf_store.cluster_cohort(args.cohort, out=args.out, input_csv=args.input, windows=args.windows,
                                    symbols=args.symbols, jobs=args.jobs, as_of=args.as_of, plot=args.plot,
                                    fast=args.fast, load=args.load, target=args.target,
                                    profiles_dir=args.profiles_dir)


if __name__ == "__main__":
    cli.entry(main)
