"""Daily metrics: the incremental dbt model against the original's way of computing them.

Data: N synthetic symbols x D days of minute bars, loaded except the last day.
- reference: the original's way. Per symbol and per date, slice the last w bars of each window
  in pandas and compute the 26 metrics (pandas ewm for the averages, as the original). Timed on a
  random sample of (symbol, date) pairs and extrapolated to every pair of the data.
- backfill: `dbt run --select +ohlc_metrics_daily --full-refresh`, in-process.
- incremental: the last day of bars is loaded, then `dbt run --select ohlc_metrics_daily`. The
  same work is timed twice more (var recompute_from set to the day before the last: the same two
  days recomputed, after one untimed run that parses the project for the new vars), and the
  median of the three is reported, since one run of a few seconds moves by 20% on this machine.
- cron: the warehouse as of 12:00 on the last day gets the next 30 minutes of bars, then the same
  run (the current date partial: it also computes the current date's own segments).
A sample of rows of the backfill is checked against tests/reference_daily_metrics.py.
"""

from __future__ import annotations

import logging
import math
import random
import statistics
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import BENCH_END, Row, fresh_target, mariadb_env, spark_start_seconds
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.loader import default_table, load_batches
from pipeline.synthetic import generate
from pipeline.warehouse import connect, quote_ident, read_rows
from tests.reference_daily_metrics import WINDOWS, columns, spans
from tests.reference_daily_metrics import compute as reference_compute

log = logging.getLogger("bench.metrics")
DAY = 86400
SAMPLE_PAIRS = 40
ORIGINAL_SECONDS_PER_PAIR = 0.157  # the original's compute per symbol and date on this machine (issue 4)


def original_metrics(frame: pd.DataFrame, minutes: int) -> dict[str, float]:
    """One window the original's way: the last `minutes` rows, pandas operations."""
    c, h, lo, v, t = frame["close"], frame["high"], frame["low"], frame["volume"], frame["trades"]
    fast_span, slow_span, signal_span = spans(minutes)
    out = {"close_mean": c.mean(), "close_stddev": c.std(ddof=0), "close_min": c.min(), "close_max": c.max(),
           "volume_sum": v.sum()}
    out["vwap"] = (c * v).sum() / out["volume_sum"]
    out["price_deviation_vwap"] = (c.iloc[-1] - out["vwap"]) / out["vwap"]
    out["roc"] = (c.iloc[-1] - c.iloc[0]) / c.iloc[0] * 100
    out["returns_log"] = math.log(c.iloc[-1] / c.iloc[0])
    fast = c.ewm(span=fast_span, adjust=False).mean()
    slow = c.ewm(span=slow_span, adjust=False).mean()
    macd = fast - slow
    signal = macd.ewm(span=signal_span, adjust=False).mean()
    out.update(ema_fast=fast.iloc[-1], ema_slow=slow.iloc[-1], macd=macd.iloc[-1], macd_signal=signal.iloc[-1],
               macd_histogram=macd.iloc[-1] - signal.iloc[-1])
    tp = (h + lo + c) / 3
    out["bollinger_upper"] = tp.mean() + 2 * tp.std(ddof=0)
    out["bollinger_lower"] = tp.mean() - 2 * tp.std(ddof=0)
    d = c.diff().dropna()
    gain, loss = d.clip(lower=0).mean(), (-d).clip(lower=0).mean()
    out["rsi"] = 100 - 100 / (1 + gain / loss) if loss else 50.0
    tr = pd.concat([h - lo, (h - c.shift()).abs(), (lo - c.shift()).abs()], axis=1).max(axis=1)
    out["atr"] = tr.mean()
    out["stochastic_k"] = 100 * (c.iloc[-1] - c.min()) / (c.max() - c.min())
    out["obv"] = (np.sign(d) * v.iloc[1:]).sum()
    out["cci"] = (tp.iloc[-1] - tp.mean()) / (0.015 * (tp - tp.mean()).abs().mean())
    dp = (h.diff().clip(lower=0)).mean()
    dm = (-lo.diff()).clip(lower=0).mean()
    out["adx"] = 100 * abs(dp - dm) / (dp + dm)
    out["average_trades"] = t.mean()
    return out


