"""symbol_regime_daily and cohort_profiles against the plain reference (tests/reference_profiles.py, on TA-Lib), every
cell, on DuckDB and a real MariaDB.

The bars are sparse on purpose (one every 6 hours until 100 days before the end, then one an hour): they make valid
1h, 4h and 1d candles at a sixtieth of the minute bars' cost. 420 days of five walks with trending, calm and
volatile stretches (the 200-day SMA and a full 365-row volatility baseline), a gappy copy (three days and single
hours missing), a symbol with flat stretches (100 flat days: zero returns, m2 = 0; then 60 flat days inside the
baselines: IQRs of 0, zero band widths, and two days without volume: a zero mean volume; and flat when the past
as_of comes, so its profile values equal baseline values), a symbol of 10 hours
before the past as_of (shorter than every window), and a symbol listed after it. Then:
- a first build with only the bars before a past as_of, at that as_of (a warehouse that never held later bars);
- the rest of the bars, an incremental run at the current time: a new member, the re-done partial last day;
- the cron line at the past as_of again, over all bars: the same profiles as the first build (no future data);
- `dbt build --select profiles --full-refresh`: the regime table equals the incremental one, the YAML's tests pass;
- an as_of before every bar: empty cohorts give no row and no error.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from functools import cache

import numpy as np
import pandas as pd
import pytest

from helpers import delete_bars, engines_param, query
from pipeline import dbt_runner
from pipeline.bars import validate_frame
from pipeline.errors import JobFailed
from pipeline.loader import load_batches
from pipeline.profile_catalog import FEATURES, REGIME_COLUMNS, outputs, profile_columns
from pipeline.warehouse import quote_ident
from reference_indicators import candles, indicators
from reference_profiles import PROFILE_COLUMNS as REFERENCE_PROFILE_COLUMNS
from reference_profiles import REGIME_COLUMNS as REFERENCE_REGIME_COLUMNS
from reference_profiles import REGIMES, agree, cohort_profiles, regime_daily

DAY, HOUR = 86400, 3600
END = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0) - timedelta(minutes=3)
# inside an hour, a 4h candle and a day, three days back: the past as_of of the no-future test
PAST_AS_OF = (END - timedelta(days=3, hours=5)).replace(minute=41)
INTERVALS = {"1h": 3600, "4h": 14400, "1d": 86400}
# only the candle and indicator intervals the profiles read; a small top_n covers every symbol anyway
VARS = {
    "candle_intervals": ["1h", "4h", "1d"],
    "indicator_intervals": ["1h", "4h", "1d"],
    "top_n": 12,
    "lookback_days": 7,
}


def _epoch(dt: datetime) -> int:
    return int(dt.replace(tzinfo=UTC).timestamp())


def walk(
    symbol: str, start: int, end: int, seed: int, segments: list[tuple[float, float, float]], price: float
) -> pd.DataFrame:
    """Bars from `start` to `end` (epochs): one every 6 hours before END - 100 days, then one an hour, at minute 17.

    `segments`: (share of the bars, drift per day, daily volatility) in order, so a walk trends, calms, swings.
    """
    rng = np.random.default_rng(seed)
    dense_from = _epoch(END) - 100 * DAY
    ts = (
        np.concatenate(
            [np.arange(start, min(end, dense_from), 6 * HOUR), np.arange(max(start, dense_from), end, HOUR)]
        ).astype(np.int64)
        // HOUR
        * HOUR
        + 17 * 60
    )
    ts = ts[ts < end]
    steps = np.diff(ts, prepend=ts[0] - HOUR) / DAY
    bounds = np.cumsum([0] + [round(share * len(ts)) for share, _, _ in segments])
    drift, vol = np.zeros(len(ts)), np.zeros(len(ts))
    for (_, d, v), lo, hi in zip(segments, bounds[:-1], bounds[1:], strict=True):
        drift[lo:hi], vol[lo:hi] = d, v
    drift[bounds[-1] :], vol[bounds[-1] :] = segments[-1][1], segments[-1][2]
    step_vol = vol * np.sqrt(steps)
    returns = drift * steps + step_vol * rng.standard_t(5, len(ts)) / math.sqrt(5 / 3)
    tick = 10 ** (math.floor(math.log10(price)) - 5)
    close = np.maximum(np.round(price * np.exp(np.cumsum(returns)) / tick), 1) * tick
    open_ = np.concatenate([[close[0]], close[:-1]])
    wick = np.abs(rng.normal(size=(2, len(ts)))) * step_vol * 0.4
    high = np.maximum(np.ceil(np.maximum(open_, close) * np.exp(wick[0]) / tick) * tick, np.maximum(open_, close))
    low = np.minimum(
        np.maximum(np.floor(np.minimum(open_, close) * np.exp(-wick[1]) / tick) * tick, tick), np.minimum(open_, close)
    )
    volume = np.round(rng.lognormal(3, 0.8, len(ts)) * (1 + np.abs(returns) / np.maximum(step_vol, 1e-12)), 4)
    return pd.DataFrame(
        {
            "symbol": symbol,
            "ts": ts,
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": volume,
            "trades": rng.poisson(20, len(ts)).astype(float),
        }
    )


def flatten(frame: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """o = h = l = c at the close before `start`, for the bars in [start, end)."""
    inside = (frame["ts"] >= start) & (frame["ts"] < end)
    level = float(frame.loc[frame["ts"] < start, "close"].iloc[-1])
    frame.loc[inside, ["open", "high", "low", "close"]] = level
    return frame


@cache
def profile_bars() -> pd.DataFrame:
    """Every bar of the test (FRAME_COLUMNS), sorted."""
    end, start = _epoch(END), _epoch(END) - 420 * DAY
    trend_calm_swing = [(0.35, 0.006, 0.03), (0.25, 0.0, 0.012), (0.2, -0.008, 0.05), (0.2, 0.004, 0.025)]
    frames = [
        walk("TRENDUSD", start, end, 1, trend_calm_swing, 120.0),
        walk("SWINGUSD", start, end, 2, [(0.3, -0.005, 0.06), (0.3, 0.007, 0.02), (0.4, 0.0, 0.08)], 0.8),
        walk("CALMUSD", start, end, 3, [(0.5, 0.0, 0.01), (0.5, 0.001, 0.015)], 3.0),
        walk("DRIFTUSD", start, end, 4, [(0.6, 0.003, 0.035), (0.4, -0.004, 0.03)], 25000.0),
        walk("WILDUSD", start, end, 5, [(0.2, 0.0, 0.02), (0.1, 0.0, 0.15), (0.7, 0.002, 0.04)], 0.0042),
    ]
    # three whole days missing 200 days back, two days inside the baselines, and single hours
    gappy = frames[0].assign(symbol="GAPPYUSD")
    t = gappy["ts"]
    gone = ((t >= end - 200 * DAY) & (t < end - 197 * DAY)) | ((t >= end - 41 * DAY) & (t < end - 39 * DAY))
    gone |= (t >= end - 30 * DAY) & (t % (7 * HOUR) < HOUR)
    frames.append(gappy[~gone])
    flat = walk("FLATUSD", start, end, 6, [(0.5, 0.002, 0.03), (0.5, -0.001, 0.02)], 7.5)
    flat = flatten(flat, end - 330 * DAY, end - 230 * DAY)  # 100 days: zero returns, m2 = 0
    flat = flatten(flat, end - 80 * DAY, end - 20 * DAY)  # 60 of the 90 baseline days: IQR 0, zero band width
    no_volume = (flat["ts"] >= end - 50 * DAY) & (flat["ts"] < end - 48 * DAY)
    flat.loc[no_volume, "volume"] = 0.0
    past = _epoch(PAST_AS_OF)
    # flat again when the past as_of comes: its profile candles equal baseline values (ROC, %R, CCI of 0)
    flat = flatten(flat, past - 30 * HOUR, past + 2 * HOUR)
    frames.append(flat)
    frames.append(walk("SHORTUSD", past - 10 * HOUR, end, 7, [(1.0, 0.05, 0.05)], 2.0))
    frames.append(walk("NEWUSD", end - 2 * DAY, end, 8, [(1.0, 0.1, 0.05)], 10.0))
    bars = pd.concat(frames, ignore_index=True)
    return bars.sort_values(["symbol", "ts"]).reset_index(drop=True)


def load(target, bars: pd.DataFrame) -> None:
    load_batches(target, [validate_frame(str(s), g.reset_index(drop=True)) for s, g in bars.groupby("symbol")])


def run(common, select: str, *args: str, **extra) -> dict[str, str]:
    result = dbt_runner.invoke(
        [args[0] if args else "run", "--select", select, *args[1:]], **common, vars={**VARS, **extra}
    )
    statuses = dbt_runner.statuses(result)
    assert set(statuses.values()) <= {"success", "pass"}, statuses
    return statuses


def fetch(target, relation: str, columns: list[str]) -> pd.DataFrame:
    quoted = ", ".join(quote_ident(target, c) for c in columns)
    frame = pd.DataFrame(query(target, f"select {quoted} from {target.relation(relation)}"), columns=columns)
    for column in columns:
        if column in ("symbol", "cohort", "interval", "regime"):
            continue
        if column in ("as_of", "candle_at", "regime_date"):
            frame[column] = pd.to_datetime(frame[column])
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def members(target) -> list[tuple[str, str]]:
    """Each cohort's members in rank order (a select without order by comes in any order)."""
    return [
        (cohort, symbol)
        for cohort in ("gainers", "losers", "overlaps")
        for (symbol,) in query(target, f"select symbol from {target.relation('habitual_' + cohort)} "
                                       f"order by {quote_ident(target, 'rank')}")
    ]


