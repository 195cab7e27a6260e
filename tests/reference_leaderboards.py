"""A plain pandas/numpy implementation of ../shared/spec/leaderboards.md, as the original computed it.

The dbt models must give the same result. This module works on the bars themselves (one frame,
every symbol), the way the original resampled them, and shares no code with the models.
The project's documented choices (docs/leaderboards.md) are followed here too:
- a change against a zero or unknown previous value is undefined (NaN) and takes no rank;
- a window whose bars all lack volume has an unknown volume (pandas `sum(min_count=1)`);
- values within 1e-9 (relative) of a cut count as equal to it: |deviation| at a level cut, and
  the centroid distance at the Balanced threshold (mathematical ties must not split on rounding);
- `complete_windows_only` drops the windows the lookback start or as_of cut through.
bench/bench_leaderboards.py times this on bars pulled from MariaDB, as the original did.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from pipeline.project import project_var

BOARDS = (  # (board, measure column, sign, bucket name pattern)
    ("loss", "price_change_pct", -1, "price_{w}h_loss"),
    ("gain", "price_change_pct", 1, "price_{w}h_gain"),
    ("volume_drop", "volume_change_pct", -1, "vol_{w}h_drop"),
    ("volume_spike", "volume_change_pct", 1, "vol_{w}h_spike"),
)
RANK_COLUMNS = {"loss": "loss_rank", "gain": "gain_rank", "volume_drop": "volume_drop_rank",
                "volume_spike": "volume_spike_rank"}
TOLERANCE = 1e-9  # relative; see docs/leaderboards.md


@dataclass
class Params:
    """The leaderboard vars; what a test does not set is the var's default in dbt_project.yml."""
    as_of: datetime
    top_n: int = field(default_factory=lambda: project_var("top_n"))
    lookback_days: int = field(default_factory=lambda: project_var("lookback_days"))
    fresh_within_hours: int = field(default_factory=lambda: project_var("fresh_within_hours"))
    windows: tuple[int, ...] = field(default_factory=lambda: tuple(project_var("leaderboard_window_hours")))
    complete_windows_only: bool = field(default_factory=lambda: project_var("complete_windows_only"))


@dataclass
class Result:
    windows: pd.DataFrame
    bucket_counts: pd.DataFrame
    cohorts: dict[str, pd.DataFrame] = field(default_factory=dict)
    skew: pd.DataFrame | None = None
    universe: list[str] = field(default_factory=list)
    used_bars: dict[str, int] = field(default_factory=dict)


def _epoch(ts: pd.Series) -> np.ndarray:
    return ts.to_numpy(dtype="datetime64[s]").astype(np.int64)


def lookback_bars(bars: pd.DataFrame, p: Params) -> pd.DataFrame:
    """Step 1: the bars of fresh symbols inside [as_of - lookback, as_of)."""
    as_of = pd.Timestamp(p.as_of)
    before = bars[bars["timestamp"] < as_of]
    latest = before.groupby("symbol", observed=True)["timestamp"].max()
    fresh = latest[latest >= as_of - timedelta(hours=p.fresh_within_hours)].index
    start = as_of - timedelta(days=p.lookback_days)
    used = before[before["symbol"].isin(fresh) & (before["timestamp"] >= start)]
    return used.sort_values(["symbol", "timestamp"], kind="stable").reset_index(drop=True)


