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
import logging
import time
from datetime import UTC, datetime, timedelta

import pandas as pd

from pipeline import cli
from pipeline.bars import validate_frame
from pipeline.errors import UsageError
from pipeline.kraken import KrakenClient, KrakenError, Mappings, add_http_flags, api_url, normalize_asset
from pipeline.loader import default_schema, default_table, load_batches
from pipeline.warehouse import Target, load_target, param, quote_ident, read_rows, relation_exists

log = logging.getLogger("pipeline.ingest_kraken")


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


def resolve_pairs(client: KrakenClient, names: list[str], mappings: Mappings) -> list[tuple[str, str]]:
    """(pair key, ohlcvt symbol) for each name given, by key or altname; UsageError for unknown names."""
    pairs = client.asset_pairs()
    by_altname = {str(info.get("altname", "")).upper(): key for key, info in pairs.items() if isinstance(info, dict)}
    resolved, unknown = [], []
    for name in names:
        key = name if name in pairs else by_altname.get(name.upper())
        if key is None:
            unknown.append(name)
            continue
        info = pairs[key]
        symbol = mappings.overrides.get(key, str(info.get("altname") or key))
        resolved.append((key, symbol))
        log.debug("%s: pair %s (%s/%s) -> %s", name, key, normalize_asset(str(info.get("base", "")), mappings.aliases),
                  normalize_asset(str(info.get("quote", "")), mappings.aliases), symbol)
    if unknown:
        raise UsageError(f"unknown Kraken pair(s): {', '.join(unknown)} (see AssetPairs for keys and altnames)")
    return list(dict.fromkeys(resolved))


def stored_until(target: Target, symbols: list[str]) -> dict[str, int]:
    """Each symbol's newest stored bar (unix seconds); symbols without bars are absent."""
    table, schema = default_table(), default_schema(target)
    if not relation_exists(target, table, schema):
        return {}
    ts = quote_ident(target, "timestamp")
    sql = (f"select symbol, max({ts}) from {target.relation(table, schema)} "
           f"where symbol in ({', '.join([param(target)] * len(symbols))}) group by symbol")
    return {s: int(t.replace(tzinfo=UTC).timestamp()) for s, t in read_rows(target, sql, symbols)[1] if t is not None}


def candles_frame(key: str, symbol: str, candles: list[list]) -> pd.DataFrame:
    """Kraken OHLC rows [time, open, high, low, close, vwap, volume, count] as loader bars."""
    try:
        frame = pd.DataFrame(candles, columns=["ts", "open", "high", "low", "close", "vwap", "volume", "trades"])
        frame = frame.drop(columns="vwap").astype({"ts": "int64", "open": "float64", "high": "float64",
                                                   "low": "float64", "close": "float64", "volume": "float64",
                                                   "trades": "int64"})
    except (ValueError, TypeError) as exc:  # Kraken answered candles that are not numbers
        raise KrakenError(f"Kraken OHLC {key}: malformed candles ({cli.first_line(exc)})") from None
    frame.insert(0, "symbol", symbol)
    return frame


def fetch_pair(client: KrakenClient, key: str, since: int) -> list[list]:
    """Committed one-minute candles after `since`. Kraken's OHLC serves only the 720 most recent
    candles, whatever `since` says: an older start leaves a gap, which is reported."""
    candles, _ = client.ohlc(key, interval=1, since=since)
    committed = candles[:-1]  # the last candle is the minute still forming
    try:
        first = int(committed[0][0]) if committed else None
    except (TypeError, ValueError, IndexError):
        raise KrakenError(f"Kraken OHLC {key}: malformed candles (first: {committed[0]!r:.80})") from None
    if first is not None and first > since + 60:
        missing = (first - since) // 60 - 1
        log.warning("%s: Kraken's OHLC starts %d minute(s) after the requested start: that gap stays "
                    "(load Kraken's OHLCVT downloads with load_bars.py to fill it)", key, missing)
    return committed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cli.setup_logging(args)
    default_since = args.since.replace(tzinfo=UTC) if args.since else datetime.now(UTC) - timedelta(hours=12)
    base_url = api_url(args.api_url)
    target = load_target(args.target, args.profiles_dir)
    client = KrakenClient(base_url, timeout=args.timeout, retries=args.retries, backoff=args.backoff)
    pairs = resolve_pairs(client, args.pairs, Mappings.from_seeds())
    stored = stored_until(target, [s for _, s in pairs])
    batches = []
    for i, (key, symbol) in enumerate(pairs, start=1):
        if i > 1 and args.request_interval:
            time.sleep(args.request_interval)
        # from the newest stored bar: Kraken's `since` is exclusive, and that bar is re-fetched and replaced
        since = stored[symbol] - 60 if symbol in stored else int(default_since.timestamp())
        candles = fetch_pair(client, key, since)
        log.info("%s (%s): %d committed bar(s) since %s", symbol, key, len(candles),
                 datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%d %H:%M"))
        if candles:
            batches.append(validate_frame(f"Kraken OHLC {key}", candles_frame(key, symbol, candles)))
    report = load_batches(target, batches)
    log.info("stored %d bar(s) of %d pair(s) in %s", report.rows, len(pairs),
             target.relation(default_table(), default_schema(target)))
    return 0


if __name__ == "__main__":
    cli.entry(main)
