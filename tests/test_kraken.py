"""Kraken client and kraken_losers.py: recorded-shape responses (`responses`) for the client's
retry and error handling, and the real command against a local server speaking Kraken's API."""

from __future__ import annotations

import csv
import socket
import time
from datetime import UTC, datetime

import pytest
import requests
import responses

from helpers import engines_param, query, run_job
from kraken_fake import PAIRS, FakeKraken
from pipeline.kraken import (
    KrakenClient,
    KrakenError,
    Mappings,
    normalize_asset,
    pct_change,
    price_24h_ago,
    usd_pairs,
)
from pipeline.kraken_store import append_losers

BASE = "https://kraken.test"
NOW = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp())


def client(**kwargs) -> KrakenClient:
    slept: list[float] = []
    c = KrakenClient(BASE, sleep=slept.append, backoff=0.5, **kwargs)
    c.slept = slept  # type: ignore[attr-defined]
    return c


# ----------------------------------------------------------------------------- client, recorded shapes

@responses.activate
def test_client_retries_5xx_and_rate_limits_with_backoff():
    url = f"{BASE}/0/public/AssetPairs"
    responses.get(url, status=503, body="busy")
    responses.get(url, json={"error": ["EAPI:Rate limit exceeded"], "result": {}})
    responses.get(url, json={"error": [], "result": {"XXBTZUSD": {"base": "XXBT", "quote": "ZUSD"}}})
    c = client()
    assert c.asset_pairs() == {"XXBTZUSD": {"base": "XXBT", "quote": "ZUSD"}}
    assert c.slept == [0.5, 1.0]
    assert len(responses.calls) == 3


@responses.activate
def test_client_gives_up_after_its_retries():
    url = f"{BASE}/0/public/Ticker"
    for _ in range(3):
        responses.get(url, status=500)
    with pytest.raises(KrakenError, match=r"Kraken Ticker: HTTP 500, after 3 attempts"):
        client(retries=2).tickers(["XXBTZUSD"])


@responses.activate
def test_client_reports_errors_and_malformed_responses_in_one_line():
    url = f"{BASE}/0/public/Ticker"
    responses.get(url, json={"error": ["EQuery:Unknown asset pair"]})
    with pytest.raises(KrakenError, match=r"^Kraken Ticker: EQuery:Unknown asset pair$"):
        client().tickers(["NOPEUSD"])
    responses.get(f"{BASE}/0/public/AssetPairs", body="<html>maintenance</html>")
    with pytest.raises(KrakenError, match=r"malformed JSON"):
        client().asset_pairs()
    responses.get(f"{BASE}/0/public/OHLC", json={"error": []})
    with pytest.raises(KrakenError, match=r"no result"):
        client().ohlc("XXBTZUSD")
    responses.get(f"{BASE}/0/public/Time", status=404, body="not found")
    with pytest.raises(KrakenError, match=r"HTTP 404"):
        client().get("Time")


@responses.activate
def test_client_retries_timeouts_and_connection_errors():
    url = f"{BASE}/0/public/AssetPairs"
    responses.get(url, body=requests.Timeout("read timed out"))
    responses.get(url, body=requests.ConnectionError("refused"))
    responses.get(url, json={"error": [], "result": {}})
    c = client()
    assert c.asset_pairs() == {}
    assert c.slept == [0.5, 1.0]


@responses.activate
def test_tickers_are_requested_in_batches_of_100():
    keys = [f"P{i:03d}USD" for i in range(250)]
    for start in (0, 100, 200):
        batch = keys[start:start + 100]
        responses.get(f"{BASE}/0/public/Ticker",
                      match=[responses.matchers.query_param_matcher({"pair": ",".join(batch)})],
                      json={"error": [], "result": {k: {"c": ["1", "1"]} for k in batch}})
    assert len(client().tickers(keys)) == 250
    assert len(responses.calls) == 3


# ----------------------------------------------------------------------------- pure functions

