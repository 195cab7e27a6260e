#!/usr/bin/env python3
"""Kraken's top losers among USD-quoted pairs: fetch, rank, print, write a CSV (and optionally load it).

Pairs come from Kraken's public AssetPairs (quoted in USD by the pair's own quote field;
stablecoin bases, from the dbt seed seeds/stablecoins.csv, left out unless --include-stables),
prices and volumes from Ticker (100 pairs per request).

Basis of the change (the output column is named after it):
  today  pct_change_since_utc_open: last price against the opening price of the current UTC day,
         which is what Ticker's `o` is (not 24 hours ago). Ticker only: fast. The original's figure.
  24h    pct_change_24h: last price against the price 24 hours ago, from 5-minute OHLC candles
         (one request per pair that passes --min-volume, paced by --request-interval).
--min-volume is the 24 h volume in US dollars (24 h base volume x 24 h VWAP).

The output carries Kraken's pair key, its wsname and the symbol as the ohlcvt table names it
(the pair's altname, which names Kraken's OHLCVT downloads; seeds/kraken_symbol_overrides.csv
overrides it). Exit codes: 0 ok, 2 bad usage, 1 failure (one line, no partial output file).
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import cli
from pipeline.files import atomic_path, writable_file
from pipeline.kraken import (
    KrakenClient,
    Mappings,
    add_http_flags,
    api_url,
    pct_change,
    price_24h_ago,
    ticker_row,
    usd_pairs,
)

log = logging.getLogger("pipeline.kraken_losers")
COLUMNS = {
    "today": ["pair_key", "wsname", "symbol", "base", "quote", "last", "open_utc_day", "pct_change_since_utc_open",
              "volume_24h", "volume_24h_usd", "fetched_at"],
    "24h": ["pair_key", "wsname", "symbol", "base", "quote", "last", "price_24h_ago", "pct_change_24h",
            "volume_24h", "volume_24h_usd", "fetched_at"],
}
CHANGE = {"today": "pct_change_since_utc_open", "24h": "pct_change_24h"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("kraken_losers.py", __doc__)
    parser.add_argument("--top-n", type=cli.bounded(int, minimum=1), default=20, help="how many losers (default 20)")
    parser.add_argument("--min-volume", type=cli.bounded(float, minimum=0), default=1000.0,
                        help="minimum 24 h volume in USD, not negative (default 1000)")
    parser.add_argument("--include-stables", action="store_true", help="keep stablecoin bases (USDT/USD, ...)")
    parser.add_argument("--basis", choices=("today", "24h"), default="today",
                        help="today: since the UTC day's open (default); 24h: rolling 24 h from OHLC")
    parser.add_argument("--out", default="kraken_top_losers.csv", help="CSV to write (default kraken_top_losers.csv)")
    parser.add_argument("--load", action="store_true",
                        help="also append the result to the warehouse table kraken_top_losers")
    add_http_flags(parser, request_interval_help="seconds between OHLC requests with --basis 24h, up to 3600 "
                                                 "(default 1, Kraken's public pace)")
    cli.add_target_flags(parser)
    cli.add_verbosity_flags(parser)
    return parser.parse_args(argv)


def fetch_losers(client: KrakenClient, mappings: Mappings, *, top_n: int, min_volume: float, include_stables: bool,
                 basis: str, request_interval: float = 1.0, now: datetime | None = None) -> list[dict[str, Any]]:
    """The top_n lowest changes among liquid USD pairs, lowest first."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    pairs = usd_pairs(client.asset_pairs(), mappings, include_stables=include_stables)
    log.info("%d USD-quoted pairs%s", len(pairs), "" if include_stables else " (stablecoins left out)")
    tickers = client.tickers([p.key for p in pairs])
    missing = [p.key for p in pairs if p.key not in tickers]
    if missing:
        log.warning("no ticker for %d pair(s): %s", len(missing), ", ".join(missing[:10]))
    rows = [ticker_row(p, tickers[p.key]) for p in pairs if p.key in tickers]
    rows = [r for r in rows if r["volume_24h_usd"] >= min_volume]
    log.info("%d pairs with at least %s USD of 24 h volume", len(rows), f"{min_volume:,.0f}")
    if basis == "24h":
        epoch = int(now.timestamp())
        for i, row in enumerate(rows, start=1):
            if i > 1 and request_interval:
                time.sleep(request_interval)
            candles, _ = client.ohlc(row["pair_key"], interval=5, since=epoch - 86400 - 600)
            reference = price_24h_ago(candles, epoch, row["pair_key"])
            row["price_24h_ago"] = reference
            row["pct_change_24h"] = pct_change(row["last"], reference) if reference is not None else None
            if i % 25 == 0 or i == len(rows):
                log.info("OHLC fetched for %d of %d pairs", i, len(rows))
    change = CHANGE[basis]
    known = [r for r in rows if r.get(change) is not None]
    if len(known) < len(rows):
        unknown = [r["pair_key"] for r in rows if r.get(change) is None]
        log.warning("no %s for %d pair(s), left out: %s", change, len(unknown), ", ".join(unknown[:10]))
    known.sort(key=lambda r: (r[change], r["pair_key"]))
    stamp = now.replace(tzinfo=None)
    return [{**r, "fetched_at": stamp} for r in known[:top_n]]


def format_table(rows: list[dict[str, Any]], basis: str) -> str:
    change = CHANGE[basis]
    header = ["#", "pair", "symbol", "last", change, "24h volume USD"]
    body = [[str(i), r["wsname"], r["symbol"], f"{r['last']:.8g}", f"{r[change]:+.2f}%",
             f"{r['volume_24h_usd']:,.0f}"] for i, r in enumerate(rows, start=1)]
    widths = [max(len(h), *(len(b[j]) for b in body)) if body else len(h) for j, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [header, ["-" * w for w in widths], *body]]
    return "\n".join(lines)


def write_csv(rows: list[dict[str, Any]], path: Path, basis: str) -> None:
    """Written whole or not at all (a failed run leaves the previous file)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS[basis], extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "fetched_at": row["fetched_at"].strftime("%Y-%m-%d %H:%M:%S")})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    base_url = api_url(args.api_url)
    out = writable_file(Path(args.out), "--out")  # before the requests, not after them
    target = None
    if args.load:
        from pipeline.warehouse import load_target

        target = load_target(args.target, args.profiles_dir)  # fail on a bad profile before any request
    client = KrakenClient(base_url, timeout=args.timeout, retries=args.retries, backoff=args.backoff)
    rows = fetch_losers(client, Mappings.from_seeds(), top_n=args.top_n, min_volume=args.min_volume,
                        include_stables=args.include_stables, basis=args.basis,
                        request_interval=args.request_interval)
    sys.stdout.write(format_table(rows, args.basis) + "\n")
    if target is not None:
        from pipeline.kraken_store import append_losers

        append_losers(target, rows)
        log.info("appended %d row(s) to %s", len(rows), target.relation("kraken_top_losers"))
    write_csv(rows, out, args.basis)
    log.info("wrote %s (%d pairs)", out, len(rows))
    return 0


if __name__ == "__main__":
    cli.entry(main)
