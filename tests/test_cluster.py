"""cluster.py end to end, run as the command: from a habitual_*.csv and from the warehouse (DuckDB and MariaDB)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import reference_imf
from helpers import engines_param, query, run_job, same
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.project import PROJECT_ROOT as ROOT
from pipeline.synthetic import generate
from pipeline.warehouse import quote_ident, relation_exists

END = pd.Timestamp("2026-11-20 00:00", tz="UTC").to_pydatetime()


def cohort_csv(path, n: int = 2, days: float = 1.2) -> pd.DataFrame:
    frames = [f for _, f in generate(n, days, end=END, seed=12, gaps=True)]
    bars = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame({"symbol": bars["symbol"], "timestamp": pd.to_datetime(bars["ts"], unit="s"),
                        "open": bars["open"], "high": bars["high"], "low": bars["low"], "close": bars["close"],
                        "volume": bars["volume"]})
    out.to_csv(path, index=False)
    return bars


@pytest.mark.slow
def test_cluster_from_csv_equals_the_spec_and_ignores_jobs(tmp_path):
    bars = cohort_csv(tmp_path / "habitual_losers.csv")
    results = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        done = run_job("cluster.py", "--cohort", "losers", "--input", str(tmp_path / "habitual_losers.csv"),
                       "--out", str(out), "--jobs", jobs, "--plot")
        assert done.returncode == 0, done.stderr
        results[jobs] = (out / "imf_clusters_losers.json").read_text()
        assert (out / "imf_clusters_losers.png").stat().st_size > 10_000
    assert results["1"] == results["2"]
    doc = json.loads(results["1"])
    assert list(doc) == list(dict.fromkeys(bars["symbol"]))
    for symbol, frame in bars.groupby("symbol"):
        expected = reference_imf.member_result(frame["ts"].to_numpy(), frame["close"].to_numpy(),
                                               frame["volume"].to_numpy())
        same(doc[symbol], expected, symbol)
    lines = (tmp_path / "out1" / "imf_clusters_losers.txt").read_text().splitlines()
    assert [line.split(", ")[0] for line in lines] == list(doc)
    for line in lines:
        symbol, duration, amplitude = line.split(", ")
        clusters = [c for w in doc[symbol].values() for c in (w["gmm"] or w["dbscan"])]
        if not clusters:
            assert (duration, amplitude) == ("NA", "NA")
        else:
            best = max(clusters, key=lambda c: c["median_amplitude_pct"])
            assert float(amplitude) == best["median_amplitude_pct"] and float(duration) == best["median_duration_min"]


def test_cluster_usage_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,timestamp,close\nA,2026-11-01 00:00:00,1\n")
    done = run_job("cluster.py", "--cohort", "losers", "--input", str(bad), "--out", str(tmp_path))
    assert done.returncode == 2 and "missing column(s) volume" in done.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("symbol,timestamp,open,high,low,close,volume\n")
    done = run_job("cluster.py", "--cohort", "gainers", "--input", str(empty), "--out", str(tmp_path))
    assert done.returncode == 0 and "cohort is empty" in done.stderr
    assert json.loads((tmp_path / "imf_clusters_gainers.json").read_text()) == {}
    assert (tmp_path / "imf_clusters_gainers.txt").read_text() == ""
    cohort_csv(tmp_path / "c.csv", n=1, days=0.2)
    assert run_job("cluster.py", "--cohort", "losers", "--input", str(tmp_path / "c.csv"), "--out", str(tmp_path),
                   "--symbols", "NOPEUSD").returncode == 2
    assert run_job("cluster.py", "--cohort", "losers", "--input", str(tmp_path / "c.csv"), "--out", str(tmp_path),
                   "--windows", "6h,2d").returncode == 2
    done = run_job("cluster.py", "--cohort", "winners")
    assert done.returncode == 2 and "argument --cohort: invalid choice: 'winners'" in done.stderr


def reference_windows(ts, close, volume, labels: list[str]) -> dict:
    """The spec's steps (tests/reference_imf.py) for the given windows only."""
    g = reference_imf.grid(ts, close, volume)
    return {label: reference_imf.window_result(g, days, kmax) for label, days, kmax in reference_imf.WINDOWS
            if label in labels}


