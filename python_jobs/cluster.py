#!/usr/bin/env python3
"""EMD cycle clustering of a habitual cohort (../shared/spec/imf-clustering.md).

For each member of the cohort and each window (6h, 12h, 24h, 3d, 7d, 30d): EMD of price and
volume on a one-minute grid, cycles between IMF peaks, price cycles fused with the volume cycles
that overlap them, then Gaussian-mixture and DBSCAN clusterings of the fused cycles. Reads the
cohort's members and bars from the warehouse (habitual_<cohort>, cohort_bars; build them with
`dbt run --select +leaderboards`), or with --input from a habitual_*.csv export.

Writes to --out: imf_clusters_<cohort>.json and imf_clusters_<cohort>.txt (and with --plot
imf_clusters_<cohort>.png), and replaces the cohort's rows for this as_of in the warehouse table
imf_clusters (not with --input, unless --load). Members run in parallel (--jobs); the results do
not depend on it. Exit codes: 0 ok (an empty cohort too), 2 bad usage or input, 1 failure.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from pipeline import cli, imf, imf_store
from pipeline.errors import UsageError
from pipeline.files import writable_folder

log = logging.getLogger("pipeline.cluster")
WINDOW_LABELS = [w[0] for w in imf.WINDOWS]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("cluster.py", __doc__)
    parser.add_argument("--cohort", required=True, choices=("gainers", "losers", "overlaps"))
    parser.add_argument("--input", type=Path, help="a habitual_*.csv (symbol, timestamp, close, volume, ...) "
                                                   "instead of the warehouse")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder (default: current folder)")
    parser.add_argument("--windows", help=f"comma-separated subset of {','.join(WINDOW_LABELS)} (default all)")
    parser.add_argument("--symbols", help="comma-separated members to analyse (default all)")
    parser.add_argument("--jobs", type=cli.bounded(int, minimum=1), default=os.cpu_count() or 1,
                        help="parallel members, at least 1 (default: all cores)")
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


def selected_windows(text: str | None) -> tuple:
    if not text:
        return imf.WINDOWS
    wanted = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in WINDOW_LABELS]
    if unknown or not wanted:
        raise UsageError(f"--windows {text!r}: choose from {','.join(WINDOW_LABELS)}")
    return tuple(w for w in imf.WINDOWS if w[0] in wanted)


def selected_members(text: str | None, members: list[str], cohort: str) -> list[str]:
    if not text:
        return members
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    if not wanted:
        raise UsageError(f"--symbols {text!r}: no symbol named")
    unknown = [s for s in wanted if s not in members]
    if unknown:
        raise UsageError(f"--symbols: not in the {cohort} cohort: {', '.join(unknown)}")
    return [s for s in members if s in wanted]


def analyse(data: imf_store.CohortBars, members: list[str], windows: tuple, jobs: int, fast: bool = False) -> dict:
    """{symbol: {window: {"gmm": [...], "dbscan": [...]}}} in cohort order."""
    tasks = []
    for symbol in members:
        frame = data.bars.get(symbol)
        if frame is None or frame.empty:
            log.warning("%s: no bars in the lookback; its windows are empty", symbol)
            continue
        tasks.append((symbol, frame["ts"].to_numpy(), frame["close"].to_numpy(), frame["volume"].to_numpy(), windows,
                      fast))
    results: dict[str, dict] = {}
    started = time.perf_counter()
    parallel = jobs > 1 and len(tasks) > 1
    if parallel:
        # spawn, not fork: a forked child can inherit a BLAS thread pool's lock mid-use and hang
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("spawn"),
                                   initializer=imf.worker_process_init, initargs=(os.getpid(),))
        done = pool.map(imf.analyse_task, tasks)
    else:
        imf.worker_init()
        done = map(imf.analyse_task, tasks)
    try:
        for i, (symbol, result) in enumerate(done, start=1):
            results[symbol] = result
            log.info("[%d/%d] %s done (%.0f s)", i, len(tasks), symbol, time.perf_counter() - started)
    finally:
        if parallel:
            pool.shutdown(cancel_futures=True)
    empty = {label: {"gmm": [], "dbscan": []} for label, _, _ in windows}
    return {s: results.get(s, empty) for s in members}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    windows = selected_windows(args.windows)
    writable_folder(args.out, "--out")  # now, not after the work, which can take an hour
    target = None
    if args.input is None or args.load:
        from pipeline.warehouse import load_target

        target = load_target(args.target, args.profiles_dir)
    data = (imf_store.read_csv(args.input, args.as_of) if args.input
            else imf_store.read_warehouse(target, args.cohort, args.as_of))
    members = selected_members(args.symbols, data.members, args.cohort)
    if not members:
        log.warning("the %s cohort is empty: writing empty outputs", args.cohort)
    else:
        log.info("%s: %d member(s), %d window(s), as of %s, %d job(s)", args.cohort, len(members), len(windows),
                 data.as_of, args.jobs)
    if args.fast:
        log.info("fast mode: emd.sift instead of PyEMD; the clusters are close to, not equal to, exact mode's")
    results = analyse(data, members, windows, args.jobs, args.fast)
    stem = args.out / f"imf_clusters_{args.cohort}"
    imf_store.write_json(results, stem.with_suffix(".json"))
    imf_store.write_lines(imf_store.summary_lines(results, imf.dominant), stem.with_suffix(".txt"))
    if args.plot:
        imf_store.plot(args.cohort, results, [w[0] for w in windows], stem.with_suffix(".png"))
    if target is not None:
        run_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        rows = imf_store.table_rows(args.cohort, results, data.as_of, run_at,
                                    "emd.sift" if args.fast else "pyemd")
        imf_store.replace_rows(target, args.cohort, data.as_of, rows)
        log.info("imf_clusters: %d row(s) for %s as of %s", len(rows), args.cohort, data.as_of)
    log.info("wrote %s.json and .txt%s", stem, " and .png" if args.plot else "")
    return 0


if __name__ == "__main__":
    cli.entry(main)
