"""fetch_history.py: the last days of one-minute bars of a cohort's symbols, from the bars table to CSV."""

from __future__ import annotations

import csv
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .errors import UsageError
from .files import atomic_path, writable_file
from .kraken_store import losers_from_csv, newest_losers
from .leaderboards import cohort_members
from .loader import default_schema, default_table
from .warehouse import Target, load_target, param, quote_ident, relation_exists, stream_rows

log = logging.getLogger(__name__)
# 100 years: more than any market's history, and the start stays a valid date for --end 1970 onward
MAX_DAYS = 36500
COLUMNS = ("symbol", "timestamp", "open", "high", "low", "close", "volume", "trades")


def cohort_symbols(target: Target, cohort: str, *, losers_csv: Path, from_table: bool) -> list[str]:
    """The cohort's symbols, in the order their source lists them."""
    if cohort == "losers":
        return newest_losers(target) if from_table else losers_from_csv(losers_csv)
    relation = f"habitual_{cohort}"
    if not relation_exists(target, relation):
        raise UsageError(f"{relation} not found in {target.type} target {target.name!r}: "
                         f"run `dbt run --select +leaderboards --target {target.name}` first")
    return cohort_members(target, cohort)


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


def fetch_history(cohort: str, *, days: float, end: datetime | None, out: str | None, losers_csv: str,
                  from_table: bool, target: str | None, profiles_dir: str | None) -> int:
    """fetch_history.py: --out is checked before the warehouse is opened; symbols without bars in
    the range are reported, not dropped silently."""
    end = end or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    start = end - timedelta(days=days)
    path = writable_file(Path(out or f"{cohort}_{days:g}day_history.csv"), "--out")
    if cohort != "losers" and from_table:
        log.warning("--from-table applies to --cohort losers only; %s come from habitual_%s", cohort, cohort)
    warehouse = load_target(target, profiles_dir)
    symbols = list(dict.fromkeys(cohort_symbols(warehouse, cohort, losers_csv=Path(losers_csv),
                                                from_table=from_table)))
    if not symbols:
        log.warning("the %s cohort is empty: writing a header-only %s", cohort, path)
    counts = export(warehouse, symbols, start, end, path)
    empty = [s for s in symbols if counts.get(s, 0) == 0]
    log.info("wrote %s: %d bars of %d symbol(s) from %s to %s", path, sum(counts.values()),
             len(symbols) - len(empty), start, end)
    if empty:
        log.warning("no bars in the range for %d of %d symbol(s): %s", len(empty), len(symbols), ", ".join(empty))
    return 0
