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
import csv
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline import cli
from pipeline.errors import UsageError
from pipeline.files import atomic_path, writable_file
from pipeline.loader import default_schema, default_table
from pipeline.warehouse import Target, load_target, param, quote_ident, read_rows, relation_exists, stream_rows

log = logging.getLogger("pipeline.fetch_history")
# 100 years: more than any market's history, and the start stays a valid date for --end 1970 onward
MAX_DAYS = 36500
COLUMNS = ("symbol", "timestamp", "open", "high", "low", "close", "volume", "trades")


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


def losers_from_csv(path: Path) -> list[str]:
    """The symbol column of a kraken_losers.py CSV, in its order; UsageError naming the file."""
    where = f"--losers-csv {path}"
    if not path.is_file():
        raise UsageError(f"{where}: not found (run kraken_losers.py, or use --from-table)")
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if "symbol" not in (reader.fieldnames or []):
                raise UsageError(f"{where}: no 'symbol' column (expected kraken_losers.py output)")
            return [row["symbol"].strip() for row in reader if (row["symbol"] or "").strip()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"{where}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None


def cohort_symbols(target: Target, cohort: str, *, losers_csv: Path, from_table: bool) -> list[str]:
    """The cohort's symbols, in the order their source lists them."""
    if cohort == "losers" and not from_table:
        return losers_from_csv(losers_csv)
    relation = {"losers": "kraken_top_losers", "gainers": "habitual_gainers", "overlaps": "habitual_overlaps"}[cohort]
    if not relation_exists(target, relation):
        hint = ("run kraken_losers.py --load" if cohort == "losers"
                else f"run `dbt run --select +leaderboards --target {target.name}`")
        raise UsageError(f"{relation} not found in {target.type} target {target.name!r}: {hint} first")
    rel = target.relation(relation)
    if cohort == "losers":
        sql = (f"select symbol from {rel} where fetched_at = (select max(fetched_at) from {rel}) "
               "order by loser_rank")
    else:
        sql = f"select symbol from {rel} order by {quote_ident(target, 'rank')}"
    return [r[0] for r in read_rows(target, sql)[1]]


def export(target: Target, symbols: list[str], start: datetime, end: datetime, path: Path) -> dict[str, int]:
    """Bars of `symbols` in [start, end) to `path`; returns bars per symbol."""
    table = target.relation(default_table(), default_schema(target))
    ts = quote_ident(target, "timestamp")
    p = param(target)
    sql = (f"select symbol, {ts}, open, high, low, close, volume, trades from {table} "
           f"where symbol in ({', '.join([p] * len(symbols))}) and {ts} >= {p} and {ts} < {p} "
           f"order by symbol, {ts}")
    if symbols and not relation_exists(target, default_table(), default_schema(target)):
        raise UsageError(f"bars table {table} not found in {target.type} target {target.name!r}: "
                         "load bars with load_bars.py (or ingest_kraken.py) first")
    counts = dict.fromkeys(symbols, 0)
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        if symbols:
            for _, batch in stream_rows(target, sql, (*symbols, start, end)):
                for row in batch:
                    counts[row[0]] = counts.get(row[0], 0) + 1
                    writer.writerow((row[0], row[1].strftime("%Y-%m-%d %H:%M:%S"), *row[2:]))
    return counts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    end = args.end or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    start = end - timedelta(days=args.days)
    out = writable_file(Path(args.out or f"{args.cohort}_{args.days:g}day_history.csv"), "--out")
    if args.cohort != "losers" and args.from_table:
        log.warning("--from-table applies to --cohort losers only; %s come from habitual_%s", args.cohort,
                    args.cohort)
    target = load_target(args.target, args.profiles_dir)
    symbols = list(dict.fromkeys(cohort_symbols(target, args.cohort, losers_csv=Path(args.losers_csv),
                                                from_table=args.from_table)))
    if not symbols:
        log.warning("the %s cohort is empty: writing a header-only %s", args.cohort, out)
    counts = export(target, symbols, start, end, out)
    empty = [s for s in symbols if counts.get(s, 0) == 0]
    log.info("wrote %s: %d bars of %d symbol(s) from %s to %s", out, sum(counts.values()),
             len(symbols) - len(empty), start, end)
    if empty:
        log.warning("no bars in the range for %d of %d symbol(s): %s", len(empty), len(symbols), ", ".join(empty))
    return 0


if __name__ == "__main__":
    cli.entry(main)
