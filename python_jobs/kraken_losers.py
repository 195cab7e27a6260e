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
from pathlib import Path

from pipeline import cli
from pipeline.kraken import add_http_flags
from pipeline.kraken_store import top_losers


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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    return top_losers(Path(args.out), top_n=args.top_n, min_volume=args.min_volume,
                      include_stables=args.include_stables, basis=args.basis, load=args.load, url=args.api_url,
                      timeout=args.timeout, retries=args.retries, backoff=args.backoff,
                      request_interval=args.request_interval, target=args.target, profiles_dir=args.profiles_dir)


if __name__ == "__main__":
    cli.entry(main)
