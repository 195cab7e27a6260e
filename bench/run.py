#!/usr/bin/env python3
"""`make bench` (`python -m bench.run` from the project folder): run the benchmarks and print one table.

Data: synthetic Kraken-format files (cached under data/bench). MariaDB: the server MARIADB_HOST
points at, else a throwaway one. Each figure is the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from bench import bench_clustering, bench_indicators, bench_leaderboards, bench_loader, bench_metrics, bench_profiles
from bench.common import kraken_files, print_table

BENCHMARKS = ("loader", "leaderboards", "metrics", "indicators", "profiles", "clustering")
ENGINES = ("duckdb", "mariadb", "spark")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only these (repeatable)")
    parser.add_argument("--engines", default="duckdb,mariadb",
                        help="comma-separated: duckdb, mariadb, spark (default duckdb,mariadb; spark runs in the "
                             "leaderboards, metrics and clustering benchmarks)")
    parser.add_argument("--symbols", type=int, default=100, help="synthetic symbols (default 100)")
    parser.add_argument("--days", type=int, default=31, help="days of minute bars (default 31)")
    parser.add_argument("--repeat", type=int, default=2, help="loader: runs per figure, best kept (default 2)")
    parser.add_argument("--leaderboard-symbols", default="25,100,300",
                        help="leaderboards: comma-separated symbol counts (default 25,100,300)")
    parser.add_argument("--metrics-sizes", default="100x60,50x60,100x30",
                        help="metrics: comma-separated SYMBOLSxDAYS data sets (default 100x60,50x60,100x30)")
    parser.add_argument("--indicator-sizes", default="100x30,100x60,100x120",
                        help="indicators: comma-separated SYMBOLSxDAYS data sets (default 100x30,100x60,100x120)")
    parser.add_argument("--indicator-peer-days", type=int, default=60,
                        help="indicators: run the peer on data sets of at most this many days (default 60; "
                             "on MariaDB it takes about 11 minutes per 100 symbols x 60 days)")
    parser.add_argument("--profile-sizes", default="100x60",
                        help="profiles: comma-separated SYMBOLSxDAYS data sets (default 100x60)")
    parser.add_argument("--clustering-cohorts", default="losers,gainers,overlaps",
                        help="clustering: cohorts of the demo market (default losers,gainers,overlaps; "
                             "the reference runs on the first)")
    parser.add_argument("--reference-members", type=int,
                        help="clustering: time the plain reference on this many members and extrapolate (default all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        named = ", ".join(unknown) or "(none given)"
        parser.error(f"--engines: unknown engine {named}; choose from {', '.join(ENGINES)}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        if "loader" in (args.only or BENCHMARKS):
            files = kraken_files(args.symbols, args.days)
            rows += bench_loader.run(files, repeat=args.repeat, engines=engines, workdir=Path(workdir))
        if "leaderboards" in (args.only or BENCHMARKS):
            counts = [int(n) for n in args.leaderboard_symbols.split(",") if n.strip()]
            rows += bench_leaderboards.run(counts, args.days, engines=engines, workdir=Path(workdir))
        if "metrics" in (args.only or BENCHMARKS):
            sizes = [tuple(int(x) for x in size.split("x")) for size in args.metrics_sizes.split(",") if size.strip()]
            rows += bench_metrics.run(sizes, engines=engines, workdir=Path(workdir))
        if "indicators" in (args.only or BENCHMARKS):
            sizes = [tuple(int(x) for x in size.split("x")) for size in args.indicator_sizes.split(",") if size.strip()]
            rows += bench_indicators.run(sizes, engines=engines, workdir=Path(workdir),
                                          peer_days=args.indicator_peer_days)
        if "profiles" in (args.only or BENCHMARKS):
            sizes = [tuple(int(x) for x in size.split("x")) for size in args.profile_sizes.split(",") if size.strip()]
            rows += bench_profiles.run(sizes, engines=engines, workdir=Path(workdir))
        if "clustering" in (args.only or BENCHMARKS):
            cohorts = [c.strip() for c in args.clustering_cohorts.split(",") if c.strip()]
            rows += bench_clustering.run(cohorts, args.reference_members, Path(workdir), tuple(engines))
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