def reference_seconds_per_pair(bars: pd.DataFrame, rng: random.Random) -> float:
    """The original's compute time per (symbol, date), from a random sample of pairs."""
    by_symbol = {s: f.set_index("ts").sort_index() for s, f in bars.groupby("symbol")}
    pairs = []
    for symbol, frame in by_symbol.items():
        first, last = int(frame.index[0]) // DAY, int(frame.index[-1]) // DAY
        pairs += [(symbol, day) for day in range(first, last + 1)]
    sample = rng.sample(pairs, min(SAMPLE_PAIRS, len(pairs)))
    started = time.perf_counter()
    for symbol, day in sample:
        upto = by_symbol[symbol].loc[: (day + 1) * DAY - 60]
        for minutes in WINDOWS.values():
            original_metrics(upto.iloc[-minutes:], minutes)
    return (time.perf_counter() - started) / len(sample), len(pairs)


def make_bars(symbols: int, days: int) -> tuple[pd.DataFrame, list, list]:
    """All bars, and validated batches before and within the last day."""
    frames = [frame.assign(symbol=spec.symbol) for spec, frame in generate(symbols, days, end=BENCH_END, seed=7)]
    bars = pd.concat(frames, ignore_index=True)
    cut = int(BENCH_END.timestamp()) - DAY
    early = [validate_frame(s, f[f["ts"] < cut].reset_index(drop=True)) for s, f in bars.groupby("symbol")]
    late = [validate_frame(s, f[f["ts"] >= cut].reset_index(drop=True)) for s, f in bars.groupby("symbol")]
    return bars, early, late


def dbt_run(args: list[str], target_path: Path) -> float:
    started = time.perf_counter()
    dbt_runner.invoke([*args, "--quiet"], target_path=target_path, log_path=target_path / "logs")
    return time.perf_counter() - started


def check_sample(target, bars: pd.DataFrame, rng: random.Random) -> None:
    """A few symbols' rows of the early data set against the plain reference."""
    symbols = rng.sample(sorted(bars["symbol"].unique()), 1)
    cut = int(BENCH_END.timestamp()) - DAY
    part = bars[(bars["symbol"].isin(symbols)) & (bars["ts"] < cut)]
    expected = reference_compute(part)
    # the current date is the whole data set's: take only completed dates of these symbols
    last_day = cut // DAY * DAY - DAY
    expected = expected[pd.to_datetime(expected["metric_date"]) <= pd.Timestamp(last_day, unit="s")]
    cols = ["symbol", "metric_date", *columns()]
    names = ", ".join(quote_ident(target, c) for c in cols)
    in_list = ", ".join(f"'{s}'" for s in symbols)
    last_date = f"{pd.Timestamp(last_day, unit='s'):%Y-%m-%d}"
    _, rows = read_rows(target, f"select {names} from {target.relation('ohlc_metrics_daily')} "
                                f"where symbol in ({in_list}) and metric_date <= '{last_date}' "
                                "order by symbol, metric_date")
    expected = expected.sort_values(["symbol", "metric_date"])
    if len(rows) != len(expected):
        raise SystemExit(f"metrics check: {len(rows)} rows, reference {len(expected)}")
    for row, (_, ref) in zip(rows, expected.iterrows(), strict=True):
        for name, value in zip(cols[2:], row[2:], strict=True):
            want = ref[name]
            if value is None or want is None or (isinstance(want, float) and math.isnan(want)):
                if (value is None) != (want is None or (isinstance(want, float) and math.isnan(want))):
                    raise SystemExit(f"metrics check: {row[0]} {row[1]} {name}: {value} != {want}")
            elif not math.isclose(float(value), float(want), rel_tol=1e-9, abs_tol=1e-12):
                raise SystemExit(f"metrics check: {row[0]} {row[1]} {name}: {value} != {want}")


def run(sizes: list[tuple[int, int]], engines: list[str], workdir: Path) -> list[Row]:
    rows: list[Row] = []
    server = mariadb_env() if "mariadb" in engines else nullcontext({})
    with server as env:
        for symbols, days in sizes:
            rows += run_size(symbols, days, engines, workdir, env)
    return rows


