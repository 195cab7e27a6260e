"""The leaderboards reference (tests/reference_leaderboards.py) on cases worked out by hand.

The dbt models are checked against this reference, so the reference itself is checked here
against ../shared/spec/leaderboards.md by hand: every expected number below is arithmetic on the
bars written in the test, not output of the reference.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta

import pandas as pd
import pytest

from reference_leaderboards import Params, compute, disjoint_windows, lookback_bars, skew_profile

D = datetime(2026, 1, 1)  # a Thursday, 00:00 UTC: epoch 1767225600 = 2922 weeks, so every bucket size starts here
AS_OF = D + timedelta(hours=36)
EPOCH_D = 1767225600
H = 3600


def bars(rows: list[tuple[str, datetime, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["symbol", "timestamp", "close", "volume"])


# One bar per 6 h bucket i (D + 6h*i, i = 0..5) unless noted; closes and volumes per bucket.
CLOSES = {"AAA": [100, 80, 80, 100, 100, 50], "XYZ": [10, 8, 10, 10, 12, 6], "CCC": [1, 1, None, 1, 1, 2]}
VOLUMES = {"AAA": [1, 1, 1, 1, 1, 1], "XYZ": [1, 1, 1, 1, 2, 1], "CCC": [1, 1, None, 1, 0, 3]}


def three_symbols() -> pd.DataFrame:
    rows = []
    for symbol, closes in CLOSES.items():
        for i, (close, volume) in enumerate(zip(closes, VOLUMES[symbol], strict=True)):
            if close is not None:  # CCC has no bar in bucket 2: that bucket does not exist
                rows.append((symbol, D + timedelta(hours=6 * i, minutes=5), close, volume))
    rows += [
        ("AAA", D + timedelta(minutes=1), 999.0, 0.0),  # bucket 0 again, earlier: AAA's bucket 0 still closes at 100
        ("AAA", AS_OF - timedelta(days=30, minutes=1), 1.0, 1.0),  # before as_of - 30 d: not used
        ("AAA", AS_OF, 1e6, 1.0),  # at as_of: ignored
        ("STALE", D + timedelta(hours=11, minutes=59), 5.0, 1.0),  # latest bar before as_of - 24 h: not fresh
        ("STALE", D, 1.0, 1.0),
    ]
    return bars(rows).sort_values(["symbol", "timestamp"], ignore_index=True)


def test_universe_and_lookback():
    used = lookback_bars(three_symbols(), Params(as_of=AS_OF))
    # as_of - 24 h = D + 12h; STALE's latest bar is one minute earlier. AAA: 6 bucket bars + the
    # extra bucket-0 bar; its bar at as_of and its bar 30 d + 1 min before as_of are out.
    assert sorted(used["symbol"].unique()) == ["AAA", "CCC", "XYZ"]
    assert used.groupby("symbol").size().to_dict() == {"AAA": 7, "XYZ": 6, "CCC": 5}
    assert used["timestamp"].min() == D + timedelta(minutes=1)
    assert used["timestamp"].max() == D + timedelta(hours=30, minutes=5)


def test_six_hour_windows_by_hand():
    w = disjoint_windows(lookback_bars(three_symbols(), Params(as_of=AS_OF)), 6, Params(as_of=AS_OF))
    by = {s: g.reset_index(drop=True) for s, g in w.groupby("symbol")}
    epoch = EPOCH_D
    # the first bucket has no previous one: buckets 1..5 remain (CCC: 1, 3, 4, 5, no bucket 2)
    assert by["AAA"]["window_epoch"].tolist() == [epoch + 6 * H * i for i in range(1, 6)]
    assert by["CCC"]["window_epoch"].tolist() == [epoch + 6 * H * i for i in (1, 3, 4, 5)]
    # AAA closes 100, 80, 80, 100, 100, 50: (80/100 - 1) * 100 = -20, 0, (100/80 - 1) * 100 = 25, 0, -50
    assert by["AAA"]["price_change_pct"].tolist() == pytest.approx([-20, 0, 25, 0, -50], rel=1e-12, abs=1e-12)
    # XYZ 10, 8, 10, 10, 12, 6: -20, 25, 0, 20, -50; volumes 1, 1, 1, 1, 2, 1: 0, 0, 0, +100, -50
    assert by["XYZ"]["price_change_pct"].tolist() == pytest.approx([-20, 25, 0, 20, -50], rel=1e-12, abs=1e-12)
    assert by["XYZ"]["volume_change_pct"].tolist() == pytest.approx([0, 0, 0, 100, -50], abs=1e-12)
    # CCC's bucket 3 is compared with bucket 1, the previous one that exists. Volumes 1, 1, 1, 0, 3:
    # 0, 0, (0/1 - 1) * 100 = -100, then 3 against 0: undefined (docs/leaderboards.md: NaN, no rank)
    assert by["CCC"]["previous_epoch"].tolist()[1] == epoch + 6 * H
    assert by["CCC"]["volume_change_pct"].tolist()[:3] == pytest.approx([0, 0, -100], abs=1e-12)
    assert math.isnan(by["CCC"]["volume_change_pct"].tolist()[3])
    assert by["CCC"]["price_change_pct"].tolist() == pytest.approx([0, 0, 0, 100], abs=1e-12)
    # bucket 0 of AAA: close of its latest bar (100 at D + 5 min, not 999 at D + 1 min), volume 1 + 0
    assert by["AAA"]["previous_close"][0] == 100 and by["AAA"]["previous_volume"][0] == 1


def test_weekly_buckets_start_on_thursday():
    # Wednesday 23:59 and Thursday 00:01 are in different 168 h buckets; the second starts at D
    frame = bars([("AAA", D - timedelta(minutes=1), 10.0, 1.0), ("AAA", D + timedelta(minutes=1), 11.0, 4.0)])
    p = Params(as_of=D + timedelta(hours=1))
    w = disjoint_windows(lookback_bars(frame, p), 168, p)
    assert w["window_epoch"].tolist() == [EPOCH_D]
    assert D.weekday() == 3 and (D - datetime(1970, 1, 1)).total_seconds() == EPOCH_D == 2922 * 7 * 86400
    # (11/10 - 1) * 100 = 10, (4/1 - 1) * 100 = 300
    assert w["price_change_pct"].tolist() == pytest.approx([10], rel=1e-12)
    assert w["volume_change_pct"].tolist() == pytest.approx([300], rel=1e-12)


def test_boards_tallies_and_cohorts_by_hand():
    result = compute(three_symbols(), Params(as_of=AS_OF, top_n=2, windows=(6, 24)))
    w = result.windows

    def board(hours, rank_column):  # (bucket index from D, symbol, rank) in rank order
        rows = w[(w["window_hours"] == hours) & w[rank_column].notna()].sort_values(["window_epoch", rank_column])
        return [(int(e - EPOCH_D) // (hours * H), s, int(r))
                for e, s, r in zip(rows["window_epoch"], rows["symbol"], rows[rank_column], strict=True)]

    # 6 h changes (test above), top 2 per window start, equal values: the smaller symbol first.
    # bucket 1: AAA -20, XYZ -20, CCC 0 -> losers AAA 1, XYZ 2; bucket 5: AAA -50, XYZ -50, CCC +100
    assert board(6, "loss_rank") == [(1, "AAA", 1), (1, "XYZ", 2), (5, "AAA", 1), (5, "XYZ", 2)]
    # bucket 2: XYZ +25; 3: AAA +25; 4: XYZ +20; 5: CCC +100
    assert board(6, "gain_rank") == [(2, "XYZ", 1), (3, "AAA", 1), (4, "XYZ", 1), (5, "CCC", 1)]
    # volumes: bucket 4 XYZ +100, CCC -100; bucket 5 XYZ -50, CCC undefined (previous volume 0)
    assert board(6, "volume_spike_rank") == [(4, "XYZ", 1)]
    assert board(6, "volume_drop_rank") == [(4, "CCC", 1), (5, "XYZ", 1)]
    # 24 h: day D closes at bucket 3 (AAA 100, XYZ 10, CCC 1), day D+1 at bucket 5 (50, 6, 2):
    # AAA -50, XYZ -40, CCC +100. Volumes 4, 4, 3 (CCC: 1 + 1 + 1) then 2, 3, 3:
    # AAA (2/4 - 1) * 100 = -50, XYZ -25, CCC (3/3 - 1) * 100 = 0
    assert board(24, "loss_rank") == [(1, "AAA", 1), (1, "XYZ", 2)]
    assert board(24, "gain_rank") == [(1, "CCC", 1)]
    assert board(24, "volume_drop_rank") == [(1, "AAA", 1), (1, "XYZ", 2)]

    # tallies: losses AAA 3, XYZ 3; gains XYZ 2, AAA 1, CCC 2
    cohorts = result.cohorts
    # loss tie 3-3: AAA entered the loss tally first (6 h bucket 1, rank 1)
    assert cohorts["losers"]["symbol"].tolist() == ["AAA", "XYZ"]
    # gain tie 2-2: XYZ's first gain (6 h bucket 2) comes before CCC's (6 h bucket 5); by name CCC would lead
    assert cohorts["gainers"]["symbol"].tolist() == ["XYZ", "CCC"]
    assert cohorts["gainers"][["gain_count", "loss_count"]].values.tolist() == [[2, 3], [2, 0]]
    # overlap: max gain 2, max loss 3: AAA min(1/2, 3/3) = 0.5, XYZ min(2/2, 3/3) = 1, CCC min(2/2, 0) = 0
    assert cohorts["overlaps"]["symbol"].tolist() == ["XYZ", "AAA"]
    assert cohorts["overlaps"]["overlap_score"].tolist() == [1.0, 0.5]
    # latest 24 h window (day D+1): price -50, -40; volume -50, -25
    losers = cohorts["losers"].set_index("symbol")
    assert losers["price_change_24h"].tolist() == pytest.approx([-50, -40], rel=1e-12)
    assert losers["volume_change_24h"].tolist() == pytest.approx([-50, -25], rel=1e-12)
    assert result.universe == ["AAA", "CCC", "XYZ"]
    counts = {(s, b): n for s, b, n in result.bucket_counts.itertuples(index=False)}
    assert counts == {("AAA", "price_6h_loss"): 2, ("XYZ", "price_6h_loss"): 2, ("AAA", "price_24h_loss"): 1,
                      ("XYZ", "price_24h_loss"): 1, ("XYZ", "price_6h_gain"): 2, ("AAA", "price_6h_gain"): 1,
                      ("CCC", "price_6h_gain"): 1, ("CCC", "price_24h_gain"): 1, ("CCC", "vol_6h_drop"): 1,
                      ("XYZ", "vol_6h_drop"): 1, ("AAA", "vol_24h_drop"): 1, ("XYZ", "vol_24h_drop"): 1,
                      ("XYZ", "vol_6h_spike"): 1}


def test_skew_levels_distances_and_tags_by_hand():
    buckets = Counter({
        ("A", "price_6h_loss"): 3, ("A", "price_168h_loss"): 1,
        ("B", "price_6h_loss"): 1, ("B", "price_168h_loss"): 1,
        ("C", "price_6h_loss"): 1, ("C", "price_168h_loss"): 3,
        ("D", "vol_24h_spike"): 1,
        ("Z", "price_6h_gain"): 9,  # not a member: no effect
    })
    profiles, rows = skew_profile("losers", ["A", "B", "C", "D", "E"], buckets)  # E has no tally: left out
    # buckets (sorted) price_168h_loss, price_6h_loss, vol_24h_spike; vectors
    # A (1/4, 3/4, 0), B (1/2, 1/2, 0), C (3/4, 1/4, 0), D (0, 0, 1); centroid (3/8, 3/8, 1/4).
    # deviations (v - c) / c * 100: A (-33.3, 100, -100), B (33.3, 33.3, -100), C (100, -33.3, -100),
    # D (-100, -100, 300). |dev| sorted: 33.3 x4, 100 x7, 300: p50 at position 5.5 = 100,
    # p75 at 8.25 = 100, p95 at 10.45 = 100 + 0.45 * 200 = 190.
    # heavy >= 190, moderate >= 100, slight >= 100 (never reached first), 33.3: no row.
    assert [(s, b, level, round(d, 9)) for _, s, b, level, d in rows] == [
        ("A", "price_6h_loss", "moderate", 100.0), ("A", "vol_24h_spike", "moderate", -100.0),
        ("B", "vol_24h_spike", "moderate", -100.0),
        ("C", "price_168h_loss", "moderate", 100.0), ("C", "vol_24h_spike", "moderate", -100.0),
        ("D", "price_168h_loss", "moderate", -100.0), ("D", "price_6h_loss", "moderate", -100.0),
        ("D", "vol_24h_spike", "heavy", 300.0)]
    # distances: A |(-1/8, 3/8, -1/4)| = sqrt(14)/8, B |(1/8, 1/8, -1/4)| = sqrt(6)/8, C sqrt(14)/8,
    # D |(-3/8, -3/8, 3/4)| = sqrt(54)/8. Mean (2 sqrt(14) + 4 sqrt(6)) / 32 = 0.54004;
    # population variance 88/256 - mean^2 = 0.052107, std 0.22827: threshold 0.76831. D is above.
    assert set(profiles) == {"A", "B", "C", "D"}
    expected = {"A": math.sqrt(14) / 8, "B": math.sqrt(6) / 8, "C": math.sqrt(14) / 8, "D": math.sqrt(54) / 8}
    for s, distance in expected.items():
        assert profiles[s][0] == pytest.approx(distance, rel=1e-12)
    mean = (2 * math.sqrt(14) + 4 * math.sqrt(6)) / 32
    assert mean + math.sqrt(88 / 256 - mean**2) == pytest.approx(0.76831, abs=1e-5)
    # tags: A short (6h) 3 > 1.5 x long 1; C long 3 > 1.5 x 1; B 1 vs 1 neither;
    # D vol 1 > 1.5 x price 0, short (24h) 1 > 1.5 x 0
    assert {s: p[1] for s, p in profiles.items()} == {
        "A": "Short-Term, Balanced", "B": "Balanced", "C": "Long-Term, Balanced", "D": "Vol Mover, Short-Term"}


def test_balanced_is_strict_at_the_threshold():
    # two members with vectors (1, 0) and (0, 1): centroid (1/2, 1/2), both at distance sqrt(1/2);
    # mean sqrt(1/2), std 0: a distance equal to the threshold is not below it
    buckets = Counter({("A", "price_6h_loss"): 2, ("B", "vol_6h_drop"): 5})
    profiles, rows = skew_profile("losers", ["A", "B"], buckets)
    assert profiles["A"] == (pytest.approx(math.sqrt(0.5), rel=1e-15), "Short-Term")
    assert profiles["B"] == (pytest.approx(math.sqrt(0.5), rel=1e-15), "Vol Mover, Short-Term")
    # deviations (1 - 1/2) / (1/2) * 100 = +-100 everywhere: every cut is 100, every cell heavy
    assert sorted((s, b, level, d) for _, s, b, level, d in rows) == [
        ("A", "price_6h_loss", "heavy", 100.0), ("A", "vol_6h_drop", "heavy", -100.0),
        ("B", "price_6h_loss", "heavy", -100.0), ("B", "vol_6h_drop", "heavy", 100.0)]


def test_values_a_rounding_error_below_a_cut_reach_it():
    # |deviations| 1/3 * 100 computed two ways must not split on the last bit: vectors
    # A (1/3, 2/3), B (2/3, 1/3), C (1/2, 1/2); centroid (1/2, 1/2); |dev| 33.3 x4 and 0 x2.
    # p95 = p75 = p50 = 33.3 (positions 4.75, 3.75, 2.5 of 0, 0, 33.3, 33.3, 33.3, 33.3): A and B
    # heavy in both buckets, whichever of their float deviations is a hair under the interpolated
    # cut; C (0) has no row.
    buckets = Counter({("A", "price_6h_loss"): 1, ("A", "vol_6h_drop"): 2, ("B", "price_6h_loss"): 2,
                       ("B", "vol_6h_drop"): 1, ("C", "price_6h_loss"): 1, ("C", "vol_6h_drop"): 1})
    _, rows = skew_profile("losers", ["A", "B", "C"], buckets)
    assert sorted((s, b, level) for _, s, b, level, _ in rows) == [
        ("A", "price_6h_loss", "heavy"), ("A", "vol_6h_drop", "heavy"),
        ("B", "price_6h_loss", "heavy"), ("B", "vol_6h_drop", "heavy")]
    assert [abs(r[4]) for r in rows] == pytest.approx([100 / 3] * 4, rel=1e-12)


def test_balanced_uses_the_population_std():
    # shares of price_168h_loss 0, 1/4, 1/2, 3/4, 1 (the rest price_6h_loss): centroid (1/2, 1/2),
    # distances sqrt(2) |a - 1/2| = sqrt(2) (1/2, 1/4, 0, 1/4, 1/2). Mean 0.3 sqrt(2) = 0.42426;
    # population variance 2 (1/4 + 1/16 + 0 + 1/16 + 1/4) / 5 - 0.18 = 0.07, threshold
    # 0.42426 + sqrt(0.07) = 0.68884 < sqrt(2)/2 = 0.70711 (a sample std, sqrt(0.0875), would give
    # 0.72007 and make P and T Balanced).
    buckets = Counter({("P", "price_6h_loss"): 1, ("Q", "price_168h_loss"): 1, ("Q", "price_6h_loss"): 3,
                       ("R", "price_168h_loss"): 1, ("R", "price_6h_loss"): 1, ("S", "price_168h_loss"): 3,
                       ("S", "price_6h_loss"): 1, ("T", "price_168h_loss"): 1})
    profiles, rows = skew_profile("gainers", ["P", "Q", "R", "S", "T"], buckets)
    # short (6h) vs long (168h): P 1-0, Q 3-1 Short-Term; R 1-1 neither; S 1-3, T 0-1 Long-Term
    assert {s: p[1] for s, p in profiles.items()} == {
        "P": "Short-Term", "Q": "Short-Term, Balanced", "R": "Balanced", "S": "Long-Term, Balanced", "T": "Long-Term"}
    # deviations (2a - 1) * 100: P -+100, Q -+50, R 0, S +-50, T +-100; |dev| sorted 0 0 50 50 50 50
    # 100 100 100 100: p50 (position 4.5) 50, p75 (6.75) 100, p95 (8.55) 100: 100 heavy, 50 slight
    assert [(s, b, level, d) for _, s, b, level, d in rows] == [
        ("P", "price_168h_loss", "heavy", -100.0), ("P", "price_6h_loss", "heavy", 100.0),
        ("Q", "price_168h_loss", "slight", -50.0), ("Q", "price_6h_loss", "slight", 50.0),
        ("S", "price_168h_loss", "slight", 50.0), ("S", "price_6h_loss", "slight", -50.0),
        ("T", "price_168h_loss", "heavy", 100.0), ("T", "price_6h_loss", "heavy", -100.0)]
