"""ingest_kraken.py against a local Kraken-shaped server, and fetch_history.py, on DuckDB and MariaDB:
the real commands (helpers.run_job)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import numpy as np

from helpers import engines_param, execute, query, run_job
from kraken_fake import FakeKraken
from pipeline.bars import validate_frame
from pipeline.kraken_store import append_losers
from pipeline.loader import load_batches
from pipeline.synthetic import generate

NOW = int(datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC).timestamp())  # 30 s into the 12:00 minute


def candle(t: int, close: float) -> list:
    return [t, f"{close:.2f}", f"{close + 1:.2f}", f"{close - 1:.2f}", f"{close:.2f}", f"{close:.2f}", "1.5", 4]


def bars_of(target, symbol: str) -> dict[int, float]:
    ts = "`timestamp`" if target.is_mysql_family else '"timestamp"'
    rows = query(target, f"select {ts}, close from {target.relation('ohlcvt')} where symbol = '{symbol}'")
    return {int(t.replace(tzinfo=UTC).timestamp()): c for t, c in rows}


@engines_param()
def test_ingest_is_idempotent_resumable_and_skips_the_forming_minute(warehouse, profiles_dir):
    args = ["XBTUSD", "--target", warehouse.name, "--profiles-dir", str(profiles_dir), "--request-interval", "0",
            "--backoff", "0.01", "--since", "2026-11-24T10:00"]
    minute = NOW // 60 * 60
    with FakeKraken(NOW) as fake:
        times = range(minute - 3 * 3600, minute + 60, 60)
        fake.candles["XXBTZUSD"] = [candle(t, 60000 + (t % 3600) / 60) for t in times]
        fake.fail("OHLC", "rate")  # retried
        done = run_job("ingest_kraken.py", "--api-url", fake.url, *args)
        assert done.returncode == 0, done.stderr
        stored = bars_of(warehouse, "XBTUSD")
        # 10:01 .. 11:59 committed; 12:00 is still forming and not stored
        assert sorted(stored) == list(range(minute - 7140, minute, 60))
        assert minute not in stored

        # ten minutes later: the 12:00 candle is final (with another close), ten new ones exist
        fake.now = NOW + 600
        fake.candles["XXBTZUSD"][-1] = candle(minute, 12345.0)
        fake.candles["XXBTZUSD"] += [candle(t, 61000.0) for t in range(minute + 60, minute + 660, 60)]
        assert run_job("ingest_kraken.py", "--api-url", fake.url, *args).returncode == 0
        stored = bars_of(warehouse, "XBTUSD")
        assert sorted(stored) == list(range(minute - 7140, minute + 600, 60))
        assert stored[minute] == 12345.0
        requested = [q for e, q in fake.requests if e == "OHLC"][-1]
        # resumed at the newest stored bar (11:59; `since` is exclusive, so it asks after 11:58)
        assert int(requested["since"][0]) == minute - 120

        # nothing new: a third run changes nothing
        assert run_job("ingest_kraken.py", "--api-url", fake.url, *args).returncode == 0
        assert bars_of(warehouse, "XBTUSD") == stored

        done = run_job("ingest_kraken.py", "--api-url", fake.url, "NOSUCHPAIR", *args)
        assert done.returncode == 2 and "unknown Kraken pair(s): NOSUCHPAIR" in done.stderr
        fake.fail("OHLC", "error")
        assert run_job("ingest_kraken.py", "--api-url", fake.url, *args).returncode == 1
    assert bars_of(warehouse, "XBTUSD") == stored  # a failed run leaves the bars as they were


def write_losers_csv(path, symbols: list[str]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pair_key", "wsname", "symbol"])
        for s in symbols:
            writer.writerow([s, s, s])


@engines_param()
def test_fetch_history_for_each_cohort_source(warehouse, profiles_dir, tmp_path):
    end = datetime(2026, 11, 20, tzinfo=UTC)
    frames = {spec.symbol: frame for spec, frame in generate(3, 3, end=end, seed=4)}
    load_batches(warehouse, [validate_frame(s, f) for s, f in frames.items()])
    names = sorted(frames)
    common = ["--target", warehouse.name, "--profiles-dir", str(profiles_dir), "--days", "1",
              "--end", "2026-11-19T12:00"]

    losers = tmp_path / "losers.csv"
    write_losers_csv(losers, [names[1], "GHOSTUSD", names[0]])
    out = tmp_path / "h.csv"
    done = run_job("fetch_history.py", "--cohort", "losers", "--losers-csv", str(losers), "--out", str(out), *common)
    assert done.returncode == 0, done.stderr
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["symbol", "timestamp", "open", "high", "low", "close", "volume", "trades"]
    start, stop = int(datetime(2026, 11, 18, 12, tzinfo=UTC).timestamp()), int(datetime(2026, 11, 19, 12,
                                                                                        tzinfo=UTC).timestamp())
    for symbol in names[:2]:
        f = frames[symbol]
        expected = f[(f["ts"] >= start) & (f["ts"] < stop)]
        got = [r for r in rows if r["symbol"] == symbol]
        assert len(got) == len(expected) == 1440
        assert np.allclose([float(r["close"]) for r in got], expected["close"], rtol=0, atol=0)
    assert "no bars in the range for 1 of 3 symbol(s): GHOSTUSD" in done.stderr

    # losers from the newest batch of the warehouse table
    stamp = datetime(2026, 11, 19, 11, 0)
    append_losers(warehouse, [{"fetched_at": stamp, "pair_key": s, "wsname": s, "symbol": s, "base": "X",
                               "quote": "USD", "last": 1.0, "volume_24h": 1.0, "volume_24h_usd": 1.0}
                              for s in names[2:]])
    assert run_job("fetch_history.py", "--cohort", "losers", "--from-table", "--out", str(out), *common).returncode == 0
    with open(out, newline="") as handle:
        assert {r["symbol"] for r in csv.DictReader(handle)} == {names[2]}

    # gainers from the dbt relation; missing, then present
    done = run_job("fetch_history.py", "--cohort", "gainers", "--out", str(out), *common)
    assert done.returncode == 2 and "habitual_gainers not found" in done.stderr
    rank = "`rank`" if warehouse.is_mysql_family else '"rank"'
    execute(warehouse, f"create table {warehouse.relation('habitual_gainers')} (symbol varchar(32), {rank} integer)")
    execute(warehouse, f"insert into {warehouse.relation('habitual_gainers')} values ('{names[0]}', 1)")
    assert run_job("fetch_history.py", "--cohort", "gainers", "--out", str(out), *common).returncode == 0
    with open(out, newline="") as handle:
        assert {r["symbol"] for r in csv.DictReader(handle)} == {names[0]}

    # overlaps from the dbt relation, with the largest --days (36500): every bar before --end
    execute(warehouse, f"create table {warehouse.relation('habitual_overlaps')} (symbol varchar(32), {rank} integer)")
    execute(warehouse, f"insert into {warehouse.relation('habitual_overlaps')} values ('{names[2]}', 1), "
                       f"('{names[1]}', 2)")
    assert run_job("fetch_history.py", "--cohort", "overlaps", "--out", str(out), *common, "--days", "36500"
                   ).returncode == 0
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for symbol in (names[1], names[2]):
        f = frames[symbol]
        expected = f[f["ts"] < stop]
        got = [r for r in rows if r["symbol"] == symbol]
        assert [r["timestamp"] for r in got] == [datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")
                                                 for t in expected["ts"]]
        assert [float(r["close"]) for r in got] == expected["close"].tolist()
    assert {r["symbol"] for r in rows} == {names[1], names[2]}

    # a symbol with a quote in it travels as a parameter, not as SQL
    write_losers_csv(losers, ["X' OR '1'='1"])
    assert run_job("fetch_history.py", "--cohort", "losers", "--losers-csv", str(losers), "--out", str(out),
                   *common).returncode == 0
    with open(out, newline="") as handle:
        assert list(csv.DictReader(handle)) == []
