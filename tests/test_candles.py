"""candles_5m .. candles_1d against the plain pandas reference (tests/reference_indicators.py), every cell,
on DuckDB and a real MariaDB. Generated bars up to a few minutes before now, so the newest candles are in
progress, with gaps of minutes, hours and a whole day, hours of identical prices, zero-volume bars, a
symbol with one bar, a short symbol that starts mid-candle and one with no trade counts. Then:
- bars cut inside a candle and the rest loaded: the incremental run equals the reference of all bars;
- a run with no new bars leaves every candle as it was;
- a late correction before the newest candle, with recompute_from;
- removed bars: their candles go away;
- a full refresh equals the reference too;
- real exchange bars (../shared/data/real-bars-1m/, when present): every candle of every interval.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from helpers import delete_bars, engines_param, query, update_bars
from pipeline import dbt_runner
from pipeline.bars import read_bar_file, validate_frame
from pipeline.errors import JobFailed
from pipeline.indicators_catalog import CANDLE_COLUMNS, CANDLE_INTERVALS, outputs
from pipeline.loader import load_batches
from pipeline.project import PROJECT_ROOT
from pipeline.synthetic import generate
from reference_indicators import CANDLE_COLUMNS as REFERENCE_CANDLE_COLUMNS
from reference_indicators import agree, candles

SECONDS = {"5m": 300, "15m": 900, "1h": 3600, "4h": 14400, "1d": 86400}
REAL_BARS = PROJECT_ROOT.parent / "shared" / "data" / "real-bars-1m"
DAYS = 9


def _epoch(dt: datetime) -> int:
    return int(dt.replace(tzinfo=UTC).timestamp())


def build_bars(end: datetime) -> pd.DataFrame:
    """Every bar of the test (symbol, ts, open, high, low, close, volume, trades; NaN = NULL)."""
    frames = [f.assign(symbol=spec.symbol) for spec, f in generate(3, DAYS, end=end, seed=11, gaps=True)]
    base = frames[0]
    # a whole day missing, an hour missing, minutes missing
    day = _epoch(end) // 86400 * 86400 - 4 * 86400
    gappy = base[(base["ts"] < day) | (base["ts"] >= day + 86400)]
    gappy = gappy[(gappy["ts"] % 86400 < 5 * 3600) | (gappy["ts"] % 86400 >= 6 * 3600) | (gappy["ts"] < day)]
    frames.append(gappy.assign(symbol="GAPPYUSD"))
    # starts mid-candle (07 minutes past an hour, not on a 5 m boundary) and is short
    short = frames[1][frames[1]["ts"] >= _epoch(end) - 2 * 86400 + 7 * 60 + 3 * 3600]
    frames.append(short.assign(symbol="SHORTUSD"))
    # one bar
    frames.append(frames[2].iloc[[len(frames[2]) // 2]].assign(symbol="ONEBARUSD"))
    # no trade counts at all
    frames.append(frames[2].assign(symbol="NOTRADESUSD", trades=np.nan))
    bars = pd.concat(frames, ignore_index=True)
    # three hours of identical prices
    flat_start = _epoch(end) // 3600 * 3600 - 30 * 3600
    flat = (bars["symbol"] == "GAPPYUSD") & (bars["ts"] >= flat_start) & (bars["ts"] < flat_start + 3 * 3600)
    level = float(bars.loc[flat, "close"].iloc[0])
    bars.loc[flat, ["open", "high", "low", "close"]] = level
    # zero volume: scattered minutes, and a whole hour (its candles' vwap is NULL)
    zero = (bars["symbol"] == frames[0]["symbol"].iloc[0]) & (bars["ts"] % 7 == 0)
    zero |= (bars["symbol"] == "GAPPYUSD") & (bars["ts"] >= flat_start) & (bars["ts"] < flat_start + 3600)
    bars.loc[zero, "volume"] = 0.0
    return bars.sort_values(["symbol", "ts"]).reset_index(drop=True)


def load(target, bars: pd.DataFrame) -> None:
    load_batches(target, [validate_frame(str(s), g.reset_index(drop=True)) for s, g in bars.groupby("symbol")])


def reference(bars: pd.DataFrame, interval: str, now: datetime) -> pd.DataFrame:
    frame = bars.assign(bar_at=pd.to_datetime(bars["ts"], unit="s", utc=True))
    return candles(frame, SECONDS[interval], now)


def fetch(target, interval: str) -> pd.DataFrame:
    columns = list(CANDLE_COLUMNS)
    rows = query(
        target, f"select {', '.join(columns)} from {target.relation('candles_' + interval)} order by symbol, candle_at"
    )
    table = pd.DataFrame(rows, columns=columns)
    table["candle_at"] = pd.to_datetime(table["candle_at"], utc=True)
    table["is_complete"] = table["is_complete"].astype(bool)
    for column in ("open", "high", "low", "close", "volume", "vwap", "trades"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table


def run(common, *args: str, **kwargs) -> dict[str, str]:
    result = dbt_runner.invoke(["run", "--select", "+tag:candles", *args], **common, **kwargs)
    return dbt_runner.statuses(result)


def assert_candles_equal(
    target, bars: pd.DataFrame, before: datetime, after: datetime, what: str, intervals=CANDLE_INTERVALS
) -> None:
    """Every table equals the reference; is_complete as of some moment of the run (between before and after)."""
    for interval in intervals:
        ours = fetch(target, interval)
        early, late = reference(bars, interval, before), reference(bars, interval, after)
        assert len(ours) == len(early), f"{what}: candles_{interval} has {len(ours)} rows, the reference {len(early)}"
        problems = agree(ours.drop(columns="is_complete"), early.drop(columns="is_complete"))
        assert not problems, f"{what}: candles_{interval}: {len(problems)} cells differ: " + "; ".join(problems[:5])
        keys_ours = ours[["symbol", "candle_at"]].astype(str).values.tolist()
        assert keys_ours == early[["symbol", "candle_at"]].astype(str).values.tolist(), f"{what}: {interval} keys"
        complete = ours["is_complete"].to_numpy()
        ok = complete == early["is_complete"].to_numpy(dtype=bool)
        ok |= complete == late["is_complete"].to_numpy(dtype=bool)
        assert ok.all(), f"{what}: candles_{interval}: is_complete wrong at {ours[~ok].head(3).to_dict('records')}"


def stamp(epoch: int) -> str:
    return f"'{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d %H:%M:%S}'"


def late_changes(target, bars: pd.DataFrame, end: datetime) -> tuple[pd.DataFrame, str]:
    """A late correction two days back, an old hour of one symbol removed, a symbol's newest bars removed, and a
    whole UTC day of every symbol removed (on Spark its day partitions are left empty). Returns the bars left and
    the recompute_from that picks them all up."""
    symbol = "GAPPYUSD"
    at = int(bars.loc[bars["symbol"] == symbol, "ts"].iloc[-3000])
    update_bars(
        target, f"symbol = '{symbol}' and timestamp = {stamp(at)}", {"close": "close * 1.01", "high": "high * 1.01"}
    )
    bars = bars.copy()
    bars.loc[(bars["symbol"] == symbol) & (bars["ts"] == at), ["close", "high"]] *= 1.01
    hour = (at // 3600 - 5) * 3600
    newest = int(bars.loc[bars["symbol"] == "SHORTUSD", "ts"].max()) // 900 * 900
    day = _epoch(end) // 86400 * 86400 - 5 * 86400
    # one delete: on Spark each is a rewrite of the bar dates it touches
    delete_bars(
        target,
        f"(symbol = '{symbol}' and timestamp >= {stamp(hour)} and timestamp < {stamp(hour + 3600)}) "
        f"or (symbol = 'SHORTUSD' and timestamp >= {stamp(newest)}) "
        f"or (timestamp >= {stamp(day)} and timestamp < {stamp(day + 86400)})",
    )
    gone = (
        ((bars["symbol"] == symbol) & (bars["ts"] >= hour) & (bars["ts"] < hour + 3600))
        | ((bars["symbol"] == "SHORTUSD") & (bars["ts"] >= newest))
        | ((bars["ts"] >= day) & (bars["ts"] < day + 86400))
    )
    return bars[~gone], f"{datetime.fromtimestamp(day, UTC):%Y-%m-%d}"


def test_catalog_matches_the_reference_and_the_yaml_is_generated():
    assert list(CANDLE_COLUMNS) == list(REFERENCE_CANDLE_COLUMNS)
    for path, text in outputs().items():
        assert path.read_text() == text, "run: python -m pipeline.indicators_catalog --write"


# Spark: three intervals, 5m from the bars (day partitions), 1h from 5m and 1d from 1h (month partitions);
# test_indicators.py covers 15m and 4h there. Every dbt command costs Spark 5-30 s (docs/scale.md).
SPARK_CANDLES = {"candle_intervals": ["5m", "1h", "1d"], "indicator_intervals": ["1h"], "profile_intervals": ["1h"]}


@engines_param(spark=True)
def test_candles_equal_the_reference_incrementally(warehouse, profiles_dir, tmp_path):
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    narrowed = SPARK_CANDLES if target.is_spark else {}
    intervals = narrowed.get("candle_intervals", CANDLE_INTERVALS)
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    bars = build_bars(now - timedelta(minutes=3))
    # cut inside a 5 m candle (and so inside every longer one) two hours before the end
    cut = (_epoch(now) // 3600 * 3600) - 2 * 3600 + 7 * 60
    first = bars[bars["ts"] < cut]
    load(target, first)
    before = datetime.now(UTC)
    assert set(run(common, vars=narrowed).values()) == {"success"}
    after = datetime.now(UTC)
    assert_candles_equal(target, first, before, after, "first build", intervals)
    in_progress = query(
        target,
        f"select count(*) from {target.relation('candles_1d')} where "
        f"is_complete = {'0' if target.type == 'mariadb' else 'false'}",
    )[0][0]
    # the current day's candle of each symbol with a bar on it is in progress, every other has ended; none
    # from midnight to 02:00 UTC, when the cut falls on the day before (a run across midnight is not checked)
    day = _epoch(after) // 86400 * 86400
    if _epoch(before) >= day:
        expected = first.loc[first["ts"] >= day, "symbol"].nunique()
        assert in_progress == expected, f"{in_progress} 1d candles in progress, {expected} symbols have bars today"

    load(target, bars[bars["ts"] >= cut])
    before = datetime.now(UTC)
    run(common, vars=narrowed)
    assert_candles_equal(target, bars, before, datetime.now(UTC), "incremental run", intervals)

    # nothing new: every candle stays as it was
    kept = {i: fetch(target, i) for i in intervals}
    run(common, vars=narrowed)
    for interval, table in kept.items():
        again = fetch(target, interval)
        pd.testing.assert_frame_equal(again.drop(columns="is_complete"), table.drop(columns="is_complete"))

    # a late correction and removed bars before the newest candle, picked up with recompute_from; the removed
    # bars' candles go away
    bars, since = late_changes(target, bars, now)
    before = datetime.now(UTC)
    run(common, vars={**narrowed, "recompute_from": since})
    assert_candles_equal(target, bars, before, datetime.now(UTC), "after late changes", intervals)

    before = datetime.now(UTC)
    run(common, "--full-refresh", vars=narrowed)
    assert_candles_equal(target, bars, before, datetime.now(UTC), "full refresh", intervals)


@engines_param()
def test_newest_candles_go_when_their_bars_go_and_newer_come(warehouse, profiles_dir, tmp_path):
    """A symbol's newest candle of every interval loses all its bars while bars of a later day arrive, and the
    run has no recompute_from: it rebuilds each interval from that candle on, so the candle goes. (Looked for
    after the insert, from the newest candle then, the vanished candles stayed.)"""
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    bars = build_bars(now - timedelta(minutes=3))
    symbol = bars["symbol"].value_counts().idxmax()
    day = (_epoch(now) // 86400 - 3) * 86400
    mine = bars["symbol"] == symbol
    load(target, bars[~mine | (bars["ts"] < day + 5 * 60)])
    assert set(run(common).values()) == {"success"}
    # its bars of that day's first 5 minutes go: the newest candle of each interval, 5m to 1d
    delete_bars(target, f"symbol = '{symbol}' and timestamp >= {stamp(day)}")
    load(target, bars[mine & (bars["ts"] >= day + 86400)])
    left = bars[~mine | (bars["ts"] < day) | (bars["ts"] >= day + 86400)]
    before = datetime.now(UTC)
    run(common)
    assert_candles_equal(target, left, before, datetime.now(UTC), "newest candles' bars removed")


@pytest.mark.parametrize(
    "bad, needle",
    [
        ({"candle_intervals": ["5m", "2m"]}, 'var candle_intervals: unknown interval "2m"'),
        ({"candle_intervals": "5m,5m"}, "var candle_intervals: an interval is listed twice"),
        ({"indicator_intervals": ["5m"]}, 'var indicator_intervals: unknown interval "5m"'),
        ({"candle_intervals": ["5m", "1h"], "indicator_intervals": ["15m"]}, "var indicator_intervals: 15m needs"),
    ],
)
def test_a_bad_interval_var_names_the_var(warehouse, profiles_dir, tmp_path, bad, needle):
    common = {"target": warehouse.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    with pytest.raises(JobFailed) as failure:
        dbt_runner.invoke(["run", "--select", "+tag:candles"], vars=bad, **common)
    assert needle in str(failure.value)


@pytest.mark.skipif(not REAL_BARS.is_dir(), reason="no real bars (../shared/data/real-bars-1m/)")
@engines_param()
def test_candles_of_real_exchange_bars(warehouse, profiles_dir, tmp_path):
    """Every candle of every interval of the 43 real symbols (their gaps, flat stretches, zero volumes)."""
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    batches = [read_bar_file(path) for path in sorted(REAL_BARS.glob("*_1.csv"))]
    load_batches(target, batches)
    bars = pd.concat([b.frame for b in batches], ignore_index=True)
    before = datetime.now(UTC)
    assert set(run(common).values()) == {"success"}
    assert_candles_equal(target, bars, before, datetime.now(UTC), "real bars")
    assert bars["symbol"].nunique() >= 40


def test_candle_intervals_var_narrows_what_is_built(warehouse, profiles_dir, tmp_path):
    """DuckDB: only the listed intervals are built (1h then from the bars, 1d from 1h); the others are
    empty views, and listing them again builds them."""
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    bars = build_bars(now - timedelta(minutes=3))
    load(target, bars)
    before = datetime.now(UTC)
    run(common, vars={"candle_intervals": "1h, 1d", "indicator_intervals": ["1h"], "profile_intervals": ["1h"]})
    after = datetime.now(UTC)
    for interval in ("1h", "1d"):
        ours, expected = fetch(target, interval), reference(bars, interval, before)
        assert len(ours) == len(expected) and not agree(
            ours.drop(columns="is_complete"), expected.drop(columns="is_complete")
        )
    for interval in ("5m", "15m", "4h"):
        assert query(target, f"select count(*) from {target.relation('candles_' + interval)}") == [(0,)]
    run(common)
    assert_candles_equal(target, bars, after, datetime.now(UTC), "all intervals again")