def test_asset_names_and_usd_pairs():
    m = Mappings.from_seeds()
    assert normalize_asset("XXBT", m.aliases) == "BTC" and normalize_asset("ZUSD") == "USD"
    assert normalize_asset("XXDG", m.aliases) == "DOGE" and normalize_asset("SOL") == "SOL"
    assert normalize_asset("USDT", m.aliases) == "USDT"  # not a legacy code: nothing cut off
    pairs = {p.key: p for p in usd_pairs({k: v[0] for k, v in PAIRS.items()}, m)}
    # USD-quoted by the quote field; USDTZUSD and USDCUSD are stablecoins; EUR, PYUSD, USDT quotes
    # and the dark pool are not USD pairs
    assert sorted(pairs) == ["ADAUSD", "DOTUSD", "SOLUSD", "XETHZUSD", "XXBTZUSD", "XXDGZUSD"]
    assert (pairs["XXBTZUSD"].base, pairs["XXBTZUSD"].symbol, pairs["XXBTZUSD"].wsname) == ("BTC", "XBTUSD", "XBT/USD")
    with_stables = usd_pairs({k: v[0] for k, v in PAIRS.items()}, m, include_stables=True)
    assert {"USDTZUSD", "USDCUSD"} <= {p.key for p in with_stables}
    overridden = usd_pairs({k: v[0] for k, v in PAIRS.items()},
                           Mappings(m.aliases, m.stables, {"SOLUSD": "SOL-USD"}))
    assert {p.key: p.symbol for p in overridden}["SOLUSD"] == "SOL-USD"


def test_changes():
    assert pct_change(90, 100) == pytest.approx(-10)
    assert pct_change(1, 0) is None and pct_change(float("nan"), 1) is None
    candles = [[NOW - 86400 - 300, "5"], [NOW - 86400, "4"], [NOW - 86100, "3"]]
    assert price_24h_ago(candles, NOW) == 4
    assert price_24h_ago(candles[:1], NOW) is None


# ----------------------------------------------------------------------------- the CLI, against a local server

def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_kraken_losers_cli(tmp_path):
    out = tmp_path / "losers.csv"
    with FakeKraken(NOW) as fake:
        fake.fail("Ticker", "rate", "5xx")  # retried, then fine
        done = run_job("kraken_losers.py", "--api-url", fake.url, "--out", str(out), "--top-n", "3",
                       "--min-volume", "1000", "--retries", "3", "--backoff", "0.01")
        assert fake.count("Ticker") == 3
    assert done.returncode == 0, done.stderr
    rows = read_csv(out)
    # changes since the UTC open: DOT -20% (but 450 USD volume: filtered), SOL -10%, XDG -9.09%,
    # XBT -3.23%, ETH -3.33%, ADA +2%; stablecoins left out
    assert [r["pair_key"] for r in rows] == ["SOLUSD", "XXDGZUSD", "XETHZUSD"]
    assert list(rows[0]) == ["pair_key", "wsname", "symbol", "base", "quote", "last", "open_utc_day",
                             "pct_change_since_utc_open", "volume_24h", "volume_24h_usd", "fetched_at"]
    assert float(rows[0]["pct_change_since_utc_open"]) == pytest.approx(-10)
    assert rows[1]["symbol"] == "XDGUSD" and rows[1]["wsname"] == "XDG/USD"
    assert "pct_change_since_utc_open" in done.stdout and "SOL/USD" in done.stdout


