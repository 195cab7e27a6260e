"""pipeline.emd_exact against PyEMD itself: the IMFs must be the same bits, not merely close.

Clustering turns on the last bit (a cycle's amplitude at 2.0 %, a tie in DBSCAN's grid), so the
faster decomposition is only acceptable if it changes nothing. The series cover what sifting
branches on: plateaus (equal neighbours), runs of exact zeros, spikes, trends with too few
extrema, the 3-point spline, and lengths from 4 points up.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PyEMD import EMD

from pipeline import emd_exact


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a.view(np.int64), b.view(np.int64))


def series() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261129)
    n = 2000
    t = np.arange(n, dtype=float)
    walk = 100 + np.cumsum(rng.normal(0, 0.3, n))
    cases = {
        "price walk": walk,
        "price, ticks of 0.1 (plateaus)": np.round(walk, 1),
        "price, long flat hours": np.where((t // 120) % 3 == 0, np.round(walk[::120].repeat(120)[:n], 2), walk),
        "volume, log-normal with spikes": rng.lognormal(0, 1, n) * np.where(rng.random(n) < 0.01, 50, 1),
        "volume, 40% zero minutes": np.where(rng.random(n) < 0.4, 0.0, rng.lognormal(0, 1, n)),
        "volume, runs of zeros": np.where((t // 37) % 4 == 0, 0.0, rng.lognormal(0, 1, n)),
        "cycles, intraday and slower": np.sin(2 * np.pi * t / 90) + 0.5 * np.sin(2 * np.pi * t / 700) + 0.01 * t,
        "starts and ends on a plateau": np.concatenate([np.full(30, 5.0), rng.normal(5, 1, 500), np.full(30, 4.0)]),
        "trend only": np.linspace(1, 2, 300) ** 2,
        "constant": np.full(200, 3.0),
        "few extrema (3-point envelope)": np.array([0.0, 1.0, 0.0, 1.5, 0.2, 0.1, 0.05, 0.0]),
        "tiny": np.array([1.0, 3.0, 2.0, 4.0]),
        "short noise": rng.normal(size=101),
    }
    for length in (5, 9, 17, 60):
        cases[f"noise, {length} points"] = rng.normal(size=length)
    return cases


@pytest.mark.parametrize("name,signal", list(series().items()))
def test_emd_exact_is_pyemd_bit_for_bit(name, signal):
    expected = EMD()(signal.copy())
    got = emd_exact.emd(signal.copy())
    assert same_bits(got, expected), (
        f"{name}: shapes {got.shape} vs {expected.shape}, "
        f"max difference {np.max(np.abs(got - expected)) if got.shape == expected.shape else 'n/a'}")


def test_max_iterations_branch_is_the_same(caplog):
    """A volume-like series on which PyEMD's sifting stops at its 1,000-iteration cap for some
    IMF (checked from its log), so the cap's branch is compared too, not only Huang's rule."""
    rng = np.random.default_rng(5)
    signal = np.where(rng.random(3000) < 0.5, 0.0, rng.lognormal(0, 2, 3000))
    with caplog.at_level(logging.INFO, logger="PyEMD.EMD"):
        expected = EMD()(signal.copy())
    assert "Max iterations reached" in caplog.text, "the series no longer reaches the cap; pick another"
    assert same_bits(emd_exact.emd(signal.copy()), expected)


def test_int_input_through_the_compiled_path():
    """Trade counts are integers: PyEMD sifts them as float64, so the compiled path on the same
    values converted must give PyEMD's bits (emd() itself hands ints to PyEMD)."""
    rng = np.random.default_rng(8)
    ints = np.where(rng.random(600) < 0.2, 0, rng.poisson(3, 600)).astype(np.int64)  # plateaus, zero runs
    assert same_bits(emd_exact.emd(ints.astype(np.float64)), EMD()(ints))


def test_other_inputs_go_to_pyemd_unchanged():
    """float32 is sifted by PyEMD in single precision: a different answer from the float64 path,
    so emd() must hand it to PyEMD rather than convert it."""
    x32 = np.random.default_rng(9).normal(size=300).astype(np.float32)
    expected = EMD()(x32.copy())
    as_float64 = emd_exact.emd(x32.astype(np.float64))
    assert not (as_float64.shape == expected.shape and np.array_equal(as_float64, expected)), \
        "float32 and float64 now decompose alike: this check can no longer tell where the input went"
    assert same_bits(emd_exact.emd(x32.copy()), expected)


def test_spline_is_scipys_cubic_spline():
    from scipy.interpolate import CubicSpline

    rng = np.random.default_rng(3)
    grid = np.arange(500, dtype=float)
    x = np.concatenate([[-7.0], np.sort(rng.choice(np.arange(1, 499), 40, replace=False)).astype(float), [506.0]])
    y = rng.normal(size=len(x))
    expected = CubicSpline(x, y)(grid)
    assert same_bits(emd_exact.spline(grid, x, y), expected)


def test_extrema_are_pyemds():
    """Both extrema finders (numpy and compiled) against PyEMD's own `find_extrema` (the default
    "simple" detection): the same maxima and minima positions, and as many zero crossings as
    PyEMD's `indzer` holds (the only use its default sifting makes of them)."""
    rng = np.random.default_rng(11)
    cases = [np.array([0.0, 0.0, 1.0, 1.0, 0.0]), np.array([1.0, 1.0, 1.0, 1.0]), np.array([2.0, 1.0, 1.0, 3.0]),
             np.array([1e-200, -1e-200, 1e-200, 0.0]), np.zeros(10), np.array([0.0, 2.0, 2.0, 1.0, 0.0, 0.0, 3.0]),
             np.array([1.0, 0.0, 2.0, 0.0, -1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 0.5])]
    for _ in range(300):
        n = int(rng.integers(3, 60))
        kind = rng.integers(3)
        x = rng.integers(-2, 3, n).astype(float) if kind == 0 else (
            np.round(rng.normal(size=n), 1) if kind == 1 else np.where(rng.random(n) < 0.5, 0.0, rng.normal(size=n)))
        cases.append(x)
    pyemd = EMD()
    for x in cases:
        grid = np.arange(len(x), dtype=float)
        max_pos, _, min_pos, _, indzer = pyemd.find_extrema(grid, x)
        for got in (emd_exact.find_extrema(x), emd_exact.compiled_extrema(x)):
            assert np.array_equal(grid[got[0]], max_pos) and np.array_equal(grid[got[1]], min_pos), x
            assert got[2] == len(indzer), x


def test_compiled_envelope_is_scipys_cubic_spline():
    from scipy.interpolate import CubicSpline

    rng = np.random.default_rng(4)
    for size in (4, 5, 40, 400):
        x = np.concatenate([[-3.0], np.sort(rng.choice(np.arange(1, 999), size - 2, replace=False)).astype(float),
                            [1003.0]])
        y = rng.normal(size=len(x)) * 10.0 ** rng.integers(-3, 4)
        assert same_bits(emd_exact.envelope(1000, x, y), CubicSpline(x, y)(np.arange(1000, dtype=float)))
