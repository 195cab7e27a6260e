"""cluster.py end to end: from a habitual_*.csv and from the warehouse (DuckDB and MariaDB)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import cluster
import reference_imf
from conftest import engines_param, query
from pipeline import cli, dbt_runner
from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.project import PROJECT_ROOT as ROOT
from pipeline.synthetic import generate
from test_imf import same

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
def test_cluster_from_csv_equals_the_spec_and_ignores_jobs(tmp_path, capsys):
    bars = cohort_csv(tmp_path / "habitual_losers.csv")
    results = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert cli.run(cluster.main, ["--cohort", "losers", "--input", str(tmp_path / "habitual_losers.csv"),
                                      "--out", str(out), "--jobs", jobs, "--plot"]) == 0
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


def test_cluster_usage_errors(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,timestamp,close\nA,2026-11-01 00:00:00,1\n")
    assert cli.run(cluster.main, ["--cohort", "losers", "--input", str(bad), "--out", str(tmp_path)]) == 2
    assert "missing column(s) volume" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("symbol,timestamp,open,high,low,close,volume\n")
    assert cli.run(cluster.main, ["--cohort", "gainers", "--input", str(empty), "--out", str(tmp_path)]) == 0
    assert "cohort is empty" in capsys.readouterr().err
    assert json.loads((tmp_path / "imf_clusters_gainers.json").read_text()) == {}
    assert (tmp_path / "imf_clusters_gainers.txt").read_text() == ""
    cohort_csv(tmp_path / "c.csv", n=1, days=0.2)
    assert cli.run(cluster.main, ["--cohort", "losers", "--input", str(tmp_path / "c.csv"), "--out", str(tmp_path),
                                  "--symbols", "NOPEUSD"]) == 2
    assert cli.run(cluster.main, ["--cohort", "losers", "--input", str(tmp_path / "c.csv"), "--out", str(tmp_path),
                                  "--windows", "6h,2d"]) == 2
    with pytest.raises(SystemExit) as exc:
        cluster.parse_args(["--cohort", "winners"])
    assert exc.value.code == 2


@pytest.mark.slow
@engines_param()
def test_cluster_from_the_warehouse(warehouse, profiles_dir, tmp_path, capsys):
    args = ["--cohort", "losers", "--target", warehouse.name, "--profiles-dir", str(profiles_dir),
            "--out", str(tmp_path), "--windows", "6h,24h", "--jobs", "2"]
    assert cli.run(cluster.main, args) == 2
    assert "dbt run --select +leaderboards" in capsys.readouterr().err
    frames = [f for _, f in generate(4, 1.5, end=END, seed=9)]
    load_batches(warehouse, [validate_frame(str(f["symbol"].iloc[0]), f) for f in frames])
    dbt_runner.invoke(["run", "--select", "+leaderboards"], target=warehouse.name, profiles_dir=profiles_dir,
                      target_path=tmp_path / "target", log_path=tmp_path / "logs",
                      vars={"as_of": "2026-11-20 00:00:00", "lookback_days": 1, "top_n": 2})
    for _ in range(2):  # a rerun replaces the rows
        assert cli.run(cluster.main, args) == 0
        doc = json.loads((tmp_path / "imf_clusters_losers.json").read_text())
        assert len(doc) == 2 and all(list(w) == ["6h", "24h"] for w in doc.values())
        expected = sum(len(m) for w in doc.values() for methods in w.values() for m in methods.values())
        rows = query(warehouse, f"select count(*), min(as_of), count(distinct symbol) "
                                f"from {warehouse.relation('imf_clusters')} where cohort = 'losers'")
        assert rows[0][0] == expected and str(rows[0][1]).startswith("2026-11-20 00:00")
    decompositions = f"select distinct decomposition from {warehouse.relation('imf_clusters')}"
    assert query(warehouse, decompositions) == [("pyemd",)]
    assert cli.run(cluster.main, [*args, "--fast"]) == 0  # replaces the exact rows, and says so
    assert query(warehouse, decompositions) == [("emd.sift",)]


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
    assert cli.run(cluster.main, ["--cohort", "gainers", "--input", str(tmp_path / "habitual_gainers.csv"),
                                  "--out", str(out), "--windows", "6h,24h", "--fast", "--jobs", "1"]) == 0
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
    """kill -9 of cluster.py: its worker processes end too, rather than computing on alone."""
    cohort_csv(tmp_path / "habitual_losers.csv", n=4, days=3)
    proc = subprocess.Popen([sys.executable, str(ROOT / "python_jobs" / "cluster.py"), "--cohort", "losers",
                             "--input", str(tmp_path / "habitual_losers.csv"), "--out", str(tmp_path), "--jobs", "2"],
                            env={**os.environ, "PYTHONPATH": str(ROOT / "python_jobs")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        # the pool's workers: python children that are not multiprocessing's resource tracker
        workers = [p for p in children_of(proc.pid)
                   if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]
        if len(workers) >= 2:
            break
        time.sleep(0.1)
    assert proc.poll() is None and len(workers) >= 2, "cluster.py finished before its workers could be seen"
    proc.kill()  # the workers may still be importing: then they exit on reaching their initializer
    proc.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in workers):
        time.sleep(0.2)
    alive = [p for p in workers if Path(f"/proc/{p}").exists()
             and (Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z")]
    assert not alive, f"workers {alive} outlived cluster.py"
