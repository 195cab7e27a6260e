"""Kraken's public REST API: a small robust client, and pure functions over its responses.

The client retries what is worth retrying (timeouts, connection errors, HTTP 5xx, and Kraken's
rate-limit errors) with exponential backoff, and turns everything else into one-line KrakenError
messages: HTTP 4xx, a non-empty `error` array, malformed JSON, a missing `result`.
Pure functions (asset names, USD pairs, percent changes) need no network and are unit-tested.
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import cli
from .errors import JobFailed, UsageError
from .project import PROJECT_ROOT

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.kraken.com"
TICKER_BATCH = 100  # pairs per Ticker request
RETRYABLE_ERRORS = ("EAPI:Rate limit exceeded", "EGeneral:Too many requests", "EService:Unavailable",
                    "EService:Busy", "EGeneral:Temporary lockout")
# Legacy asset codes carry an X (crypto) or Z (fiat) prefix: XXBT, XETH, ZUSD, ZEUR.
LEGACY_PREFIXED = {"XXBT", "XETH", "XXRP", "XLTC", "XXLM", "XXMR", "XZEC", "XETC", "XREP", "XMLN", "XXDG",
                   "XXTZ", "XDAO", "XNMC", "XXVN", "XICN", "ZUSD", "ZEUR", "ZGBP", "ZCAD", "ZJPY", "ZAUD",
                   "ZCHF", "ZKRW"}
# kraken_losers.py --basis: the column each basis of the change is named after
CHANGE = {"today": "pct_change_since_utc_open", "24h": "pct_change_24h"}


class KrakenError(JobFailed):
    """A Kraken request that failed for good (after retries where they make sense)."""


def api_url(flag: str | None = None) -> str:
    """--api-url, else KRAKEN_API_URL, else Kraken's; UsageError naming the one that is not an http(s) URL."""
    source, url = "--api-url", flag
    if not flag:
        source, url = "KRAKEN_API_URL", os.environ.get("KRAKEN_API_URL") or DEFAULT_API_URL
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an unclosed IPv6 bracket
        usable = False
    if not usable:
        raise UsageError(f"{source} {url!r}: expected an http(s) URL like {DEFAULT_API_URL}")
    return url.rstrip("/")


def add_http_flags(parser: argparse.ArgumentParser, *, request_interval_help: str) -> None:
    """--api-url, --timeout, --retries, --backoff and --request-interval, with bounds that keep the
    retries and waits finite (2 ** 20 backoffs is already days)."""
    parser.add_argument("--api-url", help="Kraken API base URL (default: KRAKEN_API_URL or https://api.kraken.com)")
    parser.add_argument("--timeout", type=cli.bounded(float, above=0, maximum=600), default=10.0,
                        help="seconds per HTTP request, up to 600 (default 10)")
    parser.add_argument("--retries", type=cli.bounded(int, minimum=0, maximum=20), default=4,
                        help="retries on 5xx, timeouts and rate limits, 0 to 20 (default 4)")
    parser.add_argument("--backoff", type=cli.bounded(float, minimum=0, maximum=3600), default=1.0,
                        help="first retry delay in seconds, doubled at each retry, up to 3600 (default 1)")
    parser.add_argument("--request-interval", type=cli.bounded(float, minimum=0, maximum=3600), default=1.0,
                        help=request_interval_help)