def test_kraken_losers_24h_basis(tmp_path):
    # the CLI asks for the candles since its own clock's 24 h ago, so the server's clock must be now
    out = tmp_path / "losers.csv"
    with FakeKraken(int(time.time())) as fake:
        done = run_job("kraken_losers.py", "--api-url", fake.url, "--out", str(out), "--basis", "24h",
                       "--request-interval", "0", "--include-stables")
        assert fake.count("OHLC") == 7  # one per liquid pair (DOT is below the volume floor)
    assert done.returncode == 0, done.stderr
    rows = read_csv(out)
    assert list(rows[0]) == ["pair_key", "wsname", "symbol", "base", "quote", "last", "price_24h_ago",
                             "pct_change_24h", "volume_24h", "volume_24h_usd", "fetched_at"]
    for row in rows:
        # against the server's prices: its 5-minute candles and its ticker, not the CSV's own columns
        clock = int(datetime.strptime(row["fetched_at"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp())
        opened = next(float(c[1]) for c in fake.line_candles(row["pair_key"], 5) if c[0] >= clock - 86400)
        last = PAIRS[row["pair_key"]][1]
        assert float(row["price_24h_ago"]) == opened and float(row["last"]) == last
        assert float(row["pct_change_24h"]) == pytest.approx((last / opened - 1) * 100, rel=1e-12)
    assert "USDTZUSD" in {r["pair_key"] for r in rows}


@pytest.mark.parametrize("fault,message", [
    ("error", "Kraken Ticker: EQuery:Unknown asset pair"),
    ("garbage", "Kraken Ticker: malformed JSON"),
])
def test_kraken_losers_fails_cleanly(tmp_path, fault, message):
    out = tmp_path / "losers.csv"
    out.write_text("previous result\n")
    with FakeKraken(NOW) as fake:
        fake.fail("Ticker", fault)
        done = run_job("kraken_losers.py", "--api-url", fake.url, "--out", str(out), "--backoff", "0.01")
    assert done.returncode == 1
    err = done.stderr
    errors = [line for line in err.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in err
    assert out.read_text() == "previous result\n"  # nothing partial, nothing lost
    assert [p.name for p in tmp_path.iterdir()] == ["losers.csv"]


def test_kraken_losers_unreachable_and_bad_flags(tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = run_job("kraken_losers.py", "--api-url", f"http://127.0.0.1:{port}", "--retries", "0", "--timeout", "1",
                   "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 1 and "cannot connect" in done.stderr
    assert not (tmp_path / "x.csv").exists()
    done = run_job("kraken_losers.py", "--top-n", "0", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "argument --top-n" in done.stderr


@engines_param()
def test_kraken_losers_load_appends_batches(warehouse, profiles_dir, tmp_path):
    args = ["--target", warehouse.name, "--profiles-dir", str(profiles_dir), "--load", "--top-n", "2",
            "--backoff", "0.01"]
    table = warehouse.relation("kraken_top_losers")
    select = (f"select loser_rank, pair_key, symbol, pct_change_since_utc_open, fetched_at from {table} "
              "order by fetched_at, loser_rank")
    with FakeKraken(NOW) as fake:
        assert run_job("kraken_losers.py", "--api-url", fake.url, "--out", str(tmp_path / "a.csv"),
                       *args).returncode == 0
        first = query(warehouse, select)
        stamp = first[0][4]
        while time.time() < stamp.replace(tzinfo=UTC).timestamp() + 1:  # the next run is a second later
            time.sleep(0.05)
        assert run_job("kraken_losers.py", "--api-url", fake.url, "--out", str(tmp_path / "b.csv"),
                       *args).returncode == 0
    assert [r[:3] for r in first] == [(1, "SOLUSD", "SOLUSD"), (2, "XXDGZUSD", "XDGUSD")]
    assert first[0][3] == pytest.approx(-10)
    assert read_csv(tmp_path / "a.csv")[0]["fetched_at"] == f"{stamp:%Y-%m-%d %H:%M:%S}"
    rows = query(warehouse, select)
    # appended: the first batch is still there, unchanged, and the second has its own fetched_at
    assert rows[:2] == first
    assert [r[:4] for r in rows[2:]] == [r[:4] for r in first] and rows[2][4] > stamp
    assert len({r[4] for r in rows}) == 2 and len(rows) == 4

    # a batch with the same fetched_at as an earlier one (two runs within a second) replaces it
    second = rows[2][4]
    append_losers(warehouse, [{"fetched_at": second, "pair_key": "ADAUSD", "wsname": "ADA/USD", "symbol": "ADAUSD",
                               "base": "ADA", "quote": "USD", "last": 0.5, "volume_24h": 1.0,
                               "volume_24h_usd": 1.0}])
    rows = query(warehouse, select)
    assert rows[:2] == first and [r[:2] for r in rows[2:]] == [(1, "ADAUSD")]
