"""A small local HTTP server that speaks the shapes of Kraken's public REST API.

Endpoints: /0/public/AssetPairs, /0/public/Ticker?pair=A,B (at most 100 pairs, as Kraken),
/0/public/OHLC?pair=P&interval=N&since=T (at most 720 candles after `since`; the last candle is
the still-forming one, as Kraken). Faults are scripted per endpoint: `fail(endpoint, kinds)`
makes the next requests answer, in turn, with HTTP 5xx ("5xx"), a rate-limit error ("rate"),
an error array ("error"), or a body that is not JSON ("garbage").
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def _pair(altname: str, wsname: str, base: str, quote: str, *ticker_values: float) -> tuple:
    return ({"altname": altname, "wsname": wsname, "base": base, "quote": quote}, *ticker_values)


# pair key -> (AssetPairs entry, ticker last, today's open, 24 h base volume, 24 h vwap)
PAIRS = {
    "XXBTZUSD": _pair("XBTUSD", "XBT/USD", "XXBT", "ZUSD", 60000.0, 62000.0, 900.0, 61000.0),
    "XETHZUSD": _pair("ETHUSD", "ETH/USD", "XETH", "ZUSD", 2900.0, 3000.0, 5000.0, 2950.0),
    "SOLUSD": _pair("SOLUSD", "SOL/USD", "SOL", "ZUSD", 90.0, 100.0, 20000.0, 95.0),
    "ADAUSD": _pair("ADAUSD", "ADA/USD", "ADA", "ZUSD", 0.5, 0.49, 1e6, 0.5),
    "DOTUSD": _pair("DOTUSD", "DOT/USD", "DOT", "ZUSD", 4.0, 5.0, 100.0, 4.5),
    "XXDGZUSD": _pair("XDGUSD", "XDG/USD", "XXDG", "ZUSD", 0.1, 0.11, 1e7, 0.105),
    "USDTZUSD": _pair("USDTZUSD", "USDT/USD", "USDT", "ZUSD", 0.99, 1.0, 1e8, 1.0),
    "USDCUSD": _pair("USDCUSD", "USDC/USD", "USDC", "ZUSD", 0.98, 1.0, 1e8, 1.0),
    "XETHZEUR": _pair("ETHEUR", "ETH/EUR", "XETH", "ZEUR", 2000.0, 3000.0, 5000.0, 2500.0),
    "ETHPYUSD": _pair("ETHPYUSD", "ETH/PYUSD", "XETH", "PYUSD", 1.0, 3000.0, 5000.0, 2500.0),
    "XBTUSDT": _pair("XBTUSDT", "XBT/USDT", "XXBT", "USDT", 1.0, 60000.0, 10.0, 60000.0),
    "XXBTZUSD.d": _pair("XBTUSD.d", "XBT/USD", "XXBT", "ZUSD", 1.0, 60000.0, 10.0, 60000.0),
}


def ticker(last: float, opened: float, volume: float, vwap: float) -> dict:
    return {"a": [str(last * 1.001), "1", "1.000"], "b": [str(last * 0.999), "1", "1.000"], "c": [str(last), "0.1"],
            "v": [str(volume / 2), str(volume)], "p": [str(vwap), str(vwap)], "t": [100, 200],
            "l": [str(last * 0.9), str(last * 0.9)], "h": [str(opened * 1.1), str(opened * 1.1)], "o": str(opened)}


class FakeKraken:
    def __init__(self, now: int) -> None:
        self.now = now  # the server's clock (unix seconds): OHLC's still-forming candle is the one holding it
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.candles: dict[str, list[list]] = {}  # pair key -> one-minute candles, for OHLC interval=1
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlparse(self.path)
                query = parse_qs(url.query)
                endpoint = url.path.rsplit("/", 1)[-1]
                fake.requests.append((endpoint, query))
                status, body = fake.answer(endpoint, query)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeKraken:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, endpoint: str, *kinds: str) -> None:
        self.faults[endpoint].extend(kinds)

    def count(self, endpoint: str) -> int:
        return sum(1 for e, _ in self.requests if e == endpoint)

    def answer(self, endpoint: str, query: dict[str, list[str]]) -> tuple[int, object]:
        if self.faults[endpoint]:
            kind = self.faults[endpoint].pop(0)
            if kind == "5xx":
                return 502, "<html>Bad gateway</html>"
            if kind == "rate":
                return 200, {"error": ["EAPI:Rate limit exceeded"], "result": {}}
            if kind == "error":
                return 200, {"error": ["EQuery:Unknown asset pair"]}
            if kind == "garbage":
                return 200, "<html>maintenance</html>"
        if endpoint == "AssetPairs":
            return 200, {"error": [], "result": {k: v[0] for k, v in PAIRS.items()}}
        if endpoint == "Ticker":
            keys = query.get("pair", [""])[0].split(",")
            if len(keys) > 100:
                return 200, {"error": ["EGeneral:Too many pairs"]}
            unknown = [k for k in keys if k not in PAIRS]
            if unknown:
                return 200, {"error": ["EQuery:Unknown asset pair"]}
            return 200, {"error": [], "result": {k: ticker(*PAIRS[k][1:]) for k in keys}}
        if endpoint == "OHLC":
            return 200, self.ohlc(query)
        return 404, {"error": ["EGeneral:Unknown method"]}

    def ohlc(self, query: dict[str, list[str]]) -> dict:
        pair = query.get("pair", [""])[0]
        interval = int(query.get("interval", ["1"])[0])
        since = int(query.get("since", ["0"])[0])
        if pair not in PAIRS and pair not in self.candles:
            return {"error": ["EQuery:Unknown asset pair"]}
        if interval == 1 and pair in self.candles:
            rows = [c for c in self.candles[pair] if c[0] > since and c[0] <= self.now]
        else:
            rows = [r for r in self.line_candles(pair, interval) if r[0] > since]
        rows = rows[:720]
        last_id = rows[-1][0] if rows else since
        return {"error": [], "result": {pair: rows, "last": last_id}}

    def line_candles(self, pair: str, interval: int) -> list[list]:
        """The candles OHLC serves for a pair in PAIRS (without scripted candles): a straight line
        from 1.5 x today's open two days before the server's clock to the ticker's last price."""
        step = interval * 60
        last, opened = PAIRS[pair][1], PAIRS[pair][2]
        start = (self.now - 2 * 86400) // step * step
        times = list(range(start, self.now // step * step + step, step))
        rows = []
        for i, t in enumerate(times):
            price = opened * 1.5 + (last - opened * 1.5) * i / (len(times) - 1)
            rows.append([t, f"{price:.6f}", f"{price * 1.01:.6f}", f"{price * 0.99:.6f}", f"{price:.6f}",
                         f"{price:.6f}", "1.00000000", 3])
        return rows