def table_clusters(target, cohort: str) -> dict:
    """imf_clusters rows of a cohort as {(symbol, window, method, cluster): (count, medians...)}."""
    window, count = (quote_ident(target, name) for name in ("window", "count"))
    rows = query(target, f"select symbol, {window}, method, cluster, {count}, median_amplitude_pct, "
                         "median_duration_min, median_total_volume, decomposition "
                         f"from {target.relation('imf_clusters')} where cohort = '{cohort}'")
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}


def json_clusters(doc: dict, decomposition: str) -> dict:
    return {(symbol, window, method, c["cluster"]): (c["count"], c["median_amplitude_pct"], c["median_duration_min"],
                                                     c["median_total_volume"], decomposition)
            for symbol, windows in doc.items() for window, methods in windows.items()
            for method, clusters in methods.items() for c in clusters}


@pytest.mark.slow
@engines_param()
def test_cluster_from_the_warehouse(warehouse, profiles_dir, tmp_path):
    args = ["--cohort", "losers", "--target", warehouse.name, "--profiles-dir", str(profiles_dir),
            "--out", str(tmp_path), "--windows", "6h,24h", "--jobs", "2"]
    done = run_job("cluster.py", *args)
    assert done.returncode == 2 and "dbt run --select +leaderboards" in done.stderr
    frames = [f for _, f in generate(4, 1.5, end=END, seed=9)]
    load_batches(warehouse, [validate_frame(str(f["symbol"].iloc[0]), f) for f in frames])
    dbt_runner.invoke(["run", "--select", "+tag:leaderboards"], target=warehouse.name, profiles_dir=profiles_dir,
                      target_path=tmp_path / "target", log_path=tmp_path / "logs",
                      vars={"as_of": "2026-11-20 00:00:00", "lookback_days": 1, "top_n": 2})
    rank = "`rank`" if warehouse.is_mysql_family else '"rank"'
    members = [r[0] for r in query(warehouse, f"select symbol from {warehouse.relation('habitual_losers')} "
                                              f"order by {rank}")]
    assert len(members) == 2
    ts = "`timestamp`" if warehouse.is_mysql_family else '"timestamp"'
    expected = {}
    for symbol in members:  # the member's lookback bars, as the leaderboards give them
        bars = pd.DataFrame(query(warehouse, f"select {ts}, close, volume from {warehouse.relation('cohort_bars')} "
                                             f"where cohort = 'losers' and symbol = '{symbol}' order by {ts}"),
                            columns=["timestamp", "close", "volume"])
        assert len(bars) > 1000
        stamps = pd.to_datetime(bars["timestamp"]).astype("datetime64[s]").astype("int64").to_numpy()
        expected[symbol] = reference_windows(stamps, bars["close"].astype(float).to_numpy(),
                                             bars["volume"].astype(float).to_numpy(), ["6h", "24h"])
    assert any(w["gmm"] for e in expected.values() for w in e.values()), "the test bars should produce clusters"
    for _ in range(2):  # a rerun replaces the rows
        done = run_job("cluster.py", *args)
        assert done.returncode == 0, done.stderr
        doc = json.loads((tmp_path / "imf_clusters_losers.json").read_text())
        assert list(doc) == members
        same(doc, expected, "losers")
        assert table_clusters(warehouse, "losers") == json_clusters(doc, "pyemd")
        as_of = query(warehouse, f"select distinct as_of from {warehouse.relation('imf_clusters')}")
        assert [str(r[0]) for r in as_of] == ["2026-11-20 00:00:00"]
    assert run_job("cluster.py", *args, "--fast").returncode == 0  # replaces the exact rows, and says so
    fast = json.loads((tmp_path / "imf_clusters_losers.json").read_text())
    assert table_clusters(warehouse, "losers") == json_clusters(fast, "emd.sift")


