"""The clustering reference (tests/reference_imf.py) on cases worked out from
../shared/spec/imf-clustering.md by hand, and on rules of the spec checked cycle by cycle.

pipeline.imf is checked against this reference (tests/test_imf.py), so the reference itself is
checked here. An EMD is not worked out by hand; where a case needs one, the expected outcome
follows from the spec's rules whatever the IMFs are (a bound on the amplitude, a series with no
extrema), or the rule is checked on every cycle the reference returns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import reference_imf

T0 = 1_767_225_600  # 2026-01-01 00:00 UTC
EMPTY = {"gmm": [], "dbscan": []}


def test_grid_fills_forward_and_volume_with_zero():
    # bars at minutes 0, 1, 4 (2 and 3 missing) and 5
    ts = T0 + 60 * np.array([0, 1, 4, 5])
    g = reference_imf.grid(ts, np.array([10.0, 11.0, 12.0, 13.0]), np.array([1.0, 2.0, 3.0, 4.0]))
    assert g.index.tolist() == list(pd.date_range("2026-01-01 00:00", "2026-01-01 00:05", freq="1min"))
    assert g["close"].tolist() == [10, 11, 11, 11, 12, 13]  # missing minutes: the previous close
    assert g["volume"].tolist() == [1, 2, 0, 0, 3, 4]  # missing minutes: no volume


def test_windows_are_the_specs():
    # 6h (0.25 day), 12h, 24h, 3d, 7d, 30d in this order; kmax 5 up to 24h, 10 for 3d and 7d, 15 for 30d
    assert reference_imf.WINDOWS == [("6h", 0.25, 5), ("12h", 0.5, 5), ("24h", 1, 5), ("3d", 3, 10),
                                     ("7d", 7, 10), ("30d", 30, 15)]


def busy_member(n: int = 100, seed: int = 0):
    """n minutes of a 2 %-a-minute random walk and log-normal volume: many cycles."""
    rng = np.random.default_rng(seed)
    return (T0 + 60 * np.arange(n), 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n))), rng.lognormal(0, 1, n))


def test_fewer_than_100_points_is_empty():
    g = reference_imf.grid(*busy_member())
    assert reference_imf.window_result(g, 0.25, 5)["gmm"], "100 points of this series should cluster"
    assert reference_imf.window_result(g.iloc[1:], 0.25, 5) == EMPTY  # 99 points
    # the 6 h window of a longer grid keeps the points at or after last - 360 min: 361 of them
    ts, close, volume = busy_member(500)
    g = reference_imf.grid(ts, close, volume)
    assert reference_imf.window_result(g, 0.25, 5) == reference_imf.window_result(g.iloc[-361:], 0.25, 5)
    assert reference_imf.window_result(g, 0.25, 5) != reference_imf.window_result(g.iloc[-360:], 0.25, 5)


def test_price_cycles_need_two_percent():
    # price within 100 +- 0.5: between any two peaks |S(t1) - S(t0)| <= 1 and S(t0) >= 99.5,
    # so |amplitude| <= 1 / 99.5 * 100 = 1.005 % < 2 %: no price cycle, an empty result
    ts, _, volume = busy_member(400)
    price = 100 + 0.5 * np.sin(2 * np.pi * np.arange(400) / 37) * np.cos(2 * np.pi * np.arange(400) / 151)
    assert reference_imf.cycles_of(price, lambda a: True), "the price has cycles, of small amplitude"
    assert reference_imf.cycles_of(price, lambda a: a >= 2.0) == []
    assert reference_imf.window_result(reference_imf.grid(ts, price, volume), 0.25, 5) == EMPTY


def test_constant_volume_has_no_cycles():
    # a constant has no extrema: EMD returns it as the residue, which has no peaks
    ts, close, _ = busy_member(400)
    volume = np.full(400, 7.0)
    assert reference_imf.cycles_of(volume, lambda a: True) == []
    assert reference_imf.cycles_of(close, lambda a: a >= 2.0), "the price has cycles of 2 % and more"
    assert reference_imf.window_result(reference_imf.grid(ts, close, volume), 0.25, 5) == EMPTY


def test_cycles_follow_the_rules():
    """Every cycle: two consecutive peaks of one IMF, its amplitude measured on the series (not
    the IMF), never from a zero."""
    from PyEMD import EMD
    from scipy.signal import find_peaks

    rng = np.random.default_rng(4)
    volume = np.where(rng.random(600) < 0.3, 0.0, rng.lognormal(0, 1, 600))
    imfs = EMD()(volume.copy())
    found = reference_imf.cycles_of(volume, lambda a: True)
    assert found and any(volume[find_peaks(imf)[0]].min() == 0 for imf in imfs), "some IMF should peak at a zero"
    for index, t0, t1, amplitude in found:
        peaks = find_peaks(imfs[index])[0].tolist()
        assert peaks.index(t1) == peaks.index(t0) + 1
        assert volume[t0] != 0
        assert amplitude == (volume[t1] - volume[t0]) / volume[t0] * 100
    skipped = sum(1 for imf in imfs for t0 in find_peaks(imf)[0][:-1] if volume[t0] == 0)
    assert len(found) == sum(max(len(find_peaks(imf)[0]) - 1, 0) for imf in imfs) - skipped



def test_amplitude_between_consecutive_peaks_of_the_series():
    # PyEMD's extrema skip a plateau that starts at the second point, so 99, 100, 100, 99, 102, 101,
    # 100, 99.5 has two (a minimum at 3, a maximum at 4): EMD returns the series whole, as its
    # residue. find_peaks sees the plateau too (peak at its middle, index 1) and index 4: one cycle,
    # (102 - 100) / 100 * 100 = 2.0 exactly; with 101.99 at index 4, 1.99
    series = [99.0, 100.0, 100.0, 99.0, 102.0, 101.0, 100.0, 99.5]
    assert reference_imf.cycles_of(np.array(series), lambda a: True) == [(0, 1, 4, 2.0)]
    series[4] = 101.99
    assert reference_imf.cycles_of(np.array(series), lambda a: True) == [(0, 1, 4, pytest.approx(1.99, rel=1e-12))]


def test_cluster_summaries_by_hand():
    rows = [{"amplitude_pct": a, "duration_min": d, "total_volume": v}
            for a, d, v in [(2, 10, 100), (4, 20, 300), (9, 30, 200), (3, 50, 50), (5, 60, 70), (100, 5, 1)]]
    labels = [1, 1, 1, 0, 0, -1]
    # cluster 0: amplitudes 3, 5 -> median 4, |3-4|, |5-4| -> MAD 1; durations 50, 60 -> 55, 5;
    # volumes 50, 70 -> 60, 10. Cluster 1: amplitudes 2, 4, 9 -> 4, MAD of 2, 0, 5 = 2; durations
    # 10, 20, 30 -> 20, MAD of 10, 0, 10 = 10; volumes 100, 300, 200 -> 200, MAD of 100, 100, 0 = 100.
    zero = {"cluster": 0, "count": 2, "median_amplitude_pct": 4.0, "mad_amplitude_pct": 1.0,
            "median_duration_min": 55.0, "mad_duration_min": 5.0, "median_total_volume": 60.0,
            "mad_total_volume": 10.0}
    one = {"cluster": 1, "count": 3, "median_amplitude_pct": 4.0, "mad_amplitude_pct": 2.0,
           "median_duration_min": 20.0, "mad_duration_min": 10.0, "median_total_volume": 200.0,
           "mad_total_volume": 100.0}
    noise = {"cluster": -1, "count": 1, "median_amplitude_pct": 100.0, "mad_amplitude_pct": 0.0,
             "median_duration_min": 5.0, "mad_duration_min": 0.0, "median_total_volume": 1.0,
             "mad_total_volume": 0.0}
    assert reference_imf.summaries(rows, labels, skip_noise=True) == [zero, one]  # DBSCAN: noise left out
    got = reference_imf.summaries(rows, labels, skip_noise=False)
    assert got == [noise, zero, one] and [list(c) for c in got] == [list(zero)] * 3  # sorted by id, key order


def test_window_result_counts_and_fields():
    """The GMM labels every fused cycle once, so its counts add up to the fused cycles of steps 4-6:
    price cycles of 2 % or more with a nonzero-amplitude volume cycle starting or ending inside."""
    ts, close, volume = busy_member(1000, seed=2)
    g = reference_imf.grid(ts, close, volume)
    result = reference_imf.window_result(g, 1, 5)
    price, vol = g["close"].to_numpy(), g["volume"].to_numpy()
    volume_cycles = [(t0, t1) for _, t0, t1, a in reference_imf.cycles_of(vol, lambda a: True) if a != 0]
    fused = [(s, e) for _, s, e, a in reference_imf.cycles_of(price, lambda a: True) if a >= 2.0
             and any(s <= t <= e for v in volume_cycles for t in v)]
    assert len(fused) >= 2 and sum(c["count"] for c in result["gmm"]) == len(fused)
    assert result["dbscan"], "the series should give DBSCAN clusters"
    assert sum(c["count"] for c in result["dbscan"]) <= len(fused)
    for c in result["dbscan"]:
        assert c["cluster"] >= 0 and c["flag_small"] == (c["count"] < 5)  # noise (-1) left out
        assert c["parameters"]["eps"] > 0 and 2 <= c["parameters"]["min_samples"] <= 7
