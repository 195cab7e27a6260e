"""The clustering maths (python_jobs/pipeline/imf.py) on hand-made series, and against the spec's
steps implemented plainly (tests/reference_imf.py) on a synthetic member."""

from __future__ import annotations

import numpy as np
import pytest

import reference_imf
from helpers import same
from pipeline import imf
from pipeline.synthetic import generate


def test_regular_series_fills_gaps():
    ts = np.array([0, 60, 240, 300]) + 1_700_000_040
    s = imf.regular_series(ts, np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 6.0, 7.0, 8.0]))
    assert s.ts.tolist() == list(range(1_700_000_040, 1_700_000_041 + 300, 60))
    assert s.price.tolist() == [1, 2, 2, 2, 3, 4]  # missing minutes: the previous close
    assert s.volume.tolist() == [5, 6, 0, 0, 7, 8]  # missing minutes: no volume
    assert imf.window_slice(s, 1.0) is None  # fewer than 100 points


def test_cycles_between_consecutive_peaks():
    t = np.arange(400)
    wave = np.sin(2 * np.pi * t / 100)  # peaks at 25, 125, 225, 325
    signal = 100 + t * 0.05  # measured on the signal, not on the IMF
    found = imf.cycles(np.vstack([wave, -wave]), signal)
    first = found.select(found.imf == 0)
    assert first.start.tolist() == [25, 125, 225] and first.end.tolist() == [125, 225, 325]
    assert first.duration_min.tolist() == [100.0] * 3
    assert first.amplitude_pct[0] == pytest.approx((signal[125] - signal[25]) / signal[25] * 100)
    assert found.select(found.imf == 1).start.tolist() == [75, 175, 275]
    # price cycles need 2 %, volume cycles only a change; a start at zero volume is skipped
    assert len(imf.price_cycles(np.vstack([wave]), signal)) == 3  # about 4.7 % each
    assert len(imf.price_cycles(np.vstack([wave]), 100 + t * 0.01)) == 0  # 1 % each: below 2 %
    volume = np.where(t == 25, 0.0, 1.0 + t)
    assert imf.volume_cycles(np.vstack([wave]), volume).start.tolist() == [125, 225]


def brute_force_fuse(price, volume, series):
    counts, totals = [], []
    for s, e in zip(price.start, price.end, strict=True):
        mask = ((volume.start >= s) & (volume.start <= e)) | ((volume.end >= s) & (volume.end <= e))
        counts.append(int(mask.sum()))
        totals.append(sum(series[a:b + 1].sum() for a, b in zip(volume.start[mask], volume.end[mask], strict=True)))
    # same slice sums added in the same order: equal to the last bit
    return np.array(counts), np.array(totals)


@pytest.mark.parametrize("seed", range(5))
def test_fusion_equals_the_pairwise_definition(seed):
    rng = np.random.default_rng(seed)
    n = 2000
    series = rng.gamma(2.0, 3.0, size=n)

    def random_cycles(count, max_len):
        start = rng.integers(0, n - max_len, size=count)
        end = start + rng.integers(1, max_len, size=count)
        return imf.Cycles(np.zeros(count, dtype=int), start, end, np.ones(count))

    price, volume = random_cycles(300, 200), random_cycles(500, 80)
    counts, totals = imf.fuse(price, volume, series)
    expected_counts, expected_totals = brute_force_fuse(price, volume, series)
    assert counts.tolist() == expected_counts.tolist()
    assert totals.tolist() == expected_totals.tolist()


@pytest.mark.slow
def test_member_equals_the_spec_steps():
    (_, frame), = generate(1, 1.5, seed=21, gaps=True, end=None)
    ts, close, volume = frame["ts"].to_numpy(), frame["close"].to_numpy(), frame["volume"].to_numpy()
    ours = imf.analyse_member(ts, close, volume)
    reference = reference_imf.member_result(ts, close, volume)
    same(ours, reference)
    assert any(ours[w]["gmm"] for w in ours), "the test series should produce clusters"


@pytest.mark.parametrize("n", [3, 8, 60, 400])
def test_dbscan_grid_labels_equal_plain_dbscan(n):
    """Neighbourhoods found once per eps, labelled per min_samples: DBSCAN's own labels."""
    from sklearn.cluster import DBSCAN

    rng = np.random.default_rng(n)
    points = np.vstack([rng.normal(0, 1, (n // 2, 3)), rng.normal(4, 0.5, (n - n // 2, 3))])
    points[: n // 4] = np.round(points[: n // 4], 1)  # ties: points at exactly eps from each other
    for eps in (0.1, 0.3, 0.5, 1.0, 2.5):
        neighborhoods = imf.dbscan_neighborhoods(points, eps)
        for min_samples in range(2, 8):
            expected = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(points)
            assert np.array_equal(imf.dbscan_labels(neighborhoods, min_samples), expected)