@engines_param()
def test_cluster_input_with_load_writes_the_table(warehouse, profiles_dir, tmp_path):
    """--input writes no table; with --load it writes the CSV's clusters as of its last bar + 1 minute."""
    bars = cohort_csv(tmp_path / "habitual_gainers.csv", n=1, days=0.6)
    last_bar = datetime.fromtimestamp(int(bars["ts"].max()), UTC).replace(tzinfo=None)
    args = ["--cohort", "gainers", "--input", str(tmp_path / "habitual_gainers.csv"), "--out", str(tmp_path),
            "--windows", "6h", "--jobs", "1", "--target", warehouse.name, "--profiles-dir", str(profiles_dir)]
    assert run_job("cluster.py", *args).returncode == 0
    assert not relation_exists(warehouse, "imf_clusters")
    assert run_job("cluster.py", *args, "--load").returncode == 0
    doc = json.loads((tmp_path / "imf_clusters_gainers.json").read_text())
    assert json_clusters(doc, "pyemd") and table_clusters(warehouse, "gainers") == json_clusters(doc, "pyemd")
    rows = query(warehouse, f"select distinct as_of, run_at, eps is not null "
                            f"from {warehouse.relation('imf_clusters')} where method = 'dbscan'")
    assert len(rows) == 1 and rows[0][0] == last_bar + timedelta(minutes=1) and bool(rows[0][2])
    assert abs(rows[0][1] - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=5)


def test_fast_mode_decomposes_and_clusters(tmp_path):
    from pipeline import imf

    bars = cohort_csv(tmp_path / "habitual_gainers.csv", n=1)
    close = bars["close"].to_numpy()[:1500]
    earlier = logging.getLogger("pipeline.made_before_emd")
    imfs = imf.decompose(close, fast=True)
    # importing emd runs dictConfig(disable_existing_loggers=True): our loggers must survive it
    assert not earlier.disabled and not logging.getLogger("pipeline").disabled
    assert imfs.shape[1] == len(close) and imfs.shape[0] >= 3
    assert abs(imfs.sum(axis=0) - close).max() < 1e-9 * abs(close).max()  # IMFs plus residue rebuild the signal
    out = tmp_path / "fast"
    done = run_job("cluster.py", "--cohort", "gainers", "--input", str(tmp_path / "habitual_gainers.csv"),
                   "--out", str(out), "--windows", "6h,24h", "--fast", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    doc = json.loads((out / "imf_clusters_gainers.json").read_text())
    symbol = str(bars["symbol"].iloc[0])
    assert list(doc) == [symbol] and list(doc[symbol]) == ["6h", "24h"]
    clusters = [c for w in doc[symbol].values() for m in w.values() for c in m]
    assert clusters and all(c["count"] >= 1 and c["median_duration_min"] > 0 for c in clusters)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_killed_cluster_leaves_no_workers(tmp_path):
    """kill -9 of cluster.py while its workers are mid-task: they end too, rather than computing on
    alone. tests/held_workers.py holds each worker in its first task, so they are known to be there."""
    cohort_csv(tmp_path / "habitual_losers.csv", n=4, days=0.3)
    ready = tmp_path / "ready"
    ready.mkdir()
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "held_workers.py"), "--cohort", "losers",
                             "--input", str(tmp_path / "habitual_losers.csv"), "--out", str(tmp_path), "--jobs", "2"],
                            env={**os.environ, "HELD_WORKERS_DIR": str(ready)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120  # bounds a broken run only: the workers never finish their task
        while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
            workers = sorted(int(p.stem) for p in ready.glob("*.ready"))
            time.sleep(0.05)
        assert len(workers) == 2 and proc.poll() is None, "the two workers did not start their tasks"
        assert set(workers) <= set(children_of(proc.pid))
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and alive(workers):
            time.sleep(0.1)
        assert not alive(workers), f"workers {alive(workers)} outlived cluster.py"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in alive(workers):  # ours, if the test failed
            os.kill(pid, signal.SIGKILL)


def alive(pids: list[int]) -> list[int]:
    """The processes still running (a zombie has ended)."""
    running = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.append(pid)
    return running