class KrakenClient:
    def __init__(self, base_url: str | None = None, *, timeout: float = 10.0, retries: int = 4,
                 backoff: float = 1.0, session=None, sleep: Callable[[float], None] = time.sleep) -> None:
        import requests

        self.base_url = api_url(base_url)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = session or requests.Session()
        self.sleep = sleep

    def get(self, endpoint: str, params: dict[str, Any] | None = None) -> Any:
        """The `result` of GET /0/public/<endpoint>, retrying transient failures."""
        import requests

        url = f"{self.base_url}/0/public/{endpoint}"
        for attempt in range(self.retries + 1):
            last_try = attempt == self.retries
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except (requests.Timeout, requests.ConnectionError) as exc:
                reason = f"{type(exc).__name__} ({self.timeout:g} s timeout)" if isinstance(
                    exc, requests.Timeout) else f"cannot connect: {cli.first_line(exc)}"
                if last_try:
                    raise KrakenError(f"Kraken {endpoint}: {reason}, after {attempt + 1} attempts") from exc
                self._wait(attempt, endpoint, reason)
                continue
            except requests.RequestException as exc:  # a bad URL, too many redirects: no retry helps
                raise KrakenError(f"Kraken {endpoint}: {type(exc).__name__}: {cli.first_line(exc)}") from exc
            if response.status_code >= 500 or response.status_code == 429:
                if last_try:
                    raise KrakenError(f"Kraken {endpoint}: HTTP {response.status_code}, after {attempt + 1} attempts")
                self._wait(attempt, endpoint, f"HTTP {response.status_code}")
                continue
            if response.status_code >= 400:
                raise KrakenError(f"Kraken {endpoint}: HTTP {response.status_code}: "
                                  f"{cli.first_line(response.text)[:200]}")
            try:
                payload = response.json()
            except ValueError:
                raise KrakenError(f"Kraken {endpoint}: malformed JSON in the response: "
                                  f"{cli.first_line(response.text)[:120]!r}") from None
            if not isinstance(payload, dict) or not isinstance(payload.get("error", []), list):
                raise KrakenError(f"Kraken {endpoint}: unexpected response shape (no error list)")
            errors = [str(e) for e in payload.get("error", [])]
            if errors:
                if any(e.startswith(RETRYABLE_ERRORS) for e in errors) and not last_try:
                    self._wait(attempt, endpoint, "; ".join(errors))
                    continue
                raise KrakenError(f"Kraken {endpoint}: {'; '.join(errors)}")
            if "result" not in payload:
                raise KrakenError(f"Kraken {endpoint}: response has no result")
            return payload["result"]
        raise AssertionError("unreachable")

    def _wait(self, attempt: int, endpoint: str, reason: str) -> None:
        delay = self.backoff * 2 ** attempt
        log.warning("Kraken %s: %s; retrying in %.1f s", endpoint, reason, delay)
        self.sleep(delay)

    def asset_pairs(self) -> dict[str, dict[str, Any]]:
        result = self.get("AssetPairs")
        if not isinstance(result, dict):
            raise KrakenError("Kraken AssetPairs: result is not an object")
        return result

    def tickers(self, pairs: list[str]) -> dict[str, dict[str, Any]]:
        """Tickers of the given pair keys, at most TICKER_BATCH per request."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(pairs), TICKER_BATCH):
            batch = pairs[start:start + TICKER_BATCH]
            result = self.get("Ticker", {"pair": ",".join(batch)})
            if not isinstance(result, dict):
                raise KrakenError("Kraken Ticker: result is not an object")
            found.update(result)
        return found

    def ohlc(self, pair: str, *, interval: int = 1, since: int | None = None) -> tuple[list[list], int | None]:
        """(candles, last) for one pair: rows [time, open, high, low, close, vwap, volume, count]."""
        params: dict[str, Any] = {"pair": pair, "interval": interval}
        if since is not None:
            params["since"] = since
        result = self.get("OHLC", params)
        if not isinstance(result, dict):
            raise KrakenError(f"Kraken OHLC {pair}: result is not an object")
        last = result.get("last")
        rows = [v for k, v in result.items() if k != "last"]
        if len(rows) != 1 or not isinstance(rows[0], list):
            raise KrakenError(f"Kraken OHLC {pair}: expected one pair's candles, got keys {sorted(result)}")
        try:
            return rows[0], (int(last) if last is not None else None)
        except (TypeError, ValueError):
            raise KrakenError(f"Kraken OHLC {pair}: malformed last {last!r}") from None


# ----------------------------------------------------------------------------- names and mappings

def read_seed(name: str, project_root: Path = PROJECT_ROOT) -> list[dict[str, str]]:
    """Rows of seeds/<name>.csv (the same file `dbt seed` loads into the warehouse)."""
    path = project_root / "seeds" / f"{name}.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@dataclass(frozen=True)
class Mappings:
    aliases: dict[str, str]  # normalized Kraken asset code -> common code (XBT -> BTC)
    stables: set[str]  # stablecoin asset codes (after aliases)
    overrides: dict[str, str]  # pair key -> ohlcvt symbol, where it is not the pair's altname

    @classmethod
    def from_seeds(cls, project_root: Path = PROJECT_ROOT) -> Mappings:
        aliases = {r["kraken_asset"].upper(): r["asset"].upper()
                   for r in read_seed("kraken_asset_aliases", project_root)}
        stables = {r["asset"].upper() for r in read_seed("stablecoins", project_root)}
        overrides = {r["pair_key"]: r["ohlcvt_symbol"] for r in read_seed("kraken_symbol_overrides", project_root)
                     if r.get("pair_key") and r.get("ohlcvt_symbol")}
        return cls(aliases=aliases, stables=stables, overrides=overrides)


def normalize_asset(code: str, aliases: dict[str, str] | None = None) -> str:
    """Kraken's asset code as people write it: XXBT -> XBT -> BTC (aliases), ZUSD -> USD."""
    code = code.upper()
    if code in LEGACY_PREFIXED:
        code = code[1:]
    return (aliases or {}).get(code, code)


