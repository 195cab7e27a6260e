"""Bad flags and bad inputs of the command-line jobs other than the loader (cluster.py,
fetch_history.py, kraken_losers.py, ingest_kraken.py; leaderboards_report.py is in
test_leaderboards_report.py): each exits 2 with one line naming the flag or file, never a traceback,
and checks its --out before doing any work. Every job answers --help. The jobs run as the real
commands (helpers.run_job), since flags, exit codes and stderr are what is tested."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import assert_one_line_error, engines_param, execute, run_job, unwritable_folder
from kraken_fake import FakeKraken
from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.synthetic import generate
from pipeline.warehouse import relation_exists

END = pd.Timestamp("2026-11-20 00:00", tz="UTC").to_pydatetime()


def cohort_csv(path, n: int = 2, days: float = 0.3):
    bars = pd.concat([f for _, f in generate(n, days, end=END, seed=12)], ignore_index=True)
    pd.DataFrame({"symbol": bars["symbol"], "timestamp": pd.to_datetime(bars["ts"], unit="s"),
                  "close": bars["close"], "volume": bars["volume"]}).to_csv(path, index=False)
    return path


@pytest.fixture
def locked(tmp_path):
    folder = unwritable_folder(tmp_path / "locked")
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize("script", ["cluster.py", "fetch_history.py", "kraken_losers.py", "ingest_kraken.py",
                                    "leaderboards_report.py"])
def test_every_job_has_help(script):
    done = run_job(script, "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: ") and "Exit codes" in done.stdout, done.stderr
    assert done.stderr == ""


# ----------------------------------------------------------------------------- cluster.py

def test_cluster_checks_an_unwritable_out_before_the_work(tmp_path, locked):
    source = cohort_csv(tmp_path / "habitual_losers.csv")
    done = run_job("cluster.py", "--cohort", "losers", "--input", str(source), "--out", str(locked), "--jobs", "1",
                   obey_modes=True)
    assert done.returncode == 2
    # the only line: no member was analysed before it
    assert_one_line_error(done.stderr, f"--out {locked}", "cannot write", only_line=True)
    assert list(locked.iterdir()) == []


def test_cluster_out_that_is_a_file_or_under_a_file(tmp_path):
    source = cohort_csv(tmp_path / "habitual_losers.csv")
    plain = tmp_path / "plain.txt"
    plain.write_text("keep\n")
    for out in (plain, plain / "sub"):
        done = run_job("cluster.py", "--cohort", "losers", "--input", str(source), "--out", str(out))
        assert done.returncode == 2
        assert_one_line_error(done.stderr, f"--out {out}", only_line=True)
    assert plain.read_text() == "keep\n"


HEAD = "symbol,timestamp,close,volume\n"
BAD_INPUTS = {  # file name -> text of an --input cluster.py must refuse
    "empty.csv": "",
    "binary.csv": "\x00\xff\xfe garbage",
    "stamps.csv": HEAD + "AUSD,yesterday,1.0,2.0\n",
    "missing_stamp.csv": HEAD + "AUSD,2026-11-01 00:00:00,1.0,2.0\nAUSD,,1.0,2.0\n",
    "close_text.csv": HEAD + "AUSD,2026-11-01 00:00:00,abc,2.0\n",
    "close_inf.csv": HEAD + "AUSD,2026-11-01 00:00:00,inf,2.0\n",
    "close_zero.csv": HEAD + "AUSD,2026-11-01 00:00:00,0,2.0\n",
    "close_missing.csv": HEAD + "AUSD,2026-11-01 00:00:00,,2.0\n",
    "volume_inf.csv": HEAD + "AUSD,2026-11-01 00:00:00,1.0,inf\n",
    "volume_negative.csv": HEAD + "AUSD,2026-11-01 00:00:00,1.0,-5\n",
    "no_symbol.csv": HEAD + ",2026-11-01 00:00:00,1.0,2.0\n",
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_cluster_refuses_a_bad_input_file(tmp_path, name):
    path = tmp_path / name
    path.write_text(BAD_INPUTS[name], encoding="latin-1")
    done = run_job("cluster.py", "--cohort", "losers", "--input", str(path), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, f"--input {path}", only_line=True)
    assert not (tmp_path / "o" / "imf_clusters_losers.json").exists()


@pytest.mark.parametrize("flags,needle", [
    (["--jobs", "0"], "--jobs"),
    (["--jobs", "-2"], "--jobs"),
    (["--jobs", "two"], "--jobs"),
    (["--as-of", "garbage"], "--as-of"),
    (["--as-of", "2026-02-30"], "--as-of"),
    (["--as-of", "0001-01-01"], "--as-of"),
    (["--windows", ","], "--windows"),
    (["--windows", "6h,2d"], "--windows"),
    (["--symbols", ","], "--symbols"),
    (["--symbols", "NOPEUSD"], "--symbols"),
    (["--input", "{tmp}/missing.csv"], "--input"),
    (["--input", "{tmp}"], "--input"),
    (["--cohort", "winners"], "--cohort"),
])
def test_cluster_bad_flags(tmp_path, flags, needle):
    source = cohort_csv(tmp_path / "c.csv", n=1)
    argv = ["--cohort", "losers", "--input", str(source), "--out", str(tmp_path / "o")]
    argv += [f.format(tmp=tmp_path) for f in flags]
    done = run_job("cluster.py", *argv)
    assert done.returncode == 2
    assert_one_line_error(done.stderr, needle, only_line=True)
    assert not (tmp_path / "o" / "imf_clusters_losers.json").exists()


def test_cluster_without_a_cohort_names_the_flag():
    done = run_job("cluster.py")
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--cohort", only_line=True)


# ----------------------------------------------------------------------------- fetch_history.py

@pytest.mark.parametrize("days", ["1e6", "1e9", "nan", "inf", "-inf", "0", "-1", "abc", "36501"])
def test_fetch_history_refuses_a_bad_days(tmp_path, days):
    out = tmp_path / "h.csv"
    done = run_job("fetch_history.py", "--cohort", "gainers", f"--days={days}", "--out", str(out))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--days", repr(days), only_line=True)
    assert not out.exists()


@pytest.mark.parametrize("end", ["garbage", "2026-02-30", "0001-01-01T00:00", "1969-12-31"])
def test_fetch_history_refuses_a_bad_end(tmp_path, end):
    done = run_job("fetch_history.py", "--cohort", "gainers", "--end", end, "--out", str(tmp_path / "h.csv"))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--end", only_line=True)


@engines_param()
def test_fetch_history_refuses_a_bad_losers_csv(warehouse, profiles_dir, tmp_path):
    common = ["--cohort", "losers", "--target", warehouse.name, "--profiles-dir", str(profiles_dir),
              "--out", str(tmp_path / "h.csv")]
    no_symbol = tmp_path / "no_symbol.csv"
    no_symbol.write_text("pair_key,wsname\nXXBTZUSD,XBT/USD\n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"symbol\n\xff\xfe\x00\x00")
    cases = {tmp_path / "missing.csv": "not found", no_symbol: "no 'symbol' column", tmp_path: "not found",
             binary: "cannot read"}
    for path, message in cases.items():
        done = run_job("fetch_history.py", *common, "--losers-csv", str(path))
        assert done.returncode == 2
        assert_one_line_error(done.stderr, f"--losers-csv {path}", message, only_line=True)
    assert not (tmp_path / "h.csv").exists()


def test_fetch_history_checks_its_out_before_the_warehouse(tmp_path, locked):
    plain = tmp_path / "plain.txt"
    plain.write_text("keep\n")
    # no profiles.yml in reach: the --out check must come first
    for out in (tmp_path, plain / "h.csv"):
        done = run_job("fetch_history.py", "--cohort", "gainers", "--out", str(out),
                       "--profiles-dir", str(tmp_path / "nowhere"))
        assert done.returncode == 2
        assert_one_line_error(done.stderr, f"--out {out}", only_line=True)
    done = run_job("fetch_history.py", "--cohort", "gainers", "--out", str(locked / "h.csv"),
                   "--profiles-dir", str(tmp_path / "nowhere"), obey_modes=True)
    assert done.returncode == 2
    assert_one_line_error(done.stderr, f"--out {locked / 'h.csv'}", "cannot write", only_line=True)


@engines_param()
def test_fetch_history_unwritable_out_or_no_bars_table(warehouse, profiles_dir, tmp_path, locked):
    """A gainers cohort and no bars table: exit 2 naming the table. With the bars loaded the export
    would run: with an unwritable --out it stops at the --out check instead, before the warehouse."""
    rank = "`rank`" if warehouse.is_mysql_family else '"rank"'
    if warehouse.is_mysql_family:
        execute(warehouse, f"create database {warehouse.relation('x').split('.')[0]}")
    execute(warehouse, f"create table {warehouse.relation('habitual_gainers')} (symbol varchar(32), {rank} integer)")
    frame = next(iter(generate(1, 0.1, end=END, seed=3)))[1]
    execute(warehouse, f"insert into {warehouse.relation('habitual_gainers')} values ('{frame['symbol'].iloc[0]}', 1)")
    common = ["--cohort", "gainers", "--target", warehouse.name, "--profiles-dir", str(profiles_dir),
              "--end", "2026-11-20T00:00"]
    done = run_job("fetch_history.py", *common, "--out", str(tmp_path / "h.csv"))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "bars table", "not found", "load_bars.py", only_line=True)
    load_batches(warehouse, [validate_frame("bars", frame)])
    done = run_job("fetch_history.py", *common, "--out", str(locked / "h.csv"), obey_modes=True)
    assert done.returncode == 2
    assert_one_line_error(done.stderr, f"--out {locked / 'h.csv'}", "cannot write", only_line=True)
    assert run_job("fetch_history.py", *common, "--out", str(tmp_path / "h.csv")).returncode == 0  # it exports
    assert len((tmp_path / "h.csv").read_text().splitlines()) == 1 + len(frame)


@engines_param()
def test_fetch_history_relation_without_its_columns_fails_in_one_line(warehouse, profiles_dir, tmp_path):
    if warehouse.is_mysql_family:
        execute(warehouse, f"create database {warehouse.relation('x').split('.')[0]}")
    execute(warehouse, f"create table {warehouse.relation('habitual_overlaps')} (symbol varchar(32))")  # no rank
    done = run_job("fetch_history.py", "--cohort", "overlaps", "--target", warehouse.name, "--profiles-dir",
                   str(profiles_dir), "--out", str(tmp_path / "h.csv"))
    assert done.returncode == 1
    assert_one_line_error(done.stderr, "the warehouse refused a query", "rank", only_line=True)
    assert not (tmp_path / "h.csv").exists()


# ----------------------------------------------------------------------------- kraken_losers.py

@pytest.mark.parametrize("flags,needle", [
    (["--min-volume", "-1"], "--min-volume"),
    (["--min-volume", "nan"], "--min-volume"),
    (["--min-volume", "inf"], "--min-volume"),
    (["--retries", "-1"], "--retries"),
    (["--retries", "1000"], "--retries"),
    (["--timeout", "0"], "--timeout"),
    (["--timeout", "nan"], "--timeout"),
    (["--backoff", "-1"], "--backoff"),
    (["--backoff", "1e300"], "--backoff"),
    (["--request-interval", "inf"], "--request-interval"),
    (["--top-n", "0"], "--top-n"),
    (["--top-n", "1.5"], "--top-n"),
    (["--basis", "week"], "--basis"),
    (["--api-url", "ftp://example.com"], "--api-url"),
    (["--api-url", "kraken"], "--api-url"),
])
def test_kraken_losers_bad_flags(tmp_path, flags, needle):
    with FakeKraken(0) as fake:
        argv = ["--api-url", fake.url, "--out", str(tmp_path / "l.csv"), *flags]
        done = run_job("kraken_losers.py", *argv)
        assert done.returncode == 2
        assert fake.requests == []
    assert_one_line_error(done.stderr, needle, only_line=True)
    assert not (tmp_path / "l.csv").exists()


def test_kraken_losers_bad_api_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KRAKEN_API_URL", "localhost:8080")
    done = run_job("kraken_losers.py", "--out", str(tmp_path / "l.csv"))
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "KRAKEN_API_URL", only_line=True)


def test_kraken_losers_checks_its_out_before_any_request(tmp_path, locked):
    plain = tmp_path / "plain.txt"
    plain.write_text("keep\n")
    with FakeKraken(0) as fake:
        for out in (tmp_path, plain / "l.csv"):
            done = run_job("kraken_losers.py", "--api-url", fake.url, "--out", str(out))
            assert done.returncode == 2
            assert_one_line_error(done.stderr, f"--out {out}", only_line=True)
        done = run_job("kraken_losers.py", "--api-url", fake.url, "--out", str(locked / "l.csv"), obey_modes=True)
        assert fake.requests == []
    assert done.returncode == 2
    assert_one_line_error(done.stderr, f"--out {locked / 'l.csv'}", "cannot write", only_line=True)


# ----------------------------------------------------------------------------- ingest_kraken.py

def test_ingest_since_garbage_is_one_line(tmp_path):
    with FakeKraken(0) as fake:
        done = run_job("ingest_kraken.py", "XBTUSD", "--since", "garbage", "--api-url", fake.url,
                       "--profiles-dir", str(tmp_path))
        assert fake.requests == []
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--since", "'garbage'", only_line=True)


@pytest.mark.parametrize("flags,needle", [
    (["--since", "2026-13-01"], "--since"),
    (["--since", "0001-01-01"], "--since"),
    (["--timeout", "nan"], "--timeout"),
    (["--retries", "-1"], "--retries"),
    (["--request-interval", "-1"], "--request-interval"),
    (["--api-url", "http://"], "--api-url"),
    (["--backoff", "nan"], "--backoff"),
])
def test_ingest_bad_flags(tmp_path, flags, needle):
    with FakeKraken(0) as fake:
        done = run_job("ingest_kraken.py", "XBTUSD", "--api-url", fake.url, "--profiles-dir", str(tmp_path), *flags)
        assert done.returncode == 2
        assert fake.requests == []
    assert_one_line_error(done.stderr, needle, only_line=True)


def test_ingest_without_pairs_or_with_an_empty_one(tmp_path):
    done = run_job("ingest_kraken.py")
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "PAIR", only_line=True)
    with FakeKraken(0) as fake:
        done = run_job("ingest_kraken.py", "XBTUSD", " ", "--api-url", fake.url, "--profiles-dir", str(tmp_path))
        assert done.returncode == 2
        assert fake.requests == []
    assert_one_line_error(done.stderr, "PAIR ' '", only_line=True)


def test_ingest_malformed_candles_fail_in_one_line(warehouse, profiles_dir):
    """Kraken answering a candle that is not numbers: exit 1, one line, nothing stored."""
    now = 1_800_000_000  # 2027-01-15 08:00 UTC
    with FakeKraken(now) as fake:
        fake.candles["XXBTZUSD"] = [[now - 120, "x", "1", "1", "1", "1", "1", 1], [now - 60, *["1"] * 6, 1],
                                    [now, *["1"] * 6, 1]]
        done = run_job("ingest_kraken.py", "XBTUSD", "--api-url", fake.url, "--profiles-dir", str(profiles_dir),
                       "--target", warehouse.name, "--since", "2027-01-15T07:50", "--request-interval", "0")
    assert done.returncode == 1
    assert_one_line_error(done.stderr, "Kraken OHLC XXBTZUSD", "malformed")
    assert not relation_exists(warehouse, "ohlcvt")
