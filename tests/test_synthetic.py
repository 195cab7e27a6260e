"""The synthetic bar generator: deterministic, valid, and with the character it promises."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from pipeline.bars import find_violation
from pipeline.synthetic import KINDS, generate, symbol_name

END = datetime(2026, 1, 31, tzinfo=UTC)


def frames(n=10, days=10, **kw):
    return list(generate(n, days, end=END, seed=11, **kw))


def test_same_seed_same_bars_and_every_bar_is_valid():
    first, second = frames(), frames()
    for (spec_a, a), (spec_b, b) in zip(first, second, strict=True):
        assert spec_a == spec_b
        pd.testing.assert_frame_equal(a, b)
        assert find_violation(a) is None
    other = list(generate(10, 10, end=END, seed=12))
    assert not np.array_equal(first[0][1]["close"], other[0][1]["close"])


def test_bars_end_just_before_end_and_cover_the_days():
    spec, frame = frames(1, 3)[0]
    assert frame["ts"].iloc[-1] == int(END.timestamp()) - 60
    assert len(frame) == 3 * 1440 and (np.diff(frame["ts"]) == 60).all()
    assert spec.symbol == symbol_name(0)


def test_trends_volume_and_trades_look_like_markets():
    out = frames(40, 30)
    change = {k: [] for k in KINDS}
    for spec, frame in out:
        change[spec.kind].append(np.log(frame["close"].iloc[-1] / frame["close"].iloc[0]))
        volume = frame["volume"].to_numpy()
        assert (volume >= 0).all()
        # log-normal with spikes: a heavy right tail
        assert np.percentile(volume, 99) > 4 * np.median(volume[volume > 0])
        assert frame["trades"].min() >= 0
    assert np.mean(change["gainer"]) > 0.1
    assert np.mean(change["loser"]) < -0.1


def test_intraday_cycle_in_activity():
    frame = frames(1, 20)[0][1]
    hour = (frame["ts"] // 3600) % 24
    by_hour = frame.groupby(hour)["trades"].mean()
    assert by_hour.loc[[14, 15, 16]].mean() > 1.3 * by_hour.loc[[2, 3, 4]].mean()


def test_gaps_leave_minutes_out_but_keep_the_grid():
    gapped = frames(10, 5, gaps=True)
    full = frames(10, 5)
    assert sum(len(f) for _, f in gapped) < sum(len(f) for _, f in full)
    for _, frame in gapped:
        assert (frame["ts"] % 60 == 0).all() and frame["ts"].is_monotonic_increasing
        assert find_violation(frame) is None
