"""The leaderboards models against the reference implementation (tests/reference_leaderboards.py).

Generated bars with gaps, exact ties (copied symbols), a stale symbol, a one-bar symbol, a 6 h
bucket of zero volume, NULL volumes and bars after as_of, on DuckDB, a real MariaDB and Spark:
- a first build (dbt build: models and schema tests) at one as_of;
- an incremental run after more bars arrived and one symbol's newest 6 h bucket was emptied, at a
  later as_of;
- a corrected old bar and a removed 6 h bucket of bars picked up with recompute_from, with
  complete_windows_only and another top_n.
Every run must equal the reference exactly: windows, ranks, counts, cohorts, tags, skew rows,
numbers to 1e-9 relative.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from helpers import delete_bars, engines_param, null_volumes, query, run_job, weeks_before_now
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.loader import load_batches
from pipeline.synthetic import generate
from reference_leaderboards import Params, compute

# inside a 6 h bucket, so both lookback edges are partial; whole weeks before now (helpers.weeks_before_now)
AS_OF = weeks_before_now(datetime(2026, 11, 2, 9, 17))
FIRST_AS_OF = AS_OF - timedelta(hours=26, minutes=41)
LOOKBACK_DAYS = 7
REL = 1e-9

WINDOW_COLUMNS = ["symbol", "window_hours", "window_epoch", "close", "volume", "previous_close",
                  "previous_volume", "price_change_pct", "volume_change_pct", "loss_rank", "gain_rank",
                  "volume_drop_rank", "volume_spike_rank"]
COHORT_COLUMNS = ["symbol", "rank", "gain_count", "loss_count", "overlap_score", "price_change_24h",
                  "volume_change_24h", "centroid_distance", "profile_tags"]


def _epoch(dt: datetime) -> int:
    return int(dt.replace(tzinfo=UTC).timestamp())


def build_bars() -> tuple[pd.DataFrame, dict[str, str]]:
    """All test bars (FRAME_COLUMNS), volumes quantized to 1/64 so sums are exact in any order,
    and the symbols given a role: stale, zero_volume, null_volume, corrected."""
    frames = [frame for _, frame in generate(12, LOOKBACK_DAYS + 2, end=AS_OF + timedelta(hours=3), seed=11,
                                             gaps=True)]
    frames = [f.assign(volume=np.round(f["volume"] * 64) / 64) for f in frames]
    # exact ties: the same bars under names sorting before and after the original
    frames.append(frames[0].assign(symbol="AAATIE0USD"))
    frames.append(frames[0].assign(symbol="ZZZTIE0USD"))
    frames.append(frames[1].assign(symbol="ZZZTIE1USD"))
    # stale: its last bar is 30 h before as_of
    frames[2] = frames[2][frames[2]["ts"] < _epoch(AS_OF) - 30 * 3600]
    # a 6 h bucket of zero volume three days back: the next bucket's volume change is undefined
    f = frames[3]
    start = (_epoch(AS_OF) - 3 * 86400) // 21600 * 21600
    frames[3] = f.assign(volume=f["volume"].where((f["ts"] < start) | (f["ts"] >= start + 21600), 0.0))
    # one bar only
    last = frames[4].iloc[[-200]].assign(symbol="ONEBARUSD", ts=_epoch(AS_OF) - 7200)
    frames.append(last)
    roles = {"stale": frames[2], "zero_volume": frames[3], "null_volume": frames[5], "corrected": frames[7]}
    return pd.concat(frames, ignore_index=True), {k: str(f["symbol"].iloc[0]) for k, f in roles.items()}


def null_volume_ranges(symbol: str) -> list[tuple[int, int]]:
    """[start, end) epoch ranges whose volume the test sets to NULL in the warehouse."""
    whole = (_epoch(FIRST_AS_OF) - 2 * 86400) // 21600 * 21600
    return [(whole, whole + 21600), (_epoch(FIRST_AS_OF) - 600, _epoch(FIRST_AS_OF) - 540)]


def bars_between(symbol: str, lo: int, hi: int | None = None) -> str:
    """SQL: the bars of `symbol` from epoch `lo` (to `hi`, exclusive)."""
    where = f"symbol = '{symbol}' and timestamp >= '{datetime.fromtimestamp(lo, UTC):%Y-%m-%d %H:%M:%S}'"
    return where + ("" if hi is None else f" and timestamp < '{datetime.fromtimestamp(hi, UTC):%Y-%m-%d %H:%M:%S}'")


def set_null_volumes(target, bars: pd.DataFrame, symbol: str) -> pd.DataFrame:
    bars = bars.copy()
    ranges = null_volume_ranges(symbol)
    # one statement: on Spark each is a rewrite of the bars table
    null_volumes(target, " or ".join(f"({bars_between(symbol, lo, hi)})" for lo, hi in ranges))
    for lo, hi in ranges:
        bars.loc[(bars["symbol"] == symbol) & (bars["ts"] >= lo) & (bars["ts"] < hi), "volume"] = np.nan
    return bars


def load(target, bars: pd.DataFrame) -> None:
    batches = [validate_frame(str(s), g.reset_index(drop=True)) for s, g in bars.groupby("symbol", sort=True)]
    load_batches(target, batches)


def reference(bars: pd.DataFrame, as_of: datetime, **kwargs):
    frame = pd.DataFrame({
        "symbol": bars["symbol"].astype(str),
        "timestamp": pd.to_datetime(bars["ts"], unit="s"),
        "close": bars["close"],
        "volume": bars["volume"],
    })
    return compute(frame, Params(as_of=as_of, lookback_days=LOOKBACK_DAYS, **kwargs))


def fetch(target, sql: str, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(query(target, sql), columns=columns)


def same_value(a, b) -> bool:
    a_missing = a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA
    b_missing = b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b)) or abs(a - b) <= 1e-12


def assert_frames_equal(actual: pd.DataFrame, expected: pd.DataFrame, what: str) -> None:
    assert len(actual) == len(expected), f"{what}: {len(actual)} rows, expected {len(expected)}"
    for i, (a_row, e_row) in enumerate(zip(actual.itertuples(index=False), expected.itertuples(index=False),
                                           strict=True)):
        for column, a, e in zip(actual.columns, a_row, e_row, strict=True):
            assert same_value(a, e), f"{what} row {i} ({a_row[0]}) column {column}: {a!r} != expected {e!r}"


def assert_matches_reference(target, ref) -> None:
    rel = target.relation
    windows = fetch(target, f"select {', '.join(WINDOW_COLUMNS)} from {rel('leaderboard_windows')} "
                            "order by symbol, window_hours, window_epoch", WINDOW_COLUMNS)
    expected = ref.windows[WINDOW_COLUMNS].sort_values(["symbol", "window_hours", "window_epoch"])
    assert_frames_equal(windows, expected.reset_index(drop=True), "leaderboard_windows")

    counts = fetch(target, f"select symbol, bucket, appearances from {rel('leaderboard_bucket_counts')} "
                           "order by symbol, bucket", ["symbol", "bucket", "appearances"])
    expected = ref.bucket_counts.sort_values(["symbol", "bucket"]).reset_index(drop=True)
    assert_frames_equal(counts, expected, "leaderboard_bucket_counts")

    quoted = [c if c != "rank" else ("`rank`" if target.type != "duckdb" else '"rank"') for c in COHORT_COLUMNS]
    for cohort, expected in ref.cohorts.items():
        members = [r[0] for r in query(target, f"select symbol from {rel('int_cohort_members_ranked')} "
                                               f"where cohort = '{cohort}' order by cohort_rank")]
        assert members == expected["symbol"].tolist(), f"{cohort} members differ"
        actual = fetch(target, f"select {', '.join(quoted)} from {rel('habitual_' + cohort)} order by 2",
                       COHORT_COLUMNS)
        assert_frames_equal(actual, expected, f"habitual_{cohort}")

    skew = fetch(target, f"select cohort, symbol, bucket, level, deviation_pct from {rel('leaderboard_skew')} "
                         "order by cohort, symbol, bucket", list(ref.skew.columns))
    expected = ref.skew.sort_values(["cohort", "symbol", "bucket"]).reset_index(drop=True)
    assert_frames_equal(skew, expected, "leaderboard_skew")

    members = {(c, s) for c, f in ref.cohorts.items() for s in f["symbol"]}
    bars = dict(((c, s), n) for c, s, n in query(
        target, f"select cohort, symbol, count(*) from {rel('cohort_bars')} group by cohort, symbol"))
    used = ref.used_bars
    assert set(bars) == members
    for cohort, symbol in members:
        assert bars[(cohort, symbol)] == used[symbol], (cohort, symbol)


@pytest.mark.slow
@engines_param(spark=True)
def test_leaderboards_equal_the_reference(warehouse, profiles_dir, tmp_path):
    bars, roles = build_bars()
    null_symbol = roles["null_volume"]
    common = dict(target=warehouse.name, profiles_dir=profiles_dir, target_path=tmp_path / "target",
                  log_path=tmp_path / "logs")
    base_vars = {"lookback_days": LOOKBACK_DAYS, "top_n": 5}
    # Spark takes 15-30 s to run the models, and as long again for their schema tests: they run
    # there in the first build only, the later steps' relations are compared with the reference all the same
    later = "run" if warehouse.is_spark else "build"

    # 1. first build, with the bars known at FIRST_AS_OF (and a few later ones it must ignore)
    early = bars[bars["ts"] < _epoch(FIRST_AS_OF) + 1800]
    load(warehouse, early)
    bars = set_null_volumes(warehouse, bars, null_symbol)
    # on Spark the dialect macros' seed cases (tests/dbt/cross_db_macros_agree.sql) ride along: a dbt
    # command of their own would cost Spark another 10 s
    checks = ["cross_db_macro_cases", "cross_db_macros_agree"] if warehouse.is_spark else []
    result = dbt_runner.invoke(["build", "--select", "+leaderboards", *checks], **common,
                               vars=base_vars | {"as_of": f"{FIRST_AS_OF:%Y-%m-%d %H:%M:%S}"})
    statuses = dbt_runner.statuses(result)
    assert not [n for n, s in statuses.items() if s not in ("success", "pass")]
    assert all(statuses.get(name) in ("success", "pass") for name in checks), statuses
    ref = reference(bars[bars["ts"] < _epoch(FIRST_AS_OF) + 1800], FIRST_AS_OF, top_n=5)
    assert len(ref.cohorts["losers"]) == 5 and ref.skew.shape[0] > 0
    assert_matches_reference(warehouse, ref)

    # 2. the rest of the bars arrive, and the stale symbol's newest 6 h bucket of bars is taken out
    # (no bar is left in it): an incremental run at the later as_of
    late = bars[bars["ts"] >= _epoch(FIRST_AS_OF) + 1800]
    load(warehouse, late)
    bars = set_null_volumes(warehouse, bars, null_symbol)
    stale = roles["stale"]
    emptied = int(bars.loc[bars["symbol"] == stale, "ts"].max()) // 21600 * 21600
    delete_bars(warehouse, bars_between(stale, emptied))
    bars = bars[(bars["symbol"] != stale) | (bars["ts"] < emptied)]
    dbt_runner.invoke([later, "--select", "leaderboards"], **common,
                      vars=base_vars | {"as_of": f"{AS_OF:%Y-%m-%d %H:%M:%S}"})
    ref = reference(bars, AS_OF, top_n=5)
    assert "ONEBARUSD" in ref.universe and stale not in ref.universe
    assert_matches_reference(warehouse, ref)
    stored = {r[0] for r in query(warehouse, f"select bucket_epoch from {warehouse.relation('int_bars_6h')} "
                                             f"where symbol = '{stale}'")}
    assert stored == set(bars.loc[bars["symbol"] == stale, "ts"] // 21600 * 21600), "int_bars_6h kept an emptied bucket"

    # 3. a corrected bar four days back and a removed 6 h bucket of bars two days back (a bad batch
    # taken out), recompute_from, complete windows only, another top_n
    symbol = roles["corrected"]
    row = bars.index[(bars["symbol"] == symbol) & (bars["ts"] < _epoch(AS_OF) - 4 * 86400)][-1]
    bars.loc[row, ["close", "high"]] = bars.loc[row, "high"] * 1.5
    load(warehouse, bars.loc[[row]])
    removed = (_epoch(AS_OF) - 2 * 86400) // 21600 * 21600
    gone = (bars["symbol"] == roles["null_volume"]) & (bars["ts"] >= removed) & (bars["ts"] < removed + 21600)
    assert gone.sum() > 100
    delete_bars(warehouse, bars_between(roles["null_volume"], removed, removed + 21600))
    bars = bars[~gone]
    since = datetime.fromtimestamp(bars.loc[row, "ts"], UTC).date()
    dbt_runner.invoke([later, "--select", "leaderboards"], **common,
                      vars={"lookback_days": LOOKBACK_DAYS, "top_n": 3, "complete_windows_only": True,
                            "recompute_from": str(since), "as_of": f"{AS_OF:%Y-%m-%d %H:%M:%S}"})
    assert_matches_reference(warehouse, reference(bars, AS_OF, top_n=3, complete_windows_only=True))


def small_bars() -> pd.DataFrame:
    """Three usable symbols and a one-bar one: far fewer than top_n."""
    end = AS_OF + timedelta(hours=1)
    frames = [f for _, f in generate(3, 5, end=end, seed=5)]
    frames = [f.assign(volume=np.round(f["volume"] * 64) / 64) for f in frames]
    # the second symbol trades only since 02:00 on as_of's day: one 24 h window, no 24 h change
    day_start = _epoch(AS_OF) // 86400 * 86400
    frames[1] = frames[1][frames[1]["ts"] >= day_start + 7200]
    # the third has no volume on the day before as_of's: its latest 24 h volume change is undefined
    f = frames[2]
    frames[2] = f.assign(volume=f["volume"].where((f["ts"] < day_start - 86400) | (f["ts"] >= day_start), 0.0))
    frames.append(frames[0].iloc[[-100]].assign(symbol="ONEBARUSD"))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.slow
@engines_param(spark=True)
def test_leaderboards_on_thin_and_stale_data(warehouse, profiles_dir, tmp_path):
    common = dict(target=warehouse.name, profiles_dir=profiles_dir, target_path=tmp_path / "target",
                  log_path=tmp_path / "logs")
    report_args = ["--target", warehouse.name, "--profiles-dir", str(profiles_dir)]
    # The report is a process of its own, and Spark's tables live in this process's session (the
    # tests' in-memory catalog): on Spark only the relations are checked here.
    reports = not warehouse.is_spark

    # nothing built yet: the report names the dbt command to run, exit 2
    if reports:
        done = run_job("leaderboards_report.py", *report_args, "--out", str(tmp_path / "none"))
        assert done.returncode == 2 and "dbt run --select +leaderboards" in done.stderr

    bars = small_bars()
    load(warehouse, bars)
    symbol = str(bars["symbol"].iloc[0])  # every volume of the first symbol unknown
    null_volumes(warehouse, f"symbol = '{symbol}'")
    bars.loc[bars["symbol"] == symbol, "volume"] = np.nan

    # as_of two days after the last bar: no fresh symbol, every relation builds empty (on Spark
    # without the schema tests, which the next build runs: see test_leaderboards_equal_the_reference)
    stale = AS_OF + timedelta(days=2)
    dbt_runner.invoke(["run" if warehouse.is_spark else "build", "--select", "+leaderboards"], **common,
                      vars={"as_of": f"{stale:%Y-%m-%d %H:%M:%S}", "lookback_days": 4})
    for name in ("leaderboard_windows", "habitual_gainers", "habitual_losers", "habitual_overlaps",
                 "leaderboard_skew", "cohort_bars"):
        assert query(warehouse, f"select count(*) from {warehouse.relation(name)}") == [(0,)], name
    if reports:
        done = run_job("leaderboards_report.py", *report_args, "--out", str(tmp_path / "stale"))
        assert done.returncode == 0, done.stderr
        printed = done.stdout
        assert "0 fresh symbol(s)" in printed and "every cohort is empty" in printed
        doc = json.loads((tmp_path / "stale" / "leaderboards_summary.json").read_text())
        assert doc["Top Losers"] == {"coins": [], "skew_details": []} and doc["fresh_symbols"] == 0
        assert (tmp_path / "stale" / "habitual_losers.csv").read_text().splitlines() == [
            "symbol,timestamp,open,high,low,close,volume"]

    # a normal as_of: short cohorts, NULL figures where undefined, equal to the reference
    dbt_runner.invoke(["build", "--select", "+leaderboards"], **common,
                      vars={"as_of": f"{AS_OF:%Y-%m-%d %H:%M:%S}", "lookback_days": 4})
    ref = compute(pd.DataFrame({"symbol": bars["symbol"].astype(str), "timestamp": pd.to_datetime(bars["ts"], unit="s"),
                                "close": bars["close"], "volume": bars["volume"]}),
                  Params(as_of=AS_OF, lookback_days=4))
    assert 0 < len(ref.cohorts["gainers"]) < 20
    assert_matches_reference(warehouse, ref)
    overlaps = ref.cohorts["overlaps"].set_index("symbol")
    assert math.isnan(overlaps.loc[symbol, "volume_change_24h"])
    assert math.isnan(overlaps.loc[str(bars["symbol"].unique()[1]), "price_change_24h"])

    if not reports:
        return
    done = run_job("leaderboards_report.py", *report_args, "--out", str(tmp_path / "ok"))
    assert done.returncode == 0, done.stderr
    printed = done.stdout
    assert f"only {len(ref.cohorts['overlaps'])} symbol(s) qualified" in printed
    text = (tmp_path / "ok" / "leaderboards_summary.json").read_text()
    assert "NaN" not in text
    doc = json.loads(text)
    coins = {c["symbol"]: c for c in doc["Top Overlap"]["coins"]}
    assert coins[symbol]["pct_vol_change"] is None and coins[symbol]["price_change"] is not None
    exported = pd.read_csv(tmp_path / "ok" / "habitual_overlaps.csv")
    assert list(exported.columns) == ["symbol", "timestamp", "open", "high", "low", "close", "volume"]
    assert exported.groupby("symbol").size().to_dict() == {s: ref.used_bars[s] for s in overlaps.index}
