"""What the Kraken jobs read and write: the losers CSV and the warehouse table kraken_top_losers
(kraken_losers.py, fetch_history.py), and Kraken's one-minute candles in the bars table
(ingest_kraken.py). Each job's whole run is one function here; the scripts parse the flags."""

from __future__ import annotations

import csv
import logging
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import cli
from .errors import UsageError
from .files import atomic_path, writable_file
from .kraken import (
    KrakenClient,
    KrakenError,
    Mappings,
    api_url,
    committed_candles,
    fetch_losers,
    format_losers,
    resolve_pairs,
)
from .warehouse import Target, load_target, param, read_rows, relation_exists, replace_rows

log = logging.getLogger(__name__)

TABLE = "kraken_top_losers"
COLUMNS = ("fetched_at", "loser_rank", "pair_key", "wsname", "symbol", "base", "quote", "last", "open_utc_day",
           "price_24h_ago", "pct_change_since_utc_open", "pct_change_24h", "volume_24h", "volume_24h_usd")
CSV_COLUMNS = {
    "today": ["pair_key", "wsname", "symbol", "base", "quote", "last", "open_utc_day", "pct_change_since_utc_open",
              "volume_24h", "volume_24h_usd", "fetched_at"],
    "24h": ["pair_key", "wsname", "symbol", "base", "quote", "last", "price_24h_ago", "pct_change_24h",
            "volume_24h", "volume_24h_usd", "fetched_at"],
}
DDL = """create table if not exists {relation} (
    fetched_at {ts} not null,
    loser_rank integer not null,
    pair_key varchar(32) not null,
    wsname varchar(32) not null,
    symbol varchar(32) not null,
    base varchar(16) not null,
    quote varchar(16) not null,
    last double not null,
    open_utc_day double,
    price_24h_ago double,
    pct_change_since_utc_open double,
    pct_change_24h double,
    volume_24h double not null,
    volume_24h_usd double not null,
    primary key (fetched_at, pair_key)
){suffix}"""


def append_losers(target: Target, rows: list[dict[str, Any]]) -> None:
    """Create the table when missing and append the rows, all in one transaction. A batch with the
    same fetched_at as an earlier one (two runs within a second) replaces it."""
    relation = target.relation(TABLE)
    mysql = target.is_mysql_family
    ddl = DDL.format(relation=relation, ts="datetime" if mysql else "timestamp",
                     suffix=" character set utf8mb4 collate utf8mb4_bin" if mysql else "")
    values = [tuple(row.get(c) if c != "loser_rank" else rank for c in COLUMNS)
              for rank, row in enumerate(rows, start=1)]
    insert = (f"insert into {relation} ({', '.join(COLUMNS)}) "
              f"values ({', '.join([param(target)] * len(COLUMNS))})")
    delete = f"delete from {relation} where fetched_at = {param(target)}"
    stamps = sorted({row["fetched_at"] for row in rows})
    replace_rows(target, ddl=ddl, deletes=[(delete, (stamp,)) for stamp in stamps], insert=insert, rows=values)


def newest_losers(target: Target) -> list[str]:
    """The symbols of the newest batch in kraken_top_losers, by rank; UsageError when it is missing."""
    if not relation_exists(target, TABLE):
        raise UsageError(f"{TABLE} not found in {target.type} target {target.name!r}: "
                         "run kraken_losers.py --load first")
    rel = target.relation(TABLE)
    sql = f"select symbol from {rel} where fetched_at = (select max(fetched_at) from {rel}) order by loser_rank"
    return [r[0] for r in read_rows(target, sql)[1]]


def write_losers_csv(rows: list[dict[str, Any]], path: Path, basis: str) -> None:
    """Written whole or not at all (a failed run leaves the previous file)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS[basis], extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "fetched_at": row["fetched_at"].strftime("%Y-%m-%d %H:%M:%S")})


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


def top_losers(out: Path, *, top_n: int, min_volume: float, include_stables: bool, basis: str, load: bool,
               url: str | None, timeout: float, retries: int, backoff: float, request_interval: float,
               target: str | None, profiles_dir: str | None) -> int:
    """kraken_losers.py: fetch and rank, print the table, append to the warehouse with `load`, write
    the CSV. Every input is checked before the first request."""
    base_url = api_url(url)
    out = writable_file(out, "--out")  # before the requests, not after them
    warehouse = load_target(target, profiles_dir) if load else None  # a bad profile fails before any request
    client = KrakenClient(base_url, timeout=timeout, retries=retries, backoff=backoff)
    rows = fetch_losers(client, Mappings.from_seeds(), top_n=top_n, min_volume=min_volume,
                        include_stables=include_stables, basis=basis, request_interval=request_interval)
    sys.stdout.write(format_losers(rows, basis) + "\n")
    if warehouse is not None:
        append_losers(warehouse, rows)
        log.info("appended %d row(s) to %s", len(rows), warehouse.relation(TABLE))
    write_losers_csv(rows, out, basis)
    log.info("wrote %s (%d pairs)", out, len(rows))
    return 0


# ----------------------------------------------------------------------------- candles into the bars table

def candles_frame(key: str, symbol: str, candles: list[list]):
    """Kraken OHLC rows [time, open, high, low, close, vwap, volume, count] as loader bars."""
    import pandas as pd

    try:
        frame = pd.DataFrame(candles, columns=["ts", "open", "high", "low", "close", "vwap", "volume", "trades"])
        frame = frame.drop(columns="vwap").astype({"ts": "int64", "open": "float64", "high": "float64",
                                                   "low": "float64", "close": "float64", "volume": "float64",
                                                   "trades": "int64"})
    except (ValueError, TypeError) as exc:  # Kraken answered candles that are not numbers
        raise KrakenError(f"Kraken OHLC {key}: malformed candles ({cli.first_line(exc)})") from None
    frame.insert(0, "symbol", symbol)
    return frame


def ingest(names: list[str], *, since: datetime | None, url: str | None, timeout: float, retries: int,
           backoff: float, request_interval: float, target: str | None, profiles_dir: str | None) -> int:
    """ingest_kraken.py: each pair's committed candles from its newest stored bar on (else from
    `since`, default 12 hours ago), validated and upserted in one transaction."""
    from .bars import validate_frame
    from .loader import default_schema, default_table, load_batches, newest_bar_times

    default_since = since.replace(tzinfo=UTC) if since else datetime.now(UTC) - timedelta(hours=12)
    base_url = api_url(url)
    warehouse = load_target(target, profiles_dir)
    client = KrakenClient(base_url, timeout=timeout, retries=retries, backoff=backoff)
    pairs = resolve_pairs(client, names, Mappings.from_seeds())
    stored = newest_bar_times(warehouse, [s for _, s in pairs])
    batches = []
    for i, (key, symbol) in enumerate(pairs, start=1):
        if i > 1 and request_interval:
            time.sleep(request_interval)
        # from the newest stored bar: Kraken's `since` is exclusive, and that bar is re-fetched and replaced
        start = stored[symbol] - 60 if symbol in stored else int(default_since.timestamp())
        candles = committed_candles(client, key, start)
        log.info("%s (%s): %d committed bar(s) since %s", symbol, key, len(candles),
                 datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%d %H:%M"))
        if candles:
            batches.append(validate_frame(f"Kraken OHLC {key}", candles_frame(key, symbol, candles)))
    report = load_batches(warehouse, batches)
    log.info("stored %d bar(s) of %d pair(s) in %s", report.rows, len(pairs),
             warehouse.relation(default_table(), default_schema(warehouse)))
    return 0