@dataclass(frozen=True)
class Pair:
    key: str  # Kraken's pair key, e.g. XXBTZUSD
    altname: str  # XBTUSD: also the name of Kraken's OHLCVT download files
    wsname: str  # XBT/USD
    base: str  # normalized: BTC
    quote: str  # normalized: USD
    symbol: str  # as the ohlcvt table names it


def usd_pairs(asset_pairs: dict[str, dict[str, Any]], mappings: Mappings, *, include_stables: bool = False
              ) -> list[Pair]:
    """The pairs quoted in US dollars (by the pair's own quote field), stablecoin bases left out
    unless include_stables. Dark-pool (.d) pairs are skipped."""
    pairs = []
    for key, info in sorted(asset_pairs.items()):
        if key.endswith(".d") or not isinstance(info, dict) or "base" not in info or "quote" not in info:
            continue
        quote = normalize_asset(str(info["quote"]), mappings.aliases)
        base = normalize_asset(str(info["base"]), mappings.aliases)
        if quote != "USD":
            continue
        if base in mappings.stables and not include_stables:
            continue
        altname = str(info.get("altname") or key)
        pairs.append(Pair(key=key, altname=altname, wsname=str(info.get("wsname") or f"{base}/{quote}"),
                          base=base, quote=quote, symbol=mappings.overrides.get(key, altname)))
    return pairs


def pct_change(last: float, reference: float) -> float | None:
    if not (math.isfinite(last) and math.isfinite(reference)) or reference <= 0:
        return None
    return (last / reference - 1) * 100


def ticker_row(pair: Pair, ticker: dict[str, Any]) -> dict[str, Any]:
    """Last price, today's open, 24 h volume (base and USD) and the change since the UTC day's open."""
    try:
        last = float(ticker["c"][0])
        opened = float(ticker["o"])
        volume = float(ticker["v"][1])
        vwap = float(ticker["p"][1])
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise KrakenError(f"Kraken Ticker {pair.key}: malformed ticker ({type(exc).__name__}: {exc})") from None
    return {"pair_key": pair.key, "wsname": pair.wsname, "symbol": pair.symbol, "base": pair.base,
            "quote": pair.quote, "last": last, "open_utc_day": opened, "volume_24h": volume,
            "volume_24h_usd": volume * vwap, "pct_change_since_utc_open": pct_change(last, opened)}


def price_24h_ago(candles: list[list], now: int, pair: str = "") -> float | None:
    """The open of the first candle starting at or after now - 24 h."""
    cutoff = now - 86400
    try:
        for candle in candles:
            if int(candle[0]) >= cutoff:
                return float(candle[1])
    except (TypeError, ValueError, IndexError) as exc:
        raise KrakenError(f"Kraken OHLC {pair}: malformed candle ({type(exc).__name__}: {exc})") from None
    return None


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


def committed_candles(client: KrakenClient, key: str, since: int) -> list[list]:
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


def format_losers(rows: list[dict[str, Any]], basis: str) -> str:
    """kraken_losers.py's printed table."""
    change = CHANGE[basis]
    return "\n".join(cli.text_table(["#", "pair", "symbol", "last", change, "24h volume USD"], [
        [str(i), r["wsname"], r["symbol"], f"{r['last']:.8g}", f"{r[change]:+.2f}%", f"{r['volume_24h_usd']:,.0f}"]
        for i, r in enumerate(rows, start=1)]))
