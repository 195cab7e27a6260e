#!/usr/bin/env python3
"""Pull recent one-minute bars for Kraken pairs from the public OHLC endpoint into the bars table.

For each pair (Kraken pair key or altname, e.g. XBTUSD), bars are requested from the symbol's
newest stored bar onward (or, for a symbol not stored yet, from --since, default 12 hours ago).
Kraken's OHLC answers at most the 720 most recent one-minute candles: run this at least every
12 hours, or fill older gaps from Kraken's OHLCVT downloads with load_bars.py. The last candle
of each answer is the still-forming minute and is never stored. Candles go through
the same checks and upsert as load_bars.py, all pairs in one transaction: reruns are idempotent,
an interrupted run resumes where the stored bars end. Run it from cron to keep `ohlcvt` fresh.
Exit codes: 0 ok, 2 bad usage (unknown pair), 1 failure (Kraken or the warehouse).
"""

from __future__ import annotations

import argparse

from pipeline import cli
from pipeline.errors import UsageError
from pipeline.kraken import add_http_flags
from pipeline.kraken_store import ingest


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser("ingest_kraken.py", __doc__)
    parser.add_argument("pairs", nargs="+", metavar="PAIR", help="Kraken pair keys or altnames (XXBTZUSD, ETHUSD)")
    parser.add_argument("--since", type=cli.utc_time,
                        help="UTC start for symbols with no stored bars (default: 12 hours ago)")
    add_http_flags(parser, request_interval_help="seconds between OHLC requests, up to 3600 "
                                                 "(default 1, Kraken's public pace)")
    cli.add_target_flags(parser)
    cli.add_verbosity_flags(parser)
    args = parser.parse_args(argv)
    empty = [name for name in args.pairs if not name.strip()]
    if empty:
        raise UsageError(f"PAIR {empty[0]!r}: empty; give Kraken pair keys or altnames (XXBTZUSD, ETHUSD)")
    args.pairs = [name.strip() for name in args.pairs]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    return ingest(args.pairs, since=args.since, url=args.api_url, timeout=args.timeout, retries=args.retries,
                  backoff=args.backoff, request_interval=args.request_interval, target=args.target,
                  profiles_dir=args.profiles_dir)


if __name__ == "__main__":
    cli.entry(main)