def run_size(symbols: int, days: int, engines: list[str], workdir: Path, env: dict[str, str]) -> list[Row]:
    rng = random.Random(symbols * 1000 + days)
    bars, early, late = make_bars(symbols, days)
    n_early = sum(b.rows for b in early)
    label = f"metrics {symbols}x{days}d"
    per_pair, pairs = reference_seconds_per_pair(bars, rng)
    reference = per_pair * pairs
    rows = [Row(label, "pandas", f"reference: {SAMPLE_PAIRS} sampled (symbol, date) x {pairs} "
                                 f"({per_pair:.3f} s each)", n_early, reference, "1.0x")]
    for engine in engines:
        if engine == "spark":
            rows.append(Row(label, engine, "Spark session start (JVM, metastore; once per process)", 0,
                            spark_start_seconds(workdir)))
        target = fresh_target(engine, f"bench_m_{symbols}_{days}", workdir, env)
        target_path = workdir / f"target-metrics-{engine}"
        load_batches(target, early)
        dbt_runner.invoke(["parse", "--quiet"], target_path=target_path, log_path=target_path / "logs")
        backfill = dbt_run(["run", "--select", "+ohlc_metrics_daily", "--full-refresh"], target_path)
        check_sample(target, bars, rng)
        load_batches(target, late)
        incremental_runs = [dbt_run(["run", "--select", "ohlc_metrics_daily"], target_path)]
        day_before = pd.Timestamp(int(BENCH_END.timestamp()) - 2 * DAY, unit="s")
        again = ["run", "--select", "ohlc_metrics_daily", "--vars", f"{{recompute_from: '{day_before:%Y-%m-%d}'}}"]
        dbt_run(again, target_path)
        incremental_runs += [dbt_run(again, target_path) for _ in range(2)]
        incremental = statistics.median(incremental_runs)
        original = ORIGINAL_SECONDS_PER_PAIR * pairs
        rows.append(Row(label, engine, "backfill: dbt run +ohlc_metrics_daily --full-refresh", n_early, backfill,
                        f"{reference / backfill:.1f}x the reference; {original / backfill:.1f}x the original's "
                        f"{original:.0f} s"))
        runs = ", ".join(f"{r:.2f}" for r in incremental_runs)
        rows.append(Row(label, engine, f"incremental: +1 day of bars, dbt run ohlc_metrics_daily (median of {runs} s)",
                        n_early, incremental, f"{100 * incremental / backfill:.1f}% of backfill"))
        log.info("%s %s: backfill %.2f s, incremental %.2f s", label, engine, backfill, incremental)
        if engine == "spark":
            continue  # the cron run deletes bars, which a parquet table cannot
        cron = cron_run(target, bars, target_path)
        rows.append(Row(label, engine, "cron: +30 min of bars, current date partial, dbt run ohlc_metrics_daily",
                        n_early, cron, f"{100 * cron / backfill:.1f}% of backfill"))
    return rows


def cron_run(target, bars: pd.DataFrame, target_path: Path) -> float:
    """The run every 30 minutes: the warehouse as of 12:00 on the last day gets the next 30 minutes.

    The +1 day run ends on a complete date (a bar at 23:59), which needs no current-date segments;
    mid-day, a run also computes the 24 h before the snapshot and the long windows' partial first
    days. The last day's bars from 12:00 are deleted, the table is brought to that state (not
    timed), then 12:00-12:29 are loaded again and the run is timed.
    """
    noon = int(BENCH_END.timestamp()) - DAY // 2
    stamp = f"{pd.Timestamp(noon, unit='s'):%Y-%m-%d %H:%M:%S}"
    con = connect(target)
    try:
        cursor = con.cursor()
        column = quote_ident(target, "timestamp")
        cursor.execute(f"delete from {target.relation(default_table())} where {column} >= '{stamp}'")
        con.commit()
    finally:
        con.close()
    dbt_run(["run", "--select", "ohlc_metrics_daily"], target_path)
    half_hour = bars[(bars["ts"] >= noon) & (bars["ts"] < noon + 1800)]
    load_batches(target, [validate_frame(s, f.reset_index(drop=True)) for s, f in half_hour.groupby("symbol")])
    return dbt_run(["run", "--select", "ohlc_metrics_daily"], target_path)