def run_as_of(target) -> datetime:
    return query(target, f"select as_of from {target.relation('leaderboard_run')}")[0][0]


def reference_tables(bars: pd.DataFrame) -> tuple[dict, dict, pd.DataFrame]:
    """The reference candles and TA-Lib indicators per interval, and the regime table, of `bars`."""
    frame = bars.assign(bar_at=pd.to_datetime(bars["ts"], unit="s", utc=True))
    now = datetime.now(UTC)
    candle_tables = {i: candles(frame, s, now) for i, s in INTERVALS.items()}
    indicator_tables = {i: indicators(t) for i, t in candle_tables.items()}
    return candle_tables, indicator_tables, regime_daily(candle_tables["1d"], indicator_tables["1d"])


def assert_agree(ours: pd.DataFrame, ref: pd.DataFrame, key: tuple[str, ...], scales: dict, what: str) -> None:
    problems = agree(ours, ref, key, scales)
    assert not problems, f"{what}: {len(problems)} cells differ: " + "; ".join(problems[:8])


def test_catalog_matches_the_reference_and_the_files_are_generated():
    assert list(REGIME_COLUMNS) == list(REFERENCE_REGIME_COLUMNS)
    assert list(profile_columns()) == list(REFERENCE_PROFILE_COLUMNS)
    assert list(FEATURES) == [c for c in REFERENCE_PROFILE_COLUMNS if f"{c}_pctile" in REFERENCE_PROFILE_COLUMNS]
    for path, text in outputs().items():
        assert path.read_text() == text, "run: python -m pipeline.profile_catalog --write"