def disjoint_windows(bars: pd.DataFrame, hours: int, p: Params) -> pd.DataFrame:
    """Step 2 for one window size: close and volume per epoch-aligned bucket, vs the previous one."""
    seconds = hours * 3600
    frame = bars.assign(window_epoch=_epoch(bars["timestamp"]) // seconds * seconds)
    grouped = frame.groupby(["symbol", "window_epoch"], sort=True, observed=True)
    windows = pd.DataFrame({
        "close": grouped["close"].last(),
        "volume": grouped["volume"].sum(min_count=1),
    }).reset_index()
    if p.complete_windows_only:
        as_of = int(pd.Timestamp(p.as_of).timestamp())
        start = as_of - p.lookback_days * 86400
        windows = windows[(windows["window_epoch"] >= start) & (windows["window_epoch"] + seconds <= as_of)]
    by_symbol = windows.groupby("symbol", observed=True)
    windows = windows.assign(previous_close=by_symbol["close"].shift(), previous_volume=by_symbol["volume"].shift(),
                             previous_epoch=by_symbol["window_epoch"].shift())
    windows = windows[windows["previous_epoch"].notna()].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        prev_close = windows["previous_close"].where(windows["previous_close"] != 0)
        prev_volume = windows["previous_volume"].where(windows["previous_volume"] != 0)
        windows["price_change_pct"] = (windows["close"] / prev_close - 1) * 100
        windows["volume_change_pct"] = (windows["volume"] / prev_volume - 1) * 100
    windows.insert(1, "window_hours", hours)
    return windows.reset_index(drop=True)


def rank_boards(windows: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """Step 3: the top-N of each board per window size and start; ties by symbol."""
    windows = windows.copy()
    for board, column, sign, _ in BOARDS:
        rank = pd.Series(pd.NA, index=windows.index, dtype="Int64")
        candidates = windows[(windows[column] * sign) > 0]
        for _, group in candidates.groupby(["window_hours", "window_epoch"], sort=False):
            ordered = group.assign(key=group[column] * -sign).sort_values(["key", "symbol"], kind="stable")
            top = ordered.index[:top_n]
            rank.loc[top] = np.arange(1, len(top) + 1)
        windows[RANK_COLUMNS[board]] = rank
    return windows


def appearances_in_order(windows: pd.DataFrame, board: str) -> list[tuple[str, int, int, int]]:
    """(symbol, window_hours, window_epoch, rank) of one board, in the original's tally order."""
    column = RANK_COLUMNS[board]
    rows = windows[windows[column].notna()]
    rows = rows.sort_values(["window_hours", "window_epoch", column], kind="stable")
    return [(s, int(w), int(e), int(r)) for s, w, e, r in
            zip(rows["symbol"], rows["window_hours"], rows["window_epoch"], rows[column], strict=True)]


def compute(bars: pd.DataFrame, p: Params) -> Result:
    """Every relation of the spec from sane bars (symbol, timestamp, close, volume)."""
    used = lookback_bars(bars, p)
    parts = [disjoint_windows(used, w, p) for w in sorted(p.windows)]
    windows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    windows = rank_boards(windows, p.top_n)

    # Step 4: tallies, in the original's insertion order.
    losses, gains = Counter(), Counter()
    buckets: Counter[tuple[str, str]] = Counter()
    for board, _, _, pattern in BOARDS:
        for symbol, hours, _, _ in appearances_in_order(windows, board):
            buckets[(symbol, pattern.format(w=hours))] += 1
            if board == "loss":
                losses[symbol] += 1
            elif board == "gain":
                gains[symbol] += 1
    bucket_counts = pd.DataFrame([(s, b, n) for (s, b), n in buckets.items()],
                                 columns=["symbol", "bucket", "appearances"])

    # Step 5: cohorts. Counter.most_common is a stable sort: ties keep insertion order.
    losers = [s for s, _ in losses.most_common(p.top_n)]
    gainers = [s for s, _ in gains.most_common(p.top_n)]
    max_gain = max(gains.values(), default=0)
    max_loss = max(losses.values(), default=0)
    scores = {}
    for symbol in set(gains) | set(losses):
        g = gains[symbol] / max_gain if max_gain else 0.0
        lo = losses[symbol] / max_loss if max_loss else 0.0
        scores[symbol] = min(g, lo)
    overlaps = [s for s, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:p.top_n]]

    # Step 6: latest 24h window per symbol.
    day = windows[windows["window_hours"] == 24].sort_values("window_epoch").groupby("symbol").tail(1)
    latest = day.set_index("symbol")[["price_change_pct", "volume_change_pct"]]

    result = Result(windows=windows, bucket_counts=bucket_counts, universe=sorted(used["symbol"].unique()),
                    used_bars=used.groupby("symbol").size().to_dict())
    skew_rows = []
    for cohort, members in (("gainers", gainers), ("losers", losers), ("overlaps", overlaps)):
        profiles, rows = skew_profile(cohort, members, buckets)
        skew_rows += rows
        result.cohorts[cohort] = pd.DataFrame([{
            "symbol": s,
            "rank": i + 1,
            "gain_count": gains[s],
            "loss_count": losses[s],
            "overlap_score": scores[s],
            "price_change_24h": latest["price_change_pct"].get(s, np.nan),
            "volume_change_24h": latest["volume_change_pct"].get(s, np.nan),
            "centroid_distance": profiles.get(s, (np.nan, ""))[0],
            "profile_tags": profiles.get(s, (np.nan, ""))[1],
        } for i, s in enumerate(members)], columns=[
            "symbol", "rank", "gain_count", "loss_count", "overlap_score", "price_change_24h",
            "volume_change_24h", "centroid_distance", "profile_tags"])
    result.skew = pd.DataFrame(skew_rows, columns=["cohort", "symbol", "bucket", "level", "deviation_pct"])
    return result


def skew_profile(cohort: str, members: list[str], buckets: Counter) -> tuple[dict, list]:
    """Step 7 for one cohort: {symbol: (centroid distance, tags)} and the skew rows."""
    tallies = {s: {b: n for (sym, b), n in buckets.items() if sym == s} for s in members}
    names = sorted({b for t in tallies.values() for b in t})
    kept = [s for s in members if sum(tallies[s].values()) > 0]
    if not kept or not names:
        return {}, []
    vectors = np.array([[tallies[s].get(b, 0) for b in names] for s in kept], dtype=float)
    vectors = vectors / vectors.sum(axis=1, keepdims=True)
    centroid = vectors.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        deviation = np.where(centroid == 0, 0.0, (vectors - centroid) / centroid * 100)
    p95, p75, p50 = np.percentile(np.abs(deviation), [95, 75, 50])
    rows = []
    for i, s in enumerate(kept):
        for j, b in enumerate(names):
            d = deviation[i, j]
            level = ("heavy" if reaches(abs(d), p95) else "moderate" if reaches(abs(d), p75)
                     else "slight" if reaches(abs(d), p50) else None)
            if level:
                rows.append((cohort, s, b, level, float(d)))
    distances = np.linalg.norm(vectors - centroid, axis=1)
    threshold = distances.mean() + distances.std()
    profiles = {}
    for i, s in enumerate(kept):
        t = tallies[s]
        vol = sum(n for b, n in t.items() if b.startswith("vol_"))
        price = sum(n for b, n in t.items() if b.startswith("price_"))
        short = sum(n for b, n in t.items() if _hours(b) <= 24)
        long = sum(n for b, n in t.items() if _hours(b) > 24)
        tags = []
        if vol > 1.5 * price:
            tags.append("Vol Mover")
        if short > 1.5 * long:
            tags.append("Short-Term")
        elif long > 1.5 * short:
            tags.append("Long-Term")
        if distances[i] < threshold - TOLERANCE * abs(threshold):
            tags.append("Balanced")
        profiles[s] = (float(distances[i]), ", ".join(tags))
    return profiles, rows


def reaches(value: float, cut: float) -> bool:
    """value >= cut, where a value within the tolerance below a cut counts as equal to it."""
    return value >= cut * (1 - TOLERANCE)


def _hours(bucket: str) -> int:
    return int(bucket.split("_")[1].rstrip("h"))