def as_of_var(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def expected(bars: pd.DataFrame, tables, as_of: datetime, cohort_members) -> pd.DataFrame:
    candle_tables, indicator_tables, regimes = tables
    return cohort_profiles(candle_tables, indicator_tables, cohort_members, as_of, regimes)


@engines_param()
def test_profiles_equal_the_reference_through_reruns(warehouse, profiles_dir, tmp_path):
    target = warehouse
    # the runs at the past as_of share a target folder: the same vars, so the second one parses partially
    past_common = {"target": target.name, "target_path": tmp_path / "target_past", "log_path": tmp_path / "logs"}
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    profile_key, regime_key = ("cohort", "symbol", "interval"), ("symbol", "regime_date")
    profile_columns_, regime_columns = list(REFERENCE_PROFILE_COLUMNS), list(REFERENCE_REGIME_COLUMNS)
    bars = profile_bars()
    past = _epoch(PAST_AS_OF)

    # a warehouse that only ever held the bars before the past as_of, built at that as_of
    first = bars[bars["ts"] < past]
    load(target, first)
    statuses = run(past_common, "+profiles", as_of=as_of_var(PAST_AS_OF))
    assert {"candles_1d", "indicators_1h", "habitual_losers", "symbol_regime_daily", "cohort_profiles"} <= set(statuses)
    first_tables = reference_tables(first)
    first_regimes = fetch(target, "symbol_regime_daily", regime_columns)
    assert_agree(first_regimes, first_tables[2], regime_key, REFERENCE_REGIME_COLUMNS, "first build: regimes")
    first_members = members(target)
    first_profiles = fetch(target, "cohort_profiles", profile_columns_)
    assert_agree(
        first_profiles,
        expected(first, first_tables, PAST_AS_OF, first_members),
        profile_key,
        REFERENCE_PROFILE_COLUMNS,
        "first build: profiles",
    )
    # the data reach what they are for: every regime, full baselines, the short and the flat symbol profiled
    assert set(first_regimes["regime"].dropna()) == set(REGIMES)
    assert first_regimes["rv_30d_pctile_365d"].notna().sum() > 1000 and first_regimes["skew_90d"].isna().sum() > 300
    assert {"SHORTUSD", "FLATUSD"} <= {s for _, s in first_members} and "NEWUSD" not in {s for _, s in first_members}
    short = first_profiles[first_profiles["symbol"] == "SHORTUSD"]
    assert len(short) and short["rsi_14_pctile"].isna().all() and (short["baseline_n"] < 30).all()
    flat = first_profiles[(first_profiles["symbol"] == "FLATUSD") & (first_profiles["interval"] == "1h")]
    assert (flat["roc_10"] == 0).all() and flat["roc_10_z"].isna().all() and flat["cci_20_z"].isna().all(), "IQR 0"
    assert flat["bb_position"].isna().all() and first_profiles["bb_position_pctile"].notna().sum() > 40

    # the rest of the bars; the incremental run at the current time re-does the partial last day and adds a member
    load(target, bars[bars["ts"] >= past])
    run(common, "+profiles")
    as_of = run_as_of(target)
    tables = reference_tables(bars)
    regimes = fetch(target, "symbol_regime_daily", regime_columns)
    assert_agree(regimes, tables[2], regime_key, REFERENCE_REGIME_COLUMNS, "incremental run: regimes")
    now_members = members(target)
    assert ("gainers", "NEWUSD") in now_members
    profiles = fetch(target, "cohort_profiles", profile_columns_)
    assert_agree(
        profiles,
        expected(bars, tables, as_of, now_members),
        profile_key,
        REFERENCE_PROFILE_COLUMNS,
        "incremental run: profiles",
    )
    assert len(profiles[profiles["symbol"] == "NEWUSD"]) == 3 * len([m for m in now_members if m[1] == "NEWUSD"])

    # the past as_of again, over every bar, with a full refresh: the same profiles as the warehouse that held no
    # later bar, and the regime table equal to the incrementally built one; the YAML's tests pass
    statuses = run(
        past_common,
        "leaderboards profiles",
        "build",
        "--full-refresh",
        "--exclude",
        "resource_type:test,leaderboards",
        as_of=as_of_var(PAST_AS_OF),
    )
    tests = [name for name, status in statuses.items() if status == "pass"]
    assert len(tests) >= 15 and all("profiles" in name or "regime" in name for name in tests), statuses
    assert members(target) == first_members
    assert_agree(
        fetch(target, "cohort_profiles", profile_columns_),
        first_profiles,
        profile_key,
        REFERENCE_PROFILE_COLUMNS,
        "later bars leak into a past as_of",
    )
    assert_agree(
        fetch(target, "symbol_regime_daily", regime_columns),
        regimes,
        regime_key,
        REFERENCE_REGIME_COLUMNS,
        "full refresh against the incremental table",
    )
    if target.is_mysql_family:
        keys = query(
            target,
            "select column_name from information_schema.statistics where table_schema = "
            f"'{target.schema}' and table_name = 'symbol_regime_daily' and index_name = 'PRIMARY' "
            "order by seq_in_index",
        )
        assert [k[0] for k in keys] == ["symbol", "regime_date"]

    # the cron line at an as_of before every bar: empty cohorts, no row, no error
    run(common, "leaderboards profiles", as_of=as_of_var(END - timedelta(days=500)))
    assert members(target) == []
    assert query(target, f"select count(*) from {target.relation('cohort_profiles')}") == [(0,)]


@engines_param(spark=True)
def test_regime_rows_of_removed_bars_go(warehouse, profiles_dir, tmp_path):
    """Bars removed (a bad batch taken out) take their regime days with them: the last day of a symbol that stopped
    yesterday, its newest candle (the next run picks it up: on Spark its month is rewritten with the rows it keeps)
    and, with recompute_from, the whole first month of every symbol (on Spark a partition left with no row is
    dropped). The table then equals the reference of the remaining bars. Only the daily candles and indicators are
    built."""
    target = warehouse
    common = {"target": target.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    daily = {"candle_intervals": ["1d"], "indicator_intervals": ["1d"], "profile_intervals": ["1d"]}
    end = _epoch(END)
    start, yesterday = end - 75 * DAY, end // DAY * DAY - DAY
    bars = pd.concat(
        [
            walk("TRENDUSD", start, end, 1, [(0.5, 0.01, 0.03), (0.5, -0.004, 0.02)], 120.0),
            walk("SWINGUSD", start, yesterday + DAY, 2, [(1.0, 0.0, 0.06)], 0.8),
            walk("CALMUSD", start, end, 3, [(1.0, 0.001, 0.01)], 3.0),
        ],
        ignore_index=True,
    )
    next_month = (datetime.fromtimestamp(start, UTC).replace(day=1) + timedelta(days=32)).replace(day=1)
    first_month_end = int(next_month.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())

    def regimes_of(kept: pd.DataFrame) -> pd.DataFrame:
        frame = kept.assign(bar_at=pd.to_datetime(kept["ts"], unit="s", utc=True))
        candles_1d = candles(frame, DAY, datetime.now(UTC))
        return regime_daily(candles_1d, indicators(candles_1d))

    def check(kept: pd.DataFrame, what: str) -> None:
        ours = fetch(target, "symbol_regime_daily", list(REFERENCE_REGIME_COLUMNS))
        assert_agree(ours, regimes_of(kept), ("symbol", "regime_date"), REFERENCE_REGIME_COLUMNS, what)

    load(target, bars)
    run(common, "+symbol_regime_daily", **daily)
    check(bars, "first build")
    swing_newest = (bars["symbol"] == "SWINGUSD") & (bars["ts"] >= yesterday)
    delete_bars(target, f"symbol = 'SWINGUSD' and timestamp >= '{datetime.fromtimestamp(yesterday, UTC):%Y-%m-%d}'")
    run(common, "+symbol_regime_daily", **daily)
    check(bars[~swing_newest], "the newest day of a symbol that stopped removed")
    first_month = bars["ts"] < first_month_end
    assert (bars["ts"] < first_month_end - DAY).any()  # at least one whole day goes
    delete_bars(target, f"timestamp < '{datetime.fromtimestamp(first_month_end, UTC):%Y-%m-%d}'")
    since = f"{datetime.fromtimestamp(start, UTC):%Y-%m-%d}"
    run(common, "+symbol_regime_daily", **daily, recompute_from=since)
    check(bars[~swing_newest & ~first_month], "the first month removed")
    cut = f"{datetime.fromtimestamp(first_month_end, UTC):%Y-%m-%d}"
    stale = f"select count(*) from {target.relation('symbol_regime_daily')} where regime_date < '{cut}'"
    assert query(target, stale) == [(0,)]


def test_bad_profile_vars_and_the_selectors(warehouse, profiles_dir, tmp_path):
    """DuckDB (the checks run before any SQL): a bad var is one line naming it; the selectors pick the models."""
    common = {"target": warehouse.name, "target_path": tmp_path / "target", "log_path": tmp_path / "logs"}
    bad = [
        ({"profile_intervals": ["1h", "1w"]}, 'var profile_intervals: unknown interval "1w"'),
        (
            {"profile_intervals": ["4h"], "indicator_intervals": ["1h"]},
            "var profile_intervals: 4h needs its indicators",
        ),
        ({"baseline_days": 2.5}, "var baseline_days: expected a whole number"),
    ]
    for extra, message in bad:
        with pytest.raises(JobFailed, match=message) as failure:
            dbt_runner.invoke(["run", "--select", "stg_ohlcvt"], vars=extra, **common)
        assert "Traceback" not in str(failure.value)

    def selected(selector: str) -> list[str]:
        result = dbt_runner.invoke(
            ["ls", "--resource-type", "model", "--output", "name", "--select", selector], **common
        )
        return sorted(result.result)

    assert selected("profiles") == selected("tag:profiles") == ["cohort_profiles", "symbol_regime_daily"]
    upstream = set(selected("+profiles"))
    assert {"candles_1d", "indicators_4h", "habitual_overlaps", "leaderboard_run", "stg_ohlcvt"} <= upstream
    assert not [name for name in upstream if name.startswith("ohlc_metrics")]
